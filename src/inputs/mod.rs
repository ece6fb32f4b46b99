//! What was typed: the input table, the typed input names, and the one reader of input values
//! (a CLI flag wins over the runner's `INPUT_*` variable, then the table's default). Pure: reads
//! only the [`Env`] snapshot it is given.
//!
//! Phase one of two (ripgrep's `lowargs` → `hiargs`): this module says what each input's raw
//! value is; [`crate::config`] checks the values and compiles them into a [`crate::config::Config`].

mod checker;
mod table;
mod unknown;

use std::collections::BTreeMap;

pub use checker::{Checker, InputError, InputErrors};
pub use table::{DryRun, INPUTS, Input, InputSpec, Unused};
pub use unknown::{UnknownInput, nearest, unknown_inputs};

use crate::env::Env;

/// Input values given as CLI flags, by input.
pub type Flags = BTreeMap<Input, String>;

/// Flag values first, then `INPUT_*` variables: the flag wins.
#[derive(Debug, Clone, Copy)]
pub struct Inputs<'a> {
    flags: &'a Flags,
    env: &'a Env,
}

impl<'a> Inputs<'a> {
    /// Combines flags and environment.
    pub fn new(flags: &'a Flags, env: &'a Env) -> Self {
        Inputs { flags, env }
    }

    /// The trimmed value of an input if given and not empty, else its static default.
    pub fn get(&self, input: Input) -> Option<&'a str> {
        let spec = input.spec();
        match self.flags.get(&input).map(|v| v.trim()) {
            Some(v) if !v.is_empty() => Some(v),
            Some(_) => spec.default,
            None => self.env.input(spec.name).or(spec.default),
        }
    }

    /// Whether the user gave `input` (a non-empty flag or `INPUT_*` variable), as opposed to
    /// its default applying.
    pub fn is_given(&self, input: Input) -> bool {
        let name = input.spec().name;
        match self.flags.get(&input) {
            Some(v) => !v.trim().is_empty(),
            None => self.env.input(name).is_some(),
        }
    }

    /// A list input split on commas and newlines (empty when unset).
    pub fn list(&self, input: Input) -> Vec<String> {
        self.get(input).map(split_list).unwrap_or_default()
    }

    /// The environment snapshot, for inputs whose fallback is a variable (`AWS_REGION`, …).
    pub fn env(&self) -> &'a Env {
        self.env
    }
}

/// Splits a list input on commas and newlines, trimming and dropping empty items.
pub fn split_list(value: &str) -> Vec<String> {
    value
        .split([',', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flag_wins_over_env_then_default() {
        let env = Env::from_pairs([
            ("INPUT_AWS-REGION", "eu-west-1"),
            ("INPUT_AUDIENCE", "from-env"),
        ]);
        let mut flags = Flags::new();
        flags.insert(Input::AwsRegion, " us-east-2 ".into());
        flags.insert(Input::Audience, "  ".into());
        let inputs = Inputs::new(&flags, &env);
        assert_eq!(inputs.get(Input::AwsRegion), Some("us-east-2"));
        // An empty flag means "not given": the static default, not the variable.
        assert_eq!(inputs.get(Input::Audience), Some("sts.amazonaws.com"));
        assert_eq!(inputs.get(Input::RoleDurationSeconds), Some("3600"));
        assert_eq!(inputs.get(Input::RoleToAssume), None);
    }

    #[test]
    fn lists_split_on_commas_and_newlines() {
        assert_eq!(split_list(" a, b\n\nc ,"), ["a", "b", "c"]);
        assert!(split_list(" , \n").is_empty());
    }
}
