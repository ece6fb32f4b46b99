//! Every use of static AWS keys in a repository's workflows, per job: configure-aws-credentials'
//! key inputs, `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY` from secrets in workflow, job or step
//! `env`, `aws configure set` in `run:`, keys handed to other actions; the secrets used, the role
//! the keys then assume, the region. Pure.

use crate::workflow::{Job, Step, Workflow};

/// How a job gets its keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyStyle {
    /// `aws-actions/configure-aws-credentials` with `aws-access-key-id`/`aws-secret-access-key`.
    ActionInputs,
    /// `env:` of the step.
    StepEnv,
    /// `env:` of the job.
    JobEnv,
    /// `env:` of the workflow (every job gets them).
    WorkflowEnv,
    /// `aws configure set aws_access_key_id …` in a `run:` script.
    ConfigureSet,
    /// Another action given the keys as inputs.
    OtherAction,
}

impl KeyStyle {
    pub fn describe(&self) -> &'static str {
        match self {
            KeyStyle::ActionInputs => "configure-aws-credentials key inputs",
            KeyStyle::StepEnv => "step `env`",
            KeyStyle::JobEnv => "job `env`",
            KeyStyle::WorkflowEnv => "workflow `env`",
            KeyStyle::ConfigureSet => "`aws configure set` in `run:`",
            KeyStyle::OtherAction => "keys handed to another action",
        }
    }
}

/// One place a job gets static keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyUse {
    pub workflow: String,
    pub job: String,
    pub job_line: usize,
    pub style: KeyStyle,
    /// The step (index, line), when the keys are a step's.
    pub step: Option<(usize, usize)>,
    /// The secrets named (`AWS_ACCESS_KEY_ID`, …), the key id's first.
    pub secrets: Vec<String>,
    /// The role the keys then assume (`role-to-assume` beside the keys).
    pub role: Option<String>,
    pub region: Option<String>,
}

impl KeyUse {
    /// The secret that holds the access key id: it names the IAM user.
    pub fn key_secret(&self) -> &str {
        self.secrets.first().map_or("", String::as_str)
    }
}

/// `secrets.NAME` in an expression → `NAME`.
fn secret_names(value: &str) -> Vec<String> {
    value
        .match_indices("secrets.")
        .map(|(at, m)| {
            value[at + m.len()..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
                .collect::<String>()
        })
        .filter(|n| !n.is_empty())
        .collect()
}

const KEY_VARS: [&str; 3] = [
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
];

/// The key secrets in an `env` mapping, key id first.
fn env_secrets(env: &[(String, String)]) -> Vec<String> {
    KEY_VARS
        .iter()
        .filter_map(|k| env.iter().find(|(name, _)| name == k))
        .flat_map(|(_, v)| secret_names(v))
        .collect()
}

fn input<'s>(step: &'s Step, name: &str) -> Option<&'s str> {
    step.with
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

fn is_cac(step: &Step) -> bool {
    step.uses.as_deref().is_some_and(|u| {
        u.to_ascii_lowercase()
            .starts_with("aws-actions/configure-aws-credentials@")
    })
}

/// The region a job's steps name (`aws-region`, or `AWS_REGION`/`AWS_DEFAULT_REGION` in env).
fn region(job: &Job, env: &[(String, String)]) -> Option<String> {
    let from_env = |e: &[(String, String)]| {
        e.iter()
            .find(|(k, _)| k == "AWS_REGION" || k == "AWS_DEFAULT_REGION")
            .map(|(_, v)| v.clone())
    };
    job.steps
        .iter()
        .find_map(|s| input(s, "aws-region").map(str::to_string))
        .or_else(|| from_env(&job.env))
        .or_else(|| from_env(env))
        .or_else(|| job.steps.iter().find_map(|s| from_env(&s.env)))
}

/// Every static-key use of every job of `workflow`; `workflow_env` is the workflow-level `env`.
pub fn find(workflow: &Workflow, workflow_env: &[(String, String)]) -> Vec<KeyUse> {
    let mut out = Vec::new();
    let top = env_secrets(workflow_env);
    for job in &workflow.jobs {
        let make = |style, step: Option<(usize, usize)>, secrets, role| KeyUse {
            workflow: workflow.path.clone(),
            job: job.id.clone(),
            job_line: job.line,
            style,
            step,
            secrets,
            role,
            region: region(job, workflow_env),
        };
        if !top.is_empty() && job.uses.is_none() {
            out.push(make(KeyStyle::WorkflowEnv, None, top.clone(), None));
        }
        let in_job = env_secrets(&job.env);
        if !in_job.is_empty() {
            out.push(make(KeyStyle::JobEnv, None, in_job, None));
        }
        // Steps of local composite actions (put in place by the workflow reader) are the
        // action's, written in its own file: not this workflow's to edit.
        for (i, step) in job
            .steps
            .iter()
            .enumerate()
            .filter(|(_, s)| s.file.is_none())
        {
            let at = Some((i, step.line));
            if is_cac(step) && input(step, "aws-access-key-id").is_some() {
                let secrets = [
                    "aws-access-key-id",
                    "aws-secret-access-key",
                    "aws-session-token",
                ]
                .iter()
                .filter_map(|k| input(step, k))
                .flat_map(secret_names)
                .collect();
                let role = input(step, "role-to-assume").map(str::to_string);
                out.push(make(KeyStyle::ActionInputs, at, secrets, role));
            } else if step
                .with
                .iter()
                .any(|(k, v)| k.to_ascii_lowercase().contains("access") && v.contains("secrets."))
            {
                let secrets = step
                    .with
                    .iter()
                    .flat_map(|(_, v)| secret_names(v))
                    .collect();
                out.push(make(KeyStyle::OtherAction, at, secrets, None));
            }
            let in_step = env_secrets(&step.env);
            if !in_step.is_empty() {
                out.push(make(KeyStyle::StepEnv, at, in_step, None));
            }
            if let Some(run) = &step.run
                && run.contains("aws configure set aws_access_key_id")
            {
                let secrets = run
                    .lines()
                    .filter(|l| l.contains("aws configure set aws_"))
                    .flat_map(secret_names)
                    .collect();
                out.push(make(KeyStyle::ConfigureSet, at, secrets, None));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workflow::read;

    #[test]
    fn every_style_of_key_use() {
        let text = r#"on: push
env:
  AWS_ACCESS_KEY_ID: ${{ secrets.CI_AWS_KEY_ID }}
  AWS_SECRET_ACCESS_KEY: ${{ secrets.CI_AWS_SECRET }}
jobs:
  cac:
    runs-on: x
    steps:
      - uses: aws-actions/configure-aws-credentials@v2
        with:
          aws-access-key-id: ${{ secrets.DEPLOY_KEY_ID }}
          aws-secret-access-key: ${{ secrets.DEPLOY_SECRET }}
          role-to-assume: arn:aws:iam::111122223333:role/deployer
          aws-region: eu-west-1
  envs:
    runs-on: x
    env:
      AWS_ACCESS_KEY_ID: ${{ secrets.JOB_KEY_ID }}
      AWS_SECRET_ACCESS_KEY: ${{ secrets.JOB_SECRET }}
      AWS_DEFAULT_REGION: us-east-2
    steps:
      - run: |
          aws configure set aws_access_key_id ${{ secrets.CFG_KEY_ID }}
          aws configure set aws_secret_access_key ${{ secrets.CFG_SECRET }}
      - uses: jakejarvis/s3-sync-action@v0.5.1
        with:
          AWS_ACCESS_KEY_ID: ${{ secrets.SYNC_KEY_ID }}
"#;
        let w = read("w.yml", text).unwrap();
        let top = vec![
            (
                "AWS_ACCESS_KEY_ID".to_string(),
                "${{ secrets.CI_AWS_KEY_ID }}".to_string(),
            ),
            (
                "AWS_SECRET_ACCESS_KEY".to_string(),
                "${{ secrets.CI_AWS_SECRET }}".to_string(),
            ),
        ];
        type Found = (
            String,
            KeyStyle,
            Vec<String>,
            Option<String>,
            Option<String>,
        );
        let found: Vec<Found> = find(&w, &top)
            .into_iter()
            .map(|u| (u.job, u.style, u.secrets, u.role, u.region))
            .collect();
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        let eu = Some("eu-west-1".to_string());
        let us = Some("us-east-2".to_string());
        assert_eq!(
            found,
            [
                (
                    "cac".into(),
                    KeyStyle::WorkflowEnv,
                    s(&["CI_AWS_KEY_ID", "CI_AWS_SECRET"]),
                    None,
                    eu.clone()
                ),
                (
                    "cac".into(),
                    KeyStyle::ActionInputs,
                    s(&["DEPLOY_KEY_ID", "DEPLOY_SECRET"]),
                    Some("arn:aws:iam::111122223333:role/deployer".into()),
                    eu
                ),
                (
                    "envs".into(),
                    KeyStyle::WorkflowEnv,
                    s(&["CI_AWS_KEY_ID", "CI_AWS_SECRET"]),
                    None,
                    us.clone()
                ),
                (
                    "envs".into(),
                    KeyStyle::JobEnv,
                    s(&["JOB_KEY_ID", "JOB_SECRET"]),
                    None,
                    us.clone()
                ),
                (
                    "envs".into(),
                    KeyStyle::ConfigureSet,
                    s(&["CFG_KEY_ID", "CFG_SECRET"]),
                    None,
                    us.clone()
                ),
                (
                    "envs".into(),
                    KeyStyle::OtherAction,
                    s(&["SYNC_KEY_ID"]),
                    None,
                    us
                ),
            ]
        );
    }
}
