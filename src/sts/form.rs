//! The `AssumeRoleWithWebIdentity` form: its fields in the order they are sent and shown, and
//! their encoding as a request body. Pure: no I/O.
//!
//! The broker sends [`encode`]`(&`[`web_identity`]`(request))` and the dry run prints the same
//! [`web_identity`] fields, so what a dry run shows is what a real run sends (issue #10).

use std::borrow::Cow;

use super::WebIdentityRequest;
use crate::secret::Secret;

/// The STS action, also the operation name in errors.
pub(crate) const OPERATION: &str = "AssumeRoleWithWebIdentity";

/// The STS API version the form is written for.
const VERSION: &str = "2011-06-15";

/// One `name=value` field of the form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field<'a> {
    /// The parameter name (`RoleArn`, `PolicyArns.member.1.arn`, …).
    pub name: Cow<'static, str>,
    /// The parameter value.
    pub value: Value<'a>,
}

/// A field's value. The token stays a [`Secret`] so that only [`encode`] reads it: a printer has
/// to say what to show in its place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value<'a> {
    /// Plain text, printable as it is.
    Text(Cow<'a, str>),
    /// The OIDC token.
    Token(&'a Secret),
}

/// The fields of the `AssumeRoleWithWebIdentity` request for `request`, borrowed from it.
///
/// The token comes last: STS reads a form in any order, and a printed request then shows every
/// readable parameter before the one it elides.
pub fn web_identity(request: &WebIdentityRequest) -> Vec<Field<'_>> {
    let mut fields = Vec::with_capacity(6 + 1 + request.managed_policies.len());
    fields.extend([
        Field::text("Action", OPERATION),
        Field::text("Version", VERSION),
        Field::text("RoleArn", &request.role_arn),
        Field::text("RoleSessionName", &request.session_name),
        Field {
            name: Cow::Borrowed("DurationSeconds"),
            value: Value::Text(Cow::Owned(request.duration.to_string())),
        },
    ]);
    if let Some(policy) = &request.inline_policy {
        fields.push(Field::text("Policy", policy));
    }
    for (i, arn) in request.managed_policies.iter().enumerate() {
        fields.push(Field {
            name: Cow::Owned(format!("PolicyArns.member.{}.arn", i + 1)),
            value: Value::Text(Cow::Borrowed(arn)),
        });
    }
    fields.push(Field {
        name: Cow::Borrowed("WebIdentityToken"),
        value: Value::Token(&request.token),
    });
    fields
}

/// The `application/x-www-form-urlencoded` body of `fields`. It holds the token, so it is a
/// [`Secret`] too (zeroed on drop).
pub fn encode(fields: &[Field<'_>]) -> Secret {
    // Sized up front so the token, most of the body, is copied once rather than on every
    // doubling of the buffer: escaping at most triples text, and a JWT needs none.
    let capacity = fields
        .iter()
        .map(|field| {
            field.name.len()
                + 2
                + match &field.value {
                    Value::Text(text) => 3 * text.len(),
                    Value::Token(token) => token.len(),
                }
        })
        .sum();
    let mut form = url::form_urlencoded::Serializer::new(String::with_capacity(capacity));
    for field in fields {
        form.append_pair(&field.name, field.value.expose());
    }
    Secret::new(form.finish())
}

impl<'a> Field<'a> {
    fn text(name: &'static str, value: &'a str) -> Self {
        Field {
            name: Cow::Borrowed(name),
            value: Value::Text(Cow::Borrowed(value)),
        }
    }
}

impl Value<'_> {
    /// The raw value, token included: for the encoder only.
    fn expose(&self) -> &str {
        match self {
            Value::Text(text) => text,
            Value::Token(token) => token.expose(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(inline_policy: Option<&str>, managed_policies: &[&str]) -> WebIdentityRequest {
        WebIdentityRequest {
            role_arn: "arn:aws:iam::123456789012:role/deploy".into(),
            session_name: "gha-1-o.r".into(),
            duration: 900,
            inline_policy: inline_policy.map(str::to_string),
            managed_policies: managed_policies.iter().map(|s| s.to_string()).collect(),
            token: Secret::new("eyJh.eyJz.sig-_"),
        }
    }

    /// The fields as `name=value` lines, the token shown as `<token>`.
    fn lines(fields: &[Field<'_>]) -> Vec<String> {
        fields
            .iter()
            .map(|field| match &field.value {
                Value::Text(text) => format!("{}={text}", field.name),
                Value::Token(_) => format!("{}=<token>", field.name),
            })
            .collect()
    }

    #[test]
    fn fields_in_order_with_the_token_last() {
        let head = [
            "Action=AssumeRoleWithWebIdentity",
            "Version=2011-06-15",
            "RoleArn=arn:aws:iam::123456789012:role/deploy",
            "RoleSessionName=gha-1-o.r",
            "DurationSeconds=900",
        ];
        let policy = r#"{"Version":"2012-10-17"}"#;
        // (case, inline policy, managed policies, the lines between the head and the token)
        type Case<'a> = (&'a str, Option<&'a str>, &'a [&'a str], &'a [&'a str]);
        let cases: &[Case] = &[
            ("no session policies", None, &[], &[]),
            (
                "inline policy",
                Some(policy),
                &[],
                &[r#"Policy={"Version":"2012-10-17"}"#],
            ),
            (
                "managed policies, numbered from 1",
                None,
                &["arn:aws:iam::aws:policy/A", "arn:aws:iam::aws:policy/B"],
                &[
                    "PolicyArns.member.1.arn=arn:aws:iam::aws:policy/A",
                    "PolicyArns.member.2.arn=arn:aws:iam::aws:policy/B",
                ],
            ),
            (
                "inline before managed",
                Some(policy),
                &["arn:aws:iam::aws:policy/A"],
                &[
                    r#"Policy={"Version":"2012-10-17"}"#,
                    "PolicyArns.member.1.arn=arn:aws:iam::aws:policy/A",
                ],
            ),
        ];
        for (name, inline, managed, middle) in cases {
            let request = request(*inline, managed);
            let want: Vec<String> = head
                .iter()
                .chain(middle.iter())
                .chain(["WebIdentityToken=<token>"].iter())
                .map(|s| s.to_string())
                .collect();
            let fields = web_identity(&request);
            assert_eq!(lines(&fields), want, "{name}");
            // The token is only ever the secret-typed value, never text.
            assert_eq!(
                fields
                    .iter()
                    .filter(|f| matches!(f.value, Value::Token(_)))
                    .count(),
                1,
                "{name}"
            );
        }
    }

    #[test]
    fn body_is_the_fields_form_encoded() {
        let request = request(
            Some(r#"{"Action":"s3:*"}"#),
            &["arn:aws:iam::123456789012:policy/a+b"],
        );
        let body = encode(&web_identity(&request));
        assert_eq!(
            body.expose(),
            "Action=AssumeRoleWithWebIdentity&Version=2011-06-15\
             &RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fdeploy\
             &RoleSessionName=gha-1-o.r&DurationSeconds=900\
             &Policy=%7B%22Action%22%3A%22s3%3A*%22%7D\
             &PolicyArns.member.1.arn=arn%3Aaws%3Aiam%3A%3A123456789012%3Apolicy%2Fa%2Bb\
             &WebIdentityToken=eyJh.eyJz.sig-_"
        );
        // Whatever the values hold, decoding gives back exactly the fields.
        let decoded: Vec<(String, String)> = url::form_urlencoded::parse(body.expose().as_bytes())
            .into_owned()
            .collect();
        let fields: Vec<(String, String)> = web_identity(&request)
            .iter()
            .map(|f| (f.name.to_string(), f.value.expose().to_string()))
            .collect();
        assert_eq!(decoded, fields);
    }

    #[test]
    fn debug_never_shows_the_token() {
        let request = request(None, &[]);
        let shown = format!("{:?}", web_identity(&request));
        assert!(!shown.contains("eyJh"), "{shown}");
        assert!(shown.contains("Token(***)"), "{shown}");
    }
}
