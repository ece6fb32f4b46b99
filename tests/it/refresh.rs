//! `refresh-credentials` (issue #12): the step leaves a `credential_process` profile instead of
//! keys, and a later step's SDK (botocore, from the test venv) fetches fresh sessions by itself
//! while STS hands out sessions already inside the SDK's refresh window.

use std::process::Command;

use serde_json::json;
use wiremock::matchers::{body_string_contains, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::*;

/// A successful web-identity answer whose session ends in `seconds`: inside botocore's
/// mandatory refresh window (10 minutes), so every call asks for a fresh one.
pub fn short_session(seconds: i64) -> ResponseTemplate {
    let expiration = time::OffsetDateTime::from_unix_timestamp(now() + seconds)
        .unwrap()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let xml = sts_success_xml(SESSION).replace(EXPIRATION, &expiration);
    ResponseTemplate::new(200).set_body_string(xml)
}

/// The runner's token endpoint, answering every request (the SDK asks again on each refresh).
pub async fn serve_tokens(github: &Github, token: &str) {
    Mock::given(method("GET"))
        .and(path("/idtoken"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"value": token})))
        .mount(&github.server)
        .await;
}

pub async fn sts_calls(sts: &MockServer) -> usize {
    sts.received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .filter(|r| String::from_utf8_lossy(&r.body).contains("AssumeRoleWithWebIdentity"))
        .count()
}

/// A STS whose sessions end in five minutes.
pub async fn short_sts() -> MockServer {
    let sts = MockServer::start().await;
    Mock::given(method("POST"))
        .and(body_string_contains("Action=AssumeRoleWithWebIdentity"))
        .respond_with(short_session(300))
        .mount(&sts)
        .await;
    sts
}

/// A later step as the runner runs it: `GITHUB_ENV` (`vars`) applied verbatim, the job may
/// still request tokens, and an action of that step has `INPUT_*` variables of its own, which
/// must not leak into the refresh. One botocore client makes three calls against moto; the
/// step must succeed. Returns its stdout and stderr.
pub async fn later_sdk_step(
    vars: &[(String, String)],
    github: &Github,
    endpoint: &str,
) -> (String, String) {
    let home = tempfile::tempdir().unwrap();
    let script = "import botocore.session, sys\n\
        client = botocore.session.Session().create_client('sts', endpoint_url=sys.argv[1], region_name='eu-central-1')\n\
        for _ in range(3):\n    print(client.get_caller_identity()['Account'])\n";
    let mut later = Command::new(venv_bin("python"));
    later
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", home.path())
        .env("ACTIONS_ID_TOKEN_REQUEST_URL", github.request_url())
        .env("ACTIONS_ID_TOKEN_REQUEST_TOKEN", REQUEST_TOKEN)
        .env("INPUT_POLICY", "/no/such/policy.toml")
        .env(
            "INPUT_ROLE-TO-ASSUME",
            "arn:aws:iam::999999999999:role/someone-elses",
        )
        .envs(vars.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .args(["-c", script, endpoint]);
    let output = tokio::task::spawn_blocking(move || later.output().unwrap())
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(
        output.status.success(),
        "later step failed:\n{stdout}\n{stderr}"
    );
    (stdout, stderr)
}

#[tokio::test]
async fn a_later_steps_sdk_refreshes_the_session_by_itself() {
    // The token is served to every request: the later step's SDK asks again on each refresh.
    let scenario = Scenario::new().await.no_token();
    let github = scenario.github();
    let token = scenario.sign();
    serve_tokens(&github, &token).await;
    let sts = short_sts().await;
    let moto = Moto::start();
    let runner_temp = tempfile::tempdir().unwrap();
    let temp = runner_temp.path().to_str().unwrap().to_string();

    let main = scenario
        .sts_at(&sts)
        .input("refresh-credentials", "true")
        .env("RUNNER_TEMP", &temp)
        .run()
        .await;
    main.assert_code(0);
    let vars = main.env_vars();
    let var = |name: &str| {
        vars.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| panic!("{name} not exported: {vars:?}"))
    };
    // No static keys: the SDKs would prefer them and never refresh.
    for name in [
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
    ] {
        assert_eq!(var(name), "", "{name}");
    }
    assert_eq!(var("AWS_PROFILE"), "oidc-assume");
    let config_file = var("AWS_CONFIG_FILE");
    assert!(
        config_file.starts_with(&format!("{temp}/oidc-assume/refresh-")),
        "{config_file}"
    );
    let profile = std::fs::read_to_string(&config_file).unwrap();
    assert!(
        profile.contains("[profile oidc-assume]\ncredential_process = "),
        "{profile}"
    );
    assert!(
        profile.contains(" credential-process --no-input-variables --role-to-assume="),
        "{profile}"
    );
    assert!(!profile.contains(ACCESS_KEY_ID) && !profile.contains(SECRET_ACCESS_KEY));
    assert_eq!(sts_calls(&sts).await, 1, "the step's own exchange");

    let (stdout, stderr) = later_sdk_step(&vars, &github, &moto.endpoint).await;
    assert_eq!(stdout.lines().count(), 3, "{stdout}");
    for secret in [
        ACCESS_KEY_ID,
        SECRET_ACCESS_KEY,
        SESSION_TOKEN,
        token.as_str(),
    ] {
        assert!(
            !stderr.contains(secret),
            "the later step's stderr leaks a secret"
        );
    }
    // Every call found its session inside the refresh window and fetched a fresh one, each
    // through a fresh token and the step's own role (not INPUT_ROLE-TO-ASSUME of the later step).
    let refreshed = sts_calls(&sts).await - 1;
    assert!(refreshed >= 3, "only {refreshed} refreshes for 3 calls");
    let requests = sts.received_requests().await.unwrap();
    // The HEADs that open a connection early carry nothing.
    for request in requests.iter().filter(|r| r.method.as_str() == "POST") {
        let body = String::from_utf8_lossy(&request.body);
        assert!(body.contains("octo-deploy"), "{body}");
        assert!(!body.contains("someone-elses"), "{body}");
    }
    // Warnings (no claim policy) are said once, not on every refresh.
    assert!(stderr.matches("no claim policy").count() <= 1, "{stderr}");
}

#[tokio::test]
async fn the_container_action_refuses_refresh_before_any_request() {
    let scenario = Scenario::new().await.no_token().sts_unreached();
    let github = scenario.github();
    let outcome = scenario
        .input("refresh-credentials", "true")
        .env("RUNNER_TEMP", "/github/runner_temp")
        .run()
        .await;
    outcome.assert_code(2).assert_nothing_exported();
    assert!(
        outcome
            .stderr
            .contains("refresh-credentials cannot work in the container action"),
        "{}",
        outcome.stderr
    );
    assert!(
        outcome.stderr.contains("hint: use the native action"),
        "{}",
        outcome.stderr
    );
    assert!(github.server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn refresh_needs_the_token_and_one_role() {
    for (name, value, problem) in [
        ("INPUT_ROLE-CHAINING", "true", "needs the job's OIDC token"),
        (
            "INPUT_ROLES",
            "audit = \"arn:aws:iam::111111111111:role/audit\"",
            "refreshes the step's own `role-to-assume` only",
        ),
    ] {
        let outcome = Scenario::new()
            .await
            .no_token()
            .no_sts()
            .input("refresh-credentials", "true")
            .env(name, value)
            .run()
            .await;
        outcome.assert_code(2).assert_nothing_exported();
        assert!(outcome.stderr.contains(problem), "{}", outcome.stderr);
    }
}
