//! AWS naming rules: role ARNs, partitions, regions, account and key ids, role, profile and
//! session names, and the STS endpoint of a region. Pure: no I/O; depends only on
//! [`crate::text`] for quoting values in messages.

use std::sync::LazyLock;

use regex::Regex;

use crate::text::printable;

/// A syntactically valid IAM role ARN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleArn {
    /// `aws`, `aws-cn`, `aws-us-gov`, …
    pub partition: String,
    /// Twelve-digit account id.
    pub account: String,
    /// The whole ARN, as given.
    pub arn: String,
}

/// A role to assume: a full ARN, or a bare name resolved once the account is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoleRef {
    /// A checked ARN.
    Arn(RoleArn),
    /// A bare role name (`deploy`), in the account of the credentials that assume it.
    Name(String),
}

impl RoleRef {
    /// The ARN of this role in `account` of `partition` (a bare name), or the ARN as given.
    pub fn resolve(&self, partition: &str, account: &str) -> RoleArn {
        match self {
            RoleRef::Arn(arn) => arn.clone(),
            RoleRef::Name(name) => RoleArn {
                partition: partition.to_string(),
                account: account.to_string(),
                arn: format!("arn:{partition}:iam::{account}:role/{name}"),
            },
        }
    }
}

/// Why a value is not a usable role ARN: what is wrong, and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{problem}")]
pub struct ArnError {
    /// What is wrong, with the value shown escaped.
    pub problem: String,
    /// How to fix it.
    pub hint: String,
}

const PARTITIONS: &[&str] = &[
    "aws",
    "aws-cn",
    "aws-us-gov",
    "aws-iso",
    "aws-iso-b",
    "aws-iso-e",
    "aws-iso-f",
    "aws-eusc",
];

// The patterns are ASCII-only (`(?-u:…)`): IAM names are ASCII, and a Unicode `\w` repeated
// 128 times compiles into a program that took ~100 ms and 16 MB, most of a run's cost. They
// are compiled on first use, so a run without managed policies never builds that one.

/// Role path: `/` or `/seg/…/`, printable ASCII; name per IAM: `[\w+=,.@-]{1,64}`.
static ROLE_ARN_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^arn:([a-z-]+):iam::((?-u:\d){12}):role/((?:[\x21-\x7e&&[^/]]+/)*)((?-u:[\w+=,.@-]){1,64})$",
    )
    .expect("static regex")
});

/// An AWS region code (`eu-central-1`, `us-gov-west-1`).
static REGION_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[a-z]{2,}(-[a-z]+)+-(?-u:\d){1,2}$").expect("static regex"));

/// A managed policy ARN (AWS-managed or customer-managed, with a path).
static MANAGED_POLICY_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^arn:([a-z-]+):iam::((?-u:\d){12}|aws):policy/([\x21-\x7e]+/)*(?-u:[\w+=,.@-]){1,128}$",
    )
    .expect("static regex")
});

impl RoleArn {
    /// Parses and checks an IAM role ARN.
    pub fn parse(value: &str) -> Result<RoleArn, ArnError> {
        let example = "arn:aws:iam::123456789012:role/my-role";
        if value.len() > 2048 {
            return Err(ArnError {
                problem: format!(
                    "is {} characters long; STS accepts at most 2048",
                    value.len()
                ),
                hint: format!("give a role ARN such as `{example}`"),
            });
        }
        if !value.starts_with("arn:") {
            return Err(ArnError {
                problem: format!("{} is not an ARN", printable(value)),
                hint: format!("give the role's full ARN, such as `{example}`"),
            });
        }
        let Some(caps) = ROLE_ARN_RE.captures(value) else {
            let parts: Vec<&str> = value.splitn(6, ':').collect();
            let hint = if parts.len() == 6 && parts[2] != "iam" {
                format!(
                    "this is an ARN of service `{}`: give the IAM role's ARN, such as `{example}`",
                    parts[2]
                )
            } else if parts.len() == 6 && !parts[5].starts_with("role/") {
                format!(
                    "the resource must be `role/NAME` (roles, not users or policies), as in `{example}`"
                )
            } else if parts.len() == 6
                && !(parts[4].len() == 12 && parts[4].bytes().all(|b| b.is_ascii_digit()))
            {
                format!("the account id must be 12 digits, as in `{example}`")
            } else {
                format!(
                    "the form is `arn:PARTITION:iam::ACCOUNT:role/[PATH/]NAME`, as in `{example}`"
                )
            };
            return Err(ArnError {
                problem: format!("{} is not a valid IAM role ARN", printable(value)),
                hint,
            });
        };
        let partition = caps[1].to_string();
        if !PARTITIONS.contains(&partition.as_str()) {
            return Err(ArnError {
                problem: format!("partition `{partition}` is unknown"),
                hint: format!("use one of {}", PARTITIONS.join(", ")),
            });
        }
        Ok(RoleArn {
            partition,
            account: caps[2].to_string(),
            arn: value.to_string(),
        })
    }
}

/// Whether `value` is an AWS region code (`eu-central-1`, `us-gov-west-1`).
pub fn is_region(value: &str) -> bool {
    REGION_RE.is_match(value)
}

/// The partition of a managed policy ARN (AWS-managed or customer-managed, with a path), or
/// `None` when `value` is not one.
pub fn managed_policy_partition(value: &str) -> Option<&str> {
    MANAGED_POLICY_RE
        .captures(value)
        .and_then(|caps| caps.get(1))
        .map(|m| m.as_str())
}

/// The partition a region belongs to.
pub fn partition_of_region(region: &str) -> &'static str {
    const PREFIXES: &[(&str, &str)] = &[
        ("cn-", "aws-cn"),
        ("us-gov-", "aws-us-gov"),
        ("us-isob-", "aws-iso-b"),
        ("us-isof-", "aws-iso-f"),
        ("us-iso-", "aws-iso"),
        ("eu-isoe-", "aws-iso-e"),
        ("eusc-", "aws-eusc"),
    ];
    PREFIXES
        .iter()
        .find(|(p, _)| region.starts_with(p))
        .map_or("aws", |(_, part)| part)
}

/// The STS endpoint of `region` that the SDK resolves (no FIPS, no dual-stack).
pub fn regional_sts_endpoint(region: &str) -> String {
    let suffix = match partition_of_region(region) {
        "aws-cn" => "amazonaws.com.cn",
        "aws-iso" => "c2s.ic.gov",
        "aws-iso-b" => "sc2s.sgov.gov",
        "aws-iso-e" => "cloud.adc-e.uk",
        "aws-iso-f" => "csp.hci.ic.gov",
        "aws-eusc" => "amazonaws.eu",
        _ => "amazonaws.com",
    };
    format!("https://sts.{region}.{suffix}")
}

/// Whether `value` is a 12-digit AWS account id.
pub fn is_account_id(value: &str) -> bool {
    value.len() == 12 && value.bytes().all(|b| b.is_ascii_digit())
}

/// Whether `value` looks like an access key id (`AKIA…`, `ASIA…`).
pub fn is_access_key_id(value: &str) -> bool {
    (16..=128).contains(&value.len())
        && value
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

/// Whether `value` is a bare IAM role name (no path).
pub fn is_role_name(value: &str) -> bool {
    (1..=64).contains(&value.len())
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+=,.@_-".contains(&b))
}

/// Whether `name` can be a section of the shared credentials and config files without
/// breaking them: 1 to 64 of `A-Z a-z 0-9 . _ @ + -`, not starting with `-`.
pub fn is_profile_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && !name.starts_with('-')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._@+-".contains(&b))
}

/// Whether `id` is a valid `ExternalId`: 2 to 1224 of `A-Z a-z 0-9 + = , . @ : / -`.
pub fn is_valid_external_id(id: &str) -> bool {
    (2..=1224).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+=,.@:/-".contains(&b))
}

/// Whether `name` is a valid STS session name: 2 to 64 of `[A-Za-z0-9_+=,.@-]`.
pub fn is_valid_session_name(name: &str) -> bool {
    (2..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_+=,.@-".contains(&b))
}

/// Builds a session name a CloudTrail reader can trace back to the run:
/// `gha-RUN_ID-RUN_ATTEMPT-OWNER.REPO`, sanitised to STS's alphabet and cut to 64 characters
/// (run id first, so the cut never loses it).
pub fn default_session_name(
    run_id: Option<&str>,
    run_attempt: Option<&str>,
    repository: Option<&str>,
) -> String {
    let sanitize = |s: &str| -> String {
        s.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || "_+=,.@-".contains(c) {
                    c
                } else {
                    '.'
                }
            })
            .collect()
    };
    let mut name = String::from("gha");
    for part in [run_id, run_attempt, repository].into_iter().flatten() {
        if !part.is_empty() {
            name.push('-');
            name.push_str(&sanitize(part));
        }
    }
    if name == "gha" {
        name.push_str("-oidc-assume");
    }
    name.truncate(64);
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_arns() {
        let good = [
            "arn:aws:iam::123456789012:role/deploy",
            "arn:aws:iam::123456789012:role/service-role/ci/deploy+prod=x,y.z@w-v",
            "arn:aws-us-gov:iam::123456789012:role/gov",
            "arn:aws-cn:iam::123456789012:role/cn",
        ];
        for arn in good {
            assert!(RoleArn::parse(arn).is_ok(), "{arn}");
        }
        let bad = [
            ("deploy", "give the role's full ARN"),
            ("arn:aws:s3:::my-bucket", "service `s3`"),
            ("arn:aws:iam::123456789012:user/alice", "role/NAME"),
            ("arn:aws:iam::12345678901:role/x", "12 digits"),
            ("arn:aws:iam::123456789012:role/", "the form is"),
            ("arn:aws:iam::123456789012:role/a\nb", "the form is"),
            ("arn:aws:iam::123456789012:role/ｄeploy", "the form is"), // full-width look-alike
            ("arn:aws-moon:iam::123456789012:role/x", "use one of"),
        ];
        for (arn, hint) in bad {
            let got = RoleArn::parse(arn).unwrap_err().hint;
            assert!(got.contains(hint), "{arn}: {got}");
        }
        let long = format!("arn:aws:iam::123456789012:role/{}", "a".repeat(2100));
        assert!(RoleArn::parse(&long).unwrap_err().problem.contains("2048"));
    }

    #[test]
    fn session_names() {
        assert_eq!(
            default_session_name(Some("9876543210"), Some("2"), Some("octo-org/octo-repo")),
            "gha-9876543210-2-octo-org.octo-repo"
        );
        let long = default_session_name(Some("9876543210"), Some("1"), Some(&"r".repeat(100)));
        assert_eq!(long.len(), 64);
        assert!(long.starts_with("gha-9876543210-1-"));
        assert!(is_valid_session_name(&long));
        assert_eq!(default_session_name(None, None, None), "gha-oidc-assume");
        assert!(is_valid_session_name(&default_session_name(
            Some("1"),
            None,
            Some("ö/ä")
        )));
    }

    #[test]
    fn names_and_numbers_are_ascii_only() {
        assert!(RoleArn::parse("arn:aws:iam::\u{661}\u{662}3456789012:role/x").is_err());
        assert!(RoleArn::parse("arn:aws:iam::123456789012:role/caf\u{e9}").is_err());
        assert!(!is_region("eu-central-\u{661}"));
        assert!(is_region("us-gov-west-1") && is_region("eu-central-1"));
        assert_eq!(
            managed_policy_partition("arn:aws:iam::aws:policy/Re\u{e4}dOnly"),
            None
        );
        assert_eq!(
            managed_policy_partition("arn:aws-cn:iam::123456789012:policy/team/ci-boundary"),
            Some("aws-cn")
        );
    }

    #[test]
    fn endpoints_follow_the_partition() {
        assert_eq!(
            regional_sts_endpoint("eu-west-1"),
            "https://sts.eu-west-1.amazonaws.com"
        );
        assert_eq!(
            regional_sts_endpoint("cn-north-1"),
            "https://sts.cn-north-1.amazonaws.com.cn"
        );
        assert_eq!(partition_of_region("us-isob-east-1"), "aws-iso-b");
    }

    #[test]
    fn external_ids() {
        assert!(is_valid_external_id("ab") && is_valid_external_id("team:ci/42=x"));
        assert!(!is_valid_external_id("a") && !is_valid_external_id("a b"));
        assert!(!is_valid_external_id(&"x".repeat(1225)));
    }
}
