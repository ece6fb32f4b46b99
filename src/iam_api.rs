//! IAM's query API, for `migrate --aws`: an IAM user's access keys, when each was last used,
//! and the policies attached to the user. SigV4-signed POSTs (aws-sigv4, the signer the SDK
//! uses) over the crate's HTTP client, answers read as STS's are. I/O: HTTPS requests (or
//! loopback HTTP, for tests against moto).

use std::time::{Duration, SystemTime};

use crate::net::NetConfig;
use crate::secret::Secret;
use crate::sts::xml::{element, section};

/// IAM's global endpoint (its signing region is `us-east-1`).
pub const DEFAULT_ENDPOINT: &str = "https://iam.amazonaws.com/";

/// Why an IAM call failed.
#[derive(Debug, thiserror::Error)]
pub enum IamError {
    #[error("IAM {action} was refused ({status}): {code}: {message}")]
    Refused {
        action: &'static str,
        status: u16,
        code: String,
        message: String,
    },
    #[error("IAM {action} did not answer: {why}")]
    Transport { action: &'static str, why: String },
    #[error("could not sign the IAM request: {0}")]
    Sign(String),
}

/// Credentials to sign with (from the usual `AWS_*` variables).
pub struct Keys {
    pub access_key_id: String,
    pub secret_access_key: Secret,
    pub session_token: Option<Secret>,
}

/// One access key of a user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessKey {
    pub id: String,
    pub status: String,
    pub created: String,
    /// When it was last used (`None`: never), and by which service.
    pub last_used: Option<String>,
    pub last_service: Option<String>,
}

/// What IAM says about one user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub name: String,
    pub keys: Vec<AccessKey>,
    /// Managed policies attached to the user (ARNs).
    pub attached: Vec<String>,
    /// Inline policies (names).
    pub inline: Vec<String>,
}

/// A signing IAM client.
pub struct IamClient {
    endpoint: String,
    keys: Keys,
    http: reqwest::Client,
}

/// The text of every `<member>…</member>` directly listed in `xml`'s `<list>`.
fn members<'a>(xml: &'a str, list: &str) -> Vec<&'a str> {
    let Some(body) = section(xml, list) else {
        return Vec::new();
    };
    body.split("<member>")
        .skip(1)
        .filter_map(|m| m.split("</member>").next())
        .collect()
}

fn text(xml: &str, tag: &str) -> Option<String> {
    element(xml, tag).map(|c| c.into_owned())
}

impl IamClient {
    /// A client for `endpoint` (IAM's global one by default), through the configured proxies.
    pub fn new(endpoint: Option<&str>, keys: Keys, net: &NetConfig) -> Result<IamClient, IamError> {
        let http = net
            .reqwest_client(None, Duration::from_secs(20), false)
            .map_err(|e| IamError::Transport {
                action: "client",
                why: e.to_string(),
            })?;
        Ok(IamClient {
            endpoint: endpoint.unwrap_or(DEFAULT_ENDPOINT).to_string(),
            keys,
            http,
        })
    }

    /// One signed call; the answer's XML, or IAM's error.
    async fn call(
        &self,
        action: &'static str,
        params: &[(&str, &str)],
    ) -> Result<String, IamError> {
        use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
        let mut form = url::form_urlencoded::Serializer::new(String::new());
        form.append_pair("Action", action)
            .append_pair("Version", "2010-05-08");
        for (k, v) in params {
            form.append_pair(k, v);
        }
        let body = form.finish();
        let identity = aws_credential_types::Credentials::new(
            &self.keys.access_key_id,
            self.keys.secret_access_key.expose(),
            self.keys
                .session_token
                .as_ref()
                .map(|t| t.expose().to_string()),
            None,
            "oidc-assume",
        )
        .into();
        let params = aws_sigv4::sign::v4::SigningParams::builder()
            .identity(&identity)
            .region("us-east-1")
            .name("iam")
            .time(SystemTime::now())
            .settings(SigningSettings::default())
            .build()
            .map_err(|e| IamError::Sign(e.to_string()))?
            .into();
        let content_type = "application/x-www-form-urlencoded; charset=utf-8";
        let headers = [("content-type", content_type)];
        let signable = SignableRequest::new(
            "POST",
            self.endpoint.as_str(),
            headers.iter().copied(),
            SignableBody::Bytes(body.as_bytes()),
        )
        .map_err(|e| IamError::Sign(e.to_string()))?;
        let (instructions, _) = sign(signable, &params)
            .map_err(|e| IamError::Sign(e.to_string()))?
            .into_parts();
        let mut request = self
            .http
            .post(&self.endpoint)
            .header("content-type", content_type)
            .body(body);
        for (name, value) in instructions.headers() {
            request = request.header(name, value);
        }
        let fail = |e: reqwest::Error| IamError::Transport {
            action,
            why: e.to_string(),
        };
        let response = request.send().await.map_err(fail)?;
        let status = response.status().as_u16();
        let text = response.text().await.map_err(fail)?;
        if status != 200 {
            return Err(IamError::Refused {
                action,
                status,
                code: text_or(&text, "Code"),
                message: text_or(&text, "Message"),
            });
        }
        Ok(text)
    }

    /// The user's keys (with their last use) and policies.
    pub async fn user(&self, name: &str) -> Result<User, IamError> {
        let user = [("UserName", name)];
        let listed = self.call("ListAccessKeys", &user).await?;
        let mut keys = Vec::new();
        for m in members(&listed, "AccessKeyMetadata") {
            let id = text(m, "AccessKeyId").unwrap_or_default();
            let used = self
                .call("GetAccessKeyLastUsed", &[("AccessKeyId", &id)])
                .await?;
            keys.push(AccessKey {
                status: text(m, "Status").unwrap_or_default(),
                created: text(m, "CreateDate").unwrap_or_default(),
                last_used: text(&used, "LastUsedDate").filter(|d| !d.is_empty()),
                last_service: text(&used, "ServiceName").filter(|s| s != "N/A" && !s.is_empty()),
                id,
            });
        }
        let attached = self.call("ListAttachedUserPolicies", &user).await?;
        let inline = self.call("ListUserPolicies", &user).await?;
        Ok(User {
            name: name.to_string(),
            keys,
            attached: members(&attached, "AttachedPolicies")
                .into_iter()
                .filter_map(|m| text(m, "PolicyArn"))
                .collect(),
            inline: members(&inline, "PolicyNames")
                .into_iter()
                .map(|m| m.trim().to_string())
                .collect(),
        })
    }
}

fn text_or(xml: &str, tag: &str) -> String {
    text(xml, tag).unwrap_or_else(|| format!("(no {tag} in the answer)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_are_read_member_by_member() {
        let xml = "<ListAccessKeysResponse><ListAccessKeysResult><AccessKeyMetadata><member><UserName>ci</UserName><AccessKeyId>AKIA1</AccessKeyId><Status>Active</Status></member><member><AccessKeyId>AKIA2</AccessKeyId><Status>Inactive</Status></member></AccessKeyMetadata></ListAccessKeysResult></ListAccessKeysResponse>";
        let ids: Vec<Option<String>> = members(xml, "AccessKeyMetadata")
            .into_iter()
            .map(|m| text(m, "AccessKeyId"))
            .collect();
        assert_eq!(ids, [Some("AKIA1".into()), Some("AKIA2".into())]);
        assert!(members("<X/>", "AccessKeyMetadata").is_empty());
        let names = "<PolicyNames><member>deploy-s3</member><member>logs &amp; metrics</member></PolicyNames>";
        assert_eq!(
            members(names, "PolicyNames"),
            ["deploy-s3", "logs &amp; metrics"]
        );
    }
}
