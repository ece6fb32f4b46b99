//! What `audit` reads from its command-line inputs: files and directories (walked with
//! [`super::walk`]), or a text the caller read (stdin); each text handed to the reader of its
//! form ([`super::forms`]), the findings attached, a count of everything looked at, and what
//! happened along the way as [`Notice`]s for the caller to print. I/O: reads files, through
//! [`super::walk`] only; writes nothing.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::document::LoadError;
use super::forms::{self, Files, Kind};
use super::walk::{self, Skip};
use super::{DocumentRead, Reported, TrustError};

/// Everything read so far.
#[derive(Debug, Default)]
pub struct Collected {
    pub findings: Vec<Reported>,
    /// Inputs read successfully, as named in findings.
    pub inputs: Vec<String>,
    /// Every trust policy document read.
    pub documents: Vec<DocumentRead>,
    /// What happened along the way, in order, for stderr.
    pub notices: Vec<Notice>,
    /// Whether a directory was walked.
    pub walked: bool,
    pub looked: Looked,
}

/// Something to tell the user while the audit goes on; the audit itself continues.
#[derive(Debug)]
pub enum Notice {
    /// `note: …`: an entry skipped, or a file that holds no policy.
    Note(String),
    /// An input that could not be read or is not valid: reported, and the exit code is 2.
    Error(TrustError),
}

/// What was looked at, for the message when nothing was found.
#[derive(Debug, Default)]
pub struct Looked {
    /// Files read.
    pub read: usize,
    /// Files read that hold no trust policy.
    pub without_policy: usize,
    /// Files with other name endings, not read.
    pub other: usize,
    /// Directories not entered by name (`target`, `node_modules`, `.terraform`, `.git`,
    /// hidden).
    pub ignored_dirs: usize,
    /// Entries skipped, by kind.
    pub skipped: BTreeMap<&'static str, usize>,
}

impl Looked {
    /// `looked at 3 files (2 without a trust policy), 4 other files not read; skipped 1 FIFO …`
    pub fn describe(&self) -> String {
        let mut text = format!(
            "read {} file{} ({} without a trust policy); {} file{} with other name endings not read; {} director{} not entered (`target`, `node_modules`, `.terraform`, `.git`, hidden)",
            self.read,
            plural(self.read),
            self.without_policy,
            self.other,
            plural(self.other),
            self.ignored_dirs,
            if self.ignored_dirs == 1 { "y" } else { "ies" },
        );
        if !self.skipped.is_empty() {
            let parts: Vec<String> = self
                .skipped
                .iter()
                .map(|(kind, n)| format!("{n} {kind}"))
                .collect();
            text.push_str(&format!("; skipped: {}", parts.join(", ")));
        }
        text
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// Names a path as findings show it (`-` is `stdin`).
pub fn display(path: &Path) -> String {
    if path == Path::new("-") {
        "stdin".into()
    } else {
        path.display().to_string()
    }
}

/// Templates are read from inside the walked tree only.
struct TreeFiles {
    root: PathBuf,
}

impl Files for TreeFiles {
    fn read(&self, from: &str, name: &str) -> Result<(String, String), String> {
        let base = Path::new(from).parent().unwrap_or(Path::new("."));
        walk::read_template(&self.root, base, name)
            .map(|(p, text)| (p.display().to_string(), text))
            .map_err(|skip| format!("`{name}` was not read: {skip}"))
    }

    /// A module's directory, inside the tree only, its files under the walker's limits.
    fn module(&self, from: &str, dir: &str) -> Result<Vec<(String, String)>, String> {
        let base = Path::new(from).parent().unwrap_or(Path::new("."));
        let path = normalize(&base.join(dir));
        let inside = std::fs::canonicalize(&path)
            .ok()
            .zip(std::fs::canonicalize(&self.root).ok())
            .is_some_and(|(p, root)| p.starts_with(root));
        if !inside {
            return Err(format!(
                "the module `{dir}` is not a directory inside the tree being audited"
            ));
        }
        let files = walk::module_files(&path).map_err(|e| format!("`{dir}`: {e}"))?;
        let mut out = Vec::new();
        for file in files.into_iter().take(MAX_MODULE_FILES) {
            let text = walk::read_file(&file, false)
                .map_err(|skip| format!("{} was not read: {skip}", file.display()))?;
            out.push((display(&file), text));
        }
        Ok(out)
    }
}

/// Files of one called module read at most.
const MAX_MODULE_FILES: usize = 200;

/// A path with `.` and `..` resolved by name (`envs/prod/../../modules/x` → `modules/x`), so a
/// module reached by two callers is named, and recognised, the same way.
fn normalize(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir if out.file_name().is_some() => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

impl Collected {
    /// Whether an input could not be read or is not valid (exit 2 at the end).
    pub fn bad(&self) -> bool {
        self.notices.iter().any(|n| matches!(n, Notice::Error(_)))
    }

    fn note(&mut self, text: String) {
        self.notices.push(Notice::Note(text));
    }

    /// Records an input that could not be read or is not valid.
    pub fn error(&mut self, e: TrustError) {
        self.notices.push(Notice::Error(e));
    }

    fn skip(&mut self, path: &Path, skip: &Skip) {
        *self.looked.skipped.entry(skip.kind()).or_default() += 1;
        self.note(format!("skipped {}: {skip}", path.display()));
    }

    /// Reads stdin's text (`-` on the command line), which the caller read with
    /// [`walk::read_bounded`].
    pub fn stdin(&mut self, text: Result<String, Skip>) {
        self.text_input(Path::new("-"), text, false);
    }

    /// Reads one command-line input other than `-` (see [`Collected::stdin`]).
    pub fn input(&mut self, path: &Path) {
        if path.is_dir() {
            return self.dir(path);
        }
        let text = walk::read_file(path, true);
        if Kind::of(&display(path), "") == Kind::Terraform {
            let dir = path
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            let mut texts = Vec::new();
            match text {
                Ok(t) => texts.push((display(path), t)),
                Err(skip) => return self.refused(path, &skip),
            }
            // The module's other files: locals, variables and data sources are shared.
            if let Ok(siblings) = walk::module_files(dir) {
                for sibling in siblings
                    .iter()
                    .filter(|f| f.file_name() != path.file_name())
                {
                    if Kind::of(&display(sibling), "") == Kind::Terraform
                        && let Ok(t) = walk::read_file(sibling, false)
                    {
                        texts.push((display(sibling), t));
                    }
                }
            }
            return self.module(dir, texts);
        }
        self.text_input(path, text, false)
    }

    fn refused(&mut self, path: &Path, skip: &Skip) {
        self.error(TrustError::Read {
            path: path.to_path_buf(),
            source: std::io::Error::other(skip.to_string()),
        });
    }

    fn text_input(&mut self, path: &Path, text: Result<String, Skip>, scanned: bool) {
        let name = display(path);
        let text = match text {
            Ok(t) => t,
            Err(skip) if scanned => return self.skip(path, &skip),
            Err(skip) => return self.refused(path, &skip),
        };
        self.looked.read += 1;
        if scanned && !forms::may_hold_trust_policy(&text) {
            self.looked.without_policy += 1;
            if Kind::of(&name, &text) == Kind::Json {
                self.note(format!("skipped {name}: not an IAM policy document"));
            }
            return;
        }
        if forms::bracket_depth(&text) > 128 && Kind::of(&name, &text) != Kind::Json {
            return self.skip(
                path,
                &Skip::Unreadable(format!("brackets nest more than {} deep", 128)),
            );
        }
        match forms::read_text(&name, &text) {
            Ok(read) if read.found.is_empty() => {
                self.looked.without_policy += 1;
                if !scanned {
                    self.inputs.push(name);
                }
            }
            Ok(read) => {
                let (findings, documents) = super::audit_found(&name, &text, &read);
                self.inputs.push(name);
                self.findings.extend(findings);
                self.documents.extend(documents);
            }
            // A directory holds other JSON and YAML (package.json, workflows): skip what is not
            // a policy.
            Err(LoadError::NotAPolicy(_)) if scanned => {
                self.looked.without_policy += 1;
                self.note(format!("skipped {name}: not an IAM policy document"));
            }
            Err(source) => {
                let source = match source {
                    LoadError::NotAPolicy(m) => LoadError::NotAPolicy(format!(" {m}")),
                    other => other,
                };
                self.error(TrustError::Load { path: name, source });
            }
        }
    }

    fn dir(&mut self, root: &Path) {
        self.walked = true;
        let (findings_before, documents_before) = (self.findings.len(), self.documents.len());
        self.walk_dir(root);
        // Terraform modules are read after the other files: report the tree in path order.
        self.findings[findings_before..].sort_by(|a, b| {
            (
                &a.path,
                a.finding.loc.line,
                a.finding.loc.column,
                a.finding.meta.id,
            )
                .cmp(&(
                    &b.path,
                    b.finding.loc.line,
                    b.finding.loc.column,
                    b.finding.meta.id,
                ))
        });
        self.documents[documents_before..]
            .sort_by(|a, b| (&a.path, a.line).cmp(&(&b.path, b.line)));
    }

    fn walk_dir(&mut self, root: &Path) {
        let found = match walk::walk(root) {
            Ok(w) => w,
            Err(source) => {
                return self.error(TrustError::Read {
                    path: root.to_path_buf(),
                    source,
                });
            }
        };
        for (path, skip) in &found.skipped {
            self.skip(path, skip);
        }
        self.looked.other += found.other;
        self.looked.ignored_dirs += found.ignored_dirs;
        // Terraform is read a module (a directory's `.tf` files) at a time.
        let mut modules: BTreeMap<PathBuf, Vec<(String, String)>> = BTreeMap::new();
        let synthesised = synthesised_apps(&found.files);
        let mut not_read: BTreeMap<&PathBuf, usize> = BTreeMap::new();
        for path in &found.files {
            let name = display(path);
            if let Kind::Source(_) = Kind::of(&name, "")
                && let Some(app) = synthesised.iter().find(|app| path.starts_with(app))
            {
                *not_read.entry(app).or_default() += 1;
                continue;
            }
            if Kind::of(&name, "") != Kind::Terraform {
                let text = walk::read_file(path, false);
                self.text_input(path, text, true);
                continue;
            }
            match walk::read_file(path, false) {
                Ok(text) => {
                    self.looked.read += 1;
                    let dir = path.parent().unwrap_or(root).to_path_buf();
                    modules.entry(dir).or_default().push((name, text));
                }
                Err(skip) => self.skip(path, &skip),
            }
        }
        for (app, n) in not_read {
            self.note(format!(
                "read {} (what CDK synthesised) for the CDK app in {}: its {n} source file{} not read, so each role is reported once",
                app.join("cdk.out").display(),
                app.display(),
                if n == 1 { " was" } else { "s were" },
            ));
        }
        let files = TreeFiles {
            root: root.to_path_buf(),
        };
        // A directory that a module of the tree calls (`source = "./modules/role"`) is read
        // through its callers, with their arguments bound; read alone it would be reported a
        // second time with its variables unbound. One that no one calls is read alone, with its
        // defaults.
        let called: std::collections::HashSet<PathBuf> = modules
            .iter()
            .flat_map(|(dir, texts)| {
                forms::hcl::local_sources(texts)
                    .into_iter()
                    .map(|s| normalize(&dir.join(s)))
            })
            .collect();
        for (dir, texts) in modules {
            if called.contains(&normalize(&dir)) {
                continue;
            }
            if !texts
                .iter()
                .any(|(_, t)| forms::may_hold_trust_policy(t) || forms::hcl::calls_modules(t))
            {
                self.looked.without_policy += texts.len();
                continue;
            }
            self.module_with(&dir, texts, &files);
        }
    }

    fn module(&mut self, dir: &Path, texts: Vec<(String, String)>) {
        self.looked.read += texts.len();
        let files = TreeFiles {
            root: dir.to_path_buf(),
        };
        self.module_with(dir, texts, &files);
    }

    fn module_with(&mut self, dir: &Path, texts: Vec<(String, String)>, files: &dyn Files) {
        match forms::hcl::read_module(&texts, files) {
            Ok(read) if read.found.is_empty() => self.looked.without_policy += texts.len(),
            Ok(read) => {
                let first = &texts[0];
                let (findings, documents) = super::audit_found(&first.0, &first.1, &read);
                for d in &documents {
                    if !self.inputs.contains(&d.path) {
                        self.inputs.push(d.path.clone());
                    }
                }
                self.findings.extend(findings);
                self.documents.extend(documents);
            }
            Err(source) => {
                // The error's position is in one of the module's files: name it.
                let path = match &source {
                    LoadError::Invalid {
                        path: Some(path), ..
                    } => path.clone(),
                    _ => dir.display().to_string(),
                };
                let source = match source {
                    LoadError::NotAPolicy(m) => LoadError::NotAPolicy(format!(" {m}")),
                    other => other,
                };
                self.error(TrustError::Load { path, source });
            }
        }
    }
}

/// The CDK apps of a walk whose synthesised templates are in it: the directories holding both
/// `cdk.json` and a template under `cdk.out/`. Their source (TypeScript, Python) is not read:
/// `cdk.out` is what CDK built from it, whole, so each role is reported once.
fn synthesised_apps(files: &[PathBuf]) -> Vec<PathBuf> {
    let mut apps: Vec<PathBuf> = files
        .iter()
        .filter_map(|f| {
            let mut dir = f.parent()?;
            while dir.file_name()? != "cdk.out" {
                dir = dir.parent()?;
            }
            let app = dir.parent()?.to_path_buf();
            files.contains(&app.join("cdk.json")).then_some(app)
        })
        .collect();
    apps.dedup();
    apps
}
