//! Command-line interface: every subcommand's arguments. Pure parsing (clap), no I/O beyond what
//! clap prints for `--help`.
//!
//! Every action input is also a flag of the same name, generated from [`crate::inputs::INPUTS`]
//! so the two cannot drift; a flag wins over the `INPUT_*` variable. The trust-policy commands'
//! value types ([`Format`], [`Severity`]) belong to [`crate::trust`], which knows no clap: their
//! command-line names are given here.

use std::path::PathBuf;

use clap::builder::PossibleValue;
use clap::{Arg, ArgMatches, Args, Command, FromArgMatches, Parser, Subcommand, ValueEnum};

use crate::inputs::{Flags, INPUTS};
use crate::trust::finding::Severity;
use crate::trust::render::Format;

/// Turn a GitHub Actions OIDC token into short-lived AWS credentials, checked against a claim
/// policy that explains every denial.
///
/// Without a subcommand it runs as the action: inputs come from INPUT_* variables (as the runner
/// sets them) or from the flags below.
#[derive(Debug, Parser)]
#[command(name = "oidc-assume", version, args_conflicts_with_subcommands = true)]
pub struct Cli {
    /// Subcommand; none runs the action.
    #[command(subcommand)]
    pub command: Option<Commands>,
    /// Action inputs.
    #[command(flatten)]
    pub inputs: InputFlags,
    /// Where the runner runs the container action (action.yml's `runs.args`).
    #[command(flatten)]
    pub runner: RunnerArgs,
}

/// What action.yml's `runs.args` tell the container about the runner: expressions the runner
/// evaluates but, unlike environment values, does not translate to container paths.
#[derive(Debug, Clone, Default, Args)]
pub struct RunnerArgs {
    /// The runner's temp directory on its host (`${{ runner.temp }}`)
    #[arg(long, hide = true, value_name = "PATH")]
    pub runner_temp: Option<String>,
    /// The job container's id (`${{ job.container.id }}`), empty when the job has none
    #[arg(long, hide = true, value_name = "ID")]
    pub job_container: Option<String>,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Commands {
    /// Decide locally what a workflow run would get, with a minted token: no AWS, no network.
    ///
    /// The token is signed by an ephemeral key and verified by the same checks as a real run; the
    /// claims default to a push to `main` of `octo-org/octo-repo`.
    DryRun(DryRunArgs),
    /// Print credentials as the JSON a `credential_process` profile expects (AWS CLI and SDKs).
    ///
    /// Takes the same inputs as the action, as flags (`--role-to-assume`, `--web-identity-token-file`,
    /// `--aws-region`, …); writes nothing but the JSON to stdout, messages go to stderr. Example
    /// `~/.aws/config` line: `credential_process = oidc-assume credential-process --role-to-assume
    /// arn:aws:iam::123456789012:role/ci --web-identity-token-file /var/run/token --aws-region eu-west-1`
    CredentialProcess(CredentialProcessArgs),
    /// Audit IAM trust policies (and a policy file) for ways other workflows could assume the role.
    ///
    /// Exit codes: 0 no finding, 10 low, 11 medium, 12 high, 13 critical (the worst at or
    /// above `--min-severity`), 2 bad input. Checks: docs/audit.md.
    Audit(AuditArgs),
    /// Print the IAM trust policy that makes AWS enforce a policy file's rules, where IAM can.
    ///
    /// What IAM cannot express is listed on stderr (or as comments with `--format terraform`).
    TrustPolicy(TrustPolicyArgs),
    /// Explain whether an IAM trust policy admits a token's claims, and which condition fails.
    ///
    /// Exit codes: 0 admitted, 3 denied, 2 bad input.
    Explain(ExplainArgs),
    /// Attack paths: which workflow job, started by whom and running whose code, can become
    /// which AWS role the tree defines, with what power.
    ///
    /// Exit codes: 0 no path at or above `--min-severity`, 10 low, 11 medium, 12 high, 13
    /// critical, 2 bad input. JSON contract and rules: docs/paths.md.
    Paths(PathsArgs),
    /// Move the workflows off IAM-user keys: the roles that replace them (trust admitting exactly
    /// the jobs' tokens, checked with the path evaluator), the workflow edits as a diff, and how
    /// to retire the keys. Writes only with `--write`. Docs: docs/migrate.md.
    Migrate(MigrateArgs),
}

/// Options of `dry-run`.
#[derive(Debug, Args)]
pub struct DryRunArgs {
    /// JSON object of claims merged over the defaults (e.g. a real token's decoded payload)
    #[arg(long, value_name = "FILE")]
    pub claims: Option<PathBuf>,
    /// Set one claim (repeatable), e.g. `--claim ref=refs/heads/dev --claim environment=prod`
    #[arg(long = "claim", value_name = "KEY=VALUE", value_parser = parse_claim)]
    pub claim: Vec<(String, String)>,
    /// Remove one claim from the defaults (repeatable), e.g. `--without-claim environment`
    #[arg(long = "without-claim", value_name = "KEY")]
    pub without_claim: Vec<String>,
    /// Action inputs.
    #[command(flatten)]
    pub inputs: InputFlags,
}

/// Options of `credential-process`.
#[derive(Debug, Args)]
pub struct CredentialProcessArgs {
    /// Read inputs from these flags only, never from `INPUT_*` variables (the profile that
    /// `refresh-credentials` leaves sets this: a later step's `INPUT_*` belong to its own action)
    #[arg(long)]
    pub no_input_variables: bool,
    /// Action inputs.
    #[command(flatten)]
    pub inputs: InputFlags,
}

/// Options of `audit`.
#[derive(Debug, Args)]
pub struct AuditArgs {
    /// Trust policies: IAM JSON, `aws iam get-role` output, Terraform, CloudFormation (JSON,
    /// YAML), CDK output, `terraform show -json` output; directories (walked); `-` for stdin
    #[arg(value_name = "PATHS")]
    pub paths: Vec<PathBuf>,
    /// Also lint an oidc-assume policy file (TOML)
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// Output format
    #[arg(long, value_enum, default_value = "human")]
    pub format: Format,
    /// Report (and set the exit code from) findings at or above this severity
    #[arg(long, value_enum, default_value = "low", value_name = "SEVERITY")]
    pub min_severity: Severity,
    /// The repository a walked directory's workflows belong to, for its attack paths (OA300):
    /// OWNER/REPO (default: the git remote `origin`, else the claim policy's repository)
    #[arg(long, value_name = "OWNER/REPO")]
    pub repository: Option<String>,
}

/// Options of `paths`.
#[derive(Debug, Args)]
pub struct PathsArgs {
    /// The repository's root: its `.github/workflows`, and roles anywhere below it (every form
    /// `audit` reads)
    #[arg(value_name = "DIR", default_value = ".")]
    pub dir: PathBuf,
    /// More files or directories that define roles (an infrastructure repository)
    #[arg(long, value_name = "PATH")]
    pub roles: Vec<PathBuf>,
    /// The repository, OWNER/REPO (default: the git remote `origin`, else the one repository
    /// `.github/oidc-assume.toml` names)
    #[arg(long, value_name = "OWNER/REPO")]
    pub repository: Option<String>,
    /// The default branch (default: the one `origin/HEAD` names, else `main`)
    #[arg(long, value_name = "BRANCH")]
    pub default_branch: Option<String>,
    /// The repository's custom OIDC `sub` template, as its `include_claim_keys`
    /// (`repo,context,job_workflow_ref`)
    #[arg(long, value_name = "KEYS")]
    pub sub_template: Option<String>,
    /// Output format
    #[arg(long, value_enum, default_value = "human")]
    pub format: Format,
    /// Report (and set the exit code from) paths at or above this severity
    #[arg(long, value_enum, default_value = "low", value_name = "SEVERITY")]
    pub min_severity: Severity,
    /// List every refused (workflow, job, trigger, role) in the human output, not only the
    /// roles a step names
    #[arg(long)]
    pub all: bool,
}

/// The form `migrate` writes roles in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum IacArg {
    Terraform,
    Cloudformation,
    Json,
}

/// Options of `migrate`.
#[derive(Debug, Args)]
pub struct MigrateArgs {
    /// The repository's root
    #[arg(value_name = "DIR", default_value = ".")]
    pub dir: PathBuf,
    /// The repository, OWNER/REPO (default: the git remote `origin`, else the claim policy's)
    #[arg(long, value_name = "OWNER/REPO")]
    pub repository: Option<String>,
    /// The default branch (default: the one `origin/HEAD` names, else `main`)
    #[arg(long, value_name = "BRANCH")]
    pub default_branch: Option<String>,
    /// The AWS account the roles live in (default: the account of a role the keys assumed, else
    /// `${{ vars.AWS_ACCOUNT_ID }}` in the workflows)
    #[arg(long, value_name = "ID")]
    pub account_id: Option<String>,
    /// The form of the roles (default: the form the repository's roles are written in)
    #[arg(long, value_enum, value_name = "FORM")]
    pub iac: Option<IacArg>,
    /// Where to write the roles (default: beside the repository's roles of that form, else
    /// `DIR/iam`)
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Write the edited workflows and the roles (default: print the report and the diff only)
    #[arg(long)]
    pub write: bool,
    /// Ask IAM about the users behind the keys (their keys, last use and policies; the
    /// policies are carried over), with the credentials in the usual `AWS_*` variables
    #[arg(long)]
    pub aws: bool,
    /// IAM's endpoint for `--aws` (default: IAM's global endpoint)
    #[arg(long, value_name = "URL", requires = "aws")]
    pub aws_endpoint: Option<String>,
    /// The IAM user behind a key secret, `SECRET=USER` (default: the user the role the keys
    /// assumed trusts, when the tree defines it)
    #[arg(long = "user", value_name = "SECRET=USER")]
    pub users: Vec<String>,
}

/// Options of `trust-policy`.
#[derive(Debug, Args)]
pub struct TrustPolicyArgs {
    /// The oidc-assume policy file (TOML)
    #[arg(long, value_name = "FILE")]
    pub policy: PathBuf,
    /// The role to generate for (required when the rules name several roles)
    #[arg(long, value_name = "ARN")]
    pub role: Option<String>,
    /// The IAM OIDC provider's ARN [default: derived from --account-id or the role's account]
    #[arg(long, value_name = "ARN", conflicts_with = "account_id")]
    pub provider_arn: Option<String>,
    /// The AWS account of the OIDC provider
    #[arg(long, value_name = "ID")]
    pub account_id: Option<String>,
    /// The token issuer (GHES: https://HOST/_services/token; enterprise: …/ENTERPRISE)
    #[arg(long, value_name = "URL", default_value = crate::github::GITHUB_COM_ISSUER)]
    pub issuer: String,
    /// The audience the workflow requests
    #[arg(long, value_name = "AUD", default_value = crate::github::DEFAULT_AUDIENCE)]
    pub audience: String,
    /// Output format
    #[arg(long, value_enum, default_value = "json")]
    pub format: TrustPolicyFormat,
}

/// Output formats of `trust-policy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TrustPolicyFormat {
    /// The policy document (notes on stderr)
    Json,
    /// `assume_role_policy = jsonencode({...})` with the notes as comments
    Terraform,
}

/// Options of `explain`.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("token_source").required(true).args(["claims", "token"])))]
pub struct ExplainArgs {
    /// The trust policy (document or `aws iam get-role` output; `-` for stdin)
    #[arg(long, value_name = "FILE")]
    pub trust_policy: PathBuf,
    /// The token's claims as a JSON object (a decoded payload)
    #[arg(long, value_name = "FILE")]
    pub claims: Option<PathBuf>,
    /// A captured token (JWT); its payload is decoded without verifying the signature
    #[arg(long, value_name = "FILE")]
    pub token: Option<PathBuf>,
    /// The role, to pick one document from `aws iam list-roles` output
    #[arg(long, value_name = "ARN")]
    pub role: Option<String>,
}

/// `audit --format`: the names and help of [`Format`].
impl ValueEnum for Format {
    fn value_variants<'a>() -> &'a [Self] {
        &[Format::Human, Format::Github, Format::Sarif, Format::Json]
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(match self {
            Format::Human => PossibleValue::new("human")
                .help("Each finding with the offending line, why, and the fix"),
            Format::Github => PossibleValue::new("github").help(
                "GitHub workflow commands (`::error file=…,line=…::…`), shown as annotations",
            ),
            Format::Sarif => PossibleValue::new("sarif")
                .help("SARIF 2.1.0, for code scanning (`github/codeql-action/upload-sarif`)"),
            Format::Json => {
                PossibleValue::new("json").help("JSON, format version 1 (docs/audit.md)")
            }
        })
    }
}

/// `audit --min-severity`: the names ([`Severity::as_str`]) and help of [`Severity`].
impl ValueEnum for Severity {
    fn value_variants<'a>() -> &'a [Self] {
        &[
            Severity::Low,
            Severity::Medium,
            Severity::High,
            Severity::Critical,
        ]
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        let help = match self {
            Severity::Low => "Worth knowing; not exploitable by itself",
            Severity::Medium => "Weakens the boundary or depends on something outside the document",
            Severity::High => "Lets more workflows assume the role than the author meant",
            Severity::Critical => "Lets repositories you do not control assume the role",
        };
        Some(PossibleValue::new(self.as_str()).help(help))
    }
}

fn parse_claim(value: &str) -> Result<(String, String), String> {
    match value.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_string(), v.to_string())),
        _ => Err(format!(
            "`{value}` is not KEY=VALUE (e.g. ref=refs/heads/main)"
        )),
    }
}

/// The action inputs given as flags.
#[derive(Debug, Clone, Default)]
pub struct InputFlags(pub Flags);

impl FromArgMatches for InputFlags {
    fn from_arg_matches(matches: &ArgMatches) -> Result<Self, clap::Error> {
        let mut flags = Flags::new();
        for input in INPUTS {
            if let Some(value) = matches.get_one::<String>(input.name) {
                flags.insert(input.input, value.clone());
            }
        }
        Ok(InputFlags(flags))
    }

    fn update_from_arg_matches(&mut self, matches: &ArgMatches) -> Result<(), clap::Error> {
        *self = Self::from_arg_matches(matches)?;
        Ok(())
    }
}

impl Args for InputFlags {
    fn augment_args(cmd: Command) -> Command {
        cmd.args(INPUTS.iter().map(|input| {
            let help = match input.default {
                Some(default) => format!("{} [default: {default}]", input.help),
                None => input.help.to_string(),
            };
            Arg::new(input.name)
                .long(input.name)
                .value_name(input.value_name)
                .help(help)
                .help_heading("Action inputs (flag wins over INPUT_* variable)")
        }))
    }

    fn augment_args_for_update(cmd: Command) -> Command {
        Self::augment_args(cmd)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cli_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }

    #[test]
    fn trust_commands_parse_their_value_names() {
        let cli = Cli::try_parse_from([
            "oidc-assume",
            "audit",
            "--format",
            "sarif",
            "--min-severity",
            "high",
            "a.json",
        ])
        .unwrap();
        let Some(Commands::Audit(args)) = cli.command else {
            panic!()
        };
        assert_eq!(
            (args.format, args.min_severity),
            (Format::Sarif, Severity::High)
        );
        for severity in Severity::value_variants() {
            let name = severity.to_possible_value().unwrap();
            assert_eq!(name.get_name(), severity.as_str());
        }
        assert!(Cli::try_parse_from(["oidc-assume", "audit", "--format", "text"]).is_err());
    }

    #[test]
    fn flags_for_every_input() {
        let cli = Cli::try_parse_from([
            "oidc-assume",
            "--role-to-assume",
            "arn:aws:iam::123456789012:role/x",
            "--aws-region=eu-west-1",
        ])
        .unwrap();
        assert!(cli.command.is_none());
        assert_eq!(
            cli.inputs
                .0
                .get(&crate::inputs::Input::AwsRegion)
                .map(String::as_str),
            Some("eu-west-1")
        );

        let cli = Cli::try_parse_from([
            "oidc-assume",
            "dry-run",
            "--claim",
            "ref=refs/heads/dev",
            "--claim=environment=prod=1",
            "--policy",
            "p.toml",
        ])
        .unwrap();
        let Some(Commands::DryRun(args)) = cli.command else {
            panic!()
        };
        assert_eq!(
            args.claim,
            [
                ("ref".to_string(), "refs/heads/dev".to_string()),
                ("environment".to_string(), "prod=1".to_string())
            ]
        );
        assert_eq!(
            args.inputs
                .0
                .get(&crate::inputs::Input::Policy)
                .map(String::as_str),
            Some("p.toml")
        );
        assert!(Cli::try_parse_from(["oidc-assume", "dry-run", "--claim", "novalue"]).is_err());
    }
}
