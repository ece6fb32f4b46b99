//! The `permissions` of a workflow or job and what GitHub grants from them: a job's own block
//! replaces the workflow's, an absent block leaves the repository's default (which never holds
//! `id-token: write`), `write-all` grants every scope. Pure.

use std::collections::BTreeMap;

use crate::trust::json::{Node, Value};

/// One scope's access.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Access {
    None,
    Read,
    Write,
}

impl Access {
    fn parse(text: &str) -> Option<Access> {
        match text {
            "none" => Some(Access::None),
            "read" => Some(Access::Read),
            "write" => Some(Access::Write),
            _ => None,
        }
    }
}

/// A `permissions` block as written.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Permissions {
    /// No block: the repository's default token permissions apply (`contents`, `packages`,
    /// … read or write by setting; never `id-token`).
    #[default]
    Default,
    /// `read-all`.
    ReadAll,
    /// `write-all`.
    WriteAll,
    /// A map of scopes; scopes not named are `none`.
    Scopes(BTreeMap<String, Access>),
}

impl Permissions {
    /// Reads a `permissions` value; `Err` names what is wrong.
    pub fn read(node: &Node) -> Result<Permissions, String> {
        match &node.value {
            Value::String(s) if s == "read-all" => Ok(Permissions::ReadAll),
            Value::String(s) if s == "write-all" => Ok(Permissions::WriteAll),
            Value::String(s) => Err(format!(
                "`permissions: {s}` is neither `read-all`, `write-all` nor a map of scopes"
            )),
            Value::Object(members) => {
                let mut scopes = BTreeMap::new();
                for m in members {
                    let text = m.value.as_str().unwrap_or_default();
                    let access = Access::parse(text).ok_or_else(|| {
                        format!(
                            "`permissions.{}: {}`: the access is `read`, `write` or `none`",
                            m.key,
                            crate::trust::json::to_text(&m.value)
                        )
                    })?;
                    scopes.insert(m.key.clone(), access);
                }
                Ok(Permissions::Scopes(scopes))
            }
            // `permissions: {}` parses as an empty map; a bare `permissions:` is null: none.
            Value::Null => Ok(Permissions::Scopes(BTreeMap::new())),
            _ => Err(format!(
                "`permissions` is {}: write `read-all`, `write-all` or a map of scopes",
                node.type_name()
            )),
        }
    }

    /// The access a block grants to `scope` (`id-token`, `contents`, …); `None` for the
    /// repository's default, which this model does not know (except for `id-token`).
    pub fn access(&self, scope: &str) -> Option<Access> {
        match self {
            Permissions::Default if scope == "id-token" => Some(Access::None),
            Permissions::Default => None,
            // `id-token` has no read level: `read-all` does not let a job request a token.
            Permissions::ReadAll if scope == "id-token" => Some(Access::None),
            Permissions::ReadAll => Some(Access::Read),
            Permissions::WriteAll => Some(Access::Write),
            Permissions::Scopes(map) => Some(map.get(scope).copied().unwrap_or(Access::None)),
        }
    }
}

/// What a job gets: its own block when it has one, else the workflow's.
pub fn effective<'a>(workflow: &'a Permissions, job: Option<&'a Permissions>) -> &'a Permissions {
    job.unwrap_or(workflow)
}

/// Whether a job may request an OIDC token (`id-token: write`).
pub fn can_request_token(workflow: &Permissions, job: Option<&Permissions>) -> bool {
    effective(workflow, job).access("id-token") == Some(Access::Write)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trust::forms::yaml;

    fn perms(text: &str) -> Result<Permissions, String> {
        let parsed = yaml::parse(&format!("permissions: {text}\n"), 0).unwrap();
        Permissions::read(parsed.root.get("permissions").unwrap())
    }

    #[test]
    fn id_token_by_block() {
        let cases: &[(&str, Option<&str>, bool)] = &[
            // Nothing written: the default never holds id-token.
            ("", None, false),
            ("write-all", None, true),
            ("read-all", None, false),
            ("{id-token: write, contents: read}", None, true),
            ("{contents: write}", None, false),
            ("{}", None, false),
            // A job's block replaces the workflow's, in both directions.
            ("{id-token: write}", Some("{contents: read}"), false),
            ("{contents: read}", Some("{id-token: write}"), true),
            ("write-all", Some("{}"), false),
        ];
        for (workflow, job, want) in cases {
            let workflow = if workflow.is_empty() {
                Permissions::Default
            } else {
                perms(workflow).unwrap()
            };
            let job = job.map(|j| perms(j).unwrap());
            assert_eq!(
                can_request_token(&workflow, job.as_ref()),
                *want,
                "{workflow:?} {job:?}"
            );
        }
    }

    #[test]
    fn bad_blocks_are_named() {
        assert_eq!(
            perms("write").unwrap_err(),
            "`permissions: write` is neither `read-all`, `write-all` nor a map of scopes"
        );
        assert_eq!(
            perms("{id-token: admin}").unwrap_err(),
            "`permissions.id-token: \"admin\"`: the access is `read`, `write` or `none`"
        );
        assert_eq!(
            perms("[id-token]").unwrap_err(),
            "`permissions` is an array: write `read-all`, `write-all` or a map of scopes"
        );
        assert_eq!(
            perms("{contents: read}").unwrap().access("packages"),
            Some(Access::None)
        );
        assert_eq!(Permissions::Default.access("contents"), None);
    }
}
