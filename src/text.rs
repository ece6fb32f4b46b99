//! Text rules for showing untrusted values: quoting for messages, one-line log safety and the
//! runner's workflow-command escaping; and the one did-you-mean rule for misspelt names. Pure: no I/O; depends on nothing else in the crate.

/// A user-supplied value made printable in a message: control characters escaped, long values
/// cut, so an error cannot inject lines into the log or flood it.
pub fn printable(value: &str) -> String {
    const MAX: usize = 120;
    let mut out = String::new();
    for (i, c) in value.chars().enumerate() {
        if i == MAX {
            out.push_str(&format!("… ({} characters in all)", value.chars().count()));
            break;
        }
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    format!("`{out}`")
}

/// Collapses all whitespace (line breaks included) to single spaces: a parser's message on one
/// line.
pub fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The candidate `word` is most likely a misspelling of, for a `did you mean` hint: the nearest
/// by edit distance, if within a quarter of the candidate's length (at least 2 edits), the
/// first listed on ties. Every did-you-mean in the crate (policy keys, action inputs, IAM
/// condition keys) uses this one cutoff. An exact match counts: callers that normalise first
/// (`_` for `-`, lower case) want it back.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (edit_distance(word, c), c))
        .filter(|(d, c)| *d <= 2.max(c.len() / 4))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Levenshtein distance, in characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

/// Escapes workflow-command data: `%`, CR and LF (in that order, as the runner decodes them).
pub fn escape_data(value: &str) -> String {
    value
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a workflow-command property (`title=`): data escapes plus `:` and `,`.
pub fn escape_property(value: &str) -> String {
    escape_data(value).replace(':', "%3A").replace(',', "%2C")
}

/// Breaks up the legacy `##[command]` syntax, which the runner matches anywhere in a line (not
/// only at its start): a free-text claim such as `workflow` could otherwise set outputs.
/// A word joiner (U+2060) between `##` and `[` is invisible in the log.
pub fn neutralize_legacy(text: &str) -> String {
    text.replace("##[", "##\u{2060}[")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn show_escapes_and_truncates() {
        assert_eq!(printable("a\nb\u{0}"), "`a\\nb\\u{0}`");
        assert!(printable(&"x".repeat(500)).contains("(500 characters in all)"));
    }

    #[test]
    fn escaping_follows_the_runner() {
        assert_eq!(escape_data("50%\r\nx"), "50%25%0D%0Ax");
        assert_eq!(escape_property("a:b,c%"), "a%3Ab%2Cc%25");
    }

    #[test]
    fn did_you_mean_has_one_cutoff() {
        let keys = [
            "ref",
            "repository",
            "repository_id",
            "job_workflow_ref",
            "role-to-assume",
        ];
        let cases: &[(&str, Option<&str>)] = &[
            // Short candidates: up to 2 edits.
            ("rf", Some("ref")),
            ("refs", Some("ref")),
            ("x", None),
            ("branch", None),
            // Longer ones: a quarter of the candidate's length.
            ("repositry", Some("repository")),
            ("repo", Some("ref")),
            ("repository_owner", None),
            ("job-workflow-ref", Some("job_workflow_ref")),
            ("workflow_ref", Some("job_workflow_ref")),
            ("role-to-asume", Some("role-to-assume")),
            // An exact match is returned (callers normalise before asking).
            ("ref", Some("ref")),
            // The nearest wins: `repository_i` is 1 from `repository_id`, 2 from `repository`.
            ("repository_i", Some("repository_id")),
            ("", None),
        ];
        for (word, want) in cases {
            assert_eq!(did_you_mean(word, keys), *want, "{word}");
        }
        // Ties go to the first listed.
        assert_eq!(did_you_mean("ab", ["ax", "xb"]), Some("ax"));
        assert_eq!(did_you_mean("ab", ["xb", "ax"]), Some("xb"));
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("é", "e"), 1);
    }

    #[test]
    fn one_line_collapses_whitespace() {
        assert_eq!(one_line(" a\n  b\tc "), "a b c");
    }
}
