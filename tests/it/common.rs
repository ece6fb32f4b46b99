//! Test harness: runs the binary in a scrubbed environment and stands up local servers
//! (wiremock for the runner's token endpoint, the issuer and STS error paths; moto for STS).
//! [`Scenario`] is the happy path of the action built from these parts; a test states only
//! what differs. Snapshot rendering of the [`Outcome`] lives in `report.rs`.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use oidc_assume::mint::{SigningKey, sign_raw};
use serde_json::json;
use tempfile::TempDir;
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::watch::{HomeLease, Watch};

pub const ROLE: &str = "arn:aws:iam::123456789012:role/octo-deploy";
pub const REQUEST_TOKEN: &str = "runner-request-token-5f0c9e";
pub const ACCESS_KEY_ID: &str = "ASIAQEXAMPLE7JK2LMNO";
pub const SECRET_ACCESS_KEY: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY";
pub const SESSION_TOKEN: &str = "FwoGZXIvYXdzEJr//////////wEaDEXAMPLESESSIONTOKEN+abc/def==";
pub const EXPIRATION: &str = "2026-11-24T13:00:00Z";

pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// Secrets the harness plants in every run's environment, which the product has no reason to
/// read: any of them in an output is a leak of the environment itself.
pub const CANARIES: [(&str, &str); 2] = [
    (
        "ACTIONS_RUNTIME_TOKEN",
        "canary-actions-runtime-token-3b9e71",
    ),
    ("GITHUB_TOKEN", "ghs_canaryGithubToken0c4f2a9d81e6b7"),
];

/// Variables whose value is a secret wherever a test sets them (inputs and the SDK's own).
pub const SECRET_VARIABLES: [&str; 5] = [
    "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
    "INPUT_AWS-SECRET-ACCESS-KEY",
    "INPUT_AWS-SESSION-TOKEN",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
];

/// Every secret the harness hands out (credentials, request token, each signed JWT): every run
/// checks that none of them appears in its output outside `::add-mask::` lines.
static SECRETS: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());

fn register_secret(secret: &str) {
    SECRETS.lock().unwrap().push(secret.to_string());
}

pub fn known_secrets() -> Vec<String> {
    let mut all: Vec<String> = [
        REQUEST_TOKEN,
        ACCESS_KEY_ID,
        SECRET_ACCESS_KEY,
        SESSION_TOKEN,
    ]
    .map(String::from)
    .to_vec();
    all.extend(SECRETS.lock().unwrap().iter().cloned());
    all.extend(CANARIES.map(|(_, v)| v.to_string()));
    all
}

/// One ephemeral signing key per test process (RSA generation is slow in debug builds).
pub fn key() -> &'static SigningKey {
    static KEY: std::sync::OnceLock<SigningKey> = std::sync::OnceLock::new();
    KEY.get_or_init(|| SigningKey::generate("gh-key-2026").unwrap())
}

/// A local stand-in for GitHub: the issuer's discovery + JWKS and the runner's token endpoint.
pub struct Github {
    pub server: MockServer,
}

impl Github {
    /// Starts the server and mounts discovery and JWKS.
    pub async fn start() -> Github {
        let github = Github::bare().await;
        github.mount_discovery("/.well-known/jwks", None).await;
        github.mount_jwks(&key().jwks()).await;
        github
    }

    /// Starts the server with nothing mounted.
    pub async fn bare() -> Github {
        Github {
            server: MockServer::start().await,
        }
    }

    /// Serves a discovery document naming `jwks_path` on this server as the key set,
    /// expecting exactly `calls` requests when given.
    pub async fn mount_discovery(&self, jwks_path: &str, calls: Option<u64>) {
        let mock = Mock::given(method("GET"))
            .and(path("/.well-known/openid-configuration"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                "issuer": self.issuer(),
                "jwks_uri": format!("{}{jwks_path}", self.issuer()),
                "id_token_signing_alg_values_supported": ["RS256"],
            })));
        match calls {
            Some(n) => mock.expect(n).mount(&self.server).await,
            None => mock.mount(&self.server).await,
        }
    }

    pub async fn mount_jwks(&self, jwks: &jsonwebtoken::jwk::JwkSet) {
        Mock::given(method("GET"))
            .and(path("/.well-known/jwks"))
            .respond_with(ResponseTemplate::new(200).set_body_json(jwks))
            .mount(&self.server)
            .await;
    }

    pub fn issuer(&self) -> String {
        self.server.uri()
    }

    /// The runner's token request URL (with a query, as the real one has).
    pub fn request_url(&self) -> String {
        format!("{}/idtoken?api-version=2.0", self.server.uri())
    }

    /// Claims of a push to main, as GitHub sends them.
    pub fn claims(&self) -> serde_json::Value {
        let now = now();
        json!({
            "jti": "7bd3e1f2-0c4a-4d8e-9f61-2a5b3c4d5e6f",
            "sub": "repo:octo-org/octo-repo:ref:refs/heads/main",
            "aud": "sts.amazonaws.com",
            "ref": "refs/heads/main",
            "sha": "d6e8a1b2c3f4e5d6c7b8a9f0e1d2c3b4a5f6e7d8",
            "repository": "octo-org/octo-repo",
            "repository_owner": "octo-org",
            "repository_owner_id": "78953443",
            "run_id": "11843209874",
            "run_number": "42",
            "run_attempt": "1",
            "repository_visibility": "private",
            "repository_id": "892734561",
            "actor_id": "583231",
            "actor": "octocat",
            "workflow": "Deploy",
            "head_ref": "",
            "base_ref": "",
            "event_name": "push",
            "ref_protected": "true",
            "ref_type": "branch",
            "workflow_ref": "octo-org/octo-repo/.github/workflows/deploy.yml@refs/heads/main",
            "workflow_sha": "d6e8a1b2c3f4e5d6c7b8a9f0e1d2c3b4a5f6e7d8",
            "job_workflow_ref": "octo-org/octo-repo/.github/workflows/deploy.yml@refs/heads/main",
            "job_workflow_sha": "d6e8a1b2c3f4e5d6c7b8a9f0e1d2c3b4a5f6e7d8",
            "runner_environment": "github-hosted",
            "iss": self.issuer(),
            "nbf": now - 300,
            "exp": now + 300,
            "iat": now,
        })
    }

    /// Signs claims with the issuer's key (and registers the token as a secret).
    pub fn sign(&self, claims: &serde_json::Value) -> String {
        let header = json!({"typ": "JWT", "alg": "RS256", "kid": key().kid()});
        let token = sign_raw(key(), &header, claims).unwrap();
        register_secret(&token);
        token
    }

    /// Serves `token` at the request URL, only to the right bearer and audience.
    pub async fn serve_token(&self, token: &str) {
        Mock::given(method("GET"))
            .and(path("/idtoken"))
            .and(query_param("api-version", "2.0"))
            .and(query_param("audience", "sts.amazonaws.com"))
            .and(header(
                "authorization",
                format!("bearer {REQUEST_TOKEN}").as_str(),
            ))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"value": token})))
            .expect(1)
            .mount(&self.server)
            .await;
    }
}

/// STS's XML answer to a successful AssumeRoleWithWebIdentity.
pub fn sts_success_xml(session: &str) -> String {
    format!(
        r#"<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleWithWebIdentityResult>
    <SubjectFromWebIdentityToken>repo:octo-org/octo-repo:ref:refs/heads/main</SubjectFromWebIdentityToken>
    <Audience>sts.amazonaws.com</Audience>
    <AssumedRoleUser>
      <Arn>arn:aws:sts::123456789012:assumed-role/octo-deploy/{session}</Arn>
      <AssumedRoleId>AROAEXAMPLEID:{session}</AssumedRoleId>
    </AssumedRoleUser>
    <Credentials>
      <SessionToken>{SESSION_TOKEN}</SessionToken>
      <SecretAccessKey>{SECRET_ACCESS_KEY}</SecretAccessKey>
      <Expiration>{EXPIRATION}</Expiration>
      <AccessKeyId>{ACCESS_KEY_ID}</AccessKeyId>
    </Credentials>
    <Provider>token.actions.githubusercontent.com</Provider>
  </AssumeRoleWithWebIdentityResult>
  <ResponseMetadata><RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId></ResponseMetadata>
</AssumeRoleWithWebIdentityResponse>"#
    )
}

/// STS's XML error body.
pub fn sts_error_xml(code: &str, message: &str) -> String {
    format!(
        r#"<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error><RequestId>4fb0a5b1-3c1e-4f5e-9a6b-7c8d9e0f1a2b</RequestId></ErrorResponse>"#
    )
}

/// A mock STS answering every request with `response`, expecting `calls` requests.
pub async fn mock_sts(response: ResponseTemplate, calls: u64) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/"))
        .respond_with(response)
        .expect(calls)
        .mount(&server)
        .await;
    server
}

/// What a run produced.
#[derive(Debug)]
pub struct Outcome {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub env_file: String,
    pub output_file: String,
    pub summary: String,
    /// The run's temp dir (cwd and HOME), shown as `[TMP]` by [`Outcome::report`].
    pub dir: String,
    /// The OIDC token a [`Scenario`] served, shown as `[TOKEN]` by [`Outcome::report`].
    pub token: Option<String>,
    /// Loopback ports a [`Scenario`] knows by name (`GITHUB_PORT`, `STS_PORT`), so snapshots
    /// still say which server a URL names; other ports are shown as `PORT`.
    pub ports: Vec<(u16, &'static str)>,
    /// How long the binary ran.
    pub elapsed: Duration,
}

impl Outcome {
    /// Asserts the exit code, printing the output on failure.
    pub fn assert_code(&self, code: i32) -> &Self {
        assert_eq!(
            self.code, code,
            "exit code\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout, self.stderr
        );
        self
    }

    /// Asserts nothing was exported.
    pub fn assert_nothing_exported(&self) -> &Self {
        assert_eq!(self.env_file, "", "GITHUB_ENV must stay empty on failure");
        assert_eq!(
            self.output_file, "",
            "GITHUB_OUTPUT must stay empty on failure"
        );
        assert_eq!(self.summary, "", "no step summary on failure");
        self
    }

    /// The env file with its random delimiter replaced by `EOF`, for exact comparison.
    pub fn env_file_normalized(&self) -> String {
        normalize_delimiter(&self.env_file)
    }

    /// The output file, normalised the same way.
    pub fn output_file_normalized(&self) -> String {
        normalize_delimiter(&self.output_file)
    }

    /// Parses `GITHUB_ENV` records (heredoc form).
    pub fn env_vars(&self) -> Vec<(String, String)> {
        parse_heredocs(&self.env_file)
    }

    /// Parses `GITHUB_OUTPUT` records.
    pub fn outputs(&self) -> Vec<(String, String)> {
        parse_heredocs(&self.output_file)
    }
}

fn normalize_delimiter(text: &str) -> String {
    let Some(first) = text.lines().next() else {
        return String::new();
    };
    let delimiter = first.split_once("<<").expect("heredoc record").1;
    assert!(
        delimiter.starts_with("ghadelimiter_") && delimiter.len() == 13 + 32,
        "delimiter {delimiter:?}"
    );
    assert!(
        text.lines()
            .all(|l| !l.contains("<<") || l.ends_with(delimiter)),
        "one delimiter per file"
    );
    text.replace(delimiter, "EOF")
}

fn parse_heredocs(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let (name, delimiter) = line.split_once("<<").expect("heredoc record");
        let value: Vec<&str> = lines.by_ref().take_while(|l| *l != delimiter).collect();
        out.push((name.to_string(), value.join("\n")));
    }
    out
}

/// A run of the binary: scrubbed environment, its own temp dir as cwd and HOME, runner files.
/// Every run of the binary goes through [`Run::run`], which checks the security invariants.
/// Tests of the action's main step state what differs from [`Scenario`], which builds on this;
/// `Run` itself is for what is not that step: the CLI subcommands (`audit`, `dry-run`,
/// `credential-process`, …), post steps (no inputs, only `STATE_*`), and many jobs sharing one
/// GitHub stand-in at once (`shared_home.rs`).
pub struct Run {
    dir: TempDir,
    env: Vec<(String, String)>,
    args: Vec<String>,
    stdin: Option<String>,
    deadline: Duration,
}

impl Run {
    /// A run as the action inside GitHub Actions (with the runner's file variables).
    pub fn action() -> Run {
        let run = Run::bare();
        let files = ["github_env", "github_output", "step_summary"].map(|f| run.path(f));
        for f in &files {
            std::fs::write(f, "").unwrap();
        }
        run.env("GITHUB_ACTIONS", "true")
            .env("GITHUB_ENV", files[0].to_str().unwrap())
            .env("GITHUB_OUTPUT", files[1].to_str().unwrap())
            .env("GITHUB_STEP_SUMMARY", files[2].to_str().unwrap())
    }

    /// A run with only PATH, HOME and the planted [`CANARIES`] set.
    pub fn bare() -> Run {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path().to_str().unwrap().to_string();
        let mut env: Vec<(String, String)> = vec![
            ("PATH".into(), "/usr/bin:/bin".into()),
            ("HOME".into(), home),
        ];
        env.extend(CANARIES.map(|(k, v)| (k.to_string(), v.to_string())));
        Run {
            env,
            dir,
            args: Vec::new(),
            stdin: None,
            // Every run takes seconds at most; a hang fails the test instead of the suite.
            deadline: Duration::from_secs(120),
        }
    }

    /// The action's usual inputs and token variables for `github`.
    pub fn with_github(self, github: &Github) -> Run {
        self.env("INPUT_ROLE-TO-ASSUME", ROLE)
            .env("INPUT_AWS-REGION", "eu-central-1")
            .env("INPUT_ISSUER", &github.issuer())
            .env("ACTIONS_ID_TOKEN_REQUEST_URL", &github.request_url())
            .env("ACTIONS_ID_TOKEN_REQUEST_TOKEN", REQUEST_TOKEN)
    }

    /// Points STS at `sts`.
    pub fn with_sts(self, sts: &MockServer) -> Run {
        self.env("INPUT_STS-ENDPOINT", &sts.uri())
    }

    pub fn env(mut self, key: &str, value: &str) -> Run {
        self.env.retain(|(k, _)| k != key);
        self.env.push((key.into(), value.into()));
        self
    }

    pub fn without_env(mut self, key: &str) -> Run {
        self.env.retain(|(k, _)| k != key);
        self
    }

    pub fn arg(mut self, arg: &str) -> Run {
        self.args.push(arg.into());
        self
    }

    pub fn args(mut self, args: &[&str]) -> Run {
        self.args.extend(args.iter().map(|a| a.to_string()));
        self
    }

    /// A path inside the run's temp dir.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Writes a file in the run's temp dir (the cwd), creating parent directories.
    pub fn file(self, name: &str, contents: &str) -> Run {
        let path = self.path(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, contents).unwrap();
        self
    }

    /// Feeds `text` to the binary's standard input (closed otherwise).
    pub fn stdin(mut self, text: &str) -> Run {
        self.stdin = Some(text.to_string());
        self
    }

    /// Kills the binary and fails the test if it runs longer than `limit`.
    pub fn deadline(mut self, limit: Duration) -> Run {
        self.deadline = limit;
        self
    }

    /// Runs the binary (directly, no shell: hyphenated INPUT_ names must survive), collects
    /// what it wrote, and checks the security invariants on every run of every scenario, not
    /// only where a test remembers to ask (see `invariants.rs`).
    pub async fn run(self) -> Outcome {
        let bin = env!("CARGO_BIN_EXE_oidc-assume");
        let mut cmd = Command::new(bin);
        cmd.env_clear()
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .args(&self.args)
            .current_dir(self.dir.path());
        let watch = Watch::start(self.dir.path(), &self.env);
        let home = HomeLease::take(&self.env);
        let (stdin, deadline) = (self.stdin.clone(), self.deadline);
        let (output, elapsed) =
            tokio::task::spawn_blocking(move || run_bounded(cmd, stdin, deadline))
                .await
                .unwrap();
        let read = |name: &str| std::fs::read_to_string(self.path(name)).unwrap_or_default();
        let outcome = Outcome {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8(output.stdout).unwrap(),
            stderr: String::from_utf8(output.stderr).unwrap(),
            env_file: read("github_env"),
            output_file: read("github_output"),
            summary: read("step_summary"),
            dir: self.dir.path().to_str().unwrap().to_string(),
            token: None,
            ports: Vec::new(),
            elapsed,
        };
        let data = self.args.first().is_some_and(|a| a == "credential-process");
        outcome.check_invariants(&self.env, &watch, home.shared(), data);
        outcome
    }
}

/// Runs `cmd` to the end with `stdin` as its input, killed past `deadline` (a hang is a bug
/// the test names instead of waiting for).
fn run_bounded(
    mut cmd: Command,
    stdin: Option<String>,
    deadline: Duration,
) -> (std::process::Output, Duration) {
    let started = Instant::now();
    let mut child = cmd
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let (Some(text), Some(mut pipe)) = (stdin, child.stdin.take()) {
        std::thread::spawn(move || pipe.write_all(text.as_bytes()));
    }
    let drain = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            pipe.read_to_end(&mut buf).unwrap();
            buf
        })
    };
    let stdout = drain(Box::new(child.stdout.take().unwrap()));
    let stderr = drain(Box::new(child.stderr.take().unwrap()));
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > deadline {
            child.kill().unwrap();
            let _ = child.wait();
            panic!("the binary did not finish in {deadline:?}");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let output = std::process::Output {
        status,
        stdout: stdout.join().unwrap(),
        stderr: stderr.join().unwrap(),
    };
    (output, started.elapsed())
}

/// Copies a directory tree (an example repository) to `to`.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// The directory of the test venv's executables (moto_server, aws), installed by
/// `scripts/test.sh`.
pub fn venv_bin(name: &str) -> PathBuf {
    let venv = std::env::var_os("OIDC_ASSUME_TEST_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target/test-venv"));
    let bin = venv.join("bin").join(name);
    assert!(
        bin.exists(),
        "{} not found: run `scripts/test.sh`, which installs moto and awscli into target/test-venv",
        bin.display()
    );
    bin
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A real moto STS emulator on 127.0.0.1, stopped on drop.
pub struct Moto {
    child: Child,
    pub endpoint: String,
}

impl Moto {
    pub fn start() -> Moto {
        let port = free_port();
        let child = Command::new(venv_bin("moto_server"))
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start moto_server");
        let moto = Moto {
            child,
            endpoint: format!("http://127.0.0.1:{port}"),
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "moto_server did not start in 30 s"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        moto
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The session name the action derives from the default claims (`gha-RUN_ID-ATTEMPT-OWNER.REPO`).
pub const SESSION: &str = "gha-11843209874-1-octo-org.octo-repo";

/// STS's success answer for the default session, as a mock response.
pub fn sts_ok() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_string(sts_success_xml(SESSION))
}

/// STS's error answer with a status, as a mock response.
pub fn sts_error(status: u16, code: &str, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_string(sts_error_xml(code, message))
}

/// Where a [`Scenario`] sends its STS calls.
enum Sts {
    /// A wiremock STS answering every POST with `response`, expecting exactly `calls` of them.
    Mock {
        response: ResponseTemplate,
        calls: u64,
    },
    /// `sts-endpoint` names this URL (moto, a server the test mounted itself, a closed port).
    Endpoint(String),
    /// `sts-endpoint` is not set.
    Unset,
}

/// What the runner's token endpoint serves in a [`Scenario`].
enum Token {
    /// The scenario's claims, signed with the issuer's key, served once.
    Signed,
    /// This token, served once.
    Raw(String),
    /// Nothing is mounted: a token request gets wiremock's 404.
    Unserved,
}

type Prepare = Box<dyn FnOnce(&Run) + Send>;

/// One run of the action with the happy path as the default: a push to main, the issuer's
/// discovery and keys, the token served once to the right bearer and audience, an STS mock that
/// answers success exactly once, and the action's usual inputs (`role-to-assume`, `aws-region`,
/// `issuer`, `sts-endpoint`). A test states only what differs.
pub struct Scenario {
    github: std::sync::Arc<Github>,
    claims: serde_json::Value,
    token: Token,
    sts: Sts,
    in_actions: bool,
    oidc: bool,
    env: Vec<(String, Option<String>)>,
    env_paths: Vec<(String, String)>,
    files: Vec<(String, String)>,
    prepare: Vec<Prepare>,
}

impl Scenario {
    /// The happy path (starts the GitHub stand-in with discovery and keys mounted).
    pub async fn new() -> Scenario {
        Scenario::on(Github::start().await)
    }

    /// The happy path on a GitHub stand-in the test has set up itself (other key sets,
    /// discovery documents, expectations).
    pub fn on(github: Github) -> Scenario {
        let claims = github.claims();
        Scenario {
            github: std::sync::Arc::new(github),
            claims,
            token: Token::Signed,
            sts: Sts::Mock {
                response: sts_ok(),
                calls: 1,
            },
            in_actions: true,
            oidc: true,
            env: Vec::new(),
            env_paths: Vec::new(),
            files: Vec::new(),
            prepare: Vec::new(),
        }
    }

    /// The GitHub stand-in, to mount more mocks or count its requests after the run.
    pub fn github(&self) -> std::sync::Arc<Github> {
        self.github.clone()
    }

    /// Sets a claim of the token (`sub` follows `ref` only if the test sets it too).
    pub fn claim(mut self, name: &str, value: impl Into<serde_json::Value>) -> Scenario {
        self.claims[name] = value.into();
        self
    }

    /// The claims as they stand, signed (and registered as a secret), for tests that need the
    /// token itself: in an STS matcher, a token file, a forged variant.
    pub fn sign(&self) -> String {
        self.github.sign(&self.claims)
    }

    /// Serves this token instead of the signed claims.
    pub fn token(mut self, token: &str) -> Scenario {
        self.token = Token::Raw(token.to_string());
        self
    }

    /// Mounts nothing at the token endpoint (the test mounts its own, or none is requested).
    pub fn no_token(mut self) -> Scenario {
        self.token = Token::Unserved;
        self
    }

    /// STS answers every call with `response`, expected exactly once.
    pub fn sts(mut self, response: ResponseTemplate) -> Scenario {
        self.sts = Sts::Mock { response, calls: 1 };
        self
    }

    /// STS answers every call with `response`, expected exactly `calls` times.
    pub fn sts_calls(mut self, response: ResponseTemplate, calls: u64) -> Scenario {
        self.sts = Sts::Mock { response, calls };
        self
    }

    /// STS must not be called at all.
    pub fn sts_unreached(self) -> Scenario {
        self.sts_calls(ResponseTemplate::new(500), 0)
    }

    /// STS is this server (the test mounts its mocks and counts its requests).
    pub fn sts_at(self, server: &MockServer) -> Scenario {
        self.sts_endpoint(&server.uri())
    }

    /// STS is a real emulator.
    pub fn with_moto(self, moto: &Moto) -> Scenario {
        self.sts_endpoint(&moto.endpoint)
    }

    /// `sts-endpoint` is this URL.
    pub fn sts_endpoint(mut self, url: &str) -> Scenario {
        self.sts = Sts::Endpoint(url.to_string());
        self
    }

    /// No `sts-endpoint` input (the SDK's endpoint variables or the default apply).
    pub fn no_sts(mut self) -> Scenario {
        self.sts = Sts::Unset;
        self
    }

    /// Runs outside GitHub Actions: no `GITHUB_ACTIONS`, no runner files.
    pub fn outside_actions(mut self) -> Scenario {
        self.in_actions = false;
        self
    }

    /// No OIDC: no token variables, no `issuer`, nothing served (static keys, chaining).
    pub fn without_oidc(mut self) -> Scenario {
        self.oidc = false;
        self.token = Token::Unserved;
        self
    }

    /// Sets the action input `name` (`INPUT_` + upper case, hyphens kept).
    pub fn input(self, name: &str, value: &str) -> Scenario {
        self.env(&format!("INPUT_{}", name.to_uppercase()), value)
    }

    /// Removes the action input `name`, also one of the defaults.
    pub fn without_input(self, name: &str) -> Scenario {
        self.without_env(&format!("INPUT_{}", name.to_uppercase()))
    }

    /// Sets an environment variable of the run (after the defaults, so it wins).
    pub fn env(mut self, key: &str, value: &str) -> Scenario {
        self.env.push((key.to_string(), Some(value.to_string())));
        self
    }

    /// Removes an environment variable of the run, also one of the defaults.
    pub fn without_env(mut self, key: &str) -> Scenario {
        self.env.push((key.to_string(), None));
        self
    }

    /// Sets an environment variable to the absolute path of `name` in the run's temp dir.
    pub fn env_path(mut self, key: &str, name: &str) -> Scenario {
        self.env_paths.push((key.to_string(), name.to_string()));
        self
    }

    /// Writes a file in the run's temp dir (its cwd).
    pub fn file(mut self, name: &str, contents: &str) -> Scenario {
        self.files.push((name.to_string(), contents.to_string()));
        self
    }

    /// Creates a directory in the run's temp dir.
    pub fn dir(self, name: &str) -> Scenario {
        let name = name.to_string();
        self.prepare(move |run| std::fs::create_dir_all(run.path(&name)).unwrap())
    }

    /// Arranges the run's temp dir by hand just before the run (links, replaced files).
    pub fn prepare(mut self, f: impl FnOnce(&Run) + Send + 'static) -> Scenario {
        self.prepare.push(Box::new(f));
        self
    }

    /// Mounts the token and STS, runs the binary (which checks for leaked secrets), and
    /// verifies every mock's expected request count when the mocks go away.
    pub async fn run(self) -> Outcome {
        let github = &self.github;
        let token = match self.token {
            Token::Signed => Some(github.sign(&self.claims)),
            Token::Raw(token) => Some(token),
            Token::Unserved => None,
        };
        if let Some(token) = &token {
            github.serve_token(token).await;
        }
        let mut run = if self.in_actions {
            Run::action()
        } else {
            Run::bare()
        };
        run = if self.oidc {
            run.with_github(github)
        } else {
            run.env("INPUT_ROLE-TO-ASSUME", ROLE)
                .env("INPUT_AWS-REGION", "eu-central-1")
        };
        let mut ports = vec![(github.server.address().port(), "GITHUB_PORT")];
        // Kept until the run is over: dropping it checks the expected number of STS calls.
        let mut sts = None;
        match self.sts {
            Sts::Mock { response, calls } => {
                let server = mock_sts(response, calls).await;
                run = run.with_sts(&server);
                ports.push((server.address().port(), "STS_PORT"));
                sts = Some(server);
            }
            Sts::Endpoint(url) => {
                if let Some(port) = url::Url::parse(&url).ok().and_then(|u| u.port()) {
                    ports.push((port, "STS_PORT"));
                }
                run = run.env("INPUT_STS-ENDPOINT", &url);
            }
            Sts::Unset => {}
        }
        for (key, value) in &self.env {
            run = match value {
                Some(value) => run.env(key, value),
                None => run.without_env(key),
            };
        }
        for (key, name) in &self.env_paths {
            let path = run.path(name);
            run = run.env(key, path.to_str().unwrap());
        }
        for (name, contents) in &self.files {
            run = run.file(name, contents);
        }
        for prepare in self.prepare {
            prepare(&run);
        }
        let mut out = run.run().await;
        drop(sts);
        out.token = token;
        out.ports = ports;
        out
    }
}
