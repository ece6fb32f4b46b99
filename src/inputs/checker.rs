//! The one checker of input values: typed readers (booleans, whole numbers, lists of role
//! ARNs, URLs, session tags) that record every problem instead of stopping at the first, so a
//! run reports all invalid inputs at once. Pure: no I/O.

use crate::aws::RoleArn;
use crate::net::check_url;
use crate::text::printable;

use super::{Input, Inputs};

/// One invalid input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    /// The input's name (`role-to-assume`) or variable (`AWS_REGION`).
    pub input: String,
    /// What is wrong, with the offending value shown escaped.
    pub problem: String,
    /// How to fix it.
    pub hint: String,
}

/// All invalid inputs of a run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", render_errors(.0))]
pub struct InputErrors(pub Vec<InputError>);

impl InputErrors {
    /// One invalid input.
    pub fn one(input: &str, problem: impl Into<String>, hint: impl Into<String>) -> Self {
        InputErrors(vec![InputError {
            input: input.to_string(),
            problem: problem.into(),
            hint: hint.into(),
        }])
    }
}

fn render_errors(errors: &[InputError]) -> String {
    let lines: Vec<String> = errors
        .iter()
        .map(|e| format!("input `{}`: {}", e.input, e.problem))
        .collect();
    lines.join("\n")
}

/// Reads inputs through typed checks, collecting every problem.
pub struct Checker<'a> {
    /// The raw values.
    pub inputs: Inputs<'a>,
    errors: Vec<InputError>,
}

impl<'a> Checker<'a> {
    /// A checker with no problem recorded yet.
    pub fn new(inputs: Inputs<'a>) -> Self {
        Checker {
            inputs,
            errors: Vec::new(),
        }
    }

    /// The raw value of an input (see [`Inputs::get`]).
    pub fn get(&self, input: Input) -> Option<&'a str> {
        self.inputs.get(input)
    }

    /// Whether an `INPUT_*` variable that names no input looks like a misspelling of `input`
    /// (the dry run then does not stand in a default for it: the user meant to give one).
    pub fn misspelt(&self, input: Input) -> bool {
        super::unknown_inputs(self.inputs.env())
            .iter()
            .any(|u| u.near == Some(input.name()))
    }

    /// Records a problem with `source`: an input's name or an environment variable's.
    pub fn fail(&mut self, source: &str, problem: impl Into<String>, hint: impl Into<String>) {
        self.errors.push(InputError {
            input: source.to_string(),
            problem: problem.into(),
            hint: hint.into(),
        });
    }

    /// Whether no problem has been recorded.
    pub fn ok(&self) -> bool {
        self.errors.is_empty()
    }

    /// Every problem recorded, or `Ok` when there is none.
    pub fn finish(self) -> Result<(), InputErrors> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(InputErrors(self.errors))
        }
    }

    /// `true`/`false` in any case; anything else is an error (and the table's default is used,
    /// as it is when the input is not given).
    pub fn bool(&mut self, input: Input) -> bool {
        let default = input.default_bool();
        match self.get(input) {
            None => default,
            Some(v) if v.eq_ignore_ascii_case("true") => true,
            Some(v) if v.eq_ignore_ascii_case("false") => false,
            Some(v) => {
                self.fail(
                    input.name(),
                    format!("{} is not a boolean", printable(v)),
                    "write `true` or `false`",
                );
                default
            }
        }
    }

    /// [`Checker::whole_number`] of an input whose table row has a default: that default
    /// applies when the input is not given, and stands in for an invalid value (whose error is
    /// recorded), so the caller writes no second default.
    pub fn number(
        &mut self,
        input: Input,
        range: std::ops::RangeInclusive<u64>,
        hint: &str,
    ) -> u64 {
        self.whole_number(input, range, hint)
            .or(input.default_number())
            .unwrap_or_default()
    }

    /// A whole decimal number within `range` (no sign, no unit, no exponent). `None` when the
    /// input is unset or invalid; an invalid value is recorded as an error.
    pub fn whole_number(
        &mut self,
        input: Input,
        range: std::ops::RangeInclusive<u64>,
        hint: &str,
    ) -> Option<u64> {
        let value = self.get(input)?;
        match value.parse::<u64>() {
            Ok(n) if range.contains(&n) && value.bytes().all(|b| b.is_ascii_digit()) => Some(n),
            _ => {
                self.fail(
                    input.name(),
                    format!(
                        "{} is not a whole number from {} to {}",
                        printable(value),
                        range.start(),
                        range.end()
                    ),
                    hint,
                );
                None
            }
        }
    }

    /// A list of role ARNs.
    pub fn role_list(&mut self, input: Input) -> Vec<RoleArn> {
        let mut roles = Vec::new();
        for value in self.inputs.list(input) {
            match RoleArn::parse(&value) {
                Ok(role) => roles.push(role),
                Err(e) => self.fail(input.name(), e.problem, e.hint),
            }
        }
        roles
    }

    /// A URL that may carry tokens: `https://`, or `http://` to loopback only. Normalised
    /// without a trailing slash; `None` (and an error naming `source`) when unusable.
    pub fn url(&mut self, source: &str, value: &str) -> Option<String> {
        match check_url(value) {
            Ok(url) => Some(url.as_str().trim_end_matches('/').to_string()),
            Err(problem) => {
                self.fail(
                    source,
                    problem,
                    "give an https:// URL (plain http:// is allowed only for 127.0.0.1, ::1 or localhost)",
                );
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::env::Env;
    use crate::inputs::Flags;

    #[test]
    fn every_problem_is_kept_in_order() {
        let env = Env::from_pairs([
            ("INPUT_DISABLE-RETRY", "no"),
            ("INPUT_RETRY-MAX-ATTEMPTS", "0"),
            (
                "INPUT_CHAIN-ROLES",
                "arn:aws:iam::123456789012:role/a, nope",
            ),
        ]);
        let flags = Flags::new();
        let mut c = Checker::new(Inputs::new(&flags, &env));
        // An invalid value: the table's default stands in, and the error is kept.
        assert!(!c.bool(Input::DisableRetry));
        assert_eq!(c.whole_number(Input::RetryMaxAttempts, 1..=20, "h"), None);
        assert_eq!(c.number(Input::RetryMaxAttempts, 1..=20, "h"), 5);
        assert_eq!(c.role_list(Input::ChainRoles).len(), 1);
        assert_eq!(c.url("issuer", "http://10.1.1.1/"), None);
        assert_eq!(
            c.url("issuer", "http://127.0.0.1:8080/").as_deref(),
            Some("http://127.0.0.1:8080")
        );
        let names: Vec<String> = c
            .finish()
            .unwrap_err()
            .0
            .into_iter()
            .map(|e| e.input)
            .collect();
        assert_eq!(
            names,
            [
                "disable-retry",
                "retry-max-attempts",
                "retry-max-attempts",
                "chain-roles",
                "issuer"
            ]
        );
    }
}
