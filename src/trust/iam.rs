//! IAM's condition operators and string matching, as the policy evaluator applies them to
//! single-valued keys. Pure: no I/O.
//!
//! `StringLike` knows two wildcards, `*` (any run, `/` and `:` included) and `?` (one
//! character); everything else is literal. `${*}`, `${?}` and `${$}` are the escapes for a
//! literal `*`, `?` and `$` (in every string operator, since values may hold policy variables).

/// The comparison of an operator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Base {
    StringEquals,
    StringNotEquals,
    StringEqualsIgnoreCase,
    StringNotEqualsIgnoreCase,
    StringLike,
    StringNotLike,
    /// `Null`: `"true"` means the key must be absent, `"false"` present.
    Null,
    /// Anything else (`Bool`, `ArnLike`, `NumericEquals`, a typo…), as written.
    Other(String),
}

/// `ForAllValues:` / `ForAnyValue:`, meant for multi-valued keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetQualifier {
    ForAllValues,
    ForAnyValue,
}

/// A parsed condition operator such as `ForAllValues:StringLikeIfExists`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operator {
    pub qualifier: Option<SetQualifier>,
    pub base: Base,
    pub if_exists: bool,
}

impl Operator {
    /// Parses an operator name. IAM's operator names are matched as written here; an
    /// unrecognised one becomes [`Base::Other`].
    pub fn parse(name: &str) -> Operator {
        let (qualifier, rest) = if let Some(rest) = name.strip_prefix("ForAllValues:") {
            (Some(SetQualifier::ForAllValues), rest)
        } else if let Some(rest) = name.strip_prefix("ForAnyValue:") {
            (Some(SetQualifier::ForAnyValue), rest)
        } else {
            (None, name)
        };
        let (rest, if_exists) = match rest.strip_suffix("IfExists") {
            Some(r) if r != "Null" => (r, true),
            _ => (rest, false),
        };
        let base = match rest {
            "StringEquals" => Base::StringEquals,
            "StringNotEquals" => Base::StringNotEquals,
            "StringEqualsIgnoreCase" => Base::StringEqualsIgnoreCase,
            "StringNotEqualsIgnoreCase" => Base::StringNotEqualsIgnoreCase,
            "StringLike" => Base::StringLike,
            "StringNotLike" => Base::StringNotLike,
            "Null" => Base::Null,
            other => Base::Other(other.to_string()),
        };
        Operator {
            qualifier,
            base,
            if_exists,
        }
    }

    /// Negated operators (`StringNot…`) are true when the key is missing.
    pub fn is_negated(&self) -> bool {
        matches!(
            self.base,
            Base::StringNotEquals | Base::StringNotEqualsIgnoreCase | Base::StringNotLike
        )
    }

    /// Whether the operator is true for a token *without* the key (negation, `IfExists`,
    /// `ForAllValues:`), which makes it useless as an allow condition on a single-valued key.
    pub fn true_when_missing(&self) -> bool {
        self.is_negated() || self.if_exists || self.qualifier == Some(SetQualifier::ForAllValues)
    }

    /// A positive string comparison that requires the key to be present and to match.
    pub fn is_positive_string(&self) -> bool {
        !self.true_when_missing()
            && matches!(
                self.base,
                Base::StringEquals | Base::StringEqualsIgnoreCase | Base::StringLike
            )
    }

    /// Whether values are patterns (`StringLike`, `StringNotLike`).
    pub fn is_like(&self) -> bool {
        matches!(self.base, Base::StringLike | Base::StringNotLike)
    }

    /// Whether the base comparison of `actual` against one policy `value` holds (before
    /// negation is applied: `StringNotEquals` compares like `StringEquals`).
    fn compare(&self, actual: &str, value: &str) -> bool {
        match self.base {
            Base::StringEquals | Base::StringNotEquals => unescape(value) == actual,
            Base::StringEqualsIgnoreCase | Base::StringNotEqualsIgnoreCase => {
                unescape(value).to_lowercase() == actual.to_lowercase()
            }
            Base::StringLike | Base::StringNotLike => like(value, actual),
            Base::Null | Base::Other(_) => false,
        }
    }

    /// Evaluates the operator for one single-valued key (`actual`, absent when `None`)
    /// against the condition's values (any-of). `None` when the operator is not supported.
    pub fn evaluate(&self, actual: Option<&str>, values: &[String]) -> Option<bool> {
        if let Base::Other(_) = self.base {
            return None;
        }
        if self.base == Base::Null {
            // `Null: true` = key absent. Any listed value that holds is enough.
            return Some(
                values
                    .iter()
                    .any(|v| match v.to_ascii_lowercase().as_str() {
                        "true" => actual.is_none(),
                        "false" => actual.is_some(),
                        _ => false,
                    }),
            );
        }
        let Some(actual) = actual else {
            return Some(match self.qualifier {
                // The context set is empty: "all of nothing" is true, "any of nothing" false.
                Some(SetQualifier::ForAllValues) => true,
                Some(SetQualifier::ForAnyValue) => false,
                None => self.if_exists || self.is_negated(),
            });
        };
        let any = values.iter().any(|v| self.compare(actual, v));
        Some(if self.is_negated() { !any } else { any })
    }
}

/// One token of a `StringLike` pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tok {
    Lit(char),
    Star,
    One,
}

fn tokens(pattern: &str, wildcards: bool) -> Vec<Tok> {
    let mut out = Vec::new();
    let mut rest = pattern;
    while let Some(c) = rest.chars().next() {
        if let Some(after) = rest.strip_prefix("${*}") {
            out.push(Tok::Lit('*'));
            rest = after;
        } else if let Some(after) = rest.strip_prefix("${?}") {
            out.push(Tok::Lit('?'));
            rest = after;
        } else if let Some(after) = rest.strip_prefix("${$}") {
            out.push(Tok::Lit('$'));
            rest = after;
        } else {
            out.push(match c {
                '*' if wildcards => Tok::Star,
                '?' if wildcards => Tok::One,
                c => Tok::Lit(c),
            });
            rest = &rest[c.len_utf8()..];
        }
    }
    out
}

/// A value with IAM's `${*}`/`${?}`/`${$}` escapes resolved.
pub fn unescape(value: &str) -> String {
    tokens(value, false)
        .into_iter()
        .map(|t| match t {
            Tok::Lit(c) => c,
            Tok::Star => '*',
            Tok::One => '?',
        })
        .collect()
}

/// Whether a `StringLike` value has a wildcard (`*` or `?` outside an escape).
pub fn has_wildcard(value: &str) -> bool {
    tokens(value, true)
        .iter()
        .any(|t| matches!(t, Tok::Star | Tok::One))
}

/// The literal text of a `StringLike` value before its first wildcard.
pub fn literal_prefix(value: &str) -> String {
    tokens(value, true)
        .into_iter()
        .map_while(|t| match t {
            Tok::Lit(c) => Some(c),
            _ => None,
        })
        .collect()
}

/// Escapes a literal for use as a `StringLike` (or any string operator) value.
pub fn escape_literal(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        match c {
            '*' => out.push_str("${*}"),
            '?' => out.push_str("${?}"),
            '$' => out.push_str("${$}"),
            c => out.push(c),
        }
    }
    out
}

/// `StringLike`: whole-value match, case-sensitive, `*` any run, `?` one character.
pub fn like(pattern: &str, value: &str) -> bool {
    let p = tokens(pattern, true);
    let v: Vec<char> = value.chars().collect();
    // Classic greedy matcher with one backtrack point: linear in practice, quadratic at worst.
    let (mut pi, mut vi) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while vi < v.len() {
        match p.get(pi) {
            Some(Tok::Star) => {
                star = Some((pi, vi));
                pi += 1;
            }
            Some(Tok::One) => {
                pi += 1;
                vi += 1;
            }
            Some(Tok::Lit(c)) if *c == v[vi] => {
                pi += 1;
                vi += 1;
            }
            _ => match star {
                Some((sp, sv)) => {
                    pi = sp + 1;
                    vi = sv + 1;
                    star = Some((sp, sv + 1));
                }
                None => return false,
            },
        }
    }
    p[pi..].iter().all(|t| *t == Tok::Star)
}

/// A value that a `StringLike` pattern accepts (`*` → nothing, `?` → `x`), for "would pass".
pub fn sample(pattern: &str) -> String {
    tokens(pattern, true)
        .into_iter()
        .filter_map(|t| match t {
            Tok::Lit(c) => Some(c),
            Tok::Star => None,
            Tok::One => Some('x'),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_like() {
        let cases: &[(&str, &str, bool)] = &[
            (
                "repo:octo-org/*",
                "repo:octo-org/x:ref:refs/heads/a/b",
                true,
            ),
            ("repo:octo-org/*", "repo:octo-org-evil/x", false),
            ("repo:octo-org*", "repo:octo-org-evil/x", true),
            (
                "repo:o/r:ref:refs/heads/?",
                "repo:o/r:ref:refs/heads/a",
                true,
            ),
            (
                "repo:o/r:ref:refs/heads/?",
                "repo:o/r:ref:refs/heads/ab",
                false,
            ),
            (
                "repo:o/r:ref:refs/heads/?",
                "repo:o/r:ref:refs/heads/",
                false,
            ),
            ("a*b*c", "abbbc", true),
            ("a*b*c", "acb", false),
            ("*", "", true),
            ("", "", true),
            ("a", "A", false),
            ("a${*}", "a*", true),
            ("a${*}", "ab", false),
            ("a${?}", "ab", false),
            ("[ab]", "a", false),
            ("[ab]", "[ab]", true),
            ("é?", "éé", true),
        ];
        for (pattern, value, want) in cases {
            assert_eq!(like(pattern, value), *want, "{pattern} ~ {value}");
        }
        assert!(has_wildcard("a?b"));
        assert!(!has_wildcard("a${*}b"));
        assert_eq!(literal_prefix("repo:o${*}/*x"), "repo:o*/");
        assert_eq!(escape_literal("a*b?$"), "a${*}b${?}${$}");
        assert!(like(&escape_literal("x*y"), "x*y") && !like(&escape_literal("x*y"), "xay"));
        assert_eq!(
            sample("repo:o/r:ref:refs/heads/*"),
            "repo:o/r:ref:refs/heads/"
        );
    }

    #[test]
    fn operators_with_and_without_the_key() {
        let v = |s: &[&str]| s.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        // (operator, actual, values, expected)
        type Case<'a> = (&'a str, Option<&'a str>, &'a [&'a str], Option<bool>);
        let cases: &[Case] = &[
            ("StringEquals", Some("a"), &["a", "b"], Some(true)),
            ("StringEquals", Some("A"), &["a"], Some(false)),
            ("StringEquals", None, &["a"], Some(false)),
            ("StringEqualsIgnoreCase", Some("A"), &["a"], Some(true)),
            ("StringNotEquals", Some("a"), &["a"], Some(false)),
            ("StringNotEquals", Some("c"), &["a", "b"], Some(true)),
            ("StringNotEquals", None, &["a"], Some(true)),
            ("StringNotEqualsIgnoreCase", Some("A"), &["a"], Some(false)),
            ("StringLike", Some("abc"), &["a*"], Some(true)),
            ("StringLike", None, &["*"], Some(false)),
            ("StringNotLike", None, &["a*"], Some(true)),
            ("StringNotLike", Some("abc"), &["a*"], Some(false)),
            ("StringEqualsIfExists", None, &["a"], Some(true)),
            ("StringEqualsIfExists", Some("b"), &["a"], Some(false)),
            ("StringLikeIfExists", Some("ab"), &["a?"], Some(true)),
            ("ForAllValues:StringEquals", None, &["a"], Some(true)),
            ("ForAllValues:StringEquals", Some("b"), &["a"], Some(false)),
            ("ForAllValues:StringLike", Some("ab"), &["a*"], Some(true)),
            ("ForAnyValue:StringEquals", None, &["a"], Some(false)),
            ("ForAnyValue:StringEquals", Some("a"), &["a"], Some(true)),
            ("ForAllValues:StringNotEquals", None, &["a"], Some(true)),
            ("Null", None, &["true"], Some(true)),
            ("Null", Some("x"), &["true"], Some(false)),
            ("Null", Some("x"), &["false"], Some(true)),
            ("Null", None, &["false"], Some(false)),
            ("Bool", Some("true"), &["true"], None),
            ("StringEqualz", Some("a"), &["a"], None),
        ];
        for (op, actual, values, want) in cases {
            let got = Operator::parse(op).evaluate(*actual, &v(values));
            assert_eq!(got, *want, "{op} {actual:?} {values:?}");
        }
        let op = Operator::parse("ForAllValues:StringNotLikeIfExists");
        assert_eq!(op.qualifier, Some(SetQualifier::ForAllValues));
        assert_eq!(op.base, Base::StringNotLike);
        assert!(op.if_exists && op.true_when_missing() && !op.is_positive_string());
        assert!(Operator::parse("StringLike").is_positive_string());
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    /// The same language as a regex: `*` → `.*`, `?` → `.`, the rest literal, anchored.
    fn as_regex(pattern: &str) -> regex::Regex {
        let mut re = String::from("(?s)^");
        for c in pattern.chars() {
            match c {
                '*' => re.push_str(".*"),
                '?' => re.push('.'),
                c => re.push_str(&regex::escape(&c.to_string())),
            }
        }
        re.push('$');
        regex::Regex::new(&re).unwrap()
    }

    proptest! {
        #[test]
        fn like_agrees_with_a_regex(pattern in "[ab*?/:]{0,8}", value in "[ab/:]{0,10}") {
            prop_assert_eq!(super::like(&pattern, &value), as_regex(&pattern).is_match(&value));
        }

        #[test]
        fn escaped_literals_match_only_themselves(text in "[a*?$/{}]{0,10}", other in "[a*?$/{}]{0,10}") {
            let escaped = super::escape_literal(&text);
            prop_assert!(super::like(&escaped, &text));
            prop_assert_eq!(super::like(&escaped, &other), text == other);
            prop_assert_eq!(super::unescape(&escaped), text.clone());
            prop_assert!(super::like(&text, &super::sample(&text)));
        }
    }
}
