//! Reads STS's (and IAM's, for `migrate --aws`) XML answers: credentials from an `AssumeRole…Response`, code and message from an
//! `ErrorResponse`, with XML entities decoded; and tells a successful answer that is not STS's
//! (a proxy's login or block page) from one cut short. Pure: no I/O.

use super::{Credentials, StsError, is_transient};
use crate::secret::Secret;

/// The raw content of the first `<tag>…</tag>` in `xml`. STS's answers are small, flat and
/// generated, so they are read without an XML library.
pub(crate) fn section<'a>(xml: &'a str, tag: &str) -> Option<&'a str> {
    let open = format!("<{tag}>");
    let start = xml.find(&open)? + open.len();
    let end = start + xml[start..].find(&format!("</{tag}>"))?;
    Some(xml[start..end].trim())
}

/// The text of the first `<tag>…</tag>` leaf in `xml`, entities decoded.
pub(crate) fn element<'a>(xml: &'a str, tag: &str) -> Option<std::borrow::Cow<'a, str>> {
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

/// How the message of an answer that did not come from STS begins; [`foreign_answer_hint`]
/// knows such an error by it.
const NOT_STS: &str = "the answer did not come from STS";

/// A successful (200) answer that is no STS answer at all: an HTML page or an empty body, as a
/// proxy's login or block page, a captive portal or a wrong endpoint serve them. `None` when
/// the body is STS's `<{operation}Response>`, complete or cut short (cut short is
/// [`parse_credentials`]'s case: another try may fix it).
///
/// Still transient, as a damaged answer is: the retry is bounded and cheap, and a proxy's
/// interstitial page is sometimes shown only once.
pub fn foreign_answer(
    operation: &'static str,
    endpoint: &str,
    content_type: Option<&str>,
    body: &[u8],
) -> Option<StsError> {
    let text = String::from_utf8_lossy(body);
    if text.contains(&format!("<{operation}Response")) {
        return None;
    }
    let content_type = content_type
        .map(|c| crate::text::printable(c.trim()))
        .unwrap_or_else(|| "none".to_string());
    let text = crate::text::one_line(&text);
    let body = if text.is_empty() {
        "an empty body".to_string()
    } else {
        format!("a body that starts {}", crate::text::printable(&text))
    };
    Some(StsError {
        operation,
        code: None,
        message: format!(
            "{NOT_STS}: {} answered HTTP 200 with content type {content_type} and {body}",
            crate::text::printable(endpoint)
        ),
        transient: true,
    })
}

/// The fix for an answer [`foreign_answer`] recognised: who likely answered, and what to check.
pub fn foreign_answer_hint(error: &StsError) -> Option<String> {
    (error.code.is_none() && error.message.starts_with(NOT_STS)).then(|| {
        "a proxy (`http-proxy`, HTTPS_PROXY or the runner's) or a wrong `sts-endpoint` answered in STS's place: check that `sts-endpoint` (or AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL) is unset or names STS, and that the proxy lets STS's host through or `no-proxy` lists it".to_string()
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
                    format!(": {}", crate::text::printable(start.trim()))
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

    #[test]
    fn a_200_that_is_not_sts_says_whose_it_likely_is() {
        let endpoint = "https://sts.eu-west-1.amazonaws.com/";
        // (content type, body, the message's end; None: STS's own answer)
        let cases: &[(Option<&str>, &str, Option<&str>)] = &[
            (
                Some("text/html; charset=utf-8"),
                "<html>\n  <title>Proxy login</title>\n</html>",
                Some(
                    "content type `text/html; charset=utf-8` and a body that starts `<html> <title>Proxy login</title> </html>`",
                ),
            ),
            (None, "", Some("content type none and an empty body")),
            (
                Some("text/plain"),
                " \n ",
                Some("content type `text/plain` and an empty body"),
            ),
            (
                Some("text/html"),
                "\u{1b}[2J`x`",
                Some("a body that starts `\\u{1b}[2J`x``"),
            ),
            // STS's answer, whole or cut short, is not foreign: parse_credentials reads it.
            (
                Some("text/xml"),
                "<AssumeRoleWithWebIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Assu",
                None,
            ),
        ];
        for (content_type, body, want) in cases {
            let got = foreign_answer(OPERATION, endpoint, *content_type, body.as_bytes());
            match (got, want) {
                (None, None) => {}
                (Some(error), Some(end)) => {
                    assert!(error.transient, "{body:?}");
                    assert!(
                        error.message.starts_with("the answer did not come from STS: `https://sts.eu-west-1.amazonaws.com/` answered HTTP 200 with "),
                        "{}",
                        error.message
                    );
                    assert!(error.message.ends_with(end), "{}", error.message);
                    assert!(!error.message.contains('\n'), "{}", error.message);
                    assert!(
                        foreign_answer_hint(&error)
                            .unwrap()
                            .contains("`sts-endpoint`")
                    );
                    assert!(error.hint().unwrap().contains("HTTPS_PROXY"));
                }
                (got, want) => panic!("{body:?}: {got:?}, wanted {want:?}"),
            }
        }
        // A long page is cut, and says how long it was.
        let long = "<html>".to_string() + &"x".repeat(5000);
        let error = foreign_answer(OPERATION, endpoint, None, long.as_bytes()).unwrap();
        assert!(
            error.message.ends_with("(5006 characters in all)`"),
            "{}",
            error.message
        );
        // STS's own errors keep their hints.
        let denied = parse_error(
            OPERATION,
            403,
            "<ErrorResponse><Error><Code>AccessDenied</Code><Message>no</Message></Error></ErrorResponse>",
        );
        assert_eq!(foreign_answer_hint(&denied), None);
    }
}
