//! The pipeline, and only the pipeline: token → verified claims → policy → STS, for every plan
//! of the run. Network I/O goes through the [`TokenSource`], [`KeySource`] and [`Broker`] it is
//! given; it reads and writes no file. What the credentials become afterwards (exports,
//! profiles, cleanup) is [`crate::handoff`]'s.
//!
//! The action and `credential-process` call [`Pipeline::produce_with_web_identity`] or
//! [`Pipeline::produce_signed`], as their plans say; the dry run calls the same [`authorize()`]
//! with a minted token and its own key set, and the same
//! [`Pipeline::assume_with_web_identity`] at `--sts-endpoint`, so all reach the same decision by
//! the same code. [`crate::commands`] prepares the pipeline once per run.

mod assume;
mod authorize;

use std::future::Future;

pub use assume::{as_is, web_identity_request};
pub use authorize::{Authorized, authorize};

use crate::aws::{RoleArn, RoleRef, partition_of_region};
use crate::config::{Config, Source};
use crate::error::Error;
use crate::oidc::{KeySource, TokenSource};
use crate::output::Reporter;
use crate::plan::{Plan, Plans, Produced, WebIdentityPlan, chained_cap_notices, hop_duration};
use crate::policy::Policy;
use crate::refusal::TrustPolicy;
use crate::retry;
use crate::runner::Runner;
use crate::sts::{Broker, Identity, Signer, StsError};
use crate::tags::SessionTags;

/// What every stage of a run shares: the checked configuration, what preflight loaded, what
/// the runner's environment holds, the broker and the reporter.
pub struct Pipeline<'a, B> {
    /// The checked inputs.
    pub config: &'a Config,
    /// The compiled claim policy; `None` when none is configured.
    pub policy: Option<&'a Policy>,
    /// The role's trust policy, for explaining refusals.
    pub trust: Option<&'a TrustPolicy>,
    /// Credentials already present, GitHub context.
    pub runner: &'a Runner,
    /// STS.
    pub broker: &'a B,
    /// Where messages go.
    pub out: &'a Reporter,
    /// The time tokens are judged at (Unix seconds).
    pub now: i64,
}

/// What a run produced: every plan's credentials, and the policy rule that allowed the token.
#[derive(Debug)]
pub struct Outcome {
    /// Every plan's credentials, in plan order.
    pub produced: Vec<Produced>,
    /// The allow rule that matched; `None` without a policy or without a token.
    pub rule: Option<String>,
}

impl<B: Broker> Pipeline<'_, B> {
    /// Exchanges the job's token for every plan's credentials; `None` when existing
    /// credentials were kept.
    pub async fn produce_with_web_identity<T: TokenSource, K: KeySource>(
        &self,
        plans: &[WebIdentityPlan],
        tokens: &T,
        keys: &K,
    ) -> Result<Option<Outcome>, Error> {
        if self.keep_existing().await {
            return Ok(None);
        }
        let tags = self.runner.session_tags(self.config);
        self.web_identity(plans, &tags, tokens, keys)
            .await
            .map(Some)
    }

    /// Signs `AssumeRole` with static keys or existing credentials for every plan (or exports
    /// the keys as they are); `None` when existing credentials were kept.
    pub async fn produce_signed(&self, plans: &[Plan]) -> Result<Option<Outcome>, Error> {
        if self.keep_existing().await {
            return Ok(None);
        }
        let tags = self.runner.session_tags(self.config);
        let produced = self.signed(plans, &tags).await?;
        Ok(Some(Outcome {
            produced,
            rule: None,
        }))
    }

    /// What every run says and checks before its own requests: the notice about a no-op
    /// input, then `use-existing-credentials`: whether the environment's credentials work, so
    /// none are requested.
    async fn keep_existing(&self) -> bool {
        let config = self.config;
        if config.special_characters_workaround {
            self.out.info("oidc-assume: special-characters-workaround does nothing here: STS secrets are exported verbatim, whatever characters they hold");
        }
        let Some(keys) = self.env_keys() else {
            return false;
        };
        if !config.credentials.use_existing {
            return false;
        }
        match self.broker.caller_identity(keys).await {
            Ok(identity) => {
                self.out.info(&format!(
                    "oidc-assume: use-existing-credentials: the environment's credentials work ({}); requesting none",
                    identity.arn
                ));
                true
            }
            Err(e) => {
                self.out.info(&format!(
                    "oidc-assume: use-existing-credentials: the environment's credentials do not work ({e}); requesting new ones"
                ));
                false
            }
        }
    }

    /// The environment's keys, unless `unset-current-credentials` says never to use them.
    fn env_keys(&self) -> Option<&Signer> {
        self.runner
            .env_keys
            .as_ref()
            .filter(|_| !self.config.credentials.unset_current)
    }

    /// One token, authorized once for every plan's first role, exchanged for each.
    async fn web_identity<T: TokenSource, K: KeySource>(
        &self,
        plans: &[WebIdentityPlan],
        tags: &SessionTags,
        tokens: &T,
        keys: &K,
    ) -> Result<Outcome, Error> {
        let (config, out) = (self.config, self.out);
        // Only a long-lived key (`AKIA…`) is something to delete: temporary credentials
        // (`ASIA…`, an earlier step's session) expire on their own, and telling the user to
        // delete secrets and deactivate a key they never had would send them looking for one.
        if let Some(id) = &self.runner.env_key_id
            && is_long_lived_key(id)
        {
            out.info("oidc-assume: the environment holds a long-lived IAM user key (AKIA…); the credentials from the OIDC token replace them for later steps. Once every workflow uses OIDC, delete the AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY secrets and deactivate the key");
        }
        for notice in chained_cap_notices(plans.iter().map(|p| &p.plan), false) {
            out.info(&notice);
        }
        let role_refs: Vec<&RoleArn> = plans.iter().map(|p| &p.role).collect();
        let authorize = || authorize(config, self.policy, &role_refs, tokens, keys, out, self.now);
        let mut authorized = alongside(self.broker.prewarm(), authorize()).await?;
        let produced = match self
            .assume_all_with_web_identity(plans, &authorized, tags)
            .await
        {
            // The token expired before STS saw it (a slow queue, a skewed clock): one fresh
            // token, verified and checked again, gets one more try.
            Err(Error::Sts { error, .. }) if error.is_expired_token() => {
                out.info("oidc-assume: STS says the token expired; requesting a fresh one");
                authorized = authorize().await?;
                self.assume_all_with_web_identity(plans, &authorized, tags)
                    .await?
            }
            other => other?,
        };
        Ok(Outcome {
            produced,
            rule: authorized.rule,
        })
    }

    /// Static keys or existing credentials sign `AssumeRole` for every plan (or are exported
    /// as they are, for a plan without a role).
    async fn signed(&self, plans: &[Plan], tags: &SessionTags) -> Result<Vec<Produced>, Error> {
        let signer = self.signer()?;
        // A session signing AssumeRole makes the new one a chained session.
        let chained_first = match &self.config.credentials.source {
            Source::Keys(keys) => keys.session_token.is_some(),
            _ => true,
        };
        for notice in chained_cap_notices(plans, chained_first) {
            self.out.info(&notice);
        }
        let hops = self.first_hops(plans, &signer).await?;
        let session_name = self.runner.session_name(self.config);
        let futures = plans.iter().zip(hops).map(|(plan, hop)| {
            let (signer, session_name) = (&signer, &session_name);
            async move {
                let creds = match hop {
                    FirstHop::AsIs(identity) => as_is(signer, &identity),
                    FirstHop::Assume(role) => {
                        let duration =
                            hop_duration(plan.duration, plan.chain.is_empty(), chained_first);
                        let first = self
                            .assume_role(&role, duration, signer, session_name, tags)
                            .await?;
                        self.follow_chain(plan, first, session_name, tags).await?
                    }
                };
                Ok::<_, Error>(Produced {
                    plan: plan.clone(),
                    creds,
                })
            }
        });
        futures_util::future::try_join_all(futures).await
    }

    /// What signs the first call: the keys given as inputs (masked and warned about), else the
    /// environment's keys, else the ambient chain.
    fn signer(&self) -> Result<Signer, Error> {
        let config = self.config;
        if let Source::Keys(keys) = &config.credentials.source {
            let out = self.out;
            out.mask(keys.access_key_id.expose());
            out.mask(keys.secret_access_key.expose());
            if let Some(token) = &keys.session_token {
                out.mask(token.expose());
            }
            out.warning(
                "static AWS keys",
                "this step uses aws-access-key-id/aws-secret-access-key. To switch to OIDC: give the job `permissions: id-token: write`, create the IAM OIDC provider token.actions.githubusercontent.com (audience sts.amazonaws.com), let the role trust it for your repository (run `oidc-assume trust-policy` to generate the statement), then drop the keys from `with:` and delete the secrets",
            );
            return Ok(Signer::Keys {
                access_key_id: keys.access_key_id.clone(),
                secret_access_key: keys.secret_access_key.clone(),
                session_token: keys.session_token.clone(),
            });
        }
        match (self.env_keys(), self.runner.ambient) {
            (Some(keys), _) => Ok(keys.clone()),
            (None, true) => Ok(Signer::Ambient),
            (None, false) => Err(Error::NoSourceCredentials {
                problem: if config.credentials.unset_current {
                    "unset-current-credentials is on, so the environment's credentials are not used"
                        .into()
                } else {
                    "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set".into()
                },
            }),
        }
    }

    /// Each plan's first hop. A plan without a role, or with a bare role name (whose account
    /// is the signer's), needs to know who signs: `GetCallerIdentity`, asked once.
    async fn first_hops(&self, plans: &[Plan], signer: &Signer) -> Result<Vec<FirstHop>, Error> {
        let partition = partition_of_region(&self.config.region);
        let mut known: Option<Identity> = None;
        let mut hops = Vec::with_capacity(plans.len());
        for plan in plans {
            let role = match &plan.role {
                Some(RoleRef::Arn(arn)) => {
                    hops.push(FirstHop::Assume(arn.clone()));
                    continue;
                }
                other => other,
            };
            let identity = match known.take() {
                Some(identity) => identity,
                None => self.caller_identity(signer).await?,
            };
            hops.push(match role {
                Some(role) => FirstHop::Assume(role.resolve(partition, &identity.account)),
                None => FirstHop::AsIs(identity.clone()),
            });
            known = Some(identity);
        }
        Ok(hops)
    }

    /// `GetCallerIdentity`, with retries.
    async fn caller_identity(&self, signer: &Signer) -> Result<Identity, Error> {
        retry::run(
            self.config.network.retry,
            "calling STS GetCallerIdentity",
            self.out,
            StsError::transient_reason,
            || self.broker.caller_identity(signer),
        )
        .await
        .map_err(|error| Error::Sts {
            error,
            explanation: None,
        })
    }
}

/// How a signed plan's first credentials are got, once the signer is known.
enum FirstHop {
    /// Static keys exported as they are, for the identity they belong to.
    AsIs(Identity),
    /// `AssumeRole` of this role.
    Assume(RoleArn),
}

/// `allowed-account-ids` against the role each plan ends in (the last of its chain), before
/// any request: a role outside the list is refused without sending the token. Bare role names
/// resolve only once the signer is known; the check after STS ([`crate::handoff`]) covers them.
pub fn check_role_accounts(config: &Config, plans: &Plans) -> Result<(), Error> {
    let allowed = &config.credentials.allowed_accounts;
    if allowed.is_empty() {
        return Ok(());
    }
    for plan in plans.iter() {
        let last = match (plan.chain.last(), &plan.role) {
            (Some(arn), _) | (None, Some(RoleRef::Arn(arn))) => arn,
            _ => continue,
        };
        if !allowed.contains(&last.account) {
            return Err(Error::RoleAccountNotAllowed {
                role: last.arn.clone(),
                account: last.account.clone(),
                allowed: allowed.clone(),
            });
        }
    }
    Ok(())
}

/// Whether an access key id is an IAM user's long-lived key (`AKIA…`), as opposed to temporary
/// credentials (`ASIA…`).
fn is_long_lived_key(id: &str) -> bool {
    id.starts_with("AKIA")
}

/// Runs `work` while `warm` sets up a connection. When `work` succeeds first, `warm` is let
/// finish (its connection is what comes next); when `work` fails, `warm` is dropped, so a
/// denial never waits for STS.
async fn alongside<T>(
    warm: impl Future<Output = ()>,
    work: impl Future<Output = Result<T, Error>>,
) -> Result<T, Error> {
    use futures_util::future::{Either, select};
    let (warm, work) = (std::pin::pin!(warm), std::pin::pin!(work));
    match select(work, warm).await {
        Either::Left((Ok(value), warm)) => {
            warm.await;
            Ok(value)
        }
        Either::Left((Err(error), _)) => Err(error),
        Either::Right(((), work)) => work.await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue #14: `allowed-account-ids` is checked on the roles before any request.
    #[test]
    fn role_accounts_are_checked_before_any_request() {
        use crate::config::Mode;
        use crate::env::Env;
        use crate::inputs::{Flags, Inputs};
        let check = |pairs: &[(&str, &str)]| {
            let env = Env::from_pairs(pairs.iter().copied());
            let config = Config::from_inputs(Inputs::new(&Flags::new(), &env), Mode::Action)
                .expect("valid inputs");
            check_role_accounts(&config, &Plans::of(&config)).map_err(|e| e.to_string())
        };
        let role = (
            "INPUT_ROLE-TO-ASSUME",
            "arn:aws:iam::123456789012:role/deploy",
        );
        let region = ("INPUT_AWS-REGION", "eu-west-1");
        let cases: &[(&[(&str, &str)], bool)] = &[
            (&[role, region], true),
            (
                &[role, region, ("INPUT_ALLOWED-ACCOUNT-IDS", "123456789012")],
                true,
            ),
            (
                &[role, region, ("INPUT_ALLOWED-ACCOUNT-IDS", "111111111111")],
                false,
            ),
            // The chain's last role decides the account of the credentials.
            (
                &[
                    role,
                    region,
                    ("INPUT_ALLOWED-ACCOUNT-IDS", "123456789012"),
                    ("INPUT_CHAIN-ROLES", "arn:aws:iam::222222222222:role/reader"),
                ],
                false,
            ),
            (
                &[
                    role,
                    region,
                    ("INPUT_ALLOWED-ACCOUNT-IDS", "222222222222"),
                    ("INPUT_CHAIN-ROLES", "arn:aws:iam::222222222222:role/reader"),
                ],
                true,
            ),
        ];
        for (pairs, ok) in cases {
            assert_eq!(check(pairs).is_ok(), *ok, "{pairs:?}: {:?}", check(pairs));
        }
        assert_eq!(
            check(&[role, region, ("INPUT_ALLOWED-ACCOUNT-IDS", "111111111111")]).unwrap_err(),
            "role arn:aws:iam::123456789012:role/deploy is in account 123456789012, which allowed-account-ids does not list (111111111111); no request was sent"
        );
    }

    /// Issue #14: the "delete the leftover key" notice is for IAM user keys only.
    #[test]
    fn only_long_lived_keys_are_leftovers() {
        for (id, long_lived) in [
            ("AKIAOLDROTATEDKEY123", true),
            ("ASIAEARLIERSTEP12345", false),
            ("ASIAQEXAMPLE7JK2LMNO", false),
            ("", false),
        ] {
            assert_eq!(is_long_lived_key(id), long_lived, "{id}");
        }
    }
}
