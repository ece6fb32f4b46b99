//! `oidc-assume migrate`: the real binary on examples/migrate/shop (keys in CAC inputs with an
//! AssumeRole, in job `env`, in `aws configure set`; one IAM user shared by two jobs), copied
//! into the run's directory. The report and diff, the files `--write` writes, and their judges:
//! GitHub's workflow schema (check-jsonschema), zizmor (nothing new), `audit` (nothing above
//! low) and `explain` (each migrated job's token admitted, the others refused).

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use crate::common::*;

fn shop(args: &[&str]) -> Run {
    let run = Run::bare()
        .args(&["migrate", "shop", "--repository", "acme/shop"])
        .args(args);
    let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/migrate/shop");
    copy_dir(&from, &run.path("shop"));
    run
}

#[tokio::test(flavor = "multi_thread")]
async fn report_diff_and_retirement() {
    let out = shop(&[]).run().await;
    out.assert_code(0);
    assert_eq!(out.stderr, "");
    insta::assert_snapshot!("shop_report", out.stdout);
    // Workflow-level and step `env`, keys handed to another action, a tag release, CloudFormation.
    let run = Run::bare().args(&[
        "migrate",
        "data-pipeline",
        "--repository",
        "acme/data-pipeline",
        "--account-id",
        "444455556666",
    ]);
    let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/migrate/data-pipeline");
    copy_dir(&from, &run.path("data-pipeline"));
    let out = run.run().await;
    out.assert_code(0);
    insta::assert_snapshot!("data_pipeline_report", out.stdout);
}

/// A copy of an example in a directory the test keeps, and the binary run there in a scrubbed
/// environment (the files it writes are judged after it exits).
fn kept(example: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let from = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples/migrate")
        .join(example);
    copy_dir(&from, &dir.path().join(example));
    dir
}

fn kept_shop() -> tempfile::TempDir {
    kept("shop")
}

fn oidc_assume(dir: &Path, args: &[&str]) -> std::process::Output {
    oidc_assume_with(dir, args, &[])
}

/// The same, with more variables (AWS credentials for `--aws`).
fn oidc_assume_with(dir: &Path, args: &[&str], vars: &[(&str, &str)]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_oidc-assume"))
        .args(args)
        .current_dir(dir)
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", dir)
        .envs(vars.iter().copied())
        .output()
        .unwrap()
}

/// zizmor's findings per audit, from its JSON output.
fn zizmor(dir: &Path) -> BTreeMap<String, usize> {
    let out = Command::new(venv_bin("zizmor"))
        .args(["--offline", "--no-progress", "--format", "json"])
        .arg(dir.join(".github/workflows"))
        .output()
        .unwrap();
    let findings: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    let mut counts = BTreeMap::new();
    for f in findings.as_array().unwrap() {
        *counts
            .entry(f["ident"].as_str().unwrap().to_string())
            .or_default() += 1;
    }
    counts
}

#[tokio::test(flavor = "multi_thread")]
async fn written_files_pass_their_judges() {
    // (example, repository, written roles file, workflows, files written)
    let cases = [
        (
            "shop",
            "acme/shop",
            "infra/github-oidc-roles.tf",
            &["deploy", "site", "nightly"][..],
            4,
        ),
        (
            "data-pipeline",
            "acme/data-pipeline",
            "cloudformation/github-oidc-roles.yaml",
            &["etl", "release"][..],
            3,
        ),
    ];
    for (example, repository, roles, names, written) in cases {
        let dir = kept(example);
        let root = dir.path().join(example);
        let before = zizmor(&root);
        let out = oidc_assume(
            dir.path(),
            &["migrate", example, "--repository", repository, "--write"],
        );
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            String::from_utf8_lossy(&out.stderr),
            format!("wrote {written} files\n")
        );
        let workflows: Vec<_> = names
            .iter()
            .map(|w| root.join(format!(".github/workflows/{w}.yml")))
            .collect();
        for w in &workflows {
            let text = std::fs::read_to_string(w).unwrap();
            assert!(
                !text.contains("AWS_SECRET_ACCESS_KEY: ${{")
                    && !text.contains("aws-secret-access-key"),
                "{text}"
            );
            assert!(!text.contains("aws configure set aws_"), "{text}");
            assert!(text.contains("id-token: write"), "{text}");
        }
        let schema = Command::new(venv_bin("check-jsonschema"))
            .args(["--builtin-schema", "vendor.github-workflows"])
            .args(&workflows)
            .output()
            .unwrap();
        assert!(
            schema.status.success(),
            "{example}: {}",
            String::from_utf8_lossy(&schema.stdout)
        );
        let after = zizmor(&root);
        for (ident, n) in &after {
            assert!(
                before.get(ident).is_some_and(|b| b >= n),
                "{example}: zizmor: new `{ident}` findings: {before:?} → {after:?}"
            );
        }
        // The generated roles: nothing above low in the audit.
        let file = format!("{example}/{roles}");
        let audit = oidc_assume(dir.path(), &["audit", "--format", "json", &file]);
        let report: serde_json::Value = serde_json::from_slice(&audit.stdout).unwrap();
        assert!(
            !report["documents"].as_array().unwrap().is_empty(),
            "{report}"
        );
        let severities: Vec<&str> = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["severity"].as_str().unwrap())
            .collect();
        assert!(
            severities.iter().all(|s| *s == "low"),
            "{example}: {report}"
        );
        assert!(audit.status.code().unwrap() <= 10);
    }
}

/// The shop migrated with its roles written as IAM JSON trust documents in `roles/`.
fn shop_roles_as_json() -> tempfile::TempDir {
    let kept = kept_shop();
    let args = [
        "migrate",
        "shop",
        "--repository",
        "acme/shop",
        "--iac",
        "json",
        "--out",
        "roles",
        "--write",
    ];
    let out = oidc_assume(kept.path(), &args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    kept
}

#[tokio::test(flavor = "multi_thread")]
async fn the_trust_admits_the_migrated_jobs_and_refuses_the_others() {
    let kept = shop_roles_as_json();
    let dir = kept.path();
    // (role, claims, exit code: 0 admitted, 3 refused)
    let cases = [
        (
            "shop-site",
            r#"{"sub": "repo:acme/shop:ref:refs/heads/main", "event_name": "schedule"}"#,
            0,
        ),
        (
            "shop-site",
            r#"{"sub": "repo:acme/shop:pull_request", "event_name": "pull_request"}"#,
            3,
        ),
        (
            "shop-site",
            r#"{"sub": "repo:acme/shop:ref:refs/heads/feature", "event_name": "push"}"#,
            3,
        ),
        (
            "shop-deployer",
            r#"{"sub": "repo:acme/shop:environment:production", "event_name": "push"}"#,
            0,
        ),
        (
            "shop-deployer",
            r#"{"sub": "repo:acme/shop:ref:refs/heads/main", "event_name": "push"}"#,
            3,
        ),
        (
            "shop-deployer",
            r#"{"sub": "repo:other/shop:environment:production", "event_name": "push"}"#,
            3,
        ),
    ];
    for (role, claims, code) in cases {
        let file = dir.join(format!("claims-{role}-{code}.json"));
        let mut json: serde_json::Value = serde_json::from_str(claims).unwrap();
        json["aud"] = "sts.amazonaws.com".into();
        json["iss"] = "https://token.actions.githubusercontent.com".into();
        std::fs::write(&file, json.to_string()).unwrap();
        let policy = format!("roles/{role}.trust.json");
        let explain = oidc_assume(
            dir,
            &[
                "explain",
                "--trust-policy",
                &policy,
                "--claims",
                file.to_str().unwrap(),
            ],
        );
        assert_eq!(
            explain.status.code(),
            Some(code),
            "{role} {claims}: {}",
            String::from_utf8_lossy(&explain.stdout)
        );
    }
}

/// The same roles in `dry-run`, which mints each job's token and evaluates `trust-policy-file`
/// as STS would: each migrated job's token admitted (exit 0), the others refused (exit 5, as the
/// real run would end).
#[tokio::test(flavor = "multi_thread")]
async fn dry_run_admits_the_migrated_jobs_and_refuses_the_others() {
    let kept = shop_roles_as_json();
    let dir = kept.path();
    // (role, claims set, exit code)
    let cases: [(&str, &[&str], i32); 6] = [
        ("shop-site", &["event_name=schedule"], 0),
        ("shop-site", &["event_name=push"], 0),
        (
            "shop-site",
            &["event_name=push", "ref=refs/heads/feature"],
            5,
        ),
        ("shop-site", &["event_name=pull_request"], 5),
        ("shop-deployer", &["environment=production"], 0),
        ("shop-deployer", &[], 5),
    ];
    for (role, claims, code) in cases {
        let arn = format!("arn:aws:iam::111122223333:role/{role}");
        let policy = format!("roles/{role}.trust.json");
        let mut args = vec![
            "dry-run",
            "--role-to-assume",
            &arn,
            "--trust-policy-file",
            &policy,
            "--claim",
            "repository=acme/shop",
        ];
        for c in claims {
            args.extend(["--claim", c]);
        }
        let out = oidc_assume(dir, &args);
        assert_eq!(
            out.status.code(),
            Some(code),
            "{role} {claims:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn nothing_to_migrate_and_bad_input() {
    let run = Run::bare()
        .file(
            ".github/workflows/ci.yml",
            "on: push\njobs:\n  t:\n    runs-on: x\n    steps:\n      - run: make\n",
        )
        .args(&["migrate", ".", "--repository", "acme/app"]);
    let out = run.run().await;
    out.assert_code(0);
    assert_eq!(
        out.stdout,
        "no static AWS keys in 1 workflow: nothing to migrate\n"
    );
    let out = shop(&["--account-id", "12345"]).run().await;
    out.assert_code(2);
    assert_eq!(out.stdout, "");
    assert!(
        out.stderr
            .starts_with("error: `--account-id 12345` is not a 12-digit AWS account id\nhint:"),
        "{}",
        out.stderr
    );
}

/// `--aws` against moto's IAM: the user behind each key (from `--user`, or the user the role the
/// keys assumed trusts in the tree), its keys and their last use, its policies carried over to
/// the role (the widest only as a comment), and concrete retirement commands.
#[tokio::test(flavor = "multi_thread")]
async fn aws_asks_iam_about_the_users() {
    let moto = Moto::start();
    let aws = |args: &[&str]| {
        let out = Command::new(venv_bin("aws"))
            .args([
                "--endpoint-url",
                &moto.endpoint,
                "--region",
                "us-east-1",
                "--output",
                "text",
            ])
            .args(args)
            .env_clear()
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    };
    let policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::shop-site-prod/*"}]}"#;
    for user in ["ci-deployer", "site-publisher"] {
        aws(&["iam", "create-user", "--user-name", user]);
    }
    let deployer_key = aws(&[
        "iam",
        "create-access-key",
        "--user-name",
        "ci-deployer",
        "--query",
        "AccessKey.AccessKeyId",
    ]);
    let site_key = aws(&[
        "iam",
        "create-access-key",
        "--user-name",
        "site-publisher",
        "--query",
        "AccessKey.AccessKeyId",
    ]);
    let site_policy = aws(&[
        "iam",
        "create-policy",
        "--policy-name",
        "site-publish",
        "--policy-document",
        policy,
        "--query",
        "Policy.Arn",
    ]);
    aws(&[
        "iam",
        "attach-user-policy",
        "--user-name",
        "site-publisher",
        "--policy-arn",
        &site_policy,
    ]);
    let admin = aws(&[
        "iam",
        "create-policy",
        "--policy-name",
        "AdministratorAccess",
        "--policy-document",
        policy,
        "--query",
        "Policy.Arn",
    ]);
    aws(&[
        "iam",
        "attach-user-policy",
        "--user-name",
        "site-publisher",
        "--policy-arn",
        &admin,
    ]);
    aws(&[
        "iam",
        "put-user-policy",
        "--user-name",
        "ci-deployer",
        "--policy-name",
        "assume-deployer",
        "--policy-document",
        policy,
    ]);

    let dir = kept_shop();
    let out = oidc_assume_with(
        dir.path(),
        &[
            "migrate",
            "shop",
            "--repository",
            "acme/shop",
            "--aws",
            "--aws-endpoint",
            &moto.endpoint,
            "--user",
            "SITE_AWS_ACCESS_KEY_ID=site-publisher",
            "--write",
        ],
        &[
            ("AWS_ACCESS_KEY_ID", "testing"),
            ("AWS_SECRET_ACCESS_KEY", "testing"),
        ],
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for line in [
        "  shop-deployer: user ci-deployer".to_string(),
        format!("    key {deployer_key} Active, created "),
        "    inline policy `assume-deployer`: copy it".to_string(),
        "  shop-site: user site-publisher".to_string(),
        format!("    attached {site_policy} (carried over to the role)"),
        format!(
            "aws iam update-access-key --user-name site-publisher --access-key-id {site_key} --status Inactive"
        ),
    ] {
        assert!(stdout.contains(&line), "{line}\n{stdout}");
    }
    assert!(
        stdout.contains(&format!("    key {site_key} Active, created "))
            && stdout.contains("never used"),
        "{stdout}"
    );
    let tf = std::fs::read_to_string(dir.path().join("shop/infra/github-oidc-roles.tf")).unwrap();
    assert!(
        tf.contains(&format!("  policy_arn = \"{site_policy}\"\n")),
        "{tf}"
    );
    assert!(
        tf.contains(&format!("#   policy_arn = \"{admin}\"\n")),
        "the administrator policy is carried only as a comment:\n{tf}"
    );

    // Without credentials: a clear refusal, nothing written.
    let dir = kept_shop();
    let out = oidc_assume(
        dir.path(),
        &[
            "migrate",
            "shop",
            "--repository",
            "acme/shop",
            "--aws",
            "--write",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("error: `--aws` needs credentials"));
    assert!(!dir.path().join("shop/infra/github-oidc-roles.tf").exists());
}
