//! Messages seen in use (issue #17): each names the cause and the fix, on the real binary.
//! A 200 from "STS" that is a proxy's page, on the unsigned and the signed path; the runner's
//! token endpoint answering 404 with an empty body; static keys exported without a token, whose
//! report says where they came from rather than "no claim policy".

use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

use crate::common::*;

const STATIC_KEY: &str = "AKIAIOSFODNN7EXAMPLE";
const STATIC_SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

/// A captive proxy's sign-in page, as some corporate proxies serve it with a 200.
const PROXY_PAGE: &str = "<html>\n  <head><title>Sign in to continue</title></head>\n  <body>Proxy authentication required</body>\n</html>\n";

/// The exit code and stderr, the two things a reader of the job log sees first.
fn exit_and_stderr(out: &Outcome) -> String {
    format!("exit: {}\n{}", out.code, out.stderr_normalized())
}

/// What a proxy or a wrong endpoint answers in STS's place: its page, or nothing.
fn not_sts() -> [(&'static str, ResponseTemplate); 2] {
    [
        (
            "a proxy's sign-in page",
            ResponseTemplate::new(200).set_body_raw(PROXY_PAGE, "text/html; charset=utf-8"),
        ),
        ("an empty body", ResponseTemplate::new(200)),
    ]
}

#[tokio::test(flavor = "multi_thread")]
async fn a_200_from_sts_that_is_a_proxy_page_names_the_proxy_and_the_endpoint() {
    let mut reports = String::new();
    for (name, response) in not_sts() {
        let out = Scenario::new()
            .await
            .sts(response)
            .input("retry-max-attempts", "1")
            .run()
            .await;
        out.assert_code(5).assert_nothing_exported();
        reports.push_str(&format!("=== {name}\n{}", exit_and_stderr(&out)));
    }
    insta::assert_snapshot!(reports, @"
    === a proxy's sign-in page
    exit: 5
    ::stop-commands::[STOP-1]
    error: STS AssumeRoleWithWebIdentity failed: the answer did not come from STS: `http://127.0.0.1:STS_PORT/` answered HTTP 200 with content type `text/html; charset=utf-8` and a body that starts `<html> <head><title>Sign in to continue</title></head> <body>Proxy authentication required</body> </html>`
    hint: a proxy (`http-proxy`, HTTPS_PROXY or the runner's) or a wrong `sts-endpoint` answered in STS's place: check that `sts-endpoint` (or AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL) is unset or names STS, and that the proxy lets STS's host through or `no-proxy` lists it
    ::[STOP-1]::
    === an empty body
    exit: 5
    ::stop-commands::[STOP-1]
    error: STS AssumeRoleWithWebIdentity failed: the answer did not come from STS: `http://127.0.0.1:STS_PORT/` answered HTTP 200 with content type none and an empty body
    hint: a proxy (`http-proxy`, HTTPS_PROXY or the runner's) or a wrong `sts-endpoint` answered in STS's place: check that `sts-endpoint` (or AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL) is unset or names STS, and that the proxy lets STS's host through or `no-proxy` lists it
    ::[STOP-1]::
    ");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_200_from_sts_that_is_a_proxy_page_is_named_on_the_signed_path_too() {
    // Static keys and a role: AssumeRole, signed, through the AWS SDK.
    let mut reports = String::new();
    for (name, response) in not_sts() {
        let out = Scenario::new()
            .await
            .without_oidc()
            .input("aws-access-key-id", STATIC_KEY)
            .input("aws-secret-access-key", STATIC_SECRET)
            .input("retry-max-attempts", "1")
            .sts(response)
            .run()
            .await;
        out.assert_code(5).assert_nothing_exported();
        reports.push_str(&format!("=== {name}\n{}", exit_and_stderr(&out)));
    }
    insta::assert_snapshot!(reports, @"
    === a proxy's sign-in page
    exit: 5
    ::stop-commands::[STOP-1]
    error: STS AssumeRole failed: the answer did not come from STS: `http://127.0.0.1:STS_PORT/` answered HTTP 200 with content type `text/html; charset=utf-8` and a body that starts `<html> <head><title>Sign in to continue</title></head> <body>Proxy authentication required</body> </html>`
    hint: a proxy (`http-proxy`, HTTPS_PROXY or the runner's) or a wrong `sts-endpoint` answered in STS's place: check that `sts-endpoint` (or AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL) is unset or names STS, and that the proxy lets STS's host through or `no-proxy` lists it
    ::[STOP-1]::
    === an empty body
    exit: 5
    ::stop-commands::[STOP-1]
    error: STS AssumeRole failed: the answer did not come from STS: `http://127.0.0.1:STS_PORT/` answered HTTP 200 with content type none and an empty body
    hint: a proxy (`http-proxy`, HTTPS_PROXY or the runner's) or a wrong `sts-endpoint` answered in STS's place: check that `sts-endpoint` (or AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL) is unset or names STS, and that the proxy lets STS's host through or `no-proxy` lists it
    ::[STOP-1]::
    ");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_token_endpoint_404_with_an_empty_body_names_the_endpoint_and_what_404_means() {
    let scenario = Scenario::new().await.no_token().sts_unreached();
    Mock::given(method("GET"))
        .and(path("/idtoken"))
        .respond_with(ResponseTemplate::new(404))
        .expect(1)
        .mount(&scenario.github().server)
        .await;
    let out = scenario.run().await;
    out.assert_code(4).assert_nothing_exported();
    // The endpoint without its query, and no empty quotes.
    assert!(!out.stderr.contains("``"), "{}", out.stderr);
    assert!(!out.stderr.contains("api-version"), "{}", out.stderr);
    insta::assert_snapshot!(exit_and_stderr(&out), @"
    exit: 4
    ::stop-commands::[STOP-1]
    error: the runner's token endpoint `http://127.0.0.1:GITHUB_PORT/idtoken` answered HTTP 404 with an empty body
    hint: ACTIONS_ID_TOKEN_REQUEST_URL names no token endpoint: it is stale (kept from an earlier job, or set by hand in `env:`) or not the runner's; let the runner set it. A missing `id-token: write` leaves it unset and a refused request token gives 401 or 403, not 404; on GitHub Enterprise Server, check that your version offers Actions OIDC tokens
    ::[STOP-1]::
    ");
}

#[tokio::test]
async fn exported_static_keys_say_where_they_came_from_not_no_claim_policy() {
    let moto = Moto::start();
    let out = Scenario::new()
        .await
        .without_oidc()
        .with_moto(&moto)
        .without_input("role-to-assume")
        .input("aws-access-key-id", STATIC_KEY)
        .input("aws-secret-access-key", STATIC_SECRET)
        .run()
        .await;
    out.assert_code(0);
    assert!(!out.stderr.contains("(no claim policy)"), "{}", out.stderr);
    assert!(!out.summary.contains("no claim policy)"), "{}", out.summary);
    let report = format!("{}--- step summary\n{}", exit_and_stderr(&out), out.summary);
    insta::assert_snapshot!(report, @"
    exit: 0
    oidc-assume: exported the static keys of arn:aws:sts::123456789012:user/moto as they are (from the `aws-access-key-id` input; no token, so no claim policy applies)
    --- step summary
    ### oidc-assume

    | | |
    |---|---|
    | Identity | `arn:aws:sts::123456789012:user/moto` |
    | Account | `123456789012` |
    | Session | none (static keys) |
    | Expires | never (static keys) |
    | Source | the `aws-access-key-id` input (no token, so no claim policy applies) |
    ");
}
