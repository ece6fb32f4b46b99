//! Snapshot rendering of an [`Outcome`]: the exit code, stdout, stderr and the written runner
//! files in one text, with what varies from run to run replaced by stable placeholders. No I/O.

use crate::common::{EXPIRATION, Outcome, now};

impl Outcome {
    /// What the run produced, normalised for a snapshot: the exit code, stdout, stderr, and
    /// the written GITHUB_ENV, GITHUB_OUTPUT and step summary (each named, empty or not).
    pub fn report(&self) -> String {
        let mut report = format!("exit: {}\n", self.code);
        let env = self.env_file_normalized();
        let output = self.output_file_normalized();
        for (name, text) in [
            ("stdout", self.stdout.as_str()),
            ("stderr", self.stderr.as_str()),
            ("GITHUB_ENV", env.as_str()),
            ("GITHUB_OUTPUT", output.as_str()),
            ("step summary", self.summary.as_str()),
        ] {
            if text.is_empty() {
                report.push_str(&format!("--- {name}: empty\n"));
            } else {
                report.push_str(&format!("--- {name}\n{}", self.normalize(text)));
                if !text.ends_with('\n') {
                    report.push_str("\n[no newline at end]\n");
                }
            }
        }
        report
    }

    /// The exit code, stdout and stderr, normalised: for commands that write no runner files
    /// (`audit`, `trust-policy`, `explain`), whose output is the product.
    pub fn transcript(&self) -> String {
        let mut text = format!("exit: {}\n", self.code);
        for (name, stream) in [("stdout", &self.stdout), ("stderr", &self.stderr)] {
            if stream.is_empty() {
                text.push_str(&format!("--- {name}: empty\n"));
            } else {
                text.push_str(&format!("--- {name}\n{}", self.normalize(stream)));
                if !stream.ends_with('\n') {
                    text.push_str("\n[no newline at end]\n");
                }
            }
        }
        text
    }

    /// Only stderr, normalised, for tests where it alone is the product.
    pub fn stderr_normalized(&self) -> String {
        self.normalize(&self.stderr)
    }

    /// stdout without its `::add-mask::` lines, normalised: the annotations and notices, for
    /// runs whose masked values are random (moto's credentials).
    pub fn annotations(&self) -> String {
        let lines: Vec<&str> = self
            .stdout
            .lines()
            .filter(|l| !l.starts_with("::add-mask::"))
            .collect();
        self.normalize(&lines.join("\n"))
    }

    /// Replaces what varies from run to run with stable placeholders:
    /// - the served token with `[TOKEN]` and any other JWT with `[JWT]`;
    /// - each `::stop-commands::` token with `[STOP-n]`, numbered in order of appearance (so
    ///   the snapshot still shows which fence each resume line closes);
    /// - heredoc delimiters with `EOF` (as [`Outcome::env_file_normalized`]);
    /// - the run's temp dir with `[TMP]`, other temp dirs with `[TMPDIR]`, the repository
    ///   (examples/) with `[REPO]`;
    /// - loopback ports with `GITHUB_PORT`/`STS_PORT` for a scenario's servers, else `PORT`;
    /// - retry delays and seconds-left or seconds-ago counts with `[N]`, a dry run's random
    ///   `jti` with `[JTI]`;
    /// - Unix times within a year of now with `[EPOCH]`, RFC 3339 times other than the mock's
    ///   fixed `EXPIRATION` with `[TIME]`.
    pub fn normalize(&self, text: &str) -> String {
        let re = |pattern: &str| regex::Regex::new(pattern).unwrap();
        let mut text = text.to_string();
        if let Some(token) = &self.token {
            text = text.replace(token.as_str(), "[TOKEN]");
        }
        text = re(r"eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
            .replace_all(&text, "[JWT]")
            .into_owned();
        let stops: Vec<String> = re(r"::stop-commands::([0-9a-f]{32})\n")
            .captures_iter(&text)
            .map(|c| c[1].to_string())
            .collect();
        for (i, stop) in stops.iter().enumerate() {
            text = text.replace(stop.as_str(), &format!("[STOP-{}]", i + 1));
        }
        text = re(r"ghadelimiter_[0-9a-f]{32}")
            .replace_all(&text, "EOF")
            .into_owned();
        text = text.replace(&self.dir, "[TMP]");
        text = text.replace(env!("CARGO_MANIFEST_DIR"), "[REPO]");
        let tmp = std::env::temp_dir()
            .to_str()
            .unwrap()
            .trim_end_matches('/')
            .to_string();
        text = re(&format!(r"{}/\.tmp[A-Za-z0-9]+", regex::escape(&tmp)))
            .replace_all(&text, "[TMPDIR]")
            .into_owned();
        text = re(r"127\.0\.0\.1:(\d+)")
            .replace_all(&text, |c: &regex::Captures| {
                let port: u16 = c[1].parse().unwrap();
                let name = self.ports.iter().find(|(p, _)| *p == port);
                format!("127.0.0.1:{}", name.map_or("PORT", |(_, name)| name))
            })
            .into_owned();
        text = re(r"retry (\d+) of (\d+) in \d+ ms")
            .replace_all(&text, "retry $1 of $2 in [N] ms")
            .into_owned();
        text = re(r"expires in -?\d+ s")
            .replace_all(&text, "expires in [N] s")
            .into_owned();
        // The dry run mints a fresh random `jti` per token.
        text = re(r"(jti +)`[0-9a-f]{32}`")
            .replace_all(&text, "$1`[JTI]`")
            .into_owned();
        text = re(r"expired \d+ seconds ago")
            .replace_all(&text, "expired [N] seconds ago")
            .into_owned();
        let now = now();
        text = re(r"\b\d{10}\b")
            .replace_all(&text, |c: &regex::Captures| {
                let n: i64 = c[0].parse().unwrap();
                if (n - now).abs() < 366 * 86400 {
                    "[EPOCH]".to_string()
                } else {
                    c[0].to_string()
                }
            })
            .into_owned();
        re(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})")
            .replace_all(&text, |c: &regex::Captures| {
                if &c[0] == EXPIRATION {
                    c[0].to_string()
                } else {
                    "[TIME]".to_string()
                }
            })
            .into_owned()
    }
}

#[test]
fn normalize_replaces_only_what_varies() {
    let outcome = Outcome {
        code: 0,
        stdout: String::new(),
        stderr: String::new(),
        env_file: String::new(),
        output_file: String::new(),
        summary: String::new(),
        dir: "/tmp/.tmpRunDir".into(),
        token: Some("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln".into()),
        ports: vec![(4100, "GITHUB_PORT")],
        elapsed: std::time::Duration::ZERO,
    };
    let stop = |c: char| c.to_string().repeat(32);
    let (a, b) = (stop('a'), stop('b'));
    let text = format!(
        "::add-mask::eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln\n\
         ::add-mask::eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ5In0.b3RoZXI\n\
         ::stop-commands::{a}\nx::{a}::\n::stop-commands::{b}\ny::{b}::\n\
         http://127.0.0.1:4100 http://127.0.0.1:4200 /tmp/.tmpRunDir/p {}/examples\n\
         retry 1 of 4 in 137 ms; the token expires in 19 s; expired 601 seconds ago\n\
         iat {} run_id 11843209874 account 123456789012\n\
         until {EXPIRATION}, moto until 2026-12-01T10:00:00.123Z\n",
        env!("CARGO_MANIFEST_DIR"),
        now()
    );
    insta::assert_snapshot!(outcome.normalize(&text), @r"
    ::add-mask::[TOKEN]
    ::add-mask::[JWT]
    ::stop-commands::[STOP-1]
    x::[STOP-1]::
    ::stop-commands::[STOP-2]
    y::[STOP-2]::
    http://127.0.0.1:GITHUB_PORT http://127.0.0.1:PORT [TMP]/p [REPO]/examples
    retry 1 of 4 in [N] ms; the token expires in [N] s; expired [N] seconds ago
    iat [EPOCH] run_id 11843209874 account 123456789012
    until 2026-11-24T13:00:00Z, moto until [TIME]
    ");
}
