//! `oidc-assume paths [DIR]`: reads the repository's workflows and every role the tree defines
//! (the audit's readers), names the repository, runs the analysis ([`crate::paths`]) and prints
//! the report. I/O: reads the tree (through the audit's bounded walker and reader), `.git/config`
//! and `.git/HEAD`-style files for the repository and default branch; writes stdout/stderr only.

use std::path::Path;

use crate::cli::PathsArgs;
use crate::error::{EXIT_CONFIG, EXIT_OK, Error};
use crate::output::Reporter;
use crate::paths::render::{self, Context};
use crate::paths::{self, PathsError, Role, Setting};
use crate::policy::Policy;
use crate::token_claims::SubTemplate;
use crate::trust::collect::{Collected, display};

use super::print_notices;
use crate::trust::finding::Severity;
use crate::trust::render::Format;
use crate::trust::walk;
use crate::trust::{DocumentRead, Reported};
use crate::workflow::{self, Workflow};

/// Runs `paths`; returns the exit code (0, 10–13 by the worst path at or above
/// `--min-severity`, 2 when a workflow or role input could not be read).
pub fn command(args: &PathsArgs, out: &Reporter) -> Result<u8, Error> {
    let policy = claim_policy(&args.dir);
    let template = match args.sub_template.as_deref() {
        Some(text) => Some(SubTemplate::parse(text).map_err(PathsError::Template)?),
        None => policy.as_ref().and_then(|p| p.sub_template().cloned()),
    };
    let (workflows, _, mut bad) = read_workflows(&args.dir, out)?;
    let mut collected = Collected::default();
    collected.input(&args.dir);
    for extra in &args.roles {
        collected.input(extra);
    }
    bad |= collected.bad();
    print_notices(std::mem::take(&mut collected.notices), out);
    let roles: Vec<Role> = collected
        .documents
        .iter()
        .map(Role::from_document)
        .collect();
    let repository = repository(args.repository.as_deref(), &args.dir, policy.as_ref())?;
    let default_branch = args
        .default_branch
        .clone()
        .or_else(|| git_default_branch(&args.dir))
        .unwrap_or_else(|| "main".into());
    let setting = Setting {
        repository: repository.clone(),
        default_branch: default_branch.clone(),
        issuer: crate::github::GITHUB_COM_ISSUER.into(),
        audience: crate::github::DEFAULT_AUDIENCE.into(),
        sub_template: template.clone(),
    };
    let analysis = paths::analyse(&workflows, &roles, &setting);
    let worst = analysis
        .records
        .iter()
        .filter(|r| render::shown(r, args.min_severity))
        .filter_map(|r| r.severity)
        .max();
    let code = if bad {
        EXIT_CONFIG
    } else {
        worst.map_or(EXIT_OK, Severity::exit_code)
    };
    let cx = Context {
        repository: &repository,
        default_branch: &default_branch,
        sub_template: template.as_ref().map(SubTemplate::keys),
        roles: &roles,
        min_severity: args.min_severity,
        all: args.all,
    };
    let text = match args.format {
        Format::Human => render::human(&analysis, &cx),
        Format::Json => render::json(&analysis, &cx, worst, code),
        Format::Sarif => render::sarif(&analysis, &cx),
        Format::Github => render::github(&analysis, &cx),
    };
    out.print(&text);
    Ok(code)
}

/// The workflows, their texts (for quoting lines), and whether one could not be read.
type Workflows = (Vec<Workflow>, Vec<(String, String)>, bool);

/// Reads `DIR/.github/workflows/*.yml|yaml`, in name order, with the local composite actions
/// their steps use put in place. A workflow that cannot be read is reported and the others
/// analysed (the exit code is then 2); no workflow directory at all is an error.
fn read_workflows(dir: &Path, out: &Reporter) -> Result<Workflows, PathsError> {
    let wdir = dir.join(".github").join("workflows");
    let entries = std::fs::read_dir(&wdir).map_err(|e| PathsError::NoWorkflows {
        dir: display(&wdir),
        why: e.to_string(),
    })?;
    let mut files: Vec<_> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "yml" || x == "yaml"))
        .collect();
    files.sort();
    let mut workflows = Vec::new();
    let mut texts = Vec::new();
    let mut bad = false;
    let mut stderr = out.lines();
    for file in files {
        let name = display(&file);
        let result = walk::read_file(&file, false)
            .map_err(|skip| format!("{name}: not read: {skip}"))
            .and_then(|text| {
                let w = workflow::read(&name, &text).map_err(|e| e.to_string())?;
                Ok((w, text))
            });
        match result {
            Ok((w, text)) => {
                texts.push((name.clone(), text));
                for (line, problem) in &w.problems {
                    let _ = writeln!(stderr, "note: {name}:{line}: {problem}");
                }
                workflows.push(w);
            }
            Err(e) => {
                bad = true;
                let _ = writeln!(stderr, "error: {e}");
            }
        }
    }
    let actions = read_actions(dir, &workflows, &mut texts, out);
    for w in &mut workflows {
        workflow::expand_actions(w, &actions);
    }
    Ok((workflows, texts, bad))
}

/// The local composite actions the workflows' steps use (`uses: ./PATH`), read from
/// `DIR/PATH/action.yml` (or `.yaml`), as `(PATH, steps)`; one that cannot be read is noted and
/// left out (its steps then go unseen, which the note says).
fn read_actions(
    dir: &Path,
    workflows: &[Workflow],
    texts: &mut Vec<(String, String)>,
    out: &Reporter,
) -> Vec<(String, Vec<workflow::Step>)> {
    let mut wanted: Vec<String> = workflows
        .iter()
        .flat_map(|w| w.jobs.iter())
        .flat_map(|j| j.steps.iter())
        .filter_map(|s| s.uses.as_deref()?.strip_prefix("./"))
        .map(|p| p.trim_end_matches('/').to_string())
        .collect();
    wanted.sort();
    wanted.dedup();
    let mut stderr = out.lines();
    let mut actions = Vec::new();
    for local in wanted {
        let found = ["action.yml", "action.yaml"]
            .iter()
            .map(|f| dir.join(&local).join(f))
            .find(|p| p.is_file());
        let Some(file) = found else {
            let _ = writeln!(
                stderr,
                "note: `./{local}` has no action.yml: its steps are not analysed"
            );
            continue;
        };
        let name = display(&file);
        let read = walk::read_file(&file, false)
            .map_err(|skip| format!("not read: {skip}"))
            .and_then(|text| {
                let steps = workflow::read_action(&name, &text).map_err(|e| e.to_string())?;
                Ok((steps, text))
            });
        match read {
            Ok((steps, text)) => {
                texts.push((name, text));
                actions.push((local, steps));
            }
            Err(e) => {
                let _ = writeln!(stderr, "note: {name}: {e}: its steps are not analysed");
            }
        }
    }
    actions
}

use std::io::Write as _;

/// A repository read for `migrate`: its workflows with their texts (in the same order), the
/// roles the audit's readers found, and the token settings.
pub(crate) struct Tree {
    pub workflows: Vec<Workflow>,
    pub texts: Vec<String>,
    pub collected: Collected,
    pub setting: Setting,
}

/// Reads the workflows and the roles of `dir` and names the repository, as `paths` does.
pub(crate) fn read_tree(
    dir: &Path,
    repository_flag: Option<&str>,
    default_branch: Option<&str>,
    out: &Reporter,
) -> Result<Tree, PathsError> {
    let (workflows, texts, _) = read_workflows(dir, out)?;
    let texts = workflows
        .iter()
        .map(|w| {
            texts
                .iter()
                .find(|(n, _)| *n == w.path)
                .map_or_else(String::new, |(_, t)| t.clone())
        })
        .collect();
    let mut collected = Collected::default();
    collected.input(dir);
    print_notices(std::mem::take(&mut collected.notices), out);
    let policy = claim_policy(dir);
    let repository = repository(repository_flag, dir, policy.as_ref())?;
    let setting = Setting {
        repository,
        default_branch: default_branch
            .map(str::to_string)
            .or_else(|| git_default_branch(dir))
            .unwrap_or_else(|| "main".into()),
        issuer: crate::github::GITHUB_COM_ISSUER.into(),
        audience: crate::github::DEFAULT_AUDIENCE.into(),
        sub_template: policy.as_ref().and_then(|p| p.sub_template().cloned()),
    };
    Ok(Tree {
        workflows,
        texts,
        collected,
        setting,
    })
}

/// Attack-path findings (OA300) for `audit DIR`: when `DIR` holds `.github/workflows`, its
/// workflows judged against the roles the audit read. Nothing when it holds none; a note when the
/// repository is not known or a workflow cannot be read (the audit of the roles goes on).
pub fn audit_findings(
    dir: &Path,
    documents: &[DocumentRead],
    repository_flag: Option<&str>,
    min: Severity,
    out: &Reporter,
) -> Vec<Reported> {
    if !dir.join(".github").join("workflows").is_dir() {
        return Vec::new();
    }
    let mut stderr = out.lines();
    let (workflows, texts, _) = match read_workflows(dir, out) {
        Ok(read) => read,
        Err(e) => {
            let _ = writeln!(stderr, "note: attack paths not analysed: {e}");
            return Vec::new();
        }
    };
    let policy = claim_policy(dir);
    let repository = match repository(repository_flag, dir, policy.as_ref()) {
        Ok(r) => r,
        Err(e) => {
            let _ = writeln!(
                stderr,
                "note: attack paths not analysed: {e} (pass `--repository OWNER/REPO`)"
            );
            return Vec::new();
        }
    };
    let roles: Vec<Role> = documents.iter().map(Role::from_document).collect();
    let setting = Setting {
        repository,
        default_branch: git_default_branch(dir).unwrap_or_else(|| "main".into()),
        issuer: crate::github::GITHUB_COM_ISSUER.into(),
        audience: crate::github::DEFAULT_AUDIENCE.into(),
        sub_template: policy.as_ref().and_then(|p| p.sub_template().cloned()),
    };
    let analysis = paths::analyse(&workflows, &roles, &setting);
    let mut reported = Vec::new();
    for (file, finding) in paths::findings(&analysis, min.max(Severity::Medium)) {
        let text = texts
            .iter()
            .find(|(n, _)| *n == file)
            .map_or("", |(_, t)| t.as_str());
        reported.extend(crate::trust::attach(&file, text, vec![finding]));
    }
    reported
}

/// `--repository`, else the git remote `origin`, else the one repository the claim policy names.
fn repository(
    flag: Option<&str>,
    dir: &Path,
    policy: Option<&Policy>,
) -> Result<String, PathsError> {
    if let Some(r) = flag {
        return paths::check_repository(r).map(str::to_string);
    }
    if let Some(r) = git_origin(dir) {
        return Ok(r);
    }
    match policy.map(Policy::named_repositories).as_deref() {
        Some([one]) => Ok(one.clone()),
        _ => Err(PathsError::NoRepository),
    }
}

/// The repository's claim policy, `DIR/.github/oidc-assume.toml`, when it exists and compiles
/// (the action reports a broken one; here it only names the repository and `sub` template).
fn claim_policy(dir: &Path) -> Option<Policy> {
    let path = dir.join(".github").join("oidc-assume.toml");
    let text = walk::read_file(&path, false).ok()?;
    Policy::from_toml(&text, &display(&path)).ok()
}

/// The `OWNER/REPO` of the remote `origin` in `DIR/.git/config`.
fn git_origin(dir: &Path) -> Option<String> {
    let config = walk::read_file(&dir.join(".git").join("config"), false).ok()?;
    paths::origin_repository(&config)
}

/// The branch `origin/HEAD` points at (`DIR/.git/refs/remotes/origin/HEAD`).
fn git_default_branch(dir: &Path) -> Option<String> {
    let head = dir
        .join(".git")
        .join("refs")
        .join("remotes")
        .join("origin")
        .join("HEAD");
    let text = walk::read_file(&head, false).ok()?;
    text.trim()
        .strip_prefix("ref: refs/remotes/origin/")
        .map(str::to_string)
}
