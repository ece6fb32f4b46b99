//! `oidc-assume paths`: the real binary on the example repositories in examples/paths/ (copied
//! into the run's directory, so the report names them as a user in that directory would see
//! them): the human chain, the JSON contract, SARIF code flows, GitHub annotations, exit codes
//! and bad input.

use std::path::Path;

use crate::common::*;

/// Copies `examples/paths/NAME` to `to`.
fn copy(name: &str, to: &Path) {
    let from = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples/paths")
        .join(name);
    copy_dir(&from, to);
}

fn paths(example: &str, args: &[&str]) -> Run {
    let run = Run::bare().arg("paths").arg(example).args(args);
    copy(example, &run.path(example));
    run
}

fn json(out: &Outcome) -> serde_json::Value {
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.stdout))
}

/// The repository from the claim policy, every path as a chain, worst severity as exit code.
#[tokio::test(flavor = "multi_thread")]
async fn pull_request_target_to_administrator_is_critical() {
    let out = paths("acme-app", &[]).run().await;
    out.assert_code(13);
    assert_eq!(out.stderr, "");
    insta::assert_snapshot!("acme_app_human", out.stdout);
    let first = out.stdout.lines().next().unwrap();
    assert_eq!(
        first,
        "critical: anyone with a GitHub account → pull_request_target → acme-app/.github/workflows/preview.yml job `preview` → role `acme-app-preview`"
    );
}

/// Every record carries the documented keys with their types; reachable records prove it with a
/// token and refused ones name the condition.
#[tokio::test(flavor = "multi_thread")]
async fn json_records_follow_the_contract() {
    let out = paths(
        "platform-cfn",
        &[
            "--repository",
            "acme/platform",
            "--sub-template",
            "repo,context,job_workflow_ref",
            "--format",
            "json",
        ],
    )
    .run()
    .await;
    out.assert_code(13);
    let doc = json(&out);
    let records = doc["paths"].as_array().unwrap();
    assert!(records.len() >= 8, "{records:?}");
    for r in records {
        for key in ["workflow", "job", "trigger", "role", "actor", "because"] {
            assert!(r[key].is_string(), "{key} in {r}");
        }
        for key in ["reachable", "untrusted_code"] {
            assert!(r[key].is_boolean(), "{key} in {r}");
        }
        assert!(r["permissions"].is_array(), "{r}");
        assert_eq!(r["severity"].is_string(), r["reachable"] == true, "{r}");
        assert!(r["token"]["sub"].is_string(), "{r}");
    }
    let summary: Vec<String> = records
        .iter()
        .map(|r| {
            format!(
                "{} {} {} → {}: reachable={} untrusted={} actor={} severity={} permissions={}",
                r["workflow"].as_str().unwrap(),
                r["job"].as_str().unwrap(),
                r["trigger"].as_str().unwrap(),
                r["role"].as_str().unwrap(),
                r["reachable"],
                r["untrusted_code"],
                r["actor"].as_str().unwrap(),
                r["severity"],
                r["permissions"]
            )
        })
        .collect();
    insta::assert_snapshot!("platform_cfn_records", summary.join("\n"));
    // A local composite action's step names the role: the record points into its action.yml.
    let warm = records.iter().find(|r| r["job"] == "warm").unwrap();
    assert_eq!(
        (warm["step_file"].as_str(), warm["step_line"].as_u64()),
        (
            Some("platform-cfn/.github/actions/aws-login/action.yml"),
            Some(13)
        )
    );
    let critical = records
        .iter()
        .find(|r| r["severity"] == "critical")
        .unwrap();
    insta::assert_snapshot!(
        "platform_cfn_critical_record",
        serde_json::to_string_pretty(critical).unwrap()
    );
}

/// Without the custom template the same roles refuse the tokens (the `sub` has no
/// `job_workflow_ref` part), and the refusals say so.
#[tokio::test(flavor = "multi_thread")]
async fn the_sub_template_decides_what_the_trust_admits() {
    let out = paths("platform-cfn", &["--repository", "acme/platform", "--all"])
        .run()
        .await;
    out.assert_code(13);
    assert!(out.stdout.contains("✗ `platform-deploy`"), "{}", out.stdout);
    assert!(
        !out.stdout
            .contains("role `arn:aws:iam::444455556666:role/platform-deploy`\n")
    );
    assert!(
        out.stdout
            .contains("the token has `repo:acme/platform:environment:prod`"),
        "{}",
        out.stdout
    );
}

/// SARIF: one result per path with a code flow from the workflow to the trust condition to the
/// role; GitHub annotations: one per path, on the step.
#[tokio::test(flavor = "multi_thread")]
async fn sarif_code_flows_and_annotations() {
    let out = paths(
        "acme-app",
        &["--format", "sarif", "--min-severity", "critical"],
    )
    .run()
    .await;
    out.assert_code(13);
    let sarif = json(&out);
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    let flow = results[0]["codeFlows"][0]["threadFlows"][0]["locations"]
        .as_array()
        .unwrap();
    let places: Vec<String> = flow
        .iter()
        .map(|l| {
            let p = &l["location"]["physicalLocation"];
            format!(
                "{}:{}",
                p["artifactLocation"]["uri"].as_str().unwrap(),
                p["region"]["startLine"]
            )
        })
        .collect();
    assert_eq!(
        places,
        [
            "acme-app/.github/workflows/preview.yml:4",
            "acme-app/.github/workflows/preview.yml:19",
            "acme-app/infra/github-oidc.tf:42",
            "acme-app/infra/github-oidc.tf:40"
        ]
    );
    let out = paths(
        "acme-app",
        &["--format", "github", "--min-severity", "high"],
    )
    .run()
    .await;
    out.assert_code(13);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert!(lines.len() > 2);
    assert!(
        lines
            .iter()
            .all(|l| l.starts_with("::error file=acme-app/.github/workflows/"))
    );
}

/// No path at the threshold: exit 0. Bad input: exit 2 with the input named and a hint, nothing
/// on stdout.
#[tokio::test(flavor = "multi_thread")]
async fn exit_codes_and_bad_input() {
    let out = paths(
        "acme-app",
        &["--min-severity", "critical", "--repository", "acme/other"],
    )
    .run()
    .await;
    out.assert_code(0);
    assert!(out.stdout.starts_with("cannot become"), "{}", out.stdout);
    let mut report = String::new();
    for args in [
        vec!["paths", "nowhere"],
        vec!["paths", "acme-app", "--repository", "acme"],
        vec!["paths", "acme-app", "--sub-template", "repo,branch"],
    ] {
        let run = Run::bare().args(&args);
        copy("acme-app", &run.path("acme-app"));
        let out = run.run().await;
        out.assert_code(2);
        assert_eq!(out.stdout, "");
        report.push_str(&format!("$ {}\n{}", args.join(" "), out.stderr));
    }
    insta::assert_snapshot!("bad_input", report);
}

/// `audit DIR` on a repository with workflows adds the paths that run unreviewed code as
/// OA300 findings (the repository from the claim policy); without a known repository it says
/// why it did not, and still audits the roles.
#[tokio::test(flavor = "multi_thread")]
async fn audit_reports_attack_paths() {
    let run = Run::bare().args(&["audit", "acme-app", "--format", "json"]);
    copy("acme-app", &run.path("acme-app"));
    let out = run.run().await;
    out.assert_code(13);
    let doc = json(&out);
    let paths: Vec<String> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["id"] == "OA300")
        .map(|f| {
            format!(
                "{} {}:{}",
                f["severity"].as_str().unwrap(),
                f["path"].as_str().unwrap(),
                f["line"]
            )
        })
        .collect();
    assert!(
        paths.contains(&"critical acme-app/.github/workflows/preview.yml:19".to_string()),
        "{paths:?}"
    );
    assert!(paths.iter().all(|p| !p.starts_with("low")), "{paths:?}");
    let run = Run::bare().args(&["audit", "acme-app"]);
    copy("acme-app", &run.path("acme-app"));
    std::fs::remove_file(run.path("acme-app/.github/oidc-assume.toml")).unwrap();
    let out = run.run().await;
    out.assert_code(12);
    assert!(
        out.stderr
            .starts_with("note: attack paths not analysed: the repository is not known"),
        "{}",
        out.stderr
    );
}
