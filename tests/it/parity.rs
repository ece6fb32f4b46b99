//! configure-aws-credentials parity and beyond, against moto (a real STS emulator) with the AWS
//! CLI as the judge: role chaining, static keys, several profiles in one step,
//! credential_process, allowed-account-ids, cleanup, and a proxy every request goes through.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::{Arc, Mutex};

use crate::common::*;

const CHAINED: &str = "arn:aws:iam::210987654321:role/cross-account-reader";
const STATIC_KEY: &str = "AKIAIOSFODNN7EXAMPLE";
const STATIC_SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

/// The AWS CLI's `sts get-caller-identity` ARN, with only `env` and the given files.
fn caller_arn(moto: &Moto, home: &Path, env: &[(String, String)], args: &[&str]) -> String {
    let cli = std::process::Command::new(venv_bin("aws"))
        .args(["sts", "get-caller-identity", "--output", "json"])
        .args(["--endpoint-url", &moto.endpoint])
        .args(args)
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", home)
        .env("AWS_DEFAULT_REGION", "eu-central-1")
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .output()
        .unwrap();
    assert!(
        cli.status.success(),
        "aws cli: {}",
        String::from_utf8_lossy(&cli.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&cli.stdout).unwrap();
    json["Arn"].as_str().unwrap().to_string()
}

fn credential_env(out: &Outcome) -> Vec<(String, String)> {
    out.env_vars()
        .into_iter()
        .filter(|(k, v)| k.starts_with("AWS_") && !v.is_empty())
        .collect()
}

fn output(out: &Outcome, name: &str) -> Option<String> {
    out.outputs()
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

#[tokio::test]
async fn oidc_then_chained_role_is_the_identity_later_steps_get() {
    let moto = Moto::start();
    let out = Scenario::new()
        .await
        .with_moto(&moto)
        .input("chain-roles", CHAINED)
        .input("role-duration-seconds", "7200")
        .env("GITHUB_REPOSITORY", "octo-org/octo-repo")
        .env("GITHUB_WORKFLOW", "Deploy (prod)")
        .run()
        .await;
    out.assert_code(0);
    // STS caps a chained session at 3600 s: a notice says so.
    insta::assert_snapshot!(out.stderr_normalized(), @"
    oidc-assume: role-duration-seconds asked for 7200 s, but STS caps a session assumed with another role's session at 3600 s (role chaining); it lasts 3600 s
    oidc-assume: assumed arn:aws:sts::210987654321:assumed-role/cross-account-reader/gha-11843209874-1-octo-org.octo-repo until [TIME] (no claim policy)
    ");
    assert_eq!(
        output(&out, "aws-account-id").as_deref(),
        Some("210987654321")
    );
    let arn = caller_arn(&moto, Path::new("/nonexistent"), &credential_env(&out), &[]);
    assert!(
        arn.starts_with("arn:aws:sts::210987654321:assumed-role/cross-account-reader/gha-"),
        "{arn}"
    );
}

#[tokio::test]
async fn static_keys_assume_the_role_and_say_how_to_move_to_oidc() {
    let moto = Moto::start();
    let out = Scenario::new()
        .await
        .without_oidc()
        .with_moto(&moto)
        .input("aws-access-key-id", STATIC_KEY)
        .input("aws-secret-access-key", STATIC_SECRET)
        .input("role-to-assume", "octo-deploy")
        .env("GITHUB_RUN_ID", "991")
        .env("GITHUB_REPOSITORY", "octo-org/octo-repo")
        .run()
        .await;
    out.assert_code(0);
    // A warning about static AWS keys lists what OIDC needs (`id-token: write`, ...).
    insta::assert_snapshot!(out.annotations(), @"::warning title=static AWS keys::this step uses aws-access-key-id/aws-secret-access-key. To switch to OIDC: give the job `permissions: id-token: write`, create the IAM OIDC provider token.actions.githubusercontent.com (audience sts.amazonaws.com), let the role trust it for your repository (run `oidc-assume trust-policy` to generate the statement), then drop the keys from `with:` and delete the secrets");
    let env = credential_env(&out);
    let exported_key = &env
        .iter()
        .find(|(k, _)| k == "AWS_ACCESS_KEY_ID")
        .unwrap()
        .1;
    assert_ne!(
        exported_key, STATIC_KEY,
        "the role's session is exported, not the keys"
    );
    // The bare role name resolved in the keys' account (moto's default account).
    let arn = caller_arn(&moto, Path::new("/nonexistent"), &env, &[]);
    assert_eq!(
        arn,
        "arn:aws:sts::123456789012:assumed-role/octo-deploy/gha-991-octo-org.octo-repo"
    );
}

#[tokio::test]
async fn static_keys_without_a_role_are_exported_as_they_are() {
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
    let env = out.env_vars();
    assert_eq!(env[0], ("AWS_ACCESS_KEY_ID".into(), STATIC_KEY.into()));
    assert_eq!(env[2], ("AWS_SESSION_TOKEN".into(), String::new()));
    assert_eq!(output(&out, "aws-expiration"), None);
    assert_eq!(
        output(&out, "aws-account-id").as_deref(),
        Some("123456789012")
    );
    // The exported records exactly: the keys, a blank session token, no expiration.
    insta::assert_snapshot!(out.report(), @"
    exit: 0
    --- stdout
    ::add-mask::AKIAIOSFODNN7EXAMPLE
    ::add-mask::wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
    ::warning title=static AWS keys::this step uses aws-access-key-id/aws-secret-access-key. To switch to OIDC: give the job `permissions: id-token: write`, create the IAM OIDC provider token.actions.githubusercontent.com (audience sts.amazonaws.com), let the role trust it for your repository (run `oidc-assume trust-policy` to generate the statement), then drop the keys from `with:` and delete the secrets
    --- stderr
    oidc-assume: exported the static keys of arn:aws:sts::123456789012:user/moto as they are (from the `aws-access-key-id` input; no token, so no claim policy applies)
    --- GITHUB_ENV
    AWS_ACCESS_KEY_ID<<EOF
    AKIAIOSFODNN7EXAMPLE
    EOF
    AWS_SECRET_ACCESS_KEY<<EOF
    wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
    EOF
    AWS_SESSION_TOKEN<<EOF

    EOF
    AWS_REGION<<EOF
    eu-central-1
    EOF
    AWS_DEFAULT_REGION<<EOF
    eu-central-1
    EOF
    --- GITHUB_OUTPUT
    aws-account-id<<EOF
    123456789012
    EOF
    authenticated-arn<<EOF
    arn:aws:sts::123456789012:user/moto
    EOF
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

#[tokio::test]
async fn several_roles_become_profiles_the_aws_cli_uses() {
    let moto = Moto::start();
    let existing = "# the developer's own\n[default]\naws_access_key_id = AKIAOWNKEYEXAMPLE123\naws_secret_access_key = own\n";
    // Its own HOME: the run's temp dir goes away when the run ends.
    let home_dir = tempfile::tempdir().unwrap();
    let home = home_dir.path().to_path_buf();
    std::fs::create_dir_all(home.join(".aws")).unwrap();
    std::fs::write(home.join(".aws/credentials"), existing).unwrap();
    let out = Scenario::new()
        .await
        .with_moto(&moto)
        .env("HOME", home.to_str().unwrap())
        .without_input("role-to-assume")
        .input(
            "roles",
            &format!(
                "deploy = \"{ROLE}\"\nreader = {{ role = \"{ROLE}\", chain = [\"{CHAINED}\"], duration = 900, region = \"us-west-2\" }}\n"
            ),
        )
        .run()
        .await;
    out.assert_code(0);
    let credentials = std::fs::read_to_string(home.join(".aws/credentials")).unwrap();
    assert!(credentials.starts_with(existing), "{credentials}");
    assert!(credentials.contains("[deploy]") && credentials.contains("[reader]"));
    let config = std::fs::read_to_string(home.join(".aws/config")).unwrap();
    insta::assert_snapshot!(config, @"
    [profile deploy]
    # written by oidc-assume
    region = eu-central-1

    [profile reader]
    # written by oidc-assume
    region = us-west-2
    ");
    // No credential variables: each later step picks a profile.
    assert!(
        credential_env(&out)
            .iter()
            .all(|(k, _)| !k.contains("SECRET"))
    );
    for (profile, account, role) in [
        ("deploy", "123456789012", "octo-deploy"),
        ("reader", "210987654321", "cross-account-reader"),
    ] {
        let arn = caller_arn(&moto, &home, &[], &["--profile", profile]);
        assert!(
            arn.starts_with(&format!("arn:aws:sts::{account}:assumed-role/{role}/")),
            "{profile}: {arn}"
        );
    }
    let mode = std::os::unix::fs::PermissionsExt::mode(
        &std::fs::metadata(home.join(".aws/config"))
            .unwrap()
            .permissions(),
    );
    assert_eq!(mode & 0o777, 0o600);
}

#[tokio::test]
async fn credential_process_profile_refreshes_through_the_aws_cli() {
    let moto = Moto::start();
    let github = Github::start().await;
    let token = github.sign(&github.claims());
    let home = tempfile::tempdir().unwrap();
    let token_file = home.path().join("token.jwt");
    std::fs::write(&token_file, &token).unwrap();
    let config = format!(
        "[profile ci]\nregion = eu-central-1\ncredential_process = {} credential-process --role-to-assume {ROLE} --aws-region eu-central-1 --web-identity-token-file {} --issuer {} --sts-endpoint {}\n",
        env!("CARGO_BIN_EXE_oidc-assume"),
        token_file.display(),
        github.issuer(),
        moto.endpoint
    );
    std::fs::write(home.path().join("config"), config).unwrap();
    let env = [(
        "AWS_CONFIG_FILE".to_string(),
        home.path().join("config").display().to_string(),
    )];
    let arn = caller_arn(&moto, home.path(), &env, &["--profile", "ci"]);
    assert!(
        arn.starts_with("arn:aws:sts::123456789012:assumed-role/octo-deploy/gha-11843209874-1-"),
        "{arn}"
    );

    // Its stdout is the JSON and nothing else.
    let out = Run::bare()
        .args(&["credential-process", "--role-to-assume", ROLE])
        .args(&["--aws-region", "eu-central-1", "--issuer", &github.issuer()])
        .args(&["--sts-endpoint", &moto.endpoint])
        .args(&["--web-identity-token-file", token_file.to_str().unwrap()])
        .run()
        .await;
    out.assert_code(0);
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let keys: Vec<&str> = json
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "AccessKeyId",
            "Expiration",
            "SecretAccessKey",
            "SessionToken",
            "Version"
        ]
    );
    assert_eq!(json["Version"], 1);
}

#[tokio::test]
async fn allowed_account_ids_are_checked_before_anything_is_written() {
    // A role ARN outside the list is refused before the token is even requested (issue #14:
    // the dry run makes the same check at the same point): no token, no STS call.
    let moto = Moto::start();
    let out = Scenario::new()
        .await
        .no_token()
        .with_moto(&moto)
        .input("allowed-account-ids", "111111111111, 222222222222")
        .run()
        .await;
    out.assert_code(3).assert_nothing_exported();
    insta::assert_snapshot!(out.stderr_normalized(), @"
    ::stop-commands::[STOP-1]
    error: role arn:aws:iam::123456789012:role/octo-deploy is in account 123456789012, which allowed-account-ids does not list (111111111111, 222222222222); no request was sent
    hint: check role-to-assume and chain-roles (a role in the wrong account?); add the account to allowed-account-ids only if this workflow is meant to get credentials there
    ::[STOP-1]::
    ");

    // A bare role name is in the account of the keys that assume it, known only after STS
    // answers: the check after STS still stops the export.
    let out = Scenario::new()
        .await
        .without_oidc()
        .with_moto(&moto)
        .input("aws-access-key-id", STATIC_KEY)
        .input("aws-secret-access-key", STATIC_SECRET)
        .input("role-to-assume", "octo-deploy")
        .input("allowed-account-ids", "111111111111, 222222222222")
        .run()
        .await;
    out.assert_code(3).assert_nothing_exported();
    assert!(
        out.stderr.contains("belong to account 123456789012, which allowed-account-ids does not list (111111111111, 222222222222); nothing was exported"),
        "{}",
        out.stderr
    );
}

#[tokio::test]
async fn post_step_blanks_the_variables_and_removes_the_profile() {
    let moto = Moto::start();
    let home_dir = tempfile::tempdir().unwrap();
    let home = home_dir.path().to_path_buf();
    let state = home.join("github_state");
    std::fs::write(&state, "").unwrap();
    let out = Scenario::new()
        .await
        .with_moto(&moto)
        .env("HOME", home.to_str().unwrap())
        .input("aws-profile", "ci")
        .input("output-env-credentials", "true")
        .env("GITHUB_STATE", state.to_str().unwrap())
        .run()
        .await;
    out.assert_code(0);
    assert!(home.join(".aws/credentials").exists());
    let env = out.env_vars();
    assert!(
        env.contains(&("AWS_PROFILE".into(), "ci".into())),
        "{env:?}"
    );
    assert!(
        env.contains(&("AWS_ACCESS_KEY_ID".into(), String::new())),
        "{env:?}"
    );
    let arn = caller_arn(&moto, &home, &[], &["--profile", "ci"]);
    assert!(arn.contains(":assumed-role/octo-deploy/"), "{arn}");

    // The runner hands the last `oidc_assume` state record to the post step.
    let record = std::fs::read_to_string(&state).unwrap();
    let value = record
        .split("oidc_assume<<")
        .last()
        .and_then(|r| r.split_once('\n'))
        .map(|(delimiter, rest)| {
            rest.split(&format!("\n{delimiter}"))
                .next()
                .unwrap()
                .to_string()
        })
        .unwrap();
    assert!(value.contains("\"profiles\":{"), "{value}");
    let post = Run::action()
        .env("STATE_oidc_assume", &value)
        .env("INPUT_ROLE-TO-ASSUME", "not even valid in the post step")
        .run()
        .await;
    post.assert_code(0);
    assert!(
        !home.join(".aws/credentials").exists(),
        "a file we created is deleted"
    );
    assert_eq!(
        post.env_vars(),
        [("AWS_PROFILE".to_string(), String::new())],
        "the post step blanks what the main step exported"
    );
    insta::assert_snapshot!(post.report(), @"
    exit: 0
    --- stdout: empty
    --- stderr
    oidc-assume: cleanup: blanked 1 variable(s) and removed profile(s) ci from [TMPDIR]/.aws/credentials
    --- GITHUB_ENV
    AWS_PROFILE<<EOF

    EOF
    --- GITHUB_OUTPUT: empty
    --- step summary: empty
    ");
}

/// A minimal HTTP forward proxy on 127.0.0.1 that records each request line it relays.
fn forward_proxy() -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    std::thread::spawn(move || {
        for client in listener.incoming().flatten() {
            let log = log.clone();
            std::thread::spawn(move || relay(client, &log));
        }
    });
    (url, seen)
}

fn relay(mut client: TcpStream, log: &Mutex<Vec<String>>) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        let Ok(n) = client.read(&mut chunk) else {
            return;
        };
        if n == 0 {
            return;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let mut lines = head.split("\r\n");
    let request_line = lines.next().unwrap_or_default().to_string();
    let mut parts = request_line.split(' ');
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let Some(rest) = target.strip_prefix("http://") else {
        let _ = client.write_all(b"HTTP/1.1 501 Not Implemented\r\ncontent-length: 0\r\n\r\n");
        return;
    };
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    log.lock().unwrap().push(format!("{method} {target}"));
    let length: usize = lines
        .clone()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-length:")
                .map(|v| v.trim().parse().unwrap_or(0))
        })
        .unwrap_or(0);
    while buf.len() < head_end + length {
        let Ok(n) = client.read(&mut chunk) else {
            return;
        };
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let Ok(mut upstream) = TcpStream::connect(authority) else {
        return;
    };
    let mut forwarded = format!(
        "{method} {} HTTP/1.1\r\n",
        if path.is_empty() { "/" } else { path }
    );
    for line in lines.filter(|l| !l.is_empty()) {
        let lower = line.to_ascii_lowercase();
        if !lower.starts_with("connection:") && !lower.starts_with("proxy-") {
            forwarded.push_str(line);
            forwarded.push_str("\r\n");
        }
    }
    forwarded.push_str("connection: close\r\n\r\n");
    let _ = upstream.write_all(forwarded.as_bytes());
    let _ = upstream.write_all(&buf[head_end..]);
    let mut response = Vec::new();
    let _ = upstream.read_to_end(&mut response);
    // The client may reuse its connection: tell it this one ends here.
    let text = String::from_utf8_lossy(&response);
    let response = text.replacen("\r\n", "\r\nconnection: close\r\n", 1);
    let _ = client.write_all(response.as_bytes());
}

#[tokio::test]
async fn every_request_goes_through_the_proxy_unless_bypassed() {
    let moto = Moto::start();
    let (proxy, seen) = forward_proxy();
    let out = Scenario::new()
        .await
        .with_moto(&moto)
        .input("http-proxy", &proxy)
        .env("NO_PROXY", "example.invalid")
        .run()
        .await;
    out.assert_code(0);
    let seen = seen.lock().unwrap().clone();
    let hits = |needle: &str| seen.iter().filter(|l| l.contains(needle)).count();
    assert_eq!(hits("/idtoken"), 1, "{seen:?}");
    assert!(hits("/.well-known/") >= 1, "{seen:?}");
    assert_eq!(hits(&format!("POST {}/", moto.endpoint)), 1, "{seen:?}");

    // Bypassed hosts go direct, also from the HTTPS_PROXY family of variables.
    let (proxy, seen) = forward_proxy();
    let out = Scenario::new()
        .await
        .with_moto(&moto)
        .env("http_proxy", &proxy)
        .input("no-proxy", "127.0.0.1")
        .run()
        .await;
    out.assert_code(0);
    assert!(seen.lock().unwrap().is_empty());
}

/// STS's answer to AssumeRole (what wiremock serves for chained calls).
fn assume_role_xml(account: &str, role: &str) -> String {
    format!(
        r#"<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult><AssumedRoleUser><Arn>arn:aws:sts::{account}:assumed-role/{role}/s</Arn><AssumedRoleId>AROACHAINED:s</AssumedRoleId></AssumedRoleUser><Credentials><SessionToken>{SESSION_TOKEN}</SessionToken><SecretAccessKey>{SECRET_ACCESS_KEY}</SecretAccessKey><Expiration>{EXPIRATION}</Expiration><AccessKeyId>{ACCESS_KEY_ID}</AccessKeyId></Credentials><PackedPolicySize>6</PackedPolicySize></AssumeRoleResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></AssumeRoleResponse>"#
    )
}

#[tokio::test]
async fn session_tags_are_sent_and_dropped_once_when_the_packed_policy_is_too_large() {
    use wiremock::matchers::{body_string_contains, method};
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let sts = MockServer::start().await;
    Mock::given(method("POST"))
        .and(body_string_contains("Action=AssumeRoleWithWebIdentity"))
        .respond_with(ResponseTemplate::new(200).set_body_string(sts_success_xml("first")))
        .expect(1)
        .mount(&sts)
        .await;
    // With the context tags: too large. Workflow names are sanitised (`(`, `)` become `_`).
    Mock::given(method("POST"))
        .and(body_string_contains("Action=AssumeRole&"))
        .and(body_string_contains("Tags.member.1.Key=GitHub"))
        .and(body_string_contains("Tags.member.3.Value=Deploy%20_prod_"))
        .and(body_string_contains("ExternalId=partner-7"))
        .respond_with(ResponseTemplate::new(400).set_body_string(sts_error_xml(
            "PackedPolicyTooLarge",
            "Packed size of consumed policies and session tags exceeds the limit",
        )))
        .with_priority(1)
        .expect(1)
        .mount(&sts)
        .await;
    // Without them: only the custom tag, and it stays transitive.
    Mock::given(method("POST"))
        .and(body_string_contains("Action=AssumeRole&"))
        .and(body_string_contains("Tags.member.1.Key=Team"))
        .and(body_string_contains("TransitiveTagKeys.member.1=Team"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_string(assume_role_xml("210987654321", "cross-account-reader")),
        )
        .with_priority(2)
        .expect(1)
        .mount(&sts)
        .await;
    let out = Scenario::new()
        .await
        .sts_at(&sts)
        .input("chain-roles", CHAINED)
        .input("role-external-id", "partner-7")
        .input("custom-tags", r#"{"Team":"platform"}"#)
        .input("transitive-tag-keys", "Team, Repository")
        .env("GITHUB_REPOSITORY", "octo-org/octo-repo")
        .env("GITHUB_WORKFLOW", "Deploy (prod)")
        .input("retry-max-attempts", "1")
        .run()
        .await;
    out.assert_code(0);
    // The refusal is explained, and the call retried once without the context tags.
    insta::assert_snapshot!(out.stderr_normalized(), @"
    oidc-assume: STS says the session policies and tags are too large for arn:aws:iam::210987654321:role/cross-account-reader; retrying without the GitHub context tags
    oidc-assume: assumed arn:aws:sts::210987654321:assumed-role/cross-account-reader/s until 2026-11-24T13:00:00Z (no claim policy)
    ");
    assert_eq!(
        output(&out, "aws-account-id").as_deref(),
        Some("210987654321")
    );
}

#[tokio::test]
async fn role_chaining_uses_the_environment_then_a_profile_file() {
    let moto = Moto::start();
    // An earlier step's keys in the environment (CAC's `role-chaining: true`).
    let out = Scenario::new()
        .await
        .without_oidc()
        .with_moto(&moto)
        .input("role-chaining", "true")
        .input("role-to-assume", CHAINED)
        .input("role-duration-seconds", "7200")
        .env("AWS_ACCESS_KEY_ID", "ASIAEARLIERSTEP12345")
        .env("AWS_SECRET_ACCESS_KEY", "earlier-step-secret")
        .env("AWS_SESSION_TOKEN", "earlier-step-token")
        .run()
        .await;
    out.assert_code(0);
    // The chained session is capped at 3600 s, with a notice.
    insta::assert_snapshot!(out.stderr_normalized(), @"
    oidc-assume: role-duration-seconds asked for 7200 s, but STS caps a session assumed with another role's session at 3600 s (role chaining); it lasts 3600 s
    oidc-assume: assumed arn:aws:sts::210987654321:assumed-role/cross-account-reader/gha-oidc-assume until [TIME] (from the AWS credentials already present; no token, so no claim policy applies)
    ");
    let arn = caller_arn(&moto, Path::new("/nonexistent"), &credential_env(&out), &[]);
    assert!(arn.starts_with("arn:aws:sts::210987654321:assumed-role/cross-account-reader/"));

    // No keys in the environment: the ambient chain finds a profile file (a self-hosted
    // runner's, here), and never needs an OIDC token.
    let dir = tempfile::tempdir().unwrap();
    let credentials = dir.path().join("credentials");
    std::fs::write(
        &credentials,
        "[default]\naws_access_key_id = AKIARUNNERPROFILE123\naws_secret_access_key = runner-secret\n",
    )
    .unwrap();
    let out = Scenario::new()
        .await
        .without_oidc()
        .with_moto(&moto)
        .input("force-skip-oidc", "true")
        .input("role-to-assume", "octo-deploy")
        .env("AWS_SHARED_CREDENTIALS_FILE", credentials.to_str().unwrap())
        .env("AWS_CONFIG_FILE", dir.path().join("none").to_str().unwrap())
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .run()
        .await;
    out.assert_code(0);
    assert_eq!(
        output(&out, "aws-account-id").as_deref(),
        Some("123456789012")
    );

    // Nothing to chain from: a configuration error that says what to do.
    let out = Scenario::new()
        .await
        .without_oidc()
        .with_moto(&moto)
        .input("role-chaining", "true")
        .input("role-to-assume", CHAINED)
        .input("unset-current-credentials", "true")
        .env("AWS_ACCESS_KEY_ID", "ASIAEARLIERSTEP12345")
        .env("AWS_SECRET_ACCESS_KEY", "earlier-step-secret")
        .run()
        .await;
    out.assert_code(2).assert_nothing_exported();
    insta::assert_snapshot!(out.report(), @"
    exit: 2
    --- stdout
    ::error title=oidc-assume::no credentials to chain from: unset-current-credentials is on, so the environment's credentials are not used
    --- stderr
    ::stop-commands::[STOP-1]
    error: no credentials to chain from: unset-current-credentials is on, so the environment's credentials are not used
    hint: role-chaining and force-skip-oidc assume the role with credentials already present: run a credentials step before this one, or give aws-access-key-id/aws-secret-access-key, or drop role-chaining to use the job's OIDC token
    ::[STOP-1]::
    --- GITHUB_ENV: empty
    --- GITHUB_OUTPUT: empty
    --- step summary: empty
    ");
}

#[tokio::test]
async fn existing_credentials_are_kept_and_leftover_keys_are_named() {
    let moto = Moto::start();
    let out = Scenario::new()
        .await
        .without_oidc()
        .with_moto(&moto)
        .input("use-existing-credentials", "true")
        .input("role-chaining", "true")
        .input("role-to-assume", CHAINED)
        .env("AWS_ACCESS_KEY_ID", "ASIAEARLIERSTEP12345")
        .env("AWS_SECRET_ACCESS_KEY", "earlier-step-secret")
        .run()
        .await;
    out.assert_code(0).assert_nothing_exported();
    insta::assert_snapshot!(out.report(), @"
    exit: 0
    --- stdout: empty
    --- stderr
    oidc-assume: use-existing-credentials: the environment's credentials work (arn:aws:sts::123456789012:user/moto); requesting none
    --- GITHUB_ENV: empty
    --- GITHUB_OUTPUT: empty
    --- step summary: empty
    ");

    // OIDC with a long-lived key still in the environment: a notice on the way out that
    // names the key's kind and the secrets to delete; special-characters-workaround is
    // accepted with a notice that it does nothing.
    let out = Scenario::new()
        .await
        .with_moto(&moto)
        .input("special-characters-workaround", "true")
        .env("AWS_ACCESS_KEY_ID", "AKIAOLDROTATEDKEY123")
        .env("AWS_SECRET_ACCESS_KEY", "old-rotated-secret")
        .run()
        .await;
    out.assert_code(0);
    insta::assert_snapshot!(out.stderr_normalized(), @"
    oidc-assume: special-characters-workaround does nothing here: STS secrets are exported verbatim, whatever characters they hold
    oidc-assume: the environment holds a long-lived IAM user key (AKIA…); the credentials from the OIDC token replace them for later steps. Once every workflow uses OIDC, delete the AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY secrets and deactivate the key
    oidc-assume: assumed arn:aws:sts::123456789012:assumed-role/octo-deploy/gha-11843209874-1-octo-org.octo-repo until [TIME] (no claim policy)
    ");
    let exported = &credential_env(&out)[0];
    assert_ne!(exported.1, "AKIAOLDROTATEDKEY123");
}
