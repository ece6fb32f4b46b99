//! `AssumeRoleWithWebIdentity` over the shared reqwest client: one unsigned form POST, and a
//! HEAD beforehand to open the connection. I/O: HTTPS requests.

use super::form::{self, OPERATION};
use super::{Credentials, StsError, WebIdentityRequest, chain, parse_credentials, parse_error};

/// The unsigned transport.
pub(super) struct WebIdentityClient {
    pub(super) http: reqwest::Client,
    /// Base URL, no trailing slash.
    pub(super) endpoint: String,
}

impl WebIdentityClient {
    /// Opens the connection for [`WebIdentityClient::assume_with_web_identity`]; best effort.
    pub(super) async fn prewarm(&self) {
        // A HEAD carries nothing and names no action, so STS does no work and logs nothing;
        // its only effect is a pooled connection for the POST that follows.
        let _ = self.http.head(format!("{}/", self.endpoint)).send().await;
    }

    /// Calls `AssumeRoleWithWebIdentity`.
    pub(super) async fn assume_with_web_identity(
        &self,
        request: &WebIdentityRequest,
    ) -> Result<Credentials, StsError> {
        let body = form::encode(&form::web_identity(request));
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
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
        let text = response.text().await.map_err(|e| {
            let kind = if e.is_timeout() {
                "timed out"
            } else {
                "unreadable response"
            };
            fail(format!("{kind}: {}", chain(&e)), true)
        })?;
        if status == 200 {
            // A proxy's page is not a damaged answer: say whose it likely is.
            let endpoint = format!("{}/", self.endpoint);
            match super::xml::foreign_answer(
                OPERATION,
                &endpoint,
                content_type.as_deref(),
                text.as_bytes(),
            ) {
                Some(foreign) => Err(foreign),
                None => parse_credentials(OPERATION, &text),
            }
        } else {
            Err(parse_error(OPERATION, status, &text))
        }
    }
}
