//! Repositories that define their GitHub roles in CDK and Pulumi source (TypeScript, Python) and
//! a Serverless service (examples/repos), shaped like real ones: the audit reads every role at
//! the line the user wrote, with a realistic mix of verdicts, and says what it could not
//! resolve (issue #18).

use std::path::Path;

use crate::common::*;

fn repo(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples/repos")
        .join(name)
        .to_str()
        .unwrap()
        .to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn source_repositories_get_their_verdicts() {
    let dirs = [
        "cdk-typescript",
        "cdk-python",
        "pulumi-typescript",
        "pulumi-python",
        "serverless",
    ];
    let paths: Vec<String> = dirs.iter().map(|d| repo(d)).collect();
    let mut args = vec!["audit"];
    args.extend(paths.iter().map(String::as_str));
    let out = Run::bare().args(&args).run().await;
    // A pull-request role anyone can reach with AdministratorAccess is high; the Pulumi role
    // with no `sub` at all is critical.
    out.assert_code(13);
    insta::assert_snapshot!("source_repositories", out.transcript());
}

#[tokio::test(flavor = "multi_thread")]
async fn every_role_has_its_form_and_power() {
    let out = Run::bare()
        .args(&["audit", &repo(""), "--format", "json"])
        .run()
        .await;
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let mut forms: Vec<(String, String)> = json["documents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["resource"].as_str().unwrap().to_string(),
                d["form"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    forms.sort();
    let want = [
        ("ArtifactPublisher", "cdk typescript"),
        ("DeployRole", "cdk typescript"),
        ("DocsPublisher", "cdk python"),
        ("GithubDeployRole", "serverless"),
        ("GithubMigrationsRole", "serverless"),
        ("NotebookRunner", "cdk python"),
        ("PreviewRole", "cdk typescript"),
        ("PullRequestRole", "cdk typescript"),
        ("ReleaseRole", "cdk typescript"),
        ("ThumbnailFunctionRole", "cdk typescript"),
        ("WarehouseDeploy", "cdk python"),
        ("apply", "pulumi typescript"),
        ("dashboards", "pulumi python"),
        ("plan", "pulumi typescript"),
        ("reports", "pulumi python"),
    ];
    let want: Vec<(String, String)> = want
        .iter()
        .map(|(r, f)| (r.to_string(), f.to_string()))
        .collect();
    assert_eq!(forms, want, "{}", out.stdout);
    // The pull-request role's finding carries what the role may do.
    let pr = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "OA102" && f["snippet"].as_str().unwrap().contains("repo:${REPO}:*"))
        .expect("the pull-request role's wildcard");
    assert!(
        pr["message"]
            .as_str()
            .unwrap()
            .contains("AdministratorAccess"),
        "{pr}"
    );
}

/// A CDK app with its synthesised `cdk.out` beside it: the templates are read (what CDK built,
/// whole), the source is not, and a note says so: each role is reported once.
#[tokio::test(flavor = "multi_thread")]
async fn a_synthesised_app_is_read_from_cdk_out_once() {
    let dir = tempfile::tempdir().unwrap();
    let app = dir.path().join("shop");
    std::fs::create_dir_all(app.join("lib")).unwrap();
    std::fs::create_dir_all(app.join("cdk.out")).unwrap();
    let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    std::fs::copy(
        from.join("repos/cdk-typescript/lib/github-oidc-stack.ts"),
        app.join("lib/github-oidc-stack.ts"),
    )
    .unwrap();
    std::fs::copy(
        from.join("repos/cdk-typescript/cdk.json"),
        app.join("cdk.json"),
    )
    .unwrap();
    std::fs::copy(
        from.join("audit/cdk.out/App.template.json"),
        app.join("cdk.out/Shop.template.json"),
    )
    .unwrap();
    let root = dir.path().to_str().unwrap();
    let out = Run::bare()
        .args(&["audit", root, "--format", "json"])
        .run()
        .await;
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let forms: Vec<&str> = json["documents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["form"].as_str().unwrap())
        .collect();
    assert_eq!(forms, ["cdk", "cdk", "cdk"], "{}", out.stdout);
    assert!(
        out.stderr.contains("(what CDK synthesised)")
            && out.stderr.contains("its 1 source file was not read"),
        "{}",
        out.stderr
    );
    // Without the templates, the source is read.
    std::fs::remove_dir_all(app.join("cdk.out")).unwrap();
    let out = Run::bare()
        .args(&["audit", root, "--format", "json"])
        .run()
        .await;
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(
        json["documents"].as_array().unwrap().len(),
        4,
        "{}",
        out.stdout
    );
}
