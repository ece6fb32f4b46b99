//! Merging profile sections into a file's text and taking them out again. Pure: no I/O; the
//! caller reads and writes the files.

use std::path::Path;

use super::ini::{Doc, Kind, MARKER, Section, render_section};
use super::{
    FileKind, MAX_NAME_LEN, ProfileEntry, ProfileError, Removed, Written, key_fingerprint,
};

/// Merges `entries` into the text of a shared credentials file (the tests' entry point: the
/// writer calls [`merge`] for both files at once). Sections with other names are
/// kept byte for byte; sections with an entry's name (every occurrence) are replaced when
/// `overwrite`, else [`ProfileError::Exists`]. `origin` names the file in errors.
#[cfg(test)]
pub fn merge_credentials(
    existing: &str,
    origin: &Path,
    entries: &[ProfileEntry],
    overwrite: bool,
) -> Result<String, ProfileError> {
    merge(FileKind::Credentials, existing, origin, entries, overwrite).map(|(text, _)| text)
}

/// Merges `entries` into the text of a config file: `[profile NAME]` (`[default]`) with
/// `region = …`. An entry without a region adds nothing, but still conflicts with an existing
/// section that says anything (a `role_arn` or `sso_*` there would win over our keys). An
/// existing section that says exactly what we would write is kept as it is, overwrite or not.
#[cfg(test)]
pub fn merge_config(
    existing: &str,
    origin: &Path,
    entries: &[ProfileEntry],
    overwrite: bool,
) -> Result<String, ProfileError> {
    merge(FileKind::Config, existing, origin, entries, overwrite).map(|(text, _)| text)
}

/// Removes every section of the named profiles, keeping everything else. For sections we wrote
/// (they start with our comment), the blank line or line break the merge put before them goes
/// too, so merging and then removing gives back the original text. Lines that do not parse are
/// treated as section content: the cleanup should never fail on a file the user has since edited.
pub fn remove_sections(existing: &str, kind: FileKind, names: &[String]) -> String {
    let doc = Doc::parse(existing, kind);
    let mut keep = vec![true; doc.lines.len()];
    let mut removed_ours = Vec::new();
    for section in &doc.sections {
        if section
            .profile
            .as_deref()
            .is_some_and(|p| names.iter().any(|n| n == p))
        {
            keep[section.header..section.end].fill(false);
            if doc.is_ours(section) {
                removed_ours.push(section.header);
            }
        }
    }
    // The merge put a blank line before each section it appended to a file ending in a newline.
    for &header in &removed_ours {
        if header > 0 && keep[header - 1] && doc.lines[header - 1].body.is_empty() {
            keep[header - 1] = false;
        }
    }
    // ...or, when the file did not end in a newline, only the line break that ended its last line.
    let mut out = String::with_capacity(existing.len());
    let last_kept = keep.iter().rposition(|k| *k);
    for (i, line) in doc.lines.iter().enumerate() {
        if !keep[i] {
            continue;
        }
        out.push_str(line.body);
        let strip_eol =
            Some(i) == last_kept && !line.body.is_empty() && removed_ours.contains(&(i + 1));
        if !strip_eol {
            out.push_str(line.eol);
        }
    }
    out
}

/// Which of the profiles `written` lists still hold this job's credentials in the text of the
/// credentials file: a profile whose every section holds an access key id with the recorded
/// fingerprint is ours to remove; one with another key (or none) was overwritten by another
/// job and is `replaced`. A profile no longer in the file counts as removed, and so does one
/// without a recorded fingerprint (a record from before the check).
pub(super) fn still_ours(credentials: &str, written: &Written) -> Removed {
    let doc = Doc::parse(credentials, FileKind::Credentials);
    let mut out = Removed::default();
    for name in &written.credentials.profiles {
        let ours = written.owners.get(name).is_none_or(|fingerprint| {
            doc.sections
                .iter()
                .filter(|s| s.profile.as_deref() == Some(name.as_str()))
                .all(|s| {
                    doc.settings(s)
                        .iter()
                        .find(|(k, _)| k == "aws_access_key_id")
                        .is_some_and(|(_, v)| key_fingerprint(v) == *fingerprint)
                })
        });
        if ours {
            out.removed.push(name.clone());
        } else {
            out.replaced.push(name.clone());
        }
    }
    out
}

/// The shared merge: the new text and the profiles whose sections it wrote.
pub(super) fn merge(
    kind: FileKind,
    existing: &str,
    origin: &Path,
    entries: &[ProfileEntry],
    overwrite: bool,
) -> Result<(String, Vec<String>), ProfileError> {
    validate(entries)?;
    let doc = Doc::parse(existing, kind);
    if let Some(i) = doc.kinds.iter().position(|k| matches!(k, Kind::Invalid(_))) {
        let Kind::Invalid(problem) = doc.kinds[i] else {
            unreachable!()
        };
        return Err(ProfileError::Parse {
            path: origin.to_path_buf(),
            line: i + 1,
            problem,
        });
    }

    // For each header line of an existing section: the entry replacing it, or None to drop it.
    let mut replace: Vec<(usize, usize, Option<&ProfileEntry>)> = Vec::new();
    let mut append = Vec::new();
    let mut written = Vec::new();
    for entry in entries {
        let settings = settings(kind, entry);
        let existing: Vec<&Section> = doc
            .sections
            .iter()
            .filter(|s| s.profile.as_deref() == Some(entry.name.as_str()))
            .collect();
        let unchanged = if existing.is_empty() {
            settings.is_empty()
        } else {
            existing
                .iter()
                .all(|s| doc.settings(s) == sorted(settings.clone()))
        };
        if kind == FileKind::Config && unchanged {
            // Already says what we would write (or nothing to write and no section): the
            // user's section stays theirs, and the cleanup will not remove it. One we wrote
            // (another job on a shared HOME, since overwritten by this one) is listed, with
            // no change to the text: otherwise no job's cleanup would ever remove it.
            if !existing.is_empty() && existing.iter().all(|s| doc.is_ours(s)) {
                written.push(entry.name.clone());
            }
            continue;
        }
        if !existing.is_empty() && !overwrite {
            return Err(ProfileError::Exists {
                path: origin.to_path_buf(),
                profile: entry.name.clone(),
            });
        }
        match existing.split_first() {
            Some((first, rest)) => {
                replace.push((first.header, first.end, Some(entry)));
                replace.extend(rest.iter().map(|s| (s.header, s.end, None)));
            }
            None => append.push(entry),
        }
        written.push(entry.name.clone());
    }

    let mut out = String::with_capacity(existing.len() + 512 * entries.len());
    let mut i = 0;
    while i < doc.lines.len() {
        match replace.iter().find(|(header, _, _)| *header == i) {
            Some((_, end, with)) => {
                if let Some(entry) = with {
                    render(&mut out, kind, entry, doc.eol);
                }
                i = *end;
            }
            None => {
                out.push_str(doc.lines[i].body);
                out.push_str(doc.lines[i].eol);
                i += 1;
            }
        }
    }
    for entry in append {
        // A blank line after a file ending in a newline, else just end its last line;
        // remove_sections undoes exactly this.
        if !out.is_empty() {
            out.push_str(doc.eol);
        }
        render(&mut out, kind, entry, doc.eol);
    }
    Ok((out, written))
}

/// Checks names and values before anything is parsed or written.
pub(super) fn validate(entries: &[ProfileEntry]) -> Result<(), ProfileError> {
    for (i, entry) in entries.iter().enumerate() {
        let name = &entry.name;
        let invalid = |reason| {
            Err(ProfileError::InvalidName {
                name: name.clone(),
                reason,
            })
        };
        // One rule for profile names, shared with the input checks ([`crate::aws`]); what
        // follows only says which part of it the name breaks.
        if !crate::aws::is_profile_name(name) {
            return invalid(name_problem(name));
        }
        if entries[..i].iter().any(|e| e.name == *name) {
            return invalid("it is given more than once");
        }
        let values = [
            ("access key id", entry.access_key_id.expose()),
            ("secret access key", entry.secret_access_key.expose()),
            ("session token", entry.session_token.expose()),
            ("expiration", entry.expiration.as_str()),
            ("region", entry.region.as_deref().unwrap_or("")),
        ];
        for (field, value) in values {
            let what = if value.contains(['\r', '\n']) {
                Some("a line break")
            } else if value.contains('\0') {
                Some("a NUL character")
            } else if value.chars().any(char::is_control) {
                Some("a control character")
            } else if value.trim() != value {
                // The parsers trim values, so the profile would silently hold something else.
                Some("leading or trailing whitespace")
            } else {
                None
            };
            if let Some(what) = what {
                return Err(ProfileError::UnsafeValue {
                    profile: name.clone(),
                    field,
                    what,
                });
            }
        }
    }
    Ok(())
}

/// Which part of [`crate::aws::is_profile_name`] a refused name breaks, for the message.
fn name_problem(name: &str) -> &'static str {
    if name.is_empty() {
        "it is empty"
    } else if name.len() > MAX_NAME_LEN {
        "it is too long"
    } else if name.starts_with('-') {
        "it starts with `-`"
    } else {
        // `[`, `]`, `=`, spaces and line breaks would end the header early or start a new line.
        "it contains a character other than letters, digits, `.`, `_`, `-`, `@` or `+`"
    }
}

/// The `key = value` settings we write for an entry.
fn settings(kind: FileKind, entry: &ProfileEntry) -> Vec<(&'static str, &str)> {
    match kind {
        FileKind::Credentials => vec![
            ("aws_access_key_id", entry.access_key_id.expose()),
            ("aws_secret_access_key", entry.secret_access_key.expose()),
            ("aws_session_token", entry.session_token.expose()),
        ],
        FileKind::Config => entry
            .region
            .iter()
            // An empty region is no region: `region = ` would make the CLI fail to resolve one.
            .filter(|r| !r.is_empty())
            .map(|r| ("region", r.as_str()))
            .collect(),
    }
}

fn sorted(settings: Vec<(&str, &str)>) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = settings
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    out.sort();
    out
}

/// Appends our section for `entry`: header, marker comment, settings.
fn render(out: &mut String, kind: FileKind, entry: &ProfileEntry, eol: &str) {
    // The expiry goes in the credentials file only: that is where a reader looks for it.
    let comment = match kind {
        FileKind::Credentials => format!("{MARKER}; expires {}", entry.expiration),
        FileKind::Config => MARKER.to_string(),
    };
    render_section(
        out,
        kind,
        &entry.name,
        &comment,
        &settings(kind, entry),
        eol,
    );
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::*;
    use crate::secret::Secret;

    #[test]
    fn merge_keeps_unrelated_sections_byte_for_byte() {
        let cases: &[(&str, FileKind, &str, &str)] = &[
            (
                "empty credentials",
                FileKind::Credentials,
                "",
                "[ci]\n# written by oidc-assume; expires 2026-11-24T13:00:00Z\naws_access_key_id = ASIAEXAMPLEKEYID0001\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\naws_session_token = IQoJb3JpZ2luX2VjEXAMPLETOKEN+/==\n",
            ),
            (
                "empty config",
                FileKind::Config,
                "",
                "[profile ci]\n# written by oidc-assume\nregion = us-east-2\n",
            ),
            (
                "developer config",
                FileKind::Config,
                DEV_CONFIG,
                "\n[profile ci]\n# written by oidc-assume\nregion = us-east-2\n",
            ),
            (
                "crlf credentials without final newline",
                FileKind::Credentials,
                CRLF_CREDENTIALS,
                "\r\n[ci]\r\n# written by oidc-assume; expires 2026-11-24T13:00:00Z\r\naws_access_key_id = ASIAEXAMPLEKEYID0001\r\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\r\naws_session_token = IQoJb3JpZ2luX2VjEXAMPLETOKEN+/==\r\n",
            ),
        ];
        for (what, kind, before, added) in cases {
            let entries = [entry("ci", Some("us-east-2"))];
            let merged = match kind {
                FileKind::Credentials => merge_credentials(before, origin(), &entries, false),
                FileKind::Config => merge_config(before, origin(), &entries, false),
            }
            .unwrap();
            assert_eq!(merged, format!("{before}{added}"), "{what}");
            assert_eq!(
                remove_sections(&merged, *kind, &["ci".into()]),
                *before,
                "{what}: removal restores the original"
            );
        }
    }

    #[test]
    fn merge_replaces_in_place_only_when_overwrite() {
        let cases: &[(&str, FileKind, &str, &str, &str)] = &[
            (
                "credentials: replaced where it stood, comment of next section kept",
                FileKind::Credentials,
                "[a]\nx = 1\n\n[ci]\naws_access_key_id = OLD\n\n# b is mine\n[b]\ny = 2\n",
                "ci",
                "[a]\nx = 1\n\n[ci]\n# written by oidc-assume; expires 2026-11-24T13:00:00Z\naws_access_key_id = ASIAEXAMPLEKEYID0001\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\naws_session_token = IQoJb3JpZ2luX2VjEXAMPLETOKEN+/==\n\n# b is mine\n[b]\ny = 2\n",
            ),
            (
                "credentials: duplicates all go, spaced header counts",
                FileKind::Credentials,
                "[ ci ]\nold = 1\n[b]\ny = 2\n[ci] ; again\nold = 2\n",
                "ci",
                "[ci]\n# written by oidc-assume; expires 2026-11-24T13:00:00Z\naws_access_key_id = ASIAEXAMPLEKEYID0001\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\naws_session_token = IQoJb3JpZ2luX2VjEXAMPLETOKEN+/==\n[b]\ny = 2\n",
            ),
            (
                "config: [profile default] and [default] are both the default profile",
                FileKind::Config,
                "[profile default]\nregion = ap-south-1\n[default]\noutput = json\n[sso-session default]\nsso_region = us-east-1\n",
                "default",
                "[default]\n# written by oidc-assume\nregion = us-east-2\n[sso-session default]\nsso_region = us-east-1\n",
            ),
            (
                "config: a non-default profile never touches [default]",
                FileKind::Config,
                "[default]\nregion = ap-south-1\n[profile ci]\nrole_arn = arn:aws:iam::1:role/x\n[services ci]\ns3 =\n  endpoint_url = http://x\n",
                "ci",
                "[default]\nregion = ap-south-1\n[profile ci]\n# written by oidc-assume\nregion = us-east-2\n[services ci]\ns3 =\n  endpoint_url = http://x\n",
            ),
        ];
        for (what, kind, before, name, after) in cases {
            let entries = [entry(name, Some("us-east-2"))];
            let run = |overwrite| match kind {
                FileKind::Credentials => merge_credentials(before, origin(), &entries, overwrite),
                FileKind::Config => merge_config(before, origin(), &entries, overwrite),
            };
            match run(false) {
                Err(ProfileError::Exists { profile, path }) => {
                    assert_eq!(profile, *name, "{what}");
                    assert_eq!(path, origin(), "{what}");
                }
                other => panic!("{what}: {other:?}"),
            }
            assert_eq!(run(true).unwrap(), *after, "{what}");
        }
    }

    #[test]
    fn identical_config_section_is_not_a_conflict_and_stays_the_users() {
        let before = "[profile ci]\n# mine\nRegion   =   us-east-2\n";
        let (text, written) = merge(
            FileKind::Config,
            before,
            origin(),
            &[entry("ci", Some("us-east-2"))],
            false,
        )
        .unwrap();
        assert_eq!(text, before);
        assert!(written.is_empty());

        // No region: nothing to add, but an existing section with settings still conflicts.
        let (text, written) = merge(
            FileKind::Config,
            DEV_CONFIG,
            origin(),
            &[entry("ci", None)],
            false,
        )
        .unwrap();
        assert_eq!((text.as_str(), written.len()), (DEV_CONFIG, 0));
        assert!(matches!(
            merge_config(DEV_CONFIG, origin(), &[entry("prod", None)], false),
            Err(ProfileError::Exists { .. })
        ));
        assert!(matches!(
            merge_config(
                DEV_CONFIG,
                origin(),
                &[entry("prod", Some("us-east-1"))],
                false
            ),
            Err(ProfileError::Exists { .. })
        ));
    }

    #[test]
    fn remove_drops_ours_and_keeps_the_rest() {
        let cases: &[(&str, FileKind, &str, &[&str], &str)] = &[
            (
                "config: staging (spaced header) and default go, sso-session and services stay",
                FileKind::Config,
                DEV_CONFIG,
                &["staging", "default"],
                "\n[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\nsso_registration_scopes = sso:account:access\n\n# production, read only\n[profile prod]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = ReadOnly\nregion = us-east-1\n\n\n[services local]\ndynamodb =\n  endpoint_url = http://localhost:8000\n",
            ),
            (
                "config: a name that only matches a non-profile section removes nothing",
                FileKind::Config,
                DEV_CONFIG,
                &["corp", "local"],
                DEV_CONFIG,
            ),
            (
                "credentials with CRLF: line endings of other lines kept",
                FileKind::Credentials,
                CRLF_CREDENTIALS,
                &["default"],
                "; managed by hand\r\nstray = 1\r\n\r\n\r\n# the ci box\r\n[ci-old]\r\naws_access_key_id=AKIA2\r\naws_secret_access_key=x",
            ),
            (
                "duplicates all go",
                FileKind::Credentials,
                "[ci]\na=1\n[x]\nb=2\n[ci]\nc=3\n",
                &["ci"],
                "[x]\nb=2\n",
            ),
            ("empty file", FileKind::Credentials, "", &["ci"], ""),
        ];
        for (what, kind, before, names, after) in cases {
            let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
            assert_eq!(remove_sections(before, *kind, &names), *after, "{what}");
        }
    }

    #[test]
    fn refuses_bad_names_values_and_unparsable_files() {
        for name in [
            "",
            "-x",
            "a b",
            "a]b",
            "[a",
            "a=b",
            "a\nb",
            "a/b",
            "ü",
            &"a".repeat(65),
        ] {
            assert!(
                matches!(
                    merge_credentials("", origin(), &[entry(name, None)], true),
                    Err(ProfileError::InvalidName { .. })
                ),
                "{name:?}"
            );
        }
        for name in ["ci", "default", "a.b_c-d@e+f", "0", &"a".repeat(64)] {
            merge_credentials("", origin(), &[entry(name, None)], true).unwrap();
        }
        let twice = [entry("ci", None), entry("ci", None)];
        assert!(matches!(
            merge_credentials("", origin(), &twice, true),
            Err(ProfileError::InvalidName {
                reason: "it is given more than once",
                ..
            })
        ));

        let mut bad = entry("ci", None);
        bad.session_token = Secret::new("tok\n[evil]\ncredential_process = sh -c x");
        let err = merge_credentials("", origin(), &[bad], true).unwrap_err();
        assert!(
            matches!(
                err,
                ProfileError::UnsafeValue {
                    field: "session token",
                    what: "a line break",
                    ..
                }
            ),
            "{err:?}"
        );
        assert!(
            !format!("{err} {err:?}").contains("evil"),
            "the value is not echoed"
        );
        for region in ["us-east-1\r", "a\0", " us-east-1"] {
            let e = merge_config("", origin(), &[entry("ci", Some(region))], true).unwrap_err();
            assert!(
                matches!(
                    e,
                    ProfileError::UnsafeValue {
                        field: "region",
                        ..
                    }
                ),
                "{e:?}"
            );
        }

        let cases = [
            ("[a]\nx = 1\n[broken\n", 3),
            ("[a]\nnot a setting\n", 2),
            ("[]\n", 1),
            ("[a] trailing\n", 1),
            ("= v\n", 1),
        ];
        for (text, line) in cases {
            match merge_credentials(text, origin(), &[entry("ci", None)], true) {
                Err(e @ ProfileError::Parse { line: l, .. }) => {
                    assert_eq!(l, line, "{text:?}");
                    assert!(
                        e.to_string().starts_with(&format!(
                            "could not parse /home/dev/.aws/credentials:{line}: "
                        )),
                        "{e}"
                    );
                }
                other => panic!("{text:?}: {other:?}"),
            }
        }
        // Removal never fails: it is the cleanup.
        assert_eq!(
            remove_sections(
                "[broken\n[ci]\na=1\n",
                FileKind::Credentials,
                &["ci".into()]
            ),
            "[broken\n"
        );
    }

    #[test]
    fn refused_names_say_which_part_of_the_rule_they_break() {
        let cases = [
            ("", "it is empty"),
            (&"a".repeat(65) as &str, "it is too long"),
            ("-x", "it starts with `-`"),
            (
                "a b",
                "it contains a character other than letters, digits, `.`, `_`, `-`, `@` or `+`",
            ),
            (
                "ü",
                "it contains a character other than letters, digits, `.`, `_`, `-`, `@` or `+`",
            ),
        ];
        for (name, reason) in cases {
            assert!(!crate::aws::is_profile_name(name), "{name:?}");
            match merge_credentials("", origin(), &[entry(name, None)], true) {
                Err(ProfileError::InvalidName { reason: r, .. }) => {
                    assert_eq!(r, reason, "{name:?}")
                }
                other => panic!("{name:?}: {other:?}"),
            }
        }
    }

    #[test]
    fn a_section_stays_ours_only_while_it_holds_our_key() {
        let ours = key_fingerprint("ASIAOURS000000000001");
        let section = |name: &str, key: &str| {
            format!("[{name}]\n{MARKER}; expires x\naws_access_key_id = {key}\n")
        };
        let cases: &[(&str, String, &[&str], &[&str])] = &[
            (
                "untouched",
                section("ci", "ASIAOURS000000000001"),
                &["ci"],
                &[],
            ),
            (
                "overwritten by another job",
                section("ci", "ASIAOTHER00000000002"),
                &[],
                &["ci"],
            ),
            (
                "gone",
                section("other", "ASIAOURS000000000001"),
                &["ci"],
                &[],
            ),
            (
                "a duplicate with another key",
                section("ci", "ASIAOURS000000000001") + &section("ci", "ASIAOTHER00000000002"),
                &[],
                &["ci"],
            ),
            ("no key at all", "[ci]\nregion = x\n".into(), &[], &["ci"]),
            (
                "key spelled differently",
                "[ci]\nAWS_Access_Key_Id=ASIAOURS000000000001\n".into(),
                &["ci"],
                &[],
            ),
        ];
        for (what, text, removed, replaced) in cases {
            let written = Written {
                credentials: super::super::FileWrite {
                    path: origin().to_path_buf(),
                    created: false,
                    profiles: vec!["ci".into()],
                },
                config: None,
                owners: [("ci".to_string(), ours.clone())].into(),
            };
            let got = still_ours(text, &written);
            assert_eq!(got.removed, *removed, "{what}");
            assert_eq!(got.replaced, *replaced, "{what}");
            // A record from before the check has no fingerprints: trusted, as it was.
            let old = Written {
                owners: Default::default(),
                ..written
            };
            assert_eq!(still_ours(text, &old).removed, ["ci"], "{what}: old record");
        }
    }

    #[test]
    fn an_identical_config_section_we_wrote_is_listed_so_its_cleanup_removes_it() {
        let before = format!("[profile ci]\n{MARKER}\nregion = us-east-2\n");
        let (text, written) = merge(
            FileKind::Config,
            &before,
            origin(),
            &[entry("ci", Some("us-east-2"))],
            true,
        )
        .unwrap();
        assert_eq!(
            (text.as_str(), written.as_slice()),
            (before.as_str(), &["ci".to_string()][..])
        );
        assert_eq!(remove_sections(&text, FileKind::Config, &written), "");
    }

    #[test]
    fn errors_name_the_fix() {
        let exists =
            merge_credentials("[ci]\na=1\n", origin(), &[entry("ci", None)], false).unwrap_err();
        assert_eq!(
            exists.to_string(),
            "profile `ci` already exists in /home/dev/.aws/credentials"
        );
        assert!(
            exists
                .hint()
                .unwrap()
                .contains("`overwrite-aws-profile: true`")
        );
        let name = merge_credentials("", origin(), &[entry("a b", None)], false).unwrap_err();
        assert!(name.to_string().contains("\"a b\""), "{name}");
        assert!(name.hint().is_some());
    }

    /// Unrelated INI content: a preamble, then sections with settings, comments, nested
    /// values and blank lines, in LF or CRLF, with or without a final newline.
    fn unrelated_file() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let line = prop_oneof![
            "[a-z_]{1,8} ?= ?[A-Za-z0-9/+=:.-]{0,12}",
            "[#;][ -~]{0,20}",
            Just(String::new()),
            "  [a-z_]{1,8} = [a-z0-9]{0,6}",
        ];
        let header = prop_oneof![
            "\\[ ?(profile )?[a-z]{1,6} ?\\]",
            "\\[sso-session [a-z]{1,6}\\]",
            "\\[services [a-z]{1,6}\\]",
            Just("[default]".to_string()),
        ];
        let section = (header, proptest::collection::vec(line.clone(), 0..5))
            .prop_map(|(h, lines)| std::iter::once(h).chain(lines).collect::<Vec<_>>());
        (
            proptest::collection::vec(
                line.prop_filter("no nested values before a section", |l| !l.starts_with(' ')),
                0..3,
            ),
            proptest::collection::vec(section, 0..5),
            prop_oneof![Just("\n"), Just("\r\n")],
            any::<bool>(),
        )
            .prop_map(|(preamble, sections, eol, final_eol)| {
                let lines: Vec<String> = preamble
                    .into_iter()
                    .chain(sections.into_iter().flatten())
                    .collect();
                let mut text = lines.join(eol);
                if final_eol && !text.is_empty() {
                    text.push_str(eol);
                }
                text
            })
    }

    proptest::proptest! {
        /// Our names (`zz-…`) never occur in the generated file, so merging then removing them
        /// must give back every byte.
        #[test]
        fn merge_then_remove_is_the_identity(
            text in unrelated_file(),
            names in proptest::collection::btree_set("zz-[a-z0-9]{1,6}", 1..4),
            config in proptest::bool::ANY,
        ) {
            let names: Vec<String> = names.into_iter().collect();
            let entries: Vec<ProfileEntry> = names.iter().map(|n| entry(n, Some("us-east-1"))).collect();
            let kind = if config { FileKind::Config } else { FileKind::Credentials };
            let merged = match kind {
                FileKind::Credentials => merge_credentials(&text, origin(), &entries, false),
                FileKind::Config => merge_config(&text, origin(), &entries, false),
            }.unwrap();
            proptest::prop_assert!(merged.starts_with(&text));
            proptest::prop_assert_eq!(remove_sections(&merged, kind, &names), text);
        }
    }
}
