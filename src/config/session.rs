//! The session asked of STS: region, session name, duration, session policies and session
//! tags. Pure: checks input values (and the region variables of the environment snapshot).

use crate::aws::{is_region, is_valid_session_name, managed_policy_partition, partition_of_region};
use crate::env;
use crate::inputs::{Checker, Input};
use crate::text::printable;

use super::Mode;

/// The region a dry run uses when none is given.
pub const DRY_RUN_REGION: &str = "us-east-1";

/// Session tags for `AssumeRole` calls.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tagging {
    /// `role-skip-session-tagging`: no GitHub context tags.
    pub skip_context: bool,
    /// `custom-tags`.
    pub custom: Vec<(String, String)>,
    /// `transitive-tag-keys`.
    pub transitive: Vec<String>,
}

/// The checked session inputs.
#[derive(Debug, Clone)]
pub struct SessionConfig {
    /// Explicit session name; `None` derives one from the token's claims.
    pub session_name: Option<String>,
    /// Session duration in seconds.
    pub duration: u32,
    /// Minified inline session policy.
    pub inline_policy: Option<String>,
    /// Managed session policy ARNs.
    pub managed_policies: Vec<String>,
    /// Session tags for `AssumeRole`.
    pub tagging: Tagging,
}

impl SessionConfig {
    /// Checks the session inputs; `region` (when valid) fixes the partition of managed policies.
    pub fn check(c: &mut Checker<'_>, region: Option<&str>) -> SessionConfig {
        let session_name = c.get(Input::RoleSessionName).map(str::to_string);
        if let Some(name) = &session_name
            && !is_valid_session_name(name)
        {
            c.fail(
                Input::RoleSessionName.name(),
                format!("{} is not a valid session name", printable(name)),
                "use 2 to 64 characters of A-Z a-z 0-9 and _+=,.@-",
            );
        }
        let duration = c.number(
            Input::RoleDurationSeconds,
            900..=43200,
            "give seconds, e.g. `3600`; it must also be at most the role's maximum session duration",
        ) as u32;
        let inline_policy = inline_policy(c);
        let managed_policies = managed_policies(c, region);
        let tagging = Tagging {
            skip_context: c.bool(Input::RoleSkipSessionTagging),
            custom: custom_tags(c),
            transitive: c.inputs.list(Input::TransitiveTagKeys),
        };
        for key in &tagging.transitive {
            if !crate::tags::is_valid_key(key) {
                c.fail(
                    Input::TransitiveTagKeys.name(),
                    format!("{} is not a valid session tag key", printable(key)),
                    "list tag keys of 1 to 128 letters, digits, spaces and _.:/=+-@",
                );
            }
        }
        SessionConfig {
            session_name,
            duration,
            inline_policy,
            managed_policies,
            tagging,
        }
    }
}

/// `aws-region`, else `AWS_REGION`, else `AWS_DEFAULT_REGION` (the AWS CLI's precedence);
/// `None` (with an error recorded) when missing in the action or invalid.
pub fn region(c: &mut Checker<'_>, mode: Mode) -> Option<String> {
    let env = c.inputs.env();
    let source = c
        .get(Input::AwsRegion)
        .map(|v| (Input::AwsRegion.name(), v))
        .or_else(|| env.get(env::AWS_REGION).map(|v| (env::AWS_REGION, v)))
        .or_else(|| {
            env.get(env::AWS_DEFAULT_REGION)
                .map(|v| (env::AWS_DEFAULT_REGION, v))
        });
    match (source, mode) {
        (Some((_, v)), _) if is_region(v) => Some(v.to_string()),
        (Some((source, v)), _) => {
            c.fail(
                source,
                format!("{} is not an AWS region", printable(v)),
                "write a region code such as `us-east-1` or `eu-central-1`",
            );
            None
        }
        (None, Mode::DryRun) if !c.misspelt(Input::AwsRegion) => Some(DRY_RUN_REGION.to_string()),
        (None, _) => {
            c.fail(
                Input::AwsRegion.name(),
                "is required (and neither AWS_REGION nor AWS_DEFAULT_REGION is set)",
                "add `aws-region: us-east-1` (your region) under `with:`",
            );
            None
        }
    }
}

/// `inline-session-policy`, minified and held to STS's limits.
fn inline_policy(c: &mut Checker<'_>) -> Option<String> {
    c.get(Input::InlineSessionPolicy).and_then(|v| {
        let minified = serde_json::from_str::<serde_json::Value>(v)
            .map_err(|e| format!("is not valid JSON: {e}"))
            .and_then(|json| {
                if json.is_object() {
                    Ok(json.to_string())
                } else {
                    Err("is JSON but not an object".to_string())
                }
            })
            .and_then(|s| {
                if s.chars().count() > 2048 {
                    Err(format!(
                        "is {} characters once minified; STS accepts at most 2048",
                        s.chars().count()
                    ))
                } else if s.chars().any(|ch| (ch as u32) > 0xff || (ch.is_control() && ch != '\t')) {
                    Err("contains characters STS does not accept (only U+0020–U+00FF and tab)".to_string())
                } else {
                    Ok(s)
                }
            });
        match minified {
            Ok(s) => Some(s),
            Err(problem) => {
                c.fail(
                    Input::InlineSessionPolicy.name(),
                    problem,
                    r#"give an IAM policy document, e.g. {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#,
                );
                None
            }
        }
    })
}

/// `managed-session-policies`: at most 10 ARNs, in the region's partition.
fn managed_policies(c: &mut Checker<'_>, region: Option<&str>) -> Vec<String> {
    let name = Input::ManagedSessionPolicies.name();
    let managed_policies = c.inputs.list(Input::ManagedSessionPolicies);
    for arn in &managed_policies {
        match managed_policy_partition(arn) {
            Some(partition) if region.is_none_or(|r| partition_of_region(r) == partition) => {}
            Some(partition) => c.fail(
                name,
                format!("{} is in partition `{partition}`, the region is not", printable(arn)),
                "use policies of the region's partition",
            ),
            None => c.fail(
                name,
                format!("{} is not a managed policy ARN", printable(arn)),
                "give ARNs such as `arn:aws:iam::aws:policy/ReadOnlyAccess`, separated by commas or newlines",
            ),
        }
    }
    if managed_policies.len() > 10 {
        c.fail(
            name,
            format!(
                "lists {} policies; STS accepts at most 10",
                managed_policies.len()
            ),
            "combine policies or use `inline-session-policy`",
        );
    }
    managed_policies
}

/// `custom-tags`: a JSON object of string (or number/bool) values, within STS's limits.
fn custom_tags(c: &mut Checker<'_>) -> Vec<(String, String)> {
    let Some(text) = c.get(Input::CustomTags) else {
        return Vec::new();
    };
    let hint =
        r#"give a JSON object of tag keys and values, e.g. {"Team":"platform","CostCenter":"42"}"#;
    let object = match serde_json::from_str::<serde_json::Value>(text) {
        Ok(serde_json::Value::Object(object)) => object,
        Ok(_) => {
            c.fail(Input::CustomTags.name(), "is JSON but not an object", hint);
            return Vec::new();
        }
        Err(e) => {
            c.fail(
                Input::CustomTags.name(),
                format!("is not valid JSON: {e}"),
                hint,
            );
            return Vec::new();
        }
    };
    let mut tags = Vec::new();
    for (key, value) in object {
        let value = match value {
            serde_json::Value::String(s) => s,
            serde_json::Value::Number(n) => n.to_string(),
            serde_json::Value::Bool(b) => b.to_string(),
            other => {
                c.fail(
                    Input::CustomTags.name(),
                    format!(
                        "tag {} has a value that is not a string: {other}",
                        printable(&key)
                    ),
                    hint,
                );
                continue;
            }
        };
        if !crate::tags::is_valid_key(&key) || !crate::tags::is_valid_value(&value) {
            c.fail(
                Input::CustomTags.name(),
                format!(
                    "tag {} = {} is not a valid session tag",
                    printable(&key),
                    printable(&value)
                ),
                "keys: 1 to 128, values: up to 256 of letters, digits, spaces and _.:/=+-@",
            );
            continue;
        }
        tags.push((key, value));
    }
    if tags.len() > 50 {
        c.fail(
            Input::CustomTags.name(),
            format!("has {} tags; STS accepts at most 50", tags.len()),
            "drop some tags",
        );
    }
    tags
}
