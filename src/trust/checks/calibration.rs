//! Calibration tables (issue #13): realistic trust policies per category, and the findings a
//! security reviewer would give them (`ID severity`, every check together). Test-only.
//!
//! The severities follow the tool's own definitions (finding.rs): critical lets repositories
//! you do not control assume the role; high lets more of your own workflows in than the author
//! meant; medium weakens the boundary or depends on something outside the document; low is
//! worth knowing. A role is assumed able to write unless its name shows it is read-only.

use super::audit_document;
use crate::trust::document::load;

const P: &str = "token.actions.githubusercontent.com";

/// A GitHub trust policy with one statement whose Condition is `condition`, `aud` pinned
/// unless the condition mentions it.
fn policy(condition: &str) -> String {
    let pin = r#""P:aud": "sts.amazonaws.com""#;
    let (aud, condition) = if condition.contains(":aud") {
        (String::new(), condition.to_string())
    } else if condition.contains(r#""StringEquals": {"#) {
        let merged = condition.replacen(
            r#""StringEquals": {"#,
            &format!(r#""StringEquals": {{{pin}, "#),
            1,
        );
        (String::new(), merged)
    } else {
        (
            format!(r#""StringEquals": {{{pin}}}, "#),
            condition.to_string(),
        )
    };
    let aud = aud.replace("\"P:", &format!("\"{P}:"));
    let condition = condition.replace("\"P:", &format!("\"{P}:"));
    format!(
        r#"{{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow",
  "Principal": {{"Federated": "arn:aws:iam::123456789012:oidc-provider/{P}"}},
  "Action": "sts:AssumeRoleWithWebIdentity",
  "Condition": {{{aud}{condition}}}}}]}}"#
    )
}

/// `ID severity` of every finding, sorted, leaving out the low `OA109` (name-only identity),
/// which every name-based example carries and which is not what these tables calibrate.
fn verdict(text: &str, role: Option<&str>) -> Vec<String> {
    let docs = load(text).unwrap_or_else(|e| panic!("{e}: {text}"));
    let mut out: Vec<String> = docs
        .iter()
        .flat_map(|d| audit_document(d, role))
        .filter(|f| f.meta.id != "OA109")
        .map(|f| format!("{} {}", f.meta.id, f.severity.as_str()))
        .collect();
    out.sort();
    out
}

type Case<'a> = (&'a str, &'a str, Option<&'a str>, &'a [&'a str]);

fn table(category: &str, cases: &[Case<'_>]) {
    for (name, condition, role, want) in cases {
        let got = verdict(&policy(condition), *role);
        assert_eq!(&got, want, "{category}: `{name}`");
    }
}

#[test]
fn custom_subject_templates_without_owner_or_repository_are_critical() {
    table(
        "custom subject templates",
        &[
            (
                "environment only",
                r#""StringEquals": {"P:sub": "environment:production"}"#,
                Some("prod-deploy"),
                &["OA101 critical"],
            ),
            (
                "job_workflow_ref only, exact",
                r#""StringEquals": {"P:sub": "job_workflow_ref:octo-org/wf/.github/workflows/deploy.yml@refs/heads/main"}"#,
                None,
                &["OA101 critical"],
            ),
            (
                "context pattern",
                r#""StringLike": {"P:sub": "ref:refs/heads/*"}"#,
                None,
                &["OA101 critical"],
            ),
            (
                "owner, no repository",
                r#""StringEquals": {"P:sub": "repository_owner:octo-org:environment:prod"}"#,
                None,
                &["OA101 high"],
            ),
            (
                "owner id, any context",
                r#""StringLike": {"P:sub": "repository_owner_id:65:*"}"#,
                None,
                &["OA101 high"],
            ),
            (
                "repository in the template",
                r#""StringEquals": {"P:sub": "repository:octo-org/app:environment:prod"}"#,
                None,
                &[],
            ),
            (
                "repository id beside",
                r#""StringEquals": {"P:sub": "environment:prod", "P:repository_id": "74"}"#,
                None,
                &[],
            ),
        ],
    );
}

#[test]
fn wildcards_inside_one_repositorys_ref_or_environment_are_warned_on_roles_that_may_write() {
    table(
        "ref and environment wildcards",
        &[
            (
                "any branch, deploy role",
                r#""StringLike": {"P:sub": "repo:octo-org/app:ref:refs/heads/*"}"#,
                Some("prod-deploy"),
                &["OA102 medium"],
            ),
            (
                "branch prefix main*",
                r#""StringLike": {"P:sub": "repo:octo-org/app:ref:refs/heads/main*"}"#,
                None,
                &["OA102 medium"],
            ),
            (
                "release tags",
                r#""StringLike": {"P:sub": "repo:octo-org/app:ref:refs/tags/v*"}"#,
                Some("release-publish"),
                &["OA102 medium"],
            ),
            (
                "environment prefix",
                r#""StringLike": {"P:sub": "repo:octo-org/app:environment:prod*"}"#,
                None,
                &["OA102 medium"],
            ),
            (
                "any branch, read-only role",
                r#""StringLike": {"P:sub": "repo:octo-org/app:ref:refs/heads/*"}"#,
                Some("terraform-plan-readonly"),
                &["OA102 low"],
            ),
            (
                "tags, environment pinned too",
                r#""StringLike": {"P:sub": "repo:octo-org/app:ref:refs/tags/v*"}, "StringEquals": {"P:environment": "production"}"#,
                Some("deploy"),
                &["OA102 low"],
            ),
        ],
    );
}

#[test]
fn any_ref_and_pull_request_subjects_are_high_unless_shown_read_only() {
    table(
        "any-ref and pull_request subjects",
        &[
            (
                "any ref, unknown purpose",
                r#""StringLike": {"P:sub": "repo:octo-org/app:*"}"#,
                Some("github-actions"),
                &["OA102 high"],
            ),
            (
                "any ref, deploy",
                r#""StringLike": {"P:sub": "repo:octo-org/app:*"}"#,
                Some("prod-deploy"),
                &["OA102 high"],
            ),
            (
                "any ref, read-only",
                r#""StringLike": {"P:sub": "repo:octo-org/app:*"}"#,
                Some("plan-readonly"),
                &["OA102 low"],
            ),
            (
                "pull_request, unknown purpose",
                r#""StringEquals": {"P:sub": "repo:octo-org/app:pull_request"}"#,
                Some("github-ci"),
                &["OA107 high"],
            ),
            (
                "pull_request, read-only",
                r#""StringEquals": {"P:sub": "repo:octo-org/app:pull_request"}"#,
                Some("terraform-plan"),
                &[],
            ),
        ],
    );
}

#[test]
fn operators_that_only_narrow_an_exact_identity_raise_no_alarm() {
    table(
        "narrowing operators",
        &[
            (
                "not the bot",
                r#""StringEquals": {"P:sub": "repo:octo-org/app:environment:prod"}, "StringNotEquals": {"P:actor": "dependabot[bot]"}"#,
                Some("deploy"),
                &[],
            ),
            (
                "not a fork branch",
                r#""StringEquals": {"P:repository_id": "74"}, "StringNotLike": {"P:ref": "refs/heads/dependabot/*"}"#,
                Some("deploy"),
                &[],
            ),
            (
                "negation as the only identity",
                r#""StringNotLike": {"P:sub": "repo:evil/*"}"#,
                None,
                &["OA101 critical", "OA104 high"],
            ),
        ],
    );
}

#[test]
fn true_when_missing_operators_are_judged_by_whether_github_always_sends_the_key() {
    table(
        "true-when-missing operators",
        &[
            (
                "IfExists on sub (always sent)",
                r#""StringEqualsIfExists": {"P:sub": "repo:octo-org/app:environment:prod"}"#,
                Some("deploy"),
                &["OA104 low"],
            ),
            (
                "ForAllValues on aud (always sent)",
                r#""ForAllValues:StringEquals": {"P:aud": "sts.amazonaws.com"}, "StringEquals": {"P:sub": "repo:octo-org/app:environment:prod"}"#,
                Some("deploy"),
                &["OA104 low"],
            ),
            (
                "IfExists on environment beside an exact sub",
                r#""StringEquals": {"P:sub": "repo:octo-org/app:ref:refs/heads/main"}, "StringEqualsIfExists": {"P:environment": "production"}"#,
                Some("deploy"),
                &["OA104 medium"],
            ),
            (
                "ForAllValues on job_workflow_ref as the identity",
                r#""ForAllValues:StringEquals": {"P:job_workflow_ref": "octo-org/wf/.github/workflows/d.yml@refs/tags/v1"}"#,
                None,
                &["OA101 critical", "OA104 high"],
            ),
        ],
    );
}

#[test]
fn a_pattern_that_admits_another_owner_is_critical_whatever_check_finds_it() {
    table(
        "another owner",
        &[
            (
                "owner prefix in sub",
                r#""StringLike": {"P:sub": "repo:octo-org*"}"#,
                None,
                &["OA102 critical"],
            ),
            (
                "owner prefix in repository",
                r#""StringLike": {"P:repository": "octo-org*"}"#,
                None,
                &["OA102 critical"],
            ),
            (
                "owner prefix in job_workflow_ref",
                r#""StringLike": {"P:job_workflow_ref": "octo*"}"#,
                None,
                &["OA102 critical"],
            ),
            (
                "any repository",
                r#""StringLike": {"P:sub": "repo:*"}"#,
                None,
                &["OA102 critical"],
            ),
            (
                "one of the list",
                r#""StringLike": {"P:sub": ["repo:octo-org/app:environment:prod", "*"]}"#,
                None,
                &["OA102 critical", "OA110 low"],
            ),
            (
                "no identity at all",
                r#""StringEquals": {"P:aud": "sts.amazonaws.com"}"#,
                None,
                &["OA101 critical"],
            ),
            (
                "own organisation",
                r#""StringLike": {"P:sub": "repo:octo-org/*"}"#,
                None,
                &["OA102 high"],
            ),
        ],
    );
}

#[test]
fn same_document_same_findings_in_every_form() {
    use crate::trust::forms::{NoFiles, hcl::read_module, read_text};
    let json = policy(r#""StringLike": {"P:sub": "repo:octo-org/app:*"}"#);
    let terraform = format!(
        "resource \"aws_iam_role\" \"x\" {{\n  name = \"github-actions\"\n  assume_role_policy = <<EOT\n{json}\nEOT\n}}\n"
    );
    let yaml = format!(
        "Resources:\n  X:\n    Type: AWS::IAM::Role\n    Properties:\n      RoleName: github-actions\n      AssumeRolePolicyDocument: {}\n",
        json.replace('\n', " ")
    );
    let ids = |read: crate::trust::forms::Read| -> Vec<String> {
        let mut v: Vec<String> = read
            .found
            .iter()
            .flat_map(|f| audit_document(&f.doc, f.doc.role_name.as_deref()))
            .map(|f| format!("{} {}", f.meta.id, f.severity.as_str()))
            .collect();
        v.sort();
        v
    };
    let want = ids(read_text("github-actions.json", &json).unwrap());
    assert_eq!(want, ["OA102 high", "OA109 low"]);
    assert_eq!(
        ids(read_module(&[("main.tf".into(), terraform)], &NoFiles).unwrap()),
        want
    );
    assert_eq!(ids(read_text("stack.yaml", &yaml).unwrap()), want);
}

/// `ID severity: message` of OA102 and OA107 for a trust policy whose role holds `power`.
fn with_power(condition: &str, role: Option<&str>, grants: &[&str], unknown: bool) -> Vec<String> {
    use crate::trust::power::Power;
    let mut power = Power::default();
    for g in grants {
        if g.starts_with("arn:") {
            power.attach(g);
        } else {
            let doc = format!(
                r#"{{"Statement": [{{"Effect": "Allow", "Action": "{g}", "Resource": "*"}}]}}"#
            );
            power.add_document("inline", &crate::trust::json::parse(&doc, "").unwrap().root);
        }
    }
    if unknown {
        power
            .unknown
            .push("policy arn:aws:iam::123456789012:policy/team".into());
    }
    let docs = load(&policy(condition)).unwrap();
    let mut out: Vec<String> = docs
        .iter()
        .flat_map(|d| super::audit_role(d, role, Some(&power)))
        .filter(|f| f.meta.id == "OA102" || f.meta.id == "OA107")
        .map(|f| {
            format!(
                "{} {} {}: {}",
                f.meta.id,
                f.severity.as_str(),
                f.confidence.as_str(),
                f.message
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn the_role_s_permissions_decide_its_purpose_before_its_name() {
    let any_ref = r#""StringLike": {"P:sub": "repo:octo-org/app:*"}"#;
    let why = "`token.actions.githubusercontent.com:sub` value `repo:octo-org/app:*`: every branch, tag, pull request and environment of `octo-org/app` can assume the role: anyone who can push a branch or open a pull request from one";
    /// (case, role name, grants: managed ARNs or actions on `*`, something unclassified, want)
    type PowerCase<'a> = (&'a str, Option<&'a str>, &'a [&'a str], bool, String);
    let cases: &[PowerCase<'_>] = &[
        // Read-only by its permissions, whatever the name says: low.
        (
            "read permissions, a deploy name",
            Some("prod-deploy"),
            &["arn:aws:iam::aws:policy/ReadOnlyAccess"],
            false,
            format!("OA102 low medium: {why} (the role's permissions: reads data: ReadOnlyAccess)"),
        ),
        // Write by its permissions, whatever the name says: high, and sure of it.
        (
            "write permissions, a read-only name",
            Some("plan-readonly"),
            &["s3:PutObject"],
            false,
            format!("OA102 high high: {why} (the role's permissions: write: s3:PutObject on *)"),
        ),
        // Something unclassified: reads alone do not prove read-only; the name decides.
        (
            "reads and an unknown policy, a read-only name",
            Some("plan-readonly"),
            &["ec2:DescribeInstances"],
            true,
            format!("OA102 low medium: {why} (the role's name says it is read-only)"),
        ),
        (
            "reads and an unknown policy, no name",
            None,
            &["ec2:DescribeInstances"],
            true,
            format!("OA102 high medium: {why} (nothing shows the role is read-only)"),
        ),
        // An unknown part does not hide a write that is known.
        (
            "admin and an unknown policy",
            Some("plan-readonly"),
            &["arn:aws:iam::aws:policy/AdministratorAccess"],
            true,
            format!(
                "OA102 high high: {why} (the role's permissions: at least administrator: AdministratorAccess; not classified: policy arn:aws:iam::123456789012:policy/team)"
            ),
        ),
        // Nothing found beside the role (attached in another stack?): the name decides.
        (
            "no permissions found",
            Some("github-actions"),
            &[],
            false,
            format!("OA102 high medium: {why} (nothing shows the role is read-only)"),
        ),
    ];
    for (name, role, grants, unknown, want) in cases {
        assert_eq!(
            with_power(any_ref, *role, grants, *unknown),
            std::slice::from_ref(want),
            "{name}"
        );
    }
    // Pull requests on a role whose permissions only read: no OA107; on one that writes: high.
    let pr = r#""StringEquals": {"P:sub": "repo:octo-org/app:pull_request"}"#;
    assert!(
        with_power(
            pr,
            Some("deploy"),
            &["arn:aws:iam::aws:policy/job-function/ViewOnlyAccess"],
            false
        )
        .is_empty()
    );
    assert_eq!(
        with_power(pr, None, &["ecr:PutImage"], false),
        [
            "OA107 high high: `repo:octo-org/app:pull_request` admits every pull_request job of the repository; the role's permissions: write: ecr:PutImage on *"
        ]
    );
}
