//! Trust policies: audit them, generate them from our policy file, and explain why AWS said no.
//! Pure except two modules that read files: [`walk`] (directories and files, bounded against
//! hostile trees) and [`collect`] (hands what `audit` reads to the readers). Nothing here writes
//! to stdout or stderr: the commands (`crate::commands`) read stdin and print.
//!
//! - `audit`: trust policies where they live ([`forms`]: IAM JSON read by the
//!   position-keeping [`json`] reader, Terraform, CloudFormation, CDK output, plans) become one
//!   [`document`] model; it and our TOML policy ([`policy_file`]) go through the pluggable
//!   [`checks`]; the findings ([`finding`]) are rendered by [`render`] as text, GitHub
//!   annotations, SARIF or JSON. Checks and exit codes are listed in docs/audit.md.
//! - [`generate`]: our policy → the IAM trust policy that enforces what IAM can express, and a
//!   plain list of what it cannot.
//! - [`simulate`]: IAM's condition semantics applied to a token's claims, naming the condition
//!   that failed. [`simulate::evaluate`] is the library entry point.

pub(crate) mod checks;
pub(crate) mod collect;
pub(crate) mod document;
pub(crate) mod finding;
pub mod forms;
pub(crate) mod generate;
pub(crate) mod github;
pub(crate) mod iam;
pub(crate) mod json;
pub(crate) mod policy_file;
pub(crate) mod power;
pub mod render;
pub(crate) mod simulate;
pub(crate) mod walk;

use std::path::PathBuf;

use document::LoadError;
use finding::{Finding, Severity};
use json::LineIndex;

/// Everything that can go wrong in this module.
#[derive(Debug, thiserror::Error)]
pub enum TrustError {
    /// A trust policy input that is not JSON or not a policy.
    #[error("{path}:{source}")]
    Load { path: String, source: LoadError },
    /// Our policy file did not compile.
    #[error("{0}")]
    Policy(crate::policy::PolicyError),
    /// A file or stdin could not be read.
    #[error("could not read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The trust policy cannot be generated as asked.
    #[error("{0}")]
    Generate(String),
    /// `audit` was given no input at all.
    #[error(
        "nothing to audit: give trust policy files or directories, `-` for stdin, or `--policy FILE`"
    )]
    NothingToAudit,
    /// The token or claims given to `explain` cannot be read.
    #[error("{0}")]
    Token(String),
    /// `audit` read no trust policy at all: what it looked at.
    #[error("no trust policy found: {0}")]
    NothingFound(String),
}

impl TrustError {
    /// `hint:` text, where there is one.
    pub fn hint(&self) -> Option<String> {
        match self {
            TrustError::Policy(e) => e.hint(),
            TrustError::Load {
                source: LoadError::NotAPolicy(_),
                ..
            } => Some("give an IAM trust policy document, or the output of `aws iam get-role --role-name NAME`".into()),
            TrustError::NothingFound(_) => Some("audit reads IAM JSON, `aws iam get-role` output, Terraform (`aws_iam_role`, `aws_iam_policy_document`), CloudFormation and CDK templates, CDK and Pulumi source (TypeScript, Python), Serverless `resources` and `terraform show -json` output; name the files, or a directory that holds them".into()),
            _ => None,
        }
    }
}

/// A finding with the file it is in and the offending line.
#[derive(Debug, Clone)]
pub struct Reported {
    /// The input as named on the command line (`-` is `stdin`).
    pub path: String,
    pub finding: Finding,
    /// The source line at the finding's location, trimmed (at most 160 characters).
    pub snippet: String,
    /// What the role may do, in one line, where the form says it beside the trust policy.
    pub power: Option<String>,
}

/// Audits one trust policy input (any shape [`document::load`] accepts).
pub fn audit_trust_text(path: &str, text: &str) -> Result<Vec<Reported>, TrustError> {
    let docs = document::load(text).map_err(|source| {
        let source = match source {
            LoadError::NotAPolicy(m) => LoadError::NotAPolicy(format!(" {m}")),
            other => other,
        };
        TrustError::Load {
            path: path.to_string(),
            source,
        }
    })?;
    let hint = std::path::Path::new(path)
        .file_stem()
        .and_then(|s| s.to_str())
        .filter(|_| path != "stdin");
    let findings = docs
        .iter()
        .flat_map(|doc| checks::audit_document(doc, hint))
        .collect();
    Ok(attach(path, text, findings))
}

/// One trust policy document an audit read: for the summary, and for `paths`, which evaluates
/// it against every workflow job's tokens.
#[derive(Debug, Clone)]
pub struct DocumentRead {
    /// The file the document (or its role) is written in.
    pub path: String,
    pub line: usize,
    /// The resource or logical id (`aws_iam_role.deploy`, `DeployRole`), `-` for a document.
    pub resource: String,
    /// The form it was read in.
    pub form: String,
    /// What the role may do, where the form says it (`None` for a bare trust document).
    pub power: Option<power::Power>,
    /// The document itself.
    pub trust: document::TrustDocument,
}

/// Audits what a reader found in one input (`input` as named on the command line, `text` its
/// content): the findings, each in the file its location names, and the documents read.
pub fn audit_found(
    input: &str,
    text: &str,
    read: &forms::Read,
) -> (Vec<Reported>, Vec<DocumentRead>) {
    let stem = std::path::Path::new(input)
        .file_stem()
        .and_then(|s| s.to_str())
        .filter(|_| input != "stdin");
    let mut reported = Vec::new();
    let mut documents = Vec::new();
    for found in &read.found {
        let doc_file = found
            .doc
            .loc
            .file
            .clone()
            .unwrap_or_else(|| input.to_string());
        documents.push(DocumentRead {
            path: doc_file,
            line: found.doc.loc.line,
            resource: found.resource.clone(),
            form: found.form.clone(),
            power: found.power.clone(),
            trust: found.doc.clone(),
        });
        let power = found.power.as_ref().map(power::Power::summary);
        for finding in checks::audit_role(&found.doc, stem, found.power.as_ref()) {
            let path = finding
                .loc
                .file
                .clone()
                .unwrap_or_else(|| input.to_string());
            let source = read.map.text(&path).unwrap_or(text);
            reported.extend(
                attach(&path, source, vec![finding])
                    .into_iter()
                    .map(|r| Reported {
                        power: power.clone(),
                        ..r
                    }),
            );
        }
    }
    (reported, documents)
}

/// Audits our policy file.
pub fn audit_policy_text(path: &str, text: &str) -> Result<Vec<Reported>, TrustError> {
    let file = policy_file::PolicyFile::parse(text, path)?;
    Ok(attach(path, text, checks::audit_policy(&file)))
}

pub(crate) fn attach(path: &str, text: &str, findings: Vec<Finding>) -> Vec<Reported> {
    let index = LineIndex::new(text);
    findings
        .into_iter()
        .map(|finding| {
            let line = index.line(text, finding.loc.line).trim();
            let snippet = if line.chars().count() > 160 {
                let start = finding
                    .loc
                    .column
                    .saturating_sub(40)
                    .min(line.chars().count().saturating_sub(160));
                let cut: String = line.chars().skip(start).take(157).collect();
                format!("{}{cut}…", if start > 0 { "…" } else { "" })
            } else {
                line.to_string()
            };
            Reported {
                path: path.to_string(),
                finding,
                snippet,
                power: None,
            }
        })
        .collect()
}

/// The document `explain` evaluates: the only one in `docs`, or the one of `role` (its ARN or
/// name). `name` names the input in errors.
pub fn pick_document(
    mut docs: Vec<document::TrustDocument>,
    role: Option<&str>,
    name: &str,
) -> Result<document::TrustDocument, TrustError> {
    match (role, docs.len()) {
        (_, 1) => Ok(docs.remove(0)),
        (Some(role), _) => {
            let short = role.rsplit('/').next().unwrap_or(role);
            let at = docs
                .iter()
                .position(|d| {
                    d.role_name
                        .as_deref()
                        .is_some_and(|n| n == role || n == short)
                })
                .ok_or_else(|| TrustError::Token(format!("{name} has no role `{role}`")))?;
            Ok(docs.remove(at))
        }
        (None, n) => Err(TrustError::Token(format!(
            "{name} holds {n} roles' trust policies: pass `--role`"
        ))),
    }
}

/// IAM's verdict on `doc` for a token with `claims`, its condition keys prefixed by the provider
/// of the token's issuer (github.com's when the claims name none).
pub fn explain(doc: &document::TrustDocument, claims: &crate::claims::Claims) -> simulate::Verdict {
    let issuer = claims
        .get("iss")
        .unwrap_or(crate::github::GITHUB_COM_ISSUER);
    simulate::evaluate(doc, claims, crate::github::provider_for_issuer(issuer))
}

/// The worst severity among findings at or above `min`.
pub fn worst(findings: &[Reported], min: Severity) -> Option<Severity> {
    findings
        .iter()
        .map(|r| r.finding.severity)
        .filter(|s| *s >= min)
        .max()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn human(path: &str, text: &str) -> String {
        render::human(&audit_trust_text(path, text).unwrap())
    }

    #[test]
    fn human_output_org_wide_get_role() {
        let text = include_str!("../../examples/trust-policies/org-wide-get-role.json");
        insta::assert_snapshot!(human("org-wide-get-role.json", text));
    }

    #[test]
    fn human_output_duplicate_statement_block() {
        let text = include_str!("../../examples/trust-policies/open-to-all-of-github.json");
        insta::assert_snapshot!(human("open-to-all-of-github.json", text));
    }

    #[test]
    fn human_output_enterprise_reusable_workflow() {
        let text = include_str!("../../examples/trust-policies/enterprise-reusable-workflow.json");
        insta::assert_snapshot!(human("enterprise-reusable-workflow.json", text));
    }

    #[test]
    fn human_output_policy_file() {
        let text = "version = 1\n\n[[allow]]\nname = \"deploy\"\nroles = [\"arn:aws:iam::123456789012:role/deploy\"]\nref = \"refs/heads/main*\"\nevent_name = [\"push\", \"workflow_run\"]\n";
        let findings = audit_policy_text(".github/oidc-assume.toml", text).unwrap();
        insta::assert_snapshot!(render::human(&findings));
    }

    #[test]
    fn worst_respects_the_minimum() {
        let text = include_str!("../../examples/trust-policies/org-wide-get-role.json");
        let findings = audit_trust_text("x.json", text).unwrap();
        assert_eq!(worst(&findings, Severity::Low), Some(Severity::High));
        assert_eq!(worst(&findings, Severity::Critical), None);
        assert_eq!(Severity::Critical.exit_code(), 13);
    }

    #[test]
    fn every_check_has_a_unique_id_and_name() {
        let metas = checks::all_meta();
        let mut ids: Vec<&str> = metas.iter().map(|m| m.id).collect();
        ids.dedup();
        assert_eq!(ids.len(), metas.len(), "ids are sorted and unique");
        let mut names: Vec<&str> = metas.iter().map(|m| m.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), metas.len());
        let docs = include_str!("../../docs/audit.md");
        for m in metas {
            assert!(
                docs.contains(&format!("### {} `{}`", m.id, m.name)),
                "docs/audit.md lacks {} {}",
                m.id,
                m.name
            );
        }
    }
}
