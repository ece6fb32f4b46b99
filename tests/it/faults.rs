//! Faults: transient failures are retried (bounded, logged), permanent ones fail at once.
//! Every case checks the attempts made, the exit code, and that a failure exported nothing.

use std::net::TcpListener;

use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::*;

/// Mounts `first` for the first `n` requests matching `route`, then `then` (expected `m` times).
async fn flaky(
    server: &MockServer,
    verb: &str,
    route: &str,
    first: ResponseTemplate,
    n: u64,
    then: ResponseTemplate,
    m: u64,
) {
    Mock::given(method(verb))
        .and(path(route))
        .respond_with(first)
        .up_to_n_times(n)
        .expect(n)
        .mount(server)
        .await;
    Mock::given(method(verb))
        .and(path(route))
        .respond_with(then)
        .expect(m)
        .mount(server)
        .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn token_endpoint_5xx_is_retried_then_succeeds() {
    let scenario = Scenario::new().await.no_token();
    let token = scenario.sign();
    flaky(
        &scenario.github().server,
        "GET",
        "/idtoken",
        ResponseTemplate::new(503),
        2,
        ResponseTemplate::new(200).set_body_json(serde_json::json!({"value": token})),
        1,
    )
    .await;
    let out = scenario.run().await;
    out.assert_code(0);
    insta::assert_snapshot!(out.stderr_normalized(), @"
    oidc-assume: requesting the OIDC token failed (HTTP 503); retry 1 of 4 in [N] ms
    oidc-assume: requesting the OIDC token failed (HTTP 503); retry 2 of 4 in [N] ms
    oidc-assume: assumed arn:aws:sts::123456789012:assumed-role/octo-deploy/gha-11843209874-1-octo-org.octo-repo until 2026-11-24T13:00:00Z (no claim policy)
    ");
}

#[tokio::test(flavor = "multi_thread")]
async fn token_endpoint_answers_that_cannot_improve_are_not_retried() {
    // Each answer is requested exactly once, and the snapshot shows no retry line.
    let cases = [
        (
            ResponseTemplate::new(403).set_body_string("forbidden"),
            "HTTP 403",
        ),
        (ResponseTemplate::new(404), "HTTP 404"),
        (
            ResponseTemplate::new(200).set_body_string(r#"{"count": 1}"#),
            "no `value` field",
        ),
        (
            ResponseTemplate::new(200).set_body_string("<html>proxy login</html>"),
            "not JSON",
        ),
    ];
    let mut reports = String::new();
    for (response, message) in cases {
        let scenario = Scenario::new().await.no_token().sts_unreached();
        Mock::given(method("GET"))
            .and(path("/idtoken"))
            .respond_with(response)
            .expect(1)
            .mount(&scenario.github().server)
            .await;
        let out = scenario.run().await;
        out.assert_code(4).assert_nothing_exported();
        reports.push_str(&format!("=== {message}\n{}", out.report()));
    }
    insta::assert_snapshot!(reports);
}

#[tokio::test(flavor = "multi_thread")]
async fn empty_or_truncated_bodies_are_retried_within_the_bound() {
    let mut reports = String::new();
    for body in ["", r#"{"value": "eyJhbGciOi"#] {
        let scenario = Scenario::new().await.no_token().sts_unreached();
        Mock::given(method("GET"))
            .and(path("/idtoken"))
            .respond_with(ResponseTemplate::new(200).set_body_string(body))
            .expect(3)
            .mount(&scenario.github().server)
            .await;
        let out = scenario.input("retry-max-attempts", "3").run().await;
        out.assert_code(4).assert_nothing_exported();
        // Two retries after the first attempt, then the error.
        reports.push_str(&format!("=== {body:?}\n{}", out.stderr_normalized()));
    }
    insta::assert_snapshot!(reports, @r#"
    === ""
    oidc-assume: requesting the OIDC token failed (not JSON: EOF while parsing a value at line 1 column 0); retry 1 of 2 in [N] ms
    oidc-assume: requesting the OIDC token failed (not JSON: EOF while parsing a value at line 1 column 0); retry 2 of 2 in [N] ms
    ::stop-commands::[STOP-1]
    error: the runner's token endpoint answered without a token: not JSON: EOF while parsing a value at line 1 column 0
    ::[STOP-1]::
    === "{\"value\": \"eyJhbGciOi"
    oidc-assume: requesting the OIDC token failed (not JSON: EOF while parsing a string at line 1 column 21); retry 1 of 2 in [N] ms
    oidc-assume: requesting the OIDC token failed (not JSON: EOF while parsing a string at line 1 column 21); retry 2 of 2 in [N] ms
    ::stop-commands::[STOP-1]
    error: the runner's token endpoint answered without a token: not JSON: EOF while parsing a string at line 1 column 21
    ::[STOP-1]::
    "#);
}

#[tokio::test(flavor = "multi_thread")]
async fn key_set_5xx_is_retried() {
    let github = Github::bare().await;
    github.mount_discovery("/.well-known/jwks", None).await;
    flaky(
        &github.server,
        "GET",
        "/.well-known/jwks",
        ResponseTemplate::new(502),
        1,
        ResponseTemplate::new(200).set_body_json(key().jwks()),
        1,
    )
    .await;
    let out = Scenario::on(github).run().await;
    out.assert_code(0);
    insta::assert_snapshot!(out.stderr_normalized(), @"
    oidc-assume: fetching the issuer's signing keys failed (HTTP 502 Bad Gateway); retry 1 of 4 in [N] ms
    oidc-assume: assumed arn:aws:sts::123456789012:assumed-role/octo-deploy/gha-11843209874-1-octo-org.octo-repo until 2026-11-24T13:00:00Z (no claim policy)
    ");
}

#[tokio::test(flavor = "multi_thread")]
async fn sts_transient_errors_are_retried_and_bounded() {
    // (first response, how often, attempts allowed, expected STS calls, exit code)
    let throttled = || sts_error(400, "Throttling", "Rate exceeded");
    let no_key = || {
        sts_error(
            400,
            "InvalidIdentityToken",
            "Couldn't retrieve verification key from your identity provider, please reference AssumeRoleWithWebIdentity documentation for requirements",
        )
    };
    let idp = || sts_error(400, "IDPCommunicationError", "The IdP is unavailable");
    let unavailable = || sts_error(503, "ServiceUnavailable", "Service unavailable");
    let truncated = || ResponseTemplate::new(200).set_body_string(&sts_success_xml("s")[..200]);
    let cases: Vec<(&str, ResponseTemplate, u64, &str, u64, i32)> = vec![
        ("throttling then success", throttled(), 2, "5", 3, 0),
        ("verification key then success", no_key(), 1, "5", 2, 0),
        ("IdP communication then success", idp(), 1, "5", 2, 0),
        ("5xx until attempts run out", unavailable(), 3, "3", 3, 5),
        (
            "truncated 200 until attempts run out",
            truncated(),
            2,
            "2",
            2,
            5,
        ),
        ("5xx with retries disabled", unavailable(), 1, "1", 1, 5),
    ];
    let mut reports = String::new();
    for (name, first, n, attempts, calls, code) in cases {
        let sts = MockServer::start().await;
        let rest = calls - n;
        flaky(&sts, "POST", "/", first, n, sts_ok(), rest).await;
        let out = Scenario::new()
            .await
            .sts_at(&sts)
            .input("retry-max-attempts", attempts)
            .run()
            .await;
        if out.code != code {
            panic!("{name}: exit {} (wanted {code})\n{}", out.code, out.stderr);
        }
        if code != 0 {
            out.assert_nothing_exported();
        }
        // STS calls are POSTs (a HEAD only opens the connection early).
        let received = sts
            .received_requests()
            .await
            .unwrap()
            .iter()
            .filter(|r| r.method == wiremock::http::Method::POST)
            .count() as u64;
        assert_eq!(received, calls, "{name}: STS calls\n{}", out.stderr);
        // Each retry is logged with the failure it follows.
        reports.push_str(&format!("=== {name}\n{}", out.stderr_normalized()));
    }
    insta::assert_snapshot!(reports);
}

#[tokio::test(flavor = "multi_thread")]
async fn sts_refusals_fail_at_once() {
    // One STS call each (the mock expects exactly one), no retry line, and quickly.
    let mut reports = String::new();
    for (code, message) in [
        (
            "AccessDenied",
            "Not authorized to perform sts:AssumeRoleWithWebIdentity",
        ),
        ("InvalidIdentityToken", "Incorrect token audience"),
        ("IDPRejectedClaim", "Claim rejected"),
        ("MalformedPolicyDocument", "Syntax errors in policy"),
        ("ValidationError", "1 validation error detected"),
    ] {
        let started = std::time::Instant::now();
        let out = Scenario::new()
            .await
            .sts(sts_error(400, code, message))
            .run()
            .await;
        out.assert_code(5).assert_nothing_exported();
        assert!(
            started.elapsed() < std::time::Duration::from_secs(3),
            "{code} took {:?}",
            started.elapsed()
        );
        reports.push_str(&format!("=== {code}\n{}", out.stderr_normalized()));
    }
    insta::assert_snapshot!(reports);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_expired_token_is_replaced_once() {
    let scenario = Scenario::new().await.no_token();
    let token = scenario.sign();
    Mock::given(method("GET"))
        .and(path("/idtoken"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({"value": token})))
        .expect(2)
        .mount(&scenario.github().server)
        .await;
    let sts = MockServer::start().await;
    let expired = sts_error(
        400,
        "ExpiredTokenException",
        "Token expired: current date/time 1700000400 must be before the expiration date/time 1700000300",
    );
    flaky(&sts, "POST", "/", expired, 1, sts_ok(), 1).await;
    let out = scenario.sts_at(&sts).run().await;
    out.assert_code(0);
    insta::assert_snapshot!(out.stderr_normalized(), @"
    oidc-assume: STS says the token expired; requesting a fresh one
    oidc-assume: assumed arn:aws:sts::123456789012:assumed-role/octo-deploy/gha-11843209874-1-octo-org.octo-repo until 2026-11-24T13:00:00Z (no claim policy)
    ");

    // Expired again: no endless loop, exit 5.
    let scenario = Scenario::new()
        .await
        .no_token()
        .sts_calls(sts_error(400, "ExpiredTokenException", "Token expired"), 2);
    Mock::given(method("GET"))
        .and(path("/idtoken"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(serde_json::json!({"value": scenario.sign()})),
        )
        .expect(2)
        .mount(&scenario.github().server)
        .await;
    let out = scenario.run().await;
    out.assert_code(5).assert_nothing_exported();
    insta::assert_snapshot!(out.stderr_normalized(), @"
    oidc-assume: STS says the token expired; requesting a fresh one
    ::stop-commands::[STOP-1]
    error: STS AssumeRoleWithWebIdentity failed: ExpiredTokenException: Token expired
    hint: the token expired before STS saw it: check the runner's clock
    ::[STOP-1]::
    ");
}

/// A port with nothing listening: bind, note the port, close.
fn closed_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The runner's token request URL on a local port that is not the GitHub stand-in.
fn request_url_on(port: u16) -> String {
    format!("http://127.0.0.1:{port}/idtoken?api-version=2.0")
}

#[tokio::test(flavor = "multi_thread")]
async fn refused_connections_are_retried_then_fail() {
    let port = closed_port();
    let out = Scenario::new()
        .await
        .sts_endpoint(&format!("http://127.0.0.1:{port}"))
        .input("retry-max-attempts", "2")
        .run()
        .await;
    out.assert_code(5).assert_nothing_exported();
    // One retry, then the connection failure is the error.
    insta::assert_snapshot!(out.stderr_normalized(), @"
    oidc-assume: calling STS AssumeRoleWithWebIdentity failed (connection failed: error sending request for url (http://127.0.0.1:STS_PORT/): client error (Connect): tcp connect error: Connection refused (os error 111)); retry 1 of 1 in [N] ms
    ::stop-commands::[STOP-1]
    error: STS AssumeRoleWithWebIdentity failed: connection failed: error sending request for url (http://127.0.0.1:STS_PORT/): client error (Connect): tcp connect error: Connection refused (os error 111)
    ::[STOP-1]::
    ");

    let out = Scenario::new()
        .await
        .no_token()
        .sts_unreached()
        .env("ACTIONS_ID_TOKEN_REQUEST_URL", &request_url_on(port))
        .input("retry-max-attempts", "2")
        .run()
        .await;
    out.assert_code(4).assert_nothing_exported();
    insta::assert_snapshot!(out.stderr_normalized(), @"
    oidc-assume: requesting the OIDC token failed (error sending request for url (http://127.0.0.1:PORT/idtoken?api-version=2.0&audience=sts.amazonaws.com): client error (Connect): tcp connect error: Connection refused (os error 111)); retry 1 of 1 in [N] ms
    ::stop-commands::[STOP-1]
    error: could not reach the runner's token endpoint: error sending request for url (http://127.0.0.1:PORT/idtoken?api-version=2.0&audience=sts.amazonaws.com): client error (Connect): tcp connect error: Connection refused (os error 111)
    ::[STOP-1]::
    ");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_server_that_never_answers_is_cut_off_by_timeouts() {
    // STS accepts and never answers (well, not within a minute).
    let sts = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(sts_ok().set_delay(std::time::Duration::from_secs(60)))
        .expect(2..=3) // timeouts at ~2 s and ~4 s, plus jittered backoff
        .mount(&sts)
        .await;
    let started = std::time::Instant::now();
    let out = Scenario::new()
        .await
        .sts_at(&sts)
        .input("action-timeout-s", "6")
        .run()
        .await;
    let elapsed = started.elapsed();
    out.assert_code(1).assert_nothing_exported();
    // Each request times out after a third of the bound (2 s) and is retried; the bound ends
    // it. How many attempts fit varies with the jitter, so the log is checked line by line.
    assert!(
        out.stderr
            .contains("calling STS AssumeRoleWithWebIdentity failed (timed out"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("did not finish within action-timeout-s (6 s); nothing was exported"),
        "{}",
        out.stderr
    );
    assert!(
        elapsed >= std::time::Duration::from_secs(5)
            && elapsed < std::time::Duration::from_secs(10),
        "{elapsed:?}"
    );
}

/// A TCP server that accepts, reads the request, and closes without answering.
fn resetting_server() -> (u16, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::io::Read;
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let accepted = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = accepted.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { break };
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf);
            drop(stream);
        }
    });
    (port, accepted)
}

#[tokio::test(flavor = "multi_thread")]
async fn connection_resets_are_retried_within_the_bound() {
    let (port, accepted) = resetting_server();
    let out = Scenario::new()
        .await
        .no_token()
        .sts_unreached()
        .env("ACTIONS_ID_TOKEN_REQUEST_URL", &request_url_on(port))
        .input("retry-max-attempts", "3")
        .run()
        .await;
    out.assert_code(4).assert_nothing_exported();
    assert_eq!(
        accepted.load(std::sync::atomic::Ordering::SeqCst),
        3,
        "{}",
        out.stderr
    );
    insta::assert_snapshot!(out.stderr_normalized(), @"
    oidc-assume: requesting the OIDC token failed (error sending request for url (http://127.0.0.1:PORT/idtoken?api-version=2.0&audience=sts.amazonaws.com): client error (SendRequest): connection closed before message completed); retry 1 of 2 in [N] ms
    oidc-assume: requesting the OIDC token failed (error sending request for url (http://127.0.0.1:PORT/idtoken?api-version=2.0&audience=sts.amazonaws.com): client error (SendRequest): connection closed before message completed); retry 2 of 2 in [N] ms
    ::stop-commands::[STOP-1]
    error: could not reach the runner's token endpoint: error sending request for url (http://127.0.0.1:PORT/idtoken?api-version=2.0&audience=sts.amazonaws.com): client error (SendRequest): connection closed before message completed
    ::[STOP-1]::
    ");
}

#[tokio::test(flavor = "multi_thread")]
async fn garbage_from_sts_is_retried_then_reported() {
    let mut reports = String::new();
    for body in [
        "<html><body>502 Bad Gateway</body></html>",
        "not xml at all",
        "",
    ] {
        let out = Scenario::new()
            .await
            .sts_calls(ResponseTemplate::new(200).set_body_string(body), 2)
            .input("retry-max-attempts", "2")
            .run()
            .await;
        out.assert_code(5).assert_nothing_exported();
        reports.push_str(&format!("=== {body:?}\n{}", out.stderr_normalized()));
    }
    insta::assert_snapshot!(reports);
}

/// A TCP server that answers 200 with a body it sends one byte every 400 ms.
fn trickling_server() -> u16 {
    use std::io::{Read, Write};
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { break };
            std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                let _ = stream.read(&mut buf);
                let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{");
                for _ in 0..1000 {
                    std::thread::sleep(std::time::Duration::from_millis(400));
                    if stream.write_all(b" ").is_err() {
                        break;
                    }
                }
            });
        }
    });
    port
}

#[tokio::test(flavor = "multi_thread")]
async fn a_trickling_body_is_cut_off_by_the_request_timeout() {
    let port = trickling_server();
    let started = std::time::Instant::now();
    let out = Scenario::new()
        .await
        .no_token()
        .sts_unreached()
        .env("ACTIONS_ID_TOKEN_REQUEST_URL", &request_url_on(port))
        .input("action-timeout-s", "3")
        .input("retry-max-attempts", "2")
        .run()
        .await;
    let elapsed = started.elapsed();
    // Each attempt is cut after 1 s (a third of the bound) although bytes keep arriving.
    // Two attempts of 1 s plus at most 200 ms of backoff fit in the 3 s bound: the token
    // failure (exit 4) ends the run, not the bound.
    out.assert_code(4).assert_nothing_exported();
    insta::assert_snapshot!(out.stderr_normalized(), @"
    oidc-assume: requesting the OIDC token failed (error decoding response body: request or response body error: operation timed out); retry 1 of 1 in [N] ms
    ::stop-commands::[STOP-1]
    error: could not reach the runner's token endpoint: error decoding response body: request or response body error: operation timed out
    ::[STOP-1]::
    ");
    assert!(elapsed < std::time::Duration::from_secs(6), "{elapsed:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_token_about_to_expire_is_replaced_before_sts_sees_it() {
    let scenario = Scenario::new().await.no_token();
    let fresh = scenario.sign();
    let scenario = scenario.claim("exp", now() + 20);
    let stale = scenario.sign();
    let github = scenario.github();
    Mock::given(method("GET"))
        .and(path("/idtoken"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({"value": stale})))
        .up_to_n_times(1)
        .expect(1)
        .mount(&github.server)
        .await;
    Mock::given(method("GET"))
        .and(path("/idtoken"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({"value": fresh})))
        .expect(1)
        .mount(&github.server)
        .await;
    let sts = MockServer::start().await;
    Mock::given(method("POST"))
        .and(wiremock::matchers::body_string_contains(format!(
            "WebIdentityToken={fresh}"
        )))
        .respond_with(sts_ok())
        .expect(1)
        .mount(&sts)
        .await;
    let out = scenario.sts_at(&sts).run().await;
    out.assert_code(0);
    insta::assert_snapshot!(out.stderr_normalized(), @"
    oidc-assume: the token expires in [N] s; requesting a fresh one
    oidc-assume: assumed arn:aws:sts::123456789012:assumed-role/octo-deploy/gha-11843209874-1-octo-org.octo-repo until 2026-11-24T13:00:00Z (no claim policy)
    ");
    assert!(
        out.stdout.contains(&format!("::add-mask::{fresh}")),
        "the fresh token is masked too"
    );
}
