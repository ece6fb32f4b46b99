//! The INI model of the AWS CLI's two files: lines with their own endings, what each line is
//! (by the rules of Python's configparser, which the CLI uses), and the sections they form.
//! Pure: no I/O.

use super::FileKind;

/// First words of the comment line inside every section we write.
pub(super) const MARKER: &str = "# written by oidc-assume";

/// One line: its text and its terminator (`\n`, `\r\n`, or `""` for a last line without one).
pub(super) struct Line<'a> {
    pub(super) body: &'a str,
    pub(super) eol: &'a str,
}

/// What a line is, by the rules the AWS CLI's parser (Python's configparser) uses.
#[derive(Debug, PartialEq)]
pub(super) enum Kind {
    Blank,
    Comment,
    /// The text between the brackets, trimmed.
    Header(String),
    Setting(String, String),
    /// An indented line: the value of a nested setting (`s3 =` then `  max_concurrent_requests = 20`).
    Continuation,
    Invalid(&'static str),
}

/// A section: its header line and where its content ends.
pub(super) struct Section {
    pub(super) header: usize,
    /// Exclusive end of the section's own lines. Trailing blank lines, and comments after them,
    /// are left out: they usually describe the next section and must survive a replacement.
    pub(super) end: usize,
    /// The profile it defines, if any (`[sso-session x]` defines none).
    pub(super) profile: Option<String>,
}

pub(super) struct Doc<'a> {
    pub(super) lines: Vec<Line<'a>>,
    pub(super) kinds: Vec<Kind>,
    pub(super) sections: Vec<Section>,
    /// The line ending for lines we add: the file's own, so a CRLF file stays CRLF.
    pub(super) eol: &'static str,
}

impl<'a> Doc<'a> {
    pub(super) fn parse(text: &'a str, kind: FileKind) -> Self {
        let lines = split_lines(text);
        let kinds: Vec<Kind> = lines.iter().map(|l| classify(l.body)).collect();
        let headers: Vec<usize> = (0..lines.len())
            .filter(|&i| matches!(kinds[i], Kind::Header(_)))
            .collect();
        let sections = headers
            .iter()
            .enumerate()
            .map(|(n, &header)| {
                let next = headers.get(n + 1).copied().unwrap_or(lines.len());
                let mut end = next;
                while end > header + 1 && matches!(kinds[end - 1], Kind::Blank | Kind::Comment) {
                    end -= 1;
                }
                // `end` now follows the last setting; comments right below it still belong to
                // the section, up to the first blank line.
                while end < next && kinds[end] == Kind::Comment {
                    end += 1;
                }
                let Kind::Header(inner) = &kinds[header] else {
                    unreachable!()
                };
                Section {
                    header,
                    end,
                    profile: profile_of(kind, inner).map(str::to_string),
                }
            })
            .collect();
        let eol = match lines.iter().find(|l| !l.eol.is_empty()) {
            Some(l) if l.eol == "\r\n" => "\r\n",
            _ => "\n",
        };
        Doc {
            lines,
            kinds,
            sections,
            eol,
        }
    }

    /// Whether we wrote this section: our comment is its first line after the header.
    pub(super) fn is_ours(&self, section: &Section) -> bool {
        section.end > section.header + 1 && self.lines[section.header + 1].body.starts_with(MARKER)
    }

    /// The section's settings, sorted; a continuation line makes it unlike anything we write.
    pub(super) fn settings(&self, section: &Section) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for kind in &self.kinds[section.header + 1..section.end] {
            match kind {
                Kind::Setting(k, v) => out.push((k.clone(), v.clone())),
                Kind::Continuation | Kind::Invalid(_) | Kind::Header(_) => {
                    out.push((String::new(), String::new()))
                }
                Kind::Blank | Kind::Comment => {}
            }
        }
        out.sort();
        out
    }
}

fn split_lines(text: &str) -> Vec<Line<'_>> {
    let mut out = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        let (line, next) = match rest.find('\n') {
            Some(i) => rest.split_at(i + 1),
            None => (rest, ""),
        };
        let body_len = line
            .strip_suffix("\r\n")
            .or_else(|| line.strip_suffix('\n'))
            .unwrap_or(line)
            .len();
        let (body, eol) = line.split_at(body_len);
        out.push(Line { body, eol });
        rest = next;
    }
    out
}

fn classify(body: &str) -> Kind {
    let trimmed = body.trim();
    if trimmed.is_empty() {
        Kind::Blank
    } else if trimmed.starts_with(['#', ';']) {
        Kind::Comment
    } else if let Some(after) = trimmed.strip_prefix('[') {
        let Some(close) = after.find(']') else {
            return Kind::Invalid("a section header without `]`");
        };
        let rest = after[close + 1..].trim_start();
        if !rest.is_empty() && !rest.starts_with(['#', ';']) {
            return Kind::Invalid("text after a section header's `]`");
        }
        let inner = after[..close].trim();
        if inner.is_empty() {
            return Kind::Invalid("an empty section name");
        }
        Kind::Header(inner.to_string())
    } else if body.starts_with([' ', '\t']) {
        Kind::Continuation
    } else {
        match body.find(['=', ':']) {
            Some(0) => Kind::Invalid("a setting without a name"),
            // Keys are compared lowercased, as configparser (the CLI's parser) reads them.
            Some(i) => Kind::Setting(
                body[..i].trim().to_ascii_lowercase(),
                body[i + 1..].trim().to_string(),
            ),
            None => {
                Kind::Invalid("a line that is neither `[section]`, `key = value` nor a comment")
            }
        }
    }
}

/// Appends a section: its header (`[NAME]`, or `[profile NAME]` in the config file except for
/// `default`; the inverse of [`profile_of`]), a comment line, and `key = value` lines, each
/// ended with `eol`.
pub(super) fn render_section(
    out: &mut String,
    kind: FileKind,
    name: &str,
    comment: &str,
    settings: &[(&str, &str)],
    eol: &str,
) {
    match (kind, name) {
        (FileKind::Credentials, _) | (FileKind::Config, "default") => {
            out.push_str(&format!("[{name}]{eol}"));
        }
        (FileKind::Config, _) => out.push_str(&format!("[profile {name}]{eol}")),
    }
    out.push_str(comment);
    out.push_str(eol);
    for (key, value) in settings {
        out.push_str(key);
        out.push_str(" = ");
        out.push_str(value);
        out.push_str(eol);
    }
}

/// The profile a section header defines: in the credentials file the header is the name; in
/// the config file it is `profile NAME`, or `default`. `[profile default]` is the default
/// profile too (the SDKs prefer it over `[default]`), so both count as ours for `default`.
fn profile_of(kind: FileKind, inner: &str) -> Option<&str> {
    match kind {
        FileKind::Credentials => Some(inner),
        FileKind::Config if inner == "default" => Some(inner),
        FileKind::Config => inner
            .strip_prefix("profile")
            .filter(|rest| rest.starts_with([' ', '\t']))
            .map(str::trim),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_classified_as_configparser_reads_them() {
        let cases: &[(&str, Kind)] = &[
            ("", Kind::Blank),
            ("   ", Kind::Blank),
            ("# c", Kind::Comment),
            ("  ; c", Kind::Comment),
            ("[ profile  x ] ; note", Kind::Header("profile  x".into())),
            (
                "Region = us-east-1",
                Kind::Setting("region".into(), "us-east-1".into()),
            ),
            ("a: b", Kind::Setting("a".into(), "b".into())),
            ("  max = 20", Kind::Continuation),
            ("[x", Kind::Invalid("a section header without `]`")),
            ("[x] y", Kind::Invalid("text after a section header's `]`")),
            ("[ ]", Kind::Invalid("an empty section name")),
            ("= v", Kind::Invalid("a setting without a name")),
            (
                "word",
                Kind::Invalid("a line that is neither `[section]`, `key = value` nor a comment"),
            ),
        ];
        for (line, want) in cases {
            assert_eq!(classify(line), *want, "{line:?}");
        }
    }

    #[test]
    fn rendered_headers_read_back_as_the_same_profile() {
        for (kind, name, header) in [
            (FileKind::Credentials, "ci", "[ci]"),
            (FileKind::Credentials, "default", "[default]"),
            (FileKind::Config, "ci", "[profile ci]"),
            (FileKind::Config, "default", "[default]"),
        ] {
            let mut out = String::new();
            render_section(&mut out, kind, name, MARKER, &[("k", "v")], "\r\n");
            assert_eq!(out, format!("{header}\r\n{MARKER}\r\nk = v\r\n"));
            let doc = Doc::parse(&out, kind);
            assert_eq!(doc.sections.len(), 1);
            assert_eq!(doc.sections[0].profile.as_deref(), Some(name));
            assert!(doc.is_ours(&doc.sections[0]));
            assert_eq!(doc.eol, "\r\n");
        }
    }
}
