//! What a run changed and whether it kept the security invariants: fingerprints of the files
//! it may write (taken before and after), leases that tell when runs share a HOME, and the
//! check every run goes through. Does I/O (reads the watched trees); the rules themselves are
//! pure, in `invariants.rs`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::common::{Outcome, SECRET_VARIABLES, known_secrets};
use crate::invariants::{Changed, Transcript, violations};

/// Where the product remembers, under HOME, which one-time notices it showed (not an export).
const PRODUCT_MEMORY: &str = ".cache/oidc-assume";

/// Fingerprints of the files a run may write (its dir, HOME, RUNNER_TEMP, the directories
/// of the profile files it is pointed at), taken before it starts, to list what it changed.
/// The runner files are left out: the invariants read them on their own.
pub struct Watch {
    roots: Vec<PathBuf>,
    home: Option<PathBuf>,
    runner_files: Vec<PathBuf>,
    ignored: Vec<PathBuf>,
    before: BTreeMap<PathBuf, String>,
}

impl Watch {
    pub fn start(dir: &Path, env: &[(String, String)]) -> Watch {
        let var = |name: &str| {
            env.iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| PathBuf::from(v))
        };
        let mut roots = vec![dir.to_path_buf()];
        roots.extend(var("HOME"));
        roots.extend(var("RUNNER_TEMP"));
        for file in ["AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE"] {
            roots.extend(var(file).and_then(|f| f.parent().map(Path::to_path_buf)));
        }
        // Only directories of their own: never `/` or the system temp dir as a whole.
        roots.retain(|r| r.starts_with(std::env::temp_dir()) && *r != std::env::temp_dir());
        roots.sort();
        roots.dedup();
        let runner_files = [
            "GITHUB_ENV",
            "GITHUB_OUTPUT",
            "GITHUB_STEP_SUMMARY",
            "GITHUB_STATE",
            "GITHUB_PATH",
        ]
        .iter()
        .filter_map(|v| var(v))
        .collect();
        let mut watch = Watch {
            roots,
            home: var("HOME"),
            runner_files,
            ignored: Vec::new(),
            before: BTreeMap::new(),
        };
        watch.before = watch.fingerprints();
        watch
    }

    /// Leaves `dir` out: a cache the program under test keeps, which holds no credentials.
    pub fn ignoring(mut self, dir: &Path) -> Watch {
        self.ignored.push(dir.to_path_buf());
        self.before = self.fingerprints();
        self
    }

    fn fingerprints(&self) -> BTreeMap<PathBuf, String> {
        let mut out = BTreeMap::new();
        for root in &self.roots {
            fingerprint_tree(root, 0, &mut out);
        }
        out.retain(|path, _| {
            !self.runner_files.contains(path) && !self.ignored.iter().any(|d| path.starts_with(d))
        });
        out
    }

    /// What the run created, changed or removed since [`Watch::start`].
    pub fn changes(&self) -> Vec<Changed> {
        let after = self.fingerprints();
        let mut paths: Vec<&PathBuf> = self.before.keys().chain(after.keys()).collect();
        paths.sort();
        paths.dedup();
        paths
            .into_iter()
            .filter(|p| self.before.get(*p) != after.get(*p))
            .map(|p| Changed {
                path: p.display().to_string(),
                // The memory's directory and those created to hold it.
                state: self.home.as_ref().is_some_and(|h| {
                    let memory = h.join(PRODUCT_MEMORY);
                    p.starts_with(&memory) || (memory.starts_with(p) && p != h)
                }),
                in_home: self.home.as_ref().is_some_and(|h| p.starts_with(h)),
                before: self.before.get(p).cloned(),
                after: after.get(p).cloned(),
            })
            .collect()
    }
}

/// Each entry under `path` as text (a small UTF-8 file) or a placeholder naming what it is;
/// links and special files are never followed or opened.
fn fingerprint_tree(path: &Path, depth: usize, out: &mut BTreeMap<PathBuf, String>) {
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return;
    };
    let kind = meta.file_type();
    let print = if kind.is_dir() {
        if depth < 64
            && let Ok(entries) = std::fs::read_dir(path)
        {
            for entry in entries.flatten() {
                fingerprint_tree(&entry.path(), depth + 1, out);
            }
        }
        "<directory>".to_string()
    } else if kind.is_symlink() {
        let target = std::fs::read_link(path).unwrap_or_default();
        format!("<link to {}>", target.display())
    } else if kind.is_file() {
        let bytes = std::fs::read(path).unwrap_or_default();
        match String::from_utf8(bytes) {
            Ok(text) if text.len() <= 1 << 20 => text,
            Ok(text) => fingerprint_bytes(text.as_bytes()),
            Err(e) => fingerprint_bytes(e.as_bytes()),
        }
    } else {
        "<special file>".to_string()
    };
    out.insert(path.to_path_buf(), print);
}

fn fingerprint_bytes(bytes: &[u8]) -> String {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    bytes.hash(&mut hasher);
    format!("<{} bytes, hash {:x}>", bytes.len(), hasher.finish())
}

/// Marks a run's HOME as in use while it runs, to tell whether another run shared it: then
/// the profiles there are not this run's alone.
pub struct HomeLease {
    id: u64,
}

/// `(lease id, HOME, shared)` of every run in progress.
static HOMES: std::sync::Mutex<Vec<(u64, PathBuf, bool)>> = std::sync::Mutex::new(Vec::new());

impl HomeLease {
    pub fn take(env: &[(String, String)]) -> HomeLease {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let id = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let home = env
            .iter()
            .find(|(k, _)| k == "HOME")
            .map(|(_, v)| PathBuf::from(v))
            .unwrap_or_default();
        let mut homes = HOMES.lock().unwrap();
        let mut shared = false;
        for (_, _, flag) in homes.iter_mut().filter(|(_, h, _)| *h == home) {
            *flag = true;
            shared = true;
        }
        homes.push((id, home, shared));
        HomeLease { id }
    }

    /// Whether another run used the same HOME at any time during this one.
    pub fn shared(&self) -> bool {
        let homes = HOMES.lock().unwrap();
        homes
            .iter()
            .any(|(id, _, shared)| *id == self.id && *shared)
    }
}

impl Drop for HomeLease {
    fn drop(&mut self) {
        HOMES.lock().unwrap().retain(|(id, _, _)| *id != self.id);
    }
}

impl Outcome {
    /// Checks the security invariants (`invariants.rs`) on this run, with the secrets the
    /// harness knows of (its credentials, tokens, canaries, the secret variables in `env`),
    /// and panics with every broken one and the transcript.
    pub fn check_invariants(
        &self,
        env: &[(String, String)],
        watch: &Watch,
        shared_home: bool,
        stdout_is_data: bool,
    ) {
        let var = |name: &str| env.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
        let state = var("GITHUB_STATE")
            .map(|p| std::fs::read_to_string(p).unwrap_or_default())
            .unwrap_or_default();
        let changed = watch.changes();
        let transcript = Transcript {
            code: self.code,
            stdout: &self.stdout,
            stderr: &self.stderr,
            summary: &self.summary,
            env_file: &self.env_file,
            output_file: &self.output_file,
            state_file: &state,
            in_actions: var("GITHUB_ACTIONS") == Some("true"),
            stdout_is_data,
            changed: &changed,
            shared_home,
        };
        let mut secrets = known_secrets();
        secrets.extend(
            SECRET_VARIABLES
                .iter()
                .filter_map(|v| var(v))
                .map(String::from),
        );
        let found = violations(&transcript, &secrets);
        assert!(
            found.is_empty(),
            "security invariants broken:\n  {}\n--- exit {}\n--- stdout\n{}\n--- stderr\n{}\n--- changed files\n{changed:#?}",
            found.join("\n  "),
            self.code,
            self.stdout,
            self.stderr
        );
    }
}
