//! Our policy file (TOML) as the audit sees it: the compiled [`Policy`] plus where each rule
//! and value was written. Pure: no I/O.

use std::collections::BTreeMap;

use toml::de::{DeTable, DeValue};

use super::TrustError;
use super::document::Loc;
use super::json::LineIndex;
use crate::policy::Policy;

/// A compiled policy with source positions.
pub struct PolicyFile<'a> {
    pub policy: Policy,
    source: &'a str,
    index: LineIndex,
    /// (kind, rule index) → offset of the rule's `name` value (or its first key).
    rules: BTreeMap<(&'static str, usize), usize>,
    /// (kind, rule index, claim) → offsets of each value.
    values: BTreeMap<(&'static str, usize, String), Vec<usize>>,
}

impl<'a> PolicyFile<'a> {
    /// Compiles `source` with [`Policy::from_toml`] (any error is the policy's own) and records
    /// positions.
    pub fn parse(source: &'a str, origin: &str) -> Result<Self, TrustError> {
        let policy = Policy::from_toml(source, origin).map_err(TrustError::Policy)?;
        let mut file = PolicyFile {
            policy,
            source,
            index: LineIndex::new(source),
            rules: BTreeMap::new(),
            values: BTreeMap::new(),
        };
        // The compile above succeeded, so this parse does too; positions are best effort.
        if let Ok(doc) = DeTable::parse(source) {
            for (key, value) in doc.get_ref() {
                let kind: &'static str = match key.get_ref().as_ref() {
                    "allow" => "allow",
                    "deny" => "deny",
                    _ => continue,
                };
                let Some(rules) = value.get_ref().as_array() else {
                    continue;
                };
                for (i, rule) in rules.iter().enumerate() {
                    let Some(table) = rule.get_ref().as_table() else {
                        continue;
                    };
                    let mut at = rule.span().start;
                    for (k, v) in table {
                        let name = k.get_ref().as_ref();
                        if name == "name" {
                            at = k.span().start;
                        }
                        let offsets = match v.get_ref() {
                            DeValue::Array(items) => items.iter().map(|i| i.span().start).collect(),
                            _ => vec![v.span().start],
                        };
                        file.values.insert((kind, i, name.to_string()), offsets);
                    }
                    file.rules.insert((kind, i), at);
                }
            }
        }
        Ok(file)
    }

    fn loc(&self, pointer: String, offset: usize) -> Loc {
        let (line, column) = self.index.line_col(self.source, offset);
        Loc {
            file: None,
            line,
            column,
            pointer,
        }
    }

    /// Where rule `i` of `kind` (`allow`/`deny`) is.
    pub fn rule_loc(&self, kind: &'static str, i: usize) -> Loc {
        let offset = self.rules.get(&(kind, i)).copied().unwrap_or(0);
        self.loc(format!("/{kind}/{i}"), offset)
    }

    /// Where value `j` of `claim` in rule `i` is.
    pub fn value_loc(&self, kind: &'static str, i: usize, claim: &str, j: usize) -> Loc {
        let offsets = self.values.get(&(kind, i, claim.to_string()));
        match offsets.and_then(|o| o.get(j).or(o.first())) {
            Some(&offset) => {
                let pointer = if offsets.is_some_and(|o| o.len() > 1) {
                    format!("/{kind}/{i}/{claim}/{j}")
                } else {
                    format!("/{kind}/{i}/{claim}")
                };
                self.loc(pointer, offset)
            }
            None => self.rule_loc(kind, i),
        }
    }
}
