//! Reads STS's XML answers: credentials from an `AssumeRole…Response`, code and message from an
//! `ErrorResponse`, with XML entities decoded. Pure: no I/O.

use super::{Credentials, StsError, is_transient};
use crate::secret::Secret;

/// The raw content of the first `<tag>…</tag>` in `xml`. STS's answers are small, flat and
/// generated, so they are read without an XML library.
fn section<'a>(xml: &'a str, tag: &str) -> Option<&'a str> {
    let open = format!("<{tag}>");
    let start = xml.find(&open)? + open.len();
    let end = start + xml[start..].find(&format!("</{tag}>"))?;
    Some(xml[start..end].trim())
}

/// The text of the first `<tag>…</tag>` leaf in `xml`, entities decoded.
fn element<'a>(xml: &'a str, tag: &str) -> Option<std::borrow::Cow<'a, str>> {
    let raw = section(xml, tag)?;
    if !raw.contains('&') {
        return Some(std::borrow::Cow::Borrowed(raw));
    }
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let semi = rest[amp..].find(';')? + amp;
        let entity = &rest[amp + 1..semi];
        let decoded = match entity {
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            "apos" => '\'',
            _ => {
                let code = match entity
                    .strip_prefix("#x")
                    .or_else(|| entity.strip_prefix("#X"))
                {
                    Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                    None => entity.strip_prefix('#')?.parse().ok()?,
                };
                char::from_u32(code)?
            }
        };
        out.push(decoded);
        rest = &rest[semi + 1..];
    }
    out.push_str(rest);
    Some(std::borrow::Cow::Owned(out))
}

/// Reads an `AssumeRole…Response`: the credentials and the assumed-role ARN. A 200 without
/// them is a damaged (cut short) answer that another try may fix.
pub fn parse_credentials(operation: &'static str, xml: &str) -> Result<Credentials, StsError> {
    let malformed = |what: &str| StsError {
        operation,
        code: None,
        message: format!("the response has no {what}"),
        transient: true,
    };
    let creds = section(xml, "Credentials").ok_or_else(|| malformed("Credentials"))?;
    let field = |name: &'static str| {
        element(creds, name)
            .filter(|v| !v.is_empty())
            .map(|v| v.into_owned())
            .ok_or_else(|| malformed(name))
    };
    let (id, secret, token) = (
        field("AccessKeyId")?,
        field("SecretAccessKey")?,
        field("SessionToken")?,
    );
    let expiration = field("Expiration")?;
    let expiration =
        time::OffsetDateTime::parse(&expiration, &time::format_description::well_known::Rfc3339)
            .ok()
            .and_then(|t| {
                t.to_offset(time::UtcOffset::UTC)
                    .format(time::macros::format_description!(
                        "[year]-[month]-[day]T[hour]:[minute]:[second]Z"
                    ))
                    .ok()
            })
            .ok_or_else(|| malformed("valid Expiration"))?;
    let user = section(xml, "AssumedRoleUser").ok_or_else(|| malformed("AssumedRoleUser"))?;
    let arn = element(user, "Arn").ok_or_else(|| malformed("AssumedRoleUser"))?;
    Ok(Credentials {
        access_key_id: Secret::new(id),
        secret_access_key: Secret::new(secret),
        session_token: Secret::new(token),
        expiration,
        assumed_role_arn: arn.into_owned(),
    })
}

/// Reads an STS `ErrorResponse` (or whatever a proxy answered instead).
pub fn parse_error(operation: &'static str, status: u16, body: &str) -> StsError {
    let code = element(body, "Code").map(|c| c.into_owned());
    let message = element(body, "Message").map_or_else(
        || {
            let start: String = body.chars().take(200).collect();
            format!(
                "HTTP {status}{}",
                if start.trim().is_empty() {
                    String::new()
                } else {
                    format!(": {}", crate::text::show(start.trim()))
                }
            )
        },
        |m| m.into_owned(),
    );
    StsError {
        operation,
        transient: is_transient(status, code.as_deref(), &message),
        code,
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sts::form::OPERATION;

    #[test]
    fn answers_are_read_like_the_sdk_reads_them() {
        let ok = r#"<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleWithWebIdentityResult>
    <SubjectFromWebIdentityToken>repo:o/r:ref:refs/heads/main</SubjectFromWebIdentityToken>
    <AssumedRoleUser>
      <Arn>arn:aws:sts::123456789012:assumed-role/deploy/gha-1</Arn>
      <AssumedRoleId>AROAEXAMPLE:gha-1</AssumedRoleId>
    </AssumedRoleUser>
    <Credentials>
      <AccessKeyId>ASIAEXAMPLE123456789</AccessKeyId>
      <SecretAccessKey>wJalr/K7MDENG+bPxRfi&amp;&#x43;&#68;&lt;</SecretAccessKey>
      <SessionToken>FwoGZXIvYXdzE//////////wEa==</SessionToken>
      <Expiration>2026-11-24T13:00:00.512Z</Expiration>
    </Credentials>
  </AssumeRoleWithWebIdentityResult>
</AssumeRoleWithWebIdentityResponse>"#;
        let creds = parse_credentials(OPERATION, ok).unwrap();
        assert_eq!(creds.secret_access_key.expose(), "wJalr/K7MDENG+bPxRfi&CD<");
        assert_eq!(creds.expiration, "2026-11-24T13:00:00Z");
        assert_eq!(creds.account_id(), Some("123456789012"));
        let offset = ok.replace("2026-11-24T13:00:00.512Z", "2026-11-24T14:00:00+01:00");
        assert_eq!(
            parse_credentials(OPERATION, &offset).unwrap().expiration,
            "2026-11-24T13:00:00Z"
        );
        // Cut short, or missing a piece: damaged, so worth another try.
        for damaged in [
            &ok[..200],
            &ok.replace(
                "<SessionToken>FwoGZXIvYXdzE//////////wEa==</SessionToken>",
                "",
            ),
            &ok.replace("2026-11-24T13:00:00.512Z", "soon"),
            &ok.replace("&amp;", "&bogus;"),
            "",
        ] {
            let error = parse_credentials(OPERATION, damaged).unwrap_err();
            assert!(error.transient, "{damaged}");
        }

        let error = parse_error(
            OPERATION,
            400,
            r#"<ErrorResponse><Error><Type>Sender</Type><Code>InvalidIdentityToken</Code><Message>Couldn't retrieve verification key from your identity provider</Message></Error></ErrorResponse>"#,
        );
        assert_eq!(error.code.as_deref(), Some("InvalidIdentityToken"));
        assert!(error.transient);
        let denied = parse_error(
            OPERATION,
            403,
            "<ErrorResponse><Error><Code>AccessDenied</Code><Message>Not authorized to perform sts:AssumeRoleWithWebIdentity</Message></Error></ErrorResponse>",
        );
        assert!(!denied.transient && denied.is_trust_refusal());
        let proxy = parse_error(OPERATION, 502, "<html>Bad gateway\n</html>");
        assert_eq!(proxy.code, None);
        assert!(proxy.transient);
        assert_eq!(proxy.message, "HTTP 502: `<html>Bad gateway\\n</html>`");
        assert!(parse_error(OPERATION, 429, "").transient);
        assert!(!parse_error(OPERATION, 400, "").transient);
    }
}
