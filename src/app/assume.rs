//! The STS calls of a run: `AssumeRoleWithWebIdentity` for an authorized token, `AssumeRole`
//! with session tags for chains and for keys, each hop of a chain in turn, every plan at once.
//! Credentials are masked the moment they arrive. I/O only through the [`Broker`].

use crate::aws::RoleArn;
use crate::error::Error;
use crate::plan::{Plan, Produced, WebIdentityPlan, hop_duration};
use crate::refusal;
use crate::retry;
use crate::secret::Secret;
use crate::sts::{
    AssumeRoleRequest, Broker, Credentials, Identity, Signer, StsError, WebIdentityRequest,
};
use crate::tags::SessionTags;

use super::Pipeline;
use super::authorize::Authorized;

/// The `AssumeRoleWithWebIdentity` request for an authorized token.
pub fn web_identity_request(
    config: &crate::config::Config,
    role: &RoleArn,
    duration: u32,
    authorized: &Authorized,
) -> WebIdentityRequest {
    WebIdentityRequest {
        role_arn: role.arn.clone(),
        session_name: authorized.session_name.clone(),
        duration,
        inline_policy: config.session.inline_policy.clone(),
        managed_policies: config.session.managed_policies.clone(),
        token: authorized.token.clone(),
    }
}

impl<B: Broker> Pipeline<'_, B> {
    /// Calls STS and masks the credentials before anything else can print them. On a trust
    /// refusal, the error carries what the token said and what a trust policy must match.
    pub async fn assume_with_web_identity(
        &self,
        role: &RoleArn,
        duration: u32,
        authorized: &Authorized,
    ) -> Result<Credentials, Error> {
        let request = web_identity_request(self.config, role, duration, authorized);
        let result = retry::run(
            self.config.network.retry,
            "calling STS AssumeRoleWithWebIdentity",
            self.out,
            StsError::transient_reason,
            || self.broker.assume_with_web_identity(&request),
        )
        .await;
        match result {
            Ok(creds) => {
                self.mask_credentials(&creds);
                Ok(creds)
            }
            Err(error) => {
                let explanation = error
                    .is_trust_refusal()
                    .then(|| refusal::explain(self.config, role, &authorized.claims, self.trust));
                Err(Error::Sts { error, explanation })
            }
        }
    }

    /// Masks fresh credentials (and the account, when asked) before anything can print them.
    pub fn mask_credentials(&self, creds: &Credentials) {
        let out = self.out;
        out.mask(creds.access_key_id.expose());
        out.mask(creds.secret_access_key.expose());
        out.mask(creds.session_token.expose());
        if self.config.exports.mask_account_id
            && let Some(account) = creds.account_id()
        {
            out.mask(account);
        }
    }

    /// Exchanges one token for every plan's credentials, concurrently.
    pub async fn assume_all_with_web_identity(
        &self,
        plans: &[WebIdentityPlan],
        authorized: &Authorized,
        tags: &SessionTags,
    ) -> Result<Vec<Produced>, Error> {
        let futures = plans
            .iter()
            .map(|WebIdentityPlan { role, plan }| async move {
                let duration = hop_duration(plan.duration, plan.chain.is_empty(), false);
                let first = self
                    .assume_with_web_identity(role, duration, authorized)
                    .await?;
                let creds = self
                    .follow_chain(plan, first, &authorized.session_name, tags)
                    .await?;
                Ok::<_, Error>(Produced {
                    plan: plan.clone(),
                    creds,
                })
            });
        futures_util::future::try_join_all(futures).await
    }

    /// `AssumeRole` with retries, session tags (dropping the optional context tags once when
    /// STS says the packed policy is too large), and credentials masked on arrival.
    pub async fn assume_role(
        &self,
        role: &RoleArn,
        duration: u32,
        signer: &Signer,
        session_name: &str,
        tags: &SessionTags,
    ) -> Result<Credentials, Error> {
        let config = self.config;
        let mut request = AssumeRoleRequest {
            role_arn: role.arn.clone(),
            session_name: session_name.to_string(),
            duration,
            inline_policy: config.session.inline_policy.clone(),
            managed_policies: config.session.managed_policies.clone(),
            external_id: config.roles.external_id.clone(),
            tags: tags.all(),
            transitive_tag_keys: config.session.tagging.transitive.clone(),
        };
        let call = |request: AssumeRoleRequest| async move {
            retry::run(
                config.network.retry,
                "calling STS AssumeRole",
                self.out,
                StsError::transient_reason,
                || self.broker.assume_role(&request, signer),
            )
            .await
        };
        let result = match call(request.clone()).await {
            Err(error)
                if error.code.as_deref() == Some("PackedPolicyTooLarge")
                    && !tags.context.is_empty() =>
            {
                self.out.info(&format!(
                    "oidc-assume: STS says the session policies and tags are too large for {}; retrying without the GitHub context tags",
                    role.arn
                ));
                request.tags = tags.custom.clone();
                request.transitive_tag_keys.retain(|k| {
                    tags.custom
                        .iter()
                        .any(|(key, _)| key.eq_ignore_ascii_case(k))
                });
                call(request).await
            }
            other => other,
        };
        match result {
            Ok(creds) => {
                self.mask_credentials(&creds);
                Ok(creds)
            }
            Err(error) => Err(Error::Sts {
                error,
                explanation: None,
            }),
        }
    }

    /// Assumes each role of `plan.chain` in turn, each signed by the previous session.
    pub async fn follow_chain(
        &self,
        plan: &Plan,
        first: Credentials,
        session_name: &str,
        tags: &SessionTags,
    ) -> Result<Credentials, Error> {
        let mut creds = first;
        for (i, role) in plan.chain.iter().enumerate() {
            let is_last = i + 1 == plan.chain.len();
            let duration = hop_duration(plan.duration, is_last, true);
            creds = self
                .assume_role(
                    role,
                    duration,
                    &Signer::from_session(&creds),
                    session_name,
                    tags,
                )
                .await?;
        }
        Ok(creds)
    }
}

/// Static keys exported as they are: no session, no expiry.
pub fn as_is(signer: &Signer, identity: &Identity) -> Credentials {
    let (id, secret, token) = match signer {
        Signer::Keys {
            access_key_id,
            secret_access_key,
            session_token,
        } => (
            access_key_id.clone(),
            secret_access_key.clone(),
            session_token.clone().unwrap_or_else(|| Secret::new("")),
        ),
        Signer::Ambient => (Secret::new(""), Secret::new(""), Secret::new("")),
    };
    Credentials {
        access_key_id: id,
        secret_access_key: secret,
        session_token: token,
        expiration: String::new(),
        assumed_role_arn: identity.arn.clone(),
    }
}
