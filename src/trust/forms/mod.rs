//! Trust policies where people write them: IAM JSON (documents, `get-role`/`list-roles`
//! output), Terraform (HCL), `terraform show -json` output, CloudFormation (JSON and YAML, with
//! the short-form intrinsics), CDK's synthesised templates, and CDK and Pulumi source
//! (TypeScript, Python) and Serverless services ([`source`]). Pure: no I/O (the walker reads
//! the files and hands texts in; Terraform's `templatefile()` asks through [`Files`]).
//!
//! Every reader turns its source into the same [`Node`] tree the JSON reader builds, whose
//! offsets point into a [`SourceMap`] (the files the values were written in), then reads the
//! trust policy from it with [`document::from_node`]: the checks see one model whatever the
//! form, so the same document gets the same findings in every form, each at the line the user
//! wrote.

pub(crate) mod cfn;
pub mod hcl;
pub(crate) mod plan;
pub(crate) mod source;
pub(crate) mod yaml;

use super::document::{self, LoadError, SourceMap, TrustDocument};
use super::json::{self, Member, Node, Value};
use super::power::Power;

/// One trust policy document found in a file, with where it came from.
#[derive(Debug)]
pub struct Found {
    pub doc: TrustDocument,
    /// The resource or logical id (`aws_iam_role.deploy`, `DeployRole`), or `-` for a plain
    /// document.
    pub resource: String,
    /// The form, as named in the summary (`json`, `terraform jsonencode`, `cloudformation
    /// yaml`, …).
    pub form: String,
    /// What the role may do, where the form says it beside the trust policy (`None`: a bare
    /// trust document, which says nothing about permissions).
    pub power: Option<Power>,
}

/// What reading one input gave.
#[derive(Debug, Default)]
pub struct Read {
    pub found: Vec<Found>,
    /// The files the documents' locations point into.
    pub map: SourceMap,
}

/// Files a reader may ask for (Terraform's `templatefile()` and `file()`), relative to the
/// directory of the file that names them. Returns the path to show and the text, or why not.
pub trait Files {
    fn read(&self, from: &str, name: &str) -> Result<(String, String), String>;

    /// The Terraform files of the directory `dir` (a local module's `source`, or a directory
    /// `.terraform/modules/modules.json` records), relative to the directory of the file
    /// `from`: (path to show, text) of each, sorted, or why not.
    fn module(&self, _from: &str, dir: &str) -> Result<Vec<(String, String)>, String> {
        Err(format!(
            "the module `{dir}` was not read (no directory to read it from)"
        ))
    }
}

/// No file access: `templatefile()` is reported as unresolved.
pub struct NoFiles;

impl Files for NoFiles {
    fn read(&self, _from: &str, name: &str) -> Result<(String, String), String> {
        Err(format!(
            "`{name}` was not read (no directory to read it from)"
        ))
    }
}

/// Which form a text is in, judged by its name and its content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Json,
    Terraform,
    Yaml,
    /// CDK or Pulumi source.
    Source(source::Language),
    /// A Serverless Framework service (`serverless.yml`).
    Serverless,
}

impl Kind {
    /// By name ending: `.tf` and `.tfvars` (and their `.json` syntax) Terraform, `.yaml`/`.yml` YAML, anything else JSON (and a
    /// `.template` that does not start with `{` is YAML).
    pub fn of(path: &str, text: &str) -> Kind {
        let lower = path.to_ascii_lowercase();
        if lower.ends_with(".tf")
            || lower.ends_with(".tfvars")
            || lower.ends_with(".tf.json")
            || lower.ends_with(".tfvars.json")
        {
            Kind::Terraform
        } else if let Some(language) = source::Language::of(path) {
            Kind::Source(language)
        } else if source::serverless::is_service(&lower) {
            Kind::Serverless
        } else if lower.ends_with(".yaml")
            || lower.ends_with(".yml")
            || (lower.ends_with(".template") && !text.trim_start().starts_with('{'))
        {
            Kind::Yaml
        } else {
            Kind::Json
        }
    }
}

/// Whether a text could hold a trust policy at all (a cheap look before parsing, so a walk
/// does not report every unrelated JSON or YAML file as an error).
pub fn may_hold_trust_policy(text: &str) -> bool {
    [
        "AssumeRolePolicyDocument",
        "assume_role_policy",
        "assumeRolePolicy",
        "assumedBy",
        "assumed_by",
        "GithubActionsRole",
        "GitHubActionRole",
        "aws_iam_policy_document",
        "AssumeRoleWithWebIdentity",
        "\"Statement\"",
        "Statement",
    ]
    .iter()
    .any(|m| text.contains(m))
}

/// The deepest bracket nesting of a text (strings not skipped: an over-estimate), so readers
/// that recurse can refuse a text before parsing it.
pub fn bracket_depth(text: &str) -> usize {
    let (mut depth, mut max) = (0usize, 0usize);
    for b in text.bytes() {
        match b {
            b'{' | b'[' | b'(' => {
                depth += 1;
                max = max.max(depth);
            }
            b'}' | b']' | b')' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    max
}

/// Nesting refused before parsing HCL or YAML (IAM documents nest about 6 deep).
pub const MAX_NESTING: usize = 64;

/// Reads the trust policies in one JSON or YAML text (Terraform goes through
/// [`hcl::read_module`], which needs the module's other files).
pub fn read_text(path: &str, text: &str) -> Result<Read, LoadError> {
    match Kind::of(path, text) {
        Kind::Yaml => {
            let mut read = Read::default();
            let base = read.map.add(path, text);
            let parsed =
                yaml::parse(text, base).map_err(|(line, column, message)| LoadError::Invalid {
                    path: None,
                    line,
                    column,
                    message,
                })?;
            if parsed.root.get("Resources").is_none() {
                return Err(LoadError::NotAPolicy(
                    "not a CloudFormation template: no `Resources`".into(),
                ));
            }
            read.found = cfn::read(&parsed, "cloudformation yaml", &read.map);
            Ok(read)
        }
        Kind::Terraform => hcl::read_module(&[(path.to_string(), text.to_string())], &NoFiles),
        Kind::Source(language) => Ok(source::read(path, text, language)),
        Kind::Serverless => source::serverless::read(path, text),
        Kind::Json => read_json(path, text),
    }
}

fn read_json(path: &str, text: &str) -> Result<Read, LoadError> {
    let mut read = Read::default();
    // CloudFormation (and CDK output) and Terraform plans are recognised by their top level;
    // anything else is an IAM document or `get-role`/`list-roles` output.
    let parsed = json::parse(text, "");
    if let Ok(parsed) = &parsed {
        let root = &parsed.root;
        if root.get("Resources").is_some_and(|r| r.members().is_some()) {
            read.map.add(path, text);
            let form = if path.contains("cdk.out")
                || root
                    .get("Metadata")
                    .is_some_and(|m| m.get("aws:cdk:path").is_some())
                || text.contains("\"aws:cdk:path\"")
            {
                "cdk"
            } else {
                "cloudformation json"
            };
            read.found = cfn::read(parsed, form, &read.map);
            return Ok(read);
        }
        if root.get("format_version").is_some()
            && (root.get("planned_values").is_some() || root.get("values").is_some())
        {
            read.map.add(path, text);
            read.found = plan::read(root, text);
            return Ok(read);
        }
    }
    let docs = document::load(text)?;
    for doc in docs {
        let form = if doc.role_name.is_some() {
            "aws iam get-role"
        } else {
            "json"
        };
        read.found.push(Found {
            resource: doc.role_name.clone().unwrap_or_else(|| "-".into()),
            doc,
            form: form.into(),
            power: None,
        });
    }
    Ok(read)
}

/// A string node.
pub fn string(value: impl Into<String>, offset: usize) -> Node {
    node(Value::String(value.into()), offset)
}

/// A node with an empty pointer (set by [`repoint`]).
pub fn node(value: Value, offset: usize) -> Node {
    Node {
        value,
        pointer: String::new(),
        offset,
    }
}

/// An object node.
pub fn object(members: Vec<(String, usize, Node)>, offset: usize) -> Node {
    node(
        Value::Object(
            members
                .into_iter()
                .map(|(key, key_offset, value)| Member {
                    key,
                    key_offset,
                    value,
                })
                .collect(),
        ),
        offset,
    )
}

/// Sets every pointer of a tree from its root's.
pub fn repoint(node: &mut Node, pointer: &str) {
    node.pointer = pointer.to_string();
    match &mut node.value {
        Value::Array(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                repoint(item, &format!("{pointer}/{i}"));
            }
        }
        Value::Object(members) => {
            for m in members {
                let p = format!("{pointer}/{}", json::escape_token(&m.key));
                repoint(&mut m.value, &p);
            }
        }
        _ => {}
    }
}

/// Repeated keys of every object of a tree (pointers must be set).
pub fn duplicates(node: &Node, out: &mut Vec<json::Duplicate>) {
    match &node.value {
        Value::Array(items) => items.iter().for_each(|i| duplicates(i, out)),
        Value::Object(members) => {
            for (i, m) in members.iter().enumerate() {
                if let Some(first) = members[..i].iter().find(|f| f.key == m.key) {
                    out.push(json::Duplicate {
                        object: node.pointer.clone(),
                        key: m.key.clone(),
                        first_offset: first.key_offset,
                        offset: m.key_offset,
                    });
                }
                duplicates(&m.value, out);
            }
        }
        _ => {}
    }
}

/// Reads a document from a tree whose offsets point into `map`: sets pointers, finds repeated
/// keys, and notes the assumptions the reader made.
pub fn document(mut root: Node, map: &SourceMap, assumptions: &[(usize, String)]) -> TrustDocument {
    let mut assumptions = assumptions.to_vec();
    unresolved_providers(&mut root, &mut assumptions);
    repoint(&mut root, "");
    let mut dups = Vec::new();
    duplicates(&root, &mut dups);
    let mut doc = document::from_node(&root, &dups, map);
    doc.assumptions = assumptions
        .iter()
        .map(|(offset, message)| (map.loc("", *offset), message.clone()))
        .collect();
    doc
}

/// A `Federated` principal the reader could not resolve (`var.github_provider_arn`, a
/// module input) in a statement whose condition keys name a GitHub issuer: read as that
/// issuer's provider, and say so, so the statement is audited rather than passed over as
/// another provider's.
fn unresolved_providers(root: &mut Node, assumptions: &mut Vec<(usize, String)>) {
    let Some(Value::Array(statements)) = root_statements(root) else {
        return;
    };
    for st in statements {
        let Value::Object(members) = &mut st.value else {
            continue;
        };
        let prefix = members
            .iter()
            .find(|m| m.key == "Condition")
            .and_then(|c| c.value.members())
            .into_iter()
            .flatten()
            .filter_map(|op| op.value.members())
            .flatten()
            .filter_map(|k| k.key.rsplit_once(':').map(|(p, _)| p.to_string()))
            .find(|p| super::github::github_issuer(p).is_some());
        let Some(prefix) = prefix else {
            continue;
        };
        let Some(principal) = members.iter_mut().find(|m| m.key == "Principal") else {
            continue;
        };
        let Value::Object(kinds) = &mut principal.value.value else {
            continue;
        };
        for kind in kinds.iter_mut().filter(|k| k.key == "Federated") {
            let values: Vec<&mut Node> = match &mut kind.value.value {
                Value::Array(items) => items.iter_mut().collect(),
                _ => vec![&mut kind.value],
            };
            for v in values {
                if let Value::String(s) = &mut v.value
                    && s.starts_with("${")
                {
                    assumptions.push((
                        v.offset,
                        format!("the provider `{s}` is not resolved: read as the GitHub provider `{prefix}` its condition keys name"),
                    ));
                    *s = format!("arn:aws:iam::123456789012:oidc-provider/{prefix}");
                }
            }
        }
    }
}

fn root_statements(root: &mut Node) -> Option<&mut Value> {
    let Value::Object(members) = &mut root.value else {
        return None;
    };
    members
        .iter_mut()
        .rev()
        .find(|m| m.key == "Statement")
        .map(|m| &mut m.value.value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_and_sniffing() {
        assert_eq!(Kind::of("a/main.tf", ""), Kind::Terraform);
        assert_eq!(Kind::of("s.yml", ""), Kind::Yaml);
        assert_eq!(Kind::of("s.template", "Resources:"), Kind::Yaml);
        assert_eq!(Kind::of("s.template", " {"), Kind::Json);
        assert_eq!(Kind::of("x.json", ""), Kind::Json);
        assert_eq!(
            Kind::of("lib/app-stack.ts", ""),
            Kind::Source(source::Language::TypeScript)
        );
        assert_eq!(
            Kind::of("stacks/ci.py", ""),
            Kind::Source(source::Language::Python)
        );
        assert_eq!(Kind::of("svc/serverless.yml", ""), Kind::Serverless);
        assert_eq!(Kind::of("svc/other.yml", ""), Kind::Yaml);
        assert!(may_hold_trust_policy(
            "resource \"aws_iam_role\" \"x\" { assume_role_policy = 1 }"
        ));
        assert!(!may_hold_trust_policy("{\"name\": \"pkg\"}"));
        assert_eq!(bracket_depth("{[()]}{}"), 3);
    }
}

#[cfg(test)]
mod properties {
    //! Mutated examples of every form are read or refused, and audited, without a panic (the
    //! fuzz target in fuzz/ explores further).
    use proptest::prelude::*;

    const SEEDS: &[(&str, &str)] = &[
        (
            "a.json",
            include_str!("../../../examples/audit/json/ci.json"),
        ),
        (
            "stack.yaml",
            include_str!("../../../examples/audit/cloudformation/stack.yaml"),
        ),
        (
            "stack.json",
            include_str!("../../../examples/audit/cloudformation/stack.json"),
        ),
        (
            "cdk.out/App.template.json",
            include_str!("../../../examples/audit/cdk.out/App.template.json"),
        ),
        (
            "plan.json",
            include_str!("../../../examples/audit/terraform-plan/plan.json"),
        ),
        (
            "main.tf",
            include_str!("../../../examples/audit/terraform/policy-document/main.tf"),
        ),
        (
            "main.tf",
            include_str!("../../../examples/audit/terraform/heredoc/main.tf"),
        ),
        (
            "main.tf",
            include_str!("../../../examples/audit/terraform/jsonencode/main.tf"),
        ),
        (
            "main.tf",
            include_str!("../../../examples/audit/terraform/templatefile/main.tf"),
        ),
        (
            "lib/github-roles-stack.ts",
            include_str!("../../../examples/audit/cdk-typescript/lib/github-roles-stack.ts"),
        ),
        (
            "__main__.py",
            include_str!("../../../examples/audit/pulumi-python/__main__.py"),
        ),
        (
            "serverless.yml",
            include_str!("../../../examples/audit/serverless/serverless.yml"),
        ),
    ];

    /// Cuts `cut` characters at `at` (both scaled to the text) and inserts `insert` there.
    fn mutate(text: &str, at: usize, cut: usize, insert: &str) -> String {
        let chars: Vec<char> = text.chars().collect();
        let at = at % (chars.len() + 1);
        let end = (at + cut % 40).min(chars.len());
        let mut out: String = chars[..at].iter().collect();
        out.push_str(insert);
        out.extend(&chars[end..]);
        out
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]
        #[test]
        fn mutated_inputs_never_panic(
            seed in 0..SEEDS.len(),
            at in any::<usize>(),
            cut in any::<usize>(),
            insert in prop::sample::select(vec![
                "", "\"", "{", "}", "[", "]", "${", "${var.x}", "${local.a}", "%{if x}", "<<EOT\n",
                "!Sub ", "!Ref ", "*", "é", "\u{0}", ":", "\n", "StringEquals = {}", "&a ", "*a",
                "jsonencode(", "templatefile(\"x\", {})", "\"Fn::Sub\": [\"${", "dynamic \"condition\" {",
            ]),
        ) {
            let (path, text) = SEEDS[seed];
            let text = mutate(text, at, cut, insert);
            let read = if path.ends_with(".tf") {
                super::hcl::read_module(&[(path.to_string(), text.clone())], &super::NoFiles)
            } else {
                super::read_text(path, &text)
            };
            if let Ok(read) = read {
                let (findings, _) = crate::trust::audit_found(path, &text, &read);
                let _ = crate::trust::render::github(&findings);
            }
        }
    }
}
