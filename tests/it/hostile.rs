//! Hostile input: every input has malformed cases; each is refused before any request with
//! exit 2, an error naming the input, a hint, and nothing written to the runner's files.

use std::collections::BTreeSet;

use oidc_assume::inputs::INPUTS;

use crate::common::*;

fn cases() -> Vec<(&'static str, String)> {
    let s = |v: &str| v.to_string();
    let eleven: Vec<String> = (0..11)
        .map(|i| format!("arn:aws:iam::aws:policy/P{i}"))
        .collect();
    vec![
        (
            "role-to-assume",
            s("arn:aws:iam::123456789012:role/x\nAWS_SECRET_ACCESS_KEY=1"),
        ),
        (
            "role-to-assume",
            s("arn:aws:iam::123456789012:role/d\u{0435}ploy"),
        ), // Cyrillic е
        (
            "role-to-assume",
            format!("arn:aws:iam::123456789012:role/{}", "a".repeat(3000)),
        ),
        ("role-to-assume", s("arn:aws:s3:::my-bucket")),
        ("role-to-assume", s("arn:aws-cn:iam::123456789012:role/x")), // region is eu-central-1
        ("aws-region", s("eu-central-1\nAWS_REGION=x")),
        ("aws-region", s("\u{ff45}u-central-1")), // full-width e
        ("aws-region", "x".repeat(500)),
        ("audience", s("sts.amazonaws.com\r\nX-Injected: 1")),
        ("audience", "a".repeat(300)),
        ("role-session-name", s("a")),
        ("role-session-name", "x".repeat(65)),
        ("role-session-name", s("sessi\u{f3}n")),
        ("role-duration-seconds", s("899")),
        ("role-duration-seconds", s("43201")),
        ("role-duration-seconds", s("3600s")),
        ("role-duration-seconds", s("-1")),
        ("role-duration-seconds", s("99999999999999999999")),
        ("inline-session-policy", s("{")),
        ("inline-session-policy", s("null")),
        (
            "inline-session-policy",
            format!(r#"{{"Sid":"{}"}}"#, "x".repeat(2100)),
        ),
        (
            "managed-session-policies",
            s("arn:aws:iam::aws:policy/A\narn:aws:s3:::b"),
        ),
        ("managed-session-policies", eleven.join(",")),
        ("mask-aws-account-id", s("yes")),
        ("output-credentials", s("1")),
        ("output-env-credentials", s("on")),
        ("policy", s("does-not-exist.toml")),
        ("policy", s("a-directory")),
        ("allowed-repositories", s("*")),
        ("allowed-refs", s("re:(")),
        ("allowed-environments", s("re:[z-a]")),
        ("allowed-events", s("pull_request_target")),
        ("allowed-events", s("Push")),
        ("web-identity-token-file", s("missing.jwt")),
        ("web-identity-token-file", s("a-directory")),
        ("issuer", s("http://token.example.com")),
        ("issuer", s("token.actions.githubusercontent.com")),
        ("issuer", s("https://user:secret@token.example.com")),
        ("sts-endpoint", s("http://10.0.0.1:4566")),
        ("sts-endpoint", s("ftp://sts.example.com")),
        ("action-timeout-s", s("0")),
        ("action-timeout-s", s("3601")),
        ("action-timeout-s", s("1e3")),
        ("retry-max-attempts", s("0")),
        ("retry-max-attempts", s("21")),
        ("retry-max-attempts", s("five")),
        ("disable-retry", s("no")),
        ("insecure-skip-signature-verification", s("TRUE!")),
        ("role-chaining", s("maybe")),
        ("chain-roles", s("arn:aws:iam::123:role/short-account")),
        (
            "chain-roles",
            s("arn:aws:iam::210987654321:user/not-a-role"),
        ),
        ("role-external-id", s("x")),
        ("role-external-id", s("id with spaces")),
        ("role-skip-session-tagging", s("nope")),
        ("transitive-tag-keys", s("Team,bad key!")),
        ("custom-tags", s("[1]")),
        ("custom-tags", s(r#"{"Team":{"nested":1}}"#)),
        ("custom-tags", s(r#"{"Team":"a\nAWS_REGION=x"}"#)),
        ("aws-access-key-id", s("AKIAIOSFODNN7EXAMPLE")), // without its secret
        ("aws-secret-access-key", s("wJalrXUtnFEMI/K7MDENG")), // without its key id
        ("aws-session-token", s("FwoGZXIvYXdzEXAMPLE")),  // without a key pair
        ("aws-profile", s("my profile")),
        ("aws-profile", s("[default]")),
        ("overwrite-aws-profile", s("perhaps")),
        ("roles", s("deploy = ")),
        ("roles", s("deploy = 42")),
        (
            "roles",
            s(r#"deploy = { role = "arn:aws:iam::123456789012:role/x", colour = "red" }"#),
        ),
        (
            "roles",
            s(r#""bad name" = "arn:aws:iam::123456789012:role/x""#),
        ),
        ("unset-current-credentials", s("y")),
        ("allowed-account-ids", s("1234")),
        ("allowed-account-ids", s("123456789012,12345678901a")),
        ("use-existing-credentials", s("si")),
        ("force-skip-oidc", s("0")),
        ("http-proxy", s("socks5://proxy.internal:1080")),
        ("http-proxy", s("not a url")),
        ("no-proxy", s("internal.example\nAWS_REGION=x")),
        ("ca-bundle", s("missing.pem")),
        ("ca-bundle", s("a-directory")),
        ("cleanup", s("sometimes")),
        ("refresh-credentials", s("always")),
        ("special-characters-workaround", s("maybe")),
        ("trust-policy-file", s("missing.json")),
        ("trust-policy-file", s("a-directory")),
    ]
}

#[test]
fn every_input_has_a_malformed_case() {
    let covered: BTreeSet<&str> = cases().iter().map(|(name, _)| *name).collect();
    let all: BTreeSet<&str> = INPUTS.iter().map(|i| i.name).collect();
    assert_eq!(covered, all);
}

#[tokio::test(flavor = "multi_thread")]
async fn malformed_inputs_are_refused_before_any_request() {
    let mut reports = String::new();
    for (input, value) in cases() {
        // No token is served and STS must not be called: no request may be made.
        let scenario = Scenario::new().await.no_token().sts_unreached();
        let github = scenario.github();
        let out = scenario.dir("a-directory").input(input, &value).run().await;
        let shown = value.chars().take(40).collect::<String>();
        assert_eq!(
            out.code, 2,
            "{input}={shown:?}: exit {}\n{}",
            out.code, out.stderr
        );
        out.assert_nothing_exported();
        assert!(
            out.stderr.contains(&format!("`{input}`")),
            "{input}={shown:?}: the error must name the input\n{}",
            out.stderr
        );
        assert!(
            out.stderr.contains("hint: "),
            "{input}={shown:?}: no hint\n{}",
            out.stderr
        );
        // Values are shown escaped and cut: no raw newline from the value, no 3000-char line.
        assert!(
            out.stderr.lines().all(|l| l.len() < 1000),
            "{input}: {}",
            out.stderr
        );
        assert!(
            !out.stderr.contains("X-Injected: 1\n") && !out.stderr.contains("\nAWS_REGION=x"),
            "{}",
            out.stderr
        );
        assert!(
            github.server.received_requests().await.unwrap().is_empty(),
            "{input}={shown:?}: no request may be made"
        );
        reports.push_str(&format!(
            "=== {input}={shown:?}\n{}",
            out.stderr_normalized()
        ));
    }
    // What each refusal says, for review: the input, the value shown escaped and cut, the hint.
    insta::assert_snapshot!(reports);
}

#[tokio::test(flavor = "multi_thread")]
async fn hostile_policy_files_are_refused_with_exit_2() {
    let files: &[(&str, &str)] = &[
        (
            "NUL byte",
            "version = 1\n[[allow]]\nname = \"a\u{0}\"\nref = \"x\"\n",
        ),
        (
            "unknown key",
            "version = 1\n[[allow]]\nname = \"a\"\nrepo = \"o/r\"\n",
        ),
        (
            "wrong type",
            "version = 1\n[[allow]]\nname = \"a\"\nrepository_id = 74\n",
        ),
        (
            "invalid regex",
            "version = 1\n[[allow]]\nname = \"a\"\nref = \"re:(\"\n",
        ),
        (
            "oversized regex",
            "version = 1\n[[allow]]\nname = \"a\"\nref = \"re:(a{1000}){1000}\"\n",
        ),
        (
            "identity wildcard",
            "version = 1\n[[allow]]\nname = \"a\"\nsub = \"**\"\n",
        ),
        (
            "duplicate key",
            "version = 1\n[[allow]]\nname = \"a\"\nref = \"x\"\nref = \"y\"\n",
        ),
        ("not TOML", "{\"version\": 1}"),
        ("empty", ""),
        (
            "deep nesting",
            &format!(
                "version = 1\nx = {}1{}\n",
                "[".repeat(5000),
                "]".repeat(5000)
            ),
        ),
    ];
    let mut reports = String::new();
    for (name, policy) in files {
        let scenario = Scenario::new().await.no_token().sts_unreached();
        let github = scenario.github();
        let out = scenario
            .file("policy.toml", policy)
            .input("policy", "policy.toml")
            .run()
            .await;
        assert_eq!(out.code, 2, "{name}: exit {}\n{}", out.code, out.stderr);
        out.assert_nothing_exported();
        assert!(
            out.stderr.contains("policy.toml:"),
            "{name}: the error must name the file and line\n{}",
            out.stderr
        );
        assert!(github.server.received_requests().await.unwrap().is_empty());
        reports.push_str(&format!("=== {name}\n{}", out.stderr_normalized()));
    }
    insta::assert_snapshot!(reports);
}
