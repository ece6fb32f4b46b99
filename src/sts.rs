//! Talks to STS: `AssumeRoleWithWebIdentity` for a verified token, `AssumeRole` for chaining
//! and for static or existing credentials, `GetCallerIdentity` to learn whose keys those are.
//! I/O: HTTPS requests.
//!
//! The web-identity call is unsigned: it is one form POST, sent with the same reqwest client
//! (and so the same proxy, trust roots and connection pool) as the token and key requests, and
//! its XML answer is read by [`parse_credentials`]. The signed calls go through aws-sdk-sts,
//! whose client is built on first use only, so the common run never pays for it (its trust
//! store load was most of a run's remaining cost). Signed calls get their credentials per
//! request, so one SDK client serves every hop. Timeouts are explicit because the SDK sets no
//! read timeout by default, and a server that accepts and never answers would hang the job.

use std::future::Future;
use std::sync::OnceLock;
use std::time::Duration;

use aws_sdk_sts::config::retry::RetryConfig;
use aws_sdk_sts::config::timeout::TimeoutConfig;
use aws_sdk_sts::config::{BehaviorVersion, Region};
use aws_sdk_sts::config::{SharedCredentialsProvider, SharedHttpClient};
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

/// What is sent to STS `AssumeRole` (chaining, static keys, existing credentials).
#[derive(Debug, Clone)]
pub struct RoleRequest {
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

/// Something that exchanges a token or credentials for credentials.
pub trait Broker: Sync {
    /// Calls `AssumeRoleWithWebIdentity`.
    fn assume(
        &self,
        request: &AssumeRequest,
    ) -> impl Future<Output = Result<Credentials, StsError>> + Send;

    /// Sets up the connection for [`Broker::assume`] (TCP, TLS) while other requests are in
    /// flight, so the exchange costs one round trip when the token is ready. Best effort.
    fn prewarm(&self) -> impl Future<Output = ()> + Send {
        async {}
    }

    /// Calls `AssumeRole`, signed by `signer`.
    fn assume_role(
        &self,
        request: &RoleRequest,
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
    http: reqwest::Client,
    /// Base URL, no trailing slash.
    endpoint: String,
    region: String,
    explicit_endpoint: Option<String>,
    timeouts: Timeouts,
    sdk_http: Option<SharedHttpClient>,
    sdk: OnceLock<aws_sdk_sts::Client>,
    ambient: Option<SharedCredentialsProvider>,
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
            http,
            endpoint: endpoint
                .map_or_else(|| crate::aws::regional_sts_endpoint(region), str::to_string)
                .trim_end_matches('/')
                .to_string(),
            region: region.to_string(),
            explicit_endpoint: endpoint.map(str::to_string),
            timeouts,
            sdk_http,
            sdk: OnceLock::new(),
            ambient: None,
        }
    }

    /// Where the web-identity call goes.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The SDK client, built on first use.
    fn sdk(&self) -> &aws_sdk_sts::Client {
        self.sdk.get_or_init(|| {
            let timeouts = self.timeouts;
            let mut config = aws_sdk_sts::Config::builder()
                .behavior_version(BehaviorVersion::latest())
                .region(Region::new(self.region.clone()))
                .timeout_config(
                    TimeoutConfig::builder()
                        .connect_timeout(timeouts.connect)
                        .read_timeout(timeouts.attempt)
                        .operation_attempt_timeout(timeouts.attempt)
                        .operation_timeout(timeouts.operation)
                        .build(),
                )
                // Retries are ours (crate::retry): classified the same way for every request,
                // and each one logged with its reason and delay.
                .retry_config(RetryConfig::disabled());
            if let Some(endpoint) = &self.explicit_endpoint {
                config = config.endpoint_url(endpoint);
            }
            if let Some(http) = &self.sdk_http {
                config = config.http_client(http.clone());
            }
            aws_sdk_sts::Client::from_conf(config.build())
        })
    }

    /// Uses `provider` for [`Signer::Ambient`].
    pub fn with_ambient(mut self, provider: SharedCredentialsProvider) -> Self {
        self.ambient = Some(provider);
        self
    }

    /// The per-request configuration that makes a call signed by `signer`.
    fn signed(&self, signer: &Signer) -> Result<aws_sdk_sts::config::Builder, StsError> {
        let provider = match signer {
            Signer::Keys {
                access_key_id,
                secret_access_key,
                session_token,
            } => SharedCredentialsProvider::new(aws_sdk_sts::config::Credentials::new(
                access_key_id.expose(),
                secret_access_key.expose(),
                session_token.as_ref().map(|t| t.expose().to_string()),
                None,
                "oidc-assume",
            )),
            Signer::Ambient => self.ambient.clone().ok_or_else(|| StsError {
                operation: "AssumeRole",
                code: None,
                message: "no ambient credentials are configured".into(),
                transient: false,
            })?,
        };
        Ok(aws_sdk_sts::config::Builder::default().credentials_provider(provider))
    }
}

/// The SDK's session-policy parameter for managed policy ARNs.
fn policy_descriptors(arns: &[String]) -> Option<Vec<aws_sdk_sts::types::PolicyDescriptorType>> {
    (!arns.is_empty()).then(|| {
        arns.iter()
            .map(|arn| {
                aws_sdk_sts::types::PolicyDescriptorType::builder()
                    .arn(arn)
                    .build()
            })
            .collect()
    })
}

/// Turns an STS credentials answer into ours; a 200 without them is a damaged (cut short)
/// answer that another try may fix.
fn credentials(
    operation: &'static str,
    creds: Option<&aws_sdk_sts::types::Credentials>,
    arn: Option<&str>,
) -> Result<Credentials, StsError> {
    let malformed = |what: &str| StsError {
        operation,
        code: None,
        message: format!("the response has no {what}"),
        transient: true,
    };
    let creds = creds.ok_or_else(|| malformed("Credentials"))?;
    let arn = arn.ok_or_else(|| malformed("AssumedRoleUser"))?;
    let expiration = creds
        .expiration()
        .fmt(DateTimeFormat::DateTime)
        .map_err(|_| malformed("valid Expiration"))?;
    Ok(Credentials {
        access_key_id: Secret::new(creds.access_key_id()),
        secret_access_key: Secret::new(creds.secret_access_key()),
        session_token: Secret::new(creds.session_token()),
        expiration,
        assumed_role_arn: arn.to_string(),
    })
}

const OPERATION: &str = "AssumeRoleWithWebIdentity";

impl Broker for StsBroker {
    async fn prewarm(&self) {
        // A HEAD carries nothing and names no action, so STS does no work and logs nothing;
        // its only effect is a pooled connection for the POST that follows.
        let _ = self.http.head(format!("{}/", self.endpoint)).send().await;
    }

    async fn assume(&self, request: &AssumeRequest) -> Result<Credentials, StsError> {
        // The serializer is not Send: built and dropped before the first await.
        let body = {
            let mut form = url::form_urlencoded::Serializer::new(String::new());
            form.append_pair("Action", OPERATION)
                .append_pair("Version", "2011-06-15")
                .append_pair("RoleArn", &request.role_arn)
                .append_pair("RoleSessionName", &request.session_name)
                .append_pair("WebIdentityToken", request.token.expose())
                .append_pair("DurationSeconds", &request.duration.to_string());
            if let Some(policy) = &request.inline_policy {
                form.append_pair("Policy", policy);
            }
            for (i, arn) in request.managed_policies.iter().enumerate() {
                form.append_pair(&format!("PolicyArns.member.{}.arn", i + 1), arn);
            }
            Secret::new(form.finish())
        };
        let fail = |message: String, transient: bool| StsError {
            operation: OPERATION,
            code: None,
            message,
            transient,
        };
        let response = self
            .http
            .post(format!("{}/", self.endpoint))
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded; charset=utf-8",
            )
            .body(body.expose().to_string())
            .send()
            .await
            .map_err(|e| {
                let kind = if e.is_timeout() {
                    "timed out"
                } else if e.is_connect() {
                    "connection failed"
                } else {
                    "request failed"
                };
                // Connection-level failures are worth another try; the request itself is ours.
                fail(format!("{kind}: {}", chain(&e)), true)
            })?;
        let status = response.status().as_u16();
        let text = response.text().await.map_err(|e| {
            let kind = if e.is_timeout() {
                "timed out"
            } else {
                "unreadable response"
            };
            fail(format!("{kind}: {}", chain(&e)), true)
        })?;
        if status == 200 {
            parse_credentials(OPERATION, &text)
        } else {
            Err(parse_error(OPERATION, status, &text))
        }
    }

    async fn assume_role(
        &self,
        request: &RoleRequest,
        signer: &Signer,
    ) -> Result<Credentials, StsError> {
        const OP: &str = "AssumeRole";
        let tags = request
            .tags
            .iter()
            .map(|(key, value)| {
                aws_sdk_sts::types::Tag::builder()
                    .key(key)
                    .value(value)
                    .build()
                    .map_err(|e| StsError {
                        operation: OP,
                        code: None,
                        message: format!("session tag `{key}`: {e}"),
                        transient: false,
                    })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let output = self
            .sdk()
            .assume_role()
            .role_arn(&request.role_arn)
            .role_session_name(&request.session_name)
            .duration_seconds(i32::try_from(request.duration).unwrap_or(i32::MAX))
            .set_policy(request.inline_policy.clone())
            .set_policy_arns(policy_descriptors(&request.managed_policies))
            .set_external_id(request.external_id.clone())
            .set_tags((!tags.is_empty()).then_some(tags))
            .set_transitive_tag_keys(
                (!request.transitive_tag_keys.is_empty())
                    .then(|| request.transitive_tag_keys.clone()),
            )
            .customize()
            .config_override(self.signed(signer)?)
            .send()
            .await
            .map_err(|e| sdk_error(OP, &e))?;
        credentials(
            OP,
            output.credentials(),
            output.assumed_role_user().map(|u| u.arn()),
        )
    }

    async fn caller_identity(&self, signer: &Signer) -> Result<Identity, StsError> {
        const OP: &str = "GetCallerIdentity";
        let output = self
            .sdk()
            .get_caller_identity()
            .customize()
            .config_override(self.signed(signer)?)
            .send()
            .await
            .map_err(|e| sdk_error(OP, &e))?;
        match (output.account(), output.arn()) {
            (Some(account), Some(arn)) => Ok(Identity {
                account: account.to_string(),
                arn: arn.to_string(),
            }),
            _ => Err(StsError {
                operation: OP,
                code: None,
                message: "the response has no Account or Arn".into(),
                transient: true,
            }),
        }
    }
}

fn sdk_error<E>(operation: &'static str, error: &SdkError<E>) -> StsError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let (code, message, transient) = match error {
        SdkError::ServiceError(service) => {
            let e = service.err();
            let code = e.code().map(str::to_string);
            let message = e.message().unwrap_or("no message").to_string();
            let status = service.raw().status().as_u16();
            let transient = is_transient(status, code.as_deref(), &message);
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
        operation,
        code,
        message,
        transient,
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
