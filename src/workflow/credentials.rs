//! Which steps of a job obtain AWS credentials, and how: this action (container or native),
//! `aws-actions/configure-aws-credentials` at any version, other actions that take a role to
//! assume, raw OIDC token requests in `run:` or `actions/github-script`, and static keys from
//! secrets (CAC's key inputs, `AWS_ACCESS_KEY_ID` in `env`, `aws configure set`). Role values
//! are resolved through the job's `env` and matrix where they are literal there. Pure.

use super::model::{Job, Step};

/// How a step gets credentials.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `oidc-assume/oidc-assume` (or `/native`).
    OidcAssume,
    /// `aws-actions/configure-aws-credentials` with a role and no keys: web identity.
    ConfigureAwsCredentials,
    /// Another action given a role to assume (`role-to-assume`, `role-arn`, …).
    OtherAction,
    /// The job's OIDC token requested by hand (`ACTIONS_ID_TOKEN_REQUEST_URL`,
    /// `core.getIDToken`).
    TokenRequest,
    /// Long-lived keys from secrets.
    StaticKeys,
}

/// A role as a workflow names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoleRef {
    /// An ARN or role name written out (or reached through `env`/matrix literals).
    Literal(String),
    /// An expression the workflow does not resolve (`${{ vars.DEPLOY_ROLE }}`,
    /// `${{ secrets.ROLE }}`).
    Expression(String),
}

/// One step that obtains credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialUse {
    pub kind: Kind,
    /// Index of the step in the job.
    pub step: usize,
    pub line: usize,
    /// The action as written, for action steps.
    pub action: Option<String>,
    /// The roles the step assumes (several through a matrix).
    pub roles: Vec<RoleRef>,
    /// The expressions that hand in static keys (`${{ secrets.AWS_ACCESS_KEY_ID }}`).
    pub keys: Vec<String>,
}

/// Inputs other OIDC-to-AWS actions take the role in.
const ROLE_INPUTS: &[&str] = &[
    "role-to-assume",
    "role-arn",
    "aws-role-arn",
    "role_arn",
    "role",
];

/// The steps of `job` that obtain AWS credentials, in order.
pub fn credential_uses(job: &Job) -> Vec<CredentialUse> {
    let mut out = Vec::new();
    for (i, step) in job.steps.iter().enumerate() {
        out.extend(action_use(job, i, step));
        out.extend(run_use(i, step));
        if let Some(keys) = env_keys(job, step) {
            out.push(CredentialUse {
                kind: Kind::StaticKeys,
                step: i,
                line: step.line,
                action: step.uses.clone(),
                roles: Vec::new(),
                keys,
            });
        }
    }
    out
}

/// `owner/repo[/path]@ref` → `owner/repo[/path]`, lowercased (GitHub's names are not
/// case-sensitive).
fn action_name(uses: &str) -> String {
    uses.split('@').next().unwrap_or(uses).to_ascii_lowercase()
}

fn input<'s>(step: &'s Step, name: &str) -> Option<&'s str> {
    step.with
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

fn action_use(job: &Job, i: usize, step: &Step) -> Option<CredentialUse> {
    let uses = step.uses.as_deref()?;
    let name = action_name(uses);
    let keys: Vec<String> = ["aws-access-key-id", "aws-secret-access-key"]
        .iter()
        .filter_map(|k| input(step, k).map(str::to_string))
        .collect();
    let role = |inputs: &[&str]| {
        inputs
            .iter()
            .find_map(|k| input(step, k))
            .map(|v| resolve(v, job, step))
            .unwrap_or_default()
    };
    let (kind, roles) =
        if name == "oidc-assume/oidc-assume" || name == "oidc-assume/oidc-assume/native" {
            (Kind::OidcAssume, role(&["role-to-assume"]))
        } else if name == "aws-actions/configure-aws-credentials" {
            let kind = if keys.is_empty() {
                Kind::ConfigureAwsCredentials
            } else {
                Kind::StaticKeys
            };
            (kind, role(&["role-to-assume"]))
        } else if name == "actions/github-script"
            && input(step, "script").is_some_and(|s| s.contains("getIDToken"))
        {
            (Kind::TokenRequest, Vec::new())
        } else if ROLE_INPUTS.iter().any(|k| input(step, k).is_some()) {
            (Kind::OtherAction, role(ROLE_INPUTS))
        } else if !keys.is_empty() {
            (Kind::StaticKeys, Vec::new())
        } else {
            return None;
        };
    Some(CredentialUse {
        kind,
        step: i,
        line: step.line,
        action: Some(uses.to_string()),
        roles,
        keys,
    })
}

fn run_use(i: usize, step: &Step) -> Option<CredentialUse> {
    let run = step.run.as_deref()?;
    let kind = if run.contains("ACTIONS_ID_TOKEN_REQUEST_URL")
        || run.contains("ACTIONS_ID_TOKEN_REQUEST_TOKEN")
    {
        Kind::TokenRequest
    } else if run.contains("aws configure set aws_access_key_id")
        || run.contains("aws configure set aws_secret_access_key")
    {
        Kind::StaticKeys
    } else {
        return None;
    };
    Some(CredentialUse {
        kind,
        step: i,
        line: step.line,
        action: None,
        roles: Vec::new(),
        keys: Vec::new(),
    })
}

/// `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY` handed to a step from secrets (step or job
/// `env`); reported once, at the first step that runs with them.
fn env_keys(job: &Job, step: &Step) -> Option<Vec<String>> {
    let names = ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"];
    let from = |env: &[(String, String)]| -> Vec<String> {
        env.iter()
            .filter(|(k, v)| names.contains(&k.as_str()) && v.contains("secrets."))
            .map(|(_, v)| v.clone())
            .collect()
    };
    let step_keys = from(&step.env);
    if !step_keys.is_empty() {
        return Some(step_keys);
    }
    let job_keys = from(&job.env);
    let first = job.steps.first().is_some_and(|s| std::ptr::eq(s, step));
    (first && !job_keys.is_empty()).then_some(job_keys)
}

/// A role input's value: literal, an `${{ env.X }}` or `${{ matrix.X }}` that the job writes
/// out, or an expression kept as written.
fn resolve(value: &str, job: &Job, step: &Step) -> Vec<RoleRef> {
    let value = value.trim();
    let Some(expr) = value
        .strip_prefix("${{")
        .and_then(|v| v.strip_suffix("}}"))
        .map(str::trim)
    else {
        return if value.contains("${{") {
            vec![RoleRef::Expression(value.to_string())]
        } else {
            vec![RoleRef::Literal(value.to_string())]
        };
    };
    if let Some(name) = expr.strip_prefix("env.") {
        let found = step
            .env
            .iter()
            .chain(&job.env)
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone());
        // An env value that is itself an expression is resolved once more, not forever.
        if let Some(v) = found.filter(|v| !v.contains("env.")) {
            return resolve(&v, job, step);
        }
    }
    if let Some(key) = expr.strip_prefix("matrix.")
        && let Some((_, values)) = job.matrix.iter().find(|(k, _)| k == key)
        && values.iter().all(|v| !v.contains("${{"))
    {
        return values.iter().map(|v| RoleRef::Literal(v.clone())).collect();
    }
    vec![RoleRef::Expression(value.to_string())]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workflow::read;

    /// What the tests compare: the kind, the roles and the key expressions of each use.
    type Found = Vec<(Kind, Vec<RoleRef>, Vec<String>)>;

    fn uses(steps: &str) -> Found {
        let text = format!(
            "on: push\njobs:\n  a:\n    env:\n      JOB_ROLE: arn:aws:iam::111111111111:role/job\n    strategy:\n      matrix:\n        role: [arn:aws:iam::111111111111:role/a, arn:aws:iam::111111111111:role/b]\n    steps:\n{steps}"
        );
        let w = read("w.yml", &text).unwrap();
        credential_uses(&w.jobs[0])
            .into_iter()
            .map(|u| (u.kind, u.roles, u.keys))
            .collect()
    }

    fn lit(s: &str) -> RoleRef {
        RoleRef::Literal(s.into())
    }

    #[test]
    fn steps_that_obtain_credentials() {
        let cases: Vec<(&str, Found)> = vec![
            (
                "      - uses: aws-actions/configure-aws-credentials@v4\n        with:\n          role-to-assume: arn:aws:iam::111111111111:role/deploy\n",
                vec![(
                    Kind::ConfigureAwsCredentials,
                    vec![lit("arn:aws:iam::111111111111:role/deploy")],
                    vec![],
                )],
            ),
            (
                "      - uses: Aws-Actions/Configure-AWS-Credentials@e3dd6a429d7300a6a4c196c26e071d42e0343502\n        with:\n          aws-access-key-id: ${{ secrets.AWS_ACCESS_KEY_ID }}\n          aws-secret-access-key: ${{ secrets.AWS_SECRET_ACCESS_KEY }}\n          role-to-assume: ${{ vars.DEPLOY_ROLE }}\n",
                vec![(
                    Kind::StaticKeys,
                    vec![RoleRef::Expression("${{ vars.DEPLOY_ROLE }}".into())],
                    vec![
                        "${{ secrets.AWS_ACCESS_KEY_ID }}".into(),
                        "${{ secrets.AWS_SECRET_ACCESS_KEY }}".into(),
                    ],
                )],
            ),
            (
                "      - uses: oidc-assume/oidc-assume/native@v1\n        with:\n          role-to-assume: ${{ env.JOB_ROLE }}\n",
                vec![(
                    Kind::OidcAssume,
                    vec![lit("arn:aws:iam::111111111111:role/job")],
                    vec![],
                )],
            ),
            (
                "      - uses: oidc-assume/oidc-assume@v1\n        with:\n          role-to-assume: ${{ matrix.role }}\n",
                vec![(
                    Kind::OidcAssume,
                    vec![
                        lit("arn:aws:iam::111111111111:role/a"),
                        lit("arn:aws:iam::111111111111:role/b"),
                    ],
                    vec![],
                )],
            ),
            (
                "      - uses: someone/assume-aws-role@v2\n        with:\n          role-arn: arn:aws:iam::111111111111:role/other\n",
                vec![(
                    Kind::OtherAction,
                    vec![lit("arn:aws:iam::111111111111:role/other")],
                    vec![],
                )],
            ),
            (
                "      - run: |\n          curl -sH \"Authorization: bearer $ACTIONS_ID_TOKEN_REQUEST_TOKEN\" \"$ACTIONS_ID_TOKEN_REQUEST_URL&audience=sts.amazonaws.com\"\n",
                vec![(Kind::TokenRequest, vec![], vec![])],
            ),
            (
                "      - uses: actions/github-script@v7\n        with:\n          script: const t = await core.getIDToken('sts.amazonaws.com')\n",
                vec![(Kind::TokenRequest, vec![], vec![])],
            ),
            (
                "      - run: aws s3 sync dist s3://site\n        env:\n          AWS_ACCESS_KEY_ID: ${{ secrets.KEY_ID }}\n          AWS_SECRET_ACCESS_KEY: ${{ secrets.SECRET }}\n",
                vec![(
                    Kind::StaticKeys,
                    vec![],
                    vec![
                        "${{ secrets.KEY_ID }}".into(),
                        "${{ secrets.SECRET }}".into(),
                    ],
                )],
            ),
            (
                "      - run: aws configure set aws_access_key_id \"$KEY\"\n",
                vec![(Kind::StaticKeys, vec![], vec![])],
            ),
            // Neither: a checkout, and an env value that is not a secret.
            (
                "      - uses: actions/checkout@v4\n      - run: make\n        env:\n          AWS_ACCESS_KEY_ID: test\n",
                vec![],
            ),
        ];
        for (steps, want) in cases {
            assert_eq!(uses(steps), want, "{steps}");
        }
    }

    #[test]
    fn job_env_keys_are_reported_once() {
        let text = "on: push\njobs:\n  a:\n    env:\n      AWS_ACCESS_KEY_ID: ${{ secrets.ID }}\n      AWS_SECRET_ACCESS_KEY: ${{ secrets.SECRET }}\n    steps:\n      - run: one\n      - run: two\n";
        let w = read("w.yml", text).unwrap();
        let found = credential_uses(&w.jobs[0]);
        assert_eq!(found.len(), 1);
        assert_eq!(
            (found[0].kind, found[0].step, found[0].line),
            (Kind::StaticKeys, 0, 8)
        );
    }
}
