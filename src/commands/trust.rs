//! `audit`, `trust-policy` and `explain`: the trust-policy commands. Synchronous. I/O: reads
//! the files and stdin their arguments ([`crate::cli`]) name, calls [`crate::trust`], and
//! prints through the [`Reporter`]. Exit codes: 0, 10–13 (audit), 3 (explain: denied) or 2; a
//! fatal error renders through the top-level [`Error`], and so does every input error `audit`
//! reports on its way.

use std::io::Read;
use std::path::Path;

use crate::claims::{Claims, ClaimsError};
use crate::cli::{AuditArgs, Commands, ExplainArgs, TrustPolicyArgs, TrustPolicyFormat};
use crate::error::Error;
use crate::exit::{EXIT_CONFIG, EXIT_DENIED, EXIT_OK};
use crate::output::Reporter;
use crate::trust::collect::{Collected, display};

use super::print_notices;
use crate::trust::finding::Severity;
use crate::trust::generate::{self, Options};
use crate::trust::render::{self, Format};
use crate::trust::{self, TrustError, document, simulate, walk};

/// Runs one of the trust-policy commands; `None` when `command` is not one of them.
pub fn command(command: &Commands, out: &Reporter) -> Option<Result<u8, Error>> {
    let result = match command {
        Commands::Audit(args) => audit(args, out),
        Commands::TrustPolicy(args) => trust_policy(args, out),
        Commands::Explain(args) => explain(args, out),
        Commands::Paths(args) => return Some(super::paths::command(args, out)),
        _ => return None,
    };
    Some(result.map_err(Error::from))
}

/// Reads a file, or stdin for `-`.
fn read(path: &Path) -> Result<String, TrustError> {
    let fail = |source| TrustError::Read {
        path: path.to_path_buf(),
        source,
    };
    if path == Path::new("-") {
        let mut text = String::new();
        std::io::stdin().read_to_string(&mut text).map_err(fail)?;
        return Ok(text);
    }
    std::fs::read_to_string(path).map_err(fail)
}

/// Runs `audit`; returns the exit code (0, 10–13 by worst severity, 2 when an input could not
/// be read; those inputs are reported on stderr and the others still audited), or `Err` when
/// there is nothing to audit at all or nothing that looks like a trust policy was read (exit 2).
fn audit(args: &AuditArgs, out: &Reporter) -> Result<u8, TrustError> {
    if args.paths.is_empty() && args.policy.is_none() {
        return Err(TrustError::NothingToAudit);
    }
    let mut collected = Collected::default();
    for path in &args.paths {
        if path == Path::new("-") {
            collected.stdin(walk::read_bounded(std::io::stdin().lock()));
        } else {
            collected.input(path);
        }
    }
    if let Some(policy) = &args.policy {
        let name = display(policy);
        match read(policy).and_then(|text| trust::audit_policy_text(&name, &text)) {
            Ok(found) => {
                collected.inputs.push(name);
                collected.findings.extend(found);
            }
            Err(e) => collected.error(e),
        }
    }
    let bad = collected.bad();
    print_notices(std::mem::take(&mut collected.notices), out);
    for dir in args.paths.iter().filter(|p| p.is_dir()) {
        let found = super::paths::audit_findings(
            dir,
            &collected.documents,
            args.repository.as_deref(),
            args.min_severity,
            out,
        );
        collected.findings.extend(found);
    }
    // A security gate that reads nothing must not pass: say what was looked at.
    if collected.documents.is_empty() && args.policy.is_none() && !bad {
        return Err(TrustError::NothingFound(collected.looked.describe()));
    }
    let Collected {
        mut findings,
        inputs,
        documents,
        walked,
        ..
    } = collected;
    findings.retain(|r| r.finding.severity >= args.min_severity);
    let worst = trust::worst(&findings, args.min_severity);
    let code = if bad {
        EXIT_CONFIG
    } else {
        worst.map_or(EXIT_OK, Severity::exit_code)
    };
    let text = match args.format {
        Format::Human if walked => render::human_with_documents(&findings, &documents),
        Format::Human => render::human(&findings),
        Format::Github => render::github(&findings),
        Format::Sarif => render::sarif(&findings),
        Format::Json => render::json(&findings, &inputs, &documents, worst, code),
    };
    // After a read error, "no findings" would mislead: the error on stderr is the news.
    if !(bad && findings.is_empty() && args.format == Format::Human) {
        out.print(&text);
    }
    Ok(code)
}

/// Runs `trust-policy`; returns 0, or `Err` when the policy cannot be read or generated from
/// (exit 2).
fn trust_policy(args: &TrustPolicyArgs, out: &Reporter) -> Result<u8, TrustError> {
    let name = display(&args.policy);
    let generated = read(&args.policy).and_then(|text| {
        let policy = crate::policy::Policy::from_toml(&text, &name).map_err(TrustError::Policy)?;
        generate::generate(
            &policy,
            &Options {
                role: args.role.clone(),
                provider_arn: args.provider_arn.clone(),
                account_id: args.account_id.clone(),
                issuer: args.issuer.clone(),
                audience: args.audience.clone(),
            },
        )
    })?;
    match args.format {
        TrustPolicyFormat::Json => {
            out.print(&generated.document.to_json());
            for note in generate::render_notes(&generated) {
                out.info(&format!("note: {note}"));
            }
        }
        TrustPolicyFormat::Terraform => out.print(&generate::render_terraform(&generated)),
    }
    Ok(EXIT_OK)
}

/// A captured token's claims, its payload decoded without verifying anything.
fn token_claims(token: &str) -> Result<Claims, TrustError> {
    Claims::from_jwt_unverified(token.trim()).map_err(|e| match e {
        ClaimsError::Parts(_) | ClaimsError::Base64 => TrustError::Token(e.to_string()),
        e => TrustError::Token(format!("the token's payload: {e}")),
    })
}

/// Runs `explain`; returns 0 when the trust policy admits the token, 3 when not, or `Err` on
/// bad input (exit 2).
fn explain(args: &ExplainArgs, out: &Reporter) -> Result<u8, TrustError> {
    let name = display(&args.trust_policy);
    let verdict = (|| {
        let text = read(&args.trust_policy)?;
        let docs = document::load(&text).map_err(|source| TrustError::Load {
            path: name.clone(),
            source,
        })?;
        let claims = match (&args.claims, &args.token) {
            (Some(path), _) => {
                let text = read(path)?;
                Claims::from_payload(text.as_bytes())
                    .map_err(|e| TrustError::Token(format!("{}: {e}", display(path))))?
            }
            (None, Some(path)) => {
                out.info(
                    "note: the token's signature and expiry are not checked (offline); only its claims are used",
                );
                token_claims(&read(path)?)?
            }
            (None, None) => return Err(TrustError::Token("give --claims or --token".into())),
        };
        let doc = trust::pick_document(docs, args.role.as_deref(), &name)?;
        Ok(trust::explain(&doc, &claims))
    })()?;
    out.print(&simulate::render(&verdict, &name));
    Ok(if verdict.allowed() {
        EXIT_OK
    } else {
        EXIT_DENIED
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `explain --token` keeps its messages over the one payload decoder.
    #[test]
    fn token_errors_name_the_token() {
        // {"sub":"repo:o/r:ref:refs/heads/main","aud":"sts.amazonaws.com"}
        let token = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJyZXBvOm8vcjpyZWY6cmVmcy9oZWFkcy9tYWluIiwiYXVkIjoic3RzLmFtYXpvbmF3cy5jb20ifQ.c2ln\n";
        let claims = token_claims(token).unwrap();
        assert_eq!(claims.get("sub"), Some("repo:o/r:ref:refs/heads/main"));
        let cases = [
            ("a.b", "the token has 2 dot-separated parts; a JWT has 3"),
            ("a.!!.c", "the token's payload is not base64url"),
            (
                "a.WzFd.c",
                "the token's payload: the token payload is not a JSON object",
            ),
        ];
        for (token, want) in cases {
            assert_eq!(
                token_claims(token).unwrap_err().to_string(),
                want,
                "{token}"
            );
        }
    }
}
