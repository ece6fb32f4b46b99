//! `terraform show -json` output (a saved plan's `planned_values`, or the state's `values`): the
//! trust policy of every `aws_iam_role`, as Terraform will send it to IAM. Pure: no I/O.
//!
//! The document is a JSON string inside the plan: findings point at that string's line, and
//! their pointers continue inside the document.

use super::Found;
use crate::trust::json::{LineIndex, Node, Value};

/// Reads every role of a plan or state.
pub fn read(root: &Node, text: &str) -> Vec<Found> {
    let index = LineIndex::new(text);
    let mut out = Vec::new();
    for top in ["planned_values", "values"] {
        if let Some(module) = root.get(top).and_then(|v| v.get("root_module")) {
            module_roles(module, text, &index, &mut out);
        }
    }
    out
}

fn module_roles(module: &Node, text: &str, index: &LineIndex, out: &mut Vec<Found>) {
    for r in module
        .get("resources")
        .map(Node::one_or_many)
        .unwrap_or_default()
    {
        if r.get("type").and_then(Node::as_str) != Some("aws_iam_role") {
            continue;
        }
        let Some(policy) = r.get("values").and_then(|v| v.get("assume_role_policy")) else {
            continue;
        };
        let Some(json) = policy.as_str() else {
            continue;
        };
        let address = r
            .get("address")
            .and_then(Node::as_str)
            .unwrap_or("aws_iam_role");
        let (line, column) = index.line_col(text, policy.offset);
        let doc = match crate::trust::document::from_embedded(json, &policy.pointer, line, column) {
            Ok(mut doc) => {
                doc.role_name = r
                    .get("values")
                    .and_then(|v| v.get("name"))
                    .and_then(Node::as_str)
                    .or(r.get("name").and_then(Node::as_str))
                    .map(str::to_string);
                doc
            }
            Err(message) => {
                let loc = crate::trust::document::Loc {
                    file: None,
                    line,
                    column,
                    pointer: policy.pointer.clone(),
                };
                crate::trust::document::TrustDocument {
                    loc: loc.clone(),
                    problems: vec![(loc, format!("the policy text is not valid JSON: {message}"))],
                    ..Default::default()
                }
            }
        };
        out.push(Found {
            doc,
            resource: address.to_string(),
            form: "terraform plan json".into(),
            power: None,
        });
    }
    if let Some(Value::Array(children)) = module.get("child_modules").map(|c| &c.value) {
        for child in children {
            module_roles(child, text, index, out);
        }
    }
}
