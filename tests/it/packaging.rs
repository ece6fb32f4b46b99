//! The packaging contract: action.yml matches the inputs the binary reads, the image runs the
//! binary without a shell, and the README documents the exit codes the binary returns.

use std::path::Path;

use oidc_assume::error::*;
use oidc_assume::inputs::INPUTS;

fn read(name: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(name)).unwrap()
}

/// `(name, description, required, default)` of each input in action.yml (a line-based reader
/// for the file's fixed layout; the schema check in .ci/run validates it as YAML).
fn action_inputs(yml: &str) -> Vec<(String, String, bool, Option<String>)> {
    let mut inputs = Vec::new();
    let mut in_inputs = false;
    for line in yml.lines() {
        if !line.starts_with(' ') {
            in_inputs = line == "inputs:";
            continue;
        }
        if !in_inputs {
            continue;
        }
        if let Some(name) = line.strip_prefix("  ").and_then(|l| l.strip_suffix(':'))
            && !name.starts_with(' ')
        {
            inputs.push((name.to_string(), String::new(), false, None));
        } else if let Some((key, value)) = line.trim().split_once(": ") {
            let last = inputs.last_mut().expect("property before input");
            let text = || serde_json::from_str::<String>(value).expect("quoted YAML string");
            match key {
                "description" => last.1 = text(),
                "required" => last.2 = value == "true",
                "default" => last.3 = Some(text()),
                other => panic!("unexpected input property {other}"),
            }
        }
    }
    inputs
}

#[test]
fn action_yml_declares_exactly_the_inputs_the_binary_reads() {
    let declared = action_inputs(&read("action.yml"));
    let expected: Vec<(String, String, bool, Option<String>)> = INPUTS
        .iter()
        .map(|i| {
            (
                i.name.to_string(),
                i.help.to_string(),
                false,
                i.default.map(str::to_string),
            )
        })
        .collect();
    assert_eq!(declared, expected);
}

#[test]
fn action_yml_declares_the_outputs_we_write() {
    let yml = read("action.yml");
    for output in [
        "aws-account-id",
        "authenticated-arn",
        "aws-expiration",
        "aws-access-key-id",
        "aws-secret-access-key",
        "aws-session-token",
    ] {
        assert!(yml.contains(&format!("\n  {output}:\n")), "{output}");
    }
    assert!(yml.contains("\nruns:\n  using: docker\n"));
}

#[test]
fn image_execs_the_binary_without_a_shell() {
    let dockerfile = read("Dockerfile");
    let entrypoints: Vec<&str> = dockerfile
        .lines()
        .filter(|l| l.starts_with("ENTRYPOINT"))
        .collect();
    // Exec form: dash would drop INPUT_ROLE-TO-ASSUME and every other hyphenated input.
    assert_eq!(entrypoints, [r#"ENTRYPOINT ["/oidc-assume"]"#]);
    assert!(dockerfile.contains("\nFROM scratch\n"));
    assert!(!dockerfile.contains("\nSHELL"));
}

#[test]
fn readme_documents_the_exit_codes() {
    let readme = read("README.md");
    for (code, word) in [
        (EXIT_OK, "success"),
        (EXIT_FAILURE, "anything else"),
        (EXIT_CONFIG, "bad input"),
        (EXIT_DENIED, "denied by the claim policy"),
        (EXIT_TOKEN, "OIDC token"),
        (EXIT_STS, "STS"),
    ] {
        let row = readme
            .lines()
            .find(|l| l.starts_with(&format!("| {code} |")))
            .unwrap_or_else(|| panic!("README has no row for exit code {code}"));
        assert!(row.contains(word), "{row}");
    }
}

#[test]
fn ci_runs_the_readme_test_command() {
    let readme = read("README.md");
    let ci = read(".ci/run");
    assert!(readme.contains("scripts/test.sh"));
    assert!(ci.lines().any(|l| l.trim() == "scripts/test.sh"), "{ci}");
}

#[test]
fn policy_schema_knows_exactly_the_claims_the_compiler_knows() {
    use oidc_assume::claims::{KNOWN_CLAIMS, TIME_CLAIMS};
    let schema: serde_json::Value =
        serde_json::from_str(&read("schema/oidc-assume.schema.json")).unwrap();
    let rule = &schema["$defs"]["rule"]["properties"];
    let mut in_schema: Vec<&str> = rule
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    in_schema.sort_unstable();
    let mut expected: Vec<&str> = KNOWN_CLAIMS
        .iter()
        .copied()
        .filter(|c| !TIME_CLAIMS.contains(c))
        .chain(["name", "roles"])
        .collect();
    expected.sort_unstable();
    assert_eq!(in_schema, expected);
}

/// Every input of aws-actions/configure-aws-credentials (v4/v5 action.yml), so a workflow
/// switches by changing its `uses:` line.
const CAC_INPUTS: &[&str] = &[
    "aws-region",
    "role-to-assume",
    "audience",
    "role-session-name",
    "role-duration-seconds",
    "role-external-id",
    "role-chaining",
    "role-skip-session-tagging",
    "transitive-tag-keys",
    "custom-tags",
    "inline-session-policy",
    "managed-session-policies",
    "web-identity-token-file",
    "aws-access-key-id",
    "aws-secret-access-key",
    "aws-session-token",
    "aws-profile",
    "overwrite-aws-profile",
    "output-credentials",
    "output-env-credentials",
    "unset-current-credentials",
    "mask-aws-account-id",
    "allowed-account-ids",
    "http-proxy",
    "no-proxy",
    "retry-max-attempts",
    "disable-retry",
    "use-existing-credentials",
    "force-skip-oidc",
    "action-timeout-s",
    "sts-endpoint",
    "special-characters-workaround",
];

#[test]
fn every_configure_aws_credentials_input_is_accepted_and_documented() {
    let readme = read("README.md");
    let table: Vec<&str> = readme
        .lines()
        .skip_while(|l| !l.starts_with("## Every configure-aws-credentials input"))
        .take_while(|l| !l.starts_with("### "))
        .filter(|l| l.starts_with("| `"))
        .collect();
    for name in CAC_INPUTS {
        assert!(
            INPUTS.iter().any(|i| i.name == *name),
            "{name} is not an input"
        );
        assert!(
            table.iter().any(|row| row
                .split(" | ")
                .next()
                .is_some_and(|cell| cell.contains(&format!("`{name}`")))),
            "README's configure-aws-credentials table has no row for {name}"
        );
    }
}
