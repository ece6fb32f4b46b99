//! Fuzz target: any bytes as a token must be refused by the verifier (nobody can forge a
//! signature), without a panic. No I/O.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use oidc_assume::mint::SigningKey;
use oidc_assume::verify::{Expected, verify};

fn jwks() -> &'static jsonwebtoken::jwk::JwkSet {
    static JWKS: OnceLock<jsonwebtoken::jwk::JwkSet> = OnceLock::new();
    JWKS.get_or_init(|| SigningKey::generate("fuzz").unwrap().jwks())
}

fuzz_target!(|data: &[u8]| {
    let token = String::from_utf8_lossy(data);
    let expected = Expected {
        issuer: "https://token.actions.githubusercontent.com",
        audience: "sts.amazonaws.com",
        now: 1_780_000_000,
        skip_signature: false,
    };
    assert!(verify(&token, jwks(), &expected).is_err());
});
