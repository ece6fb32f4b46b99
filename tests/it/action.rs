//! The action end to end: token endpoint, issuer and STS on 127.0.0.1, exit codes, stderr and
//! the exact bytes written to GITHUB_ENV / GITHUB_OUTPUT.

use serde_json::json;
use wiremock::ResponseTemplate;
use wiremock::matchers::{body_string_contains, method, path};
use wiremock::{Mock, MockServer};

use crate::common::*;

#[tokio::test(flavor = "multi_thread")]
async fn exports_masked_credentials_exactly() {
    let scenario = Scenario::new().await;
    let token = scenario.sign();
    let sts = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/"))
        .and(body_string_contains("Action=AssumeRoleWithWebIdentity"))
        .and(body_string_contains(format!("RoleSessionName={SESSION}")))
        .and(body_string_contains("DurationSeconds=3600"))
        .and(body_string_contains(format!("WebIdentityToken={token}")))
        .respond_with(sts_ok())
        .expect(1)
        .mount(&sts)
        .await;
    let out = scenario.token(&token).sts_at(&sts).run().await;
    out.assert_code(0);
    // Masks in order: request token, OIDC token, then the three credentials; and from the
    // first mask on, stdout carries nothing else (the warning about the missing policy is
    // printed before any secret exists). No policy file: a warning annotation recommends one.
    // The summary names the session and shows no secret.
    insta::assert_snapshot!(out.report());
}

#[tokio::test(flavor = "multi_thread")]
async fn credential_outputs_and_masked_account_on_request() {
    let out = Scenario::new()
        .await
        .sts(ResponseTemplate::new(200).set_body_string(sts_success_xml("ci")))
        .input("role-session-name", "ci")
        .input("output-credentials", "true")
        .input("output-env-credentials", "false")
        .input("mask-aws-account-id", "TRUE")
        .run()
        .await;
    out.assert_code(0);
    // The account is masked, in the summary too, and never printed; GITHUB_ENV holds only
    // the region; the credentials are outputs.
    insta::assert_snapshot!(out.report());
}

#[tokio::test(flavor = "multi_thread")]
async fn policy_denial_explains_and_never_calls_sts() {
    let policy = r#"
version = 1
[[allow]]
name = "deploy from main"
repository = "octo-org/octo-repo"
ref = "refs/heads/main"
"#;
    let out = Scenario::new()
        .await
        .claim("ref", "refs/heads/feature/login")
        .claim(
            "sub",
            "repo:octo-org/octo-repo:ref:refs/heads/feature/login",
        )
        .sts_unreached()
        .file(".github/oidc-assume.toml", policy)
        .run()
        .await;
    out.assert_code(3).assert_nothing_exported();
    // The explanation quotes claim values, so it is fenced against workflow commands.
    assert!(
        out.stderr.starts_with("::stop-commands::"),
        "{}",
        out.stderr
    );
    insta::assert_snapshot!(out.report(), @"
    exit: 3
    --- stdout
    ::add-mask::runner-request-token-5f0c9e
    ::add-mask::[TOKEN]
    ::error title=oidc-assume::denied by the claim policy: no allow rule matched; closest `deploy from main`: `ref` is `refs/heads/feature/login`, expected `refs/heads/main`
    --- stderr
    ::stop-commands::[STOP-1]
    error: denied by the claim policy
    no allow rule matched for role arn:aws:iam::123456789012:role/octo-deploy
    closest rule: `deploy from main` (1 of 3 conditions failed)
      ref
        actual:   `refs/heads/feature/login`
        expected: `refs/heads/main`
    ::[STOP-1]::
    --- GITHUB_ENV: empty
    --- GITHUB_OUTPUT: empty
    --- step summary: empty
    ");
}

#[tokio::test(flavor = "multi_thread")]
async fn sts_access_denied_shows_claims_and_trust_policy_after_one_call() {
    let started = std::time::Instant::now();
    let out = Scenario::new()
        .await
        .sts(sts_error(
            403,
            "AccessDenied",
            "Not authorized to perform sts:AssumeRoleWithWebIdentity",
        ))
        .run()
        .await;
    out.assert_code(5).assert_nothing_exported();
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "AccessDenied is not retried"
    );
    insta::assert_snapshot!(out.report());
}

#[tokio::test(flavor = "multi_thread")]
async fn sts_errors_map_to_exit_5_with_hints() {
    let cases = [
        (
            "ValidationError",
            "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
        ),
        (
            "InvalidIdentityToken",
            "No OpenIDConnect provider found in your account for https://token.actions.githubusercontent.com",
        ),
        (
            "RegionDisabledException",
            "STS is not activated in this region",
        ),
    ];
    let mut reports = String::new();
    // Each error is shown as `Code: message` with its hint.
    for (code, message) in cases {
        let out = Scenario::new()
            .await
            .sts(sts_error(400, code, message))
            .run()
            .await;
        out.assert_code(5).assert_nothing_exported();
        reports.push_str(&format!("=== {code}\n{}", out.report()));
    }
    insta::assert_snapshot!(reports);
}

#[tokio::test(flavor = "multi_thread")]
async fn transient_sts_failures_are_retried_by_the_sdk() {
    let sts = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(sts_error(400, "Throttling", "Rate exceeded"))
        .up_to_n_times(2)
        .expect(2)
        .mount(&sts)
        .await;
    Mock::given(method("POST"))
        .respond_with(sts_ok())
        .expect(1)
        .mount(&sts)
        .await;
    let out = Scenario::new().await.sts_at(&sts).run().await;
    out.assert_code(0);
    assert_eq!(out.env_vars()[0].1, ACCESS_KEY_ID);
    insta::assert_snapshot!(out.stderr_normalized(), @"
    oidc-assume: calling STS AssumeRoleWithWebIdentity failed (Throttling: Rate exceeded); retry 1 of 4 in [N] ms
    oidc-assume: calling STS AssumeRoleWithWebIdentity failed (Throttling: Rate exceeded); retry 2 of 4 in [N] ms
    oidc-assume: assumed arn:aws:sts::123456789012:assumed-role/octo-deploy/gha-11843209874-1-octo-org.octo-repo until 2026-11-24T13:00:00Z (no claim policy)
    ");
}

#[tokio::test(flavor = "multi_thread")]
async fn missing_id_token_permission_fails_with_exit_4_and_the_fix() {
    let out = Scenario::new()
        .await
        .no_token()
        .sts_unreached()
        .without_env("ACTIONS_ID_TOKEN_REQUEST_URL")
        .without_env("ACTIONS_ID_TOKEN_REQUEST_TOKEN")
        .run()
        .await;
    out.assert_code(4).assert_nothing_exported();
    // Names the variable, the fix, and why forks do not get a token.
    insta::assert_snapshot!(out.report(), @"
    exit: 4
    --- stdout
    ::warning title=no claim policy::any workflow run whose token the role's trust policy accepts gets credentials. Add .github/oidc-assume.toml (or the allowed-* inputs) so this step checks repository, ref, environment and event itself and explains refusals
    ::error title=oidc-assume::this job cannot request an OIDC token: ACTIONS_ID_TOKEN_REQUEST_URL is not set
    --- stderr
    ::stop-commands::[STOP-1]
    error: this job cannot request an OIDC token: ACTIONS_ID_TOKEN_REQUEST_URL is not set
    hint: add `permissions: id-token: write` to the job (or workflow); pull requests from forks never get an OIDC token, whatever the permissions
    ::[STOP-1]::
    --- GITHUB_ENV: empty
    --- GITHUB_OUTPUT: empty
    --- step summary: empty
    ");
}

#[tokio::test(flavor = "multi_thread")]
async fn token_endpoint_refusal_is_exit_4() {
    let scenario = Scenario::new().await.no_token().sts_unreached();
    Mock::given(method("GET"))
        .and(path("/idtoken"))
        .respond_with(ResponseTemplate::new(403).set_body_string("{\"message\":\"Forbidden\"}"))
        .mount(&scenario.github().server)
        .await;
    let out = scenario.run().await;
    out.assert_code(4).assert_nothing_exported();
    insta::assert_snapshot!(out.report(), @r#"
    exit: 4
    --- stdout
    ::warning title=no claim policy::any workflow run whose token the role's trust policy accepts gets credentials. Add .github/oidc-assume.toml (or the allowed-* inputs) so this step checks repository, ref, environment and event itself and explains refusals
    ::add-mask::runner-request-token-5f0c9e
    ::error title=oidc-assume::the runner's token endpoint `http://127.0.0.1:GITHUB_PORT/idtoken` answered HTTP 403: `{"message":"Forbidden"}`
    --- stderr
    ::stop-commands::[STOP-1]
    error: the runner's token endpoint `http://127.0.0.1:GITHUB_PORT/idtoken` answered HTTP 403: `{"message":"Forbidden"}`
    hint: the request token was refused: it is valid only during the job that received it
    ::[STOP-1]::
    --- GITHUB_ENV: empty
    --- GITHUB_OUTPUT: empty
    --- step summary: empty
    "#);
}

#[tokio::test(flavor = "multi_thread")]
async fn verification_failures_are_exit_4_and_never_reach_sts() {
    use base64::Engine as _;
    type Case = (&'static str, fn(Scenario) -> Scenario);
    let cases: [Case; 5] = [
        ("wrong audience", |s| {
            s.claim("aud", "https://github.com/octo-org")
        }),
        ("expired", |s| s.claim("exp", now() - 600)),
        ("number claim", |s| s.claim("repository_id", 892734561)),
        ("other issuer", |s| {
            s.claim("iss", "https://token.actions.githubusercontent.com")
        }),
        ("forged payload", |s| {
            // A real signature over other claims: the payload swapped for a forged one.
            let good = s.sign();
            let (head, rest) = good.split_once('.').unwrap();
            let sig = rest.split_once('.').unwrap().1;
            let mut forged = s.github().claims();
            forged["repository"] = json!("evil-org/octo-repo");
            let payload =
                base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(forged.to_string());
            let token = format!("{head}.{payload}.{sig}");
            s.token(&token)
        }),
    ];
    let mut reports = String::new();
    for (name, case) in cases {
        let out = case(Scenario::new().await.sts_unreached()).run().await;
        out.assert_code(4).assert_nothing_exported();
        reports.push_str(&format!("=== {name}\n{}", out.report()));
    }
    insta::assert_snapshot!(reports);
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_kid_refetches_the_key_set_once() {
    // Start with a key set that lacks the signing key (as right after a rotation).
    let github = Github::bare().await;
    // Discovery is fetched once; the key set twice.
    github.mount_discovery("/.well-known/jwks", Some(1)).await;
    let stale = oidc_assume::mint::SigningKey::generate("old-key")
        .unwrap()
        .jwks();
    Mock::given(method("GET"))
        .and(path("/.well-known/jwks"))
        .respond_with(ResponseTemplate::new(200).set_body_json(&stale))
        .up_to_n_times(1)
        .expect(1)
        .mount(&github.server)
        .await;
    Mock::given(method("GET"))
        .and(path("/.well-known/jwks"))
        .respond_with(ResponseTemplate::new(200).set_body_json(key().jwks()))
        .expect(1)
        .mount(&github.server)
        .await;
    let out = Scenario::on(github).run().await;
    out.assert_code(0);
}

#[tokio::test(flavor = "multi_thread")]
async fn token_file_is_an_alternative_source() {
    let scenario = Scenario::new().await;
    let token = scenario.sign();
    let out = scenario
        .no_token()
        .without_env("ACTIONS_ID_TOKEN_REQUEST_URL")
        .without_env("ACTIONS_ID_TOKEN_REQUEST_TOKEN")
        .file("token.jwt", &format!("{token}\n"))
        .input("web-identity-token-file", "token.jwt")
        .run()
        .await;
    out.assert_code(0);
    let first_mask = out.stdout.lines().find(|l| l.starts_with("::add-mask::"));
    assert_eq!(
        first_mask,
        Some(format!("::add-mask::{token}").as_str()),
        "{}",
        out.stdout
    );

    let out = Scenario::new()
        .await
        .no_token()
        .sts_unreached()
        .input("web-identity-token-file", "missing.jwt")
        .run()
        .await;
    out.assert_code(2).assert_nothing_exported();
    insta::assert_snapshot!(out.report(), @"
    exit: 2
    --- stdout
    ::error title=oidc-assume::`web-identity-token-file` `missing.jwt`: No such file or directory (os error 2)
    --- stderr
    ::stop-commands::[STOP-1]
    error: 1 invalid input
      - `web-identity-token-file`: `missing.jwt`: No such file or directory (os error 2)
    hint: web-identity-token-file: give the path of a file holding the JWT, relative to the workspace
    ::[STOP-1]::
    --- GITHUB_ENV: empty
    --- GITHUB_OUTPUT: empty
    --- step summary: empty
    ");
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_inputs_are_exit_2_before_any_request() {
    let cases: &[(&str, &str)] = &[
        (
            "INPUT_ROLE-TO-ASSUME",
            "arn:aws:iam::123456789012:user/alice",
        ),
        (
            "INPUT_ROLE-TO-ASSUME",
            "arn:aws:iam::123456789012:role/x\nAWS_SECRET_ACCESS_KEY=1",
        ),
        ("INPUT_AWS-REGION", "mars-1"),
        ("INPUT_ROLE-DURATION-SECONDS", "60"),
        ("INPUT_ROLE-SESSION-NAME", "bad name!"),
        ("INPUT_OUTPUT-CREDENTIALS", "yes"),
        ("INPUT_INLINE-SESSION-POLICY", "{\"Version\":"),
        ("INPUT_ISSUER", "http://issuer.example.com"),
        ("INPUT_POLICY", "nope.toml"),
    ];
    let mut reports = String::new();
    for (var, value) in cases {
        // No token is served: any request would be a 404 and exit 4.
        let scenario = Scenario::new().await.no_token().sts_unreached();
        let github = scenario.github();
        let out = scenario.env(var, value).run().await;
        out.assert_code(2).assert_nothing_exported();
        assert!(github.server.received_requests().await.unwrap().is_empty());
        reports.push_str(&format!("=== {var}={value:?}\n{}", out.report()));
    }
    insta::assert_snapshot!(reports);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failed_export_is_exit_1_and_rolls_back() {
    // A directory cannot be opened for appending (nothing is written at all); /dev/full opens
    // but every write fails (GITHUB_ENV was written first and must be truncated back).
    let out = Scenario::new()
        .await
        .dir("output-dir")
        .env_path("GITHUB_OUTPUT", "output-dir")
        .run()
        .await;
    out.assert_code(1).assert_nothing_exported();
    insta::assert_snapshot!(out.report(), @"
    exit: 1
    --- stdout
    ::warning title=no claim policy::any workflow run whose token the role's trust policy accepts gets credentials. Add .github/oidc-assume.toml (or the allowed-* inputs) so this step checks repository, ref, environment and event itself and explains refusals
    ::add-mask::runner-request-token-5f0c9e
    ::add-mask::[TOKEN]
    ::add-mask::ASIAQEXAMPLE7JK2LMNO
    ::add-mask::wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY
    ::add-mask::FwoGZXIvYXdzEJr//////////wEaDEXAMPLESESSIONTOKEN+abc/def==
    ::error title=oidc-assume::could not write [TMP]/output-dir: Is a directory (os error 21)
    --- stderr
    ::stop-commands::[STOP-1]
    error: could not write [TMP]/output-dir: Is a directory (os error 21)
    ::[STOP-1]::
    --- GITHUB_ENV: empty
    --- GITHUB_OUTPUT: empty
    --- step summary: empty
    ");

    let out = Scenario::new()
        .await
        .env("GITHUB_OUTPUT", "/dev/full")
        .run()
        .await;
    out.assert_code(1).assert_nothing_exported();
    insta::assert_snapshot!(out.report(), @"
    exit: 1
    --- stdout
    ::warning title=no claim policy::any workflow run whose token the role's trust policy accepts gets credentials. Add .github/oidc-assume.toml (or the allowed-* inputs) so this step checks repository, ref, environment and event itself and explains refusals
    ::add-mask::runner-request-token-5f0c9e
    ::add-mask::[TOKEN]
    ::add-mask::ASIAQEXAMPLE7JK2LMNO
    ::add-mask::wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY
    ::add-mask::FwoGZXIvYXdzEJr//////////wEaDEXAMPLESESSIONTOKEN+abc/def==
    ::error title=oidc-assume::could not write /dev/full: No space left on device (os error 28)
    --- stderr
    ::stop-commands::[STOP-1]
    error: could not write /dev/full: No space left on device (os error 28)
    ::[STOP-1]::
    --- GITHUB_ENV: empty
    --- GITHUB_OUTPUT: empty
    --- step summary: empty
    ");
}

#[tokio::test(flavor = "multi_thread")]
async fn outside_actions_there_is_nowhere_to_export() {
    let out = Scenario::new()
        .await
        .outside_actions()
        .no_token()
        .sts_unreached()
        .run()
        .await;
    out.assert_code(2);
    // Names the missing variable and points to `oidc-assume dry-run`. Outside Actions no
    // workflow command is printed (a mask line would show the secret): stdout stays empty.
    insta::assert_snapshot!(out.report(), @"
    exit: 2
    --- stdout: empty
    --- stderr
    warning: no claim policy: any workflow run whose token the role's trust policy accepts gets credentials. Add .github/oidc-assume.toml (or the allowed-* inputs) so this step checks repository, ref, environment and event itself and explains refusals
    error: GITHUB_OUTPUT is not set, so there is nowhere to export credentials to
    hint: run this as a step of a GitHub Actions job; on your machine, try `oidc-assume dry-run` or `oidc-assume credential-process`
    --- GITHUB_ENV: empty
    --- GITHUB_OUTPUT: empty
    --- step summary: empty
    ");
}

#[tokio::test(flavor = "multi_thread")]
async fn moto_end_to_end_and_the_aws_cli_accepts_the_credentials() {
    let moto = Moto::start();
    let out = Scenario::new()
        .await
        .no_sts()
        .env("AWS_ENDPOINT_URL_STS", &moto.endpoint)
        .input("role-duration-seconds", "900")
        .run()
        .await;
    out.assert_code(0);
    let env = out.env_vars();
    let names: Vec<&str> = env.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        names,
        [
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY",
            "AWS_SESSION_TOKEN",
            "AWS_REGION",
            "AWS_DEFAULT_REGION"
        ]
    );
    let outputs = out.outputs();
    let arn = &outputs
        .iter()
        .find(|(k, _)| k == "authenticated-arn")
        .unwrap()
        .1;
    assert_eq!(
        arn,
        &format!("arn:aws:sts::123456789012:assumed-role/octo-deploy/{SESSION}")
    );

    // The fair judge: the AWS CLI, given only what we exported, is authenticated as that role.
    let home = tempfile::tempdir().unwrap();
    let cli = std::process::Command::new(venv_bin("aws"))
        .args([
            "sts",
            "get-caller-identity",
            "--output",
            "json",
            "--endpoint-url",
            &moto.endpoint,
        ])
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", home.path())
        .env("AWS_CONFIG_FILE", home.path().join("none"))
        .env("AWS_SHARED_CREDENTIALS_FILE", home.path().join("none"))
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .output()
        .unwrap();
    assert!(
        cli.status.success(),
        "aws cli: {}",
        String::from_utf8_lossy(&cli.stderr)
    );
    let identity: serde_json::Value = serde_json::from_slice(&cli.stdout).unwrap();
    assert_eq!(identity["Arn"], json!(arn));
    assert_eq!(identity["Account"], json!("123456789012"));
}

#[tokio::test(flavor = "multi_thread")]
async fn key_set_is_fetched_alongside_discovery_or_where_discovery_says() {
    // Conventional location: discovery and JWKS are requested together, each once.
    let scenario = Scenario::new().await;
    let github = scenario.github();
    scenario.run().await.assert_code(0);
    let paths: Vec<String> = github
        .server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| r.url.path().to_string())
        .collect();
    assert_eq!(
        paths
            .iter()
            .filter(|p| p.as_str() == "/.well-known/jwks")
            .count(),
        1,
        "{paths:?}"
    );

    // Elsewhere: the key set named by discovery is used, the conventional path is ignored.
    let github = Github::bare().await;
    github.mount_discovery("/keys/v2", None).await;
    let other = oidc_assume::mint::SigningKey::generate("other")
        .unwrap()
        .jwks();
    Mock::given(method("GET"))
        .and(path("/.well-known/jwks"))
        .respond_with(ResponseTemplate::new(200).set_body_json(&other))
        .mount(&github.server)
        .await;
    Mock::given(method("GET"))
        .and(path("/keys/v2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(key().jwks()))
        .expect(1)
        .mount(&github.server)
        .await;
    Scenario::on(github).run().await.assert_code(0);
}

#[tokio::test(flavor = "multi_thread")]
async fn credentials_are_never_appended_through_a_symlink() {
    let out = Scenario::new()
        .await
        .prepare(|run| {
            // A step earlier in the job replaced GITHUB_ENV with a link to a file it can read
            // later.
            let loot = run.path("loot");
            std::fs::write(&loot, "").unwrap();
            std::fs::remove_file(run.path("github_env")).unwrap();
            std::os::unix::fs::symlink(&loot, run.path("github_env")).unwrap();
        })
        .run()
        .await;
    out.assert_code(1);
    assert_eq!(
        out.output_file, "",
        "nothing is written when one target is refused"
    );
    assert_eq!(out.env_file, "", "the link's target stays empty");
    insta::assert_snapshot!(out.report(), @"
    exit: 1
    --- stdout
    ::warning title=no claim policy::any workflow run whose token the role's trust policy accepts gets credentials. Add .github/oidc-assume.toml (or the allowed-* inputs) so this step checks repository, ref, environment and event itself and explains refusals
    ::add-mask::runner-request-token-5f0c9e
    ::add-mask::[TOKEN]
    ::add-mask::ASIAQEXAMPLE7JK2LMNO
    ::add-mask::wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY
    ::add-mask::FwoGZXIvYXdzEJr//////////wEaDEXAMPLESESSIONTOKEN+abc/def==
    ::error title=oidc-assume::could not write [TMP]/github_env: it is a symbolic link; refusing to write through it
    --- stderr
    ::stop-commands::[STOP-1]
    error: could not write [TMP]/github_env: it is a symbolic link; refusing to write through it
    ::[STOP-1]::
    --- GITHUB_ENV: empty
    --- GITHUB_OUTPUT: empty
    --- step summary: empty
    ");
}

#[tokio::test]
async fn sts_refusal_with_the_trust_policy_names_the_failing_condition() {
    let scenario = Scenario::new().await.sts(sts_error(
        403,
        "AccessDenied",
        "Not authorized to perform sts:AssumeRoleWithWebIdentity",
    ));
    let provider = scenario
        .github()
        .issuer()
        .trim_start_matches("http://")
        .to_string();
    let policy = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Federated": format!("arn:aws:iam::123456789012:oidc-provider/{provider}")},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {"StringEquals": {
                format!("{provider}:aud"): "sts.amazonaws.com",
                format!("{provider}:sub"): "repo:octo-org/octo-repo:environment:production"
            }}
        }]
    });
    let out = scenario
        .input("trust-policy-file", "infra/trust.json")
        .file(
            "infra/trust.json",
            &serde_json::to_string_pretty(&policy).unwrap(),
        )
        .run()
        .await;
    out.assert_code(5).assert_nothing_exported();
    // Each condition with its file position, the actual and the passing value, and why.
    insta::assert_snapshot!(out.report());
}
