//! Many jobs on one `HOME` (issue #11): self-hosted runners often run several runner instances
//! as one user, so jobs write the same `~/.aws` files at the same time. Real processes of the
//! binary against moto (each session gets its own keys), main steps and post steps at once:
//! every profile written is there afterwards, every post step removes only its own job's.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use futures_util::future::join_all;
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

use crate::common::*;

/// The user's own profiles, which every job must leave byte for byte.
const USER_CREDENTIALS: &str =
    "# mine\n[default]\naws_access_key_id = AKIAUSEROWNKEY000001\naws_secret_access_key = s\n";
const USER_CONFIG: &str = "[default]\nregion = eu-west-1\n";

/// Serves one token to any number of jobs (the harness's `serve_token` expects one request).
async fn serve_token_to_every_job(github: &Github) {
    let token = github.sign(&github.claims());
    Mock::given(method("GET"))
        .and(path("/idtoken"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"value": token})))
        .mount(&github.server)
        .await;
}

/// A main step writing `profile` into `home`, recording its cleanup in `state`.
fn main_step(github: &Github, moto: &Moto, home: &Path, profile: &str, state: &Path) -> Run {
    std::fs::write(state, "").unwrap();
    Run::action()
        .with_github(github)
        .env("HOME", home.to_str().unwrap())
        .env("INPUT_STS-ENDPOINT", &moto.endpoint)
        .env("INPUT_AWS-PROFILE", profile)
        .env("GITHUB_STATE", state.to_str().unwrap())
}

/// The post step of the main step that wrote `state`, as the runner starts it.
fn post_step(state: &Path) -> Run {
    let record = std::fs::read_to_string(state).unwrap();
    // The runner hands the last `oidc_assume` record to the post step.
    let value = record
        .split("oidc_assume<<")
        .last()
        .and_then(|r| r.split_once('\n'))
        .map(|(delimiter, rest)| rest.split(&format!("\n{delimiter}")).next().unwrap())
        .unwrap()
        .to_string();
    Run::action().env("STATE_oidc_assume", &value)
}

/// Each profile's access key ids in the credentials file, in file order.
fn profiles(home: &Path) -> BTreeMap<String, Vec<String>> {
    let text = std::fs::read_to_string(home.join(".aws/credentials")).unwrap_or_default();
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut current = None;
    for line in text.lines() {
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            out.entry(name.to_string()).or_default();
            current = Some(name.to_string());
        } else if let (Some(name), Some(key)) =
            (&current, line.strip_prefix("aws_access_key_id = "))
        {
            out.get_mut(name).unwrap().push(key.to_string());
        }
    }
    out
}

/// Runs the steps at once, as real processes; every one must exit 0.
async fn all_at_once(runs: Vec<Run>) -> Vec<Outcome> {
    let outcomes = join_all(runs.into_iter().map(Run::run)).await;
    for outcome in &outcomes {
        outcome.assert_code(0);
    }
    outcomes
}

/// Sixteen jobs write their profiles at once; then sixteen more write theirs while the first
/// sixteen's post steps run; then those post steps run at once. Nothing is lost at any point,
/// and at the end the user's files are back byte for byte.
#[tokio::test(flavor = "multi_thread")]
#[allow(clippy::print_stderr)] // the figures go in the closing note
async fn sixteen_jobs_on_one_home_lose_no_profile_and_remove_none_of_the_others() {
    const JOBS: usize = 16;
    let moto = Moto::start();
    let github = Github::start().await;
    serve_token_to_every_job(&github).await;
    let home_dir = tempfile::tempdir().unwrap();
    let home = home_dir.path();
    std::fs::create_dir(home.join(".aws")).unwrap();
    std::fs::write(home.join(".aws/credentials"), USER_CREDENTIALS).unwrap();
    std::fs::write(home.join(".aws/config"), USER_CONFIG).unwrap();
    let states: Vec<PathBuf> = (0..2 * JOBS)
        .map(|n| home.join(format!("state-{n}")))
        .collect();
    let started = Instant::now();

    // Round 1: sixteen main steps at once.
    let runs = (0..JOBS)
        .map(|n| main_step(&github, &moto, home, &format!("job{n}"), &states[n]))
        .collect();
    all_at_once(runs).await;
    let after_first = profiles(home);
    let mut lost = 0;
    for n in 0..JOBS {
        match after_first.get(&format!("job{n}")).map(Vec::as_slice) {
            Some([key]) if key.starts_with("ASIA") => {}
            _ => lost += 1,
        }
    }
    assert_eq!(
        lost, 0,
        "profiles lost by 16 writers at once: {after_first:?}"
    );
    let keys: std::collections::BTreeSet<&Vec<String>> = after_first.values().collect();
    assert_eq!(
        keys.len(),
        JOBS + 1,
        "each job its own session: {after_first:?}"
    );

    // Round 2: sixteen more main steps, while round 1's post steps run.
    let runs = (JOBS..2 * JOBS)
        .map(|n| main_step(&github, &moto, home, &format!("job{n}"), &states[n]))
        .chain((0..JOBS).map(|n| post_step(&states[n])))
        .collect();
    let outcomes = all_at_once(runs).await;
    for post in &outcomes[JOBS..] {
        assert!(
            post.stderr.contains("removed profile(s) job"),
            "{}",
            post.stderr
        );
    }
    let after_second = profiles(home);
    for n in 0..2 * JOBS {
        let present = after_second.contains_key(&format!("job{n}"));
        if n < JOBS {
            assert!(!present, "job{n}'s post step removed it");
        } else if !present {
            lost += 1;
        }
    }
    assert_eq!(after_second.len(), JOBS + 1, "{:?}", after_second.keys());
    assert_eq!(
        lost, 0,
        "profiles lost: {after_first:?} then {after_second:?}"
    );

    // A later step of a round-2 job uses its profile.
    let cli = std::process::Command::new(venv_bin("aws"))
        .args(["sts", "get-caller-identity", "--output", "text"])
        .args(["--endpoint-url", &moto.endpoint, "--profile", "job20"])
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", home)
        .output()
        .unwrap();
    assert!(
        cli.status.success(),
        "{}",
        String::from_utf8_lossy(&cli.stderr)
    );

    // Round 2's post steps, all at once.
    all_at_once((JOBS..2 * JOBS).map(|n| post_step(&states[n])).collect()).await;
    let elapsed = started.elapsed();
    assert_eq!(
        std::fs::read_to_string(home.join(".aws/credentials")).unwrap(),
        USER_CREDENTIALS
    );
    assert_eq!(
        std::fs::read_to_string(home.join(".aws/config")).unwrap(),
        USER_CONFIG
    );
    eprintln!(
        "shared HOME (processes): {} main steps ({JOBS} at once, then {JOBS} beside {JOBS} post steps) and {} post steps, {:.1} s, lost 0, foreign removed 0",
        2 * JOBS,
        2 * JOBS,
        elapsed.as_secs_f64()
    );
}

/// Job A writes `shared`, job B overwrites it (`overwrite-aws-profile`), A's post step runs:
/// B's profile stays. B's post step then removes it.
#[tokio::test(flavor = "multi_thread")]
async fn a_post_step_leaves_a_profile_another_job_overwrote() {
    let moto = Moto::start();
    let github = Github::start().await;
    serve_token_to_every_job(&github).await;
    let home_dir = tempfile::tempdir().unwrap();
    let home = home_dir.path();
    let (a, b) = (home.join("state-a"), home.join("state-b"));
    main_step(&github, &moto, home, "shared", &a)
        .run()
        .await
        .assert_code(0);
    let a_key = profiles(home)["shared"].clone();
    main_step(&github, &moto, home, "shared", &b)
        .env("INPUT_OVERWRITE-AWS-PROFILE", "true")
        .run()
        .await
        .assert_code(0);
    let b_key = profiles(home)["shared"].clone();
    assert_ne!(a_key, b_key);

    let post = post_step(&a).run().await;
    post.assert_code(0);
    assert!(
        post.stderr
            .contains("left profile(s) shared in place: another job has written them since"),
        "{}",
        post.stderr
    );
    assert_eq!(
        profiles(home)["shared"],
        b_key,
        "b's profile is not a's to remove"
    );
    post_step(&b).run().await.assert_code(0);
    assert_eq!(profiles(home), BTreeMap::new(), "b's cleanup removes it");
}
