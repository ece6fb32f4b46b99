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
//! - rules over the leaves: [`files`], [`mint`], [`verify`], [`policy`], [`net`], [`retry`];
//! - what users write: [`inputs`] (what was typed), [`config`] (checked, pure), [`trust`] (trust
//!   policies read, audited, generated and explained; pure but for its bounded walker) and
//!   [`workflow`] (GitHub workflows: triggers, permissions, jobs, credential steps; pure);
//! - I/O at the edges, behind small traits: [`oidc`], [`sts`], [`export`], [`profiles`];
//! - the error model over them and the decisions that explain refusals: [`error`], [`refusal`];
//! - the run's preparation: [`plan`], [`preflight`] (the files the inputs name), [`runner`]
//!   (what the runner provides and where it puts things);
//! - the pipeline and the hand-off to later steps: [`app`], [`handoff`];
//! - the command line and the commands: [`cli`], [`commands`]; `main.rs` only parses and maps
//!   exit codes.
//!
//! Only [`mod@env`] reads the process environment.

#![forbid(unsafe_code)]

pub mod app;
pub mod aws;
pub mod claims;
pub mod cli;
pub mod commands;
pub mod config;
pub mod env;
pub mod error;
pub mod exit;
pub mod export;
pub mod files;
pub mod github;
pub mod handoff;
pub mod inputs;
pub mod mint;
pub mod net;
pub mod oidc;
pub mod output;
pub mod plan;
pub mod platform;
pub mod policy;
pub mod preflight;
pub mod profiles;
pub mod refusal;
pub mod retry;
pub mod runner;
pub mod secret;
pub mod sts;
pub mod tags;
pub mod text;
pub mod trust;
pub mod verify;
pub mod workflow;
