//! Serverless Framework services (`serverless.yml`, `serverless.yaml`): the CloudFormation under
//! `resources.Resources`, read by the CloudFormation reader. Serverless's own variables
//! (`${self:custom.repo}`, `${opt:stage}`, `${param:…}`) are resolved at deploy time: they are
//! kept as written and noted, like any other unresolved value. Pure: no I/O.

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
    let template = Parsed {
        root: object(
            vec![("Resources".into(), resources.offset, resources.clone())],
            parsed.root.offset,
        ),
        duplicates: parsed.duplicates.clone(),
    };
    read.found = cfn::read(&template, "serverless", &read.map);
    for found in &mut read.found {
        let Some(doc) = resources
            .get(&found.resource)
            .and_then(|r| r.get("Properties"))
            .and_then(|p| p.get("AssumeRolePolicyDocument"))
        else {
            continue;
        };
        let mut variables = Vec::new();
        variables_in(doc, false, &mut variables);
        for (offset, written) in variables {
            found.doc.assumptions.push((
                read.map.loc("", offset),
                format!("`{written}` is a Serverless variable, resolved at deploy time: read as one value without wildcards"),
            ));
        }
    }
    Ok(read)
}

/// The `${…}` Serverless variables in plain strings of a tree (`Fn::Sub` strings are the
/// CloudFormation reader's, which notes what it does not resolve).
fn variables_in(n: &Node, in_sub: bool, out: &mut Vec<(usize, String)>) {
    match &n.value {
        Value::String(s) if !in_sub => {
            let mut rest = s.as_str();
            while let Some(at) = rest.find("${") {
                let Some(end) = rest[at..].find('}') else {
                    break;
                };
                out.push((n.offset, rest[at..at + end + 1].to_string()));
                rest = &rest[at + end + 1..];
            }
        }
        Value::Array(items) => items.iter().for_each(|i| variables_in(i, in_sub, out)),
        Value::Object(members) => {
            for m in members {
                variables_in(&m.value, in_sub || m.key == "Fn::Sub", out);
            }
        }
        _ => {}
    }
}
