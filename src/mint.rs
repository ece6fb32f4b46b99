//! Mints RS256 tokens with an ephemeral key, for the dry run and for tests. Pure apart from
//! drawing randomness for the key: no network, no files.
//!
//! The dry run verifies what it minted through [`crate::verify::verify`] with this key's JWKS,
//! so the local decision goes through the same checks as a real run.

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::{KeyPair, KeySize};
use aws_lc_rs::signature::{KeyPair as _, RSA_PKCS1_SHA256};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use jsonwebtoken::jwk::JwkSet;

use crate::claims::Claims;
use crate::secret::Secret;

/// Why minting failed (only on a broken crypto library).
#[derive(Debug, thiserror::Error)]
#[error("could not mint a dry-run token: {0}")]
pub struct MintError(String);

/// An ephemeral RSA-2048 signing key with a key id.
pub struct SigningKey {
    kid: String,
    pair: KeyPair,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

impl SigningKey {
    /// Generates a fresh key; it lives only in this process.
    pub fn generate(kid: &str) -> Result<Self, MintError> {
        let pair = KeyPair::generate(KeySize::Rsa2048).map_err(|e| MintError(e.to_string()))?;
        Ok(SigningKey {
            kid: kid.to_string(),
            pair,
        })
    }

    /// The private key as PKCS#8 DER (tests sign hand-made payloads with it).
    pub fn pkcs8(&self) -> Vec<u8> {
        use aws_lc_rs::encoding::AsDer as _;
        self.pair
            .as_der()
            .map(|der| der.as_ref().to_vec())
            .unwrap_or_default()
    }

    /// The key id put in token headers and the JWKS.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The public key as a JWKS, as an issuer would serve it.
    pub fn jwks(&self) -> JwkSet {
        let public = self.pair.public_key();
        let n = B64.encode(public.modulus().big_endian_without_leading_zero());
        let e = B64.encode(public.exponent().big_endian_without_leading_zero());
        serde_json::from_value(serde_json::json!({
            "keys": [{"kty": "RSA", "use": "sig", "alg": "RS256", "kid": self.kid, "n": n, "e": e}]
        }))
        .expect("a JWKS built from known fields deserialises")
    }

    /// Mints a GitHub-shaped token (`{"alg":"RS256","typ":"JWT","kid":…}`) for `claims`.
    pub fn mint(&self, claims: &Claims) -> Result<Secret, MintError> {
        let header = serde_json::json!({"typ": "JWT", "alg": "RS256", "kid": self.kid});
        sign_raw(self, &header, &claims.to_json()).map(Secret::new)
    }
}

/// Signs any header and payload with RS256 (tests use it to build hostile headers).
pub fn sign_raw(
    key: &SigningKey,
    header: &serde_json::Value,
    payload: &serde_json::Value,
) -> Result<String, MintError> {
    let encode = |v: &serde_json::Value| {
        serde_json::to_vec(v)
            .map(|bytes| B64.encode(bytes))
            .map_err(|e| MintError(e.to_string()))
    };
    let message = format!("{}.{}", encode(header)?, encode(payload)?);
    let mut signature = vec![0u8; key.pair.public_modulus_len()];
    key.pair
        .sign(
            &RSA_PKCS1_SHA256,
            &SystemRandom::new(),
            message.as_bytes(),
            &mut signature,
        )
        .map_err(|e| MintError(e.to_string()))?;
    Ok(format!("{message}.{}", B64.encode(signature)))
}
