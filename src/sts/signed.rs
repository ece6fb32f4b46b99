//! `AssumeRole` and `GetCallerIdentity` through aws-sdk-sts, signed per request, and the SDK's
//! errors turned into [`StsError`]. I/O: HTTPS requests.

use std::sync::OnceLock;

use aws_sdk_sts::config::retry::RetryConfig;
use aws_sdk_sts::config::timeout::TimeoutConfig;
use aws_sdk_sts::config::{BehaviorVersion, Region};
use aws_sdk_sts::config::{SharedCredentialsProvider, SharedHttpClient};
use aws_sdk_sts::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_sts::primitives::DateTimeFormat;

use super::{
    AssumeRoleRequest, Credentials, Identity, Signer, StsError, Timeouts, chain, is_transient,
};
use crate::secret::Secret;

/// The signed transport. Signed calls get their credentials per request, so one SDK client
/// serves every hop.
pub(super) struct SignedClient {
    region: String,
    explicit_endpoint: Option<String>,
    timeouts: Timeouts,
    sdk_http: Option<SharedHttpClient>,
    sdk: OnceLock<aws_sdk_sts::Client>,
    pub(super) ambient: Option<SharedCredentialsProvider>,
}

impl SignedClient {
    /// A client for `region`; the SDK client itself is built on first use.
    pub(super) fn new(
        region: &str,
        endpoint: Option<&str>,
        timeouts: Timeouts,
        sdk_http: Option<SharedHttpClient>,
    ) -> Self {
        SignedClient {
            region: region.to_string(),
            explicit_endpoint: endpoint.map(str::to_string),
            timeouts,
            sdk_http,
            sdk: OnceLock::new(),
            ambient: None,
        }
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

    /// Where the signed calls go, for messages: the explicit endpoint, else the regional one
    /// (the SDK's default resolves to it).
    fn endpoint(&self) -> String {
        let base = self
            .explicit_endpoint
            .clone()
            .unwrap_or_else(|| crate::aws::regional_sts_endpoint(&self.region));
        format!("{}/", base.trim_end_matches('/'))
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

    /// Calls `AssumeRole`, signed by `signer`.
    pub(super) async fn assume_role(
        &self,
        request: &AssumeRoleRequest,
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
            .map_err(|e| sdk_error(OP, &self.endpoint(), &e))?;
        credentials(
            OP,
            output.credentials(),
            output.assumed_role_user().map(|u| u.arn()),
        )
    }

    /// Calls `GetCallerIdentity`, signed by `signer`.
    pub(super) async fn caller_identity(&self, signer: &Signer) -> Result<Identity, StsError> {
        const OP: &str = "GetCallerIdentity";
        let output = self
            .sdk()
            .get_caller_identity()
            .customize()
            .config_override(self.signed(signer)?)
            .send()
            .await
            .map_err(|e| sdk_error(OP, &self.endpoint(), &e))?;
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

/// The SDK's error as ours. A 200 the SDK could not read as STS's answer is checked first:
/// a proxy's page says so, rather than the XML parser's complaint about it.
fn sdk_error<E>(operation: &'static str, endpoint: &str, error: &SdkError<E>) -> StsError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    if let Some(raw) = error.raw_response()
        && raw.status().as_u16() == 200
        && let Some(foreign) = super::xml::foreign_answer(
            operation,
            endpoint,
            raw.headers().get("content-type"),
            raw.body().bytes().unwrap_or_default(),
        )
    {
        return foreign;
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_sts::primitives::DateTime;

    #[test]
    fn sdk_answers_become_credentials() {
        let creds = aws_sdk_sts::types::Credentials::builder()
            .access_key_id("ASIAEXAMPLE")
            .secret_access_key("secret")
            .session_token("token")
            .expiration(DateTime::from_secs(1_795_525_200))
            .build()
            .unwrap();
        let arn = "arn:aws:sts::123456789012:assumed-role/deploy/s";
        let good = credentials("AssumeRole", Some(&creds), Some(arn)).unwrap();
        assert_eq!(good.access_key_id.expose(), "ASIAEXAMPLE");
        assert_eq!(good.session_token.expose(), "token");
        assert_eq!(good.expiration, "2026-11-24T13:00:00Z");
        assert_eq!(good.assumed_role_arn, arn);
        // A 200 without a piece is a damaged answer: worth another try, and named.
        let cases: &[(
            &str,
            Option<&aws_sdk_sts::types::Credentials>,
            Option<&str>,
            &str,
        )] = &[
            (
                "no credentials",
                None,
                Some(arn),
                "the response has no Credentials",
            ),
            (
                "no user",
                Some(&creds),
                None,
                "the response has no AssumedRoleUser",
            ),
        ];
        for (name, creds, arn, message) in cases {
            let error = credentials("AssumeRole", *creds, *arn).unwrap_err();
            assert!(error.transient, "{name}");
            assert_eq!(error.message, *message, "{name}");
            assert_eq!(error.operation, "AssumeRole", "{name}");
        }
    }

    #[test]
    fn managed_policies_are_omitted_when_none() {
        assert!(policy_descriptors(&[]).is_none());
        let arns = [
            "arn:aws:iam::aws:policy/A".to_string(),
            "arn:aws:iam::aws:policy/B".to_string(),
        ];
        let descriptors = policy_descriptors(&arns).unwrap();
        let got: Vec<_> = descriptors.iter().map(|d| d.arn()).collect();
        assert_eq!(
            got,
            [
                Some("arn:aws:iam::aws:policy/A"),
                Some("arn:aws:iam::aws:policy/B")
            ]
        );
    }
}
