//! `oidc-assume dry-run`: the README's first command, a laptop's view of what a workflow gets.

use wiremock::ResponseTemplate;

use crate::common::*;

const POLICY: &str = r#"
version = 1

[[allow]]
name = "deploy from protected main"
repository = "octo-org/octo-repo"
ref = "refs/heads/main"
ref_protected = "true"
"#;

fn jwt_like(text: &str) -> bool {
    regex::Regex::new(r"eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.")
        .unwrap()
        .is_match(text)
}

#[tokio::test(flavor = "multi_thread")]
async fn default_dry_run_needs_nothing_and_shows_the_request() {
    let out = Run::bare().arg("dry-run").run().await;
    out.assert_code(0);
    for needle in [
        "decision: allowed: no claim policy is configured",
        "POST https://sts.us-east-1.amazonaws.com/",
        "RoleArn=arn:aws:iam::123456789012:role/oidc-assume-example",
        "RoleSessionName=gha-11843209874-1-octo-org.octo-repo",
        "DurationSeconds=3600",
        "WebIdentityToken=<minted token, ",
        "sub                    `repo:octo-org/octo-repo:ref:refs/heads/main`",
    ] {
        assert!(
            out.stdout.contains(needle),
            "missing {needle:?} in\n{}",
            out.stdout
        );
    }
    assert!(
        out.stderr.contains("warning: no claim policy"),
        "{}",
        out.stderr
    );
    assert!(
        !jwt_like(&out.stdout) && !jwt_like(&out.stderr),
        "the minted token is never printed"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn dry_run_applies_the_same_policy_and_explains() {
    let allowed = Run::bare()
        .file(".github/oidc-assume.toml", POLICY)
        .arg("dry-run")
        .run()
        .await;
    allowed.assert_code(0);
    assert!(
        allowed
            .stdout
            .contains("decision: allowed by policy rule `deploy from protected main`"),
        "{}",
        allowed.stdout
    );

    let denied = Run::bare()
        .file(".github/oidc-assume.toml", POLICY)
        .args(&["dry-run", "--claim", "ref=refs/heads/Main"])
        .run()
        .await;
    denied.assert_code(3);
    assert!(
        denied.stderr.contains("error: denied by the claim policy"),
        "{}",
        denied.stderr
    );
    assert!(
        denied.stderr.contains("refs/heads/Main"),
        "{}",
        denied.stderr
    );
    assert!(
        denied.stderr.to_lowercase().contains("case"),
        "case-only hint:\n{}",
        denied.stderr
    );

    let no_env = Run::bare()
        .file(
            "p.toml",
            &POLICY.replace("ref_protected = \"true\"", "environment = \"production\""),
        )
        .args(&["dry-run", "--policy", "p.toml"])
        .run()
        .await;
    no_env.assert_code(3);
    assert!(no_env.stderr.contains("environment"), "{}", no_env.stderr);

    let with_env = Run::bare()
        .file(
            "p.toml",
            &POLICY.replace("ref_protected = \"true\"", "environment = \"production\""),
        )
        .args(&[
            "dry-run",
            "--policy",
            "p.toml",
            "--claim",
            "environment=production",
        ])
        .run()
        .await;
    with_env.assert_code(0);
    assert!(
        with_env
            .stdout
            .contains("`repo:octo-org/octo-repo:environment:production`"),
        "sub follows the environment:\n{}",
        with_env.stdout
    );

    let dangerous = Run::bare()
        .file(".github/oidc-assume.toml", POLICY)
        .args(&["dry-run", "--claim", "event_name=pull_request_target"])
        .run()
        .await;
    dangerous.assert_code(3);
    assert!(
        dangerous.stderr.contains("pull_request_target"),
        "{}",
        dangerous.stderr
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn claims_files_are_checked_like_tokens() {
    let out = Run::bare()
        .file("claims.json", r#"{"repository_id": 892734561}"#)
        .args(&["dry-run", "--claims", "claims.json"])
        .run()
        .await;
    out.assert_code(2);
    assert!(out.stderr.contains("claims.json"), "{}", out.stderr);
    assert!(
        out.stderr.contains("`repository_id` is a number"),
        "{}",
        out.stderr
    );

    let expired = Run::bare()
        .file("claims.json", &format!(r#"{{"exp": {}}}"#, now() - 3600))
        .args(&["dry-run", "--claims", "claims.json"])
        .run()
        .await;
    expired.assert_code(4);
    assert!(
        expired.stderr.contains("the token expired"),
        "{}",
        expired.stderr
    );

    let wrong_aud = Run::bare()
        .args(&["dry-run", "--claim", "aud=https://github.com/octo-org"])
        .run()
        .await;
    wrong_aud.assert_code(4);
}

#[tokio::test(flavor = "multi_thread")]
async fn minted_tokens_go_nowhere_unless_sent_explicitly() {
    // Even with the SDK's endpoint variables pointing somewhere, a dry run sends nothing.
    let sts = mock_sts(ResponseTemplate::new(500), 0).await;
    let out = Run::bare()
        .env("AWS_ENDPOINT_URL_STS", &sts.uri())
        .env("AWS_ENDPOINT_URL", &sts.uri())
        .arg("dry-run")
        .run()
        .await;
    out.assert_code(0);
    assert!(out.stdout.contains("(not sent;"), "{}", out.stdout);
}

#[tokio::test(flavor = "multi_thread")]
async fn dry_run_against_moto_prints_masked_results() {
    let moto = Moto::start();
    let out = Run::bare()
        .args(&[
            "dry-run",
            "--sts-endpoint",
            &moto.endpoint,
            "--role-to-assume",
            ROLE,
        ])
        .run()
        .await;
    out.assert_code(0);
    for needle in [
        "AssumedRoleUser.Arn=arn:aws:sts::123456789012:assumed-role/octo-deploy/gha-11843209874-1-octo-org.octo-repo",
        "Credentials.AccessKeyId=*** (20 characters)",
        "Credentials.SecretAccessKey=***",
        "Credentials.Expiration=",
    ] {
        assert!(
            out.stdout.contains(needle),
            "missing {needle:?} in\n{}",
            out.stdout
        );
    }
    assert!(
        !out.stdout.contains("ASIA") && !out.stdout.contains("FQoG"),
        "{}",
        out.stdout
    );
}
