//! `INPUT_*` variables that name no input: a misspelt `with:` key (`role-to-asume`,
//! `allowed-account-id`) would otherwise be ignored without a word, and for an optional
//! security input that means the check the user asked for never runs. Pure: reads only the
//! [`Env`] snapshot.

use crate::env::{Env, INPUT_PREFIX};
use crate::text::did_you_mean;

use super::INPUTS;

/// An `INPUT_*` variable that is not one of [`INPUTS`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownInput {
    /// The variable (`INPUT_ROLE-TO-ASUME`).
    pub variable: String,
    /// The input name as written under `with:` (`role-to-asume`).
    pub name: String,
    /// The input it is probably a misspelling of.
    pub near: Option<&'static str>,
}

impl UnknownInput {
    /// The warning text: the name, and the did-you-mean.
    pub fn message(&self) -> String {
        match self.near {
            Some(near) => format!(
                "`{}` is not an input of this action ({} is set), so it is ignored: did you mean `{near}`?",
                self.name, self.variable
            ),
            None => format!(
                "`{}` is not an input of this action ({} is set), so it is ignored; the inputs are listed by `oidc-assume --help`",
                self.name, self.variable
            ),
        }
    }
}

/// Every non-empty `INPUT_*` variable of `env` that names no input, in name order.
pub fn unknown_inputs(env: &Env) -> Vec<UnknownInput> {
    env.vars()
        .filter(|(_, value)| !value.trim().is_empty())
        .filter_map(|(variable, _)| {
            let suffix = variable.strip_prefix(INPUT_PREFIX)?;
            // The runner upper-cases the name and turns spaces into `_`; hyphens stay.
            let known = INPUTS
                .iter()
                .any(|spec| spec.name.replace(' ', "_").to_uppercase() == suffix);
            if known {
                return None;
            }
            let name = suffix.to_lowercase();
            Some(UnknownInput {
                variable: variable.to_string(),
                near: nearest(&name),
                name,
            })
        })
        .collect()
}

/// The input `name` is most likely a misspelling of: `_` for `-` counts as no difference, then
/// [`did_you_mean`]'s rule.
pub fn nearest(name: &str) -> Option<&'static str> {
    did_you_mean(&name.replace('_', "-"), INPUTS.iter().map(|spec| spec.name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn misspelt_inputs_are_named_with_a_did_you_mean() {
        let cases: &[(&str, Option<&str>)] = &[
            ("INPUT_ROLE-TO-ASUME", Some("role-to-assume")),
            ("INPUT_ALLOWED-ACCOUNT-ID", Some("allowed-account-ids")),
            ("INPUT_ROLE_TO_ASSUME", Some("role-to-assume")),
            ("INPUT_AWS_REGION", Some("aws-region")),
            ("INPUT_REGION", None),
            ("INPUT_SOMETHING-ELSE-ENTIRELY", None),
        ];
        for (variable, near) in cases {
            let env = Env::from_pairs([(*variable, "x")]);
            let found = unknown_inputs(&env);
            assert_eq!(found.len(), 1, "{variable}");
            assert_eq!(found[0].near, *near, "{variable}");
            assert_eq!(&found[0].variable, variable);
        }
    }

    #[test]
    fn known_and_empty_inputs_are_not_reported() {
        let env = Env::from_pairs([
            ("INPUT_ROLE-TO-ASSUME", "arn"),
            ("INPUT_AWS-REGION", "eu-west-1"),
            ("INPUT_ROLE-TO-ASUME", "  "),
            ("GITHUB_REF", "refs/heads/main"),
        ]);
        assert_eq!(unknown_inputs(&env), []);
    }

    #[test]
    fn the_message_names_the_variable_and_the_fix() {
        let env = Env::from_pairs([("INPUT_ALLOWED-ACCOUNT-ID", "123456789012")]);
        assert_eq!(
            unknown_inputs(&env)[0].message(),
            "`allowed-account-id` is not an input of this action (INPUT_ALLOWED-ACCOUNT-ID is set), so it is ignored: did you mean `allowed-account-ids`?"
        );
    }
}
