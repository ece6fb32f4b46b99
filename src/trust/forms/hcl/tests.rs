//! Tests of the Terraform reader: each case is a module (one or more files) and the findings
//! (`ID severity file:line`) the audit reports on it, at the line the value is written on.

use crate::trust::checks::audit_document;
use crate::trust::forms::{Files, NoFiles, hcl::read_module};

struct Templates(&'static [(&'static str, &'static str)]);

impl Files for Templates {
    fn read(&self, _from: &str, name: &str) -> Result<(String, String), String> {
        self.0
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(n, t)| (n.to_string(), t.to_string()))
            .ok_or_else(|| format!("`{name}` is not in the repository"))
    }
}

const PROVIDER: &str = r#"
resource "aws_iam_openid_connect_provider" "github" {
  url = "https://token.actions.githubusercontent.com"
}
"#;

/// `ID severity file:line` of every finding in the module, sorted.
fn findings(files: &[(&str, &str)], templates: &dyn Files) -> Vec<String> {
    let sources: Vec<(String, String)> = files
        .iter()
        .map(|(p, t)| (p.to_string(), t.to_string()))
        .collect();
    let read = read_module(&sources, templates).unwrap_or_else(|e| panic!("{e}"));
    let mut out: Vec<String> = read
        .found
        .iter()
        .flat_map(|f| audit_document(&f.doc, f.doc.role_name.as_deref()))
        .map(|f| {
            format!(
                "{} {} {}:{}",
                f.meta.id,
                f.severity.as_str(),
                f.loc.file.as_deref().unwrap_or("?"),
                f.loc.line
            )
        })
        .collect();
    out.sort();
    out
}

fn module(body: &str) -> String {
    format!("{PROVIDER}{body}")
}

#[test]
fn forms_and_lines() {
    let cases: &[(&str, String, &[&str])] = &[
        (
            "policy document: same test and variable merge into one list (an OR)",
            module(
                r#"
data "aws_iam_policy_document" "trust" {
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = [aws_iam_openid_connect_provider.github.arn]
    }
    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:aud"
      values   = ["sts.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:sub"
      values   = ["repo:octo-org/app:environment:prod"]
    }
    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:sub"
      values   = ["repo:octo-org/app:pull_request"]
    }
  }
}
resource "aws_iam_role" "deploy" {
  name               = "prod-deploy"
  assume_role_policy = data.aws_iam_policy_document.trust.json
}
"#,
            ),
            // The pull_request subject is an alternative (OR), so OA107 fires at its line.
            &["OA107 high main.tf:26", "OA109 low main.tf:20"],
        ),
        (
            "dynamic condition blocks with literal values",
            module(
                r#"
locals {
  subjects = ["repo:octo-org/app:ref:refs/heads/*"]
}
data "aws_iam_policy_document" "trust" {
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = [aws_iam_openid_connect_provider.github.arn]
    }
    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:aud"
      values   = ["sts.amazonaws.com"]
    }
    dynamic "condition" {
      for_each = { "token.actions.githubusercontent.com:sub" = local.subjects }
      content {
        test     = "StringLike"
        variable = condition.key
        values   = condition.value
      }
    }
  }
}
resource "aws_iam_role" "ci" {
  assume_role_policy = data.aws_iam_policy_document.trust.json
}
"#,
            ),
            &["OA102 medium main.tf:7", "OA109 low main.tf:25"],
        ),
        (
            "jsonencode with a duplicate key, which Terraform accepts (last wins)",
            module(
                r#"
resource "aws_iam_role" "deploy" {
  name = "deploy"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Federated = aws_iam_openid_connect_provider.github.arn }
      Action    = "sts:AssumeRoleWithWebIdentity"
      Condition = {
        StringEquals = { "token.actions.githubusercontent.com:sub" = "repo:octo-org/app:environment:prod" }
        StringEquals = { "token.actions.githubusercontent.com:aud" = "sts.amazonaws.com" }
      }
    }]
  })
}
"#,
            ),
            &["OA101 critical main.tf:12", "OA106 high main.tf:16"],
        ),
        (
            "heredoc with an interpolated local: lines inside the heredoc",
            module(
                r#"
locals {
  org = "octo-org"
}
resource "aws_iam_role" "tools" {
  assume_role_policy = <<-EOT
    {
      "Version": "2012-10-17",
      "Statement": [{
        "Effect": "Allow",
        "Principal": {"Federated": "${aws_iam_openid_connect_provider.github.arn}"},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {
          "StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
          "StringLike": {"token.actions.githubusercontent.com:sub": "repo:${local.org}*"}
        }
      }]
    }
  EOT
}
"#,
            ),
            &["OA102 critical main.tf:19", "OA109 low main.tf:19"],
        ),
        (
            "a variable without a default is reported with the assumption",
            module(
                r#"
variable "subject" {
  type = string
}
resource "aws_iam_role" "deploy" {
  name = "prod-deploy"
  assume_role_policy = jsonencode({
    Statement = [{
      Effect    = "Allow"
      Principal = { Federated = aws_iam_openid_connect_provider.github.arn }
      Action    = "sts:AssumeRoleWithWebIdentity"
      Condition = {
        StringEquals = {
          "token.actions.githubusercontent.com:aud" = "sts.amazonaws.com"
          "token.actions.githubusercontent.com:sub" = var.subject
        }
      }
    }]
  })
}
"#,
            ),
            // Unknown, not critical: only the assumption is reported (issue #18).
            &["OA112 low main.tf:19"],
        ),
        (
            "a finding in a variable default points at the default",
            module(
                r#"
variable "subject" {
  type    = string
  default = "repo:octo-org/*"
}
resource "aws_iam_role" "ci" {
  name = "ci"
  assume_role_policy = jsonencode({
    Statement = [{
      Effect    = "Allow"
      Principal = { Federated = aws_iam_openid_connect_provider.github.arn }
      Action    = "sts:AssumeRoleWithWebIdentity"
      Condition = {
        StringEquals = { "token.actions.githubusercontent.com:aud" = "sts.amazonaws.com" }
        StringLike   = { "token.actions.githubusercontent.com:sub" = var.subject }
      }
    }]
  })
}
"#,
            ),
            &["OA102 high main.tf:8", "OA109 low main.tf:19"],
        ),
        (
            "a provider from a module input is read as the GitHub provider its keys name",
            r#"
variable "github_provider_arn" {
  type = string
}
resource "aws_iam_role" "deploy" {
  name = "prod-deploy"
  assume_role_policy = jsonencode({
    Statement = [{
      Effect    = "Allow"
      Principal = { Federated = var.github_provider_arn }
      Action    = "sts:AssumeRoleWithWebIdentity"
      Condition = {
        StringEquals = { "token.actions.githubusercontent.com:aud" = "sts.amazonaws.com" }
        StringLike   = { "token.actions.githubusercontent.com:sub" = "repo:octo-org/*" }
      }
    }]
  })
}
"#
            .to_string(),
            &[
                "OA102 high main.tf:14",
                "OA109 low main.tf:14",
                "OA112 low main.tf:10",
                "OA112 low main.tf:10",
            ],
        ),
    ];
    for (name, text, want) in cases {
        let got = findings(&[("main.tf", text)], &NoFiles);
        assert_eq!(&got, want, "case `{name}`");
    }
}

#[test]
fn templatefile_points_into_the_template() {
    let main = module(
        r#"
resource "aws_iam_role" "deploy" {
  name = "prod-deploy"
  assume_role_policy = templatefile("${path.module}/trust.json.tftpl", {
    provider = aws_iam_openid_connect_provider.github.arn
    subject  = "repo:octo-org/app:*"
  })
}
"#,
    );
    let template = r#"{
  "Statement": [{
    "Effect": "Allow",
    "Principal": {"Federated": "${provider}"},
    "Action": "sts:AssumeRoleWithWebIdentity",
    "Condition": {
      "StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
      "StringLike": {"token.actions.githubusercontent.com:sub": "${subject}"}
    }
  }]
}"#;
    let files = Templates(Box::leak(Box::new([("trust.json.tftpl", template)])));
    assert_eq!(
        findings(&[("main.tf", &main)], &files),
        ["OA102 high main.tf:10", "OA109 low trust.json.tftpl:8"]
    );
    // Without the template: reported, not skipped.
    let got = findings(&[("main.tf", &main)], &NoFiles);
    assert!(
        got.iter().any(|f| f.starts_with("OA112 low main.tf:8")),
        "{got:?}"
    );
}

#[test]
fn template_file_data_sources_are_rendered() {
    let main = module(
        r#"
data "template_file" "trust" {
  template = file("${path.module}/trust.json.tpl")
  vars = {
    provider = aws_iam_openid_connect_provider.github.arn
    repos    = jsonencode(["repo:octo-org/app:pull_request", "repo:octo-org/app:environment:prod"])
  }
}
resource "aws_iam_role" "preview" {
  name                = "preview"
  assume_role_policy  = data.template_file.trust.rendered
  managed_policy_arns = ["arn:aws:iam::aws:policy/AdministratorAccess"]
}
"#,
    );
    let template = r#"{
  "Statement": [{
    "Effect": "Allow",
    "Principal": {"Federated": "${provider}"},
    "Action": "sts:AssumeRoleWithWebIdentity",
    "Condition": {
      "StringEquals": {
        "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
        "token.actions.githubusercontent.com:sub": ${repos}
      }
    }
  }]
}"#;
    let files = Templates(Box::leak(Box::new([("trust.json.tpl", template)])));
    let sources = [("main.tf".to_string(), main.clone())];
    let read = read_module(&sources, &files).unwrap();
    assert_eq!(read.found[0].form, "terraform template_file");
    assert_eq!(
        findings(&[("main.tf", &main)], &files),
        ["OA107 high main.tf:10", "OA109 low trust.json.tpl:9"]
    );
}

#[test]
fn locals_and_variables_across_files() {
    let vars = "variable \"org\" {\n  default = \"octo-org\"\n}\n";
    let main = module(
        r#"
resource "aws_iam_role" "org" {
  assume_role_policy = jsonencode({
    Statement = [{
      Effect    = "Allow"
      Principal = { Federated = aws_iam_openid_connect_provider.github.arn }
      Action    = "sts:AssumeRoleWithWebIdentity"
      Condition = {
        StringEquals = { "token.actions.githubusercontent.com:aud" = "sts.amazonaws.com" }
        StringLike   = { "token.actions.githubusercontent.com:sub" = "repo:${var.org}/*" }
      }
    }]
  })
}
"#,
    );
    assert_eq!(
        findings(&[("main.tf", &main), ("variables.tf", vars)], &NoFiles),
        ["OA102 high main.tf:14", "OA109 low main.tf:14"]
    );
}

#[test]
fn terraform_aws_modules_github_oidc_role() {
    let main = r#"
module "deploy_role" {
  source  = "terraform-aws-modules/iam/aws//modules/iam-github-oidc-role"
  version = "5.39.0"

  name     = "prod-deploy"
  subjects = [
    "octo-org/app:environment:production",
    "repo:octo-org/app:pull_request",
    "octo-org/*",
  ]
}
"#;
    assert_eq!(
        findings(&[("main.tf", main)], &NoFiles),
        [
            "OA102 high main.tf:10",
            "OA104 low main.tf:2",
            "OA104 low main.tf:2",
            "OA105 low main.tf:2",
            "OA107 high main.tf:9",
            "OA109 low main.tf:8",
            "OA110 low main.tf:8",
            "OA110 low main.tf:9",
        ]
    );
}

#[test]
fn hostile_modules_are_refused() {
    let deep = format!("locals {{ x = {}{} }}", "[".repeat(500), "]".repeat(500));
    assert!(read_module(&[("a.tf".into(), deep)], &NoFiles).is_err());
    // A local that refers to itself terminates.
    let cyclic = module(
        r#"
locals {
  a = local.b
  b = local.a
}
resource "aws_iam_role" "x" {
  assume_role_policy = local.a
}
"#,
    );
    let read = read_module(&[("a.tf".into(), cyclic)], &NoFiles).unwrap();
    assert_eq!(read.found.len(), 1);
    // Locals that double at each level: bounded by the evaluation budget, not 2^30 steps.
    let mut locals = String::from("locals {\n  l0 = \"x\"\n");
    for i in 1..30 {
        locals.push_str(&format!("  l{i} = [local.l{}, local.l{}]\n", i - 1, i - 1));
    }
    locals.push_str("}\nresource \"aws_iam_role\" \"x\" {\n  assume_role_policy = jsonencode({ Statement = local.l29 })\n}\n");
    let started = std::time::Instant::now();
    let read = read_module(&[("a.tf".into(), locals)], &NoFiles).unwrap();
    assert_eq!(read.found.len(), 1);
    // Past the budget values are unresolved, and the document says so once.
    let over: Vec<&String> = read.found[0]
        .doc
        .assumptions
        .iter()
        .map(|(_, m)| m)
        .filter(|m| m.contains("more than 200,000 times"))
        .collect();
    assert_eq!(over.len(), 1, "{:?}", read.found[0].doc.assumptions);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
}

/// Each role's power summary, in the order the roles were found.
fn powers(files: &[(&str, &str)]) -> Vec<(String, String)> {
    let sources: Vec<(String, String)> = files
        .iter()
        .map(|(p, t)| (p.to_string(), t.to_string()))
        .collect();
    let read = read_module(&sources, &NoFiles).unwrap_or_else(|e| panic!("{e}"));
    read.found
        .iter()
        .map(|f| {
            let power = f.power.as_ref().map_or("-".into(), |p| p.summary());
            (f.resource.clone(), power)
        })
        .collect()
}

#[test]
fn power_of_each_role_across_the_module() {
    // The ways Terraform grants a role permissions, spread over two files as real stacks do:
    // attachments by reference and by literal ARN, an aws_iam_policy of the module read as its
    // document, an inline_policy block, aws_iam_role_policy with a policy document data
    // source, the exclusive attachments resource, and a policy ARN from a variable without a
    // default (not classified).
    let roles = r#"
locals {
  trust = jsonencode({
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRoleWithWebIdentity"
      Principal = { Federated = aws_iam_openid_connect_provider.github.arn }
      Condition = { StringEquals = { "token.actions.githubusercontent.com:sub" = "repo:octo-org/app:ref:refs/heads/main" } }
    }]
  })
}
variable "boundary_policy_arn" {}
resource "aws_iam_role" "deploy" {
  name               = "deploy"
  assume_role_policy = local.trust
}
resource "aws_iam_role" "site" {
  name                = "site"
  assume_role_policy  = local.trust
  managed_policy_arns = [aws_iam_policy.upload.arn, var.boundary_policy_arn]
  inline_policy {
    name   = "invalidate"
    policy = jsonencode({ Statement = [{ Effect = "Allow", Action = "cloudfront:CreateInvalidation", Resource = "*" }] })
  }
}
resource "aws_iam_role" "ci" {
  name               = "ci"
  assume_role_policy = local.trust
}
resource "aws_iam_role" "reader" {
  name               = "reader"
  assume_role_policy = local.trust
}
"#;
    let grants = r#"
resource "aws_iam_role_policy_attachment" "deploy_admin" {
  role       = aws_iam_role.deploy.name
  policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess"
}
resource "aws_iam_policy" "upload" {
  policy = jsonencode({
    Statement = [{ Effect = "Allow", Action = ["s3:PutObject", "s3:DeleteObject"], Resource = "arn:aws:s3:::site/*" }]
  })
}
data "aws_iam_policy_document" "pass" {
  statement {
    actions   = ["iam:PassRole", "ecs:UpdateService"]
    resources = ["*"]
  }
}
resource "aws_iam_role_policy" "ci_pass" {
  role   = aws_iam_role.ci.id
  policy = data.aws_iam_policy_document.pass.json
}
resource "aws_iam_role_policy_attachments_exclusive" "reader" {
  role_name   = aws_iam_role.reader.name
  policy_arns = ["arn:aws:iam::aws:policy/job-function/ViewOnlyAccess"]
}
"#;
    let got = powers(&[
        ("roles.tf", roles),
        ("grants.tf", grants),
        ("provider.tf", PROVIDER),
    ]);
    let want: Vec<(String, String)> = vec![
        ("aws_iam_role.deploy".into(), "administrator: AdministratorAccess".into()),
        (
            "aws_iam_role.site".into(),
            "at least write: s3:PutObject on arn:aws:s3:::site/* (+2 more); not classified: policy ${var.boundary_policy_arn}".into(),
        ),
        (
            "aws_iam_role.ci".into(),
            "IAM write (can escalate to administrator): iam:PassRole on *".into(),
        ),
        ("aws_iam_role.reader".into(), "read-only: ViewOnlyAccess".into()),
    ];
    assert_eq!(got, want);
    // Reading power adds nothing to the trust policies' assumptions.
    let sources = [
        ("roles.tf".to_string(), roles.to_string()),
        ("grants.tf".to_string(), grants.to_string()),
        ("provider.tf".to_string(), PROVIDER.to_string()),
    ];
    let read = read_module(&sources, &NoFiles).unwrap();
    assert!(
        read.found.iter().all(|f| f.doc.assumptions.is_empty()),
        "{:?}",
        read.found[1].doc.assumptions
    );
}

#[test]
fn power_of_the_modelled_registry_module() {
    let module = r#"
module "github_oidc_role" {
  source   = "terraform-aws-modules/iam/aws//modules/iam-github-oidc-role"
  subjects = ["octo-org/app:ref:refs/heads/main"]
  policies = {
    deploy = "arn:aws:iam::aws:policy/PowerUserAccess"
  }
}
"#;
    assert_eq!(
        powers(&[("main.tf", module)]),
        [(
            "module.github_oidc_role".to_string(),
            "power user: PowerUserAccess".to_string()
        )]
    );
}

#[test]
fn variable_files_terraform_loads_by_itself_set_the_values() {
    let main = module(
        r#"
variable "subject" {
  type    = string
  default = "repo:octo-org/app:ref:refs/heads/release-*"
}
variable "audience" {
  type    = string
  default = "sts.amazonaws.com"
}
resource "aws_iam_role" "ci" {
  name = "ci"
  assume_role_policy = jsonencode({
    Statement = [{
      Effect    = "Allow"
      Principal = { Federated = aws_iam_openid_connect_provider.github.arn }
      Action    = "sts:AssumeRoleWithWebIdentity"
      Condition = {
        StringEquals = { "token.actions.githubusercontent.com:aud" = var.audience }
        StringLike   = { "token.actions.githubusercontent.com:sub" = var.subject }
      }
    }]
  })
}
"#,
    );
    /// (case, variable files beside main.tf, findings)
    type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], &'a [&'a str]);
    let cases: &[Case<'_>] = &[
        // The default alone: release branches, at the default's line.
        (
            "no variable file",
            &[],
            &["OA102 medium main.tf:8", "OA109 low main.tf:23"],
        ),
        // terraform.tfvars widens the subject: the finding is where the value is written.
        (
            "terraform.tfvars",
            &[("terraform.tfvars", "subject = \"repo:octo-org/*\"\n")],
            &["OA102 high terraform.tfvars:1", "OA109 low main.tf:23"],
        ),
        // *.auto.tfvars is loaded after terraform.tfvars and wins.
        (
            "auto.tfvars after terraform.tfvars",
            &[
                ("terraform.tfvars", "subject = \"repo:octo-org/*\"\n"),
                (
                    "ci.auto.tfvars",
                    "audience = \"sts.amazonaws.com\"\nsubject  = \"repo:octo-org/app:environment:prod\"\n",
                ),
            ],
            &["OA109 low main.tf:23", "OA110 low ci.auto.tfvars:2"],
        ),
        // A file for `-var-file` is not loaded by Terraform alone; an undeclared name is ignored.
        (
            "prod.tfvars and an undeclared variable",
            &[
                ("prod.tfvars", "subject = \"repo:octo-org/*\"\n"),
                ("terraform.tfvars", "unknown = \"repo:*\"\n"),
            ],
            &["OA102 medium main.tf:8", "OA109 low main.tf:23"],
        ),
    ];
    for (name, vars, want) in cases {
        let mut files: Vec<(&str, &str)> = vec![("main.tf", main.as_str())];
        files.extend(vars.iter().copied());
        assert_eq!(findings(&files, &NoFiles), *want, "{name}");
    }
}

mod modules;

#[test]
fn json_syntax_gets_the_verdict_of_the_native_syntax() {
    let native = module(
        r#"
variable "subject" {
  default = "repo:octo-org/*"
}
resource "aws_iam_role" "org_tools" {
  name = "org-tools"
  assume_role_policy = jsonencode({
    Statement = [{
      Effect    = "Allow"
      Principal = { Federated = aws_iam_openid_connect_provider.github.arn }
      Action    = "sts:AssumeRoleWithWebIdentity"
      Condition = { StringLike = { "token.actions.githubusercontent.com:sub" = var.subject } }
    }]
  })
}
"#,
    );
    let json = r#"{
  "resource": {
    "aws_iam_openid_connect_provider": {
      "github": { "url": "https://token.actions.githubusercontent.com" }
    },
    "aws_iam_role": {
      "org_tools": {
        "name": "org-tools",
        "assume_role_policy": "${jsonencode({Statement = [{Effect = \"Allow\", Principal = {Federated = aws_iam_openid_connect_provider.github.arn}, Action = \"sts:AssumeRoleWithWebIdentity\", Condition = {StringLike = {\"token.actions.githubusercontent.com:sub\" = var.subject}}}]})}"
      }
    }
  },
  "variable": {
    "subject": {
      "default": "repo:octo-org/*"
    }
  }
}"#;
    let ids = |found: Vec<String>| -> Vec<String> {
        found
            .iter()
            .map(|f| f.split(' ').take(2).collect::<Vec<_>>().join(" "))
            .collect()
    };
    let native = findings(&[("main.tf", &native)], &NoFiles);
    let json = findings(&[("main.tf.json", json)], &NoFiles);
    assert_eq!(ids(native), ids(json.clone()));
    // The subject's finding is at the variable default's line in the JSON.
    assert!(
        json.contains(&"OA102 high main.tf.json:15".to_string()),
        "{json:?}"
    );
}
