//! The image, run as GitHub's runner runs a container action (actions/runner's
//! ContainerActionHandler): `docker run --rm --workdir /github/workspace`, every variable as
//! `-e NAME` with its value in the docker client's environment (hyphenated input names
//! survive), host paths translated to the container's mounts, `HOME=/github/home`, action.yml's
//! `runs.args`, and the post step as `--entrypoint` with `STATE_*`. `--network host` so the
//! container reaches only the test servers on 127.0.0.1. Later steps then run as the runner runs
//! them: `GITHUB_ENV` applied verbatim, on the host with the runner user's own `HOME`, or in a
//! job container (simulated below), judged by the AWS CLI against moto.
//!
//! Needs a Docker engine and the static release binary: `scripts/test.sh` builds the binary and
//! the image when an engine answers, `.ci/run` also starts the engine; either names the image in
//! `OIDC_ASSUME_TEST_IMAGE`. Without them these tests skip with a loud message (one line from
//! `scripts/test.sh` instead, when it ran them), and fail when `CI=true`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use tempfile::TempDir;

use crate::common::*;

/// Skips the test (loudly) when there is no engine or image, fails under `CI=true`.
macro_rules! image_or_skip {
    () => {
        match image() {
            Ok(image) => image,
            Err(why) => {
                assert!(
                    std::env::var("CI").as_deref() != Ok("true"),
                    "CI=true, and the container tests cannot run: {why}"
                );
                // scripts/test.sh has said so once, in one line; otherwise each test says it.
                if std::env::var_os("OIDC_ASSUME_CONTAINER_SKIP_SAID").is_none() {
                    // Straight to stderr: the test harness captures eprintln! of passing tests.
                    use std::io::Write;
                    let _ = writeln!(
                        std::io::stderr(),
                        "\n!!! SKIPPED {}: {why} (scripts/test.sh builds the image when an engine answers; .ci/run starts one)",
                        module_path!()
                    );
                }
                return;
            }
        }
    };
}

/// The image under test: `OIDC_ASSUME_TEST_IMAGE`, else built once from the static release
/// binary with `scripts/build-image.sh`.
fn image() -> Result<&'static str, String> {
    static IMAGE: OnceLock<Result<String, String>> = OnceLock::new();
    IMAGE
        .get_or_init(|| {
            let info = docker()
                .args(["info", "--format", "{{.ServerVersion}}"])
                .output();
            match info {
                Ok(o) if o.status.success() => {}
                Ok(o) => {
                    return Err(format!(
                        "no Docker engine answers `docker info`: {}",
                        String::from_utf8_lossy(&o.stderr).trim()
                    ));
                }
                Err(e) => return Err(format!("no docker client: {e}")),
            }
            if let Ok(image) = std::env::var("OIDC_ASSUME_TEST_IMAGE") {
                return Ok(image);
            }
            let root = Path::new(env!("CARGO_MANIFEST_DIR"));
            let bin = root.join("target/x86_64-unknown-linux-gnu/release/oidc-assume");
            if !bin.exists() {
                return Err(format!(
                    "{} is missing (the image is built from it)",
                    bin.display()
                ));
            }
            let tag = "oidc-assume:test";
            let built = Command::new(root.join("scripts/build-image.sh"))
                .arg(tag)
                .current_dir(root)
                .output()
                .map_err(|e| e.to_string())?;
            if !built.status.success() {
                return Err(format!(
                    "scripts/build-image.sh failed: {}",
                    String::from_utf8_lossy(&built.stderr)
                ));
            }
            Ok(tag.to_string())
        })
        .as_deref()
        .map_err(Clone::clone)
}

/// The runner's user on GitHub's hosted runners.
const RUNNER_UID: u32 = 1001;

fn is_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

/// Files and directories below `dir` that the runner's user does not own (when the tests run
/// as root: otherwise everything is the test user's and this says nothing).
fn not_the_runners(dir: &Path) -> Vec<String> {
    if !is_root() {
        return Vec::new();
    }
    let out = Command::new("find")
        .arg(dir)
        .args(["-not", "-user", &RUNNER_UID.to_string()])
        .output()
        .unwrap();
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

/// Whether the runner's user can read `path` (as a later host step would).
fn runner_can_read(path: &Path) -> bool {
    use std::os::unix::process::CommandExt;
    if !is_root() {
        return std::fs::read(path).is_ok();
    }
    Command::new("cat")
        .arg(path)
        .uid(RUNNER_UID)
        .gid(RUNNER_UID)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn docker() -> Command {
    let mut cmd = Command::new("docker");
    cmd.stdin(Stdio::null());
    cmd
}

/// What a step produced.
struct Step {
    code: i32,
    stdout: String,
    stderr: String,
    env: Vec<(String, String)>,
    outputs: Vec<(String, String)>,
    state: Vec<(String, String)>,
}

impl Step {
    fn assert_code(&self, code: i32) -> &Self {
        assert_eq!(
            self.code, code,
            "exit code\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout, self.stderr
        );
        self
    }

    fn output(&self, name: &str) -> Option<&str> {
        self.outputs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Parses `NAME<<DELIM` records (the form the binary writes).
fn heredocs(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let (name, delimiter) = line.split_once("<<").expect("heredoc record");
        let value: Vec<&str> = lines.by_ref().take_while(|l| *l != delimiter).collect();
        out.push((name.to_string(), value.join("\n")));
    }
    out
}

/// Where later `run:` steps execute.
#[derive(Clone, Copy, PartialEq)]
enum Job {
    /// On the runner's host.
    Host,
    /// In a job container (`container:`), whose id the runner passes to the action.
    Container,
}

/// One job on a simulated runner: the runner's directories on the host, the job's environment
/// (what earlier steps exported), and the local servers.
struct Runner {
    root: TempDir,
    job: Job,
    env: Vec<(String, String)>,
    steps: usize,
    /// The main step's `STATE_*`, for its post step.
    state: Vec<(String, String)>,
}

impl Runner {
    fn new(job: Job) -> Runner {
        let root = tempfile::tempdir().unwrap();
        for dir in [
            "work/octo-repo/octo-repo",
            "work/_temp/_github_home",
            "work/_temp/_github_workflow",
            "work/_temp/_runner_file_commands",
            "home/runner",
        ] {
            std::fs::create_dir_all(root.path().join(dir)).unwrap();
        }
        // The runner's directories belong to the runner's user, as on a hosted runner (uid
        // 1001), while the container runs as root.
        if is_root() {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(root.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
            let chown = Command::new("chown")
                .args(["-R", &format!("{RUNNER_UID}:{RUNNER_UID}")])
                .arg(root.path().join("work"))
                .arg(root.path().join("home"))
                .status()
                .unwrap();
            assert!(chown.success());
        }
        Runner {
            root,
            job,
            env: Vec::new(),
            steps: 0,
            state: Vec::new(),
        }
    }

    /// `job.container.id`.
    fn job_container(&self) -> &'static str {
        match self.job {
            Job::Host => "",
            Job::Container => "4f9c2d7e0a1b",
        }
    }

    /// The runner's temp directory on the host (`runner.temp`).
    fn temp(&self) -> PathBuf {
        self.root.path().join("work/_temp")
    }

    fn workspace(&self) -> PathBuf {
        self.root.path().join("work/octo-repo/octo-repo")
    }

    /// The runner user's own HOME on the host (never mounted into a container).
    fn user_home(&self) -> PathBuf {
        self.root.path().join("home/runner")
    }

    /// Host path → container path, as the runner's mounts make them.
    fn mounts(&self) -> Vec<(String, &'static str)> {
        let temp = self.temp().to_str().unwrap().to_string();
        vec![
            (format!("{temp}/_github_home"), "/github/home"),
            (format!("{temp}/_github_workflow"), "/github/workflow"),
            (
                format!("{temp}/_runner_file_commands"),
                "/github/file_commands",
            ),
            (temp, "/github/runner_temp"),
            (
                self.workspace().to_str().unwrap().to_string(),
                "/github/workspace",
            ),
        ]
    }

    /// The runner's TranslateToContainerPath: a value equal to a mounted host path, or below
    /// one, becomes the container path; anything else is kept.
    fn translate(&self, value: &str) -> String {
        for (host, container) in self.mounts() {
            if value == host {
                return container.to_string();
            }
            if let Some(rest) = value.strip_prefix(&format!("{host}/")) {
                return format!("{container}/{rest}");
            }
        }
        value.to_string()
    }

    /// The job's `set_env_*`, `set_output_*`, `save_state_*` files for the next step.
    fn file_commands(&mut self) -> [PathBuf; 4] {
        self.steps += 1;
        let dir = self.temp().join("_runner_file_commands");
        let files = ["set_env", "set_output", "save_state", "step_summary"]
            .map(|f| dir.join(format!("{f}_{}", self.steps)));
        for f in &files {
            std::fs::write(f, "").unwrap();
            if is_root() {
                std::os::unix::fs::chown(f, Some(RUNNER_UID), Some(RUNNER_UID)).unwrap();
            }
        }
        files
    }

    /// Runs the image as the runner runs the action's main step (`post`: its post step).
    fn container_step(
        &mut self,
        image: &str,
        inputs: &[(&str, &str)],
        env: &[(&str, &str)],
        args: bool,
        post: bool,
    ) -> Step {
        let files = self.file_commands();
        let temp = self.temp().to_str().unwrap().to_string();
        let mut vars: Vec<(String, String)> = self.env.clone();
        for (k, v) in env {
            vars.push((k.to_string(), v.to_string()));
        }
        for (name, value) in inputs {
            vars.push((format!("INPUT_{}", name.to_uppercase()), value.to_string()));
        }
        if post {
            for (k, v) in &self.state {
                vars.push((format!("STATE_{k}"), v.clone()));
            }
        }
        for (k, v) in [
            ("GITHUB_ENV", &files[0]),
            ("GITHUB_OUTPUT", &files[1]),
            ("GITHUB_STATE", &files[2]),
            ("GITHUB_STEP_SUMMARY", &files[3]),
        ] {
            vars.push((k.into(), v.to_str().unwrap().into()));
        }
        if args {
            // The internal inputs arrive as INPUT_* too (translated, so not used).
            vars.push(("INPUT_RUNNER-TEMP".into(), temp.clone()));
            vars.push(("INPUT_JOB-CONTAINER".into(), self.job_container().into()));
        }
        vars.push(("RUNNER_TEMP".into(), temp.clone()));
        vars.push((
            "GITHUB_WORKSPACE".into(),
            self.workspace().to_str().unwrap().into(),
        ));
        vars.push(("HOME".into(), format!("{temp}/_github_home")));
        vars.push(("GITHUB_REPOSITORY".into(), "octo-org/octo-repo".into()));
        vars.push(("GITHUB_RUN_ID".into(), "11843209874".into()));
        vars.push(("GITHUB_RUN_ATTEMPT".into(), "1".into()));
        // Later values win, as in the runner's environment dictionary.
        let mut merged: Vec<(String, String)> = Vec::new();
        for (k, v) in vars {
            merged.retain(|(n, _)| *n != k);
            merged.push((k, v));
        }
        let mut cmd = docker();
        cmd.args([
            "run",
            "--rm",
            "--network",
            "host",
            "--workdir",
            "/github/workspace",
        ]);
        for (k, _) in &merged {
            cmd.args(["-e", k]);
        }
        cmd.args(["-e", "GITHUB_ACTIONS=true", "-e", "CI=true"]);
        if post {
            cmd.args(["--entrypoint", "/oidc-assume"]);
        }
        for (host, container) in self.mounts() {
            cmd.args(["-v", &format!("{host}:{container}")]);
        }
        cmd.arg(image);
        if args {
            // action.yml's runs.args: its internal inputs, whose defaults the runner evaluates
            // (`runner.temp`, `job.container.id`), not translated.
            cmd.arg(format!("--runner-temp={temp}"));
            cmd.arg(format!("--job-container={}", self.job_container()));
        }
        // The docker client passes each `-e NAME` on with the value from its own environment.
        cmd.env_clear().env("PATH", "/usr/local/bin:/usr/bin:/bin");
        if let Ok(host) = std::env::var("DOCKER_HOST") {
            cmd.env("DOCKER_HOST", host);
        }
        for (k, v) in &merged {
            cmd.env(k, self.translate(v));
        }
        let output = cmd.output().expect("docker run");
        let read = |p: &Path| std::fs::read_to_string(p).unwrap();
        let step = Step {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8(output.stdout).unwrap(),
            stderr: String::from_utf8(output.stderr).unwrap(),
            env: heredocs(&read(&files[0])),
            outputs: heredocs(&read(&files[1])),
            state: heredocs(&read(&files[2])),
        };
        // The runner applies GITHUB_ENV to later steps verbatim: no translation back.
        for (k, v) in &step.env {
            self.env.retain(|(n, _)| n != k);
            self.env.push((k.clone(), v.clone()));
        }
        if !post {
            self.state = step.state.clone();
        }
        step.assert_masked();
        step
    }

    /// A later `run:` step's `aws sts get-caller-identity`: on the host with the runner user's
    /// HOME, or in the job container with `HOME=/github/home`. The job container is simulated
    /// on the host: its paths are mapped to the host directories the runner mounts there
    /// (`/github/home` → `_temp/_github_home`, `/__w/_temp` → `_temp`), which are the same
    /// files.
    fn later_aws(&self, moto: &Moto, args: &[&str]) -> Result<String, String> {
        let temp = self.temp().to_str().unwrap().to_string();
        let job_path = |v: &str| -> String {
            for (inside, host) in [
                ("/github/home", format!("{temp}/_github_home")),
                ("/__w/_temp", temp.clone()),
            ] {
                if v == inside {
                    return host;
                }
                if let Some(rest) = v.strip_prefix(&format!("{inside}/")) {
                    return format!("{host}/{rest}");
                }
            }
            v.to_string()
        };
        let home = match self.job {
            Job::Host => self.user_home(),
            Job::Container => PathBuf::from(job_path("/github/home")),
        };
        let mut cmd = Command::new(venv_bin("aws"));
        cmd.args(["sts", "get-caller-identity", "--output", "json"])
            .args(["--endpoint-url", &moto.endpoint])
            .args(args)
            .env_clear()
            .env("PATH", "/usr/bin:/bin")
            .env("HOME", &home);
        for (k, v) in &self.env {
            let v = match self.job {
                Job::Host => v.clone(),
                Job::Container => job_path(v),
            };
            cmd.env(k, v);
        }
        let out = cmd.output().unwrap();
        if !out.status.success() {
            return Err(String::from_utf8_lossy(&out.stderr).trim().to_string());
        }
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        Ok(json["Arn"].as_str().unwrap().to_string())
    }

    fn job_env(&self, name: &str) -> Option<&str> {
        self.env
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

impl Step {
    /// No credential the step exported or wrote appears in its output outside `::add-mask::`.
    fn assert_masked(&self) {
        let secrets: Vec<&str> = self
            .env
            .iter()
            .chain(&self.outputs)
            .filter(|(k, v)| {
                !v.is_empty()
                    && matches!(
                        k.as_str(),
                        "AWS_SECRET_ACCESS_KEY"
                            | "AWS_SESSION_TOKEN"
                            | "aws-secret-access-key"
                            | "aws-session-token"
                    )
            })
            .map(|(_, v)| v.as_str())
            .collect();
        for line in self.stdout.lines().chain(self.stderr.lines()) {
            if line.starts_with("::add-mask::") {
                continue;
            }
            for s in &secrets {
                assert!(!line.contains(s), "a secret leaks: {line}");
            }
        }
    }
}

/// The GitHub stand-in serving one token, and the inputs that point the action at it and moto.
async fn github_and_inputs(moto: &Moto) -> (Github, Vec<(String, String)>) {
    let github = Github::start().await;
    let token = github.sign(&github.claims());
    github.serve_token(&token).await;
    let env = vec![
        ("ACTIONS_ID_TOKEN_REQUEST_URL".into(), github.request_url()),
        (
            "ACTIONS_ID_TOKEN_REQUEST_TOKEN".into(),
            REQUEST_TOKEN.into(),
        ),
        ("INPUT_ROLE-TO-ASSUME".into(), ROLE.into()),
        ("INPUT_AWS-REGION".into(), "eu-central-1".into()),
        ("INPUT_ISSUER".into(), github.issuer()),
        ("INPUT_STS-ENDPOINT".into(), moto.endpoint.clone()),
    ];
    (github, env)
}

fn pairs(v: &[(String, String)]) -> Vec<(&str, &str)> {
    v.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

const ASSUMED: &str = "arn:aws:sts::123456789012:assumed-role/octo-deploy/";

#[test]
fn the_image_is_small_and_runs_the_readme_dry_run() {
    let image = image_or_skip!();
    let size = docker()
        .args(["image", "inspect", "--format", "{{.Size}}", image])
        .output()
        .unwrap();
    let size: u64 = String::from_utf8(size.stdout)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(size <= 12_000_000, "{image} is {size} bytes, over 12 MB");
    let out = docker()
        .args(["run", "--rm", image, "dry-run"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("AssumeRoleWithWebIdentity"), "{stdout}");
}

#[tokio::test]
async fn env_credentials_and_outputs_from_the_container_reach_later_host_steps() {
    let image = image_or_skip!();
    let moto = Moto::start();
    let (_github, env) = github_and_inputs(&moto).await;
    let mut runner = Runner::new(Job::Host);
    let main = runner.container_step(
        image,
        &[("output-credentials", "true")],
        &pairs(&env),
        true,
        false,
    );
    main.assert_code(0);
    // Hyphenated inputs arrived: the role and the region came from INPUT_ROLE-TO-ASSUME and
    // INPUT_AWS-REGION, and output-credentials from INPUT_OUTPUT-CREDENTIALS.
    assert_eq!(runner.job_env("AWS_REGION"), Some("eu-central-1"));
    assert!(
        main.output("aws-session-token")
            .is_some_and(|v| !v.is_empty())
    );
    assert_eq!(main.output("aws-account-id"), Some("123456789012"));
    let arn = runner.later_aws(&moto, &[]).unwrap();
    assert!(arn.starts_with(ASSUMED), "{arn}");
    // The outputs are usable credentials too.
    let from_outputs = Runner {
        env: [
            "aws-access-key-id",
            "aws-secret-access-key",
            "aws-session-token",
        ]
        .iter()
        .zip([
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY",
            "AWS_SESSION_TOKEN",
        ])
        .map(|(o, v)| (v.to_string(), main.output(o).unwrap().to_string()))
        .chain([("AWS_DEFAULT_REGION".to_string(), "eu-central-1".to_string())])
        .collect(),
        ..Runner::new(Job::Host)
    };
    assert!(
        from_outputs
            .later_aws(&moto, &[])
            .unwrap()
            .starts_with(ASSUMED)
    );

    let post = runner.container_step(image, &[], &pairs(&env), true, true);
    post.assert_code(0);
    for name in [
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
    ] {
        assert_eq!(runner.job_env(name), Some(""), "{name}");
    }
    assert!(runner.later_aws(&moto, &[]).is_err());
}

/// The silent failure: a profile written under the container's HOME, which later host
/// steps never read. Now the step tells them where it is, and the post step removes it.
#[tokio::test]
async fn a_profile_from_the_container_reaches_a_later_host_step_and_the_post_step_removes_it() {
    let image = image_or_skip!();
    let moto = Moto::start();
    let (_github, env) = github_and_inputs(&moto).await;
    let mut runner = Runner::new(Job::Host);
    let main = runner.container_step(
        image,
        &[("aws-profile", "deploy")],
        &pairs(&env),
        true,
        false,
    );
    main.assert_code(0);
    let temp = runner.temp().to_str().unwrap().to_string();
    let credentials = format!("{temp}/_github_home/.aws/credentials");
    assert_eq!(runner.job_env("AWS_PROFILE"), Some("deploy"));
    assert_eq!(
        runner.job_env("AWS_SHARED_CREDENTIALS_FILE"),
        Some(credentials.as_str())
    );
    assert_eq!(
        runner.job_env("AWS_CONFIG_FILE"),
        Some(format!("{temp}/_github_home/.aws/config").as_str())
    );
    // The runner user's own ~/.aws is untouched.
    assert!(!runner.user_home().join(".aws").exists());
    // The container ran as root; the files are the runner user's, who can read them (mode
    // 0600) and whose runner can empty the temp directory at the end of the job.
    assert!(runner_can_read(Path::new(&credentials)));
    assert_eq!(not_the_runners(&runner.temp()), Vec::<String>::new());
    let arn = runner.later_aws(&moto, &[]).unwrap();
    assert!(arn.starts_with(ASSUMED), "{arn}");

    let post = runner.container_step(image, &[], &pairs(&env), true, true);
    post.assert_code(0);
    assert!(
        !Path::new(&credentials).exists(),
        "the post step removes the file it created"
    );
    assert_eq!(not_the_runners(&runner.temp()), Vec::<String>::new());
    assert_eq!(runner.job_env("AWS_PROFILE"), Some(""));
    assert!(runner.later_aws(&moto, &["--profile", "deploy"]).is_err());
}

#[tokio::test]
async fn roles_from_the_container_reach_a_later_job_container_step() {
    let image = image_or_skip!();
    let moto = Moto::start();
    let (_github, env) = github_and_inputs(&moto).await;
    let mut runner = Runner::new(Job::Container);
    let roles = "deploy = \"arn:aws:iam::111111111111:role/deploy\"\nreader = \"arn:aws:iam::222222222222:role/reader\"";
    let main = runner.container_step(
        image,
        &[("roles", roles), ("role-to-assume", "")],
        &pairs(&env),
        true,
        false,
    );
    main.assert_code(0);
    assert_eq!(
        runner.job_env("AWS_SHARED_CREDENTIALS_FILE"),
        Some("/github/home/.aws/credentials")
    );
    for (profile, account) in [("deploy", "111111111111"), ("reader", "222222222222")] {
        let arn = runner.later_aws(&moto, &["--profile", profile]).unwrap();
        assert!(
            arn.starts_with(&format!("arn:aws:sts::{account}:assumed-role/{profile}/")),
            "{arn}"
        );
    }
    let post = runner.container_step(image, &[], &pairs(&env), true, true);
    post.assert_code(0);
    assert!(!runner.temp().join("_github_home/.aws/credentials").exists());
    assert!(runner.later_aws(&moto, &["--profile", "deploy"]).is_err());
}

/// `uses: docker://IMAGE` runs the image without action.yml's `runs.args`: the container cannot
/// tell where later steps look, so a profile is refused before any request.
#[tokio::test]
async fn profiles_in_a_container_without_the_actions_arguments_are_refused_before_any_request() {
    let image = image_or_skip!();
    let moto = Moto::start();
    let github = Github::start().await;
    let env = vec![
        (
            "ACTIONS_ID_TOKEN_REQUEST_URL".to_string(),
            github.request_url(),
        ),
        (
            "ACTIONS_ID_TOKEN_REQUEST_TOKEN".into(),
            REQUEST_TOKEN.into(),
        ),
        ("INPUT_ROLE-TO-ASSUME".into(), ROLE.into()),
        ("INPUT_AWS-REGION".into(), "eu-central-1".into()),
        ("INPUT_ISSUER".into(), github.issuer()),
        ("INPUT_STS-ENDPOINT".into(), moto.endpoint.clone()),
    ];
    for (args, extra, words) in [
        (false, vec![], "started without the action's `runs.args`"),
        (
            true,
            vec![("AWS_CONFIG_FILE", "/home/runner/.aws/config")],
            "AWS_CONFIG_FILE is `/home/runner/.aws/config`, which the runner does not mount",
        ),
    ] {
        let mut runner = Runner::new(Job::Host);
        let mut all = pairs(&env);
        all.extend(extra);
        let step = runner.container_step(image, &[("aws-profile", "deploy")], &all, args, false);
        step.assert_code(2);
        assert!(step.stderr.contains(words), "{}", step.stderr);
        assert!(step.stderr.contains("aws-profile"), "{}", step.stderr);
        assert!(step.env.is_empty() && step.outputs.is_empty());
    }
    // The token was never requested.
    assert!(
        github
            .server
            .received_requests()
            .await
            .unwrap()
            .iter()
            .all(|r| r.url.path() != "/idtoken")
    );
}

/// An unset-only step (`unset-current-credentials: true`, no role) blanks what earlier steps
/// exported and removes the profiles the job's steps wrote, wherever they wrote them.
#[tokio::test]
async fn an_unset_only_step_blanks_the_job_variables_and_removes_its_profiles() {
    let image = image_or_skip!();
    let moto = Moto::start();
    let (_github, env) = github_and_inputs(&moto).await;
    let mut runner = Runner::new(Job::Host);
    runner
        .container_step(
            image,
            &[("aws-profile", "deploy")],
            &pairs(&env),
            true,
            false,
        )
        .assert_code(0);
    assert!(runner.later_aws(&moto, &[]).is_ok());
    let unset = runner.container_step(
        image,
        &[("unset-current-credentials", "true")],
        &[],
        true,
        false,
    );
    unset.assert_code(0);
    assert!(
        unset
            .stderr
            .contains("removed profile(s) deploy from /github/home/.aws/credentials"),
        "{}",
        unset.stderr
    );
    for name in [
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_PROFILE",
    ] {
        assert_eq!(runner.job_env(name), Some(""), "{name}");
    }
    assert!(!runner.temp().join("_github_home/.aws/credentials").exists());
    assert!(!runner.temp().join("oidc-assume/profiles.jsonl").exists());
    let err = runner
        .later_aws(&moto, &["--profile", "deploy"])
        .unwrap_err();
    assert!(err.contains("could not be found"), "{err}");
}

/// The same step on the host (the composite action): no engine needed.
#[tokio::test]
async fn an_unset_only_step_on_the_host_removes_what_earlier_steps_wrote() {
    let moto = Moto::start();
    let temp = tempfile::tempdir().unwrap();
    let temp_dir = temp.path().to_str().unwrap().to_string();
    let (credentials, config) = (temp.path().join("credentials"), temp.path().join("config"));
    let files = [
        ("AWS_SHARED_CREDENTIALS_FILE", credentials.to_str().unwrap()),
        ("AWS_CONFIG_FILE", config.to_str().unwrap()),
        ("RUNNER_TEMP", temp_dir.as_str()),
    ];
    let mut first = Scenario::new()
        .await
        .with_moto(&moto)
        .input("aws-profile", "deploy");
    for (k, v) in files {
        first = first.env(k, v);
    }
    let first = first.run().await;
    first.assert_code(0);
    assert!(credentials.exists() && config.exists());
    let record = temp.path().join("oidc-assume/profiles.jsonl");
    assert!(
        std::fs::read_to_string(&record)
            .unwrap()
            .contains("[\"deploy\"]")
    );

    let mut second = Scenario::new()
        .await
        .no_token()
        .sts_unreached()
        .without_input("role-to-assume")
        .input("unset-current-credentials", "true");
    for (k, v) in files {
        second = second.env(k, v);
    }
    let second = second.run().await;
    second.assert_code(0);
    assert_eq!(
        second.env_vars(),
        [
            ("AWS_ACCESS_KEY_ID".to_string(), String::new()),
            ("AWS_SECRET_ACCESS_KEY".into(), String::new()),
            ("AWS_SESSION_TOKEN".into(), String::new()),
            ("AWS_PROFILE".into(), String::new()),
        ]
    );
    assert_eq!(second.output_file, "", "no outputs: nothing was assumed");
    assert_eq!(second.stdout, "", "no warning: the step requests nothing");
    assert!(
        second.stderr.contains("removed profile(s) deploy from"),
        "{}",
        second.stderr
    );
    assert!(!credentials.exists() && !config.exists());
    assert!(!record.exists());
}
