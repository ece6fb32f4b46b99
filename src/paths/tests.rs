//! Table tests of the analysis: triggers × checkouts × trust conditions × power.

use std::rc::Rc;

use super::*;
use crate::token_claims::SubTemplate;
use crate::trust::finding::Severity;
use crate::workflow::read;

fn role(name: &str, sub_op: &str, subs: &[&str], managed: &[&str]) -> Role {
    let values: Vec<String> = subs.iter().map(|s| format!("\"{s}\"")).collect();
    let text = format!(
        r#"{{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow",
  "Principal": {{"Federated": "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"}},
  "Action": "sts:AssumeRoleWithWebIdentity",
  "Condition": {{"StringEquals": {{"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}},
                "{sub_op}": {{"token.actions.githubusercontent.com:sub": [{}]}}}}}}]}}"#,
        values.join(", ")
    );
    let trust = crate::trust::document::load(&text).unwrap().remove(0);
    let mut power = Power::default();
    for m in managed {
        power.attach(&format!("arn:aws:iam::aws:policy/{m}"));
    }
    Role {
        name: name.into(),
        path: format!("infra/{name}.json"),
        line: 1,
        resource: "-".into(),
        trust,
        power: Some(Rc::new(power)),
    }
}

fn setting(template: Option<&str>) -> Setting {
    Setting {
        repository: "acme/app".into(),
        default_branch: "main".into(),
        issuer: crate::github::GITHUB_COM_ISSUER.into(),
        audience: crate::github::DEFAULT_AUDIENCE.into(),
        sub_template: template.map(|t| SubTemplate::parse(t).unwrap()),
    }
}

fn roles() -> Vec<Role> {
    vec![
        role(
            "admin-any",
            "StringLike",
            &["repo:acme/app:*"],
            &["AdministratorAccess"],
        ),
        role(
            "deploy-main",
            "StringEquals",
            &["repo:acme/app:ref:refs/heads/main"],
            &["PowerUserAccess"],
        ),
        role(
            "prod",
            "StringEquals",
            &["repo:acme/app:environment:prod"],
            &["AdministratorAccess"],
        ),
        role(
            "pr-read",
            "StringEquals",
            &["repo:acme/app:pull_request"],
            &["ReadOnlyAccess"],
        ),
        role(
            "release",
            "StringLike",
            &["repo:acme/app:ref:refs/tags/v*"],
            &["AmazonS3FullAccess"],
        ),
    ]
}

const CHECKOUT_HEAD: &str = "      - uses: actions/checkout@v4\n        with:\n          ref: ${{ github.event.pull_request.head.sha }}\n";

fn analyse_one(
    on: &str,
    job: &str,
    template: Option<&str>,
) -> Vec<(String, bool, Option<Severity>)> {
    let text = format!(
        "on:\n{on}\npermissions:\n  id-token: write\n  contents: read\njobs:\n  j:\n    runs-on: ubuntu-latest\n{job}"
    );
    let w = read(".github/workflows/w.yml", &text).unwrap();
    let mut out: Vec<_> = analyse(&[w], &roles(), &setting(template))
        .records
        .into_iter()
        .map(|r| (r.role, r.reachable, r.severity))
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

fn reachable(records: &[(String, bool, Option<Severity>)]) -> Vec<(&str, Severity)> {
    records
        .iter()
        .filter(|r| r.1)
        .map(|r| (r.0.as_str(), r.2.unwrap()))
        .collect()
}

#[test]
fn paths_by_trigger_code_and_trust() {
    use Severity::*;
    let steps_head = format!("    steps:\n{CHECKOUT_HEAD}      - run: make\n");
    let assume = |role: &str| {
        format!(
            "    steps:\n      - uses: actions/checkout@v4\n      - uses: aws-actions/configure-aws-credentials@v4\n        with:\n          role-to-assume: arn:aws:iam::123456789012:role/{role}\n          aws-region: eu-west-1\n"
        )
    };
    // (on:, job, template, reachable roles with severity)
    type Case<'a> = (&'a str, String, Option<&'a str>, Vec<(&'a str, Severity)>);
    let cases: Vec<Case> = vec![
        // A stranger's pull request runs with the base token: every role admitting main or `*`.
        (
            "  pull_request_target:",
            steps_head.clone(),
            None,
            vec![("admin-any", Critical), ("deploy-main", Critical)],
        ),
        // Reviewed code on pull_request_target: only the named role, rated by who starts it.
        (
            "  pull_request_target:",
            assume("deploy-main"),
            None,
            vec![("arn:aws:iam::123456789012:role/deploy-main", Medium)],
        ),
        // A pull request from a branch: write access, the pull_request subject.
        (
            "  pull_request:",
            steps_head.clone(),
            None,
            vec![("admin-any", High), ("pr-read", Medium)],
        ),
        // A push to main with reviewed code: the deploy, low.
        (
            "  push:\n    branches: [main]",
            assume("deploy-main"),
            None,
            vec![("arn:aws:iam::123456789012:role/deploy-main", Low)],
        ),
        // workflow_dispatch: any branch or tag the dispatcher picks; on `main` the code is
        // main's, so the main-only role is out of the dispatcher's own code's reach.
        (
            "  workflow_dispatch:",
            steps_head.clone(),
            None,
            vec![("admin-any", High), ("release", High)],
        ),
        // A custom template with event_name: `repo:acme/app:*` still matches, nothing else does.
        (
            "  pull_request_target:",
            steps_head.clone(),
            Some("repo,context,event_name"),
            vec![("admin-any", Critical)],
        ),
        // A comment gated on author_association: write access.
        (
            "  issue_comment:",
            "    if: github.event.comment.author_association == 'MEMBER'\n    steps:\n      - run: gh pr checkout ${{ github.event.issue.number }}\n"
                .to_string(),
            None,
            vec![("admin-any", High), ("deploy-main", High)],
        ),
        // The prod environment: only the environment-bound role.
        (
            "  pull_request_target:",
            format!("    environment: prod\n{steps_head}"),
            None,
            vec![("admin-any", Critical), ("prod", Critical)],
        ),
    ];
    for (on, job, template, want) in cases {
        let got = analyse_one(on, &job, template);
        assert_eq!(reachable(&got), want, "{on}\n{job}");
    }
}

#[test]
fn no_token_without_the_grant_and_refusals_name_the_condition() {
    let text = "on: pull_request_target\njobs:\n  j:\n    runs-on: x\n    steps:\n      - uses: aws-actions/configure-aws-credentials@v4\n        with:\n          role-to-assume: prod\n";
    let w = read(".github/workflows/w.yml", text).unwrap();
    let a = analyse(&[w], &roles(), &setting(None));
    assert_eq!(a.records.len(), 1);
    assert!(!a.records[0].reachable);
    assert!(
        a.records[0].because.contains("id-token: write"),
        "{}",
        a.records[0].because
    );

    let text = "on: pull_request_target\npermissions:\n  id-token: write\njobs:\n  j:\n    runs-on: x\n    steps:\n      - uses: aws-actions/configure-aws-credentials@v4\n        with:\n          role-to-assume: prod\n";
    let w = read(".github/workflows/w.yml", text).unwrap();
    let a = analyse(&[w], &roles(), &setting(None));
    let r = &a.records[0];
    assert!(!r.reachable);
    assert_eq!(
        r.because,
        "refused by statement 1: `token.actions.githubusercontent.com:sub` StringEquals `repo:acme/app:environment:prod`; on pull_request_target on a pull request into `main` the token has `repo:acme/app:ref:refs/heads/main`"
    );
}

#[test]
fn reusable_workflows_run_with_the_callers_trigger() {
    let caller = "on: pull_request_target\npermissions:\n  id-token: write\njobs:\n  call:\n    uses: ./.github/workflows/build.yml\n";
    let called =
        format!("on: workflow_call\njobs:\n  build:\n    runs-on: x\n    steps:\n{CHECKOUT_HEAD}");
    let ws = [
        read(".github/workflows/pr.yml", caller).unwrap(),
        read(".github/workflows/build.yml", &called).unwrap(),
    ];
    let a = analyse(&ws, &roles(), &setting(None));
    let hit = a
        .records
        .iter()
        .find(|r| r.reachable && r.role == "admin-any")
        .unwrap();
    assert_eq!(hit.called.as_deref(), Some(".github/workflows/build.yml"));
    assert_eq!(hit.severity, Some(Severity::Critical));
    assert_eq!(
        hit.token.as_ref().unwrap().claims.get("job_workflow_ref"),
        Some("acme/app/.github/workflows/build.yml@refs/heads/main")
    );
    let remote = "on: push\njobs:\n  call:\n    uses: org/shared/.github/workflows/deploy.yml@v1\n";
    let a = analyse(
        &[read(".github/workflows/r.yml", remote).unwrap()],
        &roles(),
        &setting(None),
    );
    assert!(
        a.notes[0].contains("org/shared/.github/workflows/deploy.yml@v1"),
        "{:?}",
        a.notes
    );
}

#[test]
fn unresolved_roles_are_matched_by_name_or_assumed() {
    let job = |role: &str| {
        format!(
            "on:\n  push:\n    branches: [main]\npermissions:\n  id-token: write\njobs:\n  j:\n    runs-on: x\n    steps:\n      - uses: aws-actions/configure-aws-credentials@v4\n        with:\n          role-to-assume: {role}\n"
        )
    };
    let w = read(
        ".github/workflows/w.yml",
        &job("${{ vars.DEPLOY_MAIN_ROLE_ARN }}"),
    )
    .unwrap();
    let a = analyse(&[w], &roles(), &setting(None));
    assert_eq!(
        (a.records[0].role.as_str(), a.records[0].reachable),
        ("deploy-main", true)
    );
    let w = read(".github/workflows/w.yml", &job("${{ secrets.SOMETHING }}")).unwrap();
    let a = analyse(&[w], &roles(), &setting(None));
    let r = &a.records[0];
    assert_eq!(r.role, "unresolved:secrets.SOMETHING");
    assert!(r.reachable && r.assumed);
    assert_eq!(r.severity, Some(Severity::Low));
}

#[test]
fn severity_never_rises_on_unknown_power() {
    use crate::workflow::actors::{Actor, Exposure};
    let e = |actor, untrusted_code| Exposure {
        trigger: "t".into(),
        actor,
        untrusted_code,
        token: true,
        because: String::new(),
        unless: None,
    };
    let admin = {
        let mut p = Power::default();
        p.attach("arn:aws:iam::aws:policy/AdministratorAccess");
        p
    };
    let unknown = {
        let mut p = Power::default();
        p.attach("arn:aws:iam::123456789012:policy/custom");
        p
    };
    // (exposure, power, severity)
    let cases = [
        (e(Actor::AnyAccount, true), Some(&admin), Severity::Critical),
        (e(Actor::AnyAccount, true), Some(&unknown), Severity::High),
        (e(Actor::AnyAccount, true), None, Severity::High),
        (e(Actor::Commenter, true), Some(&admin), Severity::Critical),
        (e(Actor::WriteAccess, true), Some(&admin), Severity::High),
        (e(Actor::WriteAccess, true), None, Severity::Medium),
        (e(Actor::AnyAccount, false), Some(&admin), Severity::Medium),
        (e(Actor::Protected, false), Some(&admin), Severity::Low),
    ];
    for (exposure, power, want) in cases {
        assert_eq!(
            severity(exposure.actor, exposure.untrusted_code, power),
            want,
            "{exposure:?} {power:?}"
        );
    }
}
