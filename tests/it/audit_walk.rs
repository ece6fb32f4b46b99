//! `oidc-assume audit DIR` on hostile trees (issue #13): special files, link loops, links out
//! of the tree, a link to `/dev/zero`, a huge file, deep nesting, invalid UTF-8. Each is named
//! and skipped (or refused) in bounded time; every run here has a deadline and is killed past
//! it. Also: a tree with nothing that looks like a trust policy exits 2 and says what it read.

use std::os::unix::fs::symlink;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use crate::common::*;

/// The most any of these runs may take (they take milliseconds; a hang is the bug): the
/// harness kills the binary past it.
const DEADLINE: Duration = Duration::from_secs(20);

/// `oidc-assume audit` in a fresh directory, killed at the deadline; the test builds the tree
/// at `run.path(…)` before running it.
fn audit() -> Run {
    Run::bare().deadline(DEADLINE).arg("audit")
}

const OPEN: &str = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
  "Principal": {"Federated": "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"},
  "Action": "sts:AssumeRoleWithWebIdentity",
  "Condition": {"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}}}]}"#;

fn write(path: &Path, text: impl AsRef<[u8]>) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn mkfifo(path: &Path) {
    let status = Command::new("mkfifo").arg(path).status().unwrap();
    assert!(status.success());
}

#[tokio::test(flavor = "multi_thread")]
async fn hostile_tree_is_walked_in_bounded_time() {
    let outside = tempfile::tempdir().unwrap();
    write(&outside.path().join("secret.json"), OPEN);
    let run = audit();
    let root = run.path("repo");
    write(&root.join("iam/open.json"), OPEN);
    mkfifo(&root.join("iam/pipe.json"));
    let _socket = std::os::unix::net::UnixListener::bind(root.join("iam/sock.json")).unwrap();
    symlink("/dev/zero", root.join("iam/zero.json")).unwrap();
    symlink("loop.json", root.join("iam/loop.json")).unwrap();
    symlink(
        outside.path().join("secret.json"),
        root.join("iam/outside.json"),
    )
    .unwrap();
    symlink("..", root.join("iam/up")).unwrap();
    symlink("open.json", root.join("iam/alias.json")).unwrap();
    // 5 MB of a valid-looking policy: refused by its size before reading.
    let mut big = String::from("{\"Statement\": [");
    while big.len() < 5 * 1024 * 1024 {
        big.push_str("\"sts:AssumeRoleWithWebIdentity\",");
    }
    big.push_str("1]}");
    write(&root.join("iam/big.json"), &big);
    write(
        &root.join("iam/latin1.json"),
        b"{\"Statement\": \"caf\xe9\"}",
    );
    // 40 directories deep (more than the walk enters), with a policy at the bottom.
    let mut deep = root.join("deep");
    for i in 0..40 {
        deep = deep.join(format!("d{i}"));
    }
    write(&deep.join("p.json"), OPEN);
    // Brackets nested 100,000 deep in files of each form.
    let nested = format!(
        "{{\"Statement\": {}{}}}",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    write(&root.join("nest/n.json"), &nested);
    write(
        &root.join("nest/n.yaml"),
        format!(
            "AssumeRolePolicyDocument: {}{}",
            "[".repeat(100_000),
            "]".repeat(100_000)
        ),
    );
    write(
        &root.join("nest/n.tf"),
        format!(
            "resource \"aws_iam_role\" \"x\" {{ assume_role_policy = {}{} }}",
            "[".repeat(100_000),
            "]".repeat(100_000)
        ),
    );
    write(&root.join("node_modules/x/p.json"), OPEN);
    write(&root.join(".git/p.json"), OPEN);
    write(&root.join("target/p.json"), OPEN);
    write(&root.join(".terraform/modules/p.json"), OPEN);

    let out = run.args(&["repo", "--format", "json"]).run().await;
    assert!(out.elapsed < Duration::from_secs(10), "{:?}", out.elapsed);
    // Each hostile entry is named with why it was skipped; deep nesting in each form is
    // refused with the file named (a policy-looking file that cannot be read is bad input:
    // exit 2), and the readable policy is still audited.
    insta::assert_snapshot!("hostile_tree_notes", out.stderr_normalized());
    assert_eq!(out.code, 2, "{}", out.stderr);
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let docs: Vec<&str> = json["documents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["path"].as_str().unwrap())
        .collect();
    assert_eq!(docs, ["repo/iam/open.json"], "{}", out.stdout);
    assert!(!out.stdout.contains("node_modules") && !out.stdout.contains("secret"));
}

#[tokio::test(flavor = "multi_thread")]
async fn named_special_files_are_refused_not_opened() {
    let mut reports = String::new();
    for name in ["pipe.json", "zero.json", "self.json"] {
        let run = audit();
        mkfifo(&run.path("pipe.json"));
        symlink("/dev/zero", run.path("zero.json")).unwrap();
        symlink("self.json", run.path("self.json")).unwrap();
        let out = run.arg(name).run().await;
        out.assert_code(2);
        assert!(out.elapsed < Duration::from_secs(10));
        reports.push_str(&format!("=== {name}\n{}", out.transcript()));
    }
    insta::assert_snapshot!("special_files_refused", reports);
}

#[tokio::test(flavor = "multi_thread")]
async fn nothing_that_looks_like_a_trust_policy_exits_2() {
    let run = audit();
    std::fs::create_dir(run.path("empty")).unwrap();
    let out = run.arg("empty").run().await;
    out.assert_code(2);
    let mut reports = format!("=== empty\n{}", out.transcript());

    let run = audit();
    let infra = run.path("infra");
    write(
        &infra.join("main.tf"),
        "resource \"aws_s3_bucket\" \"b\" {\n  bucket = \"b\"\n}\n",
    );
    write(&infra.join("package.json"), "{\"name\": \"x\"}");
    write(&infra.join("README.md"), "# infra");
    write(&infra.join("node_modules/p.json"), OPEN);
    let out = run.arg("infra").run().await;
    out.assert_code(2);
    reports.push_str(&format!("=== infra\n{}", out.transcript()));
    insta::assert_snapshot!("nothing_to_audit", reports);
}

#[tokio::test(flavor = "multi_thread")]
async fn templates_are_read_from_inside_the_tree_only() {
    let run = audit();
    write(&run.path("secret.tftpl"), OPEN);
    let root = run.path("infra");
    let main = r#"
resource "aws_iam_role" "a" {
  name               = "deploy"
  assume_role_policy = templatefile("${path.module}/../secret.tftpl", {})
}
resource "aws_iam_role" "b" {
  name               = "deploy"
  assume_role_policy = templatefile("/dev/zero", {})
}
"#;
    write(&root.join("main.tf"), main);
    let out = run.args(&["infra", "--format", "json"]).run().await;
    assert!(out.elapsed < Duration::from_secs(10));
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let messages: Vec<&str> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert_eq!(messages.len(), 2, "{messages:?}");
    insta::assert_snapshot!(
        "templates_outside_the_tree",
        out.normalize(&messages.join("\n"))
    );
    out.assert_code(10);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_named_terraform_file_is_read_with_its_modules_other_files() {
    let run = audit();
    let main = r#"
resource "aws_iam_role" "ci" {
  name = "ci"
  assume_role_policy = jsonencode({
    Statement = [{
      Effect    = "Allow"
      Principal = { Federated = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com" }
      Action    = "sts:AssumeRoleWithWebIdentity"
      Condition = {
        StringEquals = { "token.actions.githubusercontent.com:aud" = "sts.amazonaws.com" }
        StringLike   = { "token.actions.githubusercontent.com:sub" = "repo:${var.org}/*" }
      }
    }]
  })
}
"#;
    write(&run.path("main.tf"), main);
    write(
        &run.path("variables.tf"),
        "variable \"org\" {\n  default = \"octo-org\"\n}\n",
    );
    write(&run.path("sub/other.tf"), "this is not read {");
    let out = run.args(&["main.tf", "--format", "json"]).run().await;
    out.assert_code(12);
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let findings: Vec<String> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{} {}",
                f["id"].as_str().unwrap(),
                f["message"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(findings.len(), 2, "{findings:?}");
    // The variable from variables.tf is evaluated into the subject the finding quotes.
    insta::assert_snapshot!("module_variables_evaluated", findings.join("\n"));
    assert_eq!(json["documents"].as_array().unwrap().len(), 1);
}
