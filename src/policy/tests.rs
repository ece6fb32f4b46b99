//! Table-driven tests of the policy: parsing, compile checks, semantics and the denial texts.

use super::*;
use crate::claims::Claims;

const PROD: &str = "arn:aws:iam::123456789012:role/prod-deploy";
const PLAN: &str = "arn:aws:iam::123456789012:role/terraform-plan-readonly";
const PUBLISH: &str = "arn:aws:iam::123456789012:role/artifact-publisher";
const EXAMPLE: &str = include_str!("../../examples/oidc-assume.toml");

/// A push to main of octo-org/octo-repo, job in `production`, on a GitHub-hosted runner.
fn push_main() -> Vec<(&'static str, &'static str)> {
    vec![
        ("iss", "https://token.actions.githubusercontent.com"),
        ("aud", "sts.amazonaws.com"),
        ("sub", "repo:octo-org/octo-repo:environment:production"),
        ("repository", "octo-org/octo-repo"),
        ("repository_id", "892734561"),
        ("repository_owner", "octo-org"),
        ("repository_owner_id", "78953443"),
        ("ref", "refs/heads/main"),
        ("ref_type", "branch"),
        ("ref_protected", "true"),
        ("environment", "production"),
        ("event_name", "push"),
        (
            "job_workflow_ref",
            "octo-org/octo-repo/.github/workflows/deploy.yml@refs/heads/main",
        ),
        ("runner_environment", "github-hosted"),
        ("actor", "octocat"),
    ]
}

fn claims(
    base: Vec<(&'static str, &'static str)>,
    changes: &[(&'static str, Option<&'static str>)],
) -> Claims {
    let mut c = Claims::from_pairs(base);
    for (k, v) in changes {
        match v {
            Some(v) => c.set(*k, *v),
            None => c.remove(k),
        }
    }
    c
}

fn example() -> Policy {
    Policy::from_toml(EXAMPLE, "examples/oidc-assume.toml").unwrap()
}

fn denial(d: Decision) -> Denial {
    match d {
        Decision::Denied(d) => d,
        other => panic!("expected a denial, got {other:?}"),
    }
}

#[test]
fn example_policy_decisions() {
    let p = example();
    assert_eq!(p.rule_count(), 4);
    type Case = (
        &'static str,
        &'static str,
        Vec<(&'static str, Option<&'static str>)>,
        Option<&'static str>,
    );
    let cases: Vec<Case> = vec![
        (
            "prod from main",
            PROD,
            vec![],
            Some("prod deploy from protected main"),
        ),
        (
            "prod from a feature branch",
            PROD,
            vec![("ref", Some("refs/heads/feature/x"))],
            None,
        ),
        (
            "prod without environment",
            PROD,
            vec![("environment", None)],
            None,
        ),
        (
            "prod from a renamed-away repo id",
            PROD,
            vec![("repository_id", Some("1"))],
            None,
        ),
        (
            "prod on self-hosted",
            PROD,
            vec![("runner_environment", Some("self-hosted"))],
            None,
        ),
        (
            "prod without runner_environment (old GHES) fails closed",
            PROD,
            vec![("runner_environment", None)],
            None,
        ),
        (
            "prod via another workflow",
            PROD,
            vec![(
                "job_workflow_ref",
                Some("octo-org/octo-repo/.github/workflows/evil.yml@refs/heads/main"),
            )],
            None,
        ),
        (
            "prod via workflow_dispatch is a default event",
            PROD,
            vec![("event_name", Some("workflow_dispatch"))],
            Some("prod deploy from protected main"),
        ),
        (
            "prod via pull_request_target",
            PROD,
            vec![("event_name", Some("pull_request_target"))],
            None,
        ),
        (
            "publish from a tag",
            PUBLISH,
            vec![
                ("ref", Some("refs/tags/v1.4.0")),
                ("event_name", Some("release")),
            ],
            Some("publish release artifacts from tags"),
        ),
        (
            "publish from a nested tag",
            PUBLISH,
            vec![("ref", Some("refs/tags/v1/evil"))],
            None,
        ),
        ("publish from a branch", PUBLISH, vec![], None),
        (
            "plan on a pull request",
            PLAN,
            vec![
                ("event_name", Some("pull_request")),
                ("ref", Some("refs/pull/7/merge")),
                ("base_ref", Some("main")),
                ("environment", None),
            ],
            Some("terraform plan on pull requests"),
        ),
        (
            "plan on push is not its event",
            PLAN,
            vec![("base_ref", Some("main"))],
            None,
        ),
        (
            "a role no rule names",
            "arn:aws:iam::123456789012:role/other",
            vec![],
            None,
        ),
    ];
    for (name, role, changes, want) in cases {
        let got = p.evaluate(role, &claims(push_main(), &changes));
        match (want, got) {
            (Some(rule), Decision::Allowed { rule: got }) => assert_eq!(got, rule, "{name}"),
            (None, Decision::Denied(_)) => {}
            (want, got) => panic!("{name}: wanted {want:?}, got {got:?}"),
        }
    }
}

#[test]
fn deny_wins_over_allow() {
    let p = Policy::from_toml(
        r#"
version = 1
[[allow]]
name = "any branch"
repository_id = "892734561"
ref = "refs/heads/**"
[[deny]]
name = "not octocat"
actor = "octocat"
"#,
        "p.toml",
    )
    .unwrap();
    let d = denial(p.evaluate(PROD, &claims(push_main(), &[])));
    assert_eq!(
        d.render(),
        "deny rule `not octocat` matched:\n  actor is `octocat` (rule: `octocat`)\n"
    );
    assert_eq!(d.summary(), "deny rule `not octocat` matched");
    assert!(matches!(
        p.evaluate(PROD, &claims(push_main(), &[("actor", Some("hubot"))])),
        Decision::Allowed { .. }
    ));
}

#[test]
fn missing_claims_fail_closed_both_ways() {
    let p = Policy::from_toml(
        "version = 1\n[[allow]]\nname = \"a\"\nrepository_id = \"892734561\"\nenvironment = \"re:.*\"\n[[deny]]\nname = \"d\"\nrunner_environment = \"self-hosted\"\n",
        "p.toml",
    )
    .unwrap();
    // A regex that matches anything still needs the claim to be present in an allow rule.
    let d = denial(p.evaluate(PROD, &claims(push_main(), &[("environment", None)])));
    assert!(
        d.render().contains("environment\n    actual:   <absent>"),
        "{}",
        d.render()
    );
    // A missing claim satisfies a deny condition.
    let d = denial(p.evaluate(PROD, &claims(push_main(), &[("runner_environment", None)])));
    assert!(
        d.render()
            .contains("runner_environment is absent: a missing claim counts as a match"),
        "{}",
        d.render()
    );
}

#[test]
fn roles_scope_rules() {
    let d = denial(example().evaluate(
        "arn:aws:iam::123456789012:role/other",
        &claims(push_main(), &[]),
    ));
    insta::assert_snapshot!(d.render(), @r"
    no allow rule applies to role arn:aws:iam::123456789012:role/other
      the allow rules name only these roles:
        arn:aws:iam::123456789012:role/artifact-publisher
        arn:aws:iam::123456789012:role/prod-deploy
        arn:aws:iam::123456789012:role/terraform-plan-readonly
      fix: correct `role-to-assume`, or add an `[[allow]]` rule that names this role in `roles`
    ");
}

#[test]
fn closest_rule_is_explained_with_actual_expected_and_fix() {
    let c = claims(
        push_main(),
        &[
            ("ref", Some("refs/heads/feature/login")),
            ("ref_protected", Some("false")),
        ],
    );
    let d = denial(example().evaluate(PROD, &c));
    insta::assert_snapshot!(d.render(), @r"
    no allow rule matched for role arn:aws:iam::123456789012:role/prod-deploy
    closest rule: `prod deploy from protected main` (2 of 7 conditions failed)
      ref
        actual:   `refs/heads/feature/login`
        expected: `refs/heads/main`
      ref_protected
        actual:   `false`
        expected: `true`
        fix:      the ref is not protected: if it is the one this rule is for, protect it with a ruleset (repository Settings → Rules); do not remove this condition
    ");
    assert_eq!(
        d.summary(),
        "no allow rule matched; closest `prod deploy from protected main`: `ref` is `refs/heads/feature/login`, expected `refs/heads/main`"
    );
    assert_eq!(d.claim_names(), ["ref", "ref_protected"]);
}

fn one_rule(rule: &str) -> Policy {
    Policy::from_toml(
        &format!("version = 1\n[[allow]]\nname = \"r\"\n{rule}\n"),
        "p.toml",
    )
    .unwrap()
}

/// Claim changes applied to [`push_main`]: set (`Some`) or remove (`None`).
type Changes<'a> = &'a [(&'a str, Option<&'a str>)];

#[test]
fn denial_hints() {
    let cases: &[(&str, Changes, &str)] = &[
        (
            "repository = \"Octo-Org/octo-repo\"",
            &[],
            "values are case-sensitive: GitHub sent `octo-org/octo-repo`, the rule says `Octo-Org/octo-repo`",
        ),
        (
            "ref = \"main\"",
            &[],
            "`ref` is a full ref: write `refs/heads/main`",
        ),
        (
            "ref = \"v*\"",
            &[("ref", Some("refs/tags/v1.0"))],
            "`ref` is a full ref: write `refs/tags/v*`",
        ),
        (
            "environment = \"production\"",
            &[("environment", None)],
            "add `environment: NAME` to the job",
        ),
        (
            "ref = \"refs/heads/*\"",
            &[("ref", Some("refs/heads/feature/x"))],
            "`*` does not match `/`: `refs/heads/*` covers one path segment; add `refs/heads/feature/x` itself, or use `refs/heads/**` only if every deeper value should pass too",
        ),
        (
            // A rule that admits pull requests itself gets the `base_ref` hint.
            "ref = \"refs/heads/main\"\nevent_name = \"pull_request\"",
            &[
                ("ref", Some("refs/pull/7/merge")),
                ("event_name", Some("pull_request")),
            ],
            "the branch names are in `head_ref` and `base_ref`",
        ),
        (
            "repository_id = \"892734561\"",
            &[("event_name", Some("pull_request"))],
            "`pull_request` is not in `defaults.allowed_events`",
        ),
        (
            "repository_id = \"892734561\"",
            &[("event_name", Some("pull_request_target"))],
            "give them their own rule with `event_name = \"pull_request_target\"` and a read-only role in its `roles`",
        ),
        (
            "repository_id = \"892734561\"\nevent_name = \"push\"",
            &[("event_name", Some("workflow_run"))],
            "`workflow_run` runs with this repository's secrets",
        ),
        (
            "repo_property_team = \"platform\"",
            &[],
            "the token has no `repo_property_team` claim",
        ),
        (
            "repository_id = \"892734561\"\nref_protected = \"true\"",
            &[("ref_protected", Some("false"))],
            "protect it with a ruleset (repository Settings → Rules); do not remove this condition",
        ),
    ];
    for (rule, changes, hint) in cases {
        let d = denial(one_rule(rule).evaluate(PROD, &claims(push_main(), changes)));
        assert!(
            d.render().contains(hint),
            "{rule}: wanted {hint:?} in\n{}",
            d.render()
        );
    }
}

#[test]
fn events_default_explicit_and_dangerous() {
    let base = "repository_id = \"892734561\"";
    let cases: &[(&str, &str, bool)] = &[
        (base, "push", true),
        (base, "schedule", true),
        (base, "pull_request", false),
        (base, "issue_comment", false),
        (
            "repository_id = \"892734561\"\nevent_name = \"pull_request_target\"",
            "pull_request_target",
            true,
        ),
        (
            "repository_id = \"892734561\"\nevent_name = \"pull_request_target\"",
            "push",
            false,
        ),
        (
            "repository_id = \"892734561\"\nevent_name = [\"pull_request\", \"merge_group\"]",
            "merge_group",
            true,
        ),
    ];
    for (rule, event, allowed) in cases {
        let d = one_rule(rule).evaluate(PROD, &claims(push_main(), &[("event_name", Some(event))]));
        assert_eq!(
            matches!(d, Decision::Allowed { .. }),
            *allowed,
            "{rule} / {event}: {d:?}"
        );
    }
    let d = one_rule(base).evaluate(PROD, &claims(push_main(), &[("event_name", None)]));
    assert!(
        matches!(d, Decision::Denied(_)),
        "a token without event_name never passes"
    );
    let custom = Policy::from_toml(
        "version = 1\n[defaults]\nallowed_events = [\"push\", \"merge_group\"]\n[[allow]]\nname = \"r\"\nrepository_id = \"892734561\"\n",
        "p.toml",
    )
    .unwrap();
    let c = |e| claims(push_main(), &[("event_name", Some(e))]);
    assert!(matches!(
        custom.evaluate(PROD, &c("merge_group")),
        Decision::Allowed { .. }
    ));
    assert!(matches!(
        custom.evaluate(PROD, &c("workflow_dispatch")),
        Decision::Denied(_)
    ));
}

#[test]
fn parse_errors_name_file_line_key_and_fix() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "[[allow]]\nname = \"a\"\nref = \"refs/heads/main\"\n",
            "p.toml:1:1: the policy has no `version`",
            "version = 1",
        ),
        (
            "version = 2\n",
            "p.toml:1:11: `version` must be 1",
            "version = 1",
        ),
        (
            "version = 1\nrules = []\n",
            "p.toml:2:1: unknown key `rules` in the policy",
            "version, sub_template, defaults, allow, deny",
        ),
        (
            "version = 1\n[defaults]\nallowed_event = [\"push\"]\n",
            "p.toml:3:1: unknown key `allowed_event` in `[defaults]`",
            "did you mean `allowed_events`?",
        ),
        (
            "version = 1\n[[allow]]\nname = \"a\"\nrepositry = \"o/r\"\n",
            "p.toml:4:1: unknown key `repositry` in [[allow]]: not a GitHub OIDC claim",
            "did you mean `repository`?",
        ),
        (
            "version = 1\n[[allow]]\nname = \"a\"\nrepository_id = 74\n",
            "p.toml:4:17: `repository_id` must be a string or a list of strings, not integer",
            "repository_id = \"74\"",
        ),
        (
            "version = 1\n[[allow]]\nname = \"a\"\nref_protected = true\n",
            "p.toml:4:17: `ref_protected` must be a string or a list of strings, not boolean",
            "quote it",
        ),
        (
            "version = 1\n[[allow]]\nname = \"a\"\nref = []\n",
            "p.toml:4:7: `ref` is an empty list, which matches nothing",
            "at least one value",
        ),
        (
            "version = 1\n[[allow]]\nname = \"a\"\nref = [\"refs/heads/main\", \"\"]\n",
            "p.toml:4:27: `ref` has an empty value",
            "exact value",
        ),
        (
            "version = 1\n[[allow]]\nname = \"a\"\nref = \"re:(main\"\n",
            "p.toml:4:7: `ref` has an invalid regex `(main`",
            "Rust `regex` syntax",
        ),
        (
            "version = 1\n[[allow]]\nname = \"a\"\nrepository = \"*\"\n",
            "p.toml:4:14: `repository = \"*\"` in an allow rule matches every repository on GitHub",
            "pin the exact",
        ),
        (
            "version = 1\n[[allow]]\nname = \"a\"\n",
            "p.toml:2:1: rule `a` has no claim conditions: an allow rule without conditions admits every repository on GitHub",
            "add conditions",
        ),
        (
            "version = 1\n[[allow]]\nref = \"refs/heads/main\"\n",
            "p.toml:2:1: a [[allow]] rule has no `name`",
            "name = ",
        ),
        (
            "version = 1\n[[allow]]\nname = \"a\"\nref = \"x\"\n[[deny]]\nname = \"a\"\nactor = \"x\"\n",
            "two rules are named `a`",
            "its own name",
        ),
        (
            "version = 1\n[[allow]]\nname = \"a\"\nexp = \"1\"\n",
            "p.toml:4:1: `exp` is a time claim",
            "verifier",
        ),
        (
            "version = 1\n[[allow]]\nname = \"a\"\nroles = [\"arn:aws:iam::123456789012:user/x\"]\nref = \"x\"\n",
            "p.toml:4:10: `roles`:",
            "role/NAME",
        ),
        (
            "version = 1\n[defaults]\nallowed_events = [\"push\", \"pull_request_target\"]\n",
            "p.toml:3:27: `pull_request_target` cannot be allowed for every rule",
            "event_name = \"pull_request_target\"",
        ),
        (
            "version = 1\n[defaults]\nallowed_events = [\"Push\"]\n",
            "p.toml:3:19: `Push` is not an event name",
            "workflow_dispatch",
        ),
        (
            "version = 1\n[[allow]]\nname = \"a\"\nrepository_id = \"1\"\nevent_name = \"pull_request*\"\n",
            "p.toml:5:14: `event_name = \"pull_request*\"` would match `pull_request_target`",
            "plain values",
        ),
        (
            "version = 1\n[[allow]]\nname = \"a\"\nref = \"x\"\nref = \"y\"\n",
            "p.toml:5:1: not valid TOML: duplicate key",
            "",
        ),
        (
            "version = 1\nallow = \"x\"\n",
            "p.toml:2:9: `allow` must be an array of tables",
            "[[allow]]",
        ),
        ("version = 1\n[[allow]\n", "p.toml:2:", ""),
    ];
    for (source, message, hint) in cases {
        let err = Policy::from_toml(source, "p.toml").unwrap_err();
        let text = err.to_string();
        assert!(
            text.starts_with(message) || text.contains(message),
            "{source:?}:\n got  {text}\n want {message}"
        );
        assert!(
            err.hint().unwrap_or_default().contains(hint),
            "{source:?}: hint {:?}",
            err.hint()
        );
    }
}

#[test]
fn repo_properties_and_globs_compile() {
    let p = one_rule(
        "repository_owner_id = \"78953443\"\nrepo_property_team = [\"platform\", \"sre\"]\nref = \"refs/heads/**\"",
    );
    let c = claims(
        push_main(),
        &[
            ("repo_property_team", Some("sre")),
            ("ref", Some("refs/heads/a/b")),
        ],
    );
    assert!(matches!(p.evaluate(PROD, &c), Decision::Allowed { .. }));
}

#[test]
fn simple_inputs_compile_into_the_same_model() {
    assert_eq!(Policy::from_simple(&SimpleInputs::default()).unwrap(), None);
    let p = Policy::from_simple(&SimpleInputs {
        repositories: vec!["octo-org/octo-repo".into()],
        refs: vec!["refs/heads/main".into(), "refs/tags/v*".into()],
        environments: vec![],
        events: vec![],
    })
    .unwrap()
    .unwrap();
    assert!(
        matches!(p.evaluate(PROD, &claims(push_main(), &[])), Decision::Allowed { rule } if rule == "action inputs")
    );
    let d = denial(p.evaluate(
        PROD,
        &claims(push_main(), &[("ref", Some("refs/heads/dev"))]),
    ));
    assert!(
        d.render().contains("closest rule: `action inputs`"),
        "{}",
        d.render()
    );
    let events_only = Policy::from_simple(&SimpleInputs {
        events: vec!["push".into()],
        ..Default::default()
    })
    .unwrap()
    .unwrap();
    assert!(matches!(
        events_only.evaluate(PROD, &claims(push_main(), &[])),
        Decision::Allowed { .. }
    ));
    assert!(matches!(
        events_only.evaluate(
            PROD,
            &claims(push_main(), &[("event_name", Some("schedule"))])
        ),
        Decision::Denied(_)
    ));

    let errors: &[(SimpleInputs, &str)] = &[
        (
            SimpleInputs {
                repositories: vec!["*".into()],
                ..Default::default()
            },
            "input `allowed-repositories`: `repository = \"*\"`",
        ),
        (
            SimpleInputs {
                refs: vec!["re:(".into()],
                ..Default::default()
            },
            "input `allowed-refs`: `ref` has an invalid regex",
        ),
        (
            SimpleInputs {
                environments: vec!["x".into()],
                events: vec!["issue_comment".into()],
                ..Default::default()
            },
            "input `allowed-events`: `issue_comment` cannot be allowed",
        ),
    ];
    for (inputs, message) in errors {
        let err = Policy::from_simple(inputs).unwrap_err();
        assert!(err.to_string().starts_with(message), "{err}");
    }
}

proptest::proptest! {
    /// Whatever the claims, a matching deny rule wins, and a missing claim matches it.
    #[test]
    fn a_matching_deny_always_wins(
        environment in proptest::option::of("[a-z]{1,8}"),
        actor in proptest::option::of("[a-z]{1,8}"),
        event in proptest::sample::select(vec!["push", "pull_request", "schedule", "pull_request_target"]),
    ) {
        let p = Policy::from_toml(
            "version = 1\n[[allow]]\nname = \"any actor\"\nactor = \"re:.*\"\nevent_name = [\"push\", \"pull_request\", \"schedule\"]\n[[deny]]\nname = \"not prod\"\nenvironment = \"prod\"\n",
            "p.toml",
        ).unwrap();
        let mut c = Claims::from_pairs([("event_name", event)]);
        if let Some(e) = &environment { c.set("environment", e.clone()); }
        if let Some(a) = &actor { c.set("actor", a.clone()); }
        let decision = p.evaluate(PROD, &c);
        let deny_matches = environment.as_deref().is_none_or(|e| e == "prod");
        let allow_matches = actor.is_some() && event != "pull_request_target";
        match decision {
            Decision::Denied(Denial::DenyRule { rule, .. }) => proptest::prop_assert!(deny_matches && rule == "not prod"),
            Decision::Denied(_) => proptest::prop_assert!(!deny_matches && !allow_matches),
            Decision::Allowed { .. } => proptest::prop_assert!(!deny_matches && allow_matches),
        }
    }

    /// Regexes and globs match the whole claim, never a part of it.
    #[test]
    fn matchers_match_whole_values(a in "[a-z/._-]{0,12}", b in "[a-z/._-]{0,12}") {
        let exact = pattern::Pattern::compile("ref", &format!("re:{}", regex::escape(&a)), false);
        if let Ok(p) = exact {
            proptest::prop_assert_eq!(p.matches(&b), a == b);
        }
        if !a.is_empty() {
            let glob = pattern::Pattern::compile("ref", &format!("{a}*"), false).unwrap();
            let expected = b.strip_prefix(a.as_str()).is_some_and(|rest| !rest.contains('/'));
            proptest::prop_assert_eq!(glob.matches(&b), expected);
            let deep = pattern::Pattern::compile("ref", &format!("{a}**"), false).unwrap();
            proptest::prop_assert_eq!(deep.matches(&b), b.starts_with(a.as_str()));
        }
    }

    /// The policy parser faces files from pull requests: any text gives a policy or an error,
    /// never a panic.
    #[test]
    fn the_policy_parser_never_panics(source in "(version = 1\n)?(\\[\\[(allow|deny)\\]\\]\n)?([a-z_]{1,12} = (\"[^\"]{0,12}\"|\\[\"[^\"]{0,8}\"\\]|[0-9]{1,3}|true)\n){0,6}|.{0,200}") {
        let _ = Policy::from_toml(&source, "p.toml");
    }
}

/// Issue #14: a denial on a rule that admits a deployment never suggests widening that rule
/// (or the defaults every rule shares) to an event that runs unreviewed code.
#[test]
fn fixes_never_widen_a_rule_that_admits_a_deployment() {
    // (rule, claim changes, what the fix must say)
    let cases: &[(&str, Changes, &str)] = &[
        (
            "repository_id = \"892734561\"\nenvironment = \"production\"",
            &[
                ("environment", Some("production")),
                ("event_name", Some("pull_request")),
            ],
            "the rule admits environment `production`",
        ),
        (
            "repository_id = \"892734561\"\nref_protected = \"true\"",
            &[("event_name", Some("pull_request"))],
            "the rule admits only protected refs",
        ),
        (
            "repository_id = \"892734561\"\nref = \"refs/heads/main\"\nevent_name = \"push\"",
            &[("event_name", Some("pull_request_target"))],
            "the rule admits ref `refs/heads/main`",
        ),
        (
            "repository_id = \"892734561\"\nenvironment = \"production\"",
            &[
                ("environment", Some("production")),
                ("event_name", Some("workflow_run")),
            ],
            "a separate `[[allow]]` rule with `event_name = \"workflow_run\"` and a read-only role",
        ),
    ];
    for (rule, changes, fix) in cases {
        let d = denial(one_rule(rule).evaluate(PROD, &claims(push_main(), changes)));
        let text = d.render();
        assert!(text.contains(fix), "{rule}: wanted {fix:?} in\n{text}");
        assert!(text.contains("do not add"), "{rule}:\n{text}");
        for widening in [
            "add it there",
            "add `event_name = ",
            "to the one rule that needs it",
        ] {
            assert!(!text.contains(widening), "{rule}: {widening:?} in\n{text}");
        }
    }
    // The ref of a pull request fails a deployment rule because of the event: no fix for it
    // that would admit pull requests (`base_ref`, dropping `ref_protected`).
    let d = denial(
        one_rule(
            "repository_id = \"892734561\"\nref = \"refs/heads/main\"\nref_protected = \"true\"",
        )
        .evaluate(
            PROD,
            &claims(
                push_main(),
                &[
                    ("event_name", Some("pull_request")),
                    ("ref", Some("refs/pull/7/merge")),
                    ("ref_protected", Some("false")),
                ],
            ),
        ),
    );
    let text = d.render();
    assert!(!text.contains("head_ref` and `base_ref"), "{text}");
    assert!(!text.contains("protect it with a ruleset"), "{text}");
    assert_eq!(
        text.matches("follows from `event_name` `pull_request`: do not change this condition")
            .count(),
        2,
        "{text}"
    );

    // Where the rule admits no deployment, the fix still never widens the shared defaults.
    let d = denial(one_rule("repository_id = \"892734561\"").evaluate(
        PROD,
        &claims(push_main(), &[("event_name", Some("pull_request"))]),
    ));
    assert!(
        d.render().contains("rather than widening the defaults"),
        "{}",
        d.render()
    );
}

/// Issue #14: every problem of a policy file at once, each with `file:line:col` and its fix.
#[test]
fn all_policy_errors_are_reported_at_once() {
    let source = r#"version = 1
[defaults]
allowed_events = ["push", "pull_request_target"]

[[allow]]
name = "a"
repo = "octo-org/octo-repo"
repository_id = 74

[[allow]]
name = "b"
ref = ["re:(", "refs/heads/main"]
roles = "not-an-arn"
"#;
    let err = Policy::from_toml(source, "p.toml").unwrap_err();
    insta::assert_snapshot!(err.to_string(), @r#"
    5 problems in the policy:
      p.toml:3:27: `pull_request_target` cannot be allowed for every rule
        fix: `pull_request_target` runs with this repository's secrets on behalf of input anyone can control; allow it only in a rule of its own, with `event_name = "pull_request_target"` and a read-only role in its `roles`
      p.toml:7:1: unknown key `repo` in [[allow]]: not a GitHub OIDC claim
        fix: did you mean `ref`? A rule's keys are `name`, `roles` and claim names (see docs/policy.md)
      p.toml:8:17: `repository_id` must be a string or a list of strings, not integer
        fix: write `repository_id = "value"` or `repository_id = ["a", "b"]` (quote it: GitHub sends ids, numbers and booleans as strings, e.g. `repository_id = "74"`)
      p.toml:12:8: `ref` has an invalid regex `(`: regex parse error: ^(?:()$ ^ error: unclosed group
        fix: regexes use Rust `regex` syntax and always match the whole value
      p.toml:13:9: `roles`: `not-an-arn` is not an ARN
        fix: give the role's full ARN, such as `arn:aws:iam::123456789012:role/my-role`
    "#);
    assert_eq!(err.problems().len(), 5);
    assert_eq!(err.hint(), None, "each fix is printed under its problem");
    // One problem keeps the one-line form.
    let one = Policy::from_toml(
        "version = 1\n[[allow]]\nname = \"a\"\nrepo = \"x\"\n",
        "p.toml",
    )
    .unwrap_err();
    assert_eq!(
        one.to_string(),
        "p.toml:4:1: unknown key `repo` in [[allow]]: not a GitHub OIDC claim"
    );
}

#[test]
fn sub_template_is_read_strictly() {
    let policy = |template: &str| {
        Policy::from_toml(
            &format!(
                "version = 1\nsub_template = {template}\n[[allow]]\nname = \"a\"\nrepository = \"acme/app\"\n"
            ),
            "p.toml",
        )
    };
    let keys = |p: &Policy| p.sub_template().map(|t| t.keys().join(","));
    let ok = policy(r#"["repo", "context", "job_workflow_ref"]"#).unwrap();
    assert_eq!(keys(&ok).as_deref(), Some("repo,context,job_workflow_ref"));
    assert_eq!(
        keys(&policy(r#""repository_owner""#).unwrap()).as_deref(),
        Some("repository_owner")
    );
    assert_eq!(ok.named_repositories(), ["acme/app"]);
    // (template, message)
    let cases = [
        (
            r#"["repo", "branch"]"#,
            "p.toml:2:16: `sub_template`: `branch` is not a claim GitHub can put in `sub`",
        ),
        (
            r#"["repo", "repo"]"#,
            "p.toml:2:16: `sub_template`: `repo` is listed twice",
        ),
        (
            "[]",
            "p.toml:2:16: `sub_template` is an empty list, which matches nothing",
        ),
        (
            "3",
            "p.toml:2:16: `sub_template` must be a string or a list of strings, not integer",
        ),
    ];
    for (template, want) in cases {
        let err = policy(template).unwrap_err().to_string();
        assert!(err.starts_with(want), "{template}: {err}");
    }
}
