//! `AssumeRoleWithWebIdentity` over the shared reqwest client: one unsigned form POST, and a
//! HEAD beforehand to open the connection. I/O: HTTPS requests.

use super::{AssumeRequest, Credentials, StsError, chain, parse_credentials, parse_error};
use crate::secret::Secret;

pub(super) const OPERATION: &str = "AssumeRoleWithWebIdentity";

/// The unsigned transport.
pub(super) struct WebIdentityClient {
    pub(super) http: reqwest::Client,
    /// Base URL, no trailing slash.
    pub(super) endpoint: String,
}

impl WebIdentityClient {
    /// Opens the connection for [`WebIdentityClient::assume`]; best effort.
    pub(super) async fn prewarm(&self) {
        // A HEAD carries nothing and names no action, so STS does no work and logs nothing;
        // its only effect is a pooled connection for the POST that follows.
        let _ = self.http.head(format!("{}/", self.endpoint)).send().await;
    }

    /// Calls `AssumeRoleWithWebIdentity`.
    pub(super) async fn assume(&self, request: &AssumeRequest) -> Result<Credentials, StsError> {
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
}
