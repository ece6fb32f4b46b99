//! Exchanges a verified token for AWS credentials with STS `AssumeRoleWithWebIdentity`.
//! I/O: one HTTPS request through aws-sdk-sts.
//!
//! The call needs no AWS credentials, so the client is built with none: no credential chain,
//! no IMDS probe, no config-file scan. Timeouts are explicit because the SDK sets no read
//! timeout by default, and a server that accepts and never answers would hang the job.

use std::future::Future;
use std::time::Duration;

use aws_sdk_sts::config::retry::RetryConfig;
use aws_sdk_sts::config::timeout::TimeoutConfig;
use aws_sdk_sts::config::{BehaviorVersion, Region};
use aws_sdk_sts::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_sts::primitives::DateTimeFormat;

use crate::secret::Secret;

/// What is sent to STS.
#[derive(Debug, Clone)]
pub struct AssumeRequest {
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
        let hint = match self.code.as_deref()? {
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

/// Something that exchanges a token for credentials.
pub trait Broker: Sync {
    /// Calls `AssumeRoleWithWebIdentity`.
    fn assume(
        &self,
        request: &AssumeRequest,
    ) -> impl Future<Output = Result<Credentials, StsError>> + Send;
}

/// The real STS, through aws-sdk-sts.
pub struct SdkBroker {
    client: aws_sdk_sts::Client,
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

impl SdkBroker {
    /// A client for `region`, with an optional endpoint override.
    pub fn new(region: &str, endpoint: Option<&str>, timeouts: Timeouts) -> Self {
        let mut config = aws_sdk_sts::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(region.to_string()))
            .timeout_config(
                TimeoutConfig::builder()
                    .connect_timeout(timeouts.connect)
                    .read_timeout(timeouts.attempt)
                    .operation_attempt_timeout(timeouts.attempt)
                    .operation_timeout(timeouts.operation)
                    .build(),
            )
            // Retries are ours (crate::retry): classified the same way for every request, and
            // each one logged with its reason and delay.
            .retry_config(RetryConfig::disabled());
        if let Some(endpoint) = endpoint {
            config = config.endpoint_url(endpoint);
        }
        SdkBroker {
            client: aws_sdk_sts::Client::from_conf(config.build()),
        }
    }
}

const OPERATION: &str = "AssumeRoleWithWebIdentity";

impl Broker for SdkBroker {
    async fn assume(&self, request: &AssumeRequest) -> Result<Credentials, StsError> {
        let mut call = self
            .client
            .assume_role_with_web_identity()
            .role_arn(&request.role_arn)
            .role_session_name(&request.session_name)
            .web_identity_token(request.token.expose())
            .duration_seconds(i32::try_from(request.duration).unwrap_or(i32::MAX));
        if let Some(policy) = &request.inline_policy {
            call = call.policy(policy);
        }
        for arn in &request.managed_policies {
            call = call.policy_arns(
                aws_sdk_sts::types::PolicyDescriptorType::builder()
                    .arn(arn)
                    .build(),
            );
        }
        let output = call.send().await.map_err(|e| sdk_error(&e))?;
        let malformed = |what: &str| StsError {
            operation: OPERATION,
            code: None,
            message: format!("the response has no {what}"),
            // A 200 without credentials is a damaged (cut short) answer; another try may work.
            transient: true,
        };
        let creds = output
            .credentials()
            .ok_or_else(|| malformed("Credentials"))?;
        let arn = output
            .assumed_role_user()
            .map(|u| u.arn().to_string())
            .ok_or_else(|| malformed("AssumedRoleUser"))?;
        let expiration = creds
            .expiration()
            .fmt(DateTimeFormat::DateTime)
            .map_err(|_| malformed("valid Expiration"))?;
        Ok(Credentials {
            access_key_id: Secret::new(creds.access_key_id()),
            secret_access_key: Secret::new(creds.secret_access_key()),
            session_token: Secret::new(creds.session_token()),
            expiration,
            assumed_role_arn: arn,
        })
    }
}

fn sdk_error<E>(error: &SdkError<E>) -> StsError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let (code, message, transient) = match error {
        SdkError::ServiceError(service) => {
            let e = service.err();
            let code = e.code().map(str::to_string);
            let message = e.message().unwrap_or("no message").to_string();
            let status = service.raw().status().as_u16();
            let transient = status >= 500
                || matches!(
                    code.as_deref(),
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
                // STS could not fetch the issuer's keys: GitHub's side, usually brief.
                || (code.as_deref() == Some("InvalidIdentityToken")
                    && message.contains("Couldn't retrieve verification key"));
            (code, message, transient)
        }
        SdkError::TimeoutError(_) => (None, "timed out".to_string(), true),
        SdkError::DispatchFailure(failure) => {
            let (kind, transient) = if failure.is_timeout() {
                ("timed out", true)
            } else if failure.is_io() {
                ("connection failed", true)
            } else {
                ("request failed", false)
            };
            (None, format!("{kind}: {}", chain(error)), transient)
        }
        SdkError::ResponseError(_) => {
            (None, format!("unreadable response: {}", chain(error)), true)
        }
        _ => (None, chain(error), false),
    };
    StsError {
        operation: OPERATION,
        code,
        message,
        transient,
    }
}

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
