//! `oidc-assume audit`, `trust-policy` and `explain`: the real binary on the sample trust
//! policies and policy files in examples/ (no network, no AWS).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::*;

fn example(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(name)
        .to_str()
        .unwrap()
        .to_string()
}

fn trust(name: &str) -> String {
    example(&format!("examples/trust-policies/{name}"))
}

fn json(out: &Outcome) -> serde_json::Value {
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.stdout))
}

fn ids(out: &Outcome) -> Vec<String> {
    json(out)["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{} {}",
                f["id"].as_str().unwrap(),
                f["severity"].as_str().unwrap()
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn exit_code_is_the_worst_severity() {
    let mut reports = String::new();
    for (file, code) in [
        ("prod-deploy.json", 10),
        ("org-wide-get-role.json", 12),
        ("enterprise-reusable-workflow.json", 12),
        ("open-to-all-of-github.json", 13),
    ] {
        let out = Run::bare().args(&["audit", &trust(file)]).run().await;
        out.assert_code(code);
        reports.push_str(&format!("=== {file}\n{}", out.transcript()));
    }
    insta::assert_snapshot!("worst_severity_reports", reports);
    let clean = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
      "Principal": {"Federated": "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"},
      "Action": "sts:AssumeRoleWithWebIdentity",
      "Condition": {"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
        "token.actions.githubusercontent.com:sub": "repo:octo-org@78953443/octo-repo@892734561:environment:production"}}}]}"#;
    let out = Run::bare()
        .file("clean.json", clean)
        .args(&["audit", "clean.json"])
        .run()
        .await;
    out.assert_code(0);
    assert_eq!(out.stdout, "no findings\n");
}

#[tokio::test(flavor = "multi_thread")]
async fn min_severity_filters_report_and_exit_code() {
    let file = trust("org-wide-get-role.json");
    let all = Run::bare()
        .args(&["audit", &file, "--format", "json"])
        .run()
        .await;
    all.assert_code(12);
    assert!(ids(&all).iter().any(|i| i.ends_with(" low")));
    let high = Run::bare()
        .args(&["audit", &file, "--format", "json", "--min-severity", "high"])
        .run()
        .await;
    high.assert_code(12);
    assert!(
        ids(&high).iter().all(|i| i.ends_with(" high")),
        "{:?}",
        ids(&high)
    );
    assert_eq!(json(&high)["summary"]["exit_code"], 12);
    Run::bare()
        .args(&["audit", &file, "--min-severity", "critical"])
        .run()
        .await
        .assert_code(0);
}

#[tokio::test(flavor = "multi_thread")]
async fn duplicate_keys_and_get_role_shapes() {
    let out = Run::bare()
        .args(&[
            "audit",
            &trust("open-to-all-of-github.json"),
            "--format",
            "json",
        ])
        .run()
        .await;
    assert_eq!(ids(&out), ["OA101 critical", "OA106 high"]);
    let dup = &json(&out)["findings"][1];
    assert_eq!(dup["pointer"], "/Statement/0/Condition/StringEquals");
    assert_eq!(
        (dup["line"].as_u64(), dup["column"].as_u64()),
        (Some(14), Some(9))
    );
    insta::assert_snapshot!("duplicate_key_message", dup["message"].as_str().unwrap());

    // get-role output as the IAM API returns it: the document URL-encoded in a string.
    let doc = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringLike":{"token.actions.githubusercontent.com:sub":"repo:*"}}}]}"#;
    let encoded: String = doc
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect();
    let role = format!(
        "{{\"Role\": {{\"RoleName\": \"ci\",\n \"AssumeRolePolicyDocument\": \"{encoded}\"}}}}"
    );
    let out = Run::bare()
        .file("role.json", &role)
        .args(&["audit", "role.json", "--format", "json"])
        .run()
        .await;
    out.assert_code(13);
    let f = &json(&out)["findings"][0];
    assert_eq!(f["id"], "OA102");
    assert_eq!(f["line"], 2);
    assert_eq!(
        f["pointer"],
        "/Role/AssumeRolePolicyDocument/Statement/0/Condition/StringLike/token.actions.githubusercontent.com:sub"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_json_names_file_and_line() {
    let out = Run::bare()
        .file(
            "bad.json",
            "{\n  \"Statement\": [\n    {\"Effect\": \"Allow\",}\n  ]\n}\n",
        )
        .file(
            "good.json",
            &std::fs::read_to_string(trust("open-to-all-of-github.json")).unwrap(),
        )
        .args(&["audit", "bad.json", "good.json"])
        .run()
        .await;
    // The bad file is named at its line, and the other input is still audited.
    out.assert_code(2);
    let mut reports = format!("=== audit bad.json good.json\n{}", out.transcript());
    for args in [
        vec!["audit", "missing.json"],
        vec!["audit"],
        vec!["audit", "--policy", "bad.toml"],
        vec!["audit", "notpolicy.json"],
    ] {
        let out = Run::bare()
            .file("bad.toml", "version = 2\n")
            .file("notpolicy.json", "{\"name\": \"x\"}")
            .args(&args)
            .run()
            .await;
        out.assert_code(2);
        reports.push_str(&format!("=== {}\n{}", args.join(" "), out.transcript()));
    }
    insta::assert_snapshot!("bad_input_reports", reports);
}

#[tokio::test(flavor = "multi_thread")]
async fn directories_are_scanned_for_json() {
    let out = Run::bare()
        .file(
            "iam/b/prod-deploy.json",
            &std::fs::read_to_string(trust("prod-deploy.json")).unwrap(),
        )
        .file(
            "iam/a.json",
            &std::fs::read_to_string(trust("open-to-all-of-github.json")).unwrap(),
        )
        .file("iam/package.json", "{\"name\": \"not-a-policy\"}")
        .file("iam/.hidden/x.json", "not even json")
        .file("iam/notes.txt", "ignored")
        .args(&["audit", "iam", "--format", "json"])
        .run()
        .await;
    out.assert_code(13);
    let inputs = json(&out)["inputs"].clone();
    assert_eq!(
        inputs,
        serde_json::json!(["iam/a.json", "iam/b/prod-deploy.json"])
    );
    insta::assert_snapshot!("directory_scan_notes", out.stderr_normalized());
}

#[tokio::test(flavor = "multi_thread")]
async fn stdin_is_read_for_dash() {
    let text = std::fs::read_to_string(trust("org-wide-get-role.json")).unwrap();
    let out = Run::bare()
        .stdin(&text)
        .args(&["audit", "-", "--format", "github"])
        .run()
        .await;
    out.assert_code(12);
    // Data escaping: each finding, multi-line message and all, is one workflow command.
    assert!(
        out.stdout.lines().all(|l| l.starts_with("::")),
        "{}",
        out.stdout
    );
    insta::assert_snapshot!("stdin_github_annotations", out.transcript());
}

#[tokio::test(flavor = "multi_thread")]
async fn policy_file_lint() {
    let policy = "version = 1\n\n[[allow]]\nname = \"deploy\"\nroles = [\"arn:aws:iam::123456789012:role/deploy\"]\nref = \"refs/heads/main*\"\nevent_name = [\"push\", \"workflow_run\"]\n";
    let out = Run::bare()
        .file("p.toml", policy)
        .args(&["audit", "--policy", "p.toml", "--format", "json"])
        .run()
        .await;
    out.assert_code(12);
    assert_eq!(ids(&out), ["OA201 high", "OA202 medium", "OA203 high"]);
    let lines: Vec<u64> = json(&out)["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, [4, 6, 7]);
    Run::bare()
        .args(&[
            "audit",
            "--policy",
            &example("examples/oidc-assume.toml"),
            "--min-severity",
            "medium",
        ])
        .run()
        .await
        .assert_code(0);
}

/// `--issuer` given in a policy file's `# issuer: URL` comment (examples/trust-policies).
fn issuer_of(source: &str) -> Option<String> {
    source
        .lines()
        .find_map(|l| l.strip_prefix("# issuer: "))
        .map(|s| s.trim().to_string())
}

fn example_policies() -> Vec<PathBuf> {
    let mut files = vec![PathBuf::from(example("examples/oidc-assume.toml"))];
    let mut more: Vec<PathBuf> = std::fs::read_dir(example("examples/trust-policies"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    more.sort();
    files.extend(more);
    files
}

#[tokio::test(flavor = "multi_thread")]
async fn generated_trust_policies_pass_the_audit() {
    let mut checked = 0;
    for file in example_policies() {
        let source = std::fs::read_to_string(&file).unwrap();
        let policy = oidc_assume::policy::Policy::from_toml(&source, "x").unwrap();
        let mut roles: Vec<String> = policy
            .allow_rules()
            .iter()
            .filter_map(|r| r.roles())
            .flatten()
            .cloned()
            .collect();
        roles.sort();
        roles.dedup();
        for role in roles {
            let mut args = vec![
                "trust-policy",
                "--policy",
                file.to_str().unwrap(),
                "--role",
                &role,
            ];
            let issuer = issuer_of(&source);
            if let Some(issuer) = &issuer {
                args.extend(["--issuer", issuer]);
            }
            let generated = Run::bare().args(&args).run().await;
            generated.assert_code(0);
            // Named after the role, so the audit's role-name hints apply as they would in use.
            let name = format!("{}.json", role.rsplit('/').next().unwrap());
            let audit = Run::bare()
                .file(&name, &generated.stdout)
                .args(&["audit", &name, "--format", "json"])
                .run()
                .await;
            let above_low: Vec<String> = ids(&audit)
                .into_iter()
                .filter(|i| !i.ends_with(" low"))
                .collect();
            assert!(
                above_low.is_empty(),
                "{} / {role}: {above_low:?}\n{}\n{}",
                file.display(),
                generated.stdout,
                audit.stdout
            );
            assert!(audit.code == 0 || audit.code == 10, "{}", audit.stdout);
            checked += 1;
        }
    }
    assert!(checked >= 6, "checked {checked} roles");
}

#[tokio::test(flavor = "multi_thread")]
async fn trust_policy_output_and_notes() {
    let policy = example("examples/oidc-assume.toml");
    let out = Run::bare()
        .args(&[
            "trust-policy",
            "--policy",
            &policy,
            "--role",
            "arn:aws:iam::123456789012:role/prod-deploy",
        ])
        .run()
        .await;
    out.assert_code(0);
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let eq = &doc["Statement"][0]["Condition"]["StringEquals"];
    assert_eq!(
        eq["token.actions.githubusercontent.com:aud"],
        "sts.amazonaws.com"
    );
    assert_eq!(
        eq["token.actions.githubusercontent.com:repository_id"],
        "892734561"
    );
    let mut reports = format!("=== json\n{}", out.transcript());

    let tf = Run::bare()
        .args(&[
            "trust-policy",
            "--policy",
            &policy,
            "--role",
            "arn:aws:iam::123456789012:role/prod-deploy",
            "--format",
            "terraform",
            "--account-id",
            "210987654321",
        ])
        .run()
        .await;
    tf.assert_code(0);
    reports.push_str(&format!("=== terraform\n{}", tf.transcript()));

    let several = Run::bare()
        .args(&["trust-policy", "--policy", &policy])
        .run()
        .await;
    several.assert_code(2);
    reports.push_str(&format!("=== no --role\n{}", several.transcript()));
    insta::assert_snapshot!("trust_policy_reports", reports);
}

const CLAIMS: &str = r#"{
  "iss": "https://token.actions.githubusercontent.com",
  "aud": "sts.amazonaws.com",
  "sub": "repo:octo-org/octo-repo:environment:production",
  "repository": "octo-org/octo-repo",
  "repository_id": "892734561",
  "job_workflow_ref": "octo-org/octo-repo/.github/workflows/deploy.yml@refs/heads/main",
  "event_name": "push",
  "exp": 1900000000, "iat": 1800000000, "nbf": 1800000000
}"#;

#[tokio::test(flavor = "multi_thread")]
async fn explain_admits_or_names_the_failing_condition() {
    let policy = trust("prod-deploy.json");
    let ok = Run::bare()
        .file("claims.json", CLAIMS)
        .args(&[
            "explain",
            "--trust-policy",
            &policy,
            "--claims",
            "claims.json",
        ])
        .run()
        .await;
    ok.assert_code(0);
    let mut reports = format!("=== allowed\n{}", ok.transcript());

    let branch = CLAIMS.replace("environment:production", "ref:refs/heads/main");
    let denied = Run::bare()
        .file("claims.json", &branch)
        .args(&[
            "explain",
            "--trust-policy",
            &policy,
            "--claims",
            "claims.json",
        ])
        .run()
        .await;
    denied.assert_code(3);
    reports.push_str(&format!("=== denied\n{}", denied.transcript()));

    // A captured token: the payload is read, the signature is not checked (and says so).
    let b64 = |bytes: &[u8]| {
        const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let mut out = String::new();
        for chunk in bytes.chunks(3) {
            let n = chunk.iter().fold(0u32, |acc, b| (acc << 8) | u32::from(*b))
                << (8 * (3 - chunk.len()));
            for i in 0..=chunk.len() {
                out.push(A[((n >> (18 - 6 * i)) & 63) as usize] as char);
            }
        }
        out
    };
    let token = format!(
        "{}.{}.{}",
        b64(b"{\"alg\":\"RS256\"}"),
        b64(CLAIMS.as_bytes()),
        b64(b"sig")
    );
    let out = Run::bare()
        .file("token.jwt", &token)
        .args(&["explain", "--trust-policy", &policy, "--token", "token.jwt"])
        .run()
        .await;
    out.assert_code(0);
    reports.push_str(&format!("=== captured token\n{}", out.transcript()));

    let bad = Run::bare()
        .file("claims.json", "[1]")
        .args(&[
            "explain",
            "--trust-policy",
            &policy,
            "--claims",
            "claims.json",
        ])
        .run()
        .await;
    bad.assert_code(2);
    reports.push_str(&format!("=== not claims\n{}", bad.transcript()));
    insta::assert_snapshot!("explain_reports", reports);
}

#[tokio::test(flavor = "multi_thread")]
async fn sarif_is_valid() {
    let dir = tempfile::tempdir().unwrap();
    let out = Run::bare()
        .args(&[
            "audit",
            &trust("org-wide-get-role.json"),
            &trust("open-to-all-of-github.json"),
            "--policy",
            &example("examples/oidc-assume.toml"),
            "--format",
            "sarif",
        ])
        .run()
        .await;
    out.assert_code(13);
    let sarif = json(&out);
    // Structure, always (the schema check below needs the CI venv).
    assert_eq!(sarif["version"], "2.1.0");
    let run = &sarif["runs"][0];
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "oidc-assume");
    let rules = driver["rules"].as_array().unwrap();
    assert!(rules.len() >= 15);
    let results = run["results"].as_array().unwrap();
    assert!(!results.is_empty());
    for r in results {
        let index = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], r["ruleId"]);
        assert!(["error", "warning", "note"].contains(&r["level"].as_str().unwrap()));
        assert!(!r["message"]["text"].as_str().unwrap().is_empty());
        let loc = &r["locations"][0];
        assert!(
            loc["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
                .ends_with(".json")
                || loc["physicalLocation"]["artifactLocation"]["uri"]
                    .as_str()
                    .unwrap()
                    .ends_with(".toml")
        );
        assert!(
            loc["physicalLocation"]["region"]["startLine"]
                .as_u64()
                .unwrap()
                >= 1
        );
        assert!(
            loc["physicalLocation"]["region"]["startColumn"]
                .as_u64()
                .unwrap()
                >= 1
        );
        let pointer = loc["logicalLocations"][0]["fullyQualifiedName"]
            .as_str()
            .unwrap();
        assert!(pointer.starts_with('/'), "{pointer}");
        assert_eq!(r["properties"]["pointer"], pointer);
    }
    let file = dir.path().join("audit.sarif");
    std::fs::write(&file, &out.stdout).unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let checker = root.join("target/ci-venv/bin/check-jsonschema");
    if checker.exists() {
        let status = Command::new(&checker)
            .arg("--schemafile")
            .arg(root.join("schema/sarif-2.1.0.json"))
            .arg(&file)
            .status()
            .unwrap();
        assert!(
            status.success(),
            "SARIF output fails schema/sarif-2.1.0.json"
        );
    } else {
        // Not silent: the structure is checked above, and .ci/run validates against the schema.
        let _ = writeln!(
            std::io::stderr(),
            "note: {} not found: SARIF checked structurally only",
            checker.display()
        );
    }
}
