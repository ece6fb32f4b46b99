//! Terraform text into `hcl_edit` bodies and templates, whose spans are offsets into the text:
//! the nesting guard, object keys written twice kept for the report, and the small accessors
//! (attribute, labels, start of a span) the rest of the reader uses. Pure.

use hcl_edit::expr::Expression;
use hcl_edit::structure::{Block, Body};
use hcl_edit::template::Template;

use crate::trust::document::LoadError;
use crate::trust::forms::{MAX_NESTING, bracket_depth};

/// A parsed `.tf` file: its body and the object keys written twice, renamed for the parser
/// (offset of the key in the file, the name written).
pub(super) struct Parsed {
    pub body: Body,
    pub renamed: Vec<(usize, String)>,
}

/// Parses one `.tf` file, refusing one that nests too deep before the parser recurses into it.
pub(super) fn file(path: &str, text: &str) -> Result<Parsed, LoadError> {
    let invalid = |line, column, message| LoadError::Invalid {
        path: Some(path.to_string()),
        line,
        column,
        message,
    };
    if bracket_depth(text) > MAX_NESTING {
        return Err(invalid(
            1,
            1,
            format!("brackets nest more than {MAX_NESTING} deep: not read"),
        ));
    }
    let (body, renamed) = parse_keeping_duplicates(text).map_err(|(line, column, message)| {
        invalid(line, column, format!("not valid Terraform: {message}"))
    })?;
    Ok(Parsed { body, renamed })
}

/// The native-syntax text of a file: itself, or what a `.tf.json`/`.tfvars.json` file stands
/// for (`json_syntax.rs`). The source map holds this text, so offsets are offsets in it.
pub(super) fn native<'t>(
    path: &str,
    text: &'t str,
) -> Result<std::borrow::Cow<'t, str>, LoadError> {
    if !super::json_syntax::is_json(path) {
        return Ok(std::borrow::Cow::Borrowed(text));
    }
    super::json_syntax::to_native(path, text)
        .map(std::borrow::Cow::Owned)
        .map_err(|(offset, message)| {
            let line = text[..offset.min(text.len())].matches('\n').count() + 1;
            LoadError::Invalid {
                path: Some(path.to_string()),
                line,
                column: 1,
                message: format!("not valid Terraform JSON: {message}"),
            }
        })
}

/// Parses the text of a template (`templatefile()`), or says why not in a few words.
pub(super) fn template(text: &str) -> Result<Template, String> {
    if bracket_depth(text) > MAX_NESTING {
        return Err("the template nests too deep".into());
    }
    hcl_edit::parser::parse_template(text).map_err(|e| {
        let first = e.to_string();
        let first = first.lines().next().unwrap_or("");
        format!("the template does not parse: {first}")
    })
}

/// Parses a file; an object key written twice, which Terraform accepts (the last one wins, and
/// the first one's conditions are silently dropped: Datadog's GOV.UK case) but the parser
/// refuses, is renamed in a copy of the text to a placeholder of the same length, so offsets
/// are kept and the reader can restore the name and report the duplicate. Returns the body and
/// the renamed keys (offset of the key, its name).
#[allow(clippy::type_complexity)]
fn parse_keeping_duplicates(
    text: &str,
) -> Result<(Body, Vec<(usize, String)>), (usize, usize, String)> {
    let mut copy = text.to_string();
    let mut renamed = Vec::new();
    loop {
        let e = match hcl_edit::parser::parse_body(&copy) {
            Ok(body) => return Ok((body, renamed)),
            Err(e) => e,
        };
        let (line, column) = (e.location().line(), e.location().column());
        let err = || (line, column, e.message().to_string());
        if !e.message().contains("redefined object key") || renamed.len() >= 32 {
            return Err(err());
        }
        let line_start = copy
            .split_inclusive('\n')
            .take(line.saturating_sub(1))
            .map(str::len)
            .sum::<usize>();
        let at = copy[line_start..]
            .char_indices()
            .nth(column.saturating_sub(1))
            .map_or(copy.len(), |(i, _)| line_start + i);
        let (key_start, key_end) = if copy[at..].starts_with('"') {
            let end = copy[at + 1..].find('"').map_or(copy.len(), |e| at + 1 + e);
            (at + 1, end)
        } else {
            let end = copy[at..]
                .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-'))
                .map_or(copy.len(), |e| at + e);
            (at, end)
        };
        if key_end <= key_start || !copy.is_char_boundary(key_end) {
            return Err(err());
        }
        renamed.push((
            if key_start > at { at } else { key_start },
            copy[key_start..key_end].to_string(),
        ));
        let n = renamed.len();
        let mut placeholder = format!("_dup{n}_");
        let len = key_end - key_start;
        if placeholder.len() > len {
            return Err(err());
        }
        placeholder.push_str(&"_".repeat(len - placeholder.len()));
        copy.replace_range(key_start..key_end, &placeholder);
    }
}

/// Where a span starts (0 for a node the parser gave none).
pub(super) fn start(span: Option<std::ops::Range<usize>>) -> usize {
    span.map_or(0, |r| r.start)
}

/// A block's labels (`resource "aws_iam_role" "deploy"`: `aws_iam_role`, `deploy`).
pub(super) fn labels(block: &Block) -> Vec<&str> {
    block.labels.iter().map(|l| l.as_str()).collect()
}

/// A reference as its names: `data.aws_iam_policy_document.x.json` → `["data",
/// "aws_iam_policy_document", "x", "json"]`; the names up to the first index. `None` for any
/// other expression.
pub(super) fn reference(expr: &Expression) -> Option<Vec<&str>> {
    let Expression::Traversal(t) = interpolated(expr) else {
        return None;
    };
    let Expression::Variable(root) = &t.expr else {
        return None;
    };
    let mut names = vec![root.as_str()];
    for op in &t.operators {
        match &**op {
            hcl_edit::expr::TraversalOperator::GetAttr(id) => names.push(id.as_str()),
            _ => break,
        }
    }
    Some(names)
}

/// The expression of a string that is one interpolation (`"${aws_iam_role.ci.name}"`, as the
/// JSON syntax writes every reference), or the expression itself.
pub(super) fn interpolated(expr: &Expression) -> &Expression {
    if let Expression::StringTemplate(t) = expr
        && let [hcl_edit::template::Element::Interpolation(i)] =
            t.iter().collect::<Vec<_>>().as_slice()
    {
        return &i.expr;
    }
    expr
}

/// Attribute `name` of a body.
pub(super) fn attr<'b>(body: &'b Body, name: &str) -> Option<&'b Expression> {
    body.attributes()
        .find(|a| a.key.as_str() == name)
        .map(|a| &a.value)
}
