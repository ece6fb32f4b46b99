//! oidc-assume: turn a GitHub Actions OIDC token into short-lived AWS credentials.
//!
//! The pipeline ([`app`]): fetch the job's token ([`oidc`]), verify it ([`verify`]), check its
//! claims against a policy ([`policy`]), call STS ([`sts`]), then hand the masked credentials to
//! later steps ([`handoff`], [`export`], [`profiles`], [`output`]).
//!
//! Layers, each depending only on those before it and, without cycles, on its own
//! (`scripts/check-layout.py` holds the same list as code and checks both):
//! - leaf rules, pure: [`text`], [`aws`], [`github`], [`claims`], [`secret`], [`tags`], [`exit`];
//! - leaf I/O: [`mod@env`] (the process environment, read once), [`platform`] (the Unix/Windows
//!   corner), [`output`] (the reporter, which masks);
//! - rules over the leaves: [`files`], [`mint`], [`verify`], [`policy`], [`net`], [`retry`],
//!   [`token_claims`] (the claims GitHub derives for a job's token);
//! - what users write: [`inputs`] (what was typed), [`config`] (checked, pure), [`trust`] (trust
//!   policies read, audited, generated and explained; pure but for its bounded walker) and
//!   [`workflow`] (GitHub workflows: triggers, permissions, jobs, credential steps; pure) and
//!   [`paths`] (which workflow job can become which role, joining the two; pure) and [`migrate`]
//!   (from IAM-user keys to OIDC roles, checked by [`paths`]; pure);
//! - I/O at the edges, behind small traits: [`oidc`], [`sts`], [`export`], [`profiles`],
//!   [`iam_api`] (IAM's query API for `migrate --aws`);
//! - the error model over them and the decisions that explain refusals: [`error`], [`refusal`];
//! - the run's preparation: [`plan`], [`preflight`] (the files the inputs name), [`runner`]
//!   (what the runner provides and where it puts things);
//! - the pipeline and the hand-off to later steps: [`app`], [`handoff`];
//! - the command line and the commands: [`cli`], [`commands`]; `main.rs` only parses and maps
//!   exit codes.
//!
//! Only [`mod@env`] reads the process environment.

#![forbid(unsafe_code)]
// Modules are crate-private unless the binary, the tests or the fuzz targets need them, so the
// compiler reports unused code. The docs are for maintainers and built with
// `--document-private-items`, where links into private modules resolve.
#![allow(rustdoc::private_intra_doc_links)]

pub(crate) mod app;
pub(crate) mod aws;
pub mod claims;
pub mod cli;
pub mod commands;
pub(crate) mod config;
pub mod env;
pub mod error;
pub mod exit;
pub(crate) mod export;
pub(crate) mod files;
pub(crate) mod github;
pub(crate) mod handoff;
pub(crate) mod iam_api;
pub mod inputs;
pub(crate) mod migrate;
pub mod mint;
pub(crate) mod net;
pub(crate) mod oidc;
pub(crate) mod output;
pub(crate) mod paths;
pub(crate) mod plan;
pub(crate) mod platform;
pub mod policy;
pub(crate) mod preflight;
pub(crate) mod profiles;
pub(crate) mod refusal;
pub(crate) mod retry;
pub(crate) mod runner;
pub(crate) mod secret;
pub(crate) mod sts;
pub(crate) mod tags;
pub(crate) mod text;
pub(crate) mod token_claims;
pub mod trust;
pub mod verify;
// Public until `paths` (#19) and `migrate` (#20) use it: tested, not yet wired to a command.
pub mod workflow;
