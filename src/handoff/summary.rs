//! What the step tells the reader once credentials are exported: a line per set of
//! credentials, and the Markdown step summary. Pure: no I/O.

use crate::config::Config;
use crate::plan::Produced;

/// One line per set of credentials, once exported: what it is, until when, and by which rule.
pub fn report_lines(config: &Config, produced: &[Produced], rule: Option<&str>) -> Vec<String> {
    let mut lines = Vec::new();
    for p in produced {
        let arn = match (config.exports.mask_account_id, p.creds.account_id()) {
            (true, Some(account)) => p.creds.assumed_role_arn.replace(account, "***"),
            _ => p.creds.assumed_role_arn.clone(),
        };
        let target = p
            .plan
            .profile
            .as_deref()
            .map_or_else(String::new, |name| format!(" as profile `{name}`"));
        let what = if p.creds.expiration.is_empty() {
            format!("exported the static keys of {arn} as they are{target}")
        } else {
            format!("assumed {arn}{target} until {}", p.creds.expiration)
        };
        lines.push(format!(
            "oidc-assume: {what} ({})",
            rule.map_or_else(
                || "no claim policy".to_string(),
                |r| format!("policy rule `{r}`")
            )
        ));
    }
    lines
}

/// The Markdown table of each set of credentials for `GITHUB_STEP_SUMMARY`; the account is
/// hidden when `mask-aws-account-id` is on.
pub fn step_summary(config: &Config, produced: &[Produced], rule: Option<&str>) -> String {
    let cell = |s: &str| format!("`{}`", s.replace(['`', '|', '\n', '\r'], " "));
    let mut text = String::from("### oidc-assume\n\n");
    for p in produced {
        let account = p.creds.account_id();
        let hide = |s: &str| match (config.exports.mask_account_id, account) {
            (true, Some(a)) => s.replace(a, "***"),
            _ => s.to_string(),
        };
        let arn = &p.creds.assumed_role_arn;
        // `arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION`; static keys have no session.
        let session_name = arn
            .contains(":assumed-role/")
            .then(|| arn.rsplit('/').next())
            .flatten();
        let session = session_name.map_or_else(|| "none (static keys)".to_string(), cell);
        text.push_str("| | |\n|---|---|\n");
        if let Some(profile) = &p.plan.profile {
            text.push_str(&format!("| Profile | {} |\n", cell(profile)));
        }
        text.push_str(&format!("| Identity | {} |\n", cell(&hide(arn))));
        text.push_str(&format!(
            "| Account | {} |\n",
            account.map_or_else(|| "unknown".to_string(), |a| cell(&hide(a)))
        ));
        text.push_str(&format!("| Session | {session} |\n"));
        let expires = if p.creds.expiration.is_empty() {
            "never (static keys)".to_string()
        } else {
            cell(&p.creds.expiration)
        };
        text.push_str(&format!("| Expires | {expires} |\n"));
        text.push_str(&format!(
            "| Policy rule | {} |\n\n",
            rule.map_or_else(|| "none (no claim policy)".to_string(), cell)
        ));
        if let Some(name) = session_name {
            text.push_str(&format!(
                "What this session did, in CloudTrail (events take up to 15 minutes to appear):\n\n```sh\n{}\n```\n\n",
                cloudtrail_lookup(&p.plan.region, name)
            ));
        }
    }
    text
}

/// The `aws cloudtrail lookup-events` command that lists what a role session did: CloudTrail
/// records a session's calls under its session name as the user name. Session names are
/// `[\w+=,.@-]`, so the command needs no quoting; anything else is quoted for a POSIX shell.
pub fn cloudtrail_lookup(region: &str, session_name: &str) -> String {
    let safe = |s: &str| {
        s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_+=,.@-".contains(&b))
    };
    let value = if safe(session_name) {
        session_name.to_string()
    } else {
        format!("'{}'", session_name.replace('\'', "'\\''"))
    };
    format!(
        "aws cloudtrail lookup-events --region {region} --lookup-attributes AttributeKey=Username,AttributeValue={value}"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Mode;
    use crate::env::Env;
    use crate::inputs::{Flags, Inputs};
    use crate::plan::Plan;
    use crate::secret::Secret;
    use crate::sts::Credentials;

    fn run(extra: &[(&str, &str)], expiration: &str, rule: Option<&str>) -> (Vec<String>, String) {
        let mut pairs = vec![
            (
                "INPUT_ROLE-TO-ASSUME",
                "arn:aws:iam::123456789012:role/deploy",
            ),
            ("INPUT_AWS-REGION", "eu-west-1"),
        ];
        pairs.extend_from_slice(extra);
        let env = Env::from_pairs(pairs);
        let config = Config::from_inputs(Inputs::new(&Flags::new(), &env), Mode::Action).unwrap();
        let produced = [Produced {
            plan: Plan::all(&config).remove(0),
            creds: Credentials {
                access_key_id: Secret::new("ASIAEXAMPLE"),
                secret_access_key: Secret::new("secret"),
                session_token: Secret::new("token"),
                expiration: expiration.into(),
                assumed_role_arn: "arn:aws:sts::123456789012:assumed-role/deploy/gha-1|x`y".into(),
            },
        }];
        (
            report_lines(&config, &produced, rule),
            step_summary(&config, &produced, rule),
        )
    }

    #[test]
    fn lines_and_summary_say_what_was_assumed() {
        let (lines, summary) = run(&[], "2026-11-24T13:00:00Z", Some("main"));
        assert_eq!(
            lines,
            [
                "oidc-assume: assumed arn:aws:sts::123456789012:assumed-role/deploy/gha-1|x`y until 2026-11-24T13:00:00Z (policy rule `main`)"
            ]
        );
        assert!(
            summary.starts_with("### oidc-assume\n\n| | |\n|---|---|\n"),
            "{summary}"
        );
        // Table cells never break the table: `|` and backticks become spaces.
        assert!(summary.contains("| Session | `gha-1 x y` |"), "{summary}");
        assert!(
            summary.contains("| Account | `123456789012` |"),
            "{summary}"
        );
        assert!(summary.contains("| Policy rule | `main` |"), "{summary}");
        assert!(
            summary.contains("```sh\naws cloudtrail lookup-events --region eu-west-1 --lookup-attributes AttributeKey=Username,AttributeValue='gha-1|x`y'\n```"),
            "{summary}"
        );
    }

    #[test]
    fn the_cloudtrail_lookup_is_one_copy_paste() {
        assert_eq!(
            cloudtrail_lookup("eu-west-1", "gha-11843209874-1-octo-org.octo-repo"),
            "aws cloudtrail lookup-events --region eu-west-1 --lookup-attributes AttributeKey=Username,AttributeValue=gha-11843209874-1-octo-org.octo-repo"
        );
        assert!(cloudtrail_lookup("us-east-1", "a'b").ends_with("AttributeValue='a'\\''b'"));
    }

    #[test]
    fn masked_accounts_and_static_keys() {
        let (lines, summary) = run(
            &[
                ("INPUT_MASK-AWS-ACCOUNT-ID", "true"),
                ("INPUT_AWS-PROFILE", "p"),
            ],
            "",
            None,
        );
        assert!(
            lines[0].contains("exported the static keys of arn:aws:sts::***:assumed-role"),
            "{}",
            lines[0]
        );
        assert!(
            lines[0].ends_with(" as profile `p` (no claim policy)"),
            "{}",
            lines[0]
        );
        assert!(!summary.contains("123456789012"), "{summary}");
        assert!(
            summary.contains("| Expires | never (static keys) |"),
            "{summary}"
        );
        assert!(summary.contains("| Profile | `p` |"), "{summary}");
        assert!(
            summary.contains("| Policy rule | none (no claim policy) |"),
            "{summary}"
        );
    }
}
