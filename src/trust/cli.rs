//! The `audit`, `trust-policy` and `explain` subcommands: their arguments (clap) and the thin
//! I/O layer that reads files and stdin, calls the pure functions, and writes stdout/stderr.
//! I/O: this is the only module of [`crate::trust`] that does any.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use clap::Args;

use super::collect::{Collected, display};
use super::finding::Severity;
use super::generate::{self, Options};
use super::render::{self, Format};
use super::{TrustError, document, github, simulate};
use crate::claims::Claims;
use crate::exit::{EXIT_CONFIG, EXIT_DENIED, EXIT_OK};
use crate::output::Reporter;

/// Options of `audit`.
#[derive(Debug, Args)]
pub struct AuditArgs {
    /// Trust policies: IAM JSON, `aws iam get-role` output, Terraform, CloudFormation (JSON,
    /// YAML), CDK output, `terraform show -json` output; directories (walked); `-` for stdin
    #[arg(value_name = "PATHS")]
    pub paths: Vec<PathBuf>,
    /// Also lint an oidc-assume policy file (TOML)
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// Output format
    #[arg(long, value_enum, default_value = "human")]
    pub format: Format,
    /// Report (and set the exit code from) findings at or above this severity
    #[arg(long, value_enum, default_value = "low", value_name = "SEVERITY")]
    pub min_severity: Severity,
}

/// Options of `trust-policy`.
#[derive(Debug, Args)]
pub struct TrustPolicyArgs {
    /// The oidc-assume policy file (TOML)
    #[arg(long, value_name = "FILE")]
    pub policy: PathBuf,
    /// The role to generate for (required when the rules name several roles)
    #[arg(long, value_name = "ARN")]
    pub role: Option<String>,
    /// The IAM OIDC provider's ARN [default: derived from --account-id or the role's account]
    #[arg(long, value_name = "ARN", conflicts_with = "account_id")]
    pub provider_arn: Option<String>,
    /// The AWS account of the OIDC provider
    #[arg(long, value_name = "ID")]
    pub account_id: Option<String>,
    /// The token issuer (GHES: https://HOST/_services/token; enterprise: …/ENTERPRISE)
    #[arg(
        long,
        value_name = "URL",
        default_value = "https://token.actions.githubusercontent.com"
    )]
    pub issuer: String,
    /// The audience the workflow requests
    #[arg(long, value_name = "AUD", default_value = "sts.amazonaws.com")]
    pub audience: String,
    /// Output format
    #[arg(long, value_enum, default_value = "json")]
    pub format: TrustPolicyFormat,
}

/// Output formats of `trust-policy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TrustPolicyFormat {
    /// The policy document (notes on stderr)
    Json,
    /// `assume_role_policy = jsonencode({...})` with the notes as comments
    Terraform,
}

/// Options of `explain`.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("token_source").required(true).args(["claims", "token"])))]
pub struct ExplainArgs {
    /// The trust policy (document or `aws iam get-role` output; `-` for stdin)
    #[arg(long, value_name = "FILE")]
    pub trust_policy: PathBuf,
    /// The token's claims as a JSON object (a decoded payload)
    #[arg(long, value_name = "FILE")]
    pub claims: Option<PathBuf>,
    /// A captured token (JWT); its payload is decoded without verifying the signature
    #[arg(long, value_name = "FILE")]
    pub token: Option<PathBuf>,
    /// The role, to pick one document from `aws iam list-roles` output
    #[arg(long, value_name = "ARN")]
    pub role: Option<String>,
}

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

/// Renders an error the way the top-level error does: `error: …` and an optional `hint: …`.
pub fn render_error(error: &TrustError) -> String {
    let mut text = format!("error: {error}\n");
    if let Some(hint) = error.hint() {
        text.push_str(&format!("hint: {hint}\n"));
    }
    text
}

/// Runs `audit`; returns the exit code (0, 10–13 by worst severity, 2 when an input could not
/// be read; those inputs are reported on stderr and the others still audited), or `Err` when
/// there is nothing to audit at all or nothing that looks like a trust policy was read (the
/// caller renders it, exit 2).
pub fn run_audit(args: &AuditArgs, out: &Reporter) -> Result<u8, TrustError> {
    if args.paths.is_empty() && args.policy.is_none() {
        return Err(TrustError::Generate(
            "nothing to audit: give trust policy files or directories, `-` for stdin, or `--policy FILE`".into(),
        ));
    }
    let mut stderr = out.lines();
    let mut collected = Collected::default();
    for path in &args.paths {
        collected.input(path, &mut stderr);
    }
    if let Some(policy) = &args.policy {
        let name = display(policy);
        match read(policy).and_then(|text| super::audit_policy_text(&name, &text)) {
            Ok(found) => {
                collected.inputs.push(name);
                collected.findings.extend(found);
            }
            Err(e) => {
                let _ = stderr.write_all(render_error(&e).as_bytes());
                collected.bad = true;
            }
        }
    }
    // A security gate that reads nothing must not pass: say what was looked at.
    if collected.documents.is_empty() && args.policy.is_none() && !collected.bad {
        return Err(TrustError::NothingFound(collected.looked.describe()));
    }
    let Collected {
        mut findings,
        inputs,
        documents,
        bad,
        walked,
        ..
    } = collected;
    findings.retain(|r| r.finding.severity >= args.min_severity);
    let worst = super::worst(&findings, args.min_severity);
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
/// (the caller renders it, exit 2).
pub fn run_trust_policy(args: &TrustPolicyArgs, out: &Reporter) -> Result<u8, TrustError> {
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

/// Decodes a JWT's payload without verifying it.
pub fn token_claims(token: &str) -> Result<Claims, TrustError> {
    let parts: Vec<&str> = token.trim().split('.').collect();
    if parts.len() != 3 {
        return Err(TrustError::Token(format!(
            "the token has {} dot-separated parts; a JWT has 3",
            parts.len()
        )));
    }
    let payload = base64url(parts[1])
        .ok_or_else(|| TrustError::Token("the token's payload is not base64url".into()))?;
    Claims::from_payload(&payload)
        .map_err(|e| TrustError::Token(format!("the token's payload: {e}")))
}

fn base64url(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in text.trim_end_matches('=').bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' | b'+' => 62,
            b'_' | b'/' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// Runs `explain`; returns 0 when the trust policy admits the token, 3 when not, or `Err` on
/// bad input (the caller renders it, exit 2).
pub fn run_explain(args: &ExplainArgs, out: &Reporter) -> Result<u8, TrustError> {
    let name = display(&args.trust_policy);
    let verdict = (|| {
        let text = read(&args.trust_policy)?;
        let mut docs = document::load(&text).map_err(|source| TrustError::Load {
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
        let doc = match (&args.role, docs.len()) {
            (_, 1) => docs.remove(0),
            (Some(role), _) => {
                let short = role.rsplit('/').next().unwrap_or(role);
                let at = docs
                    .iter()
                    .position(|d| {
                        d.role_name
                            .as_deref()
                            .is_some_and(|n| n == role || n == short)
                    })
                    .ok_or_else(|| TrustError::Token(format!("{name} has no role `{role}`")))?;
                docs.remove(at)
            }
            (None, n) => {
                return Err(TrustError::Token(format!(
                    "{name} holds {n} roles' trust policies: pass `--role`"
                )));
            }
        };
        let prefix =
            crate::github::provider_for_issuer(claims.get("iss").unwrap_or(github::GITHUB_COM));
        Ok(simulate::evaluate(&doc, &claims, prefix))
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

    #[test]
    fn decodes_a_jwt_payload() {
        // {"sub":"repo:o/r:ref:refs/heads/main","aud":"sts.amazonaws.com"}
        let token = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJyZXBvOm8vcjpyZWY6cmVmcy9oZWFkcy9tYWluIiwiYXVkIjoic3RzLmFtYXpvbmF3cy5jb20ifQ.c2ln";
        let claims = token_claims(token).unwrap();
        assert_eq!(claims.get("sub"), Some("repo:o/r:ref:refs/heads/main"));
        assert!(token_claims("a.b").is_err());
        assert!(token_claims("a.!!.c").is_err());
        assert_eq!(base64url("TWFu").unwrap(), b"Man");
        assert_eq!(base64url("TWE").unwrap(), b"Ma");
    }
}
