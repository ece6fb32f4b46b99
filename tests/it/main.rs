//! Integration tests: the real `oidc-assume` binary against local servers. One test binary so
//! the build links once. Servers bind 127.0.0.1 only; nothing touches the internet.

mod common;
mod invariants;
mod report;
mod watch;

mod action;
mod audit;
mod audit_forms;
mod audit_modules;
mod audit_source;
mod audit_walk;
mod container;
mod dry_run;
mod faults;
mod first_contact;
mod hostile;
mod messages;
mod migrate;
mod native;
mod packaging;
mod parity;
mod paths;
mod refresh;
mod shared_home;
