//! `oidc-assume audit DIR` on hostile trees (issue #13): special files, link loops, links out
//! of the tree, a link to `/dev/zero`, a huge file, deep nesting, invalid UTF-8. Each is named
//! and skipped (or refused) in bounded time; every run here has a deadline and is killed past
//! it. Also: a tree with nothing that looks like a trust policy exits 2 and says what it read.

use std::os::unix::fs::symlink;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The most any of these runs may take (they take milliseconds; a hang is the bug).
const DEADLINE: Duration = Duration::from_secs(20);

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
    elapsed: Duration,
}

/// Runs `oidc-assume audit ARGS` in `dir`, killed at the deadline.
fn audit(dir: &Path, args: &[&str]) -> Out {
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_oidc-assume"))
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .arg("audit")
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if started.elapsed() > DEADLINE {
            child.kill().unwrap();
            panic!("audit {args:?} did not finish in {DEADLINE:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let output = child.wait_with_output().unwrap();
    Out {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        elapsed: started.elapsed(),
    }
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

#[test]
fn hostile_tree_is_walked_in_bounded_time() {
    let outside = tempfile::tempdir().unwrap();
    write(&outside.path().join("secret.json"), OPEN);
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("repo");
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

    let out = audit(tmp.path(), &["repo", "--format", "json"]);
    assert!(out.elapsed < Duration::from_secs(10), "{:?}", out.elapsed);
    for (name, why) in [
        ("iam/pipe.json", "a FIFO (named pipe), not a regular file"),
        ("iam/sock.json", "a socket, not a regular file"),
        (
            "iam/zero.json",
            "a symbolic link out of the tree (to /dev/zero)",
        ),
        ("iam/loop.json", "a symbolic link loop"),
        ("iam/outside.json", "a symbolic link out of the tree"),
        ("iam/up", "a symbolic link inside the tree"),
        ("iam/alias.json", "a symbolic link inside the tree"),
        (
            "iam/big.json",
            "bytes or more: larger than the 262144-byte limit",
        ),
        ("iam/latin1.json", "not UTF-8 (invalid byte at offset 18)"),
        (
            "deep/d0/d1/d2/d3/d4/d5/d6/d7/d8/d9/d10/d11/d12/d13/d14/d15/d16/d17/d18/d19/d20/d21/d22/d23/d24/d25/d26/d27/d28/d29/d30/d31",
            "directories deep: not entered",
        ),
    ] {
        let line = out
            .stderr
            .lines()
            .find(|l| l.contains(&format!("repo/{name}:")))
            .unwrap_or_else(|| panic!("{name} not named:\n{}", out.stderr));
        assert!(line.contains(why), "{name}: {line}");
    }
    // Deep nesting in each form is refused with the file named (a policy-looking file that
    // cannot be read is bad input: exit 2), and the readable policy is still audited.
    for name in ["nest/n.json", "nest/n.yaml", "nest/n.tf"] {
        assert!(
            out.stderr.contains(&format!("repo/{name}")),
            "{name}:\n{}",
            out.stderr
        );
    }
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

#[test]
fn named_special_files_are_refused_not_opened() {
    let tmp = tempfile::tempdir().unwrap();
    mkfifo(&tmp.path().join("pipe.json"));
    symlink("/dev/zero", tmp.path().join("zero.json")).unwrap();
    symlink("self.json", tmp.path().join("self.json")).unwrap();
    for (name, why) in [
        ("pipe.json", "a FIFO (named pipe), not a regular file"),
        ("zero.json", "a character device, not a regular file"),
        ("self.json", "could not read self.json"),
    ] {
        let out = audit(tmp.path(), &[name]);
        assert_eq!(out.code, 2, "{name}: {}", out.stderr);
        assert!(out.stderr.contains(why), "{name}: {}", out.stderr);
        assert!(out.elapsed < Duration::from_secs(10));
    }
}

#[test]
fn nothing_that_looks_like_a_trust_policy_exits_2() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir(tmp.path().join("empty")).unwrap();
    let out = audit(tmp.path(), &["empty"]);
    assert_eq!(out.code, 2);
    assert_eq!(out.stdout, "");
    assert!(
        out.stderr
            .starts_with("error: no trust policy found: read 0 files"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("hint: audit reads IAM JSON"),
        "{}",
        out.stderr
    );

    let infra = tmp.path().join("infra");
    write(
        &infra.join("main.tf"),
        "resource \"aws_s3_bucket\" \"b\" {\n  bucket = \"b\"\n}\n",
    );
    write(&infra.join("package.json"), "{\"name\": \"x\"}");
    write(&infra.join("README.md"), "# infra");
    write(&infra.join("node_modules/p.json"), OPEN);
    let out = audit(tmp.path(), &["infra"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("error: no trust policy found: read 2 files (2 without a trust policy); 1 file with other name endings not read; 1 directory not entered"),
        "{}",
        out.stderr
    );
}

#[test]
fn templates_are_read_from_inside_the_tree_only() {
    let tmp = tempfile::tempdir().unwrap();
    write(&tmp.path().join("secret.tftpl"), OPEN);
    let root = tmp.path().join("infra");
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
    let out = audit(tmp.path(), &["infra", "--format", "json"]);
    assert!(out.elapsed < Duration::from_secs(10));
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let messages: Vec<&str> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert_eq!(messages.len(), 2, "{messages:?}");
    assert!(
        messages[0].contains("secret.tftpl is outside the tree being audited"),
        "{messages:?}"
    );
    assert!(
        messages[1].contains("/dev/zero is outside the tree being audited"),
        "{messages:?}"
    );
    assert_eq!(out.code, 10, "{}", out.stderr);
}

#[test]
fn a_named_terraform_file_is_read_with_its_modules_other_files() {
    let tmp = tempfile::tempdir().unwrap();
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
    write(&tmp.path().join("main.tf"), main);
    write(
        &tmp.path().join("variables.tf"),
        "variable \"org\" {\n  default = \"octo-org\"\n}\n",
    );
    write(&tmp.path().join("sub/other.tf"), "this is not read {");
    let out = audit(tmp.path(), &["main.tf", "--format", "json"]);
    assert_eq!(out.code, 12, "{}", out.stderr);
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
    assert!(
        findings
            .iter()
            .any(|f| f.starts_with("OA102") && f.contains("`repo:octo-org/*`")),
        "{findings:?}"
    );
    assert_eq!(json["documents"].as_array().unwrap().len(), 1);
}
