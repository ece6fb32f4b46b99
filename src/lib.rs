//! oidc-assume: turn a GitHub Actions OIDC token into short-lived AWS credentials.
//!
//! The pipeline ([`app`]): fetch the job's token ([`oidc`]), verify it ([`verify`]), check its
//! claims against a policy ([`policy`]), call STS ([`sts`]), and export the masked credentials
//! ([`export`], [`output`]). Pure modules (claims, inputs, policy, verify, export rendering) do
//! no I/O; I/O sits behind small traits so the dry run ([`dry_run`]) and tests swap it out.
//! Only [`env`] reads the process environment.

#![forbid(unsafe_code)]

pub mod app;
pub mod aws;
pub mod claims;
pub mod cli;
pub mod dry_run;
pub mod env;
pub mod error;
pub mod export;
pub mod files;
pub mod github;
pub mod inputs;
pub mod mint;
pub mod net;
pub mod oidc;
pub mod output;
pub mod policy;
pub mod profiles;
pub mod retry;
pub mod secret;
pub mod sts;
pub mod tags;
pub mod text;
pub mod trust;
pub mod verify;
