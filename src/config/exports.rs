//! What the step hands to later steps, and how: `AWS_*` variables, step outputs, a named
//! profile, masking, and the post step's cleanup. Pure: checks input values only.

use crate::aws::is_profile_name;
use crate::inputs::{Checker, Input};
use crate::text::printable;

/// The checked export inputs.
#[derive(Debug, Clone)]
pub struct ExportConfig {
    /// Write credentials to `GITHUB_ENV`.
    pub env_credentials: bool,
    /// Write credentials as step outputs.
    pub output_credentials: bool,
    /// Mask the account id.
    pub mask_account_id: bool,
    /// `aws-profile`: write the credentials to this profile instead of `AWS_*` variables.
    pub profile: Option<String>,
    /// `overwrite-aws-profile`.
    pub overwrite_profile: bool,
    /// `cleanup`: the post step removes what this step wrote.
    pub cleanup: bool,
    /// `refresh-credentials`: a `credential_process` profile instead of static keys.
    pub refresh: bool,
}

impl ExportConfig {
    /// Checks the export inputs.
    pub fn check(c: &mut Checker<'_>) -> ExportConfig {
        let mask_account_id = c.bool(Input::MaskAwsAccountId);
        let output_credentials = c.bool(Input::OutputCredentials);
        let env_credentials = c.bool(Input::OutputEnvCredentials);
        let profile = c.get(Input::AwsProfile).map(str::to_string);
        if let Some(name) = &profile
            && !is_profile_name(name)
        {
            c.fail(
                Input::AwsProfile.name(),
                format!("{} is not a usable profile name", printable(name)),
                "use 1 to 64 of A-Z a-z 0-9 and ._@+- (not starting with -)",
            );
        }
        ExportConfig {
            env_credentials,
            output_credentials,
            mask_account_id,
            profile,
            overwrite_profile: c.bool(Input::OverwriteAwsProfile),
            cleanup: c.bool(Input::Cleanup),
            refresh: c.bool(Input::RefreshCredentials),
        }
    }
}
