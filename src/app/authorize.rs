//! Authorization: fetch the job's token and the issuer's keys at once, verify the token, get a
//! fresh one when it is about to expire, and check its claims against the policy for every role
//! of the run. I/O only through the [`TokenSource`] and [`KeySource`] it is given.

use jsonwebtoken::jwk::JwkSet;

use crate::aws::{RoleArn, default_session_name};
use crate::claims::Claims;
use crate::config::Config;
use crate::error::Error;
use crate::oidc::{KeyError, KeySource, TokenError, TokenSource};
use crate::output::Reporter;
use crate::policy::{Decision, Policy};
use crate::retry;
use crate::secret::Secret;
use crate::verify::{self, Expected, VerifyError};

/// Seconds of validity a token must have left to be sent to STS without asking for a fresh
/// one first (GitHub's tokens live 300 s).
pub const MIN_TOKEN_LIFETIME: i64 = 30;

/// A token that passed verification and the policy.
#[derive(Debug)]
pub struct Authorized {
    /// The token, for STS.
    pub token: Secret,
    /// Its verified claims.
    pub claims: Claims,
    /// The allow rule that matched; `None` when no policy is configured.
    pub rule: Option<String>,
    /// The STS session name.
    pub session_name: String,
}

/// Fetches the token (and, concurrently, the issuer's keys), verifies it, and applies the
/// policy. The token is masked as soon as it arrives.
pub async fn authorize<T: TokenSource, K: KeySource>(
    config: &Config,
    policy: Option<&Policy>,
    roles: &[&RoleArn],
    tokens: &T,
    keys: &K,
    out: &Reporter,
    now: i64,
) -> Result<Authorized, Error> {
    let token_future = fetch_token(config, tokens, out);
    // The key set does not depend on the token: fetch both at once, so verification costs no
    // extra round trip on the critical path.
    let fetch_key_set = async {
        if config.oidc.skip_signature {
            Ok(None)
        } else {
            fetch_keys(config, keys, out).await.map(Some)
        }
    };
    let (token, jwks) = tokio::join!(token_future, fetch_key_set);
    let token = token?;
    let jwks = jwks?.unwrap_or_default();

    let expected = Expected {
        issuer: &config.issuer,
        audience: &config.oidc.audience,
        now,
        skip_signature: config.oidc.skip_signature,
    };
    let (jwks, mut claims) = match verify::verify(token.expose(), &jwks, &expected) {
        Err(VerifyError::UnknownKid { .. }) => {
            // The issuer may have rotated its keys since the set we fetched: refetch once.
            let fresh = fetch_keys(config, keys, out).await?;
            let claims = verify::verify(token.expose(), &fresh, &expected)?;
            (fresh, claims)
        }
        other => (jwks, other?),
    };
    let mut token = token;
    // A token with less than MIN_TOKEN_LIFETIME left (a token file written a while ago, a slow
    // queue) may expire before STS sees it: ask for a fresh one, once.
    if let Some(left) = claims.time("exp").map(|exp| exp - now)
        && left < MIN_TOKEN_LIFETIME
    {
        out.info(&format!(
            "oidc-assume: the token expires in {left} s; requesting a fresh one"
        ));
        let fresh = fetch_token(config, tokens, out).await?;
        claims = verify::verify(fresh.expose(), &jwks, &expected)?;
        token = fresh;
    }

    // Every role of the run must pass the policy; the first one's rule is reported.
    let mut rule = None;
    if let Some(policy) = policy {
        for role in roles.iter().rev() {
            match policy.evaluate(&role.arn, &claims) {
                Decision::Allowed { rule: r } => rule = Some(r),
                Decision::Denied(denial) => return Err(Error::Denied(Box::new(denial))),
            }
        }
    }
    let session_name = config.session.session_name.clone().unwrap_or_else(|| {
        default_session_name(
            claims.get("run_id"),
            claims.get("run_attempt"),
            claims.get("repository"),
        )
    });
    Ok(Authorized {
        token,
        claims,
        rule,
        session_name,
    })
}

/// Fetches a token (retrying what is transient) and masks it the moment it arrives.
async fn fetch_token<T: TokenSource>(
    config: &Config,
    tokens: &T,
    out: &Reporter,
) -> Result<Secret, Error> {
    let token = retry::run(
        config.network.retry,
        "requesting the OIDC token",
        out,
        TokenError::transient_reason,
        || tokens.fetch(&config.oidc.audience),
    )
    .await?;
    out.mask(token.expose());
    Ok(token)
}

async fn fetch_keys<K: KeySource>(
    config: &Config,
    keys: &K,
    out: &Reporter,
) -> Result<JwkSet, Error> {
    Ok(retry::run(
        config.network.retry,
        "fetching the issuer's signing keys",
        out,
        KeyError::transient_reason,
        || keys.keys(),
    )
    .await?)
}
