//! Tests of `module` calls: local modules followed with their inputs, registry modules through
//! `.terraform/modules/modules.json` and as modelled. Each case is a tree of files and the
//! findings (`ID severity file:line`) of the root module read with it.

use super::findings;
use crate::trust::forms::Files;

/// A repository: the files of each directory, for templates and called modules.
struct Tree(&'static [(&'static str, &'static str)]);

impl Files for Tree {
    fn read(&self, from: &str, name: &str) -> Result<(String, String), String> {
        let path = join(from, name);
        self.0
            .iter()
            .find(|(p, _)| *p == path)
            .map(|(p, t)| (p.to_string(), t.to_string()))
            .ok_or_else(|| format!("`{name}` is not in the repository"))
    }

    fn module(&self, from: &str, dir: &str) -> Result<Vec<(String, String)>, String> {
        let dir = join(from, dir);
        let files: Vec<(String, String)> = self
            .0
            .iter()
            .filter(|(p, _)| p.rsplit_once('/').map(|(d, _)| d) == Some(dir.as_str()))
            .map(|(p, t)| (p.to_string(), t.to_string()))
            .collect();
        if files.is_empty() {
            return Err(format!("no module at `{dir}`"));
        }
        Ok(files)
    }
}

/// `name` relative to the directory of `from`, `.` and `..` resolved.
fn join(from: &str, name: &str) -> String {
    let mut parts: Vec<&str> = from.split('/').collect();
    parts.pop();
    for p in name.split('/') {
        match p {
            "." | "" => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    parts.join("/")
}

/// `ID severity file:line` of every finding of a root module read with its tree.
fn tree_findings(root: &[&str], tree: &'static [(&'static str, &'static str)]) -> Vec<String> {
    let files: Vec<(&str, &str)> = tree
        .iter()
        .filter(|(p, _)| root.contains(p))
        .copied()
        .collect();
    findings(&files, &Tree(tree))
}

const ROLE_MODULE: &str = r#"
variable "name" {}
variable "subjects" { type = list(string) }
variable "policy_arns" { default = [] }
resource "aws_iam_openid_connect_provider" "github" {
  url = "https://token.actions.githubusercontent.com"
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
    condition {
      test     = length([for s in var.subjects : s if strcontains(s, "*")]) > 0 ? "StringLike" : "StringEquals"
      variable = "token.actions.githubusercontent.com:sub"
      values   = var.subjects
    }
  }
}
resource "aws_iam_role" "this" {
  name               = var.name
  assume_role_policy = data.aws_iam_policy_document.trust.json
}
resource "aws_iam_role_policy_attachment" "this" {
  count      = length(var.policy_arns)
  role       = aws_iam_role.this.name
  policy_arn = var.policy_arns[count.index]
}
output "name" {
  value = aws_iam_role.this.name
}
output "subjects" {
  value = var.subjects
}
"#;

#[test]
fn local_modules_are_followed_with_their_inputs() {
    // The issue's two misreads: an exact subject passed to a module (was critical), and a
    // pull-request role holding AdministratorAccess through a module (was low).
    type Case = (
        &'static str,
        &'static [(&'static str, &'static str)],
        &'static [&'static str],
    );
    let cases: &[Case] = &[
        (
            "an exact subject through a module: nothing to report",
            &[
                (
                    "infra/main.tf",
                    "module \"deploy\" {\n  source   = \"../modules/role\"\n  name     = \"prod-deploy\"\n  subjects = [\"repo:octo-org/app:environment:production\"]\n}\n",
                ),
                ("modules/role/main.tf", ROLE_MODULE),
            ],
            &["OA109 low modules/role/main.tf:22"],
        ),
        (
            "a pull-request subject with AdministratorAccess: high, at the caller's line",
            &[
                (
                    "infra/main.tf",
                    "module \"preview\" {\n  source      = \"../modules/role\"\n  name        = \"preview\"\n  subjects    = [\"repo:octo-org/app:pull_request\"]\n  policy_arns = [\"arn:aws:iam::aws:policy/AdministratorAccess\"]\n}\n",
                ),
                ("modules/role/main.tf", ROLE_MODULE),
            ],
            &[
                "OA107 high infra/main.tf:4",
                "OA109 low modules/role/main.tf:22",
            ],
        ),
        (
            "called twice, one through for_each over a set: one role per instance",
            &[
                (
                    "infra/main.tf",
                    "locals {\n  repos = toset([\"api\", \"web\"])\n}\nmodule \"ci\" {\n  source   = \"../modules/role\"\n  for_each = local.repos\n  name     = \"ci-${each.key}\"\n  subjects = [\"repo:octo-org/${each.value}:*\"]\n}\nmodule \"org\" {\n  source   = \"../modules/role\"\n  name     = \"org-tools\"\n  subjects = [\"repo:octo-org/*\"]\n}\n",
                ),
                ("modules/role/main.tf", ROLE_MODULE),
            ],
            &[
                "OA102 high infra/main.tf:13",
                "OA102 high infra/main.tf:8",
                "OA102 high infra/main.tf:8",
                "OA109 low modules/role/main.tf:22",
                "OA109 low modules/role/main.tf:22",
                "OA109 low modules/role/main.tf:22",
            ],
        ),
        (
            "an output feeds another call; count = 0 makes no role",
            &[
                (
                    "infra/main.tf",
                    "module \"a\" {\n  source   = \"../modules/role\"\n  name     = \"a\"\n  subjects = [\"repo:octo-org/app:environment:production\"]\n}\nmodule \"b\" {\n  source   = \"../modules/role\"\n  name     = \"b\"\n  subjects = [for s in module.a.subjects : replace(s, \"environment:production\", \"ref:refs/heads/*\")]\n}\nmodule \"off\" {\n  source   = \"../modules/role\"\n  count    = 0\n  name     = \"off\"\n  subjects = [\"repo:*\"]\n}\n",
                ),
                ("modules/role/main.tf", ROLE_MODULE),
            ],
            // The subject is computed by the call to `replace`: the finding is there.
            &[
                "OA102 medium infra/main.tf:9",
                "OA109 low modules/role/main.tf:22",
                "OA109 low modules/role/main.tf:22",
            ],
        ),
        (
            "a module that cannot be read is reported, not skipped",
            &[(
                "infra/main.tf",
                "module \"gone\" {\n  source = \"../modules/missing\"\n}\n",
            )],
            &["OA112 low infra/main.tf:1"],
        ),
        (
            "a module that calls itself is read a bounded number of times",
            &[("infra/main.tf", "module \"loop\" {\n  source = \"./\"\n}\n")],
            &[],
        ),
    ];
    for (name, tree, want) in cases {
        let got = tree_findings(&["infra/main.tf"], Box::leak(Box::new(tree.to_vec())));
        assert_eq!(&got, want, "{name}");
    }
}

#[test]
fn registry_modules_are_read_as_their_pinned_version_builds_the_role() {
    type Case = (&'static str, &'static str, &'static [&'static str]);
    let cases: &[Case] = &[
        (
            "unfunco v3: a bare repository gets the default subject (main), exact",
            "module \"gh\" {\n  source          = \"unfunco/oidc-github/aws\"\n  version         = \"3.0.1\"\n  github_subjects = [\"octo-org/app\"]\n  dangerously_attach_admin_policy = true\n}\n",
            &["OA109 low main.tf:1", "OA110 low main.tf:1"],
        ),
        (
            "unfunco v2: a bare repository gets `:*`",
            "module \"gh\" {\n  source              = \"unfunco/oidc-github/aws\"\n  version             = \"~> 2.0\"\n  github_repositories = [\"octo-org/app\"]\n  attach_s3_full_access_policy = true\n}\n",
            &["OA102 high main.tf:1", "OA109 low main.tf:1"],
        ),
        (
            "unfunco unpinned: read as v3, and said so",
            "module \"gh\" {\n  source          = \"unfunco/oidc-github/aws\"\n  github_subjects = [\"octo-org/app:pull_request\"]\n  iam_role_policy_names = [\"AdministratorAccess\"]\n}\n",
            &[
                "OA107 high main.tf:1",
                "OA109 low main.tf:1",
                "OA110 low main.tf:1",
                "OA112 low main.tf:1",
            ],
        ),
        (
            "iam-role v6 without subjects: no `sub` condition at all",
            "module \"r\" {\n  source             = \"terraform-aws-modules/iam/aws//modules/iam-role\"\n  version            = \"6.5.0\"\n  name               = \"deploy\"\n  enable_github_oidc = true\n}\n",
            &[
                "OA101 critical main.tf:1",
                "OA104 low main.tf:1",
                "OA104 low main.tf:1",
                "OA105 low main.tf:1",
            ],
        ),
        (
            "iam-role v6 with exact subjects",
            "module \"r\" {\n  source             = \"terraform-aws-modules/iam/aws//modules/iam-role\"\n  version            = \"~> 6.0\"\n  name               = \"deploy\"\n  enable_github_oidc = true\n  oidc_subjects      = [\"octo-org/app:environment:production\"]\n}\n",
            &[
                "OA104 low main.tf:1",
                "OA104 low main.tf:1",
                "OA105 low main.tf:1",
                "OA109 low main.tf:1",
            ],
        ),
        (
            "iam-role v6 without enable_github_oidc: no GitHub statement, no role read",
            "module \"r\" {\n  source  = \"terraform-aws-modules/iam/aws//modules/iam-role\"\n  version = \"6.0.0\"\n  name    = \"lambda\"\n}\n",
            &[],
        ),
        (
            "philips-labs defaults: main branch, pull requests denied",
            "module \"p\" {\n  source = \"github.com/philips-labs/terraform-aws-github-oidc?ref=v0.8.1\"\n  openid_connect_provider_arn = \"arn:aws:iam::1:oidc-provider/token.actions.githubusercontent.com\"\n  repo   = \"octo-org/app\"\n}\n",
            &[
                "OA109 low main.tf:1",
                "OA110 low main.tf:1",
                "OA110 low main.tf:1",
            ],
        ),
        (
            "terraform-module: no aud condition, `:*` by default",
            "module \"t\" {\n  source       = \"terraform-module/github-oidc-provider/aws\"\n  version      = \"2.3.0\"\n  repositories = [\"octo-org/app\"]\n}\n",
            &[
                "OA102 high main.tf:1",
                "OA103 medium main.tf:1",
                "OA109 low main.tf:1",
            ],
        ),
        (
            "moritzheiber unpinned (a Git source without `?ref=`): one role per name, same trust",
            "module \"m\" {\n  source              = \"github.com/moritzheiber/terraform-aws-oidc-github-actions-module\"\n  github_repositories = [\"octo-org/app\"]\n  role_names          = [\"a\", \"b\"]\n}\n",
            &[
                "OA102 high main.tf:1",
                "OA102 high main.tf:1",
                "OA103 medium main.tf:1",
                "OA103 medium main.tf:1",
                "OA109 low main.tf:1",
                "OA109 low main.tf:1",
                "OA112 low main.tf:1",
                "OA112 low main.tf:1",
            ],
        ),
        (
            "a module no one models: not read",
            "module \"vpc\" {\n  source  = \"terraform-aws-modules/vpc/aws\"\n  version = \"5.0.0\"\n}\n",
            &[],
        ),
    ];
    for (name, main, want) in cases {
        let tree: &'static [(&'static str, &'static str)] =
            Box::leak(Box::new([("main.tf", *main)]));
        assert_eq!(&tree_findings(&["main.tf"], tree), want, "{name}");
    }
}

#[test]
fn modules_json_points_at_the_downloaded_code() {
    let tree: &'static [(&'static str, &'static str)] = &[
        (
            "main.tf",
            "module \"gh\" {\n  source  = \"acme/github-role/aws\"\n  version = \"1.0.0\"\n  subject = \"repo:octo-org/app:pull_request\"\n  admin   = true\n}\n",
        ),
        (
            ".terraform/modules/modules.json",
            r#"{"Modules":[{"Key":"","Source":"","Dir":"."},{"Key":"gh","Source":"registry.terraform.io/acme/github-role/aws","Version":"1.0.0","Dir":".terraform/modules/gh"}]}"#,
        ),
        (
            ".terraform/modules/gh/main.tf",
            r#"
variable "subject" {}
variable "admin" { default = false }
resource "aws_iam_role" "this" {
  name = "preview"
  assume_role_policy = jsonencode({
    Statement = [{
      Effect    = "Allow"
      Principal = { Federated = "arn:aws:iam::1:oidc-provider/token.actions.githubusercontent.com" }
      Action    = "sts:AssumeRoleWithWebIdentity"
      Condition = { StringEquals = { "token.actions.githubusercontent.com:aud" = "sts.amazonaws.com", "token.actions.githubusercontent.com:sub" = var.subject } }
    }]
  })
  managed_policy_arns = var.admin ? ["arn:aws:iam::aws:policy/AdministratorAccess"] : []
}
"#,
        ),
    ];
    assert_eq!(
        tree_findings(&["main.tf"], tree),
        [
            "OA107 high main.tf:4",
            "OA109 low .terraform/modules/gh/main.tf:11"
        ]
    );
}

#[test]
fn calls_nest_a_bounded_number_deep() {
    // m0 calls m1 … m11; each passes the subject on; only m11 has a role. Past eight calls the
    // chain is cut, and the cut is said (OA112 at the call not followed), never silent.
    let mut files: Vec<(&'static str, &'static str)> = Vec::new();
    for i in 0..12 {
        let path: &'static str = Box::leak(format!("m{i}/main.tf").into_boxed_str());
        let text = if i < 11 {
            format!(
                "variable \"subject\" {{ default = \"repo:octo-org/app:*\" }}\nmodule \"next\" {{\n  source  = \"../m{}\"\n  subject = var.subject\n}}\n",
                i + 1
            )
        } else {
            ROLE_MODULE.replace("variable \"subjects\" { type = list(string) }", "variable \"subject\" {}\nvariable \"name\" { default = \"deep\" }\nlocals { subjects = [var.subject] }").replace("var.subjects", "local.subjects").replacen("variable \"name\" {}\n", "", 1)
        };
        files.push((path, Box::leak(text.into_boxed_str())));
    }
    let tree: &'static [(&'static str, &'static str)] = Box::leak(files.into_boxed_slice());
    let got = tree_findings(&["m0/main.tf"], tree);
    assert!(
        got.iter().any(|f| f.starts_with("OA112 low m")),
        "the cut is reported: {got:?}"
    );
    assert!(!got.iter().any(|f| f.starts_with("OA102")), "{got:?}");
    // A shorter chain is followed to the role, the subject passed down from the root.
    let short: Vec<(&'static str, &'static str)> = tree
        .iter()
        .filter(|(p, _)| {
            p.starts_with("m6/")
                || p.starts_with("m7/")
                || p.starts_with("m8/")
                || p.starts_with("m9/")
                || p.starts_with("m10/")
                || p.starts_with("m11/")
        })
        .copied()
        .collect();
    let short: &'static [(&'static str, &'static str)] = Box::leak(short.into_boxed_slice());
    let got = tree_findings(&["m6/main.tf"], short);
    assert!(
        got.contains(&"OA102 high m6/main.tf:1".to_string()),
        "{got:?}"
    );
}
