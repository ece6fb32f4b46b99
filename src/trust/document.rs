//! IAM trust policy documents read from source text, with a location for every part. Pure: no
//! I/O (the caller reads the file).
//!
//! Accepts a policy document, `aws iam get-role` output (`{"Role": {"AssumeRolePolicyDocument":
//! …}}`), `aws iam list-roles` output (`{"Roles": [...]}`), and a document given as a string,
//! plain or URL-encoded as the IAM API returns it. A document inside a string is parsed on its
//! own; its findings point at the string in the file (line and column) and carry the pointer
//! inside the document after the string's pointer.

use super::github::{GithubIssuer, github_issuer, provider_path};
use super::iam::Operator;
use super::json::{self, LineIndex, Node, Value};

/// Where something is: a JSON pointer and a 1-based line and column in the file.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Loc {
    /// The file, when it is not the input being audited (a Terraform module spans files; a
    /// `templatefile()` template is another file).
    pub file: Option<String>,
    pub line: usize,
    pub column: usize,
    pub pointer: String,
}

/// One trust policy document.
#[derive(Debug, Clone, Default)]
pub struct TrustDocument {
    /// The role's name or ARN when the input said (get-role / list-roles output).
    pub role_name: Option<String>,
    /// Where the document is.
    pub loc: Loc,
    pub statements: Vec<Statement>,
    /// Keys written twice in one object.
    pub duplicates: Vec<DuplicateKey>,
    /// Parts IAM would not accept or that this reader cannot interpret.
    pub problems: Vec<(Loc, String)>,
    /// Values a reader could not resolve (a Terraform variable without a default, a
    /// CloudFormation parameter without one), with the assumption it made.
    pub assumptions: Vec<(Loc, String)>,
}

impl TrustDocument {
    /// Whether a condition value is wholly a value the reader could not resolve (the `${…}`
    /// text it was written as, with an assumption noted at it): the checks judge what is known,
    /// and an unknown value is neither exact nor a pattern (issue #18).
    pub fn unresolved(&self, v: &CondValue) -> bool {
        v.value.starts_with("${")
            && v.value.ends_with('}')
            && self.assumptions.iter().any(|(l, _)| {
                l.file == v.loc.file && l.line == v.loc.line && l.column == v.loc.column
            })
    }
}

/// A key written twice in one object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuplicateKey {
    pub key: String,
    /// The repeated occurrence.
    pub loc: Loc,
    /// The first occurrence.
    pub first: Loc,
    /// When the first occurrence's value is an object: its keys, which a last-wins parser drops.
    pub dropped: Vec<String>,
}

/// One statement.
#[derive(Debug, Clone, Default)]
pub struct Statement {
    pub index: usize,
    pub loc: Loc,
    pub sid: Option<String>,
    /// `Allow`, `Deny`, or whatever was written.
    pub effect: String,
    /// `Principal` entries (`"*"` is kind `*`).
    pub principals: Vec<Principal>,
    /// The statement uses `NotPrincipal` (listed in `principals`).
    pub not_principal: bool,
    pub actions: Vec<String>,
    /// The statement uses `NotAction` (listed in `actions`).
    pub not_action: bool,
    pub conditions: Vec<Condition>,
}

/// One principal value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// `Federated`, `AWS`, `Service`, … or `*`.
    pub kind: String,
    pub value: String,
    pub loc: Loc,
}

/// One `operator: {key: values}` entry of a `Condition` block.
#[derive(Debug, Clone)]
pub struct Condition {
    /// The operator as written.
    pub operator_name: String,
    pub operator: Operator,
    pub operator_loc: Loc,
    /// The condition key as written.
    pub key: String,
    pub loc: Loc,
    pub values: Vec<CondValue>,
}

/// One value of a condition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CondValue {
    pub value: String,
    pub loc: Loc,
}

impl Condition {
    /// The key's provider prefix and claim name (`token.actions.githubusercontent.com:sub` →
    /// (`token.actions.githubusercontent.com`, `sub`)); global keys give (`aws`, `SourceIp`).
    pub fn key_parts(&self) -> (&str, &str) {
        self.key.rsplit_once(':').unwrap_or(("", &self.key))
    }

    /// The values as strings.
    pub fn value_strings(&self) -> Vec<String> {
        self.values.iter().map(|v| v.value.clone()).collect()
    }
}

impl Statement {
    /// Whether the effect is `Allow`.
    pub fn is_allow(&self) -> bool {
        self.effect == "Allow"
    }

    /// Whether the statement covers `sts:AssumeRoleWithWebIdentity`.
    pub fn covers_web_identity(&self) -> bool {
        let listed = self
            .actions
            .iter()
            .any(|a| super::iam::like(&a.to_ascii_lowercase(), "sts:assumerolewithwebidentity"));
        listed != self.not_action
    }

    /// The GitHub providers this statement trusts: (condition-key prefix, kind).
    pub fn github_providers(&self) -> Vec<(String, GithubIssuer)> {
        if self.not_principal {
            return Vec::new();
        }
        self.principals
            .iter()
            .filter(|p| p.kind == "Federated")
            .filter_map(|p| {
                let path = provider_path(&p.value);
                github_issuer(path).map(|kind| (path.to_string(), kind))
            })
            .collect()
    }

    /// Where the statement names its (first) GitHub provider, else the statement itself: the
    /// most telling line to show for a finding about the whole statement.
    pub fn github_loc(&self) -> &Loc {
        self.principals
            .iter()
            .find(|p| p.kind == "Federated" && github_issuer(provider_path(&p.value)).is_some())
            .map_or(&self.loc, |p| &p.loc)
    }

    /// Federated principals that are not GitHub providers.
    pub fn other_federated(&self) -> Vec<&Principal> {
        self.principals
            .iter()
            .filter(|p| p.kind == "Federated" && github_issuer(provider_path(&p.value)).is_none())
            .collect()
    }

    /// Whether this is a statement about GitHub's web identity: a GitHub federated principal
    /// and the web-identity action.
    pub fn is_github(&self) -> bool {
        !self.github_providers().is_empty() && self.covers_web_identity()
    }

    /// Conditions whose key belongs to one of this statement's GitHub providers, with the
    /// claim name in lower case (IAM compares key names case-insensitively).
    pub fn github_conditions(&self) -> Vec<(&Condition, String)> {
        let prefixes: Vec<String> = self
            .github_providers()
            .into_iter()
            .map(|(p, _)| p.to_ascii_lowercase())
            .collect();
        self.conditions
            .iter()
            .filter_map(|c| {
                let (prefix, claim) = c.key_parts();
                prefixes
                    .contains(&prefix.to_ascii_lowercase())
                    .then(|| (c, claim.to_ascii_lowercase()))
            })
            .collect()
    }

    /// Whether a positive string condition (key present and matching) constrains `claim`. On a
    /// key GitHub always sends ([`crate::trust::github::ALWAYS_SENT`]), `…IfExists` and
    /// `ForAllValues:` are as positive as the plain operator.
    pub fn positively_constrains(&self, claim: &str) -> bool {
        let always = crate::trust::github::ALWAYS_SENT.contains(&claim);
        self.github_conditions().iter().any(|(c, name)| {
            name == claim
                && (c.operator.is_positive_string()
                    || (always
                        && !c.operator.is_negated()
                        && matches!(
                            c.operator.base,
                            super::iam::Base::StringEquals
                                | super::iam::Base::StringEqualsIgnoreCase
                                | super::iam::Base::StringLike
                        )))
        })
    }
}

/// Why a text could not be read as trust policies.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LoadError {
    #[error("{line}:{column}: not valid JSON: {message}")]
    Syntax {
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{0}")]
    NotAPolicy(String),
    /// YAML or Terraform that does not parse (or is refused), in `path` when the input is a
    /// module of several files.
    #[error("{line}:{column}: {message}")]
    Invalid {
        path: Option<String>,
        line: usize,
        column: usize,
        message: String,
    },
}

/// Maps offsets of the text being read to file positions.
enum Mapper<'a> {
    /// The text is the file.
    File { text: &'a str, index: &'a LineIndex },
    /// The text was inside a string at this file position.
    Embedded { line: usize, column: usize },
    /// Offsets are positions in the files of a [`SourceMap`].
    Sources(&'a SourceMap),
}

impl Mapper<'_> {
    fn loc(&self, pointer: &str, offset: usize) -> Loc {
        let (file, line, column) = match self {
            Mapper::File { text, index } => {
                let (l, c) = index.line_col(text, offset);
                (None, l, c)
            }
            Mapper::Embedded { line, column } => (None, *line, *column),
            Mapper::Sources(map) => return map.loc(pointer, offset),
        };
        Loc {
            file,
            line,
            column,
            pointer: pointer.to_string(),
        }
    }
}

/// Several source files laid end to end, so that one offset names a file and a place in it:
/// a document read from Terraform takes values from several files of a module and from
/// templates.
#[derive(Debug, Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

#[derive(Debug)]
struct SourceFile {
    path: String,
    text: String,
    index: LineIndex,
    base: usize,
}

impl SourceMap {
    /// Adds a file; returns the offset its text starts at (add it to offsets within the text).
    pub fn add(&mut self, path: &str, text: &str) -> usize {
        let base = self.files.last().map_or(0, |f| f.base + f.text.len() + 1);
        self.files.push(SourceFile {
            path: path.to_string(),
            text: text.to_string(),
            index: LineIndex::new(text),
            base,
        });
        base
    }

    /// The file holding `offset`: (path, text, offset within it).
    pub fn file_at(&self, offset: usize) -> Option<(&str, &str, usize)> {
        let i = self
            .files
            .partition_point(|f| f.base <= offset)
            .checked_sub(1)?;
        let f = &self.files[i];
        Some((&f.path, &f.text, offset - f.base))
    }

    /// The text of the file at `path`.
    pub fn text(&self, path: &str) -> Option<&str> {
        self.files
            .iter()
            .find(|f| f.path == path)
            .map(|f| f.text.as_str())
    }

    /// The location of `offset`.
    pub fn loc(&self, pointer: &str, offset: usize) -> Loc {
        let i = self
            .files
            .partition_point(|f| f.base <= offset)
            .saturating_sub(1);
        let Some(f) = self.files.get(i) else {
            return Loc {
                pointer: pointer.to_string(),
                ..Loc::default()
            };
        };
        let (line, column) = f.index.line_col(&f.text, offset - f.base);
        Loc {
            file: Some(f.path.clone()),
            line,
            column,
            pointer: pointer.to_string(),
        }
    }
}

/// Reads a trust policy document built by another reader (Terraform, CloudFormation), whose
/// node offsets are positions in `map` and whose repeated keys are `duplicates`.
pub fn from_node(root: &Node, duplicates: &[json::Duplicate], map: &SourceMap) -> TrustDocument {
    let mapper = Mapper::Sources(map);
    let mut doc = read_document(root, &mapper);
    let parsed = json::Parsed {
        root: root.clone(),
        duplicates: duplicates.to_vec(),
    };
    doc.duplicates = self::duplicates(&parsed, &mapper);
    doc
}

/// Reads a document written as JSON inside a string of another file (`terraform show -json`,
/// a CloudFormation string): positions are the string's, pointers continue inside it.
pub fn from_embedded(
    text: &str,
    pointer: &str,
    line: usize,
    column: usize,
) -> Result<TrustDocument, String> {
    let inner = json::parse(text, pointer).map_err(|e| e.message)?;
    let mapper = Mapper::Embedded { line, column };
    let mut doc = read_document(&inner.root, &mapper);
    doc.duplicates = duplicates(&inner, &mapper);
    Ok(doc)
}

/// Reads every trust policy document in `text`.
pub fn load(text: &str) -> Result<Vec<TrustDocument>, LoadError> {
    let index = LineIndex::new(text);
    let parsed = json::parse(text, "").map_err(|e| {
        let (line, column) = index.line_col(text, e.offset);
        LoadError::Syntax {
            line,
            column,
            message: e.message,
        }
    })?;
    let file = Mapper::File {
        text,
        index: &index,
    };
    let mut docs = Vec::new();
    let root = &parsed.root;
    let not_a_policy = || {
        LoadError::NotAPolicy(
            "not an IAM policy document: expected an object with `Statement`, `aws iam get-role` output (`Role.AssumeRolePolicyDocument`) or `aws iam list-roles` output (`Roles`)".into(),
        )
    };
    let mut found: Vec<(Option<String>, &Node)> = Vec::new();
    if root.get("Statement").is_some() || root.as_str().is_some() {
        found.push((None, root));
    } else if let Some(role) = root.get("Role") {
        found.push((
            role_name(role),
            role.get("AssumeRolePolicyDocument")
                .ok_or_else(not_a_policy)?,
        ));
    } else if let Some(doc) = root.get("AssumeRolePolicyDocument") {
        found.push((role_name(root), doc));
    } else if let Some(Node {
        value: Value::Array(roles),
        ..
    }) = root.get("Roles")
    {
        for role in roles {
            if let Some(doc) = role.get("AssumeRolePolicyDocument") {
                found.push((role_name(role), doc));
            }
        }
    } else {
        return Err(not_a_policy());
    }
    for (name, node) in found {
        let mut doc = match &node.value {
            Value::String(s) => {
                let decoded = if s.trim_start().starts_with('{') {
                    s.clone()
                } else {
                    percent_decode(s).ok_or_else(|| {
                        LoadError::NotAPolicy(format!(
                            "{}: the policy document string is neither JSON nor URL-encoded JSON",
                            node.pointer
                        ))
                    })?
                };
                let (line, column) = index.line_col(text, node.offset);
                let inner = json::parse(&decoded, &node.pointer).map_err(|e| {
                    LoadError::NotAPolicy(format!(
                        "{line}:{column}: the policy document in `{}` is not valid JSON: {}",
                        node.pointer, e.message
                    ))
                })?;
                let mapper = Mapper::Embedded { line, column };
                let mut doc = read_document(&inner.root, &mapper);
                doc.duplicates = duplicates(&inner, &mapper);
                doc
            }
            Value::Object(_) => {
                let mut doc = read_document(node, &file);
                doc.duplicates = duplicates(&parsed, &file)
                    .into_iter()
                    .filter(|d| d.loc.pointer.starts_with(&node.pointer))
                    .collect();
                doc
            }
            _ => {
                return Err(LoadError::NotAPolicy(format!(
                    "{}: a policy document must be an object or a string, not {}",
                    node.pointer,
                    node.type_name()
                )));
            }
        };
        doc.role_name = name;
        docs.push(doc);
    }
    if docs.is_empty() {
        return Err(not_a_policy());
    }
    Ok(docs)
}

fn role_name(role: &Node) -> Option<String> {
    role.get("RoleName")
        .or_else(|| role.get("Arn"))
        .and_then(Node::as_str)
        .map(str::to_string)
}

/// RFC 3986 percent-decoding into UTF-8; `None` on a malformed escape or invalid UTF-8.
fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn find<'a>(node: &'a Node, pointer: &str) -> Option<&'a Node> {
    if node.pointer == pointer {
        return Some(node);
    }
    match &node.value {
        Value::Array(items) => items.iter().find_map(|n| find(n, pointer)),
        Value::Object(members) => members.iter().find_map(|m| find(&m.value, pointer)),
        _ => None,
    }
}

fn duplicates(parsed: &json::Parsed, mapper: &Mapper<'_>) -> Vec<DuplicateKey> {
    parsed
        .duplicates
        .iter()
        .map(|d| {
            let pointer = format!("{}/{}", d.object, json::escape_token(&d.key));
            let dropped = find(&parsed.root, &d.object)
                .and_then(|o| o.members())
                .and_then(|m| m.iter().find(|m| m.key == d.key))
                .and_then(|m| m.value.members())
                .map(|m| m.iter().map(|m| m.key.clone()).collect())
                .unwrap_or_default();
            DuplicateKey {
                key: d.key.clone(),
                loc: mapper.loc(&pointer, d.offset),
                first: mapper.loc(&pointer, d.first_offset),
                dropped,
            }
        })
        .collect()
}

fn strings(
    node: &Node,
    mapper: &Mapper<'_>,
    problems: &mut Vec<(Loc, String)>,
) -> Vec<(String, Loc)> {
    node.one_or_many()
        .into_iter()
        .filter_map(|n| match n.as_scalar_text() {
            Some(s) => Some((s, mapper.loc(&n.pointer, n.offset))),
            None => {
                problems.push((
                    mapper.loc(&n.pointer, n.offset),
                    format!("expected a string, found {}", n.type_name()),
                ));
                None
            }
        })
        .collect()
}

fn read_document(root: &Node, mapper: &Mapper<'_>) -> TrustDocument {
    let mut doc = TrustDocument {
        loc: mapper.loc(&root.pointer, root.offset),
        ..TrustDocument::default()
    };
    let Some(statements) = root.get("Statement") else {
        doc.problems
            .push((doc.loc.clone(), "the document has no `Statement`".into()));
        return doc;
    };
    for (index, node) in statements.one_or_many().into_iter().enumerate() {
        if node.members().is_none() {
            doc.problems.push((
                mapper.loc(&node.pointer, node.offset),
                format!("a statement must be an object, not {}", node.type_name()),
            ));
            continue;
        }
        let mut st = Statement {
            index,
            loc: mapper.loc(&node.pointer, node.offset),
            sid: node.get("Sid").and_then(Node::as_str).map(str::to_string),
            effect: node
                .get("Effect")
                .and_then(Node::as_str)
                .unwrap_or("")
                .to_string(),
            ..Statement::default()
        };
        let principal = match (node.get("Principal"), node.get("NotPrincipal")) {
            (Some(p), _) => Some(p),
            (None, Some(p)) => {
                st.not_principal = true;
                Some(p)
            }
            (None, None) => None,
        };
        if let Some(p) = principal {
            match &p.value {
                Value::String(s) => st.principals.push(Principal {
                    kind: "*".into(),
                    value: s.clone(),
                    loc: mapper.loc(&p.pointer, p.offset),
                }),
                Value::Object(members) => {
                    for m in members {
                        for (value, loc) in strings(&m.value, mapper, &mut doc.problems) {
                            st.principals.push(Principal {
                                kind: m.key.clone(),
                                value,
                                loc,
                            });
                        }
                    }
                }
                _ => doc.problems.push((
                    mapper.loc(&p.pointer, p.offset),
                    format!(
                        "`Principal` must be `\"*\"` or an object, not {}",
                        p.type_name()
                    ),
                )),
            }
        }
        let action = match (node.get("Action"), node.get("NotAction")) {
            (Some(a), _) => Some(a),
            (None, Some(a)) => {
                st.not_action = true;
                Some(a)
            }
            (None, None) => None,
        };
        if let Some(a) = action {
            st.actions = strings(a, mapper, &mut doc.problems)
                .into_iter()
                .map(|(s, _)| s)
                .collect();
        }
        if let Some(block) = node.get("Condition") {
            read_conditions(block, mapper, &mut st, &mut doc.problems);
        }
        doc.statements.push(st);
    }
    doc
}

/// Reads a statement's `Condition` block into `st.conditions`.
fn read_conditions(
    block: &Node,
    mapper: &Mapper<'_>,
    st: &mut Statement,
    problems: &mut Vec<(Loc, String)>,
) {
    let Some(operators) = block.members() else {
        problems.push((
            mapper.loc(&block.pointer, block.offset),
            format!("`Condition` must be an object, not {}", block.type_name()),
        ));
        return;
    };
    // Two members of one name: read the last, as serde_json and most parsers (and
    // Terraform's HCL) do; OA106 reports the one dropped.
    let last = |members: &[json::Member], i: usize| {
        !members[i + 1..].iter().any(|m| m.key == members[i].key)
    };
    for (i, op) in operators.iter().enumerate() {
        if !last(operators, i) {
            continue;
        }
        let Some(keys) = op.value.members() else {
            problems.push((
                mapper.loc(&op.value.pointer, op.value.offset),
                format!(
                    "`{}` must map condition keys to values, not {}",
                    op.key,
                    op.value.type_name()
                ),
            ));
            continue;
        };
        for (j, key) in keys.iter().enumerate() {
            if !last(keys, j) {
                continue;
            }
            let values = strings(&key.value, mapper, problems)
                .into_iter()
                .map(|(value, loc)| CondValue { value, loc })
                .collect();
            st.conditions.push(Condition {
                operator_name: op.key.clone(),
                operator: Operator::parse(&op.key),
                operator_loc: mapper.loc(&op.value.pointer, op.key_offset),
                key: key.key.clone(),
                loc: mapper.loc(&key.value.pointer, key.key_offset),
                values,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GET_ROLE: &str = r#"{
    "Role": {
        "RoleName": "prod-deploy",
        "Arn": "arn:aws:iam::123456789012:role/prod-deploy",
        "AssumeRolePolicyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Federated": "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"},
                    "Action": "sts:AssumeRoleWithWebIdentity",
                    "Condition": {
                        "StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
                        "StringLike": {"token.actions.githubusercontent.com:sub": ["repo:octo-org/octo-repo:ref:refs/heads/main", "repo:octo-org/octo-repo:environment:prod"]}
                    }
                }
            ]
        }
    }
}"#;

    #[test]
    fn get_role_output() {
        let docs = load(GET_ROLE).unwrap();
        assert_eq!(docs.len(), 1);
        let doc = &docs[0];
        assert_eq!(doc.role_name.as_deref(), Some("prod-deploy"));
        let st = &doc.statements[0];
        assert!(st.is_github() && st.is_allow());
        assert_eq!(st.conditions.len(), 2);
        let sub = &st.conditions[1];
        assert_eq!(sub.key_parts().1, "sub");
        assert_eq!(
            sub.values[1].loc.pointer,
            "/Role/AssumeRolePolicyDocument/Statement/0/Condition/StringLike/token.actions.githubusercontent.com:sub/1"
        );
        assert_eq!(sub.loc.line, 14);
        assert!(st.positively_constrains("sub") && st.positively_constrains("aud"));
    }

    #[test]
    fn url_encoded_document_points_at_the_string() {
        let inner = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::1:oidc-provider/token.actions.githubusercontent.com"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"a":"1"},"StringEquals":{"b":"2"}}}]}"#;
        let encoded: String = inner
            .bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect();
        let text = format!(
            "{{\"Role\": {{\"RoleName\": \"x\",\n  \"AssumeRolePolicyDocument\": \"{encoded}\"}}}}"
        );
        let doc = &load(&text).unwrap()[0];
        assert_eq!(doc.statements.len(), 1);
        assert_eq!(
            (doc.statements[0].loc.line, doc.statements[0].loc.column),
            (2, 31)
        );
        assert_eq!(doc.duplicates.len(), 1);
        assert_eq!(doc.duplicates[0].dropped, ["a"]);
        assert_eq!(
            doc.duplicates[0].loc.pointer,
            "/Role/AssumeRolePolicyDocument/Statement/0/Condition/StringEquals"
        );
    }

    #[test]
    fn shapes_and_errors() {
        let docs = load(r#"{"Roles": [{"RoleName": "a", "AssumeRolePolicyDocument": {"Statement": {"Effect": "Allow", "Principal": "*", "Action": "sts:*"}}}, {"RoleName": "b", "AssumeRolePolicyDocument": {"Statement": []}}]}"#).unwrap();
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[0].statements[0].principals[0].kind, "*");
        assert!(docs[0].statements[0].covers_web_identity());
        assert!(matches!(load("{\"a\": 1}"), Err(LoadError::NotAPolicy(_))));
        assert_eq!(
            load("{\n  \"Statement\": [,]\n}").unwrap_err(),
            LoadError::Syntax {
                line: 2,
                column: 17,
                message: "expected a JSON value, found `,`".into()
            }
        );
        let st = &load(r#"{"Statement": [{"Effect": "Allow", "NotAction": "s3:*", "Principal": {"Federated": ["arn:aws:iam::1:oidc-provider/ghe.example.com/_services/token", "accounts.google.com"]}}]}"#).unwrap()[0].statements[0];
        assert!(st.covers_web_identity() && st.is_github());
        assert_eq!(
            st.github_providers()[0].0,
            "ghe.example.com/_services/token"
        );
        assert_eq!(st.other_federated().len(), 1);
    }
}
