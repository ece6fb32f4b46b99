//! The JavaScript action (native/): `node native/main.js` and `node native/post.js` run exactly as
//! the runner runs a node action (inputs as `INPUT_*` with their declared defaults, the runner's
//! file commands, `STATE_*` for the post step, `RUNNER_*`), with the freshly built binary as
//! `OIDC_ASSUME_DEV_BINARY`; and the release path (download, SHA-256 pin, tool cache) against a
//! local stand-in for the release's download URL. Needs `node` on PATH (or `OIDC_ASSUME_TEST_NODE`).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use oidc_assume::inputs::INPUTS;
use serde_json::json;
use tempfile::TempDir;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::*;
use crate::watch::{HomeLease, Watch};

const DEV_BINARY: &str = env!("CARGO_BIN_EXE_oidc-assume");

fn repo_native() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("native")
}

/// The node executable the runner would use: `OIDC_ASSUME_TEST_NODE`, else `node` on PATH.
fn node() -> PathBuf {
    if let Some(node) = std::env::var_os("OIDC_ASSUME_TEST_NODE") {
        return node.into();
    }
    std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .map(|dir| dir.join("node"))
        .find(|p| p.is_file())
        .expect(
            "node not found on PATH (set OIDC_ASSUME_TEST_NODE): the native action's tests run it",
        )
}

/// A job's worth of runner state for the action: a work dir (cwd and HOME), a tool cache that
/// outlives steps, and the environment every step gets. Each [`Job::step`] gets fresh runner
/// files, as the runner creates them per step.
struct Job {
    dir: TempDir,
    action: PathBuf,
    env: Vec<(String, String)>,
}

/// What one step did: the usual [`Outcome`] plus the state it saved for the post step.
struct Step {
    out: Outcome,
    state: Vec<(String, String)>,
}

impl Job {
    /// A job running the action in `action` (the repository's native/ or a released copy), with
    /// every input's declared default set, as the runner passes them.
    fn new(action: &Path) -> Job {
        let dir = tempfile::tempdir().unwrap();
        let p = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
        std::fs::create_dir_all(dir.path().join("runner_temp")).unwrap();
        let mut env: Vec<(String, String)> = vec![
            ("PATH".into(), "/usr/bin:/bin".into()),
            ("HOME".into(), p("")),
            ("GITHUB_ACTIONS".into(), "true".into()),
            ("CI".into(), "true".into()),
            ("RUNNER_OS".into(), "Linux".into()),
            ("RUNNER_ARCH".into(), "X64".into()),
            ("RUNNER_TEMP".into(), p("runner_temp")),
            ("RUNNER_TOOL_CACHE".into(), p("tool_cache")),
        ];
        for input in INPUTS {
            if let Some(default) = input.default {
                env.push((
                    format!("INPUT_{}", input.name.to_uppercase()),
                    default.into(),
                ));
            }
        }
        Job {
            dir,
            action: action.to_path_buf(),
            env,
        }
    }

    /// The repository's own native/ (unreleased), running the freshly built binary.
    fn dev() -> Job {
        Job::new(&repo_native()).env("OIDC_ASSUME_DEV_BINARY", DEV_BINARY)
    }

    fn env(mut self, key: &str, value: &str) -> Job {
        self.env.retain(|(k, _)| k != key);
        self.env.push((key.into(), value.into()));
        self
    }

    fn input(self, name: &str, value: &str) -> Job {
        self.env(&format!("INPUT_{}", name.to_uppercase()), value)
    }

    /// The usual inputs and the token variables for `github`, STS at `sts`.
    fn with_github(self, github: &Github, sts: &str) -> Job {
        self.input("role-to-assume", ROLE)
            .input("aws-region", "eu-central-1")
            .input("issuer", &github.issuer())
            .input("sts-endpoint", sts)
            .env("ACTIONS_ID_TOKEN_REQUEST_URL", &github.request_url())
            .env("ACTIONS_ID_TOKEN_REQUEST_TOKEN", REQUEST_TOKEN)
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Runs `node <action>/<script>` (main.js or post.js) with the job's environment plus
    /// `extra`, fresh runner files, no shell.
    async fn step(&self, script: &str, extra: &[(&str, &str)]) -> Step {
        let files = [
            ("GITHUB_ENV", "github_env"),
            ("GITHUB_OUTPUT", "github_output"),
            ("GITHUB_STATE", "github_state"),
            ("GITHUB_STEP_SUMMARY", "step_summary"),
        ];
        let mut env = self.env.clone();
        for (var, name) in files {
            std::fs::write(self.path(name), "").unwrap();
            env.push((var.into(), self.path(name).to_str().unwrap().into()));
        }
        env.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        let mut cmd = Command::new(node());
        cmd.arg(self.action.join(script))
            .env_clear()
            .envs(env.iter().map(|(k, v)| (k, v)))
            .current_dir(self.dir.path())
            .stdin(Stdio::null());
        // The tool cache holds the binary the action installs, not an export.
        let watch = Watch::start(self.dir.path(), &env).ignoring(&self.path("tool_cache"));
        let home = HomeLease::take(&env);
        let started = std::time::Instant::now();
        let output = tokio::task::spawn_blocking(move || cmd.output().unwrap())
            .await
            .unwrap();
        let read = |name: &str| std::fs::read_to_string(self.path(name)).unwrap();
        let out = Outcome {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8(output.stdout).unwrap(),
            stderr: String::from_utf8(output.stderr).unwrap(),
            env_file: read("github_env"),
            output_file: read("github_output"),
            summary: read("step_summary"),
            dir: self.dir.path().to_str().unwrap().to_string(),
            token: None,
            ports: Vec::new(),
            elapsed: started.elapsed(),
        };
        let state = parse_records(&read("github_state"));
        // The same invariants as every run of the bare binary: node only wraps it.
        out.check_invariants(&env, &watch, home.shared(), false);
        Step { out, state }
    }

    /// The post step, given what `main` saved, as the runner passes it (`STATE_<name>`).
    async fn post(&self, main: &Step) -> Step {
        let vars: Vec<(String, String)> = main
            .state
            .iter()
            .map(|(k, v)| (format!("STATE_{k}"), v.clone()))
            .collect();
        let extra: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        self.step("post.js", &extra).await
    }
}

/// Records of a runner file (heredoc form, as the binary writes them).
fn parse_records(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let (name, delimiter) = line.split_once("<<").expect("heredoc record");
        let value: Vec<&str> = lines.by_ref().take_while(|l| *l != delimiter).collect();
        out.push((name.to_string(), value.join("\n")));
    }
    out
}

fn value<'a>(records: &'a [(String, String)], name: &str) -> Option<&'a str> {
    records
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// The AWS CLI, given only `env`, asks STS at `endpoint` who it is.
fn aws_cli_identity(env: &[(String, String)], endpoint: &str) -> serde_json::Value {
    let home = tempfile::tempdir().unwrap();
    let cli = Command::new(venv_bin("aws"))
        .args([
            "sts",
            "get-caller-identity",
            "--output",
            "json",
            "--endpoint-url",
            endpoint,
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
    serde_json::from_slice(&cli.stdout).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn main_step_credentials_satisfy_the_aws_cli_and_post_step_blanks_them() {
    let moto = Moto::start();
    let github = Github::start().await;
    github.serve_token(&github.sign(&github.claims())).await;
    let job = Job::dev()
        .with_github(&github, &moto.endpoint)
        .input("role-duration-seconds", "900");

    let main = job.step("main.js", &[]).await;
    main.out.assert_code(0);
    let env = main.out.env_vars();
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
    let arn = format!("arn:aws:sts::123456789012:assumed-role/octo-deploy/{SESSION}");
    assert_eq!(
        value(&main.out.outputs(), "authenticated-arn"),
        Some(arn.as_str())
    );
    // The fair judge: the AWS CLI, given only what the step exported, is that role.
    let identity = aws_cli_identity(&env, &moto.endpoint);
    assert_eq!(identity["Arn"], json!(arn));
    assert_eq!(identity["Account"], json!("123456789012"));

    // The post step gets the main step's state and blanks every variable it exported.
    assert!(
        value(&main.state, "oidc_assume").is_some(),
        "{:?}",
        main.state
    );
    let post = job.post(&main).await;
    post.out.assert_code(0);
    let blanked = post.out.env_vars();
    // The credentials, that is: the region stays for later steps.
    let expected: Vec<(String, String)> = names[..3]
        .iter()
        .map(|n| (n.to_string(), String::new()))
        .collect();
    assert_eq!(blanked, expected);
    assert!(
        post.out.stderr.contains("cleanup: blanked 3 variable(s)"),
        "{}",
        post.out.stderr
    );
    assert_eq!(post.out.output_file, "");
}

#[tokio::test(flavor = "multi_thread")]
async fn post_step_removes_the_profile_the_main_step_wrote() {
    let github = Github::start().await;
    github.serve_token(&github.sign(&github.claims())).await;
    let sts = mock_sts(sts_ok(), 1).await;
    let job = Job::dev()
        .with_github(&github, &sts.uri())
        .input("aws-profile", "deploy");
    let main = job.step("main.js", &[]).await;
    main.out.assert_code(0);
    let credentials = job.path(".aws/credentials");
    assert!(
        std::fs::read_to_string(&credentials)
            .unwrap()
            .contains("[deploy]")
    );
    let post = job.post(&main).await;
    post.out.assert_code(0);
    let left = std::fs::read_to_string(&credentials).unwrap_or_default();
    assert!(!left.contains("[deploy]"), "{left}");
    assert!(!left.contains(SECRET_ACCESS_KEY), "{left}");
}

#[tokio::test(flavor = "multi_thread")]
async fn post_step_without_the_main_steps_state_runs_nothing() {
    // A "binary" that would leave a mark: the post step must not start it (it would run the
    // main step again) when the main step never got as far as the binary.
    let job = Job::new(&repo_native());
    let marker = job.path("ran");
    let fake = job.path("fake-oidc-assume");
    std::fs::write(&fake, format!("#!/bin/sh\ntouch '{}'\n", marker.display())).unwrap();
    make_executable(&fake);
    let job = job.env("OIDC_ASSUME_DEV_BINARY", fake.to_str().unwrap());
    let post = job.step("post.js", &[]).await;
    post.out.assert_code(0).assert_nothing_exported();
    assert_eq!(post.out.stdout, "");
    assert!(!marker.exists());
}

#[tokio::test(flavor = "multi_thread")]
async fn hyphenated_inputs_reach_the_binary() {
    let github = Github::start().await;
    github.serve_token(&github.sign(&github.claims())).await;
    let server = MockServer::start().await;
    // STS sees the session name from INPUT_ROLE-SESSION-NAME and the duration from
    // INPUT_ROLE-DURATION-SECONDS: names a shell (dash) would have dropped.
    Mock::given(method("POST"))
        .and(wiremock::matchers::body_string_contains(
            "RoleSessionName=from-node-shim",
        ))
        .and(wiremock::matchers::body_string_contains(
            "DurationSeconds=1800",
        ))
        .respond_with(ResponseTemplate::new(200).set_body_string(sts_success_xml("from-node-shim")))
        .expect(1)
        .mount(&server)
        .await;
    let job = Job::dev()
        .with_github(&github, &server.uri())
        .input("role-session-name", "from-node-shim")
        .input("role-duration-seconds", "1800")
        .input("output-credentials", "true");
    let main = job.step("main.js", &[]).await;
    main.out.assert_code(0);
    let outputs = main.out.outputs();
    assert_eq!(
        value(&outputs, "authenticated-arn"),
        Some("arn:aws:sts::123456789012:assumed-role/octo-deploy/from-node-shim")
    );
    assert_eq!(value(&outputs, "aws-access-key-id"), Some(ACCESS_KEY_ID));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_binarys_exit_code_is_the_steps() {
    // A denial by the claim policy: exit 3, STS never called, nothing exported.
    let github = Github::start().await;
    github.serve_token(&github.sign(&github.claims())).await;
    let sts = mock_sts(sts_ok(), 0).await;
    let job = Job::dev()
        .with_github(&github, &sts.uri())
        .input("allowed-refs", "refs/heads/release");
    let denied = job.step("main.js", &[]).await;
    denied.out.assert_code(3).assert_nothing_exported();
    assert!(
        denied
            .out
            .stdout
            .contains("::error title=oidc-assume::denied by the claim policy")
    );

    // No id-token permission: exit 4.
    let job = Job::dev()
        .input("role-to-assume", ROLE)
        .input("aws-region", "eu-central-1");
    let no_token = job.step("main.js", &[]).await;
    no_token.out.assert_code(4).assert_nothing_exported();
    assert!(
        no_token
            .out
            .stdout
            .contains("ACTIONS_ID_TOKEN_REQUEST_URL is not set")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn post_step_after_a_failed_main_step_succeeds_and_writes_nothing() {
    // The runner runs post steps after a failure too; the binary recorded its (empty) state
    // before it failed, so the post step runs and has nothing to undo.
    let github = Github::start().await;
    github.serve_token(&github.sign(&github.claims())).await;
    let sts = mock_sts(sts_error(403, "AccessDenied", "Not authorized"), 1).await;
    let job = Job::dev().with_github(&github, &sts.uri());
    let main = job.step("main.js", &[]).await;
    main.out.assert_code(5).assert_nothing_exported();
    assert!(
        value(&main.state, "oidc_assume").is_some(),
        "{:?}",
        main.state
    );
    let post = job.post(&main).await;
    post.out.assert_code(0).assert_nothing_exported();
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unreleased_copy_runs_nothing_without_a_dev_binary() {
    let job = Job::new(&repo_native());
    for script in ["main.js", "post.js"] {
        let step = job.step(script, &[("STATE_oidc_assume", "{}")]).await;
        step.out.assert_code(1).assert_nothing_exported();
        assert!(
            step.out.stdout.contains(
                "::error title=oidc-assume::this copy of the action is not from a release commit"
            ),
            "{}",
            step.out.stdout
        );
    }
    let job = job.env("OIDC_ASSUME_DEV_BINARY", "/nonexistent/oidc-assume");
    let step = job.step("main.js", &[]).await;
    step.out.assert_code(1);
    assert!(
        step.out
            .stdout
            .contains("OIDC_ASSUME_DEV_BINARY names /nonexistent/oidc-assume, which is not a file")
    );
}

// ---- The release path: a released copy of native/ and a local stand-in for the download URL.

const VERSION: &str = "1.2.3";
const ASSET: &str = "oidc-assume-x86_64-unknown-linux-gnu";

fn make_executable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, bytes).as_ref())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A copy of native/ as the release workflow leaves it: release.js pins `pin` for the Linux x64
/// binary, to be downloaded from `download`.
fn released_copy(download: &str, pin: &str) -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    for file in ["action.yml", "main.js", "post.js"] {
        std::fs::copy(repo_native().join(file), dir.path().join(file)).unwrap();
    }
    let release = format!(
        "// test release\n'use strict';\nmodule.exports = {{\n  version: '{VERSION}',\n  download: '{download}',\n  sha256: {{\n    'x86_64-unknown-linux-gnu': '{pin}',\n  }},\n}};\n"
    );
    std::fs::write(dir.path().join("release.js"), release).unwrap();
    dir
}

/// A release asset that is a script: it says it ran (appending to `log`) and exits 7, so a test
/// sees which binary ran, how often, and that its exit code is the step's.
fn fake_asset(log: &Path, tag: &str) -> Vec<u8> {
    format!("#!/bin/sh\necho '{tag}' >> '{}'\nexit 7\n", log.display()).into_bytes()
}

/// The release's download URL as GitHub serves it: a redirect to the storage host, counted.
async fn release_server(asset: Vec<u8>, downloads: u64) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("/download/v{VERSION}/{ASSET}")))
        .respond_with(ResponseTemplate::new(302).insert_header(
            "location",
            format!("{}/storage/{ASSET}", server.uri()).as_str(),
        ))
        .expect(downloads)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/storage/{ASSET}")))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(asset))
        .expect(downloads)
        .mount(&server)
        .await;
    server
}

fn ran(log: &Path) -> String {
    std::fs::read_to_string(log).unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_verified_download_runs_and_the_tool_cache_serves_the_next_run() {
    let scratch = tempfile::tempdir().unwrap();
    let log = scratch.path().join("log");
    let asset = fake_asset(&log, "release");
    let server = release_server(asset.clone(), 1).await;
    let action = released_copy(
        &format!("{}/download/v{VERSION}", server.uri()),
        &sha256_hex(&asset),
    );
    let job = Job::new(action.path());

    let first = job.step("main.js", &[]).await;
    first.out.assert_code(7);
    assert_eq!(ran(&log), "release\n");
    // actions/toolkit's layout: RUNNER_TOOL_CACHE/NAME/VERSION/ARCH/ and ARCH.complete.
    let cached = job.path("tool_cache/oidc-assume/1.2.3/x64/oidc-assume");
    assert_eq!(std::fs::read(&cached).unwrap(), asset);
    assert!(
        job.path("tool_cache/oidc-assume/1.2.3/x64.complete")
            .exists()
    );

    // Second run, and the post step: from the cache (the server expects one download).
    let second = job.step("main.js", &[]).await;
    second.out.assert_code(7);
    let post = job.step("post.js", &[("STATE_oidc_assume", "{}")]).await;
    post.out.assert_code(7);
    assert_eq!(ran(&log), "release\nrelease\nrelease\n");
    assert_eq!(first.out.stdout, "");
    assert_eq!(second.out.stdout, "");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_download_that_does_not_match_its_pin_is_refused_and_never_run() {
    let scratch = tempfile::tempdir().unwrap();
    let log = scratch.path().join("log");
    let asset = fake_asset(&log, "tampered");
    let server = release_server(asset, 1).await;
    let pin = sha256_hex(b"the binary the release workflow built");
    let action = released_copy(&format!("{}/download/v{VERSION}", server.uri()), &pin);
    let job = Job::new(action.path());
    let step = job.step("main.js", &[]).await;
    step.out.assert_code(1).assert_nothing_exported();
    assert_eq!(ran(&log), "", "the mismatching binary ran");
    assert!(
        step.out.stdout.contains(&format!(
            "::error title=oidc-assume::{ASSET} from {}/download/v{VERSION}/{ASSET} has SHA-256 ",
            server.uri()
        )) && step.out.stdout.contains(&format!(
            "but native/release.js pins {pin}: refusing to run it"
        )),
        "{}",
        step.out.stdout
    );
    assert!(
        !job.path("tool_cache/oidc-assume/1.2.3/x64/oidc-assume")
            .exists()
    );
    assert!(
        !job.path("tool_cache/oidc-assume/1.2.3/x64.complete")
            .exists()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_tampered_tool_cache_entry_is_downloaded_again() {
    let scratch = tempfile::tempdir().unwrap();
    let log = scratch.path().join("log");
    let asset = fake_asset(&log, "release");
    let server = release_server(asset.clone(), 2).await;
    let action = released_copy(
        &format!("{}/download/v{VERSION}", server.uri()),
        &sha256_hex(&asset),
    );
    let job = Job::new(action.path());
    job.step("main.js", &[]).await.out.assert_code(7);
    // Another job on the same self-hosted runner swaps the cached binary.
    let cached = job.path("tool_cache/oidc-assume/1.2.3/x64/oidc-assume");
    std::fs::write(&cached, fake_asset(&log, "swapped")).unwrap();
    let step = job.step("main.js", &[]).await;
    step.out.assert_code(7);
    assert_eq!(ran(&log), "release\nrelease\n", "the swapped binary ran");
    assert!(
        step.out
            .stdout
            .starts_with("::warning title=oidc-assume::the cached "),
        "{}",
        step.out.stdout
    );
    assert_eq!(std::fs::read(&cached).unwrap(), asset);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_release_ignores_the_dev_binary_and_unsupported_runners_are_refused() {
    let scratch = tempfile::tempdir().unwrap();
    let log = scratch.path().join("log");
    let asset = fake_asset(&log, "release");
    let server = release_server(asset.clone(), 1).await;
    let action = released_copy(
        &format!("{}/download/v{VERSION}", server.uri()),
        &sha256_hex(&asset),
    );
    let dev = scratch.path().join("dev");
    std::fs::write(&dev, fake_asset(&log, "dev")).unwrap();
    make_executable(&dev);
    let job = Job::new(action.path()).env("OIDC_ASSUME_DEV_BINARY", dev.to_str().unwrap());
    let step = job.step("main.js", &[]).await;
    step.out.assert_code(7);
    assert_eq!(ran(&log), "release\n");
    assert!(
        step.out
            .stdout
            .contains("::warning title=oidc-assume::OIDC_ASSUME_DEV_BINARY is ignored")
    );

    let job = job.env("RUNNER_OS", "Windows").env("RUNNER_ARCH", "ARM64");
    let step = job.step("main.js", &[]).await;
    step.out.assert_code(1);
    assert!(
        step.out.stdout.contains(
            "::error title=oidc-assume::no oidc-assume binary is released for Windows/ARM64"
        ),
        "{}",
        step.out.stdout
    );
    // A platform the release has a binary for but this release.js does not pin: refused too.
    let job = job.env("RUNNER_OS", "macOS");
    let step = job.step("main.js", &[]).await;
    step.out.assert_code(1);
    assert!(
        step.out
            .stdout
            .contains("release.js pins no SHA-256 for aarch64-apple-darwin"),
        "{}",
        step.out.stdout
    );
    assert_eq!(ran(&log), "release\n");
}

#[tokio::test]
async fn refresh_credentials_through_the_native_action() {
    use crate::refresh::{later_sdk_step, serve_tokens, short_sts, sts_calls};
    let github = Github::start().await;
    let token = github.sign(&github.claims());
    serve_tokens(&github, &token).await;
    let sts = short_sts().await;
    let moto = Moto::start();
    let job = Job::dev()
        .with_github(&github, &sts.uri())
        .input("refresh-credentials", "true");

    let main = job.step("main.js", &[]).await;
    main.out.assert_code(0);
    let vars = main.out.env_vars();
    assert_eq!(
        value(&vars, "AWS_ACCESS_KEY_ID"),
        Some(""),
        "no static keys"
    );
    assert_eq!(value(&vars, "AWS_PROFILE"), Some("oidc-assume"));
    let config = value(&vars, "AWS_CONFIG_FILE").unwrap().to_string();
    let runner_temp = job.path("runner_temp");
    assert!(
        config.starts_with(runner_temp.to_str().unwrap()),
        "{config}"
    );
    // The profile runs the binary the native action ran, on the host.
    let profile = std::fs::read_to_string(&config).unwrap();
    assert!(
        profile.contains(&format!(
            "credential_process = {DEV_BINARY} credential-process"
        )),
        "{profile}"
    );

    let (stdout, _) = later_sdk_step(&vars, &github, &moto.endpoint).await;
    assert_eq!(stdout.lines().count(), 3, "{stdout}");
    assert!(
        sts_calls(&sts).await > 3,
        "the later step fetched fresh sessions"
    );

    // The post step blanks the profile variables this step set.
    let post = job.post(&main).await;
    post.out.assert_code(0);
    let blanked: Vec<String> = post.out.env_vars().into_iter().map(|(k, _)| k).collect();
    assert_eq!(blanked, ["AWS_PROFILE", "AWS_CONFIG_FILE"]);
}
