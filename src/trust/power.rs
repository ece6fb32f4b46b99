//! What a role may do: its attached AWS-managed policies (classified by name) and the
//! permission policies written beside it (wildcard actions and resources, `iam:PassRole`, IAM
//! writes that escalate, `sts:AssumeRole` onward, data reads), summed up as one [`Power`] with a
//! one-line summary for findings and a list of permissions for JSON. Pure: no I/O; the readers
//! hand in what they found next to the trust policy.

use super::iam::like;
use super::json::{Node, Value};

/// How much a role can do, from least to most. A role's level is the highest of its grants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// Nothing found attached (or only denies).
    Nothing,
    /// Describes and lists: metadata, no data.
    ReadOnly,
    /// Reads data or secrets (`s3:GetObject`, `secretsmanager:GetSecretValue`, `kms:Decrypt`…).
    DataRead,
    /// Writes, scoped to named actions or resources.
    Write,
    /// Every action of one service on every resource (`s3:*` on `*`).
    ServiceAdmin,
    /// Everything except IAM (`PowerUserAccess`, `NotAction: iam:*`).
    PowerUser,
    /// IAM writes that reach administrator: attaching or writing policies, `iam:PassRole` on
    /// any role, creating keys for users.
    IamWrite,
    /// Every action on every resource.
    Administrator,
}

impl Level {
    /// The words a summary uses.
    pub fn name(self) -> &'static str {
        match self {
            Level::Nothing => "no permissions",
            Level::ReadOnly => "read-only",
            Level::DataRead => "reads data",
            Level::Write => "write",
            Level::ServiceAdmin => "service administrator",
            Level::PowerUser => "power user",
            Level::IamWrite => "IAM write (can escalate to administrator)",
            Level::Administrator => "administrator",
        }
    }

    /// The stable name JSON uses (`administrator`, `iam-write`, `read-only`, …).
    pub fn key(self) -> &'static str {
        match self {
            Level::Nothing => "none",
            Level::ReadOnly => "read-only",
            Level::DataRead => "data-read",
            Level::Write => "write",
            Level::ServiceAdmin => "service-admin",
            Level::PowerUser => "power-user",
            Level::IamWrite => "iam-write",
            Level::Administrator => "administrator",
        }
    }

    /// Whether the level can change things (write or above).
    pub fn writes(self) -> bool {
        self >= Level::Write
    }
}

/// One thing a role holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub level: Level,
    /// As JSON and reports name it: a managed policy's name (`AdministratorAccess`), or an action
    /// pattern with its resources (`iam:PassRole on *`).
    pub permission: String,
    /// Where it comes from (`AWS-managed policy`, `inline policy deploy`, `aws_iam_policy.ci`).
    pub source: String,
}

/// What a role may do, as far as the tree shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Power {
    pub grants: Vec<Grant>,
    /// What could not be classified: a customer-managed policy given by ARN, a document that
    /// could not be read. The level is then "at least".
    pub unknown: Vec<String>,
    /// Roles this role may assume onward (`sts:AssumeRole` resources).
    pub assumes: Vec<String>,
}

impl Power {
    /// The highest level granted.
    pub fn level(&self) -> Level {
        self.grants
            .iter()
            .map(|g| g.level)
            .max()
            .unwrap_or(Level::Nothing)
    }

    /// Whether everything attached was classified.
    pub fn complete(&self) -> bool {
        self.unknown.is_empty()
    }

    /// The permissions as JSON lists them: each grant's permission, highest level first.
    pub fn permissions(&self) -> Vec<String> {
        let mut grants: Vec<&Grant> = self.grants.iter().collect();
        grants.sort_by_key(|g| std::cmp::Reverse(g.level));
        let mut out: Vec<String> = Vec::new();
        for g in grants {
            if !out.contains(&g.permission) {
                out.push(g.permission.clone());
            }
        }
        out
    }

    /// One line: `administrator (AdministratorAccess)`, `write: s3:PutObject on
    /// arn:aws:s3:::site/* (+1 more)`, `at least read-only (ReadOnlyAccess); not classified:
    /// customer-managed policy arn:…`.
    pub fn summary(&self) -> String {
        let level = self.level();
        let top: Vec<String> = self
            .permissions()
            .into_iter()
            .filter(|p| {
                self.grants
                    .iter()
                    .any(|g| g.level == level && &g.permission == p)
            })
            .collect();
        let mut line = match (top.first(), self.complete()) {
            (None, true) => "no permissions found beside the role".to_string(),
            (None, false) => "permissions unknown".to_string(),
            (Some(first), complete) => {
                let more = match top.len() - 1 {
                    0 => String::new(),
                    n => format!(" (+{n} more)"),
                };
                let at_least = if complete { "" } else { "at least " };
                format!("{at_least}{}: {first}{more}", level.name())
            }
        };
        if !self.assumes.is_empty() {
            line.push_str(&format!("; assumes onward: {}", self.assumes.join(", ")));
        }
        if !self.complete() {
            line.push_str(&format!("; not classified: {}", self.unknown.join(", ")));
        }
        line
    }

    /// Adds an attached managed policy given by ARN. An ARN a reader could not resolve (it
    /// holds `${…}`) is not classified: its name is not known, whatever the text says.
    pub fn attach(&mut self, arn: &str) {
        if arn.contains("${") {
            return self.unknown.push(format!("policy {arn}"));
        }
        match managed(arn) {
            Some(level) => self.grants.push(Grant {
                level,
                permission: policy_name(arn).to_string(),
                source: "AWS-managed policy".into(),
            }),
            None => self.unknown.push(format!("policy {arn}")),
        }
    }

    /// Adds the statements of a permission policy document (`source` names it for reports).
    pub fn add_document(&mut self, source: &str, document: &Node) {
        match statements(document) {
            Ok(statements) => {
                for st in statements.iter().filter(|s| s.allow) {
                    self.add_statement(source, st);
                }
            }
            Err(why) => self.unknown.push(format!("{source} ({why})")),
        }
    }

    fn add_statement(&mut self, source: &str, st: &PermStatement) {
        let on = resources_text(st);
        if st.not_action {
            let level = if st.actions.iter().any(|a| escalates(a)) {
                // `NotAction: iam:*` leaves everything else: PowerUserAccess's shape.
                Level::PowerUser
            } else {
                Level::Administrator
            };
            let permission = format!("everything except {} on {on}", st.actions.join(", "));
            return self.push(level, permission, source);
        }
        for action in &st.actions {
            if is_assume_role(action) {
                for r in &st.resources {
                    if !self.assumes.contains(r) {
                        self.assumes.push(r.clone());
                    }
                }
            }
            let level = action_level(action, st.any_resource());
            self.push(level, format!("{action} on {on}"), source);
        }
    }

    fn push(&mut self, level: Level, permission: String, source: &str) {
        let grant = Grant {
            level,
            permission,
            source: source.to_string(),
        };
        if !self.grants.contains(&grant) {
            self.grants.push(grant);
        }
    }
}

/// One statement of a permission policy, as far as power needs it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PermStatement {
    pub allow: bool,
    pub actions: Vec<String>,
    pub not_action: bool,
    pub resources: Vec<String>,
    pub not_resource: bool,
}

impl PermStatement {
    /// `Resource: "*"`, or a `NotResource` (everything but a few).
    fn any_resource(&self) -> bool {
        self.not_resource || self.resources.iter().any(|r| r == "*")
    }
}

fn resources_text(st: &PermStatement) -> String {
    let listed = if st.resources.is_empty() {
        "*".to_string()
    } else {
        st.resources.join(", ")
    };
    if st.not_resource {
        format!("everything except {listed}")
    } else {
        listed
    }
}

/// The statements of a permission policy document (`Statement` one or many).
pub fn statements(document: &Node) -> Result<Vec<PermStatement>, String> {
    let list = document
        .get("Statement")
        .ok_or_else(|| "no `Statement`".to_string())?;
    list.one_or_many()
        .into_iter()
        .map(|st| {
            if !matches!(st.value, Value::Object(_)) {
                return Err(format!("a statement is {}", st.type_name()));
            }
            let strings = |key: &str| -> Result<Option<Vec<String>>, String> {
                st.get(key)
                    .map(|n| {
                        n.one_or_many()
                            .into_iter()
                            .map(|v| {
                                v.as_str()
                                    .map(str::to_string)
                                    .ok_or_else(|| format!("`{key}` holds {}", v.type_name()))
                            })
                            .collect()
                    })
                    .transpose()
            };
            let (actions, not_action) = match (strings("Action")?, strings("NotAction")?) {
                (Some(a), _) => (a, false),
                (None, Some(a)) => (a, true),
                (None, None) => (Vec::new(), false),
            };
            let (resources, not_resource) = match (strings("Resource")?, strings("NotResource")?) {
                (Some(r), _) => (r, false),
                (None, Some(r)) => (r, true),
                (None, None) => (Vec::new(), false),
            };
            Ok(PermStatement {
                allow: st.get("Effect").and_then(Node::as_str) == Some("Allow"),
                actions,
                not_action,
                resources,
                not_resource,
            })
        })
        .collect()
}

/// IAM actions that reach administrator: writing or attaching policies, passing any role,
/// credentials for other principals, rewriting a trust policy.
const ESCALATING: &[&str] = &[
    "iam:attachrolepolicy",
    "iam:attachuserpolicy",
    "iam:attachgrouppolicy",
    "iam:putrolepolicy",
    "iam:putuserpolicy",
    "iam:putgrouppolicy",
    "iam:createpolicyversion",
    "iam:setdefaultpolicyversion",
    "iam:createaccesskey",
    "iam:createloginprofile",
    "iam:updateloginprofile",
    "iam:updateassumerolepolicy",
    "iam:addusertogroup",
    "iam:passrole",
];

/// Reads of data or secrets rather than metadata.
const DATA_READS: &[&str] = &[
    "s3:getobject",
    "s3:getobjectversion",
    "secretsmanager:getsecretvalue",
    "ssm:getparameter",
    "ssm:getparameters",
    "ssm:getparametersbypath",
    "kms:decrypt",
    "dynamodb:getitem",
    "dynamodb:batchgetitem",
    "dynamodb:query",
    "dynamodb:scan",
    "ecr:getdownloadurlforlayer",
    "ecr:batchgetimage",
    "rds-db:connect",
    "lambda:getfunction",
    "codecommit:gitpull",
];

/// Verbs that only read.
const READ_VERBS: &[&str] = &[
    "get", "list", "describe", "head", "batchget", "query", "scan", "search", "select", "view",
    "lookup", "check", "detect", "estimate", "validate", "simulate", "preview", "download",
];

/// Whether an action pattern (wildcards allowed) covers an escalating IAM action.
fn escalates(action: &str) -> bool {
    let pattern = action.to_ascii_lowercase();
    ESCALATING.iter().any(|a| like(&pattern, a))
}

/// `sts:AssumeRole` named as such (`sts:Assume*`); `*` says more than that already.
fn is_assume_role(action: &str) -> bool {
    let pattern = action.to_ascii_lowercase();
    pattern.starts_with("sts:") && like(&pattern, "sts:assumerole")
}

/// The level of one allowed action pattern, on any resource or on named ones.
fn action_level(action: &str, any_resource: bool) -> Level {
    let lower = action.to_ascii_lowercase();
    let (service, verb) = lower.split_once(':').unwrap_or(("*", lower.as_str()));
    if lower == "*" || (service.contains('*') && verb == "*") {
        return if any_resource {
            Level::Administrator
        } else {
            Level::Write
        };
    }
    if escalates(&lower) && (any_resource || lower.starts_with("iam:") && verb != "passrole") {
        return Level::IamWrite;
    }
    if verb == "*" {
        return if any_resource {
            Level::ServiceAdmin
        } else {
            Level::Write
        };
    }
    if DATA_READS.iter().any(|a| like(&lower, a)) {
        // `s3:Get*` covers `s3:GetObject`: a wildcard read is a data read.
        return Level::DataRead;
    }
    let reads = READ_VERBS.iter().any(|v| verb.starts_with(v));
    if reads { Level::ReadOnly } else { Level::Write }
}

/// The last part of a policy ARN (`arn:aws:iam::aws:policy/job-function/ViewOnlyAccess` →
/// `ViewOnlyAccess`).
pub fn policy_name(arn: &str) -> &str {
    arn.rsplit('/').next().unwrap_or(arn)
}

/// AWS-managed policies by name, as they are attached to deploy roles.
const MANAGED: &[(&str, Level)] = &[
    ("AdministratorAccess", Level::Administrator),
    ("PowerUserAccess", Level::PowerUser),
    ("IAMFullAccess", Level::IamWrite),
    // iam:CreateRole, AttachRolePolicy, PutRolePolicy and PassRole on `*`, no condition.
    ("AdministratorAccess-Amplify", Level::IamWrite),
    // Console settings only (`uxc:*`, `notifications:*`), whatever its name says.
    ("AWSManagementConsoleAdministratorAccess", Level::Write),
    ("SystemAdministrator", Level::ServiceAdmin),
    ("NetworkAdministrator", Level::ServiceAdmin),
    ("DatabaseAdministrator", Level::ServiceAdmin),
    ("DataScientist", Level::ServiceAdmin),
    ("Billing", Level::Write),
    ("SupportUser", Level::Write),
    ("AWSCloudFormationFullAccess", Level::ServiceAdmin),
    ("ReadOnlyAccess", Level::DataRead),
    ("ViewOnlyAccess", Level::ReadOnly),
    ("SecurityAudit", Level::ReadOnly),
    ("IAMReadOnlyAccess", Level::ReadOnly),
    ("AmazonS3ReadOnlyAccess", Level::DataRead),
    ("SecretsManagerReadWrite", Level::ServiceAdmin),
    ("AmazonEC2ContainerRegistryPowerUser", Level::Write),
    ("AmazonEC2ContainerRegistryReadOnly", Level::DataRead),
    ("AmazonSSMReadOnlyAccess", Level::DataRead),
    ("CloudWatchReadOnlyAccess", Level::ReadOnly),
    ("AWSLambda_ReadOnlyAccess", Level::ReadOnly),
];

/// The level of an AWS-managed policy by ARN; `None` for a customer-managed policy (its
/// document is elsewhere) or an AWS one this table does not know.
pub fn managed(arn: &str) -> Option<Level> {
    let rest = arn
        .strip_prefix("arn:")
        .and_then(|r| r.split_once(':'))
        .map(|(_, r)| r)?;
    // `iam::aws:policy/…`: the account field is `aws` for AWS-managed policies.
    if !rest.starts_with("iam::aws:policy/") {
        return None;
    }
    let name = policy_name(arn);
    if let Some((_, level)) = MANAGED.iter().find(|(n, _)| *n == name) {
        return Some(*level);
    }
    // The naming convention of the other service policies; a name never makes an
    // administrator (AWSManagementConsoleAdministratorAccess grants console settings).
    if ["FullAccess", "Admin", "PowerUser"]
        .iter()
        .any(|w| name.contains(w))
    {
        Some(Level::ServiceAdmin)
    } else if name.ends_with("ReadOnlyAccess") || name.ends_with("ReadOnly") {
        Some(Level::ReadOnly)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trust::json::parse;

    fn doc(text: &str) -> Node {
        parse(text, "").unwrap().root
    }

    #[test]
    fn managed_policies_by_arn() {
        let cases: &[(&str, Option<Level>)] = &[
            (
                "arn:aws:iam::aws:policy/AdministratorAccess",
                Some(Level::Administrator),
            ),
            (
                "arn:aws-us-gov:iam::aws:policy/AdministratorAccess",
                Some(Level::Administrator),
            ),
            (
                "arn:aws:iam::aws:policy/PowerUserAccess",
                Some(Level::PowerUser),
            ),
            (
                "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess",
                Some(Level::ReadOnly),
            ),
            (
                "arn:aws:iam::aws:policy/AmazonS3FullAccess",
                Some(Level::ServiceAdmin),
            ),
            (
                "arn:aws:iam::aws:policy/AmazonDynamoDBReadOnlyAccess",
                Some(Level::ReadOnly),
            ),
            (
                "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
                None,
            ),
            (
                "arn:aws:iam::aws:policy/AdministratorAccess-Amplify",
                Some(Level::IamWrite),
            ),
            (
                "arn:aws:iam::aws:policy/job-function/AWSManagementConsoleAdministratorAccess",
                Some(Level::Write),
            ),
            (
                "arn:aws:iam::aws:policy/AWSKeyManagementServicePowerUser",
                Some(Level::ServiceAdmin),
            ),
            // A customer-managed policy of the same name is not AWS's.
            ("arn:aws:iam::123456789012:policy/AdministratorAccess", None),
            ("AdministratorAccess", None),
        ];
        for (arn, want) in cases {
            assert_eq!(managed(arn), *want, "{arn}");
        }
    }

    #[test]
    fn action_levels() {
        let cases: &[(&str, bool, Level)] = &[
            ("*", true, Level::Administrator),
            ("*:*", true, Level::Administrator),
            ("*", false, Level::Write),
            ("iam:*", true, Level::IamWrite),
            ("iam:Put*", false, Level::IamWrite),
            ("iam:PassRole", true, Level::IamWrite),
            // Passing one named role is scoped.
            ("iam:PassRole", false, Level::Write),
            ("iam:GetRole", true, Level::ReadOnly),
            ("s3:*", true, Level::ServiceAdmin),
            ("s3:*", false, Level::Write),
            ("s3:Get*", false, Level::DataRead),
            ("s3:GetObject", false, Level::DataRead),
            ("s3:ListBucket", false, Level::ReadOnly),
            ("s3:PutObject", false, Level::Write),
            ("SecretsManager:GetSecretValue", true, Level::DataRead),
            ("ec2:DescribeInstances", true, Level::ReadOnly),
            ("lambda:UpdateFunctionCode", false, Level::Write),
            ("sts:AssumeRole", false, Level::Write),
        ];
        for (action, any, want) in cases {
            assert_eq!(action_level(action, *any), *want, "{action} any={any}");
        }
    }

    #[test]
    fn documents_sum_to_the_highest_grant() {
        let cases: &[(&str, Level, &str)] = &[
            (
                r#"{"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}"#,
                Level::Administrator,
                "administrator: * on *",
            ),
            (
                r#"{"Statement": {"Effect": "Allow", "NotAction": ["iam:*", "organizations:*"], "Resource": "*"}}"#,
                Level::PowerUser,
                "power user: everything except iam:*, organizations:* on *",
            ),
            (
                r#"{"Statement": [{"Effect": "Allow", "Action": ["s3:PutObject", "s3:DeleteObject"], "Resource": "arn:aws:s3:::site/*"}, {"Effect": "Allow", "Action": "cloudfront:CreateInvalidation", "Resource": "*"}]}"#,
                Level::Write,
                "write: s3:PutObject on arn:aws:s3:::site/* (+2 more)",
            ),
            (
                r#"{"Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]}"#,
                Level::Nothing,
                "no permissions found beside the role",
            ),
            (
                r#"{"Statement": [{"Effect": "Allow", "Action": ["ecr:GetAuthorizationToken"], "Resource": "*"}, {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"}]}"#,
                Level::IamWrite,
                "IAM write (can escalate to administrator): iam:PassRole on *",
            ),
        ];
        for (text, level, summary) in cases {
            let mut power = Power::default();
            power.add_document("inline", &doc(text));
            assert_eq!(power.level(), *level, "{text}");
            assert_eq!(power.summary(), *summary, "{text}");
        }
    }

    #[test]
    fn unknown_parts_make_the_level_a_lower_bound() {
        let mut power = Power::default();
        power.attach("arn:aws:iam::aws:policy/ReadOnlyAccess");
        power.attach("arn:aws:iam::123456789012:policy/deploy");
        // An unresolved name is not read for words like `Admin` or `FullAccess`.
        power.attach("arn:aws:iam::aws:policy/${var.AdminPolicy}");
        power.add_document("aws_iam_policy.bad", &doc(r#"{"Version": "2012-10-17"}"#));
        assert_eq!(power.level(), Level::DataRead);
        assert!(!power.complete());
        assert_eq!(
            power.summary(),
            "at least reads data: ReadOnlyAccess; not classified: policy arn:aws:iam::123456789012:policy/deploy, policy arn:aws:iam::aws:policy/${var.AdminPolicy}, aws_iam_policy.bad (no `Statement`)"
        );
        assert_eq!(
            Power::default().summary(),
            "no permissions found beside the role"
        );
    }

    #[test]
    fn assume_role_onward_is_listed() {
        let mut power = Power::default();
        power.add_document(
            "inline",
            &doc(
                r#"{"Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": ["arn:aws:iam::210987654321:role/prod-deploy"]}]}"#,
            ),
        );
        assert_eq!(
            power.assumes,
            ["arn:aws:iam::210987654321:role/prod-deploy"]
        );
        assert_eq!(
            power.summary(),
            "write: sts:AssumeRole on arn:aws:iam::210987654321:role/prod-deploy; assumes onward: arn:aws:iam::210987654321:role/prod-deploy"
        );
        assert_eq!(
            power.permissions(),
            ["sts:AssumeRole on arn:aws:iam::210987654321:role/prod-deploy"]
        );
    }
}
