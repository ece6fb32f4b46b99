//! The action end to end: token endpoint, issuer and STS on 127.0.0.1, exit codes, stderr and
//! the exact bytes written to GITHUB_ENV / GITHUB_OUTPUT.

use serde_json::json;
use wiremock::ResponseTemplate;
use wiremock::matchers::{body_string_contains, method, path};
use wiremock::{Mock, MockServer};

use crate::common::*;

const SESSION: &str = "gha-11843209874-1-octo-org.octo-repo";

#[tokio::test(flavor = "multi_thread")]
async fn exports_masked_credentials_exactly() {
    let github = Github::start().await;
    let token = github.sign(&github.claims());
    github.serve_token(&token).await;
    let sts = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/"))
        .and(body_string_contains("Action=AssumeRoleWithWebIdentity"))
        .and(body_string_contains(format!("RoleSessionName={SESSION}")))
        .and(body_string_contains("DurationSeconds=3600"))
        .and(body_string_contains(format!("WebIdentityToken={token}")))
        .respond_with(ResponseTemplate::new(200).set_body_string(sts_success_xml(SESSION)))
        .expect(1)
        .mount(&sts)
        .await;

    let out = Run::action()
        .with_github(&github)
        .with_sts(&sts)
        .run()
        .await;
    out.assert_code(0).assert_no_leaks(&[
        &token,
        REQUEST_TOKEN,
        ACCESS_KEY_ID,
        SECRET_ACCESS_KEY,
        SESSION_TOKEN,
    ]);

    // Masks in order: request token, OIDC token, then the three credentials; and from the
    // first mask on, stdout carries nothing else (the warning about the missing policy is
    // printed before any secret exists).
    let lines: Vec<&str> = out.stdout.lines().collect();
    let first_mask = lines
        .iter()
        .position(|l| l.starts_with("::add-mask::"))
        .unwrap();
    let masks = &lines[first_mask..];
    assert_eq!(
        masks,
        [
            format!("::add-mask::{REQUEST_TOKEN}"),
            format!("::add-mask::{token}"),
            format!("::add-mask::{ACCESS_KEY_ID}"),
            format!("::add-mask::{SECRET_ACCESS_KEY}"),
            format!("::add-mask::{SESSION_TOKEN}"),
        ]
    );
    assert_eq!(
        out.env_file_normalized(),
        format!(
            "AWS_ACCESS_KEY_ID<<EOF\n{ACCESS_KEY_ID}\nEOF\nAWS_SECRET_ACCESS_KEY<<EOF\n{SECRET_ACCESS_KEY}\nEOF\nAWS_SESSION_TOKEN<<EOF\n{SESSION_TOKEN}\nEOF\nAWS_REGION<<EOF\neu-central-1\nEOF\nAWS_DEFAULT_REGION<<EOF\neu-central-1\nEOF\n"
        )
    );
    assert_eq!(
        out.output_file_normalized(),
        format!(
            "aws-account-id<<EOF\n123456789012\nEOF\nauthenticated-arn<<EOF\narn:aws:sts::123456789012:assumed-role/octo-deploy/{SESSION}\nEOF\naws-expiration<<EOF\n{EXPIRATION}\nEOF\n"
        )
    );
    assert!(
        out.summary.contains(&format!("| Session | `{SESSION}` |")),
        "{}",
        out.summary
    );
    assert!(!out.summary.contains(SECRET_ACCESS_KEY));
    assert!(
        out.stderr.contains(&format!(
            "assumed arn:aws:sts::123456789012:assumed-role/octo-deploy/{SESSION} until {EXPIRATION}"
        )),
        "{}",
        out.stderr
    );
    // No policy file: a warning annotation recommends one.
    assert!(
        out.stdout.contains("::warning title=no claim policy::"),
        "{}",
        out.stdout
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn credential_outputs_and_masked_account_on_request() {
    let github = Github::start().await;
    github.serve_token(&github.sign(&github.claims())).await;
    let sts = mock_sts(
        ResponseTemplate::new(200).set_body_string(sts_success_xml("ci")),
        1,
    )
    .await;
    let out = Run::action()
        .with_github(&github)
        .with_sts(&sts)
        .env("INPUT_ROLE-SESSION-NAME", "ci")
        .env("INPUT_OUTPUT-CREDENTIALS", "true")
        .env("INPUT_OUTPUT-ENV-CREDENTIALS", "false")
        .env("INPUT_MASK-AWS-ACCOUNT-ID", "TRUE")
        .run()
        .await;
    out.assert_code(0);
    assert!(out.stdout.contains("::add-mask::123456789012\n"));
    assert_eq!(
        out.env_vars(),
        [
            ("AWS_REGION".to_string(), "eu-central-1".to_string()),
            ("AWS_DEFAULT_REGION".to_string(), "eu-central-1".to_string())
        ]
    );
    let outputs = out.outputs();
    let names: Vec<&str> = outputs.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        names,
        [
            "aws-account-id",
            "authenticated-arn",
            "aws-expiration",
            "aws-access-key-id",
            "aws-secret-access-key",
            "aws-session-token"
        ]
    );
    assert_eq!(outputs[4].1, SECRET_ACCESS_KEY);
    assert!(
        out.summary.contains("| Account | `***` |"),
        "{}",
        out.summary
    );
    assert!(!out.stderr.contains("123456789012"), "{}", out.stderr);
}

#[tokio::test(flavor = "multi_thread")]
async fn policy_denial_explains_and_never_calls_sts() {
    let github = Github::start().await;
    let mut claims = github.claims();
    claims["ref"] = json!("refs/heads/feature/login");
    claims["sub"] = json!("repo:octo-org/octo-repo:ref:refs/heads/feature/login");
    let token = github.sign(&claims);
    github.serve_token(&token).await;
    let sts = mock_sts(ResponseTemplate::new(500), 0).await;
    let policy = r#"
version = 1
[[allow]]
name = "deploy from main"
repository = "octo-org/octo-repo"
ref = "refs/heads/main"
"#;
    let out = Run::action()
        .with_github(&github)
        .with_sts(&sts)
        .file(".github/oidc-assume.toml", policy)
        .run()
        .await;
    out.assert_code(3)
        .assert_nothing_exported()
        .assert_no_leaks(&[&token]);
    assert!(
        out.stdout
            .contains("::error title=oidc-assume::denied by the claim policy"),
        "{}",
        out.stdout
    );
    for needle in [
        "deploy from main",
        "ref",
        "refs/heads/feature/login",
        "refs/heads/main",
    ] {
        assert!(
            out.stderr.contains(needle),
            "missing {needle:?} in\n{}",
            out.stderr
        );
    }
    // The explanation quotes claim values, so it is fenced against workflow commands.
    assert!(
        out.stderr.starts_with("::stop-commands::"),
        "{}",
        out.stderr
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn sts_access_denied_shows_claims_and_trust_policy_after_one_call() {
    let github = Github::start().await;
    let token = github.sign(&github.claims());
    github.serve_token(&token).await;
    let sts = mock_sts(
        ResponseTemplate::new(403).set_body_string(sts_error_xml(
            "AccessDenied",
            "Not authorized to perform sts:AssumeRoleWithWebIdentity",
        )),
        1,
    )
    .await;
    let started = std::time::Instant::now();
    let out = Run::action()
        .with_github(&github)
        .with_sts(&sts)
        .run()
        .await;
    out.assert_code(5)
        .assert_nothing_exported()
        .assert_no_leaks(&[&token]);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "AccessDenied is not retried"
    );
    for needle in [
        "AccessDenied: Not authorized to perform sts:AssumeRoleWithWebIdentity",
        "sub               `repo:octo-org/octo-repo:ref:refs/heads/main`",
        "environment       <absent>",
        ":sub\": \"repo:octo-org/octo-repo:ref:refs/heads/main\"",
        ":aud\": \"sts.amazonaws.com\"",
        "oidc-provider/127.0.0.1:",
        "hint: the role's trust policy does not admit this token",
    ] {
        assert!(
            out.stderr.contains(needle),
            "missing {needle:?} in\n{}",
            out.stderr
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn sts_errors_map_to_exit_5_with_hints() {
    let cases = [
        (
            400,
            "ValidationError",
            "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
            "role-duration-seconds",
        ),
        (
            400,
            "InvalidIdentityToken",
            "No OpenIDConnect provider found in your account for https://token.actions.githubusercontent.com",
            "OIDC identity provider",
        ),
        (
            400,
            "RegionDisabledException",
            "STS is not activated in this region",
            "activate it",
        ),
    ];
    for (status, code, message, hint) in cases {
        let github = Github::start().await;
        github.serve_token(&github.sign(&github.claims())).await;
        let sts = mock_sts(
            ResponseTemplate::new(status).set_body_string(sts_error_xml(code, message)),
            1,
        )
        .await;
        let out = Run::action()
            .with_github(&github)
            .with_sts(&sts)
            .run()
            .await;
        out.assert_code(5).assert_nothing_exported();
        assert!(
            out.stderr.contains(&format!("{code}: {message}")),
            "{}",
            out.stderr
        );
        assert!(out.stderr.contains(hint), "{code}: {}", out.stderr);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn transient_sts_failures_are_retried_by_the_sdk() {
    let github = Github::start().await;
    github.serve_token(&github.sign(&github.claims())).await;
    let sts = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(400)
                .set_body_string(sts_error_xml("Throttling", "Rate exceeded")),
        )
        .up_to_n_times(2)
        .expect(2)
        .mount(&sts)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_string(sts_success_xml("s")))
        .expect(1)
        .mount(&sts)
        .await;
    let out = Run::action()
        .with_github(&github)
        .with_sts(&sts)
        .run()
        .await;
    out.assert_code(0);
    assert_eq!(out.env_vars()[0].1, ACCESS_KEY_ID);
}

#[tokio::test(flavor = "multi_thread")]
async fn missing_id_token_permission_fails_with_exit_4_and_the_fix() {
    let github = Github::start().await;
    let out = Run::action()
        .with_github(&github)
        .without_env("ACTIONS_ID_TOKEN_REQUEST_URL")
        .without_env("ACTIONS_ID_TOKEN_REQUEST_TOKEN")
        .run()
        .await;
    out.assert_code(4).assert_nothing_exported();
    assert!(
        out.stderr
            .contains("ACTIONS_ID_TOKEN_REQUEST_URL is not set"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("hint: add `permissions: id-token: write`"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("forks"), "{}", out.stderr);
}

#[tokio::test(flavor = "multi_thread")]
async fn token_endpoint_refusal_is_exit_4() {
    let github = Github::start().await;
    Mock::given(method("GET"))
        .and(path("/idtoken"))
        .respond_with(ResponseTemplate::new(403).set_body_string("{\"message\":\"Forbidden\"}"))
        .mount(&github.server)
        .await;
    let out = Run::action().with_github(&github).run().await;
    out.assert_code(4).assert_nothing_exported();
    assert!(out.stderr.contains("HTTP 403"), "{}", out.stderr);
}

#[tokio::test(flavor = "multi_thread")]
async fn verification_failures_are_exit_4_and_never_reach_sts() {
    use base64::Engine as _;
    type Case = (fn(&Github) -> String, &'static str);
    let cases: [Case; 5] = [
        (
            |g| {
                g.sign(&with(
                    g.claims(),
                    "aud",
                    json!("https://github.com/octo-org"),
                ))
            },
            "audience is `https://github.com/octo-org`, expected `sts.amazonaws.com`",
        ),
        (
            |g| g.sign(&with(g.claims(), "exp", json!(now() - 600))),
            "the token expired",
        ),
        (
            |g| g.sign(&with(g.claims(), "repository_id", json!(892734561))),
            "claim `repository_id` is a number, expected a string",
        ),
        (
            |g| {
                g.sign(&with(
                    g.claims(),
                    "iss",
                    json!("https://token.actions.githubusercontent.com"),
                ))
            },
            "the token's issuer is `https://token.actions.githubusercontent.com`",
        ),
        (
            |g| {
                // A real signature over other claims: the payload swapped for a forged one.
                let good = g.sign(&g.claims());
                let (head, rest) = good.split_once('.').unwrap();
                let sig = rest.split_once('.').unwrap().1;
                let forged = with(g.claims(), "repository", json!("evil-org/octo-repo"));
                let payload =
                    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(forged.to_string());
                format!("{head}.{payload}.{sig}")
            },
            "signature does not verify",
        ),
    ];
    for (make_token, message) in cases {
        let github = Github::start().await;
        github.serve_token(&make_token(&github)).await;
        let sts = mock_sts(ResponseTemplate::new(500), 0).await;
        let out = Run::action()
            .with_github(&github)
            .with_sts(&sts)
            .run()
            .await;
        out.assert_code(4).assert_nothing_exported();
        assert!(out.stderr.contains(message), "{message}:\n{}", out.stderr);
    }
}

fn with(mut claims: serde_json::Value, key: &str, value: serde_json::Value) -> serde_json::Value {
    claims[key] = value;
    claims
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
    github.serve_token(&github.sign(&github.claims())).await;
    let sts = mock_sts(
        ResponseTemplate::new(200).set_body_string(sts_success_xml("s")),
        1,
    )
    .await;
    let out = Run::action()
        .with_github(&github)
        .with_sts(&sts)
        .run()
        .await;
    out.assert_code(0);
}

#[tokio::test(flavor = "multi_thread")]
async fn token_file_is_an_alternative_source() {
    let github = Github::start().await;
    let token = github.sign(&github.claims());
    let sts = mock_sts(
        ResponseTemplate::new(200).set_body_string(sts_success_xml("s")),
        1,
    )
    .await;
    let out = Run::action()
        .with_github(&github)
        .without_env("ACTIONS_ID_TOKEN_REQUEST_URL")
        .without_env("ACTIONS_ID_TOKEN_REQUEST_TOKEN")
        .file("token.jwt", &format!("{token}\n"))
        .env("INPUT_WEB-IDENTITY-TOKEN-FILE", "token.jwt")
        .env("INPUT_STS-ENDPOINT", &sts.uri())
        .run()
        .await;
    out.assert_code(0).assert_no_leaks(&[&token]);
    let first_mask = out.stdout.lines().find(|l| l.starts_with("::add-mask::"));
    assert_eq!(
        first_mask,
        Some(format!("::add-mask::{token}").as_str()),
        "{}",
        out.stdout
    );

    let out = Run::action()
        .with_github(&github)
        .env("INPUT_WEB-IDENTITY-TOKEN-FILE", "missing.jwt")
        .run()
        .await;
    out.assert_code(2).assert_nothing_exported();
    assert!(
        out.stderr
            .contains("`web-identity-token-file`: `missing.jwt`: No such file"),
        "{}",
        out.stderr
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_inputs_are_exit_2_before_any_request() {
    let github = Github::start().await; // no token mock: any request would be a 404 and exit 4
    let cases: &[(&str, &str, &str)] = &[
        (
            "INPUT_ROLE-TO-ASSUME",
            "arn:aws:iam::123456789012:user/alice",
            "`role-to-assume`",
        ),
        (
            "INPUT_ROLE-TO-ASSUME",
            "arn:aws:iam::123456789012:role/x\nAWS_SECRET_ACCESS_KEY=1",
            "`role-to-assume`",
        ),
        ("INPUT_AWS-REGION", "mars-1", "`aws-region`"),
        (
            "INPUT_ROLE-DURATION-SECONDS",
            "60",
            "`role-duration-seconds`",
        ),
        (
            "INPUT_ROLE-SESSION-NAME",
            "bad name!",
            "`role-session-name`",
        ),
        ("INPUT_OUTPUT-CREDENTIALS", "yes", "`output-credentials`"),
        (
            "INPUT_INLINE-SESSION-POLICY",
            "{\"Version\":",
            "`inline-session-policy`",
        ),
        ("INPUT_ISSUER", "http://issuer.example.com", "`issuer`"),
    ];
    for (var, value, input) in cases {
        let out = Run::action()
            .with_github(&github)
            .env(var, value)
            .run()
            .await;
        out.assert_code(2).assert_nothing_exported();
        assert!(out.stderr.contains(input), "{var}: {}", out.stderr);
        assert!(out.stderr.contains("hint: "), "{var}: {}", out.stderr);
    }
    let out = Run::action()
        .with_github(&github)
        .env("INPUT_POLICY", "nope.toml")
        .run()
        .await;
    out.assert_code(2).assert_nothing_exported();
    assert!(
        out.stderr.contains("could not read policy file nope.toml"),
        "{}",
        out.stderr
    );
    assert!(github.server.received_requests().await.unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failed_export_is_exit_1_and_rolls_back() {
    // A directory cannot be opened for appending (nothing is written at all); /dev/full opens
    // but every write fails (GITHUB_ENV was written first and must be truncated back).
    for target in ["directory", "/dev/full"] {
        let github = Github::start().await;
        let token = github.sign(&github.claims());
        github.serve_token(&token).await;
        let sts = mock_sts(
            ResponseTemplate::new(200).set_body_string(sts_success_xml("s")),
            1,
        )
        .await;
        let run = Run::action().with_github(&github).with_sts(&sts);
        let output = if target == "directory" {
            let dir = run.path("output-dir");
            std::fs::create_dir(&dir).unwrap();
            dir.to_str().unwrap().to_string()
        } else {
            target.to_string()
        };
        let out = run.env("GITHUB_OUTPUT", &output).run().await;
        out.assert_code(1)
            .assert_nothing_exported()
            .assert_no_leaks(&[&token, ACCESS_KEY_ID, SECRET_ACCESS_KEY, SESSION_TOKEN]);
        assert!(
            out.stderr.contains(&format!("could not write {output}")),
            "{}",
            out.stderr
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn outside_actions_there_is_nowhere_to_export() {
    let github = Github::start().await;
    let out = Run::bare().with_github(&github).run().await;
    out.assert_code(2);
    assert!(
        out.stderr.contains("GITHUB_OUTPUT is not set"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("oidc-assume dry-run"), "{}", out.stderr);
    // Outside Actions no workflow command is printed (a mask line would show the secret).
    assert!(!out.stdout.contains("::"), "{}", out.stdout);
}

#[tokio::test(flavor = "multi_thread")]
async fn moto_end_to_end_and_the_aws_cli_accepts_the_credentials() {
    let moto = Moto::start();
    let github = Github::start().await;
    let token = github.sign(&github.claims());
    github.serve_token(&token).await;
    let out = Run::action()
        .with_github(&github)
        .env("AWS_ENDPOINT_URL_STS", &moto.endpoint)
        .env("INPUT_ROLE-DURATION-SECONDS", "900")
        .run()
        .await;
    out.assert_code(0);
    let env = out.env_vars();
    let secrets: Vec<&str> = env.iter().take(3).map(|(_, v)| v.as_str()).collect();
    out.assert_no_leaks(&[&[token.as_str()], secrets.as_slice()].concat());
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
    let github = Github::start().await;
    github.serve_token(&github.sign(&github.claims())).await;
    let sts = mock_sts(
        ResponseTemplate::new(200).set_body_string(sts_success_xml("s")),
        1,
    )
    .await;
    let out = Run::action()
        .with_github(&github)
        .with_sts(&sts)
        .run()
        .await;
    out.assert_code(0);
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
    github.serve_token(&github.sign(&github.claims())).await;
    let sts = mock_sts(
        ResponseTemplate::new(200).set_body_string(sts_success_xml("s")),
        1,
    )
    .await;
    let out = Run::action()
        .with_github(&github)
        .with_sts(&sts)
        .run()
        .await;
    out.assert_code(0);
}

#[tokio::test(flavor = "multi_thread")]
async fn credentials_are_never_appended_through_a_symlink() {
    let github = Github::start().await;
    github.serve_token(&github.sign(&github.claims())).await;
    let sts = mock_sts(
        ResponseTemplate::new(200).set_body_string(sts_success_xml("s")),
        1,
    )
    .await;
    let run = Run::action().with_github(&github).with_sts(&sts);
    // A step earlier in the job replaced GITHUB_ENV with a link to a file it can read later.
    let loot = run.path("loot");
    std::fs::write(&loot, "").unwrap();
    std::fs::remove_file(run.path("github_env")).unwrap();
    std::os::unix::fs::symlink(&loot, run.path("github_env")).unwrap();
    let out = run.run().await;
    out.assert_code(1);
    assert!(out.stderr.contains("symbolic link"), "{}", out.stderr);
    assert_eq!(
        out.output_file, "",
        "nothing is written when one target is refused"
    );
    assert_eq!(out.env_file, "", "the link's target stays empty");
}

#[tokio::test]
async fn sts_refusal_with_the_trust_policy_names_the_failing_condition() {
    let github = Github::start().await;
    let token = github.sign(&github.claims());
    github.serve_token(&token).await;
    let sts = mock_sts(
        ResponseTemplate::new(403).set_body_string(sts_error_xml(
            "AccessDenied",
            "Not authorized to perform sts:AssumeRoleWithWebIdentity",
        )),
        1,
    )
    .await;
    let provider = github.issuer().trim_start_matches("http://").to_string();
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
    let out = Run::action()
        .with_github(&github)
        .with_sts(&sts)
        .env("INPUT_TRUST-POLICY-FILE", "infra/trust.json")
        .file(
            "infra/trust.json",
            &serde_json::to_string_pretty(&policy).unwrap(),
        )
        .run()
        .await;
    out.assert_code(5).assert_nothing_exported();
    for needle in [
        "the trust policy, evaluated with IAM's rules against these claims:",
        &format!("FAIL StringEquals `{provider}:sub` (infra/trust.json:8:"),
        "actual:     `repo:octo-org/octo-repo:ref:refs/heads/main`",
        "would pass: `repo:octo-org/octo-repo:environment:production`",
        "the job has no `environment:`",
    ] {
        assert!(
            out.stderr.contains(needle),
            "missing {needle:?} in\n{}",
            out.stderr
        );
    }
}
