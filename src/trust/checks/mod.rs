//! The audit's checks, one module each, and the registry that runs them. Pure: no I/O.
//!
//! A check implements [`Check`] and overrides the hook for what it inspects: a trust policy
//! document ([`Check::document`]) or our own policy file ([`Check::policy`]). Ids are stable:
//! `OA1nn` for trust policies, `OA2nn` for the policy file (docs/audit.md lists them all).
//! Each check states its metadata once, with `check_meta!`.

/// Declares a check: its unit struct, its [`Meta`] (a `static META` the check's findings are
/// made from, `META.at(..)`) and its [`Described`] impl, so a check file states its id, name,
/// default severity, title, why and fix once and implements only the [`Check`] hooks it needs.
macro_rules! check_meta {
    ($check:ident, $id:literal, $name:literal, $severity:expr,
     title: $title:expr, why: $why:expr, fix: $fix:expr $(,)?) => {
        pub struct $check;

        static META: Meta = Meta {
            id: $id,
            name: $name,
            title: $title,
            severity: $severity,
            why: $why,
            fix: $fix,
        };

        impl super::Described for $check {
            fn meta(&self) -> &'static Meta {
                &META
            }
        }
    };
}

mod audience;
#[cfg(test)]
mod calibration;
mod duplicate_key;
mod foreign_provider;
mod malformed;
mod name_only_identity;
mod no_identity;
mod policy_broad_glob;
mod policy_dangerous_event;
mod policy_no_identity;
mod pull_request_subject;
mod string_like_exact;
mod unknown_key;
mod unpinned_workflow;
mod unresolved;
mod unsafe_operator;
mod wildcard_subject;

use super::document::TrustDocument;
use super::finding::{Finding, Meta};
use super::github::{RoleKind, role_kind};
use super::policy_file::PolicyFile;
use super::power::{Level, Power};

/// What a check is; implemented by `check_meta!`.
pub trait Described {
    /// Its id, name, title, default severity, why and fix.
    fn meta(&self) -> &'static Meta;
}

/// One check.
pub trait Check: Described + Sync {
    /// Inspects one trust policy document.
    fn document(&self, _doc: &Audited<'_>, _out: &mut Vec<Finding>) {}
    /// Inspects our policy file.
    fn policy(&self, _policy: &PolicyFile<'_>, _out: &mut Vec<Finding>) {}
}

/// A document with what the checks want to know about it.
pub struct Audited<'a> {
    pub doc: &'a TrustDocument,
    /// What the role is for: from its permissions where the tree shows them, else guessed from
    /// the role's name (get-role output) or the file's name.
    pub role_kind: RoleKind,
    /// The role's power summary when its permissions decided `role_kind` (messages say so).
    pub power: Option<String>,
}

impl<'a> Audited<'a> {
    /// Wraps a document; `name_hint` (e.g. the file name) is used when the input did not name
    /// the role.
    pub fn new(doc: &'a TrustDocument, name_hint: Option<&str>) -> Self {
        Audited {
            doc,
            role_kind: role_kind(doc.role_name.as_deref().or(name_hint)),
            power: None,
        }
    }

    /// Wraps a role's document with what the tree says it may do. Permissions are evidence,
    /// a name only a hint: a role that can write is one whatever its name, and one whose
    /// permissions are all read is read-only. Where the permissions are incomplete or none are
    /// found (they may be attached in another stack) and they show no write, the name decides.
    pub fn with_power(
        doc: &'a TrustDocument,
        name_hint: Option<&str>,
        power: Option<&Power>,
    ) -> Self {
        let mut audited = Audited::new(doc, name_hint);
        let Some(power) = power else {
            return audited;
        };
        let level = power.level();
        let kind = if level.writes() {
            Some(RoleKind::Write)
        } else if power.complete() && level > Level::Nothing {
            Some(RoleKind::ReadOnly)
        } else {
            None
        };
        if let Some(kind) = kind {
            audited.role_kind = kind;
            audited.power = Some(power.summary());
        }
        audited
    }

    /// Why the checks read the role as read-only, as a message says it.
    pub fn read_only_because(&self) -> String {
        match &self.power {
            Some(power) => format!("the role's permissions: {power}"),
            None => "the role's name says it is read-only".into(),
        }
    }

    /// Why the checks read the role as able to write, where its permissions say so.
    pub fn writes_because(&self) -> Option<String> {
        self.power
            .as_ref()
            .map(|power| format!("the role's permissions: {power}"))
    }

    /// The statements most checks are about: `Allow`s for a GitHub identity provider.
    pub fn github_allows(&self) -> impl Iterator<Item = &'a crate::trust::document::Statement> {
        self.doc
            .statements
            .iter()
            .filter(|s| s.is_github() && s.is_allow())
    }
}

/// Every check, in id order.
pub static CHECKS: &[&dyn Check] = &[
    &malformed::Malformed,
    &no_identity::NoIdentity,
    &wildcard_subject::WildcardSubject,
    &audience::Audience,
    &unsafe_operator::UnsafeOperator,
    &unknown_key::UnknownKey,
    &duplicate_key::DuplicateKeyCheck,
    &pull_request_subject::PullRequestSubject,
    &unpinned_workflow::UnpinnedWorkflow,
    &name_only_identity::NameOnlyIdentity,
    &string_like_exact::StringLikeExact,
    &foreign_provider::ForeignProvider,
    &unresolved::Unresolved,
    &policy_no_identity::PolicyNoIdentity,
    &policy_broad_glob::PolicyBroadGlob,
    &policy_dangerous_event::PolicyDangerousEvent,
];

/// Runs every check on a document; findings sorted by location, then id.
pub fn audit_document(doc: &TrustDocument, name_hint: Option<&str>) -> Vec<Finding> {
    audit_role(doc, name_hint, None)
}

/// Runs every check on a role's trust policy, knowing what the role may do where the tree
/// says (its permissions calibrate the findings that depend on the role's purpose).
pub fn audit_role(
    doc: &TrustDocument,
    name_hint: Option<&str>,
    power: Option<&Power>,
) -> Vec<Finding> {
    let audited = Audited::with_power(doc, name_hint, power);
    let mut out = Vec::new();
    for check in CHECKS {
        check.document(&audited, &mut out);
    }
    sort(&mut out);
    out
}

/// Runs every check on our policy file.
pub fn audit_policy(policy: &PolicyFile<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    for check in CHECKS {
        check.policy(policy, &mut out);
    }
    sort(&mut out);
    out
}

fn sort(findings: &mut [Finding]) {
    findings.sort_by(|a, b| (&a.loc, a.meta.id, &a.message).cmp(&(&b.loc, b.meta.id, &b.message)));
}

/// The attack-path finding `audit` adds when the tree holds workflows: made by `paths`, which
/// joins the workflows to these trust policies (not a check of one document).
pub static ATTACK_PATH: Meta = Meta {
    id: "OA300",
    name: "attack-path",
    title: "A workflow job can become this role, running code no reviewer approved",
    severity: super::finding::Severity::High,
    why: "Someone who can start the job (anyone with a GitHub account, anyone who can comment, anyone with write access) makes it run their code while it holds `id-token: write`; that code can request a token itself, and the role's trust policy admits it. What the role may do is theirs.",
    fix: "narrow the role's `sub` condition to the refs or environments that deploy, or stop the job from running unreviewed code with `id-token: write` (split it: build without the token, deploy from the default branch)",
};

/// The metadata of every check, in id order (for SARIF rules and docs).
pub fn all_meta() -> Vec<&'static Meta> {
    let mut out: Vec<&'static Meta> = CHECKS.iter().map(|c| c.meta()).collect();
    out.push(&ATTACK_PATH);
    out
}

#[cfg(test)]
pub(crate) mod testing {
    //! Helpers for the checks' table tests.
    use super::*;

    /// The findings of check `id` for a document text (which must load).
    pub fn findings(id: &str, text: &str, name_hint: Option<&str>) -> Vec<Finding> {
        let docs = crate::trust::document::load(text).unwrap_or_else(|e| panic!("{e}: {text}"));
        docs.iter()
            .flat_map(|d| audit_document(d, name_hint))
            .filter(|f| f.meta.id == id)
            .collect()
    }

    /// A one-statement GitHub trust policy with `condition` (a JSON object) as its Condition.
    pub fn github(condition: &str) -> String {
        format!(
            r#"{{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow",
  "Principal": {{"Federated": "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"}},
  "Action": "sts:AssumeRoleWithWebIdentity",
  "Condition": {condition}}}]}}"#
        )
    }

    /// `ID severity line:column` of every policy-file finding.
    pub fn ids(source: &str) -> Vec<String> {
        let file = PolicyFile::parse(source, "p.toml").unwrap();
        audit_policy(&file)
            .iter()
            .map(|f| {
                format!(
                    "{} {} {}:{}",
                    f.meta.id,
                    f.severity.as_str(),
                    f.loc.line,
                    f.loc.column
                )
            })
            .collect()
    }

    /// Runs a table: (case name, document, role hint, expected severities of check `id`).
    pub fn table(
        id: &str,
        cases: &[(
            &str,
            String,
            Option<&str>,
            &[crate::trust::finding::Severity],
        )],
    ) {
        for (name, text, hint, want) in cases {
            let got: Vec<_> = findings(id, text, *hint)
                .iter()
                .map(|f| f.severity)
                .collect();
            assert_eq!(
                &got,
                want,
                "{id} case `{name}`:\n{:#?}",
                findings(id, text, *hint)
            );
        }
    }
}
