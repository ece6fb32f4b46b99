//! Which roles the run assumes: `role-to-assume` (an ARN, or a bare name resolved once the
//! account is known), `chain-roles`, `role-external-id`, and the `roles` input's named profiles.
//! Pure: checks input values only. This is the one place a role given as text becomes a
//! [`RoleRef`]; a bare name meant for an OIDC token is resolved here, once.

use crate::aws::{
    RoleArn, RoleRef, is_account_id, is_profile_name, is_region, is_role_name,
    is_valid_external_id, partition_of_region,
};
use crate::inputs::{Checker, Input};
use crate::text::{one_line, printable};

use super::Mode;
use super::credentials::{Source, SourceConfig};

/// The role a dry run assumes when none is given.
pub const DRY_RUN_ROLE: &str = "arn:aws:iam::123456789012:role/oidc-assume-example";

/// One entry of the `roles` input: a named profile and the roles that produce it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileRole {
    /// Profile name.
    pub profile: String,
    /// First role.
    pub role: RoleArn,
    /// Roles assumed in turn after it.
    pub chain: Vec<RoleArn>,
    /// Duration of the last session, when not the step's.
    pub duration: Option<u32>,
    /// Region written into the profile, when not the step's.
    pub region: Option<String>,
}

/// The checked role inputs.
#[derive(Debug, Clone)]
pub struct RoleConfig {
    /// Role to assume; `None` only when static keys are exported as they are, or when `roles`
    /// alone names the work. With an OIDC token it is always [`RoleRef::Arn`].
    pub role: Option<RoleRef>,
    /// Roles assumed in turn after `role`.
    pub chain: Vec<RoleArn>,
    /// `role-external-id`.
    pub external_id: Option<String>,
    /// `roles`: more roles, each written as a named profile.
    pub profiles: Vec<ProfileRole>,
}

impl RoleConfig {
    /// Checks the other role inputs around `role` (from `role_to_assume`). `region` (when
    /// valid) fixes the partition a role must be in and resolves a bare name for an OIDC token
    /// through the one `allowed-account-ids`.
    pub fn check(
        c: &mut Checker<'_>,
        mut role: Option<RoleRef>,
        source: &mut SourceConfig,
        region: Option<&str>,
        profile: Option<&str>,
    ) -> RoleConfig {
        if let (Some(RoleRef::Name(_)), Source::WebIdentity(_), [account], Some(region)) = (
            &role,
            &source.source,
            source.allowed_accounts.as_slice(),
            region,
        ) {
            role = role.map(|r| RoleRef::Arn(r.resolve(partition_of_region(region), account)));
        }
        if let (Some(RoleRef::Arn(arn)), Some(region)) = (&role, region) {
            let expected = partition_of_region(region);
            if arn.partition != expected {
                c.fail(
                    Input::RoleToAssume.name(),
                    format!(
                        "the role is in partition `{}` but region `{region}` is in partition `{expected}`",
                        arn.partition
                    ),
                    "STS in one partition cannot assume roles of another: fix the region or the ARN",
                );
            }
        }
        if let Source::WebIdentity(web) = &mut source.source {
            // A bare name left here was refused (no single account, or no valid region): an
            // error is recorded and no `Config` is built.
            web.role = match &role {
                Some(RoleRef::Arn(arn)) => Some(arn.clone()),
                Some(RoleRef::Name(_)) | None => None,
            };
        }
        let chain = c.role_list(Input::ChainRoles);
        let external_id = c.get(Input::RoleExternalId).map(str::to_string);
        if let Some(id) = &external_id
            && !is_valid_external_id(id)
        {
            c.fail(
                Input::RoleExternalId.name(),
                format!("{} is not a valid external id", printable(id)),
                "use 2 to 1224 characters of A-Z a-z 0-9 and +=,.@:/-",
            );
        }
        let profiles = roles_input(c, profile);
        RoleConfig {
            role,
            chain,
            external_id,
            profiles,
        }
    }

    /// An unset-only step: `unset-current-credentials` with no role, no `roles` and no keys to
    /// export. It requests nothing; it blanks what earlier steps of the job exported.
    pub fn unset_only(&self, source: &SourceConfig) -> bool {
        source.unset_current
            && self.role.is_none()
            && self.profiles.is_empty()
            && !matches!(source.source, Source::Keys(_))
    }
}

/// `role-to-assume`: a full ARN, or a bare name where the account can be known.
pub fn role_to_assume(c: &mut Checker<'_>, mode: Mode, source: &SourceConfig) -> Option<RoleRef> {
    let name = Input::RoleToAssume.name();
    match (c.get(Input::RoleToAssume), mode) {
        (Some(v), _) if !v.starts_with("arn:") && is_role_name(v) => {
            match (&source.source, source.allowed_accounts.as_slice()) {
                // The one account the credentials may belong to names the role's account.
                (_, [account]) if is_account_id(account) => Some(RoleRef::Name(v.to_string())),
                (Source::Keys(_) | Source::Existing, _) => Some(RoleRef::Name(v.to_string())),
                (Source::WebIdentity(_), _) => {
                    c.fail(
                        name,
                        format!("{} is a bare role name, and an OIDC token does not tell which account it is in", printable(v)),
                        "give the role's full ARN (arn:aws:iam::ACCOUNT:role/NAME), or exactly one `allowed-account-ids`",
                    );
                    None
                }
            }
        }
        (Some(v), _) => match RoleArn::parse(v) {
            Ok(role) => Some(RoleRef::Arn(role)),
            Err(e) => {
                c.fail(name, e.problem, e.hint);
                None
            }
        },
        // `roles` alone is a complete request in a dry run too: no example role beside it.
        (None, Mode::DryRun) if c.get(Input::Roles).is_some() => None,
        (None, Mode::DryRun) if !c.misspelt(Input::RoleToAssume) => {
            RoleArn::parse(DRY_RUN_ROLE).ok().map(RoleRef::Arn)
        }
        (None, _) => {
            let needed = match &source.source {
                Source::Keys(_) => false,
                // `roles` alone is a complete request; `unset-current-credentials` alone is an
                // unset-only step.
                Source::WebIdentity(_) | Source::Existing => {
                    c.get(Input::Roles).is_none() && !source.unset_current
                }
            };
            if needed {
                c.fail(
                    name,
                    "is required",
                    "add `role-to-assume: arn:aws:iam::ACCOUNT:role/NAME` under `with:`",
                );
            }
            None
        }
    }
}

/// The `roles` input, checked against `aws-profile` (each profile gets one role).
fn roles_input(c: &mut Checker<'_>, profile: Option<&str>) -> Vec<ProfileRole> {
    let profiles = match c.get(Input::Roles) {
        Some(text) => match parse_roles(text) {
            Ok(profiles) => profiles,
            Err(problem) => {
                c.fail(Input::Roles.name(), problem, r#"write one profile per line: `deploy = "arn:aws:iam::111111111111:role/deploy"` or `audit = { role = "ARN", chain = ["ARN"], duration = 900, region = "eu-west-1" }`"#);
                Vec::new()
            }
        },
        None => Vec::new(),
    };
    if let Some(name) = profile
        && profiles.iter().any(|p| p.profile == name)
    {
        c.fail(
            Input::Roles.name(),
            format!("names profile `{name}`, which `aws-profile` also names"),
            "give each profile one role",
        );
    }
    profiles
}

/// Parses the `roles` input: TOML with one key per profile, whose value is a role ARN or a
/// table `{ role, chain, duration, region }`. Strict: unknown keys are errors.
pub fn parse_roles(text: &str) -> Result<Vec<ProfileRole>, String> {
    #[derive(serde::Deserialize)]
    #[serde(untagged)]
    enum Entry {
        Arn(String),
        Table(Table),
    }
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Table {
        role: String,
        #[serde(default)]
        chain: Chain,
        duration: Option<u32>,
        region: Option<String>,
    }
    #[derive(serde::Deserialize, Default)]
    #[serde(untagged)]
    enum Chain {
        #[default]
        None,
        One(String),
        Many(Vec<String>),
    }
    let table: toml::Table = toml::from_str(text)
        .map_err(|e| format!("is not valid TOML: {}", one_line(&e.to_string())))?;
    if table.is_empty() {
        return Err("names no profile".into());
    }
    let mut out = Vec::new();
    for (profile, value) in table {
        let at = |problem: String| format!("profile `{profile}`: {problem}");
        if !is_profile_name(&profile) {
            return Err(format!(
                "{} is not a usable profile name (1 to 64 of A-Z a-z 0-9 ._@+-)",
                printable(&profile)
            ));
        }
        let entry: Entry = value.try_into().map_err(|e: toml::de::Error| {
            at(format!(
                "expected a role ARN string or a table with `role` and optional `chain`, `duration`, `region` ({})",
                one_line(&e.to_string())
            ))
        })?;
        let table = match entry {
            Entry::Arn(role) => Table {
                role,
                chain: Chain::None,
                duration: None,
                region: None,
            },
            Entry::Table(table) => table,
        };
        let arn = |v: &str| RoleArn::parse(v).map_err(|e| at(format!("{}; {}", e.problem, e.hint)));
        let chain = match table.chain {
            Chain::None => Vec::new(),
            Chain::One(one) => vec![arn(&one)?],
            Chain::Many(many) => many.iter().map(|v| arn(v)).collect::<Result<_, _>>()?,
        };
        if let Some(d) = table.duration
            && !(900..=43200).contains(&d)
        {
            return Err(at(format!("duration {d} is not from 900 to 43200 seconds")));
        }
        if let Some(r) = &table.region
            && !is_region(r)
        {
            return Err(at(format!("{} is not an AWS region", printable(r))));
        }
        let role = arn(&table.role)?;
        out.push(ProfileRole {
            profile,
            role,
            chain,
            duration: table.duration,
            region: table.region,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use crate::config::{Config, Mode};
    use crate::env::Env;
    use crate::inputs::{Flags, Inputs};

    #[test]
    fn unset_current_credentials_alone_is_an_unset_only_step() {
        let base = [
            ("INPUT_AWS-REGION", "eu-west-1"),
            ("INPUT_UNSET-CURRENT-CREDENTIALS", "true"),
        ];
        // (more inputs, unset-only)
        let cases: &[(&[(&str, &str)], bool)] = &[
            (&[], true),
            (&[("INPUT_ROLE-CHAINING", "true")], true),
            (
                &[("INPUT_ROLE-TO-ASSUME", "arn:aws:iam::123456789012:role/r")],
                false,
            ),
            (
                &[("INPUT_ROLES", r#"a = "arn:aws:iam::123456789012:role/r""#)],
                false,
            ),
            (
                &[
                    ("INPUT_AWS-ACCESS-KEY-ID", "AKIAIOSFODNN7EXAMPLE"),
                    ("INPUT_AWS-SECRET-ACCESS-KEY", "s"),
                ],
                false,
            ),
        ];
        for (more, want) in cases {
            let env = Env::from_pairs(base.iter().chain(more.iter()).copied());
            let config = Config::from_inputs(Inputs::new(&Flags::new(), &env), Mode::Action)
                .unwrap_or_else(|e| panic!("{more:?}: {e}"));
            assert_eq!(
                config.roles.unset_only(&config.credentials),
                *want,
                "{more:?}"
            );
        }
        // Without unset-current-credentials, no role is still an error.
        let env = Env::from_pairs([("INPUT_AWS-REGION", "eu-west-1")]);
        assert!(Config::from_inputs(Inputs::new(&Flags::new(), &env), Mode::Action).is_err());
    }
}
