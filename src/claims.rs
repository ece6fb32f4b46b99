//! GitHub OIDC token claims as verified strings. Pure: no I/O.
//!
//! GitHub sends every custom claim as a JSON string (ids, numbers and booleans included), so after
//! verification a token's claims are a flat map of name → string. The registered time claims
//! (`exp`, `iat`, `nbf`) are numbers and are kept apart. A claim of any other type is an error,
//! never silently coerced: the policy matches strings, and a number where a string belongs means
//! the token is not what we think it is.

use std::collections::BTreeMap;

/// Claims of a verified (or, in dry run, minted) token.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Claims {
    strings: BTreeMap<String, String>,
    times: BTreeMap<String, i64>,
}

/// Why a payload could not be read as GitHub claims.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ClaimsError {
    #[error("the token payload is not a JSON object")]
    NotAnObject,
    #[error("claim `{name}` is {found}, expected a string")]
    NotAString { name: String, found: &'static str },
    #[error("claim `{name}` is {found}, expected a whole number of seconds")]
    NotATime { name: String, found: &'static str },
    #[error("claim `{0}` appears more than once")]
    Duplicate(String),
    #[error("the token payload is not valid JSON: {0}")]
    Json(String),
    /// Not a compact JWT: `header.payload.signature`.
    #[error("the token has {0} dot-separated parts; a JWT has 3")]
    Parts(usize),
    /// The payload part is not base64url as RFC 7515 writes it (URL alphabet, no padding).
    #[error("the token's payload is not base64url")]
    Base64,
}

/// The registered JWT time claims, which are numbers, not strings.
pub const TIME_CLAIMS: [&str; 3] = ["exp", "iat", "nbf"];

/// Claims that GitHub documents or is known to send. Policy keys must be one of these (or start
/// with `repo_property_`), so a typo in a policy file is an error instead of a rule that never
/// matches.
pub const KNOWN_CLAIMS: &[&str] = &[
    "actor",
    "actor_id",
    "aud",
    "base_ref",
    "check_run_id",
    "enterprise",
    "enterprise_id",
    "environment",
    "environment_node_id",
    "event_name",
    "head_ref",
    "iss",
    "job_workflow_ref",
    "job_workflow_sha",
    "jti",
    "ref",
    "ref_protected",
    "ref_type",
    "repository",
    "repository_id",
    "repository_owner",
    "repository_owner_id",
    "repository_visibility",
    "run_attempt",
    "run_id",
    "run_number",
    "runner_environment",
    "sha",
    "sub",
    "workflow",
    "workflow_ref",
    "workflow_sha",
];

/// Prefix of the organisation custom-property claims (`repo_property_team`, …).
pub const REPO_PROPERTY_PREFIX: &str = "repo_property_";

/// Whether `name` is a claim GitHub can send.
pub fn is_known_claim(name: &str) -> bool {
    KNOWN_CLAIMS.contains(&name)
        || (name.len() > REPO_PROPERTY_PREFIX.len() && name.starts_with(REPO_PROPERTY_PREFIX))
}

/// A JSON object read with duplicate keys refused: `serde_json::Value` would silently keep the
/// last of two same-named claims, and a different parser (STS's) might keep the first.
struct UniqueObject(serde_json::Map<String, serde_json::Value>);

impl<'de> serde::Deserialize<'de> for UniqueObject {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = UniqueObject;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<UniqueObject, A::Error> {
                let mut object = serde_json::Map::new();
                while let Some((key, value)) = map.next_entry::<String, serde_json::Value>()? {
                    if object.contains_key(&key) {
                        return Err(serde::de::Error::custom(format!("duplicate claim `{key}`")));
                    }
                    object.insert(key, value);
                }
                Ok(UniqueObject(object))
            }
        }
        deserializer.deserialize_map(Visitor)
    }
}

/// The payload of a compact JWT (`header.payload.signature`), base64url-decoded as RFC 7515
/// writes it (URL alphabet, no padding), nothing verified: the one decoder of token payloads,
/// for [`crate::verify`] (after the signature check) and `explain` (offline, unverified).
pub fn jwt_payload(token: &str) -> Result<Vec<u8>, ClaimsError> {
    use base64::Engine as _;
    let parts: Vec<&str> = token.split('.').collect();
    let [_, payload, _] = parts[..] else {
        return Err(ClaimsError::Parts(parts.len()));
    };
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .map_err(|_| ClaimsError::Base64)
}

impl Claims {
    /// A compact JWT's claims, read by [`jwt_payload`] and [`Claims::from_payload`]; nothing
    /// is verified.
    pub fn from_jwt_unverified(token: &str) -> Result<Self, ClaimsError> {
        Claims::from_payload(&jwt_payload(token)?)
    }

    /// Reads a token payload's raw JSON bytes: an object without duplicate names, then as
    /// [`Claims::from_json`]. Nesting deeper than serde_json's limit (128) is an error, not a
    /// stack overflow.
    pub fn from_payload(bytes: &[u8]) -> Result<Self, ClaimsError> {
        let object: UniqueObject = serde_json::from_slice(bytes).map_err(|e| {
            let text = e.to_string();
            match text
                .strip_prefix("duplicate claim `")
                .and_then(|t| t.split('`').next())
            {
                Some(name) => ClaimsError::Duplicate(name.to_string()),
                None if e.classify() == serde_json::error::Category::Data => {
                    ClaimsError::NotAnObject
                }
                None => ClaimsError::Json(text),
            }
        })?;
        Claims::from_json(&serde_json::Value::Object(object.0))
    }

    /// Reads a decoded payload. Every claim must be a string, except `exp`/`iat`/`nbf`
    /// (integers). `aud` may also be a one-element array, which RFC 7519 allows and some issuers
    /// emit; several audiences are refused because STS would see a different one than we checked.
    pub fn from_json(payload: &serde_json::Value) -> Result<Self, ClaimsError> {
        let object = payload.as_object().ok_or(ClaimsError::NotAnObject)?;
        let mut claims = Claims::default();
        for (name, value) in object {
            if TIME_CLAIMS.contains(&name.as_str()) {
                let seconds = value.as_i64().ok_or_else(|| ClaimsError::NotATime {
                    name: name.clone(),
                    found: json_type(value),
                })?;
                claims.times.insert(name.clone(), seconds);
                continue;
            }
            let text = match value {
                serde_json::Value::String(s) => s.clone(),
                serde_json::Value::Array(items) if name == "aud" && items.len() == 1 => {
                    match &items[0] {
                        serde_json::Value::String(s) => s.clone(),
                        other => {
                            return Err(ClaimsError::NotAString {
                                name: name.clone(),
                                found: json_type(other),
                            });
                        }
                    }
                }
                other => {
                    return Err(ClaimsError::NotAString {
                        name: name.clone(),
                        found: json_type(other),
                    });
                }
            };
            claims.strings.insert(name.clone(), text);
        }
        Ok(claims)
    }

    /// Builds claims from string pairs (tests, dry run).
    pub fn from_pairs<I, K, V>(pairs: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        Claims {
            strings: pairs
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
            times: BTreeMap::new(),
        }
    }

    /// Removes a claim (dry run's `--without-claim`).
    pub fn remove(&mut self, name: &str) {
        self.strings.remove(name);
        self.times.remove(name);
    }

    /// A string claim, if present.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.strings.get(name).map(String::as_str)
    }

    /// A time claim (`exp`, `iat`, `nbf`), if present.
    pub fn time(&self, name: &str) -> Option<i64> {
        self.times.get(name).copied()
    }

    /// Sets a string claim (dry run's `--claim key=value`).
    pub fn set(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.strings.insert(name.into(), value.into());
    }

    /// Sets a time claim.
    pub fn set_time(&mut self, name: impl Into<String>, seconds: i64) {
        self.times.insert(name.into(), seconds);
    }

    /// All string claims, sorted by name.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.strings.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// The claims as a JSON object (for minting a dry-run token).
    pub fn to_json(&self) -> serde_json::Value {
        let mut object = serde_json::Map::new();
        for (k, v) in &self.strings {
            object.insert(k.clone(), serde_json::Value::String(v.clone()));
        }
        for (k, v) in &self.times {
            object.insert(k.clone(), serde_json::Value::from(*v));
        }
        serde_json::Value::Object(object)
    }
}

fn json_type(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_github_shaped_payload() {
        let claims = Claims::from_json(&json!({
            "sub": "repo:octo-org/octo-repo:ref:refs/heads/main",
            "repository_id": "74",
            "ref_protected": "true",
            "aud": "sts.amazonaws.com",
            "exp": 1_700_000_300, "iat": 1_700_000_000, "nbf": 1_699_999_700,
        }))
        .unwrap();
        assert_eq!(claims.get("repository_id"), Some("74"));
        assert_eq!(claims.get("ref_protected"), Some("true"));
        assert_eq!(claims.time("exp"), Some(1_700_000_300));
        assert_eq!(claims.get("exp"), None);
    }

    #[test]
    fn refuses_non_strings_by_name() {
        let cases = [
            (json!({"repository_id": 74}), "repository_id", "a number"),
            (json!({"ref_protected": true}), "ref_protected", "a boolean"),
            (json!({"environment": null}), "environment", "null"),
            (json!({"sub": {"a": "b"}}), "sub", "an object"),
            (json!({"aud": ["a", "b"]}), "aud", "an array"),
            (json!({"aud": [1]}), "aud", "a number"),
        ];
        for (payload, name, found) in cases {
            let err = Claims::from_json(&payload).unwrap_err();
            assert_eq!(
                err,
                ClaimsError::NotAString {
                    name: name.into(),
                    found
                },
                "{payload}"
            );
        }
        assert_eq!(
            Claims::from_json(&json!({"exp": "soon"})).unwrap_err(),
            ClaimsError::NotATime {
                name: "exp".into(),
                found: "a string"
            }
        );
        assert_eq!(
            Claims::from_json(&json!(["x"])).unwrap_err(),
            ClaimsError::NotAnObject
        );
    }

    #[test]
    fn payload_bytes_are_read_strictly() {
        let ok =
            Claims::from_payload(br#"{"sub":"repo:o/r:ref:refs/heads/main","exp":1}"#).unwrap();
        assert_eq!(ok.get("sub"), Some("repo:o/r:ref:refs/heads/main"));
        assert_eq!(
            Claims::from_payload(br#"{"repository_id":"74","repository_id":"666"}"#).unwrap_err(),
            ClaimsError::Duplicate("repository_id".into())
        );
        assert_eq!(
            Claims::from_payload(b"[1]").unwrap_err(),
            ClaimsError::NotAnObject
        );
        let bomb = format!(r#"{{"x":{}1{}}}"#, "[".repeat(100_000), "]".repeat(100_000));
        assert!(
            matches!(Claims::from_payload(bomb.as_bytes()), Err(ClaimsError::Json(e)) if e.contains("recursion limit"))
        );
        assert!(matches!(
            Claims::from_payload(b"{\"a\":"),
            Err(ClaimsError::Json(_))
        ));
    }

    /// `explain` used to decode payloads by hand, accepting `=` padding and the standard
    /// alphabet's `+` and `/`; the verifier did not. A JWT has neither (RFC 7515), and STS
    /// refuses such a token, so both now refuse it.
    #[test]
    fn jwt_payloads_are_base64url_without_padding() {
        // {"sub":"repo:o/r:ref:refs/heads/main","aud":"sts.amazonaws.com"}
        let payload = "eyJzdWIiOiJyZXBvOm8vcjpyZWY6cmVmcy9oZWFkcy9tYWluIiwiYXVkIjoic3RzLmFtYXpvbmF3cy5jb20ifQ";
        let token = format!("eyJhbGciOiJSUzI1NiJ9.{payload}.c2ln");
        let claims = Claims::from_jwt_unverified(&token).unwrap();
        assert_eq!(claims.get("sub"), Some("repo:o/r:ref:refs/heads/main"));
        let cases: &[(&str, Result<&[u8], ClaimsError>)] = &[
            ("h.TWFu.s", Ok(b"Man")),
            ("h.TWE.s", Ok(b"Ma")),
            ("h..s", Ok(b"")),
            ("h.Pz8-.s", Ok(b"??>")),
            ("h.Pz8_.s", Ok(b"???")),
            ("h.TWE=.s", Err(ClaimsError::Base64)),
            ("h.Pz8+.s", Err(ClaimsError::Base64)),
            ("h.Pz8/.s", Err(ClaimsError::Base64)),
            ("h.!!.s", Err(ClaimsError::Base64)),
            ("h.TWFu", Err(ClaimsError::Parts(2))),
            ("h.TWFu.s.x", Err(ClaimsError::Parts(4))),
            ("", Err(ClaimsError::Parts(1))),
        ];
        for (token, want) in cases {
            let got = jwt_payload(token);
            assert_eq!(got.as_deref(), want.as_ref().map(|b| *b), "{token}");
        }
        assert_eq!(
            Claims::from_jwt_unverified("h.WzFd.s").unwrap_err(),
            ClaimsError::NotAnObject
        );
    }

    #[test]
    fn single_audience_array_is_accepted() {
        let claims = Claims::from_json(&json!({"aud": ["sts.amazonaws.com"]})).unwrap();
        assert_eq!(claims.get("aud"), Some("sts.amazonaws.com"));
    }

    #[test]
    fn known_claims() {
        assert!(is_known_claim("repository_id"));
        assert!(is_known_claim("repo_property_team"));
        assert!(!is_known_claim("repo_property_"));
        assert!(!is_known_claim("repositry"));
    }
}
