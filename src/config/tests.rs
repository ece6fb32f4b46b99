//! Table tests of the input checks: every input's good and bad values, defaults, fallbacks.

use super::network::MAX_REQUEST_TIMEOUT;
use super::roles::parse_roles;
use super::*;
use crate::aws::{RoleArn, RoleRef};
use crate::env::Env;
use crate::github::GITHUB_COM_ISSUER;
use crate::inputs::{Flags, Input, InputError};

fn config(pairs: &[(&str, &str)], mode: Mode) -> Result<Config, InputErrors> {
    let env = Env::from_pairs(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    let flags = Flags::new();
    Config::from_inputs(Inputs::new(&flags, &env), mode)
}

const ROLE: (&str, &str) = (
    "INPUT_ROLE-TO-ASSUME",
    "arn:aws:iam::123456789012:role/deploy",
);
const REGION: (&str, &str) = ("INPUT_AWS-REGION", "eu-central-1");

fn one_error(pairs: &[(&str, &str)]) -> InputError {
    let mut all = vec![ROLE, REGION];
    all.extend_from_slice(pairs);
    let errors = config(&all, Mode::Action).unwrap_err().0;
    assert_eq!(errors.len(), 1, "{errors:#?}");
    errors.into_iter().next().unwrap()
}

#[test]
fn defaults() {
    let c = config(&[ROLE, REGION], Mode::Action).unwrap();
    assert_eq!(c.oidc.audience, "sts.amazonaws.com");
    assert_eq!(c.session.duration, 3600);
    assert_eq!(c.issuer, GITHUB_COM_ISSUER);
    assert!(
        c.exports.env_credentials && !c.exports.output_credentials && !c.exports.mask_account_id
    );
    assert_eq!(
        c.policy,
        PolicySource::File {
            path: DEFAULT_POLICY_PATH.into(),
            explicit: false
        }
    );
    assert!(matches!(&c.roles.role, Some(RoleRef::Arn(r)) if r.account == "123456789012"));
    assert!(matches!(c.credentials.source, Source::WebIdentity(_)));
    assert_eq!(c.network.sts_endpoint, None);
}

#[test]
fn names_and_numbers_in_arns_are_ascii_only() {
    for policy in [
        "arn:aws:iam::aws:policy/Re\u{e4}dOnly",
        "arn:aws:iam::\u{661}23456789012:policy/p",
    ] {
        let e = one_error(&[("INPUT_MANAGED-SESSION-POLICIES", policy)]);
        assert_eq!(e.input, "managed-session-policies", "{policy}");
    }
    assert!(RoleArn::parse("arn:aws:iam::\u{661}\u{662}3456789012:role/x").is_err());
    assert!(RoleArn::parse("arn:aws:iam::123456789012:role/caf\u{e9}").is_err());
    let c = config(
        &[ROLE, REGION, ("INPUT_MANAGED-SESSION-POLICIES", "arn:aws:iam::aws:policy/ReadOnlyAccess, arn:aws:iam::123456789012:policy/team/ci-boundary")],
        Mode::Action,
    )
    .unwrap();
    assert_eq!(c.session.managed_policies.len(), 2);
}

#[test]
fn the_source_follows_the_inputs() {
    let keys = [
        ("INPUT_AWS-ACCESS-KEY-ID", "AKIAIOSFODNN7EXAMPLE"),
        ("INPUT_AWS-SECRET-ACCESS-KEY", "secret"),
    ];
    let c = config(&[ROLE, REGION, keys[0], keys[1]], Mode::Action).unwrap();
    assert!(matches!(c.credentials.source, Source::Keys(_)));
    // Keys alone: exported as they are, no role needed.
    let c = config(&[REGION, keys[0], keys[1]], Mode::Action).unwrap();
    assert!(c.roles.role.is_none());
    for flag in ["INPUT_ROLE-CHAINING", "INPUT_FORCE-SKIP-OIDC"] {
        let c = config(&[ROLE, REGION, (flag, "true")], Mode::Action).unwrap();
        assert!(matches!(c.credentials.source, Source::Existing), "{flag}");
    }
    // A dry run always mints a token, whatever keys say.
    let c = config(&[keys[0], keys[1]], Mode::DryRun).unwrap();
    assert!(matches!(c.credentials.source, Source::WebIdentity(_)));
}

#[test]
fn bare_role_names_need_a_known_account() {
    let name = ("INPUT_ROLE-TO-ASSUME", "deploy");
    let e = config(&[name, REGION], Mode::Action).unwrap_err().0;
    assert_eq!(e[0].input, "role-to-assume");
    assert!(e[0].problem.contains("bare role name"), "{}", e[0].problem);
    let c = config(
        &[name, REGION, ("INPUT_ALLOWED-ACCOUNT-IDS", "210987654321")],
        Mode::Action,
    )
    .unwrap();
    let role = c.roles.role.unwrap().resolve("aws", "210987654321");
    assert_eq!(role.arn, "arn:aws:iam::210987654321:role/deploy");
    let c = config(
        &[name, REGION, ("INPUT_ROLE-CHAINING", "true")],
        Mode::Action,
    )
    .unwrap();
    assert_eq!(c.roles.role, Some(RoleRef::Name("deploy".into())));
}

#[test]
fn roles_input_is_strict_toml() {
    let ok = parse_roles(
        "deploy = \"arn:aws:iam::111111111111:role/deploy\"\n\
         audit = { role = \"arn:aws:iam::222222222222:role/a\", chain = \"arn:aws:iam::333333333333:role/r\", duration = 900, region = \"us-west-2\" }\n\
         many = { role = \"arn:aws:iam::222222222222:role/a\", chain = [\"arn:aws:iam::333333333333:role/r\", \"arn:aws:iam::444444444444:role/s\"] }",
    )
    .unwrap();
    assert_eq!(ok.len(), 3);
    assert_eq!(ok[0].profile, "deploy");
    assert_eq!(ok[1].chain.len(), 1);
    assert_eq!(ok[1].duration, Some(900));
    assert_eq!(ok[1].region.as_deref(), Some("us-west-2"));
    assert_eq!(ok[2].chain.len(), 2);
    for (text, needle) in [
        ("", "names no profile"),
        ("deploy = ", "not valid TOML"),
        ("deploy = 42", "expected a role ARN"),
        (
            "deploy = { role = \"arn:aws:iam::111111111111:role/d\", colour = 1 }",
            "expected a role ARN",
        ),
        ("deploy = \"arn:aws:iam::1:role/d\"", "profile `deploy`"),
        (
            "deploy = { role = \"arn:aws:iam::111111111111:role/d\", duration = 60 }",
            "not from 900",
        ),
        (
            "deploy = { role = \"arn:aws:iam::111111111111:role/d\", region = \"mars-1\" }",
            "not an AWS region",
        ),
        (
            "\"a b\" = \"arn:aws:iam::111111111111:role/d\"",
            "not a usable profile name",
        ),
    ] {
        let error = parse_roles(text).unwrap_err();
        assert!(error.contains(needle), "{text:?}: {error}");
    }
}

#[test]
fn custom_tags_and_transitive_keys_are_checked() {
    let c = config(
        &[
            ROLE,
            REGION,
            (
                "INPUT_CUSTOM-TAGS",
                r#"{"Team":"platform","Cost":42,"Live":true}"#,
            ),
        ],
        Mode::Action,
    )
    .unwrap();
    assert_eq!(
        c.session.tagging.custom,
        // Sorted by key: the order of tags means nothing to STS.
        [
            ("Cost".to_string(), "42".to_string()),
            ("Live".to_string(), "true".to_string()),
            ("Team".to_string(), "platform".to_string())
        ]
    );
    let fifty_one: serde_json::Map<String, serde_json::Value> = (0..51)
        .map(|i| (format!("k{i}"), serde_json::Value::from("v")))
        .collect();
    let text = serde_json::Value::Object(fifty_one).to_string();
    assert!(
        one_error(&[("INPUT_CUSTOM-TAGS", &text)])
            .problem
            .contains("at most 50")
    );
}

#[test]
fn flag_wins_over_env() {
    let env = Env::from_pairs([ROLE, REGION]);
    let mut flags = Flags::new();
    flags.insert(Input::AwsRegion, "us-west-2".into());
    let c = Config::from_inputs(Inputs::new(&flags, &env), Mode::Action).unwrap();
    assert_eq!(c.region, "us-west-2");
}

#[test]
fn region_falls_back_to_aws_env() {
    let c = config(
        &[ROLE, ("AWS_DEFAULT_REGION", "ap-southeast-2")],
        Mode::Action,
    )
    .unwrap();
    assert_eq!(c.region, "ap-southeast-2");
    let c = config(
        &[
            ROLE,
            ("AWS_REGION", "eu-west-1"),
            ("AWS_DEFAULT_REGION", "ap-southeast-2"),
        ],
        Mode::Action,
    )
    .unwrap();
    assert_eq!(c.region, "eu-west-1");
}

#[test]
fn required_inputs_are_all_reported_at_once() {
    let errors = config(&[], Mode::Action).unwrap_err().0;
    let names: Vec<&str> = errors.iter().map(|e| e.input.as_str()).collect();
    assert_eq!(names, ["role-to-assume", "aws-region"]);
}

/// Issue #14: `role-to-asume` gets more than "`role-to-assume` is required".
#[test]
fn a_missing_required_input_names_its_misspelling() {
    let errors = config(
        &[
            ("INPUT_ROLE-TO-ASUME", "arn:aws:iam::123456789012:role/x"),
            ("INPUT_AWS_REGION", "eu-west-1"),
        ],
        Mode::Action,
    )
    .unwrap_err()
    .0;
    let problems: Vec<(&str, &str, &str)> = errors
        .iter()
        .map(|e| (e.input.as_str(), e.problem.as_str(), e.hint.as_str()))
        .collect();
    assert_eq!(
        problems,
        [
            (
                "role-to-assume",
                "is required; `role-to-asume` is set (INPUT_ROLE-TO-ASUME), a misspelling of `role-to-assume`?",
                "rename `role-to-asume` to `role-to-assume` under `with:`"
            ),
            (
                "aws-region",
                "is required (and neither AWS_REGION nor AWS_DEFAULT_REGION is set); `aws_region` is set (INPUT_AWS_REGION), a misspelling of `aws-region`?",
                "rename `aws_region` to `aws-region` under `with:`"
            ),
        ]
    );
}

#[test]
fn dry_run_supplies_role_and_region() {
    let c = config(&[], Mode::DryRun).unwrap();
    assert!(matches!(&c.roles.role, Some(RoleRef::Arn(r)) if r.arn == DRY_RUN_ROLE));
    assert_eq!(c.region, DRY_RUN_REGION);
}

#[test]
fn partition_must_match_region() {
    let e = one_error(&[("INPUT_AWS-REGION", "cn-north-1")]);
    assert_eq!(e.input, "role-to-assume");
    assert!(e.problem.contains("`aws-cn`"), "{}", e.problem);
    let env = [
        (
            "INPUT_ROLE-TO-ASSUME",
            "arn:aws-us-gov:iam::123456789012:role/x",
        ),
        ("INPUT_AWS-REGION", "us-gov-west-1"),
    ];
    assert!(config(&env, Mode::Action).is_ok());
}

#[test]
fn invalid_inputs_name_the_input() {
    let cases: &[(&str, &str, &str)] = &[
        ("INPUT_AWS-REGION", "us-east-1\nX=1", "aws-region"),
        ("INPUT_AWS-REGION", "US-EAST-1", "aws-region"),
        (
            "INPUT_ROLE-DURATION-SECONDS",
            "899",
            "role-duration-seconds",
        ),
        (
            "INPUT_ROLE-DURATION-SECONDS",
            "43201",
            "role-duration-seconds",
        ),
        ("INPUT_ROLE-DURATION-SECONDS", "1h", "role-duration-seconds"),
        (
            "INPUT_ROLE-DURATION-SECONDS",
            "+3600",
            "role-duration-seconds",
        ),
        ("INPUT_ROLE-SESSION-NAME", "a", "role-session-name"),
        ("INPUT_ROLE-SESSION-NAME", "has space", "role-session-name"),
        ("INPUT_ROLE-SESSION-NAME", "ünicode", "role-session-name"),
        ("INPUT_MASK-AWS-ACCOUNT-ID", "yes", "mask-aws-account-id"),
        ("INPUT_OUTPUT-CREDENTIALS", "1", "output-credentials"),
        (
            "INPUT_INLINE-SESSION-POLICY",
            "{not json",
            "inline-session-policy",
        ),
        (
            "INPUT_INLINE-SESSION-POLICY",
            "[1,2]",
            "inline-session-policy",
        ),
        (
            "INPUT_MANAGED-SESSION-POLICIES",
            "arn:aws:iam::aws:role/x",
            "managed-session-policies",
        ),
        ("INPUT_AUDIENCE", "sts.amazonaws.com extra", "audience"),
        ("INPUT_ISSUER", "http://token.example.com", "issuer"),
        ("INPUT_ISSUER", "ftp://x", "issuer"),
        ("INPUT_STS-ENDPOINT", "http://10.0.0.1:4566", "sts-endpoint"),
        ("AWS_ENDPOINT_URL_STS", "not a url", "AWS_ENDPOINT_URL_STS"),
        ("INPUT_POLICY", "p.toml", "policy"),
        ("INPUT_RETRY-MAX-ATTEMPTS", "0", "retry-max-attempts"),
        ("INPUT_RETRY-MAX-ATTEMPTS", "21", "retry-max-attempts"),
        ("INPUT_RETRY-MAX-ATTEMPTS", "three", "retry-max-attempts"),
        ("INPUT_DISABLE-RETRY", "no", "disable-retry"),
        ("INPUT_ACTION-TIMEOUT-S", "0", "action-timeout-s"),
        ("INPUT_ACTION-TIMEOUT-S", "1.5", "action-timeout-s"),
    ];
    for (var, value, input) in cases {
        let mut pairs = vec![(*var, *value)];
        if *input == "policy" {
            pairs.push(("INPUT_ALLOWED-REFS", "refs/heads/main"));
        }
        let e = one_error(&pairs);
        assert_eq!(e.input, *input, "{var}={value:?}");
        assert!(!e.hint.is_empty());
        assert!(
            !e.problem.contains('\n'),
            "problem must be one line: {}",
            e.problem
        );
    }
}

#[test]
fn timeouts() {
    let c = config(&[ROLE, REGION], Mode::Action).unwrap();
    assert_eq!(
        (c.network.action_timeout, c.network.request_timeout()),
        (None, MAX_REQUEST_TIMEOUT)
    );
    let secs = |v: &str| {
        config(&[ROLE, REGION, ("INPUT_ACTION-TIMEOUT-S", v)], Mode::Action)
            .unwrap()
            .network
            .request_timeout()
            .as_secs()
    };
    assert_eq!([secs("1"), secs("6"), secs("60")], [1, 2, 10]);
}

#[test]
fn retry_inputs() {
    assert_eq!(
        config(&[ROLE, REGION], Mode::Action)
            .unwrap()
            .network
            .retry
            .max_attempts,
        5
    );
    let c = config(
        &[ROLE, REGION, ("INPUT_RETRY-MAX-ATTEMPTS", "12")],
        Mode::Action,
    )
    .unwrap();
    assert_eq!(c.network.retry.max_attempts, 12);
    let c = config(
        &[
            ROLE,
            REGION,
            ("INPUT_RETRY-MAX-ATTEMPTS", "12"),
            ("INPUT_DISABLE-RETRY", "true"),
        ],
        Mode::Action,
    )
    .unwrap();
    assert_eq!(c.network.retry.max_attempts, 1);
}

#[test]
fn booleans_accept_any_case() {
    let c = config(
        &[
            ROLE,
            REGION,
            ("INPUT_MASK-AWS-ACCOUNT-ID", "TRUE"),
            ("INPUT_OUTPUT-ENV-CREDENTIALS", "False"),
        ],
        Mode::Action,
    )
    .unwrap();
    assert!(c.exports.mask_account_id);
    assert!(!c.exports.env_credentials);
}

#[test]
fn session_policy_is_minified_and_bounded() {
    let c = config(
        &[
            ROLE,
            REGION,
            (
                "INPUT_INLINE-SESSION-POLICY",
                "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": []\n}",
            ),
        ],
        Mode::Action,
    )
    .unwrap();
    assert_eq!(
        c.session.inline_policy.as_deref(),
        Some(r#"{"Statement":[],"Version":"2012-10-17"}"#)
    );
    let big = format!(r#"{{"Sid":"{}"}}"#, "x".repeat(2100));
    assert!(
        one_error(&[("INPUT_INLINE-SESSION-POLICY", &big)])
            .problem
            .contains("2048")
    );
}

#[test]
fn managed_policies_are_split_and_counted() {
    let list = "arn:aws:iam::aws:policy/ReadOnlyAccess,\n arn:aws:iam::123456789012:policy/team/ci-limits\n";
    let c = config(
        &[ROLE, REGION, ("INPUT_MANAGED-SESSION-POLICIES", list)],
        Mode::Action,
    )
    .unwrap();
    assert_eq!(c.session.managed_policies.len(), 2);
    let eleven: Vec<String> = (0..11)
        .map(|i| format!("arn:aws:iam::aws:policy/P{i}"))
        .collect();
    let e = one_error(&[("INPUT_MANAGED-SESSION-POLICIES", &eleven.join(","))]);
    assert!(e.problem.contains("at most 10"));
    let e = one_error(&[(
        "INPUT_MANAGED-SESSION-POLICIES",
        "arn:aws-cn:iam::aws:policy/X",
    )]);
    assert!(e.problem.contains("partition"));
}

#[test]
fn issuers_follow_the_server() {
    // The rule itself is tested in `github`; here: the input, then GITHUB_SERVER_URL.
    let c = config(
        &[
            ROLE,
            REGION,
            ("GITHUB_SERVER_URL", "https://ghes.corp.example"),
        ],
        Mode::Action,
    )
    .unwrap();
    assert_eq!(c.issuer, "https://ghes.corp.example/_services/token");
    let c = config(
        &[ROLE, REGION, ("INPUT_ISSUER", "http://127.0.0.1:8080/")],
        Mode::Action,
    )
    .unwrap();
    assert_eq!(c.issuer, "http://127.0.0.1:8080");
}

#[test]
fn endpoints_come_from_input_then_env() {
    let c = config(
        &[
            ROLE,
            REGION,
            ("AWS_ENDPOINT_URL", "http://localhost:5000"),
            ("AWS_ENDPOINT_URL_STS", "https://vpce.example"),
        ],
        Mode::Action,
    )
    .unwrap();
    assert_eq!(
        c.network.sts_endpoint.as_deref(),
        Some("https://vpce.example")
    );
}

#[test]
fn simple_policy_inputs() {
    let c = config(
        &[
            ROLE,
            REGION,
            ("INPUT_ALLOWED-REPOSITORIES", "octo-org/a, octo-org/b"),
            ("INPUT_ALLOWED-REFS", "refs/heads/main\nrefs/tags/v*"),
        ],
        Mode::Action,
    )
    .unwrap();
    let PolicySource::Simple(s) = c.policy else {
        panic!("{:?}", c.policy)
    };
    assert_eq!(s.repositories, ["octo-org/a", "octo-org/b"]);
    assert_eq!(s.refs, ["refs/heads/main", "refs/tags/v*"]);
}
