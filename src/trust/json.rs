//! A small JSON reader that keeps what `serde_json` throws away: the byte offset and JSON
//! pointer of every value, and every duplicate object key. Pure: no I/O.
//!
//! IAM trust policies are audited from their source text, and the source is where the bugs are:
//! `"StringEquals"` written twice in one `Condition` is accepted by most parsers, which keep the
//! last one and silently drop the conditions of the first (Datadog's GOV.UK case). This reader
//! keeps both members, in order, and lists the duplicate. It accepts RFC 8259 JSON only.

/// Deepest nesting accepted (serde_json's default limit).
const MAX_DEPTH: usize = 128;

/// One JSON value with where it was written.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// The value.
    pub value: Value,
    /// RFC 6901 pointer from the root of the parsed text (with the caller's base prefix).
    pub pointer: String,
    /// Byte offset of the value's first character in the parsed text.
    pub offset: usize,
}

/// A JSON value; objects keep every member, duplicates included, in source order.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    /// The number as written.
    Number(String),
    String(String),
    Array(Vec<Node>),
    Object(Vec<Member>),
}

/// One `"key": value` member of an object.
#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    pub key: String,
    /// Byte offset of the key's opening quote.
    pub key_offset: usize,
    pub value: Node,
}

/// A key written more than once in one object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Duplicate {
    /// Pointer of the object holding both.
    pub object: String,
    pub key: String,
    /// Byte offset of the first occurrence's key.
    pub first_offset: usize,
    /// Byte offset of the repeated key.
    pub offset: usize,
}

/// A parsed text.
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed {
    pub root: Node,
    /// Every repeated key, in source order.
    pub duplicates: Vec<Duplicate>,
}

/// Why a text is not JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    /// Byte offset of the problem.
    pub offset: usize,
    pub message: String,
}

impl Node {
    /// The value of `key` if this is an object: the *last* member of that name, as serde_json
    /// and most other parsers would keep it (duplicates are reported separately).
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Object(members) => members
                .iter()
                .rev()
                .find(|m| m.key == key)
                .map(|m| &m.value),
            _ => None,
        }
    }

    /// The members if this is an object.
    pub fn members(&self) -> Option<&[Member]> {
        match &self.value {
            Value::Object(members) => Some(members),
            _ => None,
        }
    }

    /// The string if this is a string.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// A scalar as IAM reads it in a condition (strings, numbers and booleans as text).
    pub fn as_scalar_text(&self) -> Option<String> {
        match &self.value {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.clone()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    /// This node as a list: an array's items, or the node itself (IAM's "one or many").
    pub fn one_or_many(&self) -> Vec<&Node> {
        match &self.value {
            Value::Array(items) => items.iter().collect(),
            _ => vec![self],
        }
    }

    /// JSON type name for messages.
    pub fn type_name(&self) -> &'static str {
        match &self.value {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Number(_) => "a number",
            Value::String(_) => "a string",
            Value::Array(_) => "an array",
            Value::Object(_) => "an object",
        }
    }
}

/// A node as compact JSON text (numbers as written).
pub fn to_text(node: &Node) -> String {
    fn quote(s: &str) -> String {
        serde_json::Value::String(s.to_string()).to_string()
    }
    match &node.value {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.clone(),
        Value::String(s) => quote(s),
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(to_text).collect::<Vec<_>>().join(",")
        ),
        Value::Object(members) => format!(
            "{{{}}}",
            members
                .iter()
                .map(|m| format!("{}:{}", quote(&m.key), to_text(&m.value)))
                .collect::<Vec<_>>()
                .join(",")
        ),
    }
}

/// Escapes one reference token of a JSON pointer (RFC 6901: `~` → `~0`, `/` → `~1`).
pub fn escape_token(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// Line starts of a text, to turn byte offsets into 1-based line and column (in characters).
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { starts }
    }

    /// 1-based line and column of `offset` in `text` (the text this index was built from).
    pub fn line_col(&self, text: &str, offset: usize) -> (usize, usize) {
        let offset = offset.min(text.len());
        let line = self.starts.partition_point(|&s| s <= offset);
        let start = self.starts[line - 1];
        let column = text
            .get(start..offset)
            .map_or(offset - start, |s| s.chars().count())
            + 1;
        (line, column)
    }

    /// The text of 1-based line `line`, without its line break.
    pub fn line<'a>(&self, text: &'a str, line: usize) -> &'a str {
        let Some(&start) = self.starts.get(line.wrapping_sub(1)) else {
            return "";
        };
        let end = self.starts.get(line).map_or(text.len(), |&e| e);
        text[start..end].trim_end_matches(['\n', '\r'])
    }
}

/// Parses `text` (one JSON value, surrounding whitespace allowed). Pointers start with `base`
/// (empty for the root of a file).
pub fn parse(text: &str, base: &str) -> Result<Parsed, SyntaxError> {
    let mut parser = Parser {
        text,
        bytes: text.as_bytes(),
        pos: 0,
        duplicates: Vec::new(),
    };
    // A UTF-8 byte-order mark is not JSON, but editors on Windows write one.
    if text.starts_with('\u{feff}') {
        parser.pos = 3;
    }
    parser.skip_ws();
    let root = parser.value(base.to_string(), 0)?;
    parser.skip_ws();
    if parser.pos < parser.bytes.len() {
        return Err(parser.error("unexpected text after the JSON value"));
    }
    Ok(Parsed {
        root,
        duplicates: parser.duplicates,
    })
}

struct Parser<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    duplicates: Vec<Duplicate>,
}

impl Parser<'_> {
    fn error(&self, message: impl Into<String>) -> SyntaxError {
        SyntaxError {
            offset: self.pos,
            message: message.into(),
        }
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.bytes.get(self.pos) {
            self.pos += 1;
        }
    }

    fn describe_here(&self) -> String {
        match self.text[self.pos..].chars().next() {
            None => "the end of the text".into(),
            Some(c) => format!("`{}`", c.escape_debug()),
        }
    }

    fn value(&mut self, pointer: String, depth: usize) -> Result<Node, SyntaxError> {
        if depth > MAX_DEPTH {
            return Err(self.error(format!("nesting deeper than {MAX_DEPTH} levels")));
        }
        let offset = self.pos;
        let value = match self.bytes.get(self.pos) {
            Some(b'{') => self.object(&pointer, depth)?,
            Some(b'[') => self.array(&pointer, depth)?,
            Some(b'"') => Value::String(self.string()?),
            Some(b't') => self.literal("true", Value::Bool(true))?,
            Some(b'f') => self.literal("false", Value::Bool(false))?,
            Some(b'n') => self.literal("null", Value::Null)?,
            Some(b'-' | b'0'..=b'9') => self.number()?,
            _ => {
                return Err(self.error(format!(
                    "expected a JSON value, found {}",
                    self.describe_here()
                )));
            }
        };
        Ok(Node {
            value,
            pointer,
            offset,
        })
    }

    fn literal(&mut self, word: &str, value: Value) -> Result<Value, SyntaxError> {
        if self.text[self.pos..].starts_with(word) {
            self.pos += word.len();
            Ok(value)
        } else {
            Err(self.error(format!(
                "expected a JSON value, found {}",
                self.describe_here()
            )))
        }
    }

    fn number(&mut self) -> Result<Value, SyntaxError> {
        let start = self.pos;
        let digits = |p: &mut Self| {
            let s = p.pos;
            while p.bytes.get(p.pos).is_some_and(u8::is_ascii_digit) {
                p.pos += 1;
            }
            p.pos > s
        };
        if self.bytes.get(self.pos) == Some(&b'-') {
            self.pos += 1;
        }
        if self.bytes.get(self.pos) == Some(&b'0') {
            self.pos += 1;
        } else if !digits(self) {
            return Err(self.error("invalid number"));
        }
        if self.bytes.get(self.pos) == Some(&b'.') {
            self.pos += 1;
            if !digits(self) {
                return Err(self.error("invalid number: digits must follow `.`"));
            }
        }
        if let Some(b'e' | b'E') = self.bytes.get(self.pos) {
            self.pos += 1;
            if let Some(b'+' | b'-') = self.bytes.get(self.pos) {
                self.pos += 1;
            }
            if !digits(self) {
                return Err(self.error("invalid number: digits must follow the exponent"));
            }
        }
        Ok(Value::Number(self.text[start..self.pos].to_string()))
    }

    fn string(&mut self) -> Result<String, SyntaxError> {
        self.pos += 1; // opening quote
        let mut out = String::new();
        loop {
            let Some(&b) = self.bytes.get(self.pos) else {
                return Err(self.error("unterminated string"));
            };
            match b {
                b'"' => {
                    self.pos += 1;
                    return Ok(out);
                }
                b'\\' => {
                    self.pos += 1;
                    let Some(&e) = self.bytes.get(self.pos) else {
                        return Err(self.error("unterminated string"));
                    };
                    self.pos += 1;
                    match e {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => {
                            let first = self.hex4()?;
                            let c = if (0xD800..0xDC00).contains(&first) {
                                if !self.text[self.pos..].starts_with("\\u") {
                                    return Err(self.error("unpaired surrogate in \\u escape"));
                                }
                                self.pos += 2;
                                let second = self.hex4()?;
                                if !(0xDC00..0xE000).contains(&second) {
                                    return Err(self.error("unpaired surrogate in \\u escape"));
                                }
                                char::from_u32(
                                    0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00),
                                )
                            } else {
                                char::from_u32(first)
                            };
                            out.push(c.ok_or_else(|| self.error("invalid \\u escape"))?);
                        }
                        _ => {
                            self.pos -= 1;
                            return Err(self.error(format!("invalid escape `\\{}`", e as char)));
                        }
                    }
                }
                0x00..=0x1f => {
                    return Err(self.error("control character in a string (escape it, e.g. `\\n`)"));
                }
                _ => {
                    // Copy the run of plain characters at once (keeps UTF-8 intact).
                    let start = self.pos;
                    while self
                        .bytes
                        .get(self.pos)
                        .is_some_and(|&c| c != b'"' && c != b'\\' && c >= 0x20)
                    {
                        self.pos += 1;
                    }
                    out.push_str(&self.text[start..self.pos]);
                }
            }
        }
    }

    fn hex4(&mut self) -> Result<u32, SyntaxError> {
        let hex = self
            .text
            .get(self.pos..self.pos + 4)
            .filter(|h| h.bytes().all(|b| b.is_ascii_hexdigit()))
            .ok_or_else(|| self.error("invalid \\u escape: expected 4 hex digits"))?;
        self.pos += 4;
        u32::from_str_radix(hex, 16).map_err(|_| self.error("invalid \\u escape"))
    }

    fn array(&mut self, pointer: &str, depth: usize) -> Result<Value, SyntaxError> {
        self.pos += 1;
        let mut items = Vec::new();
        self.skip_ws();
        if self.bytes.get(self.pos) == Some(&b']') {
            self.pos += 1;
            return Ok(Value::Array(items));
        }
        loop {
            self.skip_ws();
            let item = self.value(format!("{pointer}/{}", items.len()), depth + 1)?;
            items.push(item);
            self.skip_ws();
            match self.bytes.get(self.pos) {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(Value::Array(items));
                }
                _ => {
                    return Err(self.error(format!(
                        "expected `,` or `]` in an array, found {}",
                        self.describe_here()
                    )));
                }
            }
        }
    }

    fn object(&mut self, pointer: &str, depth: usize) -> Result<Value, SyntaxError> {
        self.pos += 1;
        let mut members: Vec<Member> = Vec::new();
        self.skip_ws();
        if self.bytes.get(self.pos) == Some(&b'}') {
            self.pos += 1;
            return Ok(Value::Object(members));
        }
        loop {
            self.skip_ws();
            if self.bytes.get(self.pos) != Some(&b'"') {
                return Err(self.error(format!(
                    "expected a quoted key, found {}",
                    self.describe_here()
                )));
            }
            let key_offset = self.pos;
            let key = self.string()?;
            self.skip_ws();
            if self.bytes.get(self.pos) != Some(&b':') {
                return Err(self.error(format!(
                    "expected `:` after key `{key}`, found {}",
                    self.describe_here()
                )));
            }
            self.pos += 1;
            self.skip_ws();
            let value = self.value(format!("{pointer}/{}", escape_token(&key)), depth + 1)?;
            if let Some(first) = members.iter().find(|m| m.key == key) {
                self.duplicates.push(Duplicate {
                    object: pointer.to_string(),
                    key: key.clone(),
                    first_offset: first.key_offset,
                    offset: key_offset,
                });
            }
            members.push(Member {
                key,
                key_offset,
                value,
            });
            self.skip_ws();
            match self.bytes.get(self.pos) {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(Value::Object(members));
                }
                _ => {
                    return Err(self.error(format!(
                        "expected `,` or `}}` in an object, found {}",
                        self.describe_here()
                    )));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointers_offsets_and_duplicates() {
        let text = "{\n  \"a/b\": [1, {\"x\": true}],\n  \"c\": \"d\",\n  \"c\": \"e\"\n}";
        let parsed = parse(text, "").unwrap();
        let index = LineIndex::new(text);
        let x = &parsed.root.get("a/b").unwrap().one_or_many()[1];
        assert_eq!(x.get("x").unwrap().pointer, "/a~1b/1/x");
        assert_eq!(index.line_col(text, x.offset), (2, 14));
        assert_eq!(index.line_col(text, x.get("x").unwrap().offset), (2, 20));
        // `get` keeps the last, like serde_json.
        assert_eq!(parsed.root.get("c").unwrap().as_str(), Some("e"));
        assert_eq!(parsed.duplicates.len(), 1);
        let dup = &parsed.duplicates[0];
        assert_eq!((dup.object.as_str(), dup.key.as_str()), ("", "c"));
        assert_eq!(index.line_col(text, dup.offset), (4, 3));
        assert_eq!(index.line_col(text, dup.first_offset), (3, 3));
        assert_eq!(index.line(text, 3), "  \"c\": \"d\",");
    }

    #[test]
    fn strings_and_numbers() {
        let parsed = parse(r#"["\u00e9\ud83d\ude00\n\"", -1.5e3, 0, "é"]"#, "/base").unwrap();
        let items = parsed.root.one_or_many();
        assert_eq!(items[0].as_str(), Some("é😀\n\""));
        assert_eq!(items[1].as_scalar_text().as_deref(), Some("-1.5e3"));
        assert_eq!(items[3].pointer, "/base/3");
    }

    #[test]
    fn syntax_errors_say_where() {
        let cases: &[(&str, usize, &str)] = &[
            ("{\"a\": 1,}", 8, "quoted key"),
            ("{\"a\" 1}", 5, "expected `:`"),
            ("[1 2]", 3, "`,` or `]`"),
            ("\"abc", 4, "unterminated"),
            ("{\"a\": tru}", 6, "expected a JSON value"),
            ("01", 1, "after the JSON value"),
            ("\"a\tb\"", 2, "control character"),
            ("", 0, "end of the text"),
            ("\"\\ud800\"", 7, "surrogate"),
        ];
        for (text, offset, needle) in cases {
            let e = parse(text, "").unwrap_err();
            assert_eq!(e.offset, *offset, "{text}: {e:?}");
            assert!(e.message.contains(needle), "{text}: {}", e.message);
        }
        let deep = "[".repeat(200) + &"]".repeat(200);
        assert!(parse(&deep, "").unwrap_err().message.contains("nesting"));
    }

    #[test]
    fn agrees_with_serde_json_on_valid_documents() {
        let text = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Condition":{"StringLike":{"k":["a","b"]}},"n":1.25e-2}]}"#;
        let ours = parse(text, "").unwrap();
        let theirs: serde_json::Value = serde_json::from_str(text).unwrap();
        fn convert(node: &Node) -> serde_json::Value {
            match &node.value {
                Value::Null => serde_json::Value::Null,
                Value::Bool(b) => (*b).into(),
                Value::Number(n) => serde_json::from_str(n).unwrap(),
                Value::String(s) => s.clone().into(),
                Value::Array(items) => items.iter().map(convert).collect(),
                Value::Object(m) => m
                    .iter()
                    .map(|m| (m.key.clone(), convert(&m.value)))
                    .collect::<serde_json::Map<_, _>>()
                    .into(),
            }
        }
        assert_eq!(convert(&ours.root), theirs);
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    fn json_value() -> impl Strategy<Value = serde_json::Value> {
        let leaf = prop_oneof![
            Just(serde_json::Value::Null),
            any::<bool>().prop_map(serde_json::Value::from),
            any::<i64>().prop_map(serde_json::Value::from),
            "[^\\\\]{0,8}|\\\\u00e9|\\\\\"".prop_map(serde_json::Value::from),
            ".{0,12}".prop_map(serde_json::Value::from),
        ];
        leaf.prop_recursive(4, 32, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..5).prop_map(serde_json::Value::from),
                prop::collection::btree_map("[a-zA-Z:/~_]{0,6}", inner, 0..5)
                    .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        /// Whatever serde_json writes, this reader reads back the same keys and strings, and
        /// every node's pointer resolves to it with serde_json's `pointer`.
        #[test]
        fn agrees_with_serde_json(value in json_value(), pretty in any::<bool>()) {
            let text = if pretty { serde_json::to_string_pretty(&value).unwrap() } else { value.to_string() };
            let parsed = super::parse(&text, "").unwrap();
            prop_assert!(parsed.duplicates.is_empty());
            fn check(node: &super::Node, root: &serde_json::Value) -> Result<(), TestCaseError> {
                let at = root.pointer(&node.pointer);
                prop_assert!(at.is_some(), "pointer {} does not resolve", node.pointer);
                let at = at.unwrap();
                match &node.value {
                    super::Value::String(s) => prop_assert_eq!(Some(s.as_str()), at.as_str()),
                    super::Value::Array(items) => {
                        for item in items { check(item, root)?; }
                    }
                    super::Value::Object(members) => {
                        prop_assert_eq!(members.len(), at.as_object().map_or(0, |o| o.len()));
                        for m in members { check(&m.value, root)?; }
                    }
                    _ => {}
                }
                Ok(())
            }
            check(&parsed.root, &value)?;
        }

        /// Arbitrary text never panics the reader, and it accepts exactly what serde_json does
        /// (up to nesting depth).
        #[test]
        fn total_on_any_text(text in "[\\[\\]{}\",:0-9a-z \\\\.eE+-]{0,40}") {
            let ours = super::parse(&text, "").is_ok();
            let theirs = serde_json::from_str::<serde_json::Value>(&text).is_ok();
            prop_assert_eq!(ours, theirs, "{:?}", text);
        }
    }
}
