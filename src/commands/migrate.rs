//! `oidc-assume migrate [DIR]`: finds the static keys the workflows use, proposes the roles that
//! replace them (in the repository's IaC form), edits the workflows by line span and checks the
//! result with the path evaluator; prints the report, the diff and how to retire the keys, and
//! with `--write` writes the files. I/O: reads the tree; writes only with `--write`, every file
//! first to a temporary beside it, then all renamed, so a failure leaves nothing half-written.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::cli::{IacArg, MigrateArgs};
use crate::env::Env;
use crate::error::{EXIT_OK, Error};
use crate::iam_api::{IamClient, Keys, User};
use crate::migrate::propose::RoleProposal;
use crate::migrate::propose::{self, For, Iac};
use crate::migrate::{MigrateError, edit, find};
use crate::output::Reporter;
use crate::paths::{self, Role, Setting, Target};
use crate::secret::Secret;
use crate::trust::collect::{Collected, display};

use super::paths as paths_command;

/// Runs `migrate`; 0 when the proposal was made (or there was nothing to migrate).
pub async fn command(args: &MigrateArgs, env: &Env, out: &Reporter) -> Result<u8, Error> {
    let users = named_users(&args.users)?;
    if let Some(a) = &args.account_id
        && (a.len() != 12 || !a.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(MigrateError::Account(a.clone()).into());
    }
    let read = paths_command::read_tree(
        &args.dir,
        args.repository.as_deref(),
        args.default_branch.as_deref(),
        out,
    )
    .map_err(MigrateError::from)?;
    let mut uses = Vec::new();
    for (w, text) in read.workflows.iter().zip(&read.texts) {
        uses.extend(find::find(w, &workflow_env(text)));
    }
    if uses.is_empty() {
        out.print(&format!(
            "no static AWS keys in {} workflow{}: nothing to migrate\n",
            read.workflows.len(),
            if read.workflows.len() == 1 { "" } else { "s" }
        ));
        return Ok(EXIT_OK);
    }
    let cx = For {
        repository: &read.setting.repository,
        default_branch: &read.setting.default_branch,
        account: args.account_id.as_deref(),
    };
    let mut proposal = propose::propose(&uses, &read.workflows, &cx);
    let asked = if args.aws {
        ask_iam(args, env, &users, &read.collected, &mut proposal).await?
    } else {
        Vec::new()
    };
    let iac = match args.iac {
        Some(IacArg::Terraform) => Iac::Terraform,
        Some(IacArg::Cloudformation) => Iac::CloudFormation,
        Some(IacArg::Json) => Iac::Json,
        None => detect(&read.collected),
    };
    let out_dir = args
        .out
        .clone()
        .unwrap_or_else(|| default_out(&args.dir, &read.collected, iac));
    // The patched workflows, and what could not be edited.
    let mut patched = Vec::new();
    let mut notes = Vec::new();
    for (w, text) in read.workflows.iter().zip(&read.texts) {
        let mine: Vec<_> = uses
            .iter()
            .filter(|u| u.workflow == w.path)
            .cloned()
            .collect();
        if mine.is_empty() {
            continue;
        }
        let role_for = |u: &find::KeyUse| {
            proposal
                .roles
                .iter()
                .find(|r| r.secrets.iter().any(|s| s == u.key_secret()))
                .map_or_else(String::new, |r| r.arn.clone())
        };
        let environment_for = |u: &find::KeyUse| {
            let job = format!("{}:{}", u.workflow, u.job);
            proposal
                .roles
                .iter()
                .flat_map(|r| r.environments.iter())
                .find(|(j, _)| *j == job)
                .map(|(_, e)| e.clone())
        };
        let (new, n) = edit::apply(text, w, &mine, &role_for, &environment_for);
        notes.extend(n);
        patched.push((w.path.clone(), text.clone(), new));
    }
    let check = check(&read, &patched, &proposal);
    let files: Vec<(PathBuf, String)> = propose::render(&proposal, iac)
        .into_iter()
        .map(|(name, text)| (out_dir.join(name), text))
        .collect();
    let report = report(&uses, &proposal, &check, &notes, &files, iac);
    out.print(&report);
    if args.aws {
        out.print(&iam_section(&asked));
    }
    let mut diff = String::new();
    for (path, old, new) in &patched {
        let d = similar::TextDiff::from_lines(old.as_str(), new.as_str());
        diff.push_str(
            &d.unified_diff()
                .context_radius(3)
                .header(&format!("a/{path}"), &format!("b/{path}"))
                .to_string(),
        );
    }
    out.print(&diff);
    out.print(&retire(&proposal, &asked));
    if args.write {
        let mut writes: Vec<(PathBuf, String)> = patched
            .into_iter()
            .map(|(p, _, new)| (PathBuf::from(p), new))
            .collect();
        writes.extend(files);
        write_all(&writes)?;
        let mut stderr = out.lines();
        let _ = writeln!(
            stderr,
            "wrote {} file{}",
            writes.len(),
            if writes.len() == 1 { "" } else { "s" }
        );
    }
    Ok(EXIT_OK)
}

/// `--user SECRET=USER` pairs.
fn named_users(given: &[String]) -> Result<Vec<(String, String)>, MigrateError> {
    given
        .iter()
        .map(|g| match g.split_once('=') {
            Some((s, u)) if !s.trim().is_empty() && !u.trim().is_empty() => {
                Ok((s.trim().to_string(), u.trim().to_string()))
            }
            _ => Err(MigrateError::User(g.clone())),
        })
        .collect()
}

/// The IAM user behind a role's keys: `--user SECRET=USER`, else the user the role the keys
/// assumed trusts today (`Principal: {AWS: …:user/NAME}`), when the tree defines that role.
fn user_for(
    role: &RoleProposal,
    users: &[(String, String)],
    collected: &Collected,
) -> Option<String> {
    if let Some((_, u)) = users.iter().find(|(s, _)| role.secrets.contains(s)) {
        return Some(u.clone());
    }
    let existing = role.existing.as_deref()?;
    let name = existing.rsplit('/').next()?;
    collected
        .documents
        .iter()
        .filter(|d| d.trust.role_name.as_deref() == Some(name))
        .flat_map(|d| d.trust.statements.iter())
        .flat_map(|s| s.principals.iter())
        .find(|p| p.kind == "AWS" && p.value.contains(":user/"))
        .and_then(|p| p.value.rsplit('/').next().map(str::to_string))
}

/// What IAM says about each role's user: the user, or why not. Carries the user's managed
/// policies into the proposal.
async fn ask_iam(
    args: &MigrateArgs,
    env: &Env,
    users: &[(String, String)],
    collected: &Collected,
    proposal: &mut propose::Proposal,
) -> Result<Vec<(String, Result<User, String>)>, MigrateError> {
    let (Some(id), Some(secret)) = (
        env.get("AWS_ACCESS_KEY_ID"),
        env.get("AWS_SECRET_ACCESS_KEY"),
    ) else {
        return Err(MigrateError::NoCredentials);
    };
    let keys = Keys {
        access_key_id: id.to_string(),
        secret_access_key: Secret::new(secret),
        session_token: env.get("AWS_SESSION_TOKEN").map(Secret::new),
    };
    let net = crate::net::NetConfig::new(None, None, None, env);
    let client = IamClient::new(args.aws_endpoint.as_deref(), keys, &net)
        .map_err(|e| MigrateError::Iam(e.to_string()))?;
    let mut asked = Vec::new();
    for role in &mut proposal.roles {
        let Some(user) = user_for(role, users, collected) else {
            let secret = role.secrets.first().cloned().unwrap_or_default();
            asked.push((role.name.clone(), Err(format!("which IAM user holds the key in `{secret}` is not known: pass `--user {secret}=USER`"))));
            continue;
        };
        match client.user(&user).await {
            Ok(u) => {
                role.carried = u.attached.clone();
                asked.push((role.name.clone(), Ok(u)));
            }
            Err(e) => asked.push((role.name.clone(), Err(format!("user `{user}`: {e}")))),
        }
    }
    Ok(asked)
}

fn iam_section(asked: &[(String, Result<User, String>)]) -> String {
    let mut out = String::from("IAM (asked with --aws):\n");
    for (role, answer) in asked {
        match answer {
            Ok(u) => {
                out.push_str(&format!("  {role}: user {}\n", u.name));
                for k in &u.keys {
                    let used = match (&k.last_used, &k.last_service) {
                        (Some(d), Some(s)) => format!("last used {d} ({s})"),
                        (Some(d), None) => format!("last used {d}"),
                        _ => "never used".into(),
                    };
                    out.push_str(&format!(
                        "    key {} {}, created {}, {used}\n",
                        k.id, k.status, k.created
                    ));
                }
                for p in &u.attached {
                    out.push_str(&format!("    attached {p} (carried over to the role)\n"));
                }
                for p in &u.inline {
                    out.push_str(&format!("    inline policy `{p}`: copy it (`aws iam get-user-policy --user-name {} --policy-name {p}`)\n", u.name));
                }
            }
            Err(why) => out.push_str(&format!("  {role}: not asked: {why}\n")),
        }
    }
    out.push('\n');
    out
}

/// The workflow-level `env` mapping's scalar entries (the model keeps job and step `env`).
fn workflow_env(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut inside = false;
    for line in text.lines() {
        let indented = line.starts_with(' ') || line.starts_with('\t');
        if !indented && !line.trim().is_empty() {
            inside = line.trim_end() == "env:";
            continue;
        }
        if inside && let Some((k, v)) = line.trim().split_once(':') {
            out.push((k.trim().to_string(), v.trim().to_string()));
        }
    }
    out
}

/// The form the repository already writes roles in.
fn detect(collected: &Collected) -> Iac {
    let forms: Vec<&str> = collected
        .documents
        .iter()
        .map(|d| d.form.as_str())
        .collect();
    if forms.iter().any(|f| f.starts_with("terraform")) {
        Iac::Terraform
    } else if forms.iter().any(|f| f.starts_with("cloudformation")) {
        Iac::CloudFormation
    } else {
        Iac::Json
    }
}

/// Beside the repository's roles of that form, else `DIR/iam`.
fn default_out(dir: &Path, collected: &Collected, iac: Iac) -> PathBuf {
    let prefix = match iac {
        Iac::Terraform => "terraform",
        Iac::CloudFormation => "cloudformation",
        Iac::Json => "json",
    };
    collected
        .documents
        .iter()
        .find(|d| d.form.starts_with(prefix))
        .map(|d| crate::files::parent_dir(Path::new(&d.path)).to_path_buf())
        .unwrap_or_else(|| dir.join("iam"))
}

/// What the path evaluator says about the patched workflows and the proposed roles.
struct Check {
    /// (record line, expected): admitted migrated jobs, and anything else that reaches a new role.
    admitted: Vec<String>,
    unexpected: Vec<String>,
    refused: Vec<String>,
}

fn check(
    read: &paths_command::Tree,
    patched: &[(String, String, String)],
    proposal: &propose::Proposal,
) -> Check {
    let workflows: Vec<_> = read
        .workflows
        .iter()
        .zip(&read.texts)
        .map(|(w, text)| {
            let text = patched
                .iter()
                .find(|(p, _, _)| *p == w.path)
                .map_or(text.as_str(), |(_, _, new)| new.as_str());
            crate::workflow::read(&w.path, text).unwrap_or_else(|_| w.clone())
        })
        .collect();
    let roles: Vec<Role> = proposal
        .roles
        .iter()
        .filter_map(|r| {
            let doc = crate::trust::document::load(&propose::trust_json(r, "ACCOUNT_ID"))
                .ok()?
                .into_iter()
                .next()?;
            Some(Role {
                name: r.name.clone(),
                path: "(proposed)".into(),
                line: 1,
                resource: r.name.clone(),
                trust: doc,
                power: None,
            })
        })
        .collect();
    let setting = Setting {
        sub_template: None,
        ..read.setting.clone()
    };
    let analysis = paths::analyse(&workflows, &roles, &setting);
    let mut c = Check {
        admitted: Vec::new(),
        unexpected: Vec::new(),
        refused: Vec::new(),
    };
    probe(&roles, &setting, &mut c);
    for r in &analysis.records {
        let Target::Tree(i) = r.target else { continue };
        let role = &proposal.roles[i];
        let job = format!("{}:{}", r.called.as_deref().unwrap_or(&r.workflow), r.job);
        let line = format!(
            "{} job `{}` on {} → {}",
            r.workflow, r.job, r.trigger, role.name
        );
        if !r.reachable {
            c.refused.push(format!("{line}: {}", r.because));
        } else if role.jobs.contains(&job) && r.untrusted_code {
            // The job's own trigger, started by someone who picks the ref (a tag push, a
            // dispatch): admitted as before, and said.
            c.admitted.push(format!(
                "{line} ({} can start it on a ref they choose)",
                r.actor.name()
            ));
        } else if role.jobs.contains(&job) {
            c.admitted.push(line);
        } else {
            c.unexpected
                .push(format!("{line}: {} ({})", r.because, r.exposure));
        }
    }
    c
}

/// Tokens no workflow of the tree holds today but any could tomorrow: a pull request from a
/// branch, a push to another branch, another environment, and a job started by a pull request
/// in the base context (`pull_request_target`, whose subject is the default branch's). Forks'
/// pull requests get no token at all.
fn probe(roles: &[Role], setting: &Setting, c: &mut Check) {
    let probes = [
        (
            "pull_request",
            "refs/pull/1/merge".to_string(),
            None,
            "a pull request from a branch",
        ),
        (
            "push",
            "refs/heads/attacker-branch".to_string(),
            None,
            "a push to another branch",
        ),
        (
            "push",
            format!("refs/heads/{}", setting.default_branch),
            Some("attacker-env"),
            "a job in another environment",
        ),
        (
            "pull_request_target",
            format!("refs/heads/{}", setting.default_branch),
            None,
            "a `pull_request_target` job (base context)",
        ),
    ];
    for role in roles {
        for (event, git_ref, env, what) in &probes {
            let mut claims = crate::claims::Claims::from_pairs([
                ("iss", setting.issuer.as_str()),
                ("aud", setting.audience.as_str()),
                ("repository", setting.repository.as_str()),
                ("event_name", event),
                ("ref", git_ref.as_str()),
            ]);
            if let Some(env) = env {
                claims.set("environment", *env);
            }
            let protected = [format!("refs/heads/{}", setting.default_branch)];
            let how = crate::token_claims::Derivation {
                protected: &protected,
                pr_number: "1",
                head_branch: "attacker-branch",
                base_branch: &setting.default_branch,
                workflow_path: ".github/workflows/any.yml",
                job_workflow: None,
                sub_template: None,
            };
            crate::token_claims::derive(&mut claims, &[], &how);
            let sub = claims.get("sub").unwrap_or("").to_string();
            let line = format!("{what} (sub {sub}) → {}", role.name);
            if crate::trust::explain(&role.trust, &claims).allowed() {
                c.unexpected.push(format!("{line}: any such job with `id-token: write` would be admitted; keep such workflows from holding `id-token: write`, or give the repository a custom `sub` template with `job_workflow_ref` and pin it"));
            } else {
                c.refused.push(format!("{line}: refused"));
            }
        }
    }
}

fn report(
    uses: &[find::KeyUse],
    proposal: &propose::Proposal,
    check: &Check,
    notes: &[String],
    files: &[(PathBuf, String)],
    iac: Iac,
) -> String {
    let mut jobs: Vec<String> = uses
        .iter()
        .map(|u| format!("{}:{}", u.workflow, u.job))
        .collect();
    jobs.dedup();
    let plural = |n: usize| if n == 1 { "" } else { "s" };
    let mut out = format!(
        "static keys: {} use{} in {} job{}\n",
        uses.len(),
        plural(uses.len()),
        jobs.len(),
        plural(jobs.len())
    );
    for u in uses {
        let at = u.step.map_or(u.job_line, |(_, l)| l);
        out.push_str(&format!(
            "  {}:{at} job `{}`: {} (secrets {})",
            u.workflow,
            u.job,
            u.style.describe(),
            u.secrets.join(", ")
        ));
        if let Some(role) = &u.role {
            out.push_str(&format!(", then assumes {role}"));
        }
        out.push('\n');
    }
    out.push_str(&format!(
        "\nroles ({}):\n",
        match iac {
            Iac::Terraform => "terraform",
            Iac::CloudFormation => "cloudformation",
            Iac::Json => "IAM JSON",
        }
    ));
    for r in &proposal.roles {
        out.push_str(&format!(
            "  {}  replaces {}; serves {}\n",
            r.arn,
            r.secrets.join(", "),
            r.jobs.join(", ")
        ));
        if let Some(e) = &r.existing {
            out.push_str(&format!("    the keys assumed {e}: it now trusts GitHub's tokens itself (add the statements to its trust policy)\n"));
        }
        for s in &r.exact {
            out.push_str(&format!("    admits  sub = {s}\n"));
        }
        for s in &r.like {
            out.push_str(&format!("    admits  sub like {s}\n"));
        }
        for l in &r.left_out {
            // The environment a tag release is given is a step for the user, not a trigger
            // left out.
            let label = if l.contains("the job gets `environment:") {
                "needs"
            } else {
                "left out"
            };
            out.push_str(&format!("    {label}  {l}\n"));
        }
        out.push_str("    permissions: copy what the IAM user has (`aws iam list-attached-user-policies --user-name USER`, `list-user-policies`), narrowed to what these jobs do; never AdministratorAccess by default\n");
    }
    for (path, _) in files {
        out.push_str(&format!("  → {}\n", display(path)));
    }
    out.push_str("\ncheck (the path evaluator on the patched workflows):\n");
    for a in &check.admitted {
        out.push_str(&format!("  admitted  {a}\n"));
    }
    out.push_str(&format!(
        "  refused   {} other (job, trigger) pairs",
        check.refused.len()
    ));
    out.push_str(if check.refused.is_empty() {
        "\n"
    } else {
        ", e.g.\n"
    });
    for r in check.refused.iter().take(3) {
        out.push_str(&format!("            {r}\n"));
    }
    for u in &check.unexpected {
        out.push_str(&format!("  warning: also reachable: {u}\n"));
    }
    for n in notes {
        out.push_str(&format!("note: {n}\n"));
    }
    out.push('\n');
    out
}

fn retire(proposal: &propose::Proposal, asked: &[(String, Result<User, String>)]) -> String {
    let mut out = String::from(
        "\nretire the keys, after the first green run on OIDC (SWITCH = that run's start, e.g. 2026-12-05T10:00:00Z):\n",
    );
    for r in &proposal.roles {
        let key = r
            .secrets
            .first()
            .map_or("AWS_ACCESS_KEY_ID", String::as_str);
        let user = asked
            .iter()
            .find(|(n, _)| *n == r.name)
            .and_then(|(_, a)| a.as_ref().ok());
        out.push_str(&format!("  {}:\n", r.name));
        let (name, ids): (String, Vec<String>) = match user {
            Some(u) => (
                u.name.clone(),
                u.keys.iter().map(|k| k.id.clone()).collect(),
            ),
            None => {
                out.push_str(&format!("    1. the IAM user and key behind secret {key}: aws iam list-users, then aws iam list-access-keys --user-name USER\n"));
                ("USER".into(), vec!["AKIA…".into()])
            }
        };
        for id in &ids {
            out.push_str(&format!("    2. no use of {id} since the switch: aws iam get-access-key-last-used --access-key-id {id} (LastUsedDate before SWITCH), and\n       aws cloudtrail lookup-events --lookup-attributes AttributeKey=AccessKeyId,AttributeValue={id} --start-time SWITCH (no events)\n"));
            out.push_str(&format!("    3. aws iam update-access-key --user-name {name} --access-key-id {id} --status Inactive; after a quiet week: aws iam delete-access-key --user-name {name} --access-key-id {id}\n"));
        }
        out.push_str(&format!("    4. the user, if it has no other use: aws iam delete-user --user-name {name} (after detaching its policies)\n"));
        for s in &r.secrets {
            out.push_str(&format!("    5. gh secret delete {s}\n"));
        }
    }
    out
}

/// Writes every file to a temporary beside it, then renames them all; on a failure the
/// temporaries are removed and nothing is replaced. A file keeps its permissions.
fn write_all(writes: &[(PathBuf, String)]) -> Result<(), MigrateError> {
    let mut temps = Vec::new();
    let fail = |path: &Path, source| MigrateError::Write {
        path: display(path),
        source,
    };
    let result = (|| {
        for (path, text) in writes {
            if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(parent).map_err(|e| fail(path, e))?;
            }
            let temp = path.with_file_name(format!(
                ".{}.{}.tmp",
                path.file_name()
                    .map_or_else(|| "file".into(), |n| n.to_string_lossy().into_owned()),
                crate::output::random_hex(6)
            ));
            std::fs::write(&temp, text).map_err(|e| fail(path, e))?;
            if let Ok(meta) = std::fs::metadata(path) {
                let _ = std::fs::set_permissions(&temp, meta.permissions());
            }
            temps.push((temp, path.clone()));
        }
        Ok(())
    })();
    if let Err(e) = result {
        for (temp, _) in &temps {
            let _ = std::fs::remove_file(temp);
        }
        return Err(e);
    }
    for (temp, path) in &temps {
        std::fs::rename(temp, path).map_err(|e| fail(path, e))?;
    }
    Ok(())
}
