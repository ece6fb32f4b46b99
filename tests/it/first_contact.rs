//! Issue #14, first contact: the dry run decides what the real run decides (a table of the same
//! inputs through both, the same exit code), a real token in a dry run, misspelt inputs, and the
//! smaller messages a new user meets first.

use crate::common::*;

/// Allows a push to protected `main` of the test repository (the claims both runs use).
const ALLOW_MAIN: &str = r#"
version = 1

[[allow]]
name = "deploy from protected main"
repository_id = "892734561"
ref = "refs/heads/main"
ref_protected = "true"
"#;

/// Admits only the `production` environment, which the default claims lack.
const PRODUCTION_ONLY: &str = r#"
version = 1

[[allow]]
name = "production"
repository_id = "892734561"
environment = "production"
"#;

/// Placeholders for token files, signed per case for that case's issuer.
const VALID: &str = "<a valid token>";
const EXPIRED: &str = "<an expired token>";

/// What stage the real run stops at, so its mocks expect exactly the requests it makes.
#[derive(Clone, Copy)]
enum Reaches {
    /// Fails before the token is requested.
    Nothing,
    /// Fetches the runner's token, never calls STS.
    Token,
    /// Reads a token file, never calls STS.
    TokenFile,
    /// Gets credentials.
    Sts,
}

struct Case {
    name: &'static str,
    inputs: &'static [(&'static str, &'static str)],
    files: Vec<(&'static str, String)>,
    /// Claims of the real run's token, and the same as dry-run `--claim`s.
    claims: &'static [(&'static str, &'static str)],
    reaches: Reaches,
    code: i32,
}

fn case(
    name: &'static str,
    inputs: &'static [(&'static str, &'static str)],
    reaches: Reaches,
    code: i32,
) -> Case {
    Case {
        name,
        inputs,
        files: Vec::new(),
        claims: &[],
        reaches,
        code,
    }
}

/// Issue #14: the same inputs through `dry-run` and through the real action (against the local
/// GitHub stand-in and a mock STS) end with the same exit code.
#[tokio::test(flavor = "multi_thread")]
async fn dry_run_and_real_run_agree_on_the_exit_code() {
    use Reaches::*;
    let with = |mut c: Case, files: Vec<(&'static str, String)>| {
        c.files = files;
        c
    };
    let cases = vec![
        case("no policy: allowed", &[], Sts, 0),
        with(
            case("the policy allows", &[("policy", "p.toml")], Sts, 0),
            vec![("p.toml", ALLOW_MAIN.into())],
        ),
        with(
            case("the policy denies", &[("policy", "p.toml")], Token, 3),
            vec![("p.toml", PRODUCTION_ONLY.into())],
        ),
        Case {
            claims: &[("environment", "production")],
            ..with(
                case("an environment admits", &[("policy", "p.toml")], Sts, 0),
                vec![("p.toml", PRODUCTION_ONLY.into())],
            )
        },
        Case {
            claims: &[("event_name", "pull_request"), ("ref", "refs/pull/7/merge")],
            ..with(
                case(
                    "a pull request is refused",
                    &[("policy", "p.toml")],
                    Token,
                    3,
                ),
                vec![("p.toml", ALLOW_MAIN.into())],
            )
        },
        case(
            "allowed-account-ids excludes the role",
            &[("allowed-account-ids", "111111111111")],
            Nothing,
            3,
        ),
        case(
            "allowed-account-ids includes the role",
            &[("allowed-account-ids", "123456789012")],
            Sts,
            0,
        ),
        case(
            "a missing trust-policy-file",
            &[("trust-policy-file", "trust.json")],
            Nothing,
            2,
        ),
        case(
            "a missing policy file",
            &[("policy", "nope.toml")],
            Nothing,
            2,
        ),
        with(
            case("a broken policy file", &[("policy", "p.toml")], Nothing, 2),
            vec![(
                "p.toml",
                "version = 1\n[[allow]]\nname = \"a\"\nrepo = \"x\"\n".into(),
            )],
        ),
        case(
            "an invalid input",
            &[("role-duration-seconds", "5")],
            Nothing,
            2,
        ),
        case(
            "a missing web-identity-token-file",
            &[("web-identity-token-file", "token.jwt")],
            Nothing,
            2,
        ),
        with(
            case(
                "an expired token in web-identity-token-file",
                &[("web-identity-token-file", "token.jwt")],
                TokenFile,
                4,
            ),
            vec![("token.jwt", EXPIRED.into())],
        ),
        with(
            case(
                "a valid token in web-identity-token-file",
                &[("web-identity-token-file", "token.jwt")],
                Sts,
                0,
            ),
            vec![("token.jwt", VALID.into())],
        ),
    ];
    for case in cases {
        // Each case has its own GitHub stand-in (mock expectations are per server); token
        // files are signed for its issuer.
        let mut real = Scenario::new().await;
        let github = real.github();
        let token_file = |contents: &str| match contents {
            VALID => github.sign(&github.claims()),
            EXPIRED => {
                let mut claims = github.claims();
                claims["exp"] = (now() - 600).into();
                claims["nbf"] = (now() - 900).into();
                github.sign(&claims)
            }
            other => other.to_string(),
        };
        let files: Vec<(&str, String)> = case
            .files
            .iter()
            .map(|(name, contents)| (*name, token_file(contents)))
            .collect();
        for (name, value) in case.inputs {
            real = real.input(name, value);
        }
        for (name, contents) in &files {
            real = real.file(name, contents);
        }
        for (name, value) in case.claims {
            real = real.claim(name, *value);
        }
        let uses_file = case
            .inputs
            .iter()
            .any(|(name, _)| *name == "web-identity-token-file");
        real = match (case.reaches, uses_file) {
            (Nothing | TokenFile, _) => real.no_token().sts_unreached(),
            (Token, _) => real.sts_unreached(),
            (Sts, true) => real.no_token(),
            (Sts, false) => real,
        };
        let real = real.run().await;

        // The dry run: the same inputs as `INPUT_*` variables, the same files, the same claims.
        let mut dry = Run::bare()
            .env("INPUT_ROLE-TO-ASSUME", ROLE)
            .env("INPUT_AWS-REGION", "eu-central-1")
            .arg("dry-run");
        for (name, value) in case.inputs {
            dry = dry.env(&format!("INPUT_{}", name.to_uppercase()), value);
        }
        for (name, contents) in &files {
            dry = dry.file(name, contents);
        }
        if uses_file {
            // A real token's issuer: the dry run fetches its keys and checks the signature.
            dry = dry.env("INPUT_ISSUER", &github.issuer());
        }
        for (name, value) in case.claims {
            dry = dry.args(&["--claim", &format!("{name}={value}")]);
        }
        let dry = dry.run().await;
        assert_eq!(
            (real.code, dry.code),
            (case.code, case.code),
            "{}: real run exit {}, dry run exit {}\n--- real stderr\n{}\n--- dry stdout\n{}\n--- dry stderr\n{}",
            case.name,
            real.code,
            dry.code,
            real.stderr,
            dry.stdout,
            dry.stderr
        );
    }
}

/// Issue #14: a real token given to a dry run is decoded and decided on; its signature is
/// checked when the issuer's keys are reachable, and the output says so either way.
#[tokio::test(flavor = "multi_thread")]
async fn a_real_token_in_a_dry_run_is_checked_or_marked_unchecked() {
    let github = Github::start().await;
    let token = github.sign(&github.claims());
    let checked = Run::bare()
        .file("token.jwt", &token)
        .file(".github/oidc-assume.toml", ALLOW_MAIN)
        .args(&["dry-run", "--web-identity-token-file", "token.jwt"])
        .args(&["--issuer", &github.issuer(), "--role-to-assume", ROLE])
        .run()
        .await;
    checked.assert_code(0);
    assert!(
        checked.stdout.contains(
            "token: read from web-identity-token-file; signature checked with the issuer's keys"
        ),
        "{}",
        checked.stdout
    );
    assert!(
        checked
            .stdout
            .contains("  jti                    `7bd3e1f2-0c4a-4d8e-9f61-2a5b3c4d5e6f`")
    );
    assert!(
        checked
            .stdout
            .contains("decision: allowed by policy rule `deploy from protected main`")
    );
    assert!(
        checked
            .stdout
            .contains("WebIdentityToken=<the token from web-identity-token-file, ")
    );

    // The issuer's keys are unreachable: decided on the claims, clearly marked unchecked.
    let offline = "http://127.0.0.1:9";
    let mut claims = github.claims();
    claims["iss"] = offline.into();
    let unreachable = Run::bare()
        .file("token.jwt", &github.sign(&claims))
        .args(&["dry-run", "--web-identity-token-file", "token.jwt"])
        .args(&["--issuer", offline, "--role-to-assume", ROLE])
        .run()
        .await;
    unreachable.assert_code(0);
    assert!(
        unreachable
            .stdout
            .contains("signature NOT checked: the issuer's keys could not be fetched ("),
        "{}",
        unreachable.stdout
    );

    // With the signature check switched off, the dry run does not claim to have checked it,
    // even with the keys at hand.
    let skipped = Run::bare()
        .file("token.jwt", &token)
        .args(&["dry-run", "--web-identity-token-file", "token.jwt"])
        .args(&["--issuer", &github.issuer(), "--role-to-assume", ROLE])
        .args(&["--insecure-skip-signature-verification", "true"])
        .run()
        .await;
    skipped.assert_code(0);
    assert!(
        skipped
            .stdout
            .contains("signature NOT checked (insecure-skip-signature-verification)"),
        "{}",
        skipped.stdout
    );

    // A real token's claims cannot be changed.
    let mixed = Run::bare()
        .file("token.jwt", &token)
        .args(&["dry-run", "--web-identity-token-file", "token.jwt"])
        .args(&["--issuer", &github.issuer(), "--claim", "environment=prod"])
        .run()
        .await;
    mixed.assert_code(2);
    assert!(
        mixed
            .stderr
            .contains("`web-identity-token-file`: is given together with --claim"),
        "{}",
        mixed.stderr
    );
}

/// Issue #14: minted claims agree with each other and say which were set and which derived.
#[tokio::test(flavor = "multi_thread")]
async fn minted_claims_follow_what_was_set() {
    let out = Run::bare()
        .args(&["dry-run", "--claim", "ref=refs/tags/v1.2.3"])
        .run()
        .await;
    out.assert_code(0);
    let lines: Vec<&str> = out
        .stdout
        .lines()
        .filter(|l| l.ends_with("(set)") || l.ends_with("(derived)"))
        .collect();
    insta::assert_snapshot!(lines.join("\n"), @"
      job_workflow_ref       `octo-org/octo-repo/.github/workflows/deploy.yml@refs/tags/v1.2.3`  (derived)
      ref                    `refs/tags/v1.2.3`  (set)
      ref_protected          `false`  (derived)
      ref_type               `tag`  (derived)
      sub                    `repo:octo-org/octo-repo:ref:refs/tags/v1.2.3`  (derived)
      workflow_ref           `octo-org/octo-repo/.github/workflows/deploy.yml@refs/tags/v1.2.3`  (derived)
    ");
}

/// Issue #14: an `INPUT_*` that is not an input is named with a did-you-mean; a misspelt
/// required input is named in the error; the dry run does not stand in an example for it.
#[tokio::test(flavor = "multi_thread")]
async fn misspelt_inputs_are_named() {
    let warned = Scenario::new()
        .await
        .input("allowed-account-id", "123456789012")
        .run()
        .await;
    warned.assert_code(0);
    assert!(
        warned.stdout.contains("::warning title=unknown input::`allowed-account-id` is not an input of this action (INPUT_ALLOWED-ACCOUNT-ID is set), so it is ignored: did you mean `allowed-account-ids`?"),
        "{}",
        warned.stdout
    );

    let missing = Scenario::new()
        .await
        .no_token()
        .sts_unreached()
        .without_input("role-to-assume")
        .input("role-to-asume", ROLE)
        .run()
        .await;
    missing.assert_code(2);
    // Named before the inputs are checked, so also when a check fails.
    assert!(
        missing.stdout.contains(
            "::warning title=unknown input::`role-to-asume` is not an input of this action"
        ),
        "{}",
        missing.stdout
    );
    insta::assert_snapshot!(missing.stderr_normalized(), @"
    ::stop-commands::[STOP-1]
    error: 1 invalid input
      - `role-to-assume`: is required; `role-to-asume` is set (INPUT_ROLE-TO-ASUME), a misspelling of `role-to-assume`?
    hint: role-to-assume: rename `role-to-asume` to `role-to-assume` under `with:`
    ::[STOP-1]::
    ");

    let dry = Run::bare()
        .env("INPUT_ROLE-TO-ASUME", ROLE)
        .arg("dry-run")
        .run()
        .await;
    dry.assert_code(2);
    assert!(
        dry.stderr.contains("a misspelling of `role-to-assume`?"),
        "{}",
        dry.stderr
    );
}

/// Issue #14: an earlier step's temporary session (`ASIA…`) is not a leftover key to delete.
#[tokio::test(flavor = "multi_thread")]
async fn an_earlier_steps_session_is_not_a_leftover_key() {
    let out = Scenario::new()
        .await
        .env("AWS_ACCESS_KEY_ID", "ASIAEARLIERSTEP12345")
        .env("AWS_SECRET_ACCESS_KEY", "earlier-step-secret")
        .env("AWS_SESSION_TOKEN", "earlier-step-token")
        .run()
        .await;
    out.assert_code(0);
    assert!(!out.stderr.contains("deactivate the key"), "{}", out.stderr);
    assert!(!out.stderr.contains("ASIA"), "{}", out.stderr);
}

/// Issue #14: `role-chaining` from the environment's credentials names the session after the
/// run, as the runner passes GITHUB_RUN_ID, GITHUB_RUN_ATTEMPT and GITHUB_REPOSITORY to every
/// step. (`gha-oidc-assume` is only the fallback when none of them is set.)
#[tokio::test(flavor = "multi_thread")]
async fn role_chaining_keeps_the_run_id_in_the_session_name() {
    let moto = Moto::start();
    let out = Scenario::new()
        .await
        .without_oidc()
        .with_moto(&moto)
        .input("role-chaining", "true")
        .env("AWS_ACCESS_KEY_ID", "ASIAEARLIERSTEP12345")
        .env("AWS_SECRET_ACCESS_KEY", "earlier-step-secret")
        .env("AWS_SESSION_TOKEN", "earlier-step-token")
        .env("GITHUB_RUN_ID", "11843209874")
        .env("GITHUB_RUN_ATTEMPT", "2")
        .env("GITHUB_REPOSITORY", "octo-org/octo-repo")
        .run()
        .await;
    out.assert_code(0);
    assert!(
        out.stderr
            .contains("assumed-role/octo-deploy/gha-11843209874-2-octo-org.octo-repo until"),
        "{}",
        out.stderr
    );
}

/// Issue #14: a chained `AssumeRole` refused for `sts:TagSession` says how to fix that, not
/// something about the token's claims.
#[tokio::test(flavor = "multi_thread")]
async fn a_tag_session_refusal_names_the_permission() {
    let out = Scenario::new()
        .await
        .without_oidc()
        .input("aws-access-key-id", "AKIAIOSFODNN7EXAMPLE")
        .input("aws-secret-access-key", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
        .sts(sts_error(
            403,
            "AccessDenied",
            "User: arn:aws:iam::123456789012:user/ci is not authorized to perform: sts:TagSession on resource: arn:aws:iam::123456789012:role/octo-deploy",
        ))
        .run()
        .await;
    out.assert_code(5);
    assert!(
        out.stderr.contains("hint: the role's trust policy allows `sts:AssumeRole` but not `sts:TagSession`: add `sts:TagSession` to the actions of the statement that trusts the caller, or set `role-skip-session-tagging: true`"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("claims"), "{}", out.stderr);
}

/// Issue #14: on a laptop, `credential-process` says what it needs, and a refresh does not
/// repeat the same warnings (once a day per notice; errors always).
#[tokio::test(flavor = "multi_thread")]
async fn credential_process_on_a_laptop_says_what_it_needs_once() {
    let home = tempfile::tempdir().unwrap();
    let home = home.path().to_str().unwrap().to_string();
    let run = || {
        Run::bare()
            .env("HOME", &home)
            .args(&[
                "credential-process",
                "--role-to-assume",
                ROLE,
                "--aws-region",
                "eu-west-1",
            ])
            .run()
    };
    let first = run().await;
    first.assert_code(2);
    insta::assert_snapshot!(first.stderr, @"
    warning: no claim policy: any workflow run whose token the role's trust policy accepts gets credentials. Add .github/oidc-assume.toml (or the allowed-* inputs) so this step checks repository, ref, environment and event itself and explains refusals
    error: credential-process has no OIDC token to exchange: there is no runner to ask outside a GitHub Actions job, and no web-identity-token-file was given
    hint: on a laptop, give --web-identity-token-file FILE (a file holding a current OIDC token; GitHub's live 5 minutes, so this suits issuers that keep the file fresh, such as Kubernetes or a CI agent)
    hint: or give --role-chaining true: the role is then assumed with your AWS credentials (the environment's keys, else your ~/.aws profile or SSO session), and no claim policy applies
    hint: inside a workflow, the job needs `permissions: id-token: write` so the runner can mint a token
    ");
    let refresh = run().await;
    refresh.assert_code(2);
    assert!(!refresh.stderr.contains("warning:"), "{}", refresh.stderr);
    assert!(
        refresh
            .stderr
            .starts_with("error: credential-process has no OIDC token")
    );
}
