//! Everything printed goes through [`Reporter`]: workflow commands and data on stdout, human
//! messages on stderr. Writes only to the sinks it is given (`impl Write`), so tests read the
//! exact bytes.
//!
//! Inside GitHub Actions, warnings and errors become annotations and secrets are registered with
//! `::add-mask::` before anything else can print them. Outside Actions no mask line is printed:
//! there is no runner to honour it, and the line itself would show the secret.

use std::io::Write;
use std::sync::Mutex;

use crate::text::{escape_data, escape_property, neutralize_legacy};

/// A shared, thread-safe output sink.
pub type Sink = Box<dyn Write + Send>;

/// Prints to stdout and stderr, in the runner's dialect when inside GitHub Actions.
pub struct Reporter {
    github: bool,
    stdout: Mutex<Sink>,
    stderr: Mutex<Sink>,
}

/// A fresh random token, hex-encoded (`bytes` random bytes).
pub fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).expect("the OS random number generator is available");
    buf.iter().map(|b| format!("{b:02x}")).collect()
}

impl Reporter {
    /// A reporter over the given sinks; `github` switches on workflow commands.
    pub fn new(github: bool, stdout: Sink, stderr: Sink) -> Self {
        Reporter {
            github,
            stdout: Mutex::new(stdout),
            stderr: Mutex::new(stderr),
        }
    }

    /// Whether workflow commands are emitted.
    pub fn github(&self) -> bool {
        self.github
    }

    fn write(&self, sink: &Mutex<Sink>, text: &str) {
        if self.github {
            Self::write_raw(sink, &neutralize_legacy(text));
        } else {
            Self::write_raw(sink, text);
        }
    }

    fn write_raw(sink: &Mutex<Sink>, text: &str) {
        // A closed stdout/stderr must not turn into a panic half-way through an export: output
        // is best effort, the env files are what matters.
        if let Ok(mut w) = sink.lock() {
            let _ = w.write_all(text.as_bytes());
            let _ = w.flush();
        }
    }

    /// Registers a secret with the runner's log masker (no-op outside Actions or when empty).
    /// Each line is masked on its own too: a raw newline would end the command early.
    pub fn mask(&self, secret: &str) {
        if !self.github || secret.trim().is_empty() {
            return;
        }
        let mut text = format!("::add-mask::{}\n", escape_data(secret));
        if secret.contains(['\n', '\r']) {
            for line in secret.lines().map(str::trim).filter(|l| !l.is_empty()) {
                text.push_str(&format!("::add-mask::{}\n", escape_data(line)));
            }
        }
        // Verbatim: the runner must register exactly the secret (the line starts with `::`,
        // so the legacy syntax cannot apply to it).
        Self::write_raw(&self.stdout, &text);
    }

    /// Data for the user (the dry-run report) on stdout, fenced in Actions as it quotes claim
    /// values.
    pub fn data(&self, text: &str) {
        self.fence(&self.stdout, text);
    }

    /// A one-line progress or result message on stderr. Line breaks are shown escaped: the
    /// message may quote a server's answer, and a raw newline followed by `::` would be read by
    /// the runner as a workflow command.
    pub fn info(&self, message: &str) {
        let one_line = message.replace('\r', "\\r").replace('\n', "\\n");
        self.write(&self.stderr, &format!("{one_line}\n"));
    }

    /// A command's own output on stdout (an audit report, a generated policy, SARIF): written
    /// as it is, with the legacy `##[` syntax broken up in Actions. Renderers that quote
    /// untrusted values escape them themselves (the audit's GitHub format does).
    pub fn print(&self, text: &str) {
        self.write(&self.stdout, text);
    }

    /// A writer whose every line becomes an [`Reporter::info`] line on stderr: for code that
    /// reports as it goes through `impl Write` (the audit's notes on what it read and skipped).
    pub fn lines(&self) -> Lines<'_> {
        Lines {
            reporter: self,
            pending: Vec::new(),
        }
    }

    /// A warning: an annotation in Actions, `warning:` on stderr otherwise.
    pub fn warning(&self, title: &str, message: &str) {
        if self.github {
            let line = format!(
                "::warning title={}::{}\n",
                escape_property(title),
                escape_data(message)
            );
            self.write(&self.stdout, &line);
        } else {
            self.write(&self.stderr, &format!("warning: {title}: {message}\n"));
        }
    }

    /// An error: the full text on stderr and, in Actions, an error annotation with `summary`.
    /// The full text may quote claim values (branch and environment names are attacker-chosen
    /// on some events), so in Actions it is fenced (see `Reporter::fence`).
    pub fn error(&self, summary: &str, full: &str) {
        if self.github {
            let line = format!(
                "::error title={}::{}\n",
                escape_property("oidc-assume"),
                escape_data(summary)
            );
            self.write(&self.stdout, &line);
        }
        self.fence(&self.stderr, full);
    }

    /// Writes text that may hold untrusted values. In Actions it is wrapped in
    /// `::stop-commands::` with a fresh random token, so nothing inside can be read as a
    /// workflow command.
    fn fence(&self, sink: &Mutex<Sink>, text: &str) {
        if self.github {
            let token = random_hex(16);
            self.write(
                sink,
                &format!("::stop-commands::{token}\n{text}::{token}::\n"),
            );
        } else {
            self.write(sink, text);
        }
    }
}

/// See [`Reporter::lines`]. A line still open when it is dropped is written then.
pub struct Lines<'a> {
    reporter: &'a Reporter,
    pending: Vec<u8>,
}

impl Write for Lines<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.pending.extend_from_slice(buf);
        while let Some(end) = self.pending.iter().position(|&b| b == b'\n') {
            let line: Vec<u8> = self.pending.drain(..=end).collect();
            self.reporter
                .info(String::from_utf8_lossy(&line[..end]).as_ref());
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for Lines<'_> {
    fn drop(&mut self) {
        if !self.pending.is_empty() {
            self.reporter
                .info(String::from_utf8_lossy(&self.pending).as_ref());
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::sync::Arc;

    /// A sink whose bytes the test can read back.
    #[derive(Clone, Default)]
    pub(crate) struct Captured(pub Arc<Mutex<Vec<u8>>>);

    impl Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl Captured {
        pub(crate) fn text(&self) -> String {
            String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
        }
    }

    pub(crate) fn reporter(github: bool) -> (Reporter, Captured, Captured) {
        let (out, err) = (Captured::default(), Captured::default());
        (
            Reporter::new(github, Box::new(out.clone()), Box::new(err.clone())),
            out,
            err,
        )
    }

    #[test]
    fn masks_only_in_actions_and_per_line() {
        let (r, out, _) = reporter(true);
        r.mask("abc");
        r.mask("  ");
        r.mask("l1\nl2");
        assert_eq!(
            out.text(),
            "::add-mask::abc\n::add-mask::l1%0Al2\n::add-mask::l1\n::add-mask::l2\n"
        );
        let (r, out, err) = reporter(false);
        r.mask("abc");
        assert_eq!(out.text(), "");
        assert_eq!(err.text(), "");
    }

    #[test]
    fn annotations_escape_untrusted_text() {
        let (r, out, _) = reporter(true);
        r.warning("no policy", "branch `x\n::set-env name=A::1`");
        assert_eq!(
            out.text(),
            "::warning title=no policy::branch `x%0A::set-env name=A::1`\n"
        );
    }

    #[test]
    fn legacy_commands_are_broken_up_in_actions_only() {
        let (r, out, err) = reporter(true);
        r.info("workflow `##[set-output name=aws-access-key-id;]AKIA`");
        r.error("x ##[save-state name=a;]b", "y ##[set-output name=b;]c\n");
        assert!(
            !err.text().contains("##[") && !out.text().contains("##["),
            "{}{}",
            out.text(),
            err.text()
        );
        assert!(err.text().contains("##\u{2060}[set-output"));
        let (r, _, err) = reporter(false);
        r.info("##[x]");
        assert_eq!(err.text(), "##[x]\n");
    }

    #[test]
    fn info_lines_cannot_start_a_command() {
        let (r, _, err) = reporter(true);
        r.info("retrying (Throttling: slow down\n::add-mask::x\r\n::set-output name=a::b)");
        assert_eq!(err.text().lines().count(), 1, "{}", err.text());
        assert!(!err.text().contains("\n::"));
    }

    #[test]
    fn lines_become_one_line_messages() {
        let (r, out, err) = reporter(true);
        {
            let mut lines = r.lines();
            lines.write_all(b"note: a\nerror: b ##[x]\nhint: ").unwrap();
            lines.write_all(b"c").unwrap();
        }
        r.print("report ##[set-output]\n");
        assert_eq!(err.text(), "note: a\nerror: b ##\u{2060}[x]\nhint: c\n");
        assert_eq!(out.text(), "report ##\u{2060}[set-output]\n");
    }

    #[test]
    fn errors_are_fenced_in_actions() {
        let (r, out, err) = reporter(true);
        r.error("denied", "environment `::add-mask::x`\n");
        assert_eq!(out.text(), "::error title=oidc-assume::denied\n");
        let text = err.text();
        let first = text.lines().next().unwrap();
        let token = first.strip_prefix("::stop-commands::").unwrap();
        assert_eq!(token.len(), 32);
        assert!(text.ends_with(&format!("::{token}::\n")));
        let (r, _, err) = reporter(false);
        r.error("denied", "full\n");
        assert_eq!(err.text(), "full\n");
    }
}
