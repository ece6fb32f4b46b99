//! The small expression language both source readers lower their syntax trees into: literals,
//! templates (template literals, f-strings), arrays and objects with spreads, names, member
//! access, calls (positional and keyword arguments) and lambdas. Pure: no I/O.
//!
//! TypeScript and Python write the same constructs (`new iam.Role(this, "Id", {assumedBy})`,
//! `iam.Role(self, "Id", assumed_by=…)`): lowered to one language, one evaluator
//! ([`super::values`]) and one set of construct readers serve both.

use std::collections::HashMap;

/// One expression with the byte range it was written at (in its file).
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    pub kind: Kind,
    pub start: usize,
    pub end: usize,
}

/// What an expression is.
#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    /// A string literal, escapes decoded.
    Str(String),
    /// A number as written.
    Num(String),
    Bool(bool),
    /// `null`, `undefined`, `None`.
    Null,
    /// A template literal or an f-string (and Python's implicit concatenation).
    Template(Vec<Piece>),
    Array(Vec<Item>),
    Object(Vec<Prop>),
    /// An identifier; `this` and Python's `self` are both `this`.
    Name(String),
    /// `object.name`.
    Member(Box<Expr>, String),
    /// `object[index]`.
    Index(Box<Expr>, Box<Expr>),
    /// A call or a `new` expression (the same to the readers).
    Call(Box<Expr>, Vec<Arg>),
    /// `a + b`.
    Add(Box<Expr>, Box<Expr>),
    /// `x => body`, `lambda x: body` (the body of a block: its first `return`).
    Lambda(Vec<String>, Box<Expr>),
    /// Anything else (a conditional, a function call's result the readers do not model…).
    Other,
}

/// A part of a template.
#[derive(Debug, Clone, PartialEq)]
pub enum Piece {
    Text(String),
    Expr(Expr),
}

/// An array element.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    One(Expr),
    /// `...xs`, `*xs`.
    Spread(Expr),
}

/// An object member.
#[derive(Debug, Clone, PartialEq)]
pub enum Prop {
    /// `key: value` (a written key: an identifier, a string or a number).
    Pair {
        key: String,
        key_at: usize,
        value: Expr,
    },
    /// `[key]: value`, `{key_expr: value}` with a key that is not a literal.
    Computed(Expr, Expr),
    /// `...other`, `**other`.
    Spread(Expr),
}

/// A call argument: positional, keyword (`name=value`), or spread (`...xs`, `*xs`, `**kw`).
#[derive(Debug, Clone, PartialEq)]
pub struct Arg {
    pub name: Option<String>,
    pub value: Expr,
    pub spread: bool,
}

/// A call the construct readers may want, with the name it was assigned to.
#[derive(Debug, Clone, PartialEq)]
pub struct Site {
    /// A [`Kind::Call`].
    pub call: Expr,
    /// `role` in `const role = new iam.Role(…)`, `this.role` in `self.role = iam.Role(…)`.
    pub bound: Option<String>,
}

/// What a reader needs from one file.
#[derive(Debug, Default)]
pub struct Program {
    /// Every name assigned in the file (any scope), with each value assigned to it; a name
    /// assigned more than once is not resolved. `this.x` for `this.x = …`/`self.x = …`.
    pub bindings: HashMap<String, Vec<Expr>>,
    /// The calls whose callee's last name the readers look at ([`interesting`]), in source
    /// order.
    pub sites: Vec<Site>,
}

impl Expr {
    pub fn new(kind: Kind, start: usize, end: usize) -> Expr {
        Expr { kind, start, end }
    }

    /// The last name of a callee (`Role` in `iam.Role`, `addToPolicy` in `role.addToPolicy`),
    /// camelCase whatever the language wrote.
    pub fn last_name(&self) -> Option<String> {
        match &self.kind {
            Kind::Name(n) | Kind::Member(_, n) => Some(camel(n)),
            _ => None,
        }
    }

    /// The dotted path of a name or member chain (`this.role`, `aws.iam.Role`).
    pub fn path(&self) -> Option<String> {
        match &self.kind {
            Kind::Name(n) => Some(n.clone()),
            Kind::Member(object, n) => Some(format!("{}.{n}", object.path()?)),
            _ => None,
        }
    }

    /// The callee and arguments if this is a call.
    pub fn as_call(&self) -> Option<(&Expr, &[Arg])> {
        match &self.kind {
            Kind::Call(callee, args) => Some((callee, args)),
            _ => None,
        }
    }
}

/// The `i`th positional argument.
pub fn positional(args: &[Arg], i: usize) -> Option<&Expr> {
    args.iter()
        .filter(|a| a.name.is_none() && !a.spread)
        .nth(i)
        .map(|a| &a.value)
}

/// A property of a construct's props, written either way: the `name` member of its last
/// positional object argument (TypeScript) or the keyword argument `name`/`snake_name`
/// (Python). `name` is camelCase.
pub fn prop<'a>(args: &'a [Arg], name: &str) -> Option<&'a Expr> {
    if let Some(kw) = args
        .iter()
        .find(|a| a.name.as_deref().is_some_and(|n| camel(n) == name))
    {
        return Some(&kw.value);
    }
    let object = args.iter().rev().find_map(|a| match &a.value.kind {
        Kind::Object(props) if a.name.is_none() && !a.spread => Some(props),
        _ => None,
    })?;
    object.iter().rev().find_map(|p| match p {
        Prop::Pair { key, value, .. } if camel(key) == name => Some(value),
        _ => None,
    })
}

/// `snake_case` → `snakeCase`; `UPPER_SNAKE` is left to [`pascal`]; camelCase stays.
pub fn camel(name: &str) -> String {
    if !name.contains('_') || name.chars().all(|c| !c.is_ascii_lowercase()) {
        return name.to_string();
    }
    let mut out = String::new();
    let mut up = false;
    for (i, c) in name.chars().enumerate() {
        if c == '_' && i > 0 {
            up = true;
        } else if up {
            out.extend(c.to_uppercase());
            up = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// `ADMINISTRATOR_ACCESS` → `AdministratorAccess` (Pulumi's Python enum members); any other
/// name as it is.
pub fn pascal(name: &str) -> String {
    if !name.contains('_') || name.chars().any(|c| c.is_ascii_lowercase()) {
        return name.to_string();
    }
    name.split('_')
        .filter(|w| !w.is_empty())
        .map(|w| {
            let lower = w.to_ascii_lowercase();
            let mut cs = lower.chars();
            cs.next()
                .map(|f| f.to_ascii_uppercase().to_string() + cs.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// Callee names whose calls are kept as [`Site`]s: the roles, the policies that name a role,
/// and the methods that give a role permissions (`add…`, `attach…`, `grant…`).
pub fn interesting(last: &str) -> bool {
    const NAMES: &[&str] = &[
        "Role",
        "CfnRole",
        "GithubActionsRole",
        "GitHubActionRole",
        "RolePolicyAttachment",
        "RolePolicy",
        "PolicyAttachment",
        "Policy",
        "ManagedPolicy",
    ];
    NAMES.contains(&last)
        || ["add", "attach", "grant"]
            .iter()
            .any(|p| last.starts_with(p))
}

/// One escape sequence (`\n`, `\u0041`, `\x41`, `\"`) as the character it stands for; an
/// unknown one as written without its backslash, as both languages read it.
pub fn unescape(seq: &str) -> String {
    let body = seq.strip_prefix('\\').unwrap_or(seq);
    let hex = |h: &str| {
        u32::from_str_radix(h.trim_matches(|c| c == '{' || c == '}'), 16)
            .ok()
            .and_then(char::from_u32)
    };
    let decoded = match body.chars().next() {
        Some('n') => Some('\n'),
        Some('t') => Some('\t'),
        Some('r') => Some('\r'),
        Some('0') if body.len() == 1 => Some('\0'),
        Some('u') | Some('x') => hex(&body[1..]),
        Some('U') => hex(&body[1..]),
        _ => None,
    };
    match decoded {
        Some(c) => c.to_string(),
        None if body == "\n" || body == "\r\n" => String::new(),
        None => body.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_either_way() {
        for (name, want) in [
            ("assumed_by", "assumedBy"),
            ("assumedBy", "assumedBy"),
            ("from_aws_managed_policy_name", "fromAwsManagedPolicyName"),
            ("ADMINISTRATOR_ACCESS", "ADMINISTRATOR_ACCESS"),
            ("_private", "_private"),
        ] {
            assert_eq!(camel(name), want, "{name}");
        }
        for (name, want) in [
            ("ADMINISTRATOR_ACCESS", "AdministratorAccess"),
            ("AMAZON_S3_READ_ONLY_ACCESS", "AmazonS3ReadOnlyAccess"),
            ("AdministratorAccess", "AdministratorAccess"),
            ("ALLOW", "ALLOW"),
        ] {
            assert_eq!(pascal(name), want, "{name}");
        }
        assert!(interesting("addToPolicy") && interesting("grantReadWrite"));
        assert!(!interesting("Bucket"));
        for (seq, want) in [
            ("\\n", "\n"),
            ("\\\"", "\""),
            ("\\u0041", "A"),
            ("\\u{41}", "A"),
            ("\\x41", "A"),
            ("\\$", "$"),
            ("\\\\", "\\"),
        ] {
            assert_eq!(unescape(seq), want, "{seq}");
        }
    }
}
