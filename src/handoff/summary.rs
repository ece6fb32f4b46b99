//! What the step tells the reader once credentials are exported: a line per set of
//! credentials, and the Markdown step summary. Pure: no I/O.

use crate::config::{Config, Source};
use crate::plan::Produced;

/// What vouched for the credentials, in the one-line report: the claim policy's rule for a
/// token; for keys or credentials already present, where they came from (a claim policy checks
/// a token's claims, so it never applies to them).
fn basis(config: &Config, rule: Option<&str>) -> String {
    match (&config.credentials.source, rule) {
        (Source::WebIdentity(_), Some(rule)) => format!("policy rule `{rule}`"),
        (Source::WebIdentity(_), None) => "no claim policy".to_string(),
        (Source::Keys(_), _) => {
            "from the `aws-access-key-id` input; no token, so no claim policy applies".to_string()
        }
        (Source::Existing, _) => {
            "from the AWS credentials already present; no token, so no claim policy applies"
                .to_string()
        }
    }
}

/// One line per set of credentials, once exported: what it is, until when, and by which rule.
pub fn report_lines(config: &Config, produced: &[Produced], rule: Option<&str>) -> Vec<String> {
    let mut lines = Vec::new();
    for p in produced {
        let arn = match (config.exports.mask_account_id, p.creds.account_id()) {
            (true, Some(account)) => p.creds.assumed_role_arn.replace(account, "***"),
            _ => p.creds.assumed_role_arn.clone(),
        };
        let target = p
            .plan
            .profile
            .as_deref()
            .map_or_else(String::new, |name| format!(" as profile `{name}`"));
        let what = if p.creds.expiration.is_empty() {
            format!("exported the static keys of {arn} as they are{target}")
        } else {
            format!("assumed {arn}{target} until {}", p.creds.expiration)
        };
        lines.push(format!("oidc-assume: {what} ({})", basis(config, rule)));
    }
    lines
}

/// The Markdown table of each set of credentials for `GITHUB_STEP_SUMMARY`; the account is
/// hidden when `mask-aws-account-id` is on.
pub fn step_summary(config: &Config, produced: &[Produced], rule: Option<&str>) -> String {
    let cell = |s: &str| format!("`{}`", s.replace(['`', '|', '\n', '\r'], " "));
    let mut text = String::from("### oidc-assume\n\n");
    for p in produced {
        let account = p.creds.account_id();
        let hide = |s: &str| match (config.exports.mask_account_id, account) {
            (true, Some(a)) => s.replace(a, "***"),
            _ => s.to_string(),
        };
        let arn = &p.creds.assumed_role_arn;
        // `arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION`; static keys have no session.
        let session_name = arn
            .contains(":assumed-role/")
            .then(|| arn.rsplit('/').next())
            .flatten();
        let session = session_name.map_or_else(|| "none (static keys)".to_string(), cell);
        text.push_str("| | |\n|---|---|\n");
        if let Some(profile) = &p.plan.profile {
            text.push_str(&format!("| Profile | {} |\n", cell(profile)));
        }
        text.push_str(&format!("| Identity | {} |\n", cell(&hide(arn))));
        text.push_str(&format!(
            "| Account | {} |\n",
            account.map_or_else(|| "unknown".to_string(), |a| cell(&hide(a)))
        ));
        text.push_str(&format!("| Session | {session} |\n"));
        let expires = if p.creds.expiration.is_empty() {
            "never (static keys)".to_string()
        } else {
            cell(&p.creds.expiration)
        };
        text.push_str(&format!("| Expires | {expires} |\n"));
        // Keys and credentials already present have no claims to check: the row says where
        // they came from instead of a policy that could never apply.
        text.push_str(&match &config.credentials.source {
            Source::WebIdentity(_) => format!(
                "| Policy rule | {} |\n\n",
                rule.map_or_else(|| "none (no claim policy)".to_string(), cell)
            ),
            Source::Keys(_) => {
                "| Source | the `aws-access-key-id` input (no token, so no claim policy applies) |\n\n".to_string()
            }
            Source::Existing => {
                "| Source | the AWS credentials already present (no token, so no claim policy applies) |\n\n".to_string()
            }
        });
        if let Some(name) = session_name {
            text.push_str(&format!(
                "What this session did, in CloudTrail (events take up to 15 minutes to appear):\n\n```sh\n{}\n```\n\n",
                cloudtrail_lookup(&p.plan.region, name)
            ));
        }
    }
    text
}

/// The `aws cloudtrail lookup-events` command that lists what a role session did: CloudTrail
/// records a session's calls under its session name as the user name. Session names are
/// `[\w+=,.@-]`, so the command needs no quoting; anything else is quoted for a POSIX shell.
pub fn cloudtrail_lookup(region: &str, session_name: &str) -> String {
    let safe = |s: &str| {
        s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_+=,.@-".contains(&b))
    };
    let value = if safe(session_name) {
        session_name.to_string()
    } else {
        format!("'{}'", session_name.replace('\'', "'\\''"))
    };
    format!(
        "aws cloudtrail lookup-events --region {region} --lookup-attributes AttributeKey=Username,AttributeValue={value}"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Mode;
    use crate::env::Env;
    use crate::inputs::{Flags, Inputs};
    use crate::plan::Plan;
    use crate::secret::Secret;
    use crate::sts::Credentials;

    fn run(extra: &[(&str, &str)], expiration: &str, rule: Option<&str>) -> (Vec<String>, String) {
        let mut pairs = vec![
            (
                "INPUT_ROLE-TO-ASSUME",
                "arn:aws:iam::123456789012:role/deploy",
            ),
            ("INPUT_AWS-REGION", "eu-west-1"),
        ];
        pairs.extend_from_slice(extra);
        let env = Env::from_pairs(pairs);
        let config = Config::from_inputs(Inputs::new(&Flags::new(), &env), Mode::Action).unwrap();
        let produced = [Produced {
            plan: Plan::all(&config).remove(0),
            creds: Credentials {
                access_key_id: Secret::new("ASIAEXAMPLE"),
                secret_access_key: Secret::new("secret"),
                session_token: Secret::new("token"),
                expiration: expiration.into(),
                assumed_role_arn: "arn:aws:sts::123456789012:assumed-role/deploy/gha-1|x`y".into(),
            },
        }];
        (
            report_lines(&config, &produced, rule),
            step_summary(&config, &produced, rule),
        )
    }

    #[test]
    fn lines_and_summary_say_what_was_assumed() {
        let (lines, summary) = run(&[], "2026-11-24T13:00:00Z", Some("main"));
        assert_eq!(
            lines,
            [
                "oidc-assume: assumed arn:aws:sts::123456789012:assumed-role/deploy/gha-1|x`y until 2026-11-24T13:00:00Z (policy rule `main`)"
            ]
        );
        assert!(
            summary.starts_with("### oidc-assume\n\n| | |\n|---|---|\n"),
            "{summary}"
        );
        // Table cells never break the table: `|` and backticks become spaces.
        assert!(summary.contains("| Session | `gha-1 x y` |"), "{summary}");
        assert!(
            summary.contains("| Account | `123456789012` |"),
            "{summary}"
        );
        assert!(summary.contains("| Policy rule | `main` |"), "{summary}");
        assert!(
            summary.contains("```sh\naws cloudtrail lookup-events --region eu-west-1 --lookup-attributes AttributeKey=Username,AttributeValue='gha-1|x`y'\n```"),
            "{summary}"
        );
    }

    #[test]
    fn each_source_says_what_vouched_for_the_credentials() {
        // (inputs, rule, end of the line, the summary's row)
        let keys = [
            ("INPUT_AWS-ACCESS-KEY-ID", "AKIAIOSFODNN7EXAMPLE"),
            ("INPUT_AWS-SECRET-ACCESS-KEY", "secret"),
        ];
        type Inputs<'a> = &'a [(&'a str, &'a str)];
        let cases: &[(Inputs, Option<&str>, &str, &str)] = &[
            (
                &[],
                Some("main"),
                "(policy rule `main`)",
                "| Policy rule | `main` |",
            ),
            (
                &[],
                None,
                "(no claim policy)",
                "| Policy rule | none (no claim policy) |",
            ),
            (
                &keys,
                None,
                "(from the `aws-access-key-id` input; no token, so no claim policy applies)",
                "| Source | the `aws-access-key-id` input (no token, so no claim policy applies) |",
            ),
            (
                &[("INPUT_ROLE-CHAINING", "true")],
                None,
                "(from the AWS credentials already present; no token, so no claim policy applies)",
                "| Source | the AWS credentials already present (no token, so no claim policy applies) |",
            ),
        ];
        for (inputs, rule, end, row) in cases {
            let (lines, summary) = run(inputs, "2026-11-24T13:00:00Z", *rule);
            assert!(lines[0].ends_with(end), "{}", lines[0]);
            assert!(summary.contains(row), "{summary}");
        }
    }

    #[test]
    fn the_cloudtrail_lookup_is_one_copy_paste() {
        assert_eq!(
            cloudtrail_lookup("eu-west-1", "gha-11843209874-1-octo-org.octo-repo"),
            "aws cloudtrail lookup-events --region eu-west-1 --lookup-attributes AttributeKey=Username,AttributeValue=gha-11843209874-1-octo-org.octo-repo"
        );
        assert!(cloudtrail_lookup("us-east-1", "a'b").ends_with("AttributeValue='a'\\''b'"));
    }

    #[test]
    fn masked_accounts_and_static_keys() {
        let (lines, summary) = run(
            &[
                ("INPUT_MASK-AWS-ACCOUNT-ID", "true"),
                ("INPUT_AWS-PROFILE", "p"),
                ("INPUT_AWS-ACCESS-KEY-ID", "AKIAIOSFODNN7EXAMPLE"),
                ("INPUT_AWS-SECRET-ACCESS-KEY", "secret"),
            ],
            "",
            None,
        );
        assert!(
            lines[0].contains("exported the static keys of arn:aws:sts::***:assumed-role"),
            "{}",
            lines[0]
        );
        assert!(
            lines[0].ends_with(" as profile `p` (from the `aws-access-key-id` input; no token, so no claim policy applies)"),
            "{}",
            lines[0]
        );
        assert!(!summary.contains("123456789012"), "{summary}");
        assert!(
            summary.contains("| Expires | never (static keys) |"),
            "{summary}"
        );
        assert!(summary.contains("| Profile | `p` |"), "{summary}");
        assert!(
            summary.contains(
                "| Source | the `aws-access-key-id` input (no token, so no claim policy applies) |"
            ),
            "{summary}"
        );
        assert!(!summary.contains("Policy rule"), "{summary}");
    }
}
