//! oidc-assume: turn a GitHub Actions OIDC token into short-lived AWS credentials.
//!
//! The pipeline ([`app`]): fetch the job's token ([`oidc`]), verify it ([`verify`]), check its
//! claims against a policy ([`policy`]), call STS ([`sts`]), then hand the masked credentials to
//! later steps ([`handoff`], [`export`], [`profiles`], [`output`]).
//!
//! Layers, each depending only on those before it:
//! - leaf rules, pure: [`text`], [`aws`], [`github`], [`claims`], [`secret`], [`tags`];
//! - inputs in two phases: [`inputs`] (what was typed) and [`config`] (checked, pure), then
//!   [`preflight`] (the files they name);
//! - pure decisions: [`policy`], [`verify`], [`plan`], [`refusal`], [`trust`];
//! - I/O at the edges, behind small traits: [`oidc`], [`sts`], [`net`], [`export`],
//!   [`profiles`], [`output`]; the pipeline [`app`] and the hand-off [`handoff`];
//! - [`commands`], one per subcommand, over it all; `main.rs` only parses and maps exit codes.
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
