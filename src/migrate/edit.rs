//! The workflow edits of a migration, by line span: key inputs and `env` entries removed, a
//! `role-to-assume` (or a configure-aws-credentials step) put where the keys were, and
//! `id-token: write` merged into the job's permissions. Every other byte stays as written:
//! comments, order, quoting; nothing is re-serialised. Pure.

use super::find::{KeyStyle, KeyUse};
use crate::workflow::Workflow;

/// The edits of one file, applied in one pass.
#[derive(Debug, Default)]
struct Edits {
    /// Lines (1-based) removed.
    delete: Vec<usize>,
    /// Lines (1-based) replaced.
    replace: Vec<(usize, String)>,
    /// Lines put before line N (N = last + 1 appends).
    insert: Vec<(usize, Vec<String>)>,
}

fn indent(line: &str) -> usize {
    line.len() - line.trim_start().len()
}

/// The lines after `at` (1-based) that belong to its block: blank, or indented deeper than
/// `than`.
fn block(lines: &[&str], at: usize, than: usize) -> std::ops::Range<usize> {
    let mut end = at;
    while end < lines.len() && (lines[end].trim().is_empty() || indent(lines[end]) > than) {
        end += 1;
    }
    // Trailing blank lines belong to what follows.
    while end > at && lines[end - 1].trim().is_empty() {
        end -= 1;
    }
    at + 1..end + 1
}

/// The key of a `key: value` line (after a `- ` item marker), if any.
fn key_of(line: &str) -> Option<&str> {
    let t = line.trim_start().trim_start_matches("- ").trim_start();
    let (key, _) = t.split_once(':')?;
    Some(key.trim().trim_matches(['"', '\'']))
}

/// Where in `lines` a step starts (its `- ` line) for a step whose first key is at `line`.
fn step_dash(lines: &[&str], line: usize) -> usize {
    let mut at = line;
    while at > 1 && !lines[at - 1].trim_start().starts_with('-') {
        at -= 1;
    }
    at
}

/// The configure-aws-credentials release a new step uses, pinned to its commit (zizmor's
/// `unpinned-uses`; v6.2.3, 2026-07-22, read from the action's repository).
const CAC: &str =
    "aws-actions/configure-aws-credentials@e6de054238d6b7531b4efff3b6587d9aade6a06c # v6.2.3";

const KEY_INPUTS: [&str; 3] = [
    "aws-access-key-id",
    "aws-secret-access-key",
    "aws-session-token",
];
const KEY_VARS: [&str; 3] = [
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
];

/// A configure-aws-credentials step at `dash` columns.
fn cac_step(dash: usize, role: &str, region: Option<&str>) -> Vec<String> {
    let pad = " ".repeat(dash);
    let mut out = vec![
        format!("{pad}- uses: {CAC}"),
        format!("{pad}  with:"),
        format!("{pad}    role-to-assume: {role}"),
    ];
    out.push(format!(
        "{pad}    aws-region: {}",
        region.unwrap_or("us-east-1")
    ));
    out
}

/// Removes the `KEY_VARS` entries of the `env:` block opened at `env_line`, and the `env:` line
/// itself when nothing else is left in it.
fn drop_env_keys(lines: &[&str], env_line: usize, edits: &mut Edits) {
    let range = block(lines, env_line, indent(lines[env_line - 1]));
    let mut kept = 0;
    for n in range {
        match key_of(lines[n - 1]) {
            Some(k) if KEY_VARS.contains(&k) => edits.delete.push(n),
            _ if lines[n - 1].trim().is_empty() || lines[n - 1].trim_start().starts_with('#') => {}
            _ => kept += 1,
        }
    }
    if kept == 0 {
        edits.delete.push(env_line);
    }
}

/// The line of `key:` directly inside the block opened at `at` (whose inner keys are at
/// `inner` columns).
fn child(lines: &[&str], at: usize, key: &str) -> Option<usize> {
    let inner = block(lines, at, indent(lines[at - 1]));
    let first = inner.clone().find(|n| !lines[n - 1].trim().is_empty())?;
    let want = indent(lines[first - 1]);
    inner.into_iter().find(|n| {
        let l = lines[n - 1];
        indent(l) == want && key_of(l) == Some(key) && !l.trim_start().starts_with('-')
    })
}

/// The first step of a job (its `- ` line), whose `steps:` key is a child of the job's line.
fn first_step(lines: &[&str], job_line: usize) -> Option<usize> {
    let steps = child(lines, job_line, "steps")?;
    block(lines, steps, indent(lines[steps - 1]))
        .find(|n| lines[n - 1].trim_start().starts_with('-'))
}

/// `id-token: write` merged into the job's permissions: added to its map, or a job-level map
/// written with the workflow's scopes (a job-level `permissions` replaces the defaults, so
/// `contents: read` stays for checkout).
/// The indentation of a job's keys.
fn inner_indent(lines: &[&str], job_line: usize) -> usize {
    let job_indent = indent(lines[job_line - 1]);
    block(lines, job_line, job_indent)
        .find(|n| !lines[n - 1].trim().is_empty())
        .map_or(job_indent + 2, |n| indent(lines[n - 1]))
}

fn permissions(
    lines: &[&str],
    job_line: usize,
    workflow_scopes: &[(String, String)],
    edits: &mut Edits,
) {
    let job_indent = indent(lines[job_line - 1]);
    let inner = block(lines, job_line, job_indent)
        .find(|n| !lines[n - 1].trim().is_empty())
        .map_or(job_indent + 2, |n| indent(lines[n - 1]));
    let pad = " ".repeat(inner);
    if let Some(at) = child(lines, job_line, "permissions") {
        let value = lines[at - 1].split_once(':').map_or("", |(_, v)| v.trim());
        match value {
            "write-all" => {}
            "" => match child(lines, at, "id-token") {
                Some(id) => edits.replace.push((id, format!("{pad}  id-token: write"))),
                None => edits
                    .insert
                    .push((at + 1, vec![format!("{pad}  id-token: write")])),
            },
            _ => edits.replace.push((
                at,
                format!("{pad}permissions:\n{pad}  contents: read\n{pad}  id-token: write"),
            )),
        }
        return;
    }
    let mut block_lines = vec![format!("{pad}permissions:")];
    let mut scopes: Vec<(String, String)> = workflow_scopes
        .iter()
        .filter(|(k, _)| k != "id-token")
        .cloned()
        .collect();
    if scopes.is_empty() {
        scopes.push(("contents".into(), "read".into()));
    }
    scopes.push(("id-token".into(), "write".into()));
    block_lines.extend(scopes.iter().map(|(k, v)| format!("{pad}  {k}: {v}")));
    edits.insert.push((job_line + 1, block_lines));
}

/// The workflow-level `env:` line, if any.
fn top_env(lines: &[&str]) -> Option<usize> {
    (1..=lines.len()).find(|n| indent(lines[n - 1]) == 0 && key_of(lines[n - 1]) == Some("env"))
}

/// The workflow-level permission scopes, when written as a map.
fn top_scopes(lines: &[&str]) -> Vec<(String, String)> {
    let Some(at) = (1..=lines.len())
        .find(|n| indent(lines[n - 1]) == 0 && key_of(lines[n - 1]) == Some("permissions"))
    else {
        return Vec::new();
    };
    block(lines, at, 0)
        .filter_map(|n| {
            let (k, v) = lines[n - 1].trim().split_once(':')?;
            Some((k.trim().to_string(), v.trim().to_string()))
        })
        .filter(|(k, _)| !k.starts_with('#'))
        .collect()
}

/// `text` with the key uses of one workflow replaced by OIDC: `role_for` gives the role ARN for
/// a use. Returns the new text and notes for what could not be edited.
pub fn apply(
    text: &str,
    workflow: &Workflow,
    uses: &[KeyUse],
    role_for: &dyn Fn(&KeyUse) -> String,
    environment_for: &dyn Fn(&KeyUse) -> Option<String>,
) -> (String, Vec<String>) {
    let lines: Vec<&str> = text.lines().collect();
    let mut edits = Edits::default();
    let mut notes = Vec::new();
    let scopes = top_scopes(&lines);
    let mut jobs_done: Vec<&str> = Vec::new();
    let mut top_done = false;
    for u in uses {
        let Some(job) = workflow.jobs.iter().find(|j| j.id == u.job) else {
            continue;
        };
        let role = role_for(u);
        let region = u.region.as_deref();
        match u.style {
            KeyStyle::ActionInputs => {
                let Some((_, line)) = u.step else { continue };
                let dash = step_dash(&lines, line);
                let range = block(&lines, dash, indent(lines[dash - 1]));
                let has_role = range
                    .clone()
                    .any(|n| key_of(lines[n - 1]) == Some("role-to-assume"));
                let mut first = true;
                for n in range {
                    if key_of(lines[n - 1]).is_some_and(|k| KEY_INPUTS.contains(&k)) {
                        if first && !has_role {
                            let pad = " ".repeat(indent(lines[n - 1]));
                            edits
                                .replace
                                .push((n, format!("{pad}role-to-assume: {role}")));
                        } else {
                            edits.delete.push(n);
                        }
                        first = false;
                    }
                }
            }
            KeyStyle::StepEnv | KeyStyle::ConfigureSet => {
                let Some((_, line)) = u.step else { continue };
                let dash = step_dash(&lines, line);
                let range = block(&lines, dash, indent(lines[dash - 1]));
                if u.style == KeyStyle::StepEnv {
                    if let Some(env) = range.clone().find(|n| key_of(lines[n - 1]) == Some("env")) {
                        drop_env_keys(&lines, env, &mut edits);
                    }
                } else {
                    for n in range {
                        let l = lines[n - 1];
                        if l.contains("aws configure set aws_access_key_id")
                            || l.contains("aws configure set aws_secret_access_key")
                            || l.contains("aws configure set aws_session_token")
                        {
                            edits.delete.push(n);
                        }
                    }
                }
                let dash_col = lines[dash - 1].len() - lines[dash - 1].trim_start().len();
                edits.insert.push((dash, cac_step(dash_col, &role, region)));
            }
            KeyStyle::JobEnv | KeyStyle::WorkflowEnv => {
                if u.style == KeyStyle::JobEnv {
                    if let Some(env) = child(&lines, job.line, "env") {
                        drop_env_keys(&lines, env, &mut edits);
                    }
                } else if !top_done {
                    if let Some(env) = top_env(&lines) {
                        drop_env_keys(&lines, env, &mut edits);
                    }
                    top_done = true;
                }
                match first_step(&lines, job.line) {
                    Some(step) => {
                        let col = indent(lines[step - 1]);
                        edits.insert.push((step, cac_step(col, &role, region)));
                    }
                    None => notes.push(format!(
                        "{}:{}: job `{}` has no steps to put the credentials step before",
                        workflow.path, job.line, job.id
                    )),
                }
            }
            KeyStyle::OtherAction => {
                notes.push(format!(
                    "{}:{}: step hands keys to `{}` as inputs: not edited; switch it to the credentials configure-aws-credentials exports (most AWS actions read the environment)",
                    workflow.path,
                    u.step.map_or(job.line, |(_, l)| l),
                    job.steps.get(u.step.map_or(0, |(i, _)| i)).and_then(|s| s.uses.as_deref()).unwrap_or("?")
                ));
                continue;
            }
        }
        if !jobs_done.contains(&job.id.as_str()) {
            if let Some(env) = environment_for(u).filter(|_| job.environment.is_none()) {
                let pad = " ".repeat(inner_indent(&lines, job.line));
                edits
                    .insert
                    .push((job.line + 1, vec![format!("{pad}environment: {env}")]));
            }
            permissions(&lines, job.line, &scopes, &mut edits);
            jobs_done.push(&job.id);
        }
    }
    (render(&lines, edits, text.ends_with('\n')), notes)
}

fn render(lines: &[&str], mut edits: Edits, trailing_newline: bool) -> String {
    edits.delete.sort();
    edits.delete.dedup();
    let mut out = String::new();
    for n in 1..=lines.len() + 1 {
        for (_, block) in edits.insert.iter().filter(|(at, _)| *at == n) {
            for l in block {
                out.push_str(l);
                out.push('\n');
            }
        }
        if n > lines.len() {
            break;
        }
        if edits.delete.binary_search(&n).is_ok() {
            continue;
        }
        match edits.replace.iter().find(|(at, _)| *at == n) {
            Some((_, l)) => out.push_str(l),
            None => out.push_str(lines[n - 1]),
        }
        out.push('\n');
    }
    if !trailing_newline && out.ends_with('\n') {
        out.pop();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::migrate::find::find;
    use crate::workflow::read;

    fn migrate(text: &str) -> String {
        let w = read("w.yml", text).unwrap();
        let uses = find(&w, &[]);
        apply(
            text,
            &w,
            &uses,
            &|_| "arn:aws:iam::111122223333:role/app-deploy".into(),
            &|_| None,
        )
        .0
    }

    #[test]
    fn key_inputs_become_a_role_and_permissions_are_merged() {
        let before = "on:\n  push:\n    branches: [main]  # deploys\n\npermissions:\n  contents: read\n\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - name: \"AWS\"\n        uses: aws-actions/configure-aws-credentials@v4\n        with:\n          aws-access-key-id: ${{ secrets.DEPLOY_KEY_ID }}   # the CI user\n          aws-secret-access-key: ${{ secrets.DEPLOY_SECRET }}\n          aws-region: 'eu-west-1'\n      - run: make deploy\n";
        let after = "on:\n  push:\n    branches: [main]  # deploys\n\npermissions:\n  contents: read\n\njobs:\n  deploy:\n    permissions:\n      contents: read\n      id-token: write\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - name: \"AWS\"\n        uses: aws-actions/configure-aws-credentials@v4\n        with:\n          role-to-assume: arn:aws:iam::111122223333:role/app-deploy\n          aws-region: 'eu-west-1'\n      - run: make deploy\n";
        assert_eq!(migrate(before), after);
    }

    #[test]
    fn env_keys_become_a_credentials_step() {
        let before = "on: push\njobs:\n  sync:\n    runs-on: ubuntu-latest\n    permissions:\n      contents: read\n    env:\n      AWS_ACCESS_KEY_ID: ${{ secrets.SYNC_KEY_ID }}\n      AWS_SECRET_ACCESS_KEY: ${{ secrets.SYNC_SECRET }}\n      AWS_DEFAULT_REGION: us-east-2\n    steps:\n      - run: aws s3 sync site/ s3://bucket/\n";
        let after = "on: push\njobs:\n  sync:\n    runs-on: ubuntu-latest\n    permissions:\n      id-token: write\n      contents: read\n    env:\n      AWS_DEFAULT_REGION: us-east-2\n    steps:\n      - uses: aws-actions/configure-aws-credentials@e6de054238d6b7531b4efff3b6587d9aade6a06c # v6.2.3\n        with:\n          role-to-assume: arn:aws:iam::111122223333:role/app-deploy\n          aws-region: us-east-2\n      - run: aws s3 sync site/ s3://bucket/\n";
        assert_eq!(migrate(before), after);
    }
}
