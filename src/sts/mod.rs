//! STS for this crate: the [`Broker`] trait, what is sent and received, how a failure is
//! classified and explained, and [`StsBroker`], which joins the two transports. I/O: none here;
//! the transports in `web_identity.rs` and `signed.rs` do the HTTPS requests.
//!
//! `AssumeRoleWithWebIdentity` is unsigned: it is one form POST, sent with the same reqwest
//! client (and so the same proxy, trust roots and connection pool) as the token and key
//! requests, and its XML answer is read by [`parse_credentials`]. The signed calls
//! (`AssumeRole` for chaining and for static or existing credentials, `GetCallerIdentity` to
//! learn whose keys those are) go through aws-sdk-sts, whose client is built on first use only,
//! so the common run never pays for it (its trust store load was most of a run's remaining
//! cost). Timeouts are explicit because the SDK sets no read timeout by default, and a server
//! that accepts and never answers would hang the job.
//!
//! Where things live: [`form`] builds the web-identity form (pure), `xml.rs` reads STS's
//! answers (pure), `web_identity.rs` sends the unsigned POST and `signed.rs` the SDK calls.

pub mod form;
mod signed;
mod web_identity;
pub(crate) mod xml;

use std::future::Future;
use std::time::Duration;

use aws_sdk_sts::config::{SharedCredentialsProvider, SharedHttpClient};

use crate::secret::Secret;

pub use xml::{parse_credentials, parse_error};

/// What is sent to STS.
#[derive(Debug, Clone)]
pub struct WebIdentityRequest {
    /// Role ARN.
    pub role_arn: String,
    /// Session name.
    pub session_name: String,
    /// Duration in seconds.
    pub duration: u32,
    /// Minified inline session policy.
    pub inline_policy: Option<String>,
    /// Managed session policy ARNs.
    pub managed_policies: Vec<String>,
    /// The OIDC token.
    pub token: Secret,
}

/// What is sent to STS `AssumeRole` (chaining, static keys, existing credentials).
#[derive(Debug, Clone)]
pub struct AssumeRoleRequest {
    /// Role ARN.
    pub role_arn: String,
    /// Session name.
    pub session_name: String,
    /// Duration in seconds.
    pub duration: u32,
    /// Minified inline session policy.
    pub inline_policy: Option<String>,
    /// Managed session policy ARNs.
    pub managed_policies: Vec<String>,
    /// `role-external-id`.
    pub external_id: Option<String>,
    /// Session tags (key, value).
    pub tags: Vec<(String, String)>,
    /// Tag keys that pass on to further chained sessions.
    pub transitive_tag_keys: Vec<String>,
}

/// Credentials that sign a request: keys given or found in the environment, an earlier hop's
/// session, or the ambient chain (instance profile, container, profile files).
#[derive(Debug, Clone)]
pub enum Signer {
    /// Explicit keys.
    Keys {
        /// Access key id.
        access_key_id: Secret,
        /// Secret access key.
        secret_access_key: Secret,
        /// Session token, for temporary credentials.
        session_token: Option<Secret>,
    },
    /// The broker's ambient credential chain.
    Ambient,
}

impl Signer {
    /// Signs with a session STS gave us.
    pub fn from_session(creds: &Credentials) -> Signer {
        Signer::Keys {
            access_key_id: creds.access_key_id.clone(),
            secret_access_key: creds.secret_access_key.clone(),
            session_token: Some(creds.session_token.clone()),
        }
    }
}

/// Who a set of credentials belongs to (`GetCallerIdentity`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// Twelve-digit account id.
    pub account: String,
    /// `arn:aws:iam::…:user/…` or `arn:aws:sts::…:assumed-role/…`.
    pub arn: String,
}

/// Temporary credentials and who they belong to.
#[derive(Debug, Clone)]
pub struct Credentials {
    /// `ASIA…`
    pub access_key_id: Secret,
    /// Secret access key.
    pub secret_access_key: Secret,
    /// Session token.
    pub session_token: Secret,
    /// Expiry, RFC 3339 (`2026-11-24T13:00:00Z`).
    pub expiration: String,
    /// `arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION`
    pub assumed_role_arn: String,
}

impl Credentials {
    /// The account id, from the assumed-role ARN.
    pub fn account_id(&self) -> Option<&str> {
        self.assumed_role_arn
            .split(':')
            .nth(4)
            .filter(|a| a.len() == 12 && a.bytes().all(|b| b.is_ascii_digit()))
    }
}

/// How STS failed.
#[derive(Debug, Clone, thiserror::Error)]
#[error("STS {operation} failed: {}{message}", .code.as_deref().map(|c| format!("{c}: ")).unwrap_or_default())]
pub struct StsError {
    /// The STS operation.
    pub operation: &'static str,
    /// AWS error code (`AccessDenied`, `InvalidIdentityToken`, …), when STS answered.
    pub code: Option<String>,
    /// The message.
    pub message: String,
    /// Whether another attempt may succeed (throttling, 5xx, connection failures, STS failing
    /// to reach the issuer's keys).
    pub transient: bool,
}

impl StsError {
    /// Why a retry may succeed, or `None` for a permanent failure.
    pub fn transient_reason(&self) -> Option<String> {
        self.transient.then(|| match &self.code {
            Some(code) => format!("{code}: {}", self.message),
            None => self.message.clone(),
        })
    }

    /// Whether STS said the token expired (a fresh token may succeed).
    pub fn is_expired_token(&self) -> bool {
        self.code.as_deref() == Some("ExpiredTokenException")
    }

    /// Whether this is a "your trust policy does not admit this token" kind of refusal, for
    /// which printing the token's claims helps.
    pub fn is_trust_refusal(&self) -> bool {
        matches!(
            self.code.as_deref(),
            Some("AccessDenied" | "InvalidIdentityToken" | "IDPRejectedClaim")
        )
    }

    /// How to fix it, by error code.
    pub fn hint(&self) -> Option<String> {
        if let Some(hint) = xml::foreign_answer_hint(self) {
            return Some(hint);
        }
        let hint = match self.code.as_deref()? {
            // Session tags need their own permission in the trust policy; the refusal names it.
            "AccessDenied" if self.message.contains("sts:TagSession") => {
                "the role's trust policy allows `sts:AssumeRole` but not `sts:TagSession`: add `sts:TagSession` to the actions of the statement that trusts the caller, or set `role-skip-session-tagging: true` (custom-tags and transitive-tag-keys need the permission either way)"
            }
            // AssumeRole is signed by AWS credentials, not a token: there are no claims to compare.
            "AccessDenied" if self.operation != "AssumeRoleWithWebIdentity" => {
                "the role's trust policy does not admit the calling identity (see the message): let the role trust that principal for `sts:AssumeRole`, and check `role-external-id` if the trust policy requires `sts:ExternalId`"
            }
            "AccessDenied" => {
                "the role's trust policy does not admit this token: compare its conditions with the claims above"
            }
            "InvalidIdentityToken" if self.message.contains("No OpenIDConnect provider") => {
                "create the IAM OIDC identity provider for the token's issuer in the role's account (and partition)"
            }
            "InvalidIdentityToken" if self.message.contains("audience") => {
                "the IAM OIDC provider's client ids must include the token's audience (the `audience` input)"
            }
            "InvalidIdentityToken" => {
                "STS could not validate the token: check that the IAM OIDC provider's URL is the token's issuer"
            }
            "ExpiredTokenException" => {
                "the token expired before STS saw it: check the runner's clock"
            }
            "ValidationError" if self.message.contains("DurationSeconds") => {
                "lower `role-duration-seconds` or raise the role's maximum session duration"
            }
            "ValidationError" => "a request parameter is invalid: see the message",
            "MalformedPolicyDocument" => {
                "fix `inline-session-policy` (it must be a valid IAM policy)"
            }
            "PackedPolicyTooLarge" => "shorten the session policies",
            "RegionDisabledException" => {
                "STS is not activated in this region for the account: activate it in IAM or use another region"
            }
            "IDPCommunicationError" => {
                "STS could not reach the token issuer; this is usually transient: re-run"
            }
            "Throttling" => "STS is throttling this account; retry later or spread the jobs",
            _ => return None,
        };
        Some(hint.to_string())
    }
}

/// Something that exchanges a token or credentials for credentials.
pub trait Broker: Sync {
    /// Calls `AssumeRoleWithWebIdentity`.
    fn assume_with_web_identity(
        &self,
        request: &WebIdentityRequest,
    ) -> impl Future<Output = Result<Credentials, StsError>> + Send;

    /// Sets up the connection for [`Broker::assume_with_web_identity`] (TCP, TLS) while other requests are in
    /// flight, so the exchange costs one round trip when the token is ready. Best effort.
    fn prewarm(&self) -> impl Future<Output = ()> + Send {
        async {}
    }

    /// Calls `AssumeRole`, signed by `signer`.
    fn assume_role(
        &self,
        request: &AssumeRoleRequest,
        signer: &Signer,
    ) -> impl Future<Output = Result<Credentials, StsError>> + Send;

    /// Calls `GetCallerIdentity`, signed by `signer`.
    fn caller_identity(
        &self,
        signer: &Signer,
    ) -> impl Future<Output = Result<Identity, StsError>> + Send;
}

/// The real STS: web identity over reqwest, signed calls through aws-sdk-sts.
pub struct StsBroker {
    web: web_identity::WebIdentityClient,
    signed: signed::SignedClient,
}

/// Per-request and whole-operation time bounds for STS.
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    /// TCP + TLS connect.
    pub connect: Duration,
    /// One attempt, from send to the last byte.
    pub attempt: Duration,
    /// All attempts together.
    pub operation: Duration,
}

impl Timeouts {
    /// Timeouts for one request of at most `request` (connect within it, at most 5 s).
    pub fn for_request(request: Duration) -> Self {
        Timeouts {
            connect: request.min(Duration::from_secs(5)),
            attempt: request,
            operation: request,
        }
    }
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts::for_request(Duration::from_secs(10))
    }
}

impl StsBroker {
    /// A broker for `region`, with an optional endpoint override. `http` sends the web-identity
    /// call; `sdk_http` is the SDK's HTTP client for signed calls (`None`: the SDK's default,
    /// which ignores proxies).
    pub fn new(
        http: reqwest::Client,
        region: &str,
        endpoint: Option<&str>,
        timeouts: Timeouts,
        sdk_http: Option<SharedHttpClient>,
    ) -> Self {
        StsBroker {
            web: web_identity::WebIdentityClient {
                http,
                endpoint: endpoint
                    .map_or_else(|| crate::aws::regional_sts_endpoint(region), str::to_string)
                    .trim_end_matches('/')
                    .to_string(),
            },
            signed: signed::SignedClient::new(region, endpoint, timeouts, sdk_http),
        }
    }

    /// Uses `provider` for [`Signer::Ambient`].
    pub fn with_ambient(mut self, provider: SharedCredentialsProvider) -> Self {
        self.signed.ambient = Some(provider);
        self
    }
}

impl Broker for StsBroker {
    async fn prewarm(&self) {
        self.web.prewarm().await;
    }

    async fn assume_with_web_identity(
        &self,
        request: &WebIdentityRequest,
    ) -> Result<Credentials, StsError> {
        self.web.assume_with_web_identity(request).await
    }

    async fn assume_role(
        &self,
        request: &AssumeRoleRequest,
        signer: &Signer,
    ) -> Result<Credentials, StsError> {
        self.signed.assume_role(request, signer).await
    }

    async fn caller_identity(&self, signer: &Signer) -> Result<Identity, StsError> {
        self.signed.caller_identity(signer).await
    }
}

/// Whether an STS error answer may go away on another try: 5xx, throttling, STS failing to
/// reach the issuer's keys (GitHub's side, usually brief).
fn is_transient(status: u16, code: Option<&str>, message: &str) -> bool {
    status >= 500
        || status == 429
        || matches!(
            code,
            Some(
                "Throttling"
                    | "ThrottlingException"
                    | "RequestLimitExceeded"
                    | "TooManyRequestsException"
                    | "IDPCommunicationError"
                    | "InternalFailure"
                    | "InternalError"
                    | "ServiceUnavailable"
            )
        )
        || (code == Some("InvalidIdentityToken")
            && message.contains("Couldn't retrieve verification key"))
}

/// An error and all its sources on one line: reqwest and the SDK keep the useful part (refused,
/// DNS, TLS, timed out) in a source, not in the top-level message.
fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    use super::form::OPERATION;

    #[test]
    fn endpoints_by_partition() {
        for (region, endpoint) in [
            ("eu-west-1", "https://sts.eu-west-1.amazonaws.com"),
            ("cn-north-1", "https://sts.cn-north-1.amazonaws.com.cn"),
            ("us-gov-west-1", "https://sts.us-gov-west-1.amazonaws.com"),
            ("us-iso-east-1", "https://sts.us-iso-east-1.c2s.ic.gov"),
            ("us-isob-east-1", "https://sts.us-isob-east-1.sc2s.sgov.gov"),
            ("eusc-de-east-1", "https://sts.eusc-de-east-1.amazonaws.eu"),
        ] {
            assert_eq!(crate::aws::regional_sts_endpoint(region), endpoint);
        }
    }

    #[test]
    fn transient_answers() {
        let cases: &[(u16, Option<&str>, &str, bool)] = &[
            (500, None, "", true),
            (503, Some("ServiceUnavailable"), "", true),
            (429, None, "", true),
            (400, Some("Throttling"), "Rate exceeded", true),
            (400, Some("ThrottlingException"), "", true),
            (400, Some("RequestLimitExceeded"), "", true),
            (400, Some("TooManyRequestsException"), "", true),
            (400, Some("IDPCommunicationError"), "", true),
            (400, Some("InternalFailure"), "", true),
            (400, Some("InternalError"), "", true),
            (
                400,
                Some("InvalidIdentityToken"),
                "Couldn't retrieve verification key from your identity provider",
                true,
            ),
            (
                400,
                Some("InvalidIdentityToken"),
                "No OpenIDConnect provider found",
                false,
            ),
            (403, Some("AccessDenied"), "Not authorized", false),
            (400, Some("ExpiredTokenException"), "", false),
            (400, Some("ValidationError"), "", false),
            (400, None, "", false),
            (404, None, "", false),
        ];
        for (status, code, message, want) in cases {
            assert_eq!(
                is_transient(*status, *code, message),
                *want,
                "{status} {code:?} {message}"
            );
        }
    }

    #[test]
    fn account_from_assumed_role_arn() {
        let creds = |arn: &str| Credentials {
            access_key_id: Secret::new("a"),
            secret_access_key: Secret::new("b"),
            session_token: Secret::new("c"),
            expiration: String::new(),
            assumed_role_arn: arn.into(),
        };
        assert_eq!(
            creds("arn:aws:sts::123456789012:assumed-role/deploy/gha-1").account_id(),
            Some("123456789012")
        );
        assert_eq!(creds("garbage").account_id(), None);
    }

    #[test]
    fn hints_by_code() {
        let err = |code: &str, message: &str| StsError {
            operation: OPERATION,
            code: Some(code.into()),
            message: message.into(),
            transient: false,
        };
        assert!(err("AccessDenied", "Not authorized").is_trust_refusal());
        assert!(!err("Throttling", "Rate exceeded").is_trust_refusal());
        assert!(
            err("InvalidIdentityToken", "No OpenIDConnect provider found in your account for https://token.actions.githubusercontent.com")
                .hint()
                .unwrap()
                .contains("OIDC identity provider")
        );
        assert!(
            err(
                "ValidationError",
                "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."
            )
            .hint()
            .unwrap()
            .contains("role-duration-seconds")
        );
        // Issue #14: a chained AssumeRole refused for tagging is not a web-identity problem.
        let tag = StsError {
            operation: "AssumeRole",
            ..err(
                "AccessDenied",
                "User: arn:aws:sts::111111111111:assumed-role/ci-entry/gha-1 is not authorized to perform: sts:TagSession on resource: arn:aws:iam::222222222222:role/prod-deploy",
            )
        };
        let hint = tag.hint().unwrap();
        assert!(
            hint.contains("add `sts:TagSession`") && hint.contains("role-skip-session-tagging"),
            "{hint}"
        );
        let chained = StsError {
            operation: "AssumeRole",
            ..err(
                "AccessDenied",
                "User: x is not authorized to perform: sts:AssumeRole",
            )
        };
        assert!(
            !chained.hint().unwrap().contains("token"),
            "{:?}",
            chained.hint()
        );
        assert!(
            err(
                "AccessDenied",
                "Not authorized to perform sts:AssumeRoleWithWebIdentity"
            )
            .hint()
            .unwrap()
            .contains("claims above")
        );
        assert_eq!(
            err(
                "AccessDenied",
                "Not authorized to perform sts:AssumeRoleWithWebIdentity"
            )
            .to_string(),
            "STS AssumeRoleWithWebIdentity failed: AccessDenied: Not authorized to perform sts:AssumeRoleWithWebIdentity"
        );
    }
}
