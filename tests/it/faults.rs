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

fn sts_ok() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_string(sts_success_xml("s"))
}

#[tokio::test(flavor = "multi_thread")]
async fn token_endpoint_5xx_is_retried_then_succeeds() {
    let github = Github::start().await;
    let token = github.sign(&github.claims());
    flaky(
        &github.server,
        "GET",
        "/idtoken",
        ResponseTemplate::new(503),
        2,
        ResponseTemplate::new(200).set_body_json(serde_json::json!({"value": token})),
        1,
    )
    .await;
    let sts = mock_sts(sts_ok(), 1).await;
    let out = Run::action()
        .with_github(&github)
        .with_sts(&sts)
        .run()
        .await;
    out.assert_code(0).assert_no_leaks(&[&token]);
    assert!(
        out.stderr
            .contains("requesting the OIDC token failed (HTTP 503); retry 1 of 4 in"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("retry 2 of 4"), "{}", out.stderr);
}

#[tokio::test(flavor = "multi_thread")]
async fn token_endpoint_answers_that_cannot_improve_are_not_retried() {
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
    for (response, message) in cases {
        let github = Github::start().await;
        Mock::given(method("GET"))
            .and(path("/idtoken"))
            .respond_with(response)
            .expect(1)
            .mount(&github.server)
            .await;
        let out = Run::action().with_github(&github).run().await;
        out.assert_code(4).assert_nothing_exported();
        assert!(out.stderr.contains(message), "{message}: {}", out.stderr);
        assert!(!out.stderr.contains("retry"), "{}", out.stderr);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn empty_or_truncated_bodies_are_retried_within_the_bound() {
    for body in ["", r#"{"value": "eyJhbGciOi"#] {
        let github = Github::start().await;
        Mock::given(method("GET"))
            .and(path("/idtoken"))
            .respond_with(ResponseTemplate::new(200).set_body_string(body))
            .expect(3)
            .mount(&github.server)
            .await;
        let out = Run::action()
            .with_github(&github)
            .env("INPUT_RETRY-MAX-ATTEMPTS", "3")
            .run()
            .await;
        out.assert_code(4).assert_nothing_exported();
        assert!(
            out.stderr.contains("retry 2 of 2"),
            "{body:?}: {}",
            out.stderr
        );
    }
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
    github.serve_token(&github.sign(&github.claims())).await;
    let sts = mock_sts(sts_ok(), 1).await;
    let out = Run::action()
        .with_github(&github)
        .with_sts(&sts)
        .run()
        .await;
    out.assert_code(0);
    assert!(
        out.stderr.contains(
            "fetching the issuer's signing keys failed (HTTP 502 Bad Gateway); retry 1 of 4"
        ),
        "{}",
        out.stderr
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn sts_transient_errors_are_retried_and_bounded() {
    // (first response, how often, attempts allowed, expected STS calls, exit code)
    let throttled =
        || ResponseTemplate::new(400).set_body_string(sts_error_xml("Throttling", "Rate exceeded"));
    let no_key = || {
        ResponseTemplate::new(400).set_body_string(sts_error_xml(
        "InvalidIdentityToken",
        "Couldn't retrieve verification key from your identity provider, please reference AssumeRoleWithWebIdentity documentation for requirements",
    ))
    };
    let idp = || {
        ResponseTemplate::new(400).set_body_string(sts_error_xml(
            "IDPCommunicationError",
            "The IdP is unavailable",
        ))
    };
    let unavailable = || {
        ResponseTemplate::new(503)
            .set_body_string(sts_error_xml("ServiceUnavailable", "Service unavailable"))
    };
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
    for (name, first, n, attempts, calls, code) in cases {
        let github = Github::start().await;
        github.serve_token(&github.sign(&github.claims())).await;
        let sts = MockServer::start().await;
        let rest = calls - n;
        flaky(&sts, "POST", "/", first, n, sts_ok(), rest).await;
        let out = Run::action()
            .with_github(&github)
            .with_sts(&sts)
            .env("INPUT_RETRY-MAX-ATTEMPTS", attempts)
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
        if n > 0 && calls > 1 {
            assert!(
                out.stderr
                    .contains("calling STS AssumeRoleWithWebIdentity failed ("),
                "{name}: {}",
                out.stderr
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn sts_refusals_fail_at_once() {
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
        let github = Github::start().await;
        github.serve_token(&github.sign(&github.claims())).await;
        let sts = mock_sts(
            ResponseTemplate::new(400).set_body_string(sts_error_xml(code, message)),
            1,
        )
        .await;
        let started = std::time::Instant::now();
        let out = Run::action()
            .with_github(&github)
            .with_sts(&sts)
            .run()
            .await;
        out.assert_code(5).assert_nothing_exported();
        assert!(!out.stderr.contains("retry"), "{code}: {}", out.stderr);
        assert!(
            started.elapsed() < std::time::Duration::from_secs(3),
            "{code} took {:?}",
            started.elapsed()
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_expired_token_is_replaced_once() {
    let github = Github::start().await;
    let token = github.sign(&github.claims());
    Mock::given(method("GET"))
        .and(path("/idtoken"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({"value": token})))
        .expect(2)
        .mount(&github.server)
        .await;
    let sts = MockServer::start().await;
    let expired = ResponseTemplate::new(400).set_body_string(sts_error_xml("ExpiredTokenException", "Token expired: current date/time 1700000400 must be before the expiration date/time 1700000300"));
    flaky(&sts, "POST", "/", expired, 1, sts_ok(), 1).await;
    let out = Run::action()
        .with_github(&github)
        .with_sts(&sts)
        .run()
        .await;
    out.assert_code(0);
    assert!(
        out.stderr
            .contains("STS says the token expired; requesting a fresh one"),
        "{}",
        out.stderr
    );

    // Expired again: no endless loop, exit 5.
    let github = Github::start().await;
    Mock::given(method("GET"))
        .and(path("/idtoken"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(serde_json::json!({"value": github.sign(&github.claims())})),
        )
        .expect(2)
        .mount(&github.server)
        .await;
    let sts = mock_sts(
        ResponseTemplate::new(400)
            .set_body_string(sts_error_xml("ExpiredTokenException", "Token expired")),
        2,
    )
    .await;
    let out = Run::action()
        .with_github(&github)
        .with_sts(&sts)
        .run()
        .await;
    out.assert_code(5).assert_nothing_exported();
}

#[tokio::test(flavor = "multi_thread")]
async fn refused_connections_are_retried_then_fail() {
    // A port with nothing listening: bind, note the port, close.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let github = Github::start().await;
    github.serve_token(&github.sign(&github.claims())).await;
    let out = Run::action()
        .with_github(&github)
        .env("INPUT_STS-ENDPOINT", &format!("http://127.0.0.1:{port}"))
        .env("INPUT_RETRY-MAX-ATTEMPTS", "2")
        .run()
        .await;
    out.assert_code(5).assert_nothing_exported();
    assert!(out.stderr.contains("connection failed"), "{}", out.stderr);
    assert!(out.stderr.contains("retry 1 of 1"), "{}", out.stderr);

    let out = Run::action()
        .with_github(&github)
        .env(
            "ACTIONS_ID_TOKEN_REQUEST_URL",
            &format!("http://127.0.0.1:{port}/idtoken?api-version=2.0"),
        )
        .env("INPUT_RETRY-MAX-ATTEMPTS", "2")
        .run()
        .await;
    out.assert_code(4).assert_nothing_exported();
    assert!(
        out.stderr.contains("requesting the OIDC token failed ("),
        "{}",
        out.stderr
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_server_that_never_answers_is_cut_off_by_timeouts() {
    let github = Github::start().await;
    github.serve_token(&github.sign(&github.claims())).await;
    // STS accepts and never answers (well, not within a minute).
    let sts = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(sts_ok().set_delay(std::time::Duration::from_secs(60)))
        .expect(2..=3) // timeouts at ~2 s and ~4 s, plus jittered backoff
        .mount(&sts)
        .await;
    let started = std::time::Instant::now();
    let out = Run::action()
        .with_github(&github)
        .with_sts(&sts)
        .env("INPUT_ACTION-TIMEOUT-S", "6")
        .run()
        .await;
    let elapsed = started.elapsed();
    out.assert_code(1).assert_nothing_exported();
    // Each request times out after a third of the bound (2 s) and is retried; the bound ends it.
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
    let github = Github::start().await;
    let out = Run::action()
        .with_github(&github)
        .env(
            "ACTIONS_ID_TOKEN_REQUEST_URL",
            &format!("http://127.0.0.1:{port}/idtoken?api-version=2.0"),
        )
        .env("INPUT_RETRY-MAX-ATTEMPTS", "3")
        .run()
        .await;
    out.assert_code(4).assert_nothing_exported();
    assert_eq!(
        accepted.load(std::sync::atomic::Ordering::SeqCst),
        3,
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("retry 2 of 2"), "{}", out.stderr);
}

#[tokio::test(flavor = "multi_thread")]
async fn garbage_from_sts_is_retried_then_reported() {
    for body in [
        "<html><body>502 Bad Gateway</body></html>",
        "not xml at all",
        "",
    ] {
        let github = Github::start().await;
        github.serve_token(&github.sign(&github.claims())).await;
        let sts = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(200).set_body_string(body))
            .mount(&sts)
            .await;
        let out = Run::action()
            .with_github(&github)
            .with_sts(&sts)
            .env("INPUT_RETRY-MAX-ATTEMPTS", "2")
            .run()
            .await;
        out.assert_code(5).assert_nothing_exported();
        assert!(
            out.stderr.contains("STS AssumeRoleWithWebIdentity failed"),
            "{body:?}: {}",
            out.stderr
        );
    }
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
    let github = Github::start().await;
    let started = std::time::Instant::now();
    let out = Run::action()
        .with_github(&github)
        .env(
            "ACTIONS_ID_TOKEN_REQUEST_URL",
            &format!("http://127.0.0.1:{port}/idtoken?api-version=2.0"),
        )
        .env("INPUT_ACTION-TIMEOUT-S", "3")
        .env("INPUT_RETRY-MAX-ATTEMPTS", "2")
        .run()
        .await;
    let elapsed = started.elapsed();
    // Each attempt is cut after 1 s (a third of the bound) although bytes keep arriving.
    assert!(
        out.stderr.contains("requesting the OIDC token failed ("),
        "{}",
        out.stderr
    );
    // Two attempts of 1 s plus at most 200 ms of backoff fit in the 3 s bound: the token
    // failure (exit 4) ends the run, not the bound.
    out.assert_code(4).assert_nothing_exported();
    assert!(out.stderr.contains("retry 1 of 1"), "{}", out.stderr);
    assert!(out.stderr.contains("timed out"), "{}", out.stderr);
    assert!(elapsed < std::time::Duration::from_secs(6), "{elapsed:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_token_about_to_expire_is_replaced_before_sts_sees_it() {
    let github = Github::start().await;
    let mut stale = github.claims();
    stale["exp"] = serde_json::json!(now() + 20);
    let stale = github.sign(&stale);
    let fresh = github.sign(&github.claims());
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
    let out = Run::action()
        .with_github(&github)
        .with_sts(&sts)
        .run()
        .await;
    out.assert_code(0);
    assert!(
        out.stderr.contains("the token expires in "),
        "{}",
        out.stderr
    );
    assert!(
        out.stdout.contains(&format!("::add-mask::{fresh}")),
        "the fresh token is masked too"
    );
}
