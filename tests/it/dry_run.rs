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

/// The line of `text` that starts with `prefix`.
fn line<'a>(text: &'a str, prefix: &str) -> &'a str {
    text.lines()
        .find(|l| l.starts_with(prefix))
        .unwrap_or_else(|| panic!("no line starts with {prefix:?} in\n{text}"))
}

fn jwt_like(text: &str) -> bool {
    regex::Regex::new(r"eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.")
        .unwrap()
        .is_match(text)
}

#[tokio::test(flavor = "multi_thread")]
async fn default_dry_run_needs_nothing_and_shows_the_request() {
    let out = Run::bare().arg("dry-run").run().await;
    out.assert_code(0);
    assert!(
        !jwt_like(&out.stdout) && !jwt_like(&out.stderr),
        "the minted token is never printed"
    );
    // The claims of a push to main, the decision (no policy: allowed, with a warning) and the
    // STS request with the token elided.
    insta::assert_snapshot!(out.report());
}

#[tokio::test(flavor = "multi_thread")]
async fn dry_run_applies_the_same_policy_and_explains() {
    let allowed = Run::bare()
        .file(".github/oidc-assume.toml", POLICY)
        .arg("dry-run")
        .run()
        .await;
    allowed.assert_code(0);
    assert_eq!(
        line(&allowed.stdout, "decision: "),
        "decision: allowed by policy rule `deploy from protected main`"
    );

    // A case-only difference gets its own hint. `refs/heads/Main` is another branch, which the
    // dry run's repository does not protect (`ref_protected` follows `ref`, issue #14), and
    // the fix for that is protecting it, not dropping the condition.
    let denied = Run::bare()
        .file(".github/oidc-assume.toml", POLICY)
        .args(&["dry-run", "--claim", "ref=refs/heads/Main"])
        .run()
        .await;
    denied.assert_code(3);
    insta::assert_snapshot!(denied.stderr_normalized(), @"
    error: denied by the claim policy
    no allow rule matched for role arn:aws:iam::123456789012:role/oidc-assume-example
    closest rule: `deploy from protected main` (2 of 4 conditions failed)
      ref
        actual:   `refs/heads/Main`
        expected: `refs/heads/main`
        fix:      values are case-sensitive: GitHub sent `refs/heads/Main`, the rule says `refs/heads/main`
      ref_protected
        actual:   `false`
        expected: `true`
        fix:      the ref is not protected: if it is the one this rule is for, protect it with a ruleset (repository Settings → Rules); do not remove this condition
    ");

    let no_env = Run::bare()
        .file(
            "p.toml",
            &POLICY.replace("ref_protected = \"true\"", "environment = \"production\""),
        )
        .args(&["dry-run", "--policy", "p.toml"])
        .run()
        .await;
    no_env.assert_code(3);
    insta::assert_snapshot!(no_env.stderr_normalized(), @"
    error: denied by the claim policy
    no allow rule matched for role arn:aws:iam::123456789012:role/oidc-assume-example
    closest rule: `deploy from protected main` (1 of 4 conditions failed)
      environment
        actual:   <absent>
        expected: `production`
        fix:      the token has no `environment` claim because the job has no `environment:` key: add `environment: NAME` to the job
    ");

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
    assert_eq!(
        line(&with_env.stdout, "  sub "),
        "  sub                    `repo:octo-org/octo-repo:environment:production`  (derived)",
        "sub follows the environment, and says it was derived"
    );
    assert_eq!(
        line(&with_env.stdout, "decision: "),
        "decision: allowed by policy rule `deploy from protected main`"
    );

    let dangerous = Run::bare()
        .file(".github/oidc-assume.toml", POLICY)
        .args(&["dry-run", "--claim", "event_name=pull_request_target"])
        .run()
        .await;
    dangerous.assert_code(3);
    insta::assert_snapshot!(dangerous.stderr_normalized(), @r#"
    error: denied by the claim policy
    no allow rule matched for role arn:aws:iam::123456789012:role/oidc-assume-example
    closest rule: `deploy from protected main` (1 of 4 conditions failed)
      event_name
        actual:   `pull_request_target`
        expected: one of `push`, `workflow_dispatch`, `release`, `schedule` (defaults.allowed_events)
        fix:      do not add `pull_request_target` to this rule or to `defaults.allowed_events`: the rule admits only protected refs, and `pull_request_target` runs code that has not been reviewed and merged. If `pull_request_target` jobs need AWS, give them a separate `[[allow]]` rule with `event_name = "pull_request_target"` and a read-only role in its `roles`
    "#);
}

#[tokio::test(flavor = "multi_thread")]
async fn claims_files_are_checked_like_tokens() {
    let out = Run::bare()
        .file("claims.json", r#"{"repository_id": 892734561}"#)
        .args(&["dry-run", "--claims", "claims.json"])
        .run()
        .await;
    out.assert_code(2);
    insta::assert_snapshot!(out.report(), @r#"
    exit: 2
    --- stdout
    oidc-assume dry run: what a real run with these inputs would decide, by the same checks in the same order, up to sending the token to STS

    role:   arn:aws:iam::123456789012:role/oidc-assume-example (an example: no role-to-assume was given; pass --role-to-assume ARN to decide for yours)
    region: us-east-1 (no aws-region, AWS_REGION or AWS_DEFAULT_REGION; pass --aws-region REGION)
    policy: none (.github/oidc-assume.toml does not exist): every token the role's trust policy accepts would get credentials; pass --policy FILE to decide with one (examples/oidc-assume.toml is a start)

    --- stderr
    warning: no claim policy: any workflow run whose token the role's trust policy accepts gets credentials. Add .github/oidc-assume.toml (or the allowed-* inputs) so this step checks repository, ref, environment and event itself and explains refusals
    error: could not read claims file claims.json: claim `repository_id` is a number, expected a string
    hint: give a JSON object of claims, e.g. {"ref": "refs/heads/dev"}
    --- GITHUB_ENV: empty
    --- GITHUB_OUTPUT: empty
    --- step summary: empty
    "#);

    let expired = Run::bare()
        .file("claims.json", &format!(r#"{{"exp": {}}}"#, now() - 3600))
        .args(&["dry-run", "--claims", "claims.json"])
        .run()
        .await;
    expired.assert_code(4);
    insta::assert_snapshot!(expired.stderr_normalized(), @"
    warning: no claim policy: any workflow run whose token the role's trust policy accepts gets credentials. Add .github/oidc-assume.toml (or the allowed-* inputs) so this step checks repository, ref, environment and event itself and explains refusals
    error: the OIDC token failed verification: the token expired [N] seconds ago
    hint: GitHub tokens live 5 minutes: check the runner's clock, and for token files make sure the file is refreshed
    ");

    let wrong_aud = Run::bare()
        .args(&["dry-run", "--claim", "aud=https://github.com/octo-org"])
        .run()
        .await;
    wrong_aud.assert_code(4);
    insta::assert_snapshot!(wrong_aud.stderr_normalized(), @"
    warning: no claim policy: any workflow run whose token the role's trust policy accepts gets credentials. Add .github/oidc-assume.toml (or the allowed-* inputs) so this step checks repository, ref, environment and event itself and explains refusals
    error: the OIDC token failed verification: the token's audience is `https://github.com/octo-org`, expected `sts.amazonaws.com`
    hint: request the audience your IAM OIDC provider expects with the `audience` input (the token says `https://github.com/octo-org`)
    ");
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
    assert_eq!(
        line(&out.stdout, "STS request "),
        "STS request (not sent; pass --sts-endpoint URL to send it to a test endpoint):"
    );
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
    assert!(
        !out.stdout.contains("ASIA") && !out.stdout.contains("FQoG"),
        "{}",
        out.stdout
    );
    // The request as sent and STS's answer with every credential masked.
    insta::assert_snapshot!(out.report());
}

/// The claim policy's `sub_template` shapes the minted `sub` (the derivation `paths` uses), and a
/// rule on `sub` is judged against it.
#[tokio::test(flavor = "multi_thread")]
async fn the_policys_sub_template_shapes_the_minted_subject() {
    let policy = "version = 1\nsub_template = [\"repo\", \"context\", \"job_workflow_ref\"]\n\n[[allow]]\nname = \"main through the deploy workflow\"\nsub = \"repo:octo-org/octo-repo:ref:refs/heads/main:job_workflow_ref:octo-org/octo-repo/.github/workflows/deploy.yml@refs/heads/main\"\n";
    let out = Run::bare()
        .file("p.toml", policy)
        .args(&["dry-run", "--policy", "p.toml"])
        .run()
        .await;
    out.assert_code(0);
    assert!(
        out.stdout.contains("sub                    `repo:octo-org/octo-repo:ref:refs/heads/main:job_workflow_ref:octo-org/octo-repo/.github/workflows/deploy.yml@refs/heads/… (124 characters in all)`"),
        "{}",
        out.stdout
    );
    let out = Run::bare()
        .file("p.toml", policy)
        .args(&[
            "dry-run",
            "--policy",
            "p.toml",
            "--claim",
            "ref=refs/heads/dev",
        ])
        .run()
        .await;
    out.assert_code(3);
    assert!(
        out.stderr
            .contains("actual:   `repo:octo-org/octo-repo:ref:refs/heads/dev:job_workflow_ref:"),
        "{}",
        out.stderr
    );
}
