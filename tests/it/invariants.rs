//! The security invariants every run of the binary keeps, checked on its transcript: no secret in
//! stderr, the step summary or GITHUB_STATE; on stdout each secret only on its own
//! `::add-mask::` line, which comes first; a failed run exports nothing and leaves no file
//! behind; what an exit 0 wrote is usable. Pure: `common.rs` collects the transcript (runner
//! files, the files the run changed) and calls [`violations`] after every run.

use regex::Regex;

/// What one run produced, as the invariants see it.
#[derive(Default)]
pub struct Transcript<'a> {
    pub code: i32,
    pub stdout: &'a str,
    pub stderr: &'a str,
    pub summary: &'a str,
    pub env_file: &'a str,
    pub output_file: &'a str,
    /// GITHUB_STATE as the run left it (the post step's record: names, never values).
    pub state_file: &'a str,
    /// `GITHUB_ACTIONS=true`: stdout is read by the runner, so secrets must be masked there.
    pub in_actions: bool,
    /// stdout is where the product hands credentials over by design (`credential-process`).
    pub stdout_is_data: bool,
    /// Files the run created, changed or removed, runner files excepted.
    pub changed: &'a [Changed],
    /// Another run used the same HOME at the same time: its profiles are not this run's.
    pub shared_home: bool,
}

/// A file the run created (`before` is `None`), changed, or removed (`after` is `None`).
/// Text is `None` too for what is not a readable UTF-8 file (a directory, a link, a FIFO).
#[derive(Debug, Clone, Default)]
pub struct Changed {
    pub path: String,
    /// The product's own memory (which notices it showed), allowed to change on failure but
    /// never to hold a secret.
    pub state: bool,
    /// Whether the file lies under the run's HOME (see [`Transcript::shared_home`]).
    pub in_home: bool,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// Shorter values are not checked as secrets: they occur in ordinary text (a test's `s`).
const MIN_SECRET_LEN: usize = 8;

/// Names under which credentials are exported, in GITHUB_ENV, GITHUB_OUTPUT and profile files.
const ENV_CREDENTIALS: [&str; 3] = [
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
];
const OUTPUT_CREDENTIALS: [&str; 3] = [
    "aws-access-key-id",
    "aws-secret-access-key",
    "aws-session-token",
];
const PROFILE_CREDENTIALS: [&str; 3] = [
    "aws_access_key_id",
    "aws_secret_access_key",
    "aws_session_token",
];
const JSON_CREDENTIALS: [&str; 3] = ["AccessKeyId", "SecretAccessKey", "SessionToken"];

/// `::add-mask::` escaping, as the runner reads the value back.
fn escape_data(value: &str) -> String {
    value
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn unescape_data(value: &str) -> String {
    value
        .replace("%0A", "\n")
        .replace("%0D", "\r")
        .replace("%25", "%")
}

/// `NAME<<DELIMITER` records, as the product writes GITHUB_ENV and GITHUB_OUTPUT.
pub fn heredocs(text: &str) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let (name, delimiter) = line
            .split_once("<<")
            .ok_or_else(|| format!("not a heredoc record: {line:?}"))?;
        let mut value = Vec::new();
        loop {
            match lines.next() {
                Some(l) if l == delimiter => break,
                Some(l) => value.push(l),
                None => return Err(format!("{name}: no closing {delimiter}")),
            }
        }
        out.push((name.to_string(), value.join("\n")));
    }
    Ok(out)
}

/// `(section, key, value)` of each `key = value` line of an INI text.
fn ini_values(text: &str) -> Vec<(String, String, String)> {
    let mut section = String::new();
    let mut out = Vec::new();
    for line in text.lines().map(str::trim) {
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = name.trim().to_string();
        } else if let Some((key, value)) = line.split_once('=') {
            out.push((
                section.clone(),
                key.trim().to_string(),
                value.trim().to_string(),
            ));
        }
    }
    out
}

/// The values the product itself declared secret (`::add-mask::` lines), unescaped.
fn masked(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .filter_map(|l| l.strip_prefix("::add-mask::"))
        .map(unescape_data)
        .collect()
}

fn jwt() -> Regex {
    Regex::new(r"eyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*").unwrap()
}

/// Credentials the run wrote for later steps: in GITHUB_ENV and GITHUB_OUTPUT, new values in
/// profile files, and `credential-process` JSON. Each must be masked before it is printed.
pub fn written_secrets(t: &Transcript) -> Vec<String> {
    let mut out = Vec::new();
    for (text, names) in [
        (t.env_file, ENV_CREDENTIALS),
        (t.output_file, OUTPUT_CREDENTIALS),
    ] {
        for (name, value) in heredocs(text).unwrap_or_default() {
            if names.contains(&name.as_str()) {
                out.push(value);
            }
        }
    }
    for file in t.changed.iter().filter(|f| ours(t, f)) {
        let Some(after) = &file.after else { continue };
        let before = file.before.as_deref().map(ini_values).unwrap_or_default();
        for (_, key, value) in ini_values(after) {
            let old = before.iter().any(|(_, k, v)| *k == key && *v == value);
            if PROFILE_CREDENTIALS.contains(&key.as_str()) && !old {
                out.push(value);
            }
        }
    }
    if t.stdout_is_data
        && let Ok(json) = serde_json::from_str::<serde_json::Value>(t.stdout)
    {
        for name in JSON_CREDENTIALS {
            if let Some(value) = json[name].as_str() {
                out.push(value.to_string());
            }
        }
    }
    out.retain(|s| s.trim().len() >= MIN_SECRET_LEN);
    out.sort();
    out.dedup();
    out
}

/// Whether `file` is this run's alone (not in a HOME another run shared meanwhile).
fn ours(t: &Transcript, file: &Changed) -> bool {
    !(t.shared_home && file.in_home)
}

/// Every broken invariant of the run, given the secrets the test knows of (canaries, tokens it
/// served, credentials its STS handed out). Empty when the run keeps them all.
pub fn violations(t: &Transcript, known: &[String]) -> Vec<String> {
    let written = written_secrets(t);
    let mut secrets: Vec<String> = known.iter().cloned().chain(written.clone()).collect();
    secrets.extend(masked(t.stdout));
    if !t.stdout_is_data {
        // Profile values other jobs wrote (shared HOME) are secrets too, if not this run's.
        secrets.extend(profile_values(t.changed));
    }
    secrets.retain(|s| s.trim().len() >= MIN_SECRET_LEN);
    secrets.sort();
    secrets.dedup();

    let mut found = Vec::new();
    never_printed(t, &secrets, &mut found);
    if !t.stdout_is_data {
        masked_first(t, &secrets, &written, &mut found);
    }
    if t.code == 0 {
        usable(t, &mut found);
    } else {
        nothing_exported(t, &secrets, &mut found);
    }
    found
}

fn profile_values(changed: &[Changed]) -> Vec<String> {
    changed
        .iter()
        .filter_map(|f| f.after.as_deref())
        .flat_map(ini_values)
        .filter(|(_, key, _)| PROFILE_CREDENTIALS.contains(&key.as_str()))
        .map(|(_, _, value)| value)
        .collect()
}

/// No secret, and nothing shaped like a JWT, in stderr, the step summary or GITHUB_STATE; no
/// JWT in any file the run wrote (the OIDC token is never kept on disk); no secret in the
/// product's own memory.
fn never_printed(t: &Transcript, secrets: &[String], found: &mut Vec<String>) {
    let jwt = jwt();
    for (stream, text) in [
        ("stderr", t.stderr),
        ("step summary", t.summary),
        ("GITHUB_STATE", t.state_file),
    ] {
        for secret in secrets {
            if text.contains(secret.as_str()) {
                found.push(format!("{stream} shows the secret {secret:?}"));
            }
        }
        for m in jwt.find_iter(text) {
            found.push(format!("{stream} shows a JWT {:?}", m.as_str()));
        }
    }
    for file in t.changed {
        let text = file.after.as_deref().unwrap_or("");
        for m in jwt.find_iter(text) {
            found.push(format!("{} holds a JWT {:?}", file.path, m.as_str()));
        }
    }
    for file in t.changed.iter().filter(|f| f.state) {
        let text = file.after.as_deref().unwrap_or("");
        for secret in secrets.iter().filter(|s| text.contains(s.as_str())) {
            found.push(format!("{} holds the secret {secret:?}", file.path));
        }
    }
}

/// On stdout a secret appears only on `::add-mask::` lines, and its own mask line comes before
/// any other line that holds it. In Actions, every credential the run wrote has that line.
fn masked_first(t: &Transcript, secrets: &[String], written: &[String], found: &mut Vec<String>) {
    let lines: Vec<&str> = t.stdout.lines().collect();
    for secret in secrets {
        let own = format!("::add-mask::{}", escape_data(secret));
        let first_own = lines.iter().position(|l| *l == own);
        for (i, line) in lines.iter().enumerate() {
            if !line.contains(secret.as_str()) {
                continue;
            }
            if !line.starts_with("::add-mask::") {
                found.push(format!("stdout line {} shows {secret:?} unmasked", i + 1));
            } else if first_own.is_none_or(|own| own > i) {
                found.push(format!(
                    "stdout line {} holds {secret:?} before its own ::add-mask:: line",
                    i + 1
                ));
            }
        }
        if t.in_actions && first_own.is_none() && written.contains(secret) {
            found.push(format!("{secret:?} was written but never masked"));
        }
    }
    for m in jwt().find_iter(t.stdout) {
        // The JWT must be the whole rest of an `::add-mask::` line.
        let before = t.stdout[..m.start()].rsplit('\n').next().unwrap_or("");
        let after = t.stdout[m.end()..].split('\n').next().unwrap_or("");
        if before != "::add-mask::" || !after.is_empty() {
            found.push(format!(
                "stdout shows a JWT outside its mask line: {:?}",
                m.as_str()
            ));
        }
    }
}

/// A failed run exports no credential and leaves every file as it found it.
fn nothing_exported(t: &Transcript, secrets: &[String], found: &mut Vec<String>) {
    for (file, text, names) in [
        ("GITHUB_ENV", t.env_file, ENV_CREDENTIALS),
        ("GITHUB_OUTPUT", t.output_file, OUTPUT_CREDENTIALS),
    ] {
        for (name, value) in heredocs(text).unwrap_or_default() {
            if names.contains(&name.as_str()) && !value.is_empty() {
                found.push(format!("{file} exports {name} after exit {}", t.code));
            }
        }
        for secret in secrets {
            if text.contains(secret.as_str()) {
                found.push(format!("{file} holds {secret:?} after exit {}", t.code));
            }
        }
    }
    for file in t.changed.iter().filter(|f| ours(t, f) && !f.state) {
        let what = match (&file.before, &file.after) {
            (None, _) => "left behind",
            (_, None) => "removed",
            _ => "changed",
        };
        found.push(format!("{} {what} after exit {}", file.path, t.code));
    }
}

/// After exit 0 the runner files parse, and each exported key id comes with its secret (and a
/// session token for temporary keys), in GITHUB_ENV, GITHUB_OUTPUT, profiles and JSON alike.
fn usable(t: &Transcript, found: &mut Vec<String>) {
    let mut sets: Vec<(String, [Option<String>; 3])> = Vec::new();
    for (file, text, names) in [
        ("GITHUB_ENV", t.env_file, ENV_CREDENTIALS),
        ("GITHUB_OUTPUT", t.output_file, OUTPUT_CREDENTIALS),
    ] {
        match heredocs(text) {
            Ok(records) => sets.push((file.to_string(), credentials(&records, names))),
            Err(e) => found.push(format!("{file} is not usable: {e}")),
        }
    }
    // A profile handed to later steps by name exists in a file the run wrote.
    for (name, profile) in heredocs(t.env_file).unwrap_or_default() {
        let written = |text: &str| {
            text.lines()
                .map(str::trim)
                .any(|l| l == format!("[{profile}]") || l == format!("[profile {profile}]"))
        };
        if name == "AWS_PROFILE"
            && !profile.is_empty()
            && !t
                .changed
                .iter()
                .any(|f| f.after.as_deref().is_some_and(written))
        {
            found.push(format!(
                "AWS_PROFILE names {profile:?}, which no file the run wrote holds"
            ));
        }
    }
    for file in t.changed.iter().filter(|f| ours(t, f)) {
        let Some(after) = &file.after else { continue };
        let values = ini_values(after);
        let mut sections: Vec<&String> = values.iter().map(|(s, _, _)| s).collect();
        sections.dedup();
        for section in sections {
            let records: Vec<(String, String)> = values
                .iter()
                .filter(|(s, _, _)| s == section)
                .map(|(_, k, v)| (k.clone(), v.clone()))
                .collect();
            let set = credentials(&records, PROFILE_CREDENTIALS);
            sets.push((format!("{} [{section}]", file.path), set));
        }
    }
    if t.stdout_is_data {
        match serde_json::from_str::<serde_json::Value>(t.stdout) {
            Ok(json) if json["Version"] == 1 => {
                let records: Vec<(String, String)> = JSON_CREDENTIALS
                    .iter()
                    .filter_map(|n| Some((n.to_string(), json[n].as_str()?.to_string())))
                    .collect();
                let set = credentials(&records, JSON_CREDENTIALS);
                if set[0].is_none() {
                    found.push("credential-process JSON holds no AccessKeyId".into());
                }
                sets.push(("credential-process JSON".into(), set));
            }
            _ => found.push(format!(
                "credential-process stdout is not its JSON: {:?}",
                t.stdout
            )),
        }
    }
    for (place, [key_id, secret, token]) in sets {
        let Some(key_id) = key_id else { continue };
        if secret.is_none() {
            found.push(format!("{place}: key id {key_id:?} without its secret key"));
        }
        if key_id.starts_with("ASIA") && token.is_none() {
            found.push(format!(
                "{place}: temporary key id {key_id:?} without a session token"
            ));
        }
    }
}

/// The non-empty key id, secret key and session token among `records`, found by `names`.
fn credentials(records: &[(String, String)], names: [&str; 3]) -> [Option<String>; 3] {
    names.map(|name| {
        records
            .iter()
            .find(|(n, v)| n == name && !v.is_empty())
            .map(|(_, v)| v.clone())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "ASIAQEXAMPLE7JK2LMNO";
    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY";
    const TOKEN: &str = "FwoGZXIvYXdzEJr//////////wEaDEXAMPLESESSIONTOKEN+abc/def==";
    const USER: &str =
        "[default]\naws_access_key_id = AKIAUSER\naws_secret_access_key = usersecret1\n";
    const JWT: &str = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl";

    fn env_file() -> String {
        format!(
            "AWS_ACCESS_KEY_ID<<D\n{KEY}\nD\nAWS_SECRET_ACCESS_KEY<<D\n{SECRET}\nD\nAWS_SESSION_TOKEN<<D\n{TOKEN}\nD\n"
        )
    }

    fn masks() -> String {
        format!("::add-mask::{KEY}\n::add-mask::{SECRET}\n::add-mask::{TOKEN}\n")
    }

    fn check(t: &Transcript) -> Vec<String> {
        violations(t, &[JWT.to_string(), "canary-request-token".to_string()])
    }

    #[test]
    fn a_clean_export_keeps_every_invariant() {
        let (env, stdout) = (env_file(), masks());
        let t = Transcript {
            stdout: &stdout,
            stderr: "oidc-assume: assumed arn:aws:sts::123456789012:assumed-role/r/s\n",
            env_file: &env,
            in_actions: true,
            ..Transcript::default()
        };
        assert_eq!(check(&t), Vec::<String>::new());
    }

    /// A transcript of a masked export in Actions, to break one way per case.
    fn base<'a>(stdout: &'a str, env_file: &'a str) -> Transcript<'a> {
        Transcript {
            stdout,
            env_file,
            in_actions: true,
            ..Transcript::default()
        }
    }

    fn file(path: &str, before: Option<&str>, after: Option<&str>) -> Changed {
        Changed {
            path: path.into(),
            before: before.map(String::from),
            after: after.map(String::from),
            ..Changed::default()
        }
    }

    /// The user's profile file with this run's session added as `[ci]`.
    fn profile() -> [Changed; 1] {
        let after = format!(
            "{USER}[ci]\naws_access_key_id = {KEY}\naws_secret_access_key = {SECRET}\naws_session_token = {TOKEN}\n"
        );
        [file("[TMP]/.aws/credentials", Some(USER), Some(&after))]
    }

    /// Each case breaks an invariant and must be reported with `expected` in its reason: the
    /// check itself can fail.
    fn assert_caught(cases: Vec<(&str, Transcript, &str)>) {
        for (name, t, expected) in cases {
            let found = check(&t);
            assert!(
                found.iter().any(|v| v.contains(expected)),
                "{name}: expected {expected:?} among {found:#?}"
            );
        }
    }

    #[test]
    fn leaks_on_the_streams_are_caught() {
        let (env, masks) = (env_file(), masks());
        let unmasked = format!("::notice::{SECRET}\n{masks}");
        let late_mask = format!("::add-mask::{KEY}\n::add-mask::x{SECRET}\n{masks}");
        let stderr = format!("error: STS said no to {JWT}\n");
        let jwt_stdout = format!("{masks}token: {JWT}\n");
        assert_caught(vec![
            (
                "a secret in stderr",
                Transcript {
                    stderr: &stderr,
                    ..base(&masks, &env)
                },
                "stderr shows the secret \"eyJ",
            ),
            (
                "a canary in the summary",
                Transcript {
                    summary: "| token | canary-request-token |",
                    ..base(&masks, &env)
                },
                "step summary shows the secret \"canary-request-token\"",
            ),
            (
                "a secret in GITHUB_STATE",
                Transcript {
                    state_file: SECRET,
                    ..base(&masks, &env)
                },
                "GITHUB_STATE shows the secret",
            ),
            (
                "a value before its mask",
                base(&unmasked, &env),
                "stdout line 1 shows \"wJal",
            ),
            (
                "a value inside another mask, before its own",
                base(&late_mask, &env),
                "stdout line 2 holds \"wJal",
            ),
            (
                "an export never masked",
                base("", &env),
                "was written but never masked",
            ),
            (
                "a JWT on stdout",
                base(&jwt_stdout, &env),
                "stdout shows a JWT outside its mask line",
            ),
        ]);
    }

    #[test]
    fn exports_after_a_failure_are_caught() {
        let (env, masks) = (env_file(), masks());
        let left = [file("[TMP]/.aws/credentials.tmp", None, Some(""))];
        let secret_memory = format!("shown for {SECRET}");
        let memory = |text: &str| Changed {
            state: true,
            ..file("[TMP]/.cache/oidc-assume/notices", None, Some(text))
        };
        let (leaky, quiet) = ([memory(&secret_memory)], [memory("shown")]);
        let profile = profile();
        assert_caught(vec![
            (
                "an export after failure",
                Transcript {
                    code: 5,
                    ..base(&masks, &env)
                },
                "GITHUB_ENV exports AWS_ACCESS_KEY_ID after exit 5",
            ),
            (
                "a partial file after failure",
                Transcript {
                    code: 3,
                    changed: &left,
                    ..base(&masks, "")
                },
                "credentials.tmp left behind after exit 3",
            ),
            (
                "a secret in the product's own memory",
                Transcript {
                    code: 2,
                    changed: &leaky,
                    ..base(&masks, "")
                },
                "notices holds the secret",
            ),
            (
                "a profile after failure",
                Transcript {
                    code: 3,
                    changed: &profile,
                    ..base(&masks, "")
                },
                ".aws/credentials changed after exit 3",
            ),
        ]);
        // The product's memory may change on failure, if it holds no secret.
        let failed = Transcript {
            code: 2,
            changed: &quiet,
            ..base(&masks, "")
        };
        assert_eq!(check(&failed), Vec::<String>::new());
    }

    #[test]
    fn unusable_or_kept_exports_are_caught() {
        let (env, masks) = (env_file(), masks());
        let kept = [file("[TMP]/token.jwt", None, Some(&format!("{JWT}\n")))];
        let profile = profile();
        assert_caught(vec![
            (
                "a JWT kept on disk",
                Transcript {
                    changed: &kept,
                    ..base(&masks, &env)
                },
                "token.jwt holds a JWT",
            ),
            (
                "a key id without its secret",
                base(
                    "::add-mask::ASIAONLYTHEKEYID\n",
                    "AWS_ACCESS_KEY_ID<<D\nASIAONLYTHEKEYID\nD\n",
                ),
                "key id \"ASIAONLYTHEKEYID\" without its secret key",
            ),
            (
                "credential-process stdout that is not its JSON",
                Transcript {
                    stdout_is_data: true,
                    ..base("", "")
                },
                "credential-process stdout is not its JSON",
            ),
            (
                "a profile named but not written",
                base(&masks, "AWS_PROFILE<<D\nci\nD\n"),
                "AWS_PROFILE names \"ci\", which no file the run wrote holds",
            ),
            (
                "a broken GITHUB_OUTPUT",
                Transcript {
                    output_file: "aws-account-id<<D\n123\n",
                    ..base(&masks, &env)
                },
                "GITHUB_OUTPUT is not usable",
            ),
            (
                "a profile written but never masked",
                Transcript {
                    changed: &profile,
                    ..base("", "")
                },
                "never masked",
            ),
        ]);
        // The profile's new keys are this run's: masked in stdout, they pass after exit 0.
        let ok = Transcript {
            changed: &profile,
            ..base(&masks, &env)
        };
        assert_eq!(check(&ok), Vec::<String>::new());
    }

    #[test]
    fn credential_process_json_is_data_but_never_in_stderr() {
        let json = format!(
            r#"{{"Version": 1, "AccessKeyId": "{KEY}", "SecretAccessKey": "{SECRET}", "SessionToken": "{TOKEN}", "Expiration": "2026-11-24T13:00:00Z"}}"#
        );
        let t = Transcript {
            stdout: &json,
            stdout_is_data: true,
            ..Transcript::default()
        };
        assert_eq!(check(&t), Vec::<String>::new());
        let stderr = format!("using {SECRET}\n");
        let leak = Transcript {
            stderr: &stderr,
            ..t
        };
        assert!(
            check(&leak)
                .iter()
                .any(|v| v.contains("stderr shows the secret \"wJal"))
        );
        let partial =
            format!(r#"{{"Version": 1, "AccessKeyId": "{KEY}", "SecretAccessKey": "{SECRET}"}}"#);
        let t = Transcript {
            stdout: &partial,
            stdout_is_data: true,
            ..Transcript::default()
        };
        assert!(
            check(&t)
                .iter()
                .any(|v| v.contains("without a session token"))
        );
    }
}
