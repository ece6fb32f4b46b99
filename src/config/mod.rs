//! Phase two of the inputs: every value checked and compiled into a [`Config`], built by a few
//! small constructors (credentials, roles, session, token, exports, network, policy). Pure: no
//! I/O. Files an input names (policy, trust policy, token file, CA bundle) are read in
//! [`crate::preflight`], never here.
//!
//! Every problem is recorded before any request, and all of them are reported at once.

mod credentials;
mod exports;
mod network;
mod roles;
mod session;
#[cfg(test)]
mod tests;

use std::path::PathBuf;

pub use credentials::{Source, SourceConfig};
pub use exports::ExportConfig;
pub use network::{NetworkConfig, OidcConfig};
pub use roles::{DRY_RUN_ROLE, ProfileRole, RoleConfig};
pub use session::{DRY_RUN_REGION, SessionConfig};

use crate::inputs::{Checker, Input, InputErrors, Inputs};
use crate::policy::SimpleInputs;

/// Where the policy file is looked for when the `policy` input is empty.
pub const DEFAULT_POLICY_PATH: &str = ".github/oidc-assume.toml";

/// Which command is being configured: dry run supplies defaults for what a laptop lacks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The real run inside a workflow.
    Action,
    /// A local run with a minted token.
    DryRun,
}

/// Where the claim policy comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PolicySource {
    /// A TOML file; `explicit` is false for the default path, which may be absent.
    File { path: PathBuf, explicit: bool },
    /// The `allowed-*` inputs.
    Simple(SimpleInputs),
}

/// Everything a run needs, checked.
#[derive(Debug, Clone)]
pub struct Config {
    /// STS region.
    pub region: String,
    /// Expected token issuer, normalised (no trailing slash).
    pub issuer: String,
    /// Where the first credentials come from, and which accounts they may belong to.
    pub credentials: SourceConfig,
    /// The roles to assume.
    pub roles: RoleConfig,
    /// The session asked of STS.
    pub session: SessionConfig,
    /// The token: audience, file, signature switch.
    pub oidc: OidcConfig,
    /// What later steps get.
    pub exports: ExportConfig,
    /// Endpoints, proxies, retries, time bound.
    pub network: NetworkConfig,
    /// Claim policy source.
    pub policy: PolicySource,
    /// The role's trust policy, simulated when STS refuses the token.
    pub trust_policy_file: Option<PathBuf>,
    /// `special-characters-workaround` was set (a notice says it does nothing).
    pub special_characters_workaround: bool,
}

impl Config {
    /// Checks every input. The environment snapshot behind `inputs` supplies fallbacks
    /// (`AWS_REGION`, `GITHUB_SERVER_URL`, …).
    pub fn from_inputs(inputs: Inputs<'_>, mode: Mode) -> Result<Config, InputErrors> {
        let env = inputs.env();
        let mut c = Checker::new(inputs);
        let mut credentials = SourceConfig::check(&mut c, mode);
        let role = roles::role_to_assume(&mut c, mode, &credentials);
        let region = session::region(&mut c, mode);
        let exports = ExportConfig::check(&mut c);
        let roles = RoleConfig::check(
            &mut c,
            role,
            &mut credentials,
            region.as_deref(),
            exports.profile.as_deref(),
        );
        let oidc = OidcConfig::check(&mut c);
        let session = SessionConfig::check(&mut c, region.as_deref());
        let network = NetworkConfig::check(&mut c, mode);
        let policy = policy_source(&mut c);
        let issuer = network::issuer(&mut c);
        let trust_policy_file = c.get(Input::TrustPolicyFile).map(PathBuf::from);
        let special_characters_workaround = c.bool(Input::SpecialCharactersWorkaround);
        check_refresh(&mut c, &exports, &credentials, &roles);
        // `region` and `issuer` are `None` only where an error was recorded.
        let (Some(region), Some(issuer), true) = (region, issuer, c.ok()) else {
            let mut errors = c.finish().err().unwrap_or(InputErrors(Vec::new()));
            name_near_misses(&mut errors, env);
            return Err(errors);
        };
        Ok(Config {
            region,
            issuer,
            credentials,
            roles,
            session,
            oidc,
            exports,
            network,
            policy,
            trust_policy_file,
            special_characters_workaround,
        })
    }
}

/// `refresh-credentials` leaves later steps a profile that exchanges the job's OIDC token again
/// and again: it needs a token (not keys or existing credentials), and refreshes the step's
/// own role only.
fn check_refresh(
    c: &mut Checker<'_>,
    exports: &ExportConfig,
    credentials: &SourceConfig,
    roles: &RoleConfig,
) {
    if !exports.refresh {
        return;
    }
    let name = Input::RefreshCredentials.name();
    if !matches!(credentials.source, Source::WebIdentity(_)) {
        c.fail(
            name,
            "needs the job's OIDC token, and this step uses AWS keys or existing credentials",
            "drop `aws-access-key-id`/`role-chaining`/`force-skip-oidc` to use the OIDC token, or drop `refresh-credentials` (static credentials cannot be refreshed)",
        );
    }
    if roles.role.is_none() || !roles.profiles.is_empty() {
        c.fail(
            name,
            "refreshes the step's own `role-to-assume` only, not the `roles` profiles",
            "give `role-to-assume` and no `roles`; use one step per role that needs refreshing",
        );
    }
}

/// A required input that is missing while a misspelling of it is set (`role-to-asume`): the
/// error names both, since "`role-to-assume` is required" alone sends the user looking for the
/// wrong problem.
fn name_near_misses(errors: &mut InputErrors, env: &crate::env::Env) {
    let unknown = crate::inputs::unknown_inputs(env);
    for error in &mut errors.0 {
        if !error.problem.starts_with("is required") {
            continue;
        }
        if let Some(miss) = unknown
            .iter()
            .find(|u| u.near == Some(error.input.as_str()))
        {
            error.problem = format!(
                "{}; `{}` is set ({}), a misspelling of `{}`?",
                error.problem, miss.name, miss.variable, error.input
            );
            error.hint = format!("rename `{}` to `{}` under `with:`", miss.name, error.input);
        }
    }
}

/// `policy`, or the `allowed-*` inputs (a simple policy), or the default policy file.
fn policy_source(c: &mut Checker<'_>) -> PolicySource {
    let simple = SimpleInputs {
        repositories: c.inputs.list(Input::AllowedRepositories),
        refs: c.inputs.list(Input::AllowedRefs),
        environments: c.inputs.list(Input::AllowedEnvironments),
        events: c.inputs.list(Input::AllowedEvents),
    };
    let has_simple = !(simple.repositories.is_empty()
        && simple.refs.is_empty()
        && simple.environments.is_empty()
        && simple.events.is_empty());
    match (c.get(Input::Policy), has_simple) {
        (Some(_), true) => {
            c.fail(
                Input::Policy.name(),
                "is given together with `allowed-*` inputs",
                "use either a policy file or the `allowed-*` inputs, not both (a file can say everything the inputs can)",
            );
            PolicySource::Simple(simple)
        }
        (Some(path), false) => PolicySource::File {
            path: PathBuf::from(path),
            explicit: true,
        },
        (None, true) => PolicySource::Simple(simple),
        (None, false) => PolicySource::File {
            path: PathBuf::from(DEFAULT_POLICY_PATH),
            explicit: false,
        },
    }
}
