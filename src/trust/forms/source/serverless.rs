//! Serverless Framework services (`serverless.yml`, `serverless.yaml`): the CloudFormation under
//! `resources.Resources`, read by the CloudFormation reader. Serverless's own variables are
//! substituted first, as Serverless does: `${self:custom.repo}` from the file itself; the ones
//! resolved at deploy time (`${opt:stage}`, `${sls:stage}`, `${param:…}`, `${ssm:…}`) are kept
//! and noted, like any other unresolved value. Pure: no I/O.

use crate::trust::document::LoadError;
use crate::trust::forms::{Read, cfn, object, yaml};
use crate::trust::json::{Node, Parsed, Value};

/// Whether a path names a Serverless service file.
pub fn is_service(path: &str) -> bool {
    let name = path.rsplit(['/', '\\']).next().unwrap_or(path);
    matches!(name, "serverless.yml" | "serverless.yaml")
}

/// Reads the roles of a service's `resources`.
pub fn read(path: &str, text: &str) -> Result<Read, LoadError> {
    let mut read = Read::default();
    let base = read.map.add(path, text);
    let parsed = yaml::parse(text, base).map_err(|(line, column, message)| LoadError::Invalid {
        path: None,
        line,
        column,
        message,
    })?;
    // `resources:` may also be a list of `${file(…)}` includes: their files are not read.
    let Some(resources) = parsed
        .root
        .get("resources")
        .and_then(|r| r.get("Resources"))
        .filter(|r| r.members().is_some())
    else {
        return Ok(read);
    };
    // Serverless substitutes its variables before CloudFormation sees the template: `self:`
    // from this file, the rest at deploy time (kept, without the `:` and `/` that would read
    // as a subject's separators, and noted).
    let mut resources = resources.clone();
    let mut notes: Vec<(String, Vec<(usize, String)>)> = Vec::new();
    if let Value::Object(members) = &mut resources.value {
        for m in members.iter_mut() {
            let mut found = Vec::new();
            substitute(&mut m.value, &parsed.root, false, &mut found);
            notes.push((m.key.clone(), found));
        }
    }
    let template = Parsed {
        root: object(
            vec![("Resources".into(), resources.offset, resources)],
            parsed.root.offset,
        ),
        duplicates: parsed.duplicates.clone(),
    };
    read.found = cfn::read(&template, "serverless", &read.map);
    for found in &mut read.found {
        let Some((_, found_notes)) = notes.iter().find(|(k, _)| *k == found.resource) else {
            continue;
        };
        for (offset, written) in found_notes {
            found.doc.assumptions.push((
                read.map.loc("", *offset),
                format!("`{written}` is a Serverless variable, resolved at deploy time: read as one value without wildcards"),
            ));
        }
    }
    Ok(read)
}

/// Sources Serverless resolves (`${self:…}`, `${opt:stage}`, …); anything else in `${…}` is
/// CloudFormation's (`${AWS::AccountId}` in a `Fn::Sub`).
const SOURCES: &[&str] = &[
    "self", "opt", "sls", "env", "param", "ssm", "file", "cf", "s3", "aws",
];

/// Replaces the Serverless variables in every string of a tree; notes those in a trust policy
/// that are not resolved.
fn substitute(n: &mut Node, root: &Node, in_trust: bool, notes: &mut Vec<(usize, String)>) {
    match &mut n.value {
        Value::String(s) if s.contains("${") => {
            let mut out = String::new();
            let mut rest = s.as_str();
            while let Some(at) = rest.find("${") {
                let Some(len) = rest[at..].find('}') else {
                    break;
                };
                out.push_str(&rest[..at]);
                let variable = &rest[at + 2..at + len];
                let source = variable.split(':').next().unwrap_or("");
                if !SOURCES.contains(&source) || variable.contains("::") {
                    out.push_str(&rest[at..at + len + 1]);
                } else if let Some(value) = own(root, variable) {
                    out.push_str(&value);
                } else {
                    if in_trust {
                        notes.push((n.offset, format!("${{{variable}}}")));
                    }
                    out.push_str(&format!("${{{}}}", variable.replace([':', '/'], ".")));
                }
                rest = &rest[at + len + 1..];
            }
            out.push_str(rest);
            *s = out;
        }
        Value::Array(items) => items
            .iter_mut()
            .for_each(|i| substitute(i, root, in_trust, notes)),
        Value::Object(members) => {
            for m in members {
                let trust = in_trust || m.key == "AssumeRolePolicyDocument";
                substitute(&mut m.value, root, trust, notes);
            }
        }
        _ => {}
    }
}

/// A `${self:a.b}` variable's value: a string at that path of the service file.
fn own(root: &Node, variable: &str) -> Option<String> {
    let path = variable.strip_prefix("self:")?;
    let mut at = root;
    for key in path.split('.') {
        at = at.get(key)?;
    }
    at.as_scalar_text().filter(|v| !v.contains("${"))
}
