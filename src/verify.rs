//! Verifies a GitHub OIDC token against a JWKS: RS256 signature, `iss`, `aud`, `exp`/`nbf`/`iat`,
//! string-typed claims. Pure: the key set and the clock are arguments, no I/O.
//!
//! The action and the dry run both call [`verify`], so a dry run exercises the real checks.
//! jsonwebtoken checks the signature only; the claim checks are ours, so every failure can say
//! what the token had and what was expected.

use jsonwebtoken::jwk::{AlgorithmParameters, JwkSet};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};

use crate::claims::{Claims, ClaimsError};

/// Clock skew tolerated on `exp`, `nbf` and `iat`, in seconds.
pub const LEEWAY_SECONDS: i64 = 60;
/// STS refuses web identity tokens longer than this; larger input is not worth parsing.
pub const MAX_TOKEN_BYTES: usize = 20_000;

/// What the token must say.
#[derive(Debug, Clone)]
pub struct Expected<'a> {
    /// Exact issuer.
    pub issuer: &'a str,
    /// Exact audience.
    pub audience: &'a str,
    /// Current time, seconds since the epoch.
    pub now: i64,
    /// Skip the signature check (claims are still checked).
    pub skip_signature: bool,
}

/// Why a token was rejected.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum VerifyError {
    #[error("the token is {0} bytes long; at most {MAX_TOKEN_BYTES} are accepted")]
    TooLong(usize),
    #[error("the token is not a JWT (three base64url parts separated by dots): {0}")]
    Malformed(String),
    #[error("the token is signed with `{0}`; only RS256 is accepted")]
    Algorithm(String),
    #[error("the token's header marks `{0}` as critical; no header extensions are supported")]
    Critical(String),
    #[error("the token's header has no `kid`, so no signing key can be chosen")]
    MissingKid,
    #[error("no key with kid `{kid}` in the issuer's key set (it has: {known})")]
    UnknownKid { kid: String, known: String },
    #[error("the signing key `{0}` in the issuer's key set is not a usable RSA key")]
    BadKey(String),
    #[error("the token's signature does not verify with key `{0}`")]
    Signature(String),
    #[error("{0}")]
    Claims(#[from] ClaimsError),
    #[error("the token has no `{0}` claim")]
    Missing(&'static str),
    #[error("the token's issuer is `{actual}`, expected `{expected}`")]
    Issuer { actual: String, expected: String },
    #[error("the token's audience is `{actual}`, expected `{expected}`")]
    Audience { actual: String, expected: String },
    #[error("the token expired {0} seconds ago")]
    Expired(i64),
    #[error("the token is not valid for another {0} seconds (nbf)")]
    NotYetValid(i64),
    #[error("the token was issued {0} seconds in the future (iat); is this machine's clock right?")]
    IssuedInFuture(i64),
}

impl VerifyError {
    /// How to fix it, where we can say.
    pub fn hint(&self) -> Option<String> {
        Some(match self {
            VerifyError::Issuer { actual, .. } => format!(
                "set the `issuer` input to `{actual}` if that is your GitHub's issuer (GHES: https://HOST/_services/token)"
            ),
            VerifyError::Audience { actual, .. } => format!(
                "request the audience your IAM OIDC provider expects with the `audience` input (the token says `{actual}`)"
            ),
            VerifyError::Expired(_) | VerifyError::NotYetValid(_) | VerifyError::IssuedInFuture(_) => {
                "GitHub tokens live 5 minutes: check the runner's clock, and for token files make sure the file is refreshed".into()
            }
            VerifyError::UnknownKid { .. } => {
                "the token was not signed by this issuer's current keys: check the `issuer` input".into()
            }
            VerifyError::Algorithm(_) | VerifyError::Signature(_) | VerifyError::Critical(_) => {
                "this token was not issued by GitHub's token service, or was altered".into()
            }
            _ => return None,
        })
    }
}

/// Verifies `token` with the key set `jwks` and returns its claims.
pub fn verify(token: &str, jwks: &JwkSet, expected: &Expected<'_>) -> Result<Claims, VerifyError> {
    if token.len() > MAX_TOKEN_BYTES {
        return Err(VerifyError::TooLong(token.len()));
    }
    // Read `alg` ourselves first: jsonwebtoken cannot even parse a header saying `none`, and
    // the user should hear "signed with none", not a JSON error.
    let alg = header_alg(token)?;
    if alg != "RS256" {
        return Err(VerifyError::Algorithm(alg));
    }
    let header =
        jsonwebtoken::decode_header(token).map_err(|e| VerifyError::Malformed(e.to_string()))?;
    if let Some(crit) = header.crit.as_ref().filter(|c| !c.is_empty()) {
        return Err(VerifyError::Critical(crit.join(", ")));
    }
    // `jku`, `x5u` and `x5c` are deliberately ignored: keys come only from the configured
    // issuer's discovery document, never from a URL or certificate the token names.
    if !expected.skip_signature {
        let kid = header.kid.as_deref().ok_or(VerifyError::MissingKid)?;
        let jwk = jwks.find(kid).ok_or_else(|| VerifyError::UnknownKid {
            kid: kid.to_string(),
            known: known_kids(jwks),
        })?;
        if !matches!(jwk.algorithm, AlgorithmParameters::RSA(_)) {
            return Err(VerifyError::BadKey(kid.to_string()));
        }
        let key = DecodingKey::from_jwk(jwk).map_err(|_| VerifyError::BadKey(kid.to_string()))?;
        let mut validation = Validation::new(Algorithm::RS256);
        validation.required_spec_claims.clear();
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.validate_aud = false;
        // jsonwebtoken checks the signature; the payload is then read by our strict reader.
        jsonwebtoken::decode::<serde::de::IgnoredAny>(token, &key, &validation).map_err(
            |e| match e.kind() {
                jsonwebtoken::errors::ErrorKind::InvalidSignature => {
                    VerifyError::Signature(kid.to_string())
                }
                _ => VerifyError::Malformed(e.to_string()),
            },
        )?;
    }
    let claims = Claims::from_payload(&payload_bytes(token)?)?;
    check_claims(&claims, expected)?;
    Ok(claims)
}

fn payload_bytes(token: &str) -> Result<Vec<u8>, VerifyError> {
    crate::claims::jwt_payload(token).map_err(|e| match e {
        ClaimsError::Parts(n) => VerifyError::Malformed(format!("it has {n} parts")),
        _ => VerifyError::Malformed("the payload is not base64url".into()),
    })
}

fn header_alg(token: &str) -> Result<String, VerifyError> {
    use base64::Engine as _;
    let malformed = |what: &str| VerifyError::Malformed(what.to_string());
    let parts: Vec<&str> = token.split('.').collect();
    if parts.len() != 3 {
        return Err(malformed(&format!("it has {} parts", parts.len())));
    }
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(parts[0])
        .map_err(|_| malformed("the header is not base64url"))?;
    let header: serde_json::Value =
        serde_json::from_slice(&bytes).map_err(|_| malformed("the header is not JSON"))?;
    match header.get("alg") {
        Some(serde_json::Value::String(alg)) => Ok(alg.clone()),
        _ => Err(malformed("the header has no `alg`")),
    }
}

fn known_kids(jwks: &JwkSet) -> String {
    let kids: Vec<String> = jwks
        .keys
        .iter()
        .filter_map(|k| k.common.key_id.as_ref().map(|kid| format!("`{kid}`")))
        .collect();
    if kids.is_empty() {
        "no keys".into()
    } else {
        kids.join(", ")
    }
}

/// Checks `iss`, `aud` and the time claims of decoded claims.
pub fn check_claims(claims: &Claims, expected: &Expected<'_>) -> Result<(), VerifyError> {
    let iss = claims.get("iss").ok_or(VerifyError::Missing("iss"))?;
    if iss != expected.issuer {
        return Err(VerifyError::Issuer {
            actual: iss.to_string(),
            expected: expected.issuer.to_string(),
        });
    }
    let aud = claims.get("aud").ok_or(VerifyError::Missing("aud"))?;
    if aud != expected.audience {
        return Err(VerifyError::Audience {
            actual: aud.to_string(),
            expected: expected.audience.to_string(),
        });
    }
    let exp = claims.time("exp").ok_or(VerifyError::Missing("exp"))?;
    if expected.now > exp.saturating_add(LEEWAY_SECONDS) {
        return Err(VerifyError::Expired(expected.now - exp));
    }
    if let Some(nbf) = claims.time("nbf")
        && nbf > expected.now.saturating_add(LEEWAY_SECONDS)
    {
        return Err(VerifyError::NotYetValid(nbf - expected.now));
    }
    if let Some(iat) = claims.time("iat")
        && iat > expected.now.saturating_add(LEEWAY_SECONDS)
    {
        return Err(VerifyError::IssuedInFuture(iat - expected.now));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mint::{self, SigningKey};
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
    use serde_json::json;

    const ISS: &str = "https://token.actions.githubusercontent.com";
    const NOW: i64 = 1_780_000_000;

    fn key() -> &'static SigningKey {
        static KEY: std::sync::OnceLock<SigningKey> = std::sync::OnceLock::new();
        KEY.get_or_init(|| SigningKey::generate("test-kid").unwrap())
    }

    fn claims() -> serde_json::Value {
        json!({
            "iss": ISS, "aud": "sts.amazonaws.com",
            "sub": "repo:octo-org/octo-repo:ref:refs/heads/main",
            "repository": "octo-org/octo-repo", "repository_id": "74",
            "ref": "refs/heads/main", "event_name": "push",
            "iat": NOW - 10, "nbf": NOW - 310, "exp": NOW + 290,
        })
    }

    fn expected() -> Expected<'static> {
        Expected {
            issuer: ISS,
            audience: "sts.amazonaws.com",
            now: NOW,
            skip_signature: false,
        }
    }

    fn sign(header: serde_json::Value, payload: &serde_json::Value) -> String {
        mint::sign_raw(key(), &header, payload).unwrap()
    }

    fn rs256() -> serde_json::Value {
        json!({"alg": "RS256", "typ": "JWT", "kid": "test-kid"})
    }

    fn with(
        mut payload: serde_json::Value,
        key: &str,
        value: serde_json::Value,
    ) -> serde_json::Value {
        payload[key] = value;
        payload
    }

    #[test]
    fn accepts_a_good_token() {
        let token = sign(rs256(), &claims());
        let verified = verify(&token, &key().jwks(), &expected()).unwrap();
        assert_eq!(verified.get("repository_id"), Some("74"));
        assert_eq!(verified.time("exp"), Some(NOW + 290));
    }

    #[test]
    fn rejections() {
        let jwks = key().jwks();
        let good = sign(rs256(), &claims());
        let (head, rest) = good.split_once('.').unwrap();
        let (_payload, sig) = rest.split_once('.').unwrap();
        let forged_payload =
            B64.encode(serde_json::to_vec(&with(claims(), "repository_id", json!("666"))).unwrap());
        let tampered = format!("{head}.{forged_payload}.{sig}");
        let none_header = B64.encode(br#"{"alg":"none","typ":"JWT"}"#);
        let alg_none = format!(
            "{none_header}.{}.",
            B64.encode(serde_json::to_vec(&claims()).unwrap())
        );
        // The classic confusion attack: HS256 with the issuer's public key (the JWKS modulus,
        // which anyone can fetch) as the HMAC secret.
        let hs_header = B64.encode(br#"{"alg":"HS256","typ":"JWT","kid":"test-kid"}"#);
        let hs_message = format!(
            "{hs_header}.{}",
            B64.encode(serde_json::to_vec(&claims()).unwrap())
        );
        let published = serde_json::to_value(key().jwks()).unwrap();
        let public_key = published["keys"][0]["n"].as_str().unwrap().to_string();
        let mac = aws_lc_rs::hmac::sign(
            &aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, public_key.as_bytes()),
            hs_message.as_bytes(),
        );
        let hs256 = format!("{hs_message}.{}", B64.encode(mac.as_ref()));
        let other_key = SigningKey::generate("test-kid").unwrap();
        let wrong_key = mint::sign_raw(&other_key, &rs256(), &claims()).unwrap();

        let cases: Vec<(&str, String, VerifyError)> = vec![
            (
                "tampered payload",
                tampered,
                VerifyError::Signature("test-kid".into()),
            ),
            (
                "signed by another key",
                wrong_key,
                VerifyError::Signature("test-kid".into()),
            ),
            ("alg none", alg_none, VerifyError::Algorithm("none".into())),
            (
                "hs256 with public key",
                hs256,
                VerifyError::Algorithm("HS256".into()),
            ),
            (
                "rs512",
                sign(json!({"alg": "RS512", "kid": "test-kid"}), &claims()),
                VerifyError::Algorithm("RS512".into()),
            ),
            (
                "unknown kid",
                sign(json!({"alg": "RS256", "kid": "rotated"}), &claims()),
                VerifyError::UnknownKid {
                    kid: "rotated".into(),
                    known: "`test-kid`".into(),
                },
            ),
            (
                "no kid",
                sign(json!({"alg": "RS256"}), &claims()),
                VerifyError::MissingKid,
            ),
            (
                "crit header",
                sign(
                    json!({"alg": "RS256", "kid": "test-kid", "crit": ["b64"]}),
                    &claims(),
                ),
                VerifyError::Critical("b64".into()),
            ),
            (
                "expired",
                sign(rs256(), &with(claims(), "exp", json!(NOW - 61))),
                VerifyError::Expired(61),
            ),
            (
                "not yet valid",
                sign(rs256(), &with(claims(), "nbf", json!(NOW + 120))),
                VerifyError::NotYetValid(120),
            ),
            (
                "issued in the future",
                sign(rs256(), &with(claims(), "iat", json!(NOW + 3600))),
                VerifyError::IssuedInFuture(3600),
            ),
            (
                "wrong issuer",
                sign(
                    rs256(),
                    &with(claims(), "iss", json!("https://evil.example")),
                ),
                VerifyError::Issuer {
                    actual: "https://evil.example".into(),
                    expected: ISS.into(),
                },
            ),
            (
                "wrong audience",
                sign(
                    rs256(),
                    &with(claims(), "aud", json!("https://github.com/octo-org")),
                ),
                VerifyError::Audience {
                    actual: "https://github.com/octo-org".into(),
                    expected: "sts.amazonaws.com".into(),
                },
            ),
            (
                "non-string claim",
                sign(rs256(), &with(claims(), "repository_id", json!(74))),
                VerifyError::Claims(ClaimsError::NotAString {
                    name: "repository_id".into(),
                    found: "a number",
                }),
            ),
            (
                "no exp",
                sign(rs256(), &with(claims(), "exp", json!(null))),
                VerifyError::Claims(ClaimsError::NotATime {
                    name: "exp".into(),
                    found: "null",
                }),
            ),
            (
                "too long",
                "a".repeat(MAX_TOKEN_BYTES + 1),
                VerifyError::TooLong(MAX_TOKEN_BYTES + 1),
            ),
        ];
        for (name, token, want) in cases {
            assert_eq!(
                verify(&token, &jwks, &expected()).unwrap_err(),
                want,
                "case {name}"
            );
        }
        for garbage in ["", "abc", "a.b", "!!.??.**", "e30.e30"] {
            assert!(
                matches!(
                    verify(garbage, &jwks, &expected()),
                    Err(VerifyError::Malformed(_))
                ),
                "{garbage:?}"
            );
        }
    }

    #[test]
    fn duplicate_claims_and_json_bombs_are_refused() {
        let header = B64.encode(br#"{"alg":"RS256","typ":"JWT","kid":"test-kid"}"#);
        let sign_bytes = |payload: &[u8]| {
            // Sign raw payload bytes (sign_raw would re-serialise and drop the duplicate).
            let message = format!("{header}.{}", B64.encode(payload));
            let mut sig = vec![0u8; 256];
            let pair = aws_lc_rs::rsa::KeyPair::from_pkcs8(&key().pkcs8()).unwrap();
            pair.sign(
                &aws_lc_rs::signature::RSA_PKCS1_SHA256,
                &aws_lc_rs::rand::SystemRandom::new(),
                message.as_bytes(),
                &mut sig,
            )
            .unwrap();
            format!("{message}.{}", B64.encode(sig))
        };
        let dup = format!(
            r#"{{"iss":"{ISS}","aud":"sts.amazonaws.com","exp":{},"repository_id":"74","repository_id":"666"}}"#,
            NOW + 100
        );
        assert_eq!(
            verify(&sign_bytes(dup.as_bytes()), &key().jwks(), &expected()).unwrap_err(),
            VerifyError::Claims(ClaimsError::Duplicate("repository_id".into()))
        );
        let bomb = format!(
            r#"{{"iss":"{ISS}","x":{}1{}}}"#,
            "[".repeat(5000),
            "]".repeat(5000)
        );
        assert!(matches!(
            verify(&sign_bytes(bomb.as_bytes()), &key().jwks(), &expected()),
            Err(VerifyError::Claims(ClaimsError::Json(_)))
        ));
    }

    proptest::proptest! {
        /// Tokens are attacker input: any string is verified or refused, never a panic, and
        /// nothing unsigned passes.
        #[test]
        fn arbitrary_tokens_are_refused_without_panicking(
            header in "[A-Za-z0-9_-]{0,60}",
            payload in "[A-Za-z0-9_-]{0,200}",
            signature in "[A-Za-z0-9_-]{0,60}",
            dots in 0usize..4,
        ) {
            let token = [header.as_str(), payload.as_str(), signature.as_str(), "x"][..=dots.min(3)].join(".");
            proptest::prop_assert!(verify(&token, &key().jwks(), &expected()).is_err());
        }

        /// Any JSON header and payload, signed or not, ends in a typed result.
        #[test]
        fn arbitrary_json_never_panics(header in "\\{.{0,60}\\}", payload in "\\{.{0,200}\\}") {
            let token = format!("{}.{}.{}", B64.encode(&header), B64.encode(&payload), B64.encode([1u8; 256]));
            proptest::prop_assert!(verify(&token, &key().jwks(), &expected()).is_err());
        }
    }

    #[test]
    fn leeway_tolerates_small_skew() {
        let token = sign(rs256(), &with(claims(), "exp", json!(NOW - 59)));
        assert!(verify(&token, &key().jwks(), &expected()).is_ok());
    }

    #[test]
    fn jku_and_x5u_headers_are_ignored() {
        let header = json!({"alg": "RS256", "kid": "test-kid", "jku": "https://evil.example/jwks", "x5u": "https://evil.example/cert"});
        assert!(verify(&sign(header, &claims()), &key().jwks(), &expected()).is_ok());
    }

    #[test]
    fn skipping_the_signature_still_checks_claims() {
        let other_key = SigningKey::generate("x").unwrap();
        let token = mint::sign_raw(&other_key, &rs256(), &claims()).unwrap();
        let skip = Expected {
            skip_signature: true,
            ..expected()
        };
        assert!(verify(&token, &key().jwks(), &skip).is_ok());
        let wrong_aud =
            mint::sign_raw(&other_key, &rs256(), &with(claims(), "aud", json!("x"))).unwrap();
        assert!(matches!(
            verify(&wrong_aud, &key().jwks(), &skip),
            Err(VerifyError::Audience { .. })
        ));
    }
}
