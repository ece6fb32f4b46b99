//! The workflow model and its reader: a workflow file's YAML into [`Workflow`], each part with
//! the line it is written on. Pure.

use super::WorkflowError;
use super::permissions::Permissions;
use crate::trust::forms::yaml;
use crate::trust::json::{LineIndex, Node, Value};

/// One workflow file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Workflow {
    /// As given by the caller (`.github/workflows/deploy.yml`).
    pub path: String,
    pub name: Option<String>,
    pub triggers: Vec<Trigger>,
    /// The workflow-level block (`Default` when absent).
    pub permissions: Permissions,
    pub jobs: Vec<Job>,
    /// Parts that could not be read, with their line: the analysis says what it skipped.
    pub problems: Vec<(usize, String)>,
}

/// One event the workflow runs on, with its filters.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Trigger {
    /// `push`, `pull_request_target`, `workflow_dispatch`, …
    pub event: String,
    pub line: usize,
    pub branches: Filter,
    pub tags: Filter,
    pub paths: Filter,
    /// `types: [opened, labeled]` (activity types); empty means GitHub's default set.
    pub types: Vec<String>,
    /// `workflow_run`'s `workflows:` list.
    pub workflows: Vec<String>,
}

/// An include/exclude filter (`branches` + `branches-ignore`, or `!pattern` entries).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Filter {
    pub include: Vec<String>,
    pub exclude: Vec<String>,
}

impl Filter {
    /// Whether the filter says anything.
    pub fn is_empty(&self) -> bool {
        self.include.is_empty() && self.exclude.is_empty()
    }
}

/// One job.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Job {
    /// The key under `jobs:`.
    pub id: String,
    pub line: usize,
    pub name: Option<String>,
    /// The job's own block; `None` inherits the workflow's.
    pub permissions: Option<Permissions>,
    /// `environment:` as a string or its `name:` (an expression is kept as written).
    pub environment: Option<String>,
    /// `if:` as written.
    pub condition: Option<String>,
    /// A reusable workflow call: `uses: ./.github/workflows/x.yml` or `owner/repo/…@ref`.
    pub uses: Option<String>,
    /// `with:` of a reusable workflow call.
    pub with: Vec<(String, String)>,
    /// `secrets: inherit` on a reusable workflow call.
    pub secrets_inherit: bool,
    pub needs: Vec<String>,
    /// `strategy.matrix` axes with their literal values (`include`/`exclude` entries folded in
    /// as extra values of the keys they name).
    pub matrix: Vec<(String, Vec<String>)>,
    /// Job-level `env:`.
    pub env: Vec<(String, String)>,
    pub steps: Vec<Step>,
}

/// One step.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Step {
    pub line: usize,
    pub id: Option<String>,
    pub name: Option<String>,
    /// `uses:` as written (`aws-actions/configure-aws-credentials@v4`, `./.github/actions/x`).
    pub uses: Option<String>,
    pub run: Option<String>,
    pub with: Vec<(String, String)>,
    pub env: Vec<(String, String)>,
    pub condition: Option<String>,
    /// The file the step is written in when it is not the workflow: a local composite action's
    /// `action.yml`, whose steps run in the job that uses it.
    pub file: Option<String>,
}

/// Reads a local action's `action.yml`: the steps of a composite action (`runs.using:
/// composite`), each marked with the file; none for JavaScript and container actions (their code
/// is not a workflow's to read).
pub fn read_action(path: &str, text: &str) -> Result<Vec<Step>, WorkflowError> {
    let parsed = yaml::parse(text, 0).map_err(|(line, column, message)| WorkflowError::Yaml {
        path: path.to_string(),
        line,
        column,
        message,
    })?;
    let runs = parsed.root.get("runs");
    let composite = runs
        .and_then(|r| r.get("using"))
        .and_then(scalar)
        .is_some_and(|u| u == "composite");
    if !composite {
        return Ok(Vec::new());
    }
    let reader = Reader {
        index: LineIndex::new(text),
        text,
        problems: Vec::new(),
    };
    let steps = runs
        .and_then(|r| r.get("steps"))
        .map(|s| s.one_or_many())
        .unwrap_or_default()
        .into_iter()
        .map(|n| Step {
            file: Some(path.to_string()),
            ..reader.step(n)
        })
        .collect();
    Ok(steps)
}

/// Puts the steps of the local composite actions a workflow's jobs use in place, after the step
/// that uses them, their `${{ inputs.X }}` replaced by what that step passes `with:`. `actions`
/// maps a `uses: ./PATH` (as written, without `./`) to the action's steps.
pub fn expand_actions(workflow: &mut Workflow, actions: &[(String, Vec<Step>)]) {
    for job in &mut workflow.jobs {
        let mut steps = Vec::with_capacity(job.steps.len());
        for step in std::mem::take(&mut job.steps) {
            let local = step
                .uses
                .as_deref()
                .and_then(|u| u.strip_prefix("./"))
                .map(|u| u.trim_end_matches('/'));
            let inner = local.and_then(|u| actions.iter().find(|(p, _)| p == u));
            let with = step.with.clone();
            steps.push(step);
            for s in inner.map_or(&[][..], |(_, s)| s.as_slice()) {
                let mut s = s.clone();
                for (_, v) in s.with.iter_mut().chain(s.env.iter_mut()) {
                    *v = with_inputs(v, &with);
                }
                steps.push(s);
            }
        }
        job.steps = steps;
    }
}

/// `${{ inputs.NAME }}` replaced by the caller's `with: NAME` where given.
fn with_inputs(value: &str, with: &[(String, String)]) -> String {
    let mut out = value.to_string();
    for (k, v) in with {
        for form in [
            format!("${{{{ inputs.{k} }}}}"),
            format!("${{{{inputs.{k}}}}}"),
        ] {
            out = out.replace(&form, v);
        }
    }
    out
}

/// Reads one workflow file.
pub fn read(path: &str, text: &str) -> Result<Workflow, WorkflowError> {
    let parsed = yaml::parse(text, 0).map_err(|(line, column, message)| WorkflowError::Yaml {
        path: path.to_string(),
        line,
        column,
        message,
    })?;
    let not_a_workflow = |why: &str| WorkflowError::NotAWorkflow {
        path: path.to_string(),
        why: why.to_string(),
    };
    let root = &parsed.root;
    // YAML 1.1 readers turn a bare `on` into `true`; GitHub (and this parser) keep the key.
    let on = root
        .get("on")
        .or_else(|| root.get("true"))
        .ok_or_else(|| not_a_workflow("no `on:`"))?;
    let jobs = root
        .get("jobs")
        .and_then(Node::members)
        .ok_or_else(|| not_a_workflow("no `jobs:` mapping"))?;
    let mut reader = Reader {
        index: LineIndex::new(text),
        text,
        problems: Vec::new(),
    };
    let triggers = reader.triggers(on);
    let permissions = reader
        .permissions(root.get("permissions"))
        .unwrap_or_default();
    let jobs = jobs
        .iter()
        .map(|m| {
            let line = reader.line_at(m.key_offset);
            reader.job(&m.key, line, &m.value)
        })
        .collect();
    Ok(Workflow {
        path: path.to_string(),
        name: root.get("name").and_then(scalar),
        triggers,
        permissions,
        jobs,
        problems: reader.problems,
    })
}

struct Reader<'t> {
    index: LineIndex,
    text: &'t str,
    problems: Vec<(usize, String)>,
}

/// A scalar as text (numbers and booleans as written, e.g. a matrix value `3.12`).
fn scalar(node: &Node) -> Option<String> {
    node.as_scalar_text()
}

/// A string or a list of strings.
fn strings(node: Option<&Node>) -> Vec<String> {
    node.map(|n| n.one_or_many().into_iter().filter_map(scalar).collect())
        .unwrap_or_default()
}

/// A mapping of scalars (`with:`, `env:`); other values are kept as compact JSON.
fn pairs(node: Option<&Node>) -> Vec<(String, String)> {
    node.and_then(Node::members)
        .unwrap_or(&[])
        .iter()
        .map(|m| {
            let value = scalar(&m.value).unwrap_or_else(|| crate::trust::json::to_text(&m.value));
            (m.key.clone(), value)
        })
        .collect()
}

impl Reader<'_> {
    fn line(&self, node: &Node) -> usize {
        self.line_at(node.offset)
    }

    fn line_at(&self, offset: usize) -> usize {
        self.index.line_col(self.text, offset).0
    }

    fn permissions(&mut self, node: Option<&Node>) -> Option<Permissions> {
        let node = node?;
        match Permissions::read(node) {
            Ok(p) => Some(p),
            Err(why) => {
                // GitHub refuses such a workflow; read the job as holding no token.
                let line = self.line(node);
                self.problems.push((line, why));
                Some(Permissions::Scopes(Default::default()))
            }
        }
    }

    fn triggers(&mut self, on: &Node) -> Vec<Trigger> {
        let line = self.line(on);
        match &on.value {
            Value::String(event) => vec![Trigger {
                event: event.clone(),
                line,
                ..Trigger::default()
            }],
            Value::Array(items) => items
                .iter()
                .filter_map(|n| {
                    Some(Trigger {
                        event: n.as_str()?.to_string(),
                        line: self.line(n),
                        ..Trigger::default()
                    })
                })
                .collect(),
            Value::Object(members) => members
                .iter()
                .map(|m| {
                    let line = self.line_at(m.key_offset);
                    self.trigger(&m.key, line, &m.value)
                })
                .collect(),
            _ => {
                self.problems
                    .push((line, format!("`on:` is {}", on.type_name())));
                Vec::new()
            }
        }
    }

    fn trigger(&mut self, event: &str, line: usize, config: &Node) -> Trigger {
        let filter = |name: &str| {
            let mut filter = Filter::default();
            for value in strings(config.get(name)) {
                match value.strip_prefix('!') {
                    Some(negated) => filter.exclude.push(negated.to_string()),
                    None => filter.include.push(value),
                }
            }
            filter
                .exclude
                .extend(strings(config.get(&format!("{name}-ignore"))));
            filter
        };
        Trigger {
            event: event.to_string(),
            line,
            branches: filter("branches"),
            tags: filter("tags"),
            paths: filter("paths"),
            types: strings(config.get("types")),
            workflows: strings(config.get("workflows")),
        }
    }

    fn job(&mut self, id: &str, line: usize, node: &Node) -> Job {
        let environment = node.get("environment").and_then(|e| match &e.value {
            Value::Object(_) => e.get("name").and_then(scalar),
            _ => scalar(e),
        });
        let secrets = node.get("secrets");
        Job {
            id: id.to_string(),
            line,
            name: node.get("name").and_then(scalar),
            permissions: self.permissions(node.get("permissions")),
            environment,
            condition: node.get("if").and_then(scalar),
            uses: node.get("uses").and_then(scalar),
            with: pairs(node.get("with")),
            secrets_inherit: secrets.and_then(Node::as_str) == Some("inherit"),
            needs: strings(node.get("needs")),
            matrix: matrix(node.get("strategy").and_then(|s| s.get("matrix"))),
            env: pairs(node.get("env")),
            steps: node
                .get("steps")
                .map(|s| s.one_or_many().into_iter().map(|n| self.step(n)).collect())
                .unwrap_or_default(),
        }
    }

    fn step(&self, node: &Node) -> Step {
        Step {
            line: self.line(node),
            id: node.get("id").and_then(scalar),
            name: node.get("name").and_then(scalar),
            uses: node.get("uses").and_then(scalar),
            run: node.get("run").and_then(scalar),
            with: pairs(node.get("with")),
            env: pairs(node.get("env")),
            condition: node.get("if").and_then(scalar),
            file: None,
        }
    }
}

/// `strategy.matrix`: each axis with its values; `include` entries add values to the keys they
/// name (a new key becomes an axis); an expression matrix (`${{ fromJSON(…) }}`) is one axis
/// `*` holding the expression.
fn matrix(node: Option<&Node>) -> Vec<(String, Vec<String>)> {
    let Some(node) = node else {
        return Vec::new();
    };
    if let Some(expr) = node.as_str() {
        return vec![("*".into(), vec![expr.to_string()])];
    }
    let mut axes: Vec<(String, Vec<String>)> = Vec::new();
    let mut add = |key: &str, value: String| match axes.iter_mut().find(|(k, _)| k == key) {
        Some((_, values)) if !values.contains(&value) => values.push(value),
        Some(_) => {}
        None => axes.push((key.to_string(), vec![value])),
    };
    for m in node.members().unwrap_or(&[]) {
        match m.key.as_str() {
            "exclude" => {}
            "include" => {
                for entry in m.value.one_or_many() {
                    for (k, v) in pairs(Some(entry)) {
                        add(&k, v);
                    }
                }
            }
            key => {
                for v in m.value.one_or_many() {
                    add(
                        key,
                        scalar(v).unwrap_or_else(|| crate::trust::json::to_text(v)),
                    );
                }
            }
        }
    }
    axes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workflow::Access;

    const DEPLOY: &str = r#"name: deploy
on:
  push:
    branches: [main, "release/**", "!release/old"]
    tags: ["v*"]
  pull_request_target:
    types: [opened, synchronize]
  workflow_dispatch:
permissions:
  contents: read
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with:
          ref: ${{ github.event.pull_request.head.sha }}
      - run: make test
  deploy:
    needs: [test]
    if: github.ref == 'refs/heads/main'
    environment:
      name: production
      url: https://example.com
    permissions:
      id-token: write
      contents: read
    strategy:
      matrix:
        region: [eu-west-1, us-east-1]
        include:
          - region: ap-south-1
            stage: canary
    env:
      ROLE: arn:aws:iam::123456789012:role/deploy
    steps:
      - id: creds
        uses: aws-actions/configure-aws-credentials@v4
        with:
          role-to-assume: ${{ vars.DEPLOY_ROLE }}
          aws-region: ${{ matrix.region }}
  shared:
    uses: ./.github/workflows/reusable.yml
    with:
      stage: prod
    secrets: inherit
"#;

    #[test]
    fn reads_a_realistic_workflow() {
        let w = read(".github/workflows/deploy.yml", DEPLOY).unwrap();
        assert_eq!(w.name.as_deref(), Some("deploy"));
        let events: Vec<(&str, usize)> = w
            .triggers
            .iter()
            .map(|t| (t.event.as_str(), t.line))
            .collect();
        assert_eq!(
            events,
            [
                ("push", 3),
                ("pull_request_target", 6),
                ("workflow_dispatch", 8)
            ]
        );
        assert_eq!(w.triggers[0].branches.include, ["main", "release/**"]);
        assert_eq!(w.triggers[0].branches.exclude, ["release/old"]);
        assert_eq!(w.triggers[0].tags.include, ["v*"]);
        assert_eq!(w.triggers[1].types, ["opened", "synchronize"]);
        assert_eq!(w.permissions.access("contents"), Some(Access::Read));
        assert_eq!(w.permissions.access("id-token"), Some(Access::None));

        let [test, deploy, shared] = w.jobs.as_slice() else {
            panic!("{:?}", w.jobs)
        };
        assert_eq!((test.id.as_str(), test.line), ("test", 12));
        assert_eq!(test.permissions, None);
        assert_eq!(
            test.steps[0].with,
            [(
                "ref".into(),
                "${{ github.event.pull_request.head.sha }}".into()
            )]
        );
        assert_eq!(test.steps[1].run.as_deref(), Some("make test"));

        assert_eq!(deploy.environment.as_deref(), Some("production"));
        assert_eq!(
            deploy.condition.as_deref(),
            Some("github.ref == 'refs/heads/main'")
        );
        assert_eq!(deploy.needs, ["test"]);
        assert_eq!(
            deploy.permissions.as_ref().unwrap().access("id-token"),
            Some(Access::Write)
        );
        assert_eq!(
            deploy.matrix,
            [
                (
                    "region".into(),
                    vec!["eu-west-1".into(), "us-east-1".into(), "ap-south-1".into()]
                ),
                ("stage".into(), vec!["canary".into()]),
            ]
        );
        assert_eq!(deploy.env[0].0, "ROLE");
        assert_eq!(deploy.steps[0].line, 37);
        assert_eq!(
            deploy.steps[0].uses.as_deref(),
            Some("aws-actions/configure-aws-credentials@v4")
        );

        assert_eq!(
            shared.uses.as_deref(),
            Some("./.github/workflows/reusable.yml")
        );
        assert!(shared.secrets_inherit);
        assert_eq!(shared.with, [("stage".into(), "prod".into())]);
        assert!(w.problems.is_empty());
    }

    #[test]
    fn short_forms_of_on_and_environment() {
        let cases: &[(&str, &[&str])] = &[
            ("on: push\njobs: {a: {steps: []}}\n", &["push"]),
            (
                "on: [push, pull_request]\njobs: {a: {}}\n",
                &["push", "pull_request"],
            ),
            (
                "\"on\":\n  schedule:\n    - cron: '0 0 * * *'\njobs: {a: {}}\n",
                &["schedule"],
            ),
        ];
        for (text, events) in cases {
            let w = read("w.yml", text).unwrap();
            let got: Vec<&str> = w.triggers.iter().map(|t| t.event.as_str()).collect();
            assert_eq!(got, *events, "{text}");
        }
        let w = read(
            "w.yml",
            "on: push\njobs:\n  a:\n    environment: staging\n    strategy:\n      matrix: ${{ fromJSON(needs.x.outputs.m) }}\n",
        )
        .unwrap();
        assert_eq!(w.jobs[0].environment.as_deref(), Some("staging"));
        assert_eq!(
            w.jobs[0].matrix,
            [(
                "*".into(),
                vec!["${{ fromJSON(needs.x.outputs.m) }}".into()]
            )]
        );
    }

    #[test]
    fn what_is_not_a_workflow_is_named() {
        let cases: &[(&str, &str)] = &[
            ("name: x\n", "w.yml: not a workflow: no `on:`"),
            (
                "on: push\njobs: []\n",
                "w.yml: not a workflow: no `jobs:` mapping",
            ),
            ("on: [push\n", "w.yml:"),
        ];
        for (text, want) in cases {
            let got = read("w.yml", text).unwrap_err().to_string();
            assert!(got.starts_with(want), "{got}");
        }
        // A bad permissions block is a problem with its line, read as granting nothing.
        let w = read(
            "w.yml",
            "on: push\npermissions: write\njobs:\n  a:\n    permissions: {id-token: sometimes}\n",
        )
        .unwrap();
        assert_eq!(w.problems.len(), 2);
        assert_eq!(w.problems[0].0, 2);
        assert_eq!(w.problems[1].0, 5);
        assert_eq!(
            w.jobs[0].permissions.as_ref().unwrap().access("id-token"),
            Some(Access::None)
        );
    }
}

#[cfg(test)]
mod action_tests {
    use super::*;

    #[test]
    fn composite_steps_run_in_the_job_with_the_callers_inputs() {
        let action = "name: login\ninputs:\n  role: {}\nruns:\n  using: composite\n  steps:\n    - uses: aws-actions/configure-aws-credentials@v4\n      with:\n        role-to-assume: ${{ inputs.role }}\n    - run: aws sts get-caller-identity\n      shell: bash\n";
        let steps = read_action(".github/actions/login/action.yml", action).unwrap();
        assert_eq!(steps.len(), 2);
        assert_eq!(steps[0].line, 7);
        assert_eq!(
            steps[0].file.as_deref(),
            Some(".github/actions/login/action.yml")
        );
        let js = "name: x\nruns:\n  using: node20\n  main: index.js\n";
        assert!(read_action("a/action.yml", js).unwrap().is_empty());
        let text = "on: push\njobs:\n  j:\n    runs-on: x\n    steps:\n      - uses: ./.github/actions/login/\n        with:\n          role: arn:aws:iam::1:role/deploy\n      - uses: ./.github/actions/other\n";
        let mut w = read("w.yml", text).unwrap();
        expand_actions(&mut w, &[(".github/actions/login".into(), steps)]);
        let uses: Vec<Option<&str>> = w.jobs[0].steps.iter().map(|s| s.uses.as_deref()).collect();
        assert_eq!(
            uses,
            [
                Some("./.github/actions/login/"),
                Some("aws-actions/configure-aws-credentials@v4"),
                None,
                Some("./.github/actions/other")
            ]
        );
        assert_eq!(
            w.jobs[0].steps[1].with,
            [(
                "role-to-assume".to_string(),
                "arn:aws:iam::1:role/deploy".to_string()
            )]
        );
    }
}
