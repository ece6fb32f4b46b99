//! Preflight: everything on disk that the inputs name, read and checked before the first
//! request, so a typo in a path is bad input (exit 2) and not a token or STS failure. I/O: reads
//! the policy file, the role's trust policy, the CA bundle, and looks at the token file.

use std::path::Path;

use crate::config::{Config, PolicySource};
use crate::error::Error;
use crate::inputs::{Input, InputErrors};
use crate::net::{self, CaBundle};
use crate::policy::Policy;
use crate::refusal::TrustPolicy;

/// What preflight read for the run.
#[derive(Debug, Default)]
pub struct Loaded {
    /// The compiled claim policy; `None` when none is configured.
    pub policy: Option<Policy>,
    /// The role's trust policy (`trust-policy-file`).
    pub trust: Option<TrustPolicy>,
    /// The extra CA bundle (`ca-bundle` or `AWS_CA_BUNDLE`).
    pub ca: Option<CaBundle>,
}

impl Loaded {
    /// Everything the action needs, in the order a user fixes it: the policy, the trust policy
    /// file, the token file, then the CA bundle.
    pub fn for_action(config: &Config) -> Result<Loaded, Error> {
        let policy = load_policy(config)?;
        let trust = config
            .trust_policy_file
            .as_deref()
            .map(read_trust_policy)
            .transpose()?;
        if let Some(path) = &config.oidc.token_file {
            check_token_file(path)?;
        }
        Ok(Loaded {
            policy,
            trust,
            ca: ca_bundle(config)?,
        })
    }
}

/// Loads and compiles the claim policy. `None`: no policy configured.
pub fn load_policy(config: &Config) -> Result<Option<Policy>, Error> {
    match &config.policy {
        PolicySource::Simple(simple) => Ok(Policy::from_simple(simple)?),
        PolicySource::File { path, explicit } => match std::fs::read_to_string(path) {
            Ok(source) => Ok(Some(Policy::from_toml(
                &source,
                &path.display().to_string(),
            )?)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !explicit => Ok(None),
            Err(source) => Err(Error::PolicyFile {
                path: path.clone(),
                source,
            }),
        },
    }
}

/// Reads and parses the role's trust policy.
pub fn read_trust_policy(path: &Path) -> Result<TrustPolicy, Error> {
    let bad = |problem: String| {
        Error::Inputs(InputErrors::one(
            Input::TrustPolicyFile.name(),
            problem,
            "give the path of the role's trust policy JSON (or of `aws iam get-role` output), relative to the workspace",
        ))
    };
    let text =
        std::fs::read_to_string(path).map_err(|e| bad(format!("`{}`: {e}", path.display())))?;
    match crate::trust::document::load(&text) {
        Ok(docs) if !docs.is_empty() => Ok(TrustPolicy {
            path: path.to_path_buf(),
            docs,
        }),
        Ok(_) => Err(bad(format!("`{}` holds no trust policy", path.display()))),
        Err(e) => Err(bad(format!("`{}`:{e}", path.display()))),
    }
}

/// Checks that the token file exists and is a regular file.
pub fn check_token_file(path: &Path) -> Result<(), Error> {
    let problem = match std::fs::metadata(path) {
        Ok(meta) if meta.is_file() => return Ok(()),
        Ok(_) => format!("`{}` is not a file", path.display()),
        Err(e) => format!("`{}`: {e}", path.display()),
    };
    Err(Error::Inputs(InputErrors::one(
        Input::WebIdentityTokenFile.name(),
        problem,
        "give the path of a file holding the JWT, relative to the workspace",
    )))
}

/// Reads the CA bundle, when one is configured: a bad `ca-bundle` input is an invalid input,
/// a bad `AWS_CA_BUNDLE` a network configuration error.
pub fn ca_bundle(config: &Config) -> Result<Option<CaBundle>, Error> {
    let net = &config.network.net;
    let Some(path) = &net.ca_bundle else {
        return Ok(None);
    };
    match net::read_ca_bundle(path) {
        Ok(ca) => Ok(Some(ca)),
        Err(e) if net.ca_bundle_from_input => Err(Error::Inputs(InputErrors::one(
            Input::CaBundle.name(),
            e.to_string(),
            e.hint(),
        ))),
        Err(e) => Err(Error::Net(e)),
    }
}
