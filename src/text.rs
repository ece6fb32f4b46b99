//! Text rules for showing untrusted values: quoting for messages, one-line log safety and the
//! runner's workflow-command escaping. Pure: no I/O; depends on nothing else in the crate.

/// Shows a user-supplied value safely in a message: control characters escaped, long values
/// cut, so an error cannot inject lines into the log or flood it.
pub fn show(value: &str) -> String {
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
        assert_eq!(show("a\nb\u{0}"), "`a\\nb\\u{0}`");
        assert!(show(&"x".repeat(500)).contains("(500 characters in all)"));
    }

    #[test]
    fn escaping_follows_the_runner() {
        assert_eq!(escape_data("50%\r\nx"), "50%25%0D%0Ax");
        assert_eq!(escape_property("a:b,c%"), "a%3Ab%2Cc%25");
    }

    #[test]
    fn one_line_collapses_whitespace() {
        assert_eq!(one_line(" a\n  b\tc "), "a b c");
    }
}
