//! GitHub's filter patterns (`branches`, `tags`): which refs start a workflow, and sample names
//! that match a pattern, so the analysis can try a ref an attacker could choose. Pure.
//!
//! GitHub's syntax: `*` is any run of characters but `/`, `**` any run, `?` zero or one of the
//! preceding character, `+` one or more of it, `[…]` one character of a set or range, a leading
//! `!` excludes (handled by [`crate::workflow::Filter`]).

use crate::workflow::Filter;

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Lit(char),
    /// `*`: any run without `/`.
    Star,
    /// `**`: any run.
    DoubleStar,
    /// `[…]`: one of these characters (ranges expanded).
    Set(Vec<char>),
    /// `?` after a character: it is optional.
    Optional(char),
    /// `+` after a character: one or more of it.
    OneOrMore(char),
}

fn tokens(pattern: &str) -> Vec<Tok> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut out: Vec<Tok> = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '*' if chars.get(i + 1) == Some(&'*') => {
                out.push(Tok::DoubleStar);
                i += 1;
            }
            '*' => out.push(Tok::Star),
            '?' | '+' if matches!(out.last(), Some(Tok::Lit(_))) => {
                let Some(Tok::Lit(c)) = out.pop() else {
                    unreachable!("checked above")
                };
                out.push(if chars[i] == '?' {
                    Tok::Optional(c)
                } else {
                    Tok::OneOrMore(c)
                });
            }
            '[' => match chars[i..].iter().position(|c| *c == ']') {
                Some(end) if end > 1 => {
                    out.push(Tok::Set(set(&chars[i + 1..i + end])));
                    i += end;
                }
                _ => out.push(Tok::Lit('[')),
            },
            '\\' if i + 1 < chars.len() => {
                out.push(Tok::Lit(chars[i + 1]));
                i += 1;
            }
            c => out.push(Tok::Lit(c)),
        }
        i += 1;
    }
    out
}

fn set(body: &[char]) -> Vec<char> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < body.len() {
        if i + 2 < body.len() && body[i + 1] == '-' {
            out.extend(body[i]..=body[i + 2]);
            i += 3;
        } else {
            out.push(body[i]);
            i += 1;
        }
    }
    out
}

/// Whether `name` (a branch or tag name, without `refs/heads/`) matches `pattern`.
pub fn matches(pattern: &str, name: &str) -> bool {
    let toks = tokens(pattern);
    let text: Vec<char> = name.chars().collect();
    // Reachable positions in `text` after each token: a set simulation, linear in both.
    let mut at = vec![false; text.len() + 1];
    at[0] = true;
    for tok in &toks {
        let mut next = vec![false; text.len() + 1];
        for i in (0..=text.len()).filter(|i| at[*i]) {
            match tok {
                Tok::Lit(c) if text.get(i) == Some(c) => next[i + 1] = true,
                Tok::Set(s) if text.get(i).is_some_and(|c| s.contains(c)) => next[i + 1] = true,
                Tok::Optional(c) => {
                    next[i] = true;
                    if text.get(i) == Some(c) {
                        next[i + 1] = true;
                    }
                }
                Tok::OneOrMore(c) => {
                    let mut j = i;
                    while text.get(j) == Some(c) {
                        j += 1;
                        next[j] = true;
                    }
                }
                Tok::Star | Tok::DoubleStar => {
                    next[i] = true;
                    let mut j = i;
                    while j < text.len() && (*tok == Tok::DoubleStar || text[j] != '/') {
                        j += 1;
                        next[j] = true;
                    }
                }
                _ => {}
            }
        }
        at = next;
    }
    at[text.len()]
}

/// Whether a filter admits `name`: no includes or a matching include, and no matching exclude.
pub fn admits(filter: &Filter, name: &str) -> bool {
    (filter.include.is_empty() || filter.include.iter().any(|p| matches(p, name)))
        && !filter.exclude.iter().any(|p| matches(p, name))
}

/// Whether a pattern names exactly one ref (no wildcard).
pub fn is_literal(pattern: &str) -> bool {
    !pattern.contains(['*', '?', '+', '[', '\\'])
}

/// A name that matches `pattern`: each wildcard filled with `x`, sets with their first member.
pub fn sample(pattern: &str) -> String {
    tokens(pattern)
        .into_iter()
        .filter_map(|t| match t {
            Tok::Lit(c) | Tok::OneOrMore(c) => Some(c),
            Tok::Star | Tok::DoubleStar => Some('x'),
            Tok::Set(s) => s.first().copied(),
            Tok::Optional(_) => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn github_filter_patterns() {
        // (pattern, name, matches)
        let cases: &[(&str, &str, bool)] = &[
            ("main", "main", true),
            ("main", "main2", false),
            ("release/*", "release/v1", true),
            ("release/*", "release/v1/hotfix", false),
            ("release/**", "release/v1/hotfix", true),
            ("**", "any/thing", true),
            ("*", "feature/x", false),
            ("v[12].[0-9]", "v1.5", true),
            ("v[12].[0-9]", "v3.5", false),
            ("v+1", "vvv1", true),
            ("v+1", "1", false),
            ("colou?r", "color", true),
            ("colou?r", "colour", true),
            ("feature-*", "feature-", true),
            ("*-prod", "hotfix/a-prod", false),
        ];
        for (pattern, name, want) in cases {
            assert_eq!(matches(pattern, name), *want, "{pattern} ~ {name}");
        }
    }

    #[test]
    fn filters_and_samples() {
        let filter = Filter {
            include: vec!["main".into(), "release/**".into()],
            exclude: vec!["release/old".into()],
        };
        assert!(admits(&filter, "release/2.0"));
        assert!(!admits(&filter, "release/old"));
        assert!(!admits(&filter, "dev"));
        assert!(admits(&Filter::default(), "dev"));
        for pattern in ["release/**", "v[0-9].*", "colou?r", "x+y", "feature-*"] {
            assert!(matches(pattern, &sample(pattern)), "{pattern}");
        }
        assert!(is_literal("main") && !is_literal("release/*"));
    }
}
