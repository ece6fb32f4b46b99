//! What a run will produce: one plan per set of credentials (the step's own, and one per entry
//! of `roles`), each a first role, a chain of roles after it, a duration and a region, grouped
//! by how the first credentials are got ([`Plans`]); and the session-length rules of role
//! chaining. Pure: no I/O.

use std::path::PathBuf;

use crate::aws::{RoleArn, RoleRef};
use crate::config::{Config, ProfileRole, Source};
use crate::sts::Credentials;

/// Longest session STS grants to a role assumed with another role's session.
pub const CHAINED_MAX_DURATION: u32 = 3600;

/// Shortest session STS grants: what the first session of a chain gets, as it only has to
/// live long enough to assume the next role.
pub const MIN_DURATION: u32 = 900;

/// One set of credentials the run produces: the step's own (exported as variables or to
/// `aws-profile`), or one entry of `roles`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// Profile written; `None` for the step's own credentials exported as variables.
    pub profile: Option<String>,
    /// First role; `None` when static keys are exported as they are.
    pub role: Option<RoleRef>,
    /// Roles assumed in turn after it.
    pub chain: Vec<RoleArn>,
    /// Duration asked for the last session.
    pub duration: u32,
    /// Region of the profile.
    pub region: String,
}

/// A plan whose first role is assumed with the job's OIDC token: always a role ARN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebIdentityPlan {
    /// The role the token is exchanged for (the plan's first role).
    pub role: RoleArn,
    /// The plan, as the hand-off sees it.
    pub plan: Plan,
}

/// Every plan of a run, by how its first credentials are got. Computed once per run, from
/// the checked configuration: a web-identity run's roles are ARNs and it has a token to read,
/// by construction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Plans {
    /// The job's OIDC token, exchanged with `AssumeRoleWithWebIdentity` for each first role.
    WebIdentity {
        /// The step's own plan (when it has a role), then the `roles` entries.
        plans: Vec<WebIdentityPlan>,
        /// `web-identity-token-file`; `None`: the runner's token endpoint.
        token_file: Option<PathBuf>,
    },
    /// Static keys or existing credentials sign `AssumeRole` for each plan (or are exported as
    /// they are, for a plan without a role).
    Signed(Vec<Plan>),
}

impl Plans {
    /// The plans `config` asks for.
    pub fn of(config: &Config) -> Plans {
        let entry = |p: &ProfileRole| Plan {
            profile: Some(p.profile.clone()),
            role: Some(RoleRef::Arn(p.role.clone())),
            chain: p.chain.clone(),
            duration: p.duration.unwrap_or(config.session.duration),
            region: p.region.clone().unwrap_or_else(|| config.region.clone()),
        };
        let profiles = config.roles.profiles.iter();
        let own = |role: Option<RoleRef>| Plan {
            profile: config.exports.profile.clone(),
            role,
            chain: config.roles.chain.clone(),
            duration: config.session.duration,
            region: config.region.clone(),
        };
        match &config.credentials.source {
            Source::WebIdentity(web) => {
                let own = web.role.iter().map(|role| WebIdentityPlan {
                    role: role.clone(),
                    plan: own(Some(RoleRef::Arn(role.clone()))),
                });
                let roles = profiles.map(|p| WebIdentityPlan {
                    role: p.role.clone(),
                    plan: entry(p),
                });
                Plans::WebIdentity {
                    plans: own.chain(roles).collect(),
                    token_file: config.oidc.token_file.clone(),
                }
            }
            // Keys without a role are exported as they are; existing credentials need a role
            // to be worth a plan.
            Source::Keys(_) => Plans::Signed(
                std::iter::once(own(config.roles.role.clone()))
                    .chain(profiles.map(entry))
                    .collect(),
            ),
            Source::Existing => Plans::Signed(
                config
                    .roles
                    .role
                    .iter()
                    .map(|role| own(Some(role.clone())))
                    .chain(profiles.map(entry))
                    .collect(),
            ),
        }
    }

    /// Every plan, in order: the step's own first, then the `roles` entries.
    pub fn iter(&self) -> impl Iterator<Item = &Plan> {
        let (web, signed): (&[WebIdentityPlan], &[Plan]) = match self {
            Plans::WebIdentity { plans, .. } => (plans, &[]),
            Plans::Signed(plans) => (&[], plans),
        };
        web.iter().map(|p| &p.plan).chain(signed)
    }

    /// The plans that exchange the job's token; none when the run signs with AWS credentials.
    pub fn web_identity(&self) -> &[WebIdentityPlan] {
        match self {
            Plans::WebIdentity { plans, .. } => plans,
            Plans::Signed(_) => &[],
        }
    }
}

impl Plan {
    /// Every plan of `config`, in order (see [`Plans::of`]), for tests: a run computes its
    /// plans once, when it is prepared.
    #[cfg(test)]
    pub fn all(config: &Config) -> Vec<Plan> {
        Plans::of(config).iter().cloned().collect()
    }

    /// Whether this is the step's own plan in `config` (not a `roles` entry).
    pub fn is_main(&self, config: &Config) -> bool {
        self.profile == config.exports.profile && self.role == config.roles.role
    }
}

/// Credentials a plan produced.
#[derive(Debug, Clone)]
pub struct Produced {
    /// The plan.
    pub plan: Plan,
    /// The credentials (of the last hop).
    pub creds: Credentials,
}

/// Durations along a chain: the first session of a chain only has to live long enough to
/// assume the next role, so it gets STS's minimum; chained sessions are capped at an hour.
pub fn hop_duration(asked: u32, is_last: bool, chained: bool) -> u32 {
    match (is_last, chained) {
        (false, _) => MIN_DURATION,
        (true, true) => asked.min(CHAINED_MAX_DURATION),
        (true, false) => asked,
    }
}

/// One notice per plan whose last session is chained and was asked to last longer than STS
/// allows. `chained_first`: the first role is itself assumed with a session.
pub fn chained_cap_notices<'a>(
    plans: impl IntoIterator<Item = &'a Plan>,
    chained_first: bool,
) -> Vec<String> {
    plans
        .into_iter()
        .filter(|plan| {
            (chained_first || !plan.chain.is_empty()) && plan.duration > CHAINED_MAX_DURATION
        })
        .map(|plan| {
            format!(
                "oidc-assume: {} asked for {} s, but STS caps a session assumed with another role's session at {CHAINED_MAX_DURATION} s (role chaining); it lasts {CHAINED_MAX_DURATION} s",
                plan.profile
                    .as_deref()
                    .map_or_else(|| "role-duration-seconds".to_string(), |p| format!("profile `{p}`")),
                plan.duration
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Mode;
    use crate::env::Env;
    use crate::inputs::{Flags, Inputs};

    fn config(pairs: &[(&str, &str)]) -> Config {
        let env = Env::from_pairs(pairs.iter().copied());
        Config::from_inputs(Inputs::new(&Flags::new(), &env), Mode::Action).unwrap()
    }

    const ROLE: (&str, &str) = ("INPUT_ROLE-TO-ASSUME", "arn:aws:iam::111111111111:role/a");
    const REGION: (&str, &str) = ("INPUT_AWS-REGION", "eu-west-1");

    #[test]
    fn durations_along_a_chain() {
        let cases = [
            // (asked, is_last, chained) -> duration
            ((7200, false, false), 900),
            ((7200, false, true), 900),
            ((7200, true, true), 3600),
            ((1800, true, true), 1800),
            ((7200, true, false), 7200),
        ];
        for ((asked, last, chained), want) in cases {
            assert_eq!(
                hop_duration(asked, last, chained),
                want,
                "{asked} {last} {chained}"
            );
        }
    }

    #[test]
    fn plans_follow_the_inputs() {
        let c = config(&[ROLE, REGION]);
        let plans = Plan::all(&c);
        assert_eq!(plans.len(), 1);
        assert!(plans[0].is_main(&c));
        assert_eq!(Plans::of(&c).web_identity()[0].role.account, "111111111111");

        let c = config(&[
            ROLE,
            REGION,
            ("INPUT_AWS-PROFILE", "main"),
            ("INPUT_ROLE-DURATION-SECONDS", "7200"),
            (
                "INPUT_ROLES",
                "audit = { role = \"arn:aws:iam::222222222222:role/r\", region = \"us-west-2\", duration = 900 }\nplain = \"arn:aws:iam::333333333333:role/p\"",
            ),
        ]);
        let plans = Plan::all(&c);
        let summary: Vec<(Option<&str>, u32, &str, bool)> = plans
            .iter()
            .map(|p| {
                (
                    p.profile.as_deref(),
                    p.duration,
                    p.region.as_str(),
                    p.is_main(&c),
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                (Some("main"), 7200, "eu-west-1", true),
                (Some("audit"), 900, "us-west-2", false),
                (Some("plain"), 7200, "eu-west-1", false),
            ]
        );
        // Static keys with no role: one plan, exported as they are.
        let c = config(&[
            REGION,
            ("INPUT_AWS-ACCESS-KEY-ID", "AKIAIOSFODNN7EXAMPLE"),
            ("INPUT_AWS-SECRET-ACCESS-KEY", "secret"),
        ]);
        let plans = Plan::all(&c);
        assert_eq!(plans.len(), 1);
        assert!(plans[0].role.is_none());
        assert!(matches!(Plans::of(&c), Plans::Signed(_)));
    }

    #[test]
    fn the_chained_cap_is_noticed_once_per_plan() {
        let plan = |chain: usize, duration: u32| Plan {
            profile: None,
            role: None,
            chain: vec![RoleArn::parse("arn:aws:iam::111111111111:role/c").unwrap(); chain],
            duration,
            region: "eu-west-1".into(),
        };
        assert!(chained_cap_notices(&[plan(0, 7200)], false).is_empty());
        assert!(chained_cap_notices(&[plan(1, 3600)], false).is_empty());
        let notices = chained_cap_notices(&[plan(1, 7200), plan(0, 7200)], false);
        assert_eq!(notices.len(), 1);
        assert!(
            notices[0].contains("role-duration-seconds asked for 7200 s"),
            "{}",
            notices[0]
        );
        assert_eq!(chained_cap_notices(&[plan(0, 7200)], true).len(), 1);
    }
}
