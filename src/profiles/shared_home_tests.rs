//! Stress tests for a `HOME` shared by many jobs (issue #11): writers and cleanups of one
//! `~/.aws` at once, as threads calling the library. Each thread opens the lock file itself,
//! and `flock` locks belong to the open file, so threads contend exactly as processes do. Does
//! file I/O, in temporary directories only.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Barrier;
use std::time::{Duration, Instant};

use super::fixtures::entry;
use super::ini::Doc;
use super::write::{remove_profiles_waiting, write_profiles_waiting};
use super::*;

/// The user's own files, which every job must leave byte for byte.
const USER_CREDENTIALS: &str =
    "# mine\n[default]\naws_access_key_id = AKIAUSEROWNKEY000001\naws_secret_access_key = s\n";
const USER_CONFIG: &str = "[default]\nregion = eu-west-1\n\n[profile user]\nregion = eu-west-2\n";

const WRITERS: usize = 16;
const ROUNDS: usize = 12;

/// A job's entry: its own access key id, so the cleanup can tell whose section it is.
fn job_entry(name: &str, key: &str, region: &str) -> ProfileEntry {
    ProfileEntry {
        access_key_id: Secret::new(key),
        ..entry(name, Some(region))
    }
}

fn key(job: usize, round: usize) -> String {
    format!("ASIAJOB{job:04}ROUND{round:04}")
}

/// The access key ids of each profile's sections in a credentials file.
fn keys(path: &Path) -> BTreeMap<String, Vec<String>> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let doc = Doc::parse(&text, FileKind::Credentials);
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for section in &doc.sections {
        let key = doc
            .settings(section)
            .into_iter()
            .find(|(k, _)| k == "aws_access_key_id")
            .map(|(_, v)| v)
            .unwrap_or_default();
        out.entry(section.profile.clone().unwrap_or_default())
            .or_default()
            .push(key);
    }
    out
}

struct Home {
    _dir: tempfile::TempDir,
    credentials: PathBuf,
    config: PathBuf,
}

fn shared_home() -> Home {
    let dir = tempfile::tempdir().unwrap();
    let aws = dir.path().join(".aws");
    std::fs::create_dir(&aws).unwrap();
    std::fs::write(aws.join("credentials"), USER_CREDENTIALS).unwrap();
    std::fs::write(aws.join("config"), USER_CONFIG).unwrap();
    Home {
        credentials: aws.join("credentials"),
        config: aws.join("config"),
        _dir: dir,
    }
}

fn write(home: &Home, entries: &[ProfileEntry], overwrite: bool) -> Written {
    write_profiles_waiting(
        &home.credentials,
        &home.config,
        entries,
        overwrite,
        Duration::from_secs(60),
    )
    .unwrap()
}

fn remove(written: &Written) -> Removed {
    remove_profiles_waiting(written, Duration::from_secs(60)).unwrap()
}

/// Sixteen jobs, twelve rounds: each round every job writes a new profile (two, in two
/// different regions, into both files) while the others write theirs and clean up their
/// previous round. After each round every job's profiles must be there with that job's key
/// (nothing lost) and no earlier round's (cleanups work); at the end the user's files are back
/// byte for byte (nothing foreign removed, nothing left over).
#[test]
#[allow(clippy::print_stderr)] // the figures go in the closing note
fn sixteen_jobs_writing_and_cleaning_up_at_once_lose_nothing() {
    let home = shared_home();
    let barrier = Barrier::new(WRITERS);
    let started = Instant::now();
    let lost = std::sync::atomic::AtomicUsize::new(0);
    let finals: Vec<Written> = std::thread::scope(|scope| {
        let jobs: Vec<_> = (0..WRITERS)
            .map(|job| {
                let (home, barrier, lost) = (&home, &barrier, &lost);
                scope.spawn(move || {
                    let mut previous: Option<Written> = None;
                    for round in 0..ROUNDS {
                        let key = key(job, round);
                        let entries = [
                            job_entry(&format!("job{job}-r{round}"), &key, "us-east-1"),
                            job_entry(&format!("job{job}-r{round}-ro"), &key, "eu-north-1"),
                        ];
                        barrier.wait();
                        let written = write(home, &entries, false);
                        if let Some(previous) = previous.take() {
                            let removed = remove(&previous);
                            assert_eq!(removed.removed, previous.credentials.profiles);
                            assert!(removed.replaced.is_empty(), "{removed:?}");
                        }
                        previous = Some(written);
                        barrier.wait();
                        // Every job's profiles of this round, with its key; none of the last.
                        let now = keys(&home.credentials);
                        for other in 0..WRITERS {
                            for suffix in ["", "-ro"] {
                                let name = format!("job{other}-r{round}{suffix}");
                                if now.get(&name) != Some(&vec![self::key(other, round)]) {
                                    lost.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                                }
                            }
                        }
                        assert_eq!(now.len(), 1 + 2 * WRITERS, "{:?}", now.keys());
                    }
                    previous.unwrap()
                })
            })
            .collect();
        jobs.into_iter().map(|j| j.join().unwrap()).collect()
    });
    assert_eq!(lost.into_inner(), 0, "profiles lost");
    let config = std::fs::read_to_string(&home.config).unwrap();
    assert!(config.starts_with(USER_CONFIG), "{config}");
    assert_eq!(config.matches("[profile job").count(), 2 * WRITERS);

    // The last round's post steps, all at once.
    std::thread::scope(|scope| {
        for written in &finals {
            let barrier = &barrier;
            scope.spawn(move || {
                barrier.wait();
                let removed = remove(written);
                assert_eq!(removed.removed.len(), 2);
            });
        }
    });
    let elapsed = started.elapsed();
    assert_eq!(
        std::fs::read_to_string(&home.credentials).unwrap(),
        USER_CREDENTIALS
    );
    assert_eq!(std::fs::read_to_string(&home.config).unwrap(), USER_CONFIG);
    eprintln!(
        "shared HOME (library): {WRITERS} writers x {ROUNDS} rounds, {} profile writes and {} cleanups, {:.2} s, lost 0, foreign removed 0",
        WRITERS * ROUNDS,
        WRITERS * ROUNDS,
        elapsed.as_secs_f64()
    );
}

/// Job A writes `shared`, job B overwrites it, A's post step runs: B's profile stays, in both
/// files, and A says so. B's post step then removes it.
#[test]
fn a_profile_another_job_overwrote_is_left_to_that_job() {
    let home = shared_home();
    let a = write(
        &home,
        &[job_entry("shared", &key(1, 0), "us-east-1")],
        false,
    );
    let b = write(&home, &[job_entry("shared", &key(2, 0), "us-east-1")], true);
    assert_eq!(
        b.config.as_ref().map(|c| c.profiles.clone()),
        Some(vec!["shared".to_string()]),
        "a's identical config section is b's now too"
    );
    let removed = remove(&a);
    assert_eq!(removed.replaced, ["shared"]);
    assert!(removed.removed.is_empty());
    assert_eq!(
        removed.note().unwrap(),
        "left profile(s) shared in place: another job has written them since"
    );
    assert_eq!(keys(&home.credentials)["shared"], [key(2, 0)]);
    assert!(
        std::fs::read_to_string(&home.config)
            .unwrap()
            .contains("[profile shared]")
    );

    assert_eq!(remove(&b).removed, ["shared"]);
    assert_eq!(
        std::fs::read_to_string(&home.credentials).unwrap(),
        USER_CREDENTIALS
    );
    assert_eq!(std::fs::read_to_string(&home.config).unwrap(), USER_CONFIG);
}

/// Sixteen jobs overwrite one profile and clean up, all at once: whoever wrote last owns
/// it, every cleanup removes only its own, and at the end nothing is left in either file.
#[test]
fn sixteen_jobs_sharing_one_profile_leave_nothing_behind() {
    let home = shared_home();
    let barrier = Barrier::new(WRITERS);
    let replaced = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for job in 0..WRITERS {
            let (home, barrier, replaced) = (&home, &barrier, &replaced);
            scope.spawn(move || {
                let region = if job % 2 == 0 {
                    "us-east-1"
                } else {
                    "eu-west-3"
                };
                barrier.wait();
                let written = write(home, &[job_entry("shared", &key(job, 0), region)], true);
                let now = keys(&home.credentials);
                assert_eq!(now["shared"].len(), 1, "never two sections: {now:?}");
                let removed = remove(&written);
                if !removed.replaced.is_empty() {
                    replaced.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
            });
        }
    });
    assert_eq!(
        std::fs::read_to_string(&home.credentials).unwrap(),
        USER_CREDENTIALS
    );
    assert_eq!(std::fs::read_to_string(&home.config).unwrap(), USER_CONFIG);
    assert!(
        replaced.into_inner() < WRITERS,
        "the last writer removes its own"
    );
}

/// A writer and a cleanup that cannot get the lock give up, name the lock file, and change
/// nothing.
#[test]
fn a_held_lock_times_out_with_the_lock_file_named() {
    let home = shared_home();
    let written = write(&home, &[job_entry("ci", &key(0, 0), "us-east-1")], false);
    let before = std::fs::read_to_string(&home.credentials).unwrap();
    let lock_path = home.credentials.with_file_name(LOCK_FILE);
    let _held = crate::files::lock(&lock_path, Duration::ZERO).unwrap();

    let short = Duration::from_millis(100);
    let entries = [job_entry("late", &key(1, 0), "us-east-1")];
    let errors = [
        write_profiles_waiting(&home.credentials, &home.config, &entries, false, short)
            .unwrap_err(),
        remove_profiles_waiting(&written, short).unwrap_err(),
    ];
    for err in errors {
        match &err {
            ProfileError::File(crate::files::FileError::LockTimeout { path, waited_secs }) => {
                assert_eq!(path, &lock_path);
                assert_eq!(*waited_secs, 0);
            }
            other => panic!("{other:?}"),
        }
        assert!(
            err.to_string().contains(&lock_path.display().to_string()),
            "{err}"
        );
        assert!(err.to_string().contains("nothing was changed"), "{err}");
        assert!(err.hint().unwrap().contains("hung `oidc-assume`"));
    }
    assert_eq!(std::fs::read_to_string(&home.credentials).unwrap(), before);
}
