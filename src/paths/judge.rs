//! One job on one trigger against one role: the roles it names matched to the tree, its tokens
//! evaluated by IAM's rules ([`crate::trust::explain`]), and the record that says why. Pure.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use super::tokens::{self, JobAt, Samples, Setting, Token};
use super::{Decisive, Record, Role, StepAt, Target, severity};
use crate::trust::simulate::{Decision, Scope, StatementResult, Verdict};
use crate::workflow::actors::Exposure;
use crate::workflow::credentials::RoleRef;
use crate::workflow::{Job, Trigger, Workflow};

pub(super) struct Judge<'a> {
    pub roles: &'a [Role],
    pub setting: &'a Setting,
    pub samples: &'a Samples,
    /// Per role: whether any statement could admit a GitHub token at all.
    pub trusts_github: Vec<bool>,
    /// Per role: the claims its conditions test (lower case), which alone decide its verdict.
    keys: Vec<Vec<String>>,
    /// Verdicts by role and the values of those claims: most jobs' tokens look alike to a role.
    verdicts: RefCell<HashMap<VerdictKey, Verdicts>>,
}

/// The job and trigger a record is about.
pub(super) struct Base<'a> {
    pub workflow: &'a Workflow,
    pub job: &'a Job,
    pub called: Option<&'a str>,
    pub trigger: &'a Trigger,
    pub exposure: &'a Exposure,
    pub environment: Option<&'a str>,
}

/// A role's index and a hash of the values of the claims it tests.
type VerdictKey = (usize, u64);

/// Verdicts under one key, each with the values it was evaluated for (checked on every hit, so
/// a hash collision cannot lend one token another's verdict).
type Verdicts = Vec<(Vec<Option<String>>, Rc<Verdict>)>;

/// A role to judge a job against.
pub(super) struct Aim {
    pub target: Target,
    /// The role as shown.
    pub role: String,
    /// The step that names it or requests the token.
    pub step_line: Option<usize>,
    /// The file of that step, when not the job's workflow.
    pub step_file: Option<String>,
    /// A step names it (else: reached by requesting a token in unreviewed code).
    pub named: bool,
}

impl Aim {
    fn named(target: Target, role: String, (line, file): StepAt) -> Aim {
        Aim {
            target,
            role,
            step_line: Some(line),
            step_file: file,
            named: true,
        }
    }
}

/// `arn:aws:iam::1:role/ci/deploy` → `deploy`; a plain name stays.
fn role_name(text: &str) -> &str {
    match text.split_once(":role/") {
        Some((_, rest)) => rest.rsplit('/').next().unwrap_or(rest),
        None => text,
    }
}

/// A name reduced for matching a variable's name to a role's: lower case, letters and digits,
/// without the words that name the kind of value.
fn stem(text: &str) -> String {
    let mut s: String = text
        .to_ascii_lowercase()
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect();
    for word in ["aws", "iam", "arn", "role", "github", "oidc", "actions"] {
        s = s.replace(word, "");
    }
    s
}

impl<'a> Judge<'a> {
    pub fn new(roles: &'a [Role], setting: &'a Setting, samples: &'a Samples) -> Judge<'a> {
        let trusts_github = roles.iter().map(|r| trusts_github(r, setting)).collect();
        let keys = roles.iter().map(tested_claims).collect();
        Judge {
            roles,
            setting,
            samples,
            trusts_github,
            keys,
            verdicts: RefCell::default(),
        }
    }

    /// IAM's verdict on role `i` for `token`, evaluated once per distinct set of the values the
    /// role's conditions test.
    fn verdict(&self, i: usize, token: &Token) -> Rc<Verdict> {
        use std::hash::{Hash, Hasher};
        let keys = &self.keys[i];
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        keys.iter()
            .for_each(|k| token.claims.get(k).hash(&mut hasher));
        let key = (i, hasher.finish());
        let same = |seen: &[Option<String>]| {
            seen.iter()
                .map(Option::as_deref)
                .eq(keys.iter().map(|k| token.claims.get(k)))
        };
        if let Some(list) = self.verdicts.borrow().get(&key)
            && let Some((_, v)) = list.iter().find(|(seen, _)| same(seen))
        {
            return Rc::clone(v);
        }
        let verdict = Rc::new(crate::trust::explain(&self.roles[i].trust, &token.claims));
        let seen = keys
            .iter()
            .map(|k| token.claims.get(k).map(str::to_string))
            .collect();
        self.verdicts
            .borrow_mut()
            .entry(key)
            .or_default()
            .push((seen, Rc::clone(&verdict)));
        verdict
    }

    /// Every token the job can get on the base's trigger, those running unreviewed code first.
    pub fn tokens(&self, base: &Base<'_>) -> Vec<Rc<Token>> {
        let job = JobAt {
            workflow: base.workflow,
            environment: base.environment,
            called: base.called,
        };
        let mut tokens = tokens::tokens(job, base.trigger, self.setting, self.samples);
        tokens.sort_by_key(|t| t.reviewed);
        tokens.into_iter().map(Rc::new).collect()
    }

    /// The roles the job's steps name: matched to the tree by name, else external or unresolved.
    pub fn targets(&self, named: &[(RoleRef, StepAt)]) -> Vec<Aim> {
        let mut out: Vec<Aim> = Vec::new();
        for (role, line) in named {
            let aim = match role {
                RoleRef::Literal(text) => self.written_out(text, line),
                // `arn:aws:iam::${{ vars.ACCOUNT }}:role/deploy`: the name is written out.
                RoleRef::Expression(expr)
                    if expr
                        .split_once(":role/")
                        .is_some_and(|(_, name)| !name.contains("${{") && !name.is_empty()) =>
                {
                    self.written_out(expr, line)
                }
                RoleRef::Expression(expr) => {
                    let inner = expr.trim_start_matches("${{").trim_end_matches("}}").trim();
                    let key = stem(inner.rsplit('.').next().unwrap_or(inner));
                    match self.by_name(&key)[..] {
                        [i] => {
                            Aim::named(Target::Tree(i), self.roles[i].name.clone(), line.clone())
                        }
                        _ => Aim::named(
                            Target::Unresolved(inner.to_string()),
                            format!("unresolved:{inner}"),
                            line.clone(),
                        ),
                    }
                }
            };
            let seen = out.iter().any(|a| match (&a.target, &aim.target) {
                (Target::Tree(a), Target::Tree(b)) => a == b,
                (Target::External(a), Target::External(b))
                | (Target::Unresolved(a), Target::Unresolved(b)) => a == b,
                _ => false,
            });
            if !seen {
                out.push(aim);
            }
        }
        out
    }

    /// A role whose name is written out (an ARN or a name): the tree's role of that name, or
    /// an external one.
    fn written_out(&self, text: &str, line: &StepAt) -> Aim {
        let name = role_name(text);
        let target = match self.roles.iter().position(|r| r.name == name) {
            Some(i) => Target::Tree(i),
            None => Target::External(text.to_string()),
        };
        Aim::named(target, text.to_string(), line.clone())
    }

    /// The roles whose name has `key` as its stem, or ends with it (`PREVIEW_ROLE_ARN` →
    /// `acme-app-preview`).
    fn by_name(&self, key: &str) -> Vec<usize> {
        if key.is_empty() {
            return Vec::new();
        }
        let exact: Vec<usize> = (0..self.roles.len())
            .filter(|i| stem(&self.roles[*i].name) == key)
            .collect();
        if !exact.is_empty() {
            return exact;
        }
        (0..self.roles.len())
            .filter(|i| stem(&self.roles[*i].name).ends_with(key))
            .collect()
    }

    /// Every role of the tree that trusts a GitHub web identity, beyond those already named.
    pub fn add_every_role(&self, targets: &mut Vec<Aim>, by_hand: Option<&StepAt>) {
        for (i, role) in self.roles.iter().enumerate() {
            let named = targets
                .iter()
                .any(|a| matches!(a.target, Target::Tree(j) if j == i));
            if !named && self.trusts_github[i] {
                targets.push(Aim {
                    target: Target::Tree(i),
                    role: role.name.clone(),
                    step_line: by_hand.map(|(line, _)| *line),
                    step_file: by_hand.and_then(|(_, file)| file.clone()),
                    named: false,
                });
            }
        }
    }

    /// The record of `aim` for the job, whose tokens are `tokens` (`None`: it may not request
    /// one).
    pub fn record(&self, base: &Base<'_>, aim: Aim, tokens: Option<&[Rc<Token>]>) -> Record {
        let exposure = base.exposure;
        let Aim {
            target,
            role,
            step_line,
            step_file,
            named,
        } = aim;
        let mut record = Record {
            workflow: base.workflow.path.clone(),
            job: base.job.id.clone(),
            job_line: base.job.line,
            called: base.called.map(str::to_string),
            trigger: base.trigger.event.clone(),
            trigger_line: base.trigger.line,
            role,
            target: target.clone(),
            step_line,
            step_file,
            reachable: false,
            assumed: false,
            untrusted_code: exposure.untrusted_code,
            actor: exposure.actor,
            severity: None,
            power: None,
            exposure: exposure.because.clone(),
            because: String::new(),
            unless: exposure.unless.clone(),
            token: None,
            decisive: None,
        };
        let Some(tokens) = tokens else {
            record.because = "the job is not granted `id-token: write`, so it cannot request a token (GitHub's default grants none)".into();
            return record;
        };
        // Unreviewed code can only request its own token on the refs where it runs; the worst
        // case comes first, so a named role's record shows it.
        let tokens = tokens.iter().filter(|t| named || !t.reviewed);
        match target {
            Target::Tree(i) => self.evaluate(&mut record, i, tokens),
            Target::External(_) | Target::Unresolved(_) => {
                let first = tokens.into_iter().next();
                record.reachable = true;
                record.assumed = true;
                record.untrusted_code &= !first.is_some_and(|t| t.reviewed);
                record.token = first.map(Rc::clone);
                record.because = "assumed reachable: the step assumes this role, and the tree holds no trust policy for it to prove otherwise".into();
            }
        }
        if record.reachable {
            record.severity = Some(severity(
                record.actor,
                record.untrusted_code,
                record.power.as_deref(),
            ));
        }
        record
    }

    fn evaluate<'t>(
        &self,
        record: &mut Record,
        i: usize,
        tokens: impl Iterator<Item = &'t Rc<Token>>,
    ) {
        let role = &self.roles[i];
        record.power = role.power.clone();
        let mut closest: Option<(usize, &Rc<Token>, Rc<Verdict>)> = None;
        for token in tokens {
            let verdict = self.verdict(i, token);
            if let Decision::Allowed { statement } = verdict.decision {
                let st = &verdict.statements[statement];
                record.reachable = true;
                record.untrusted_code &= !token.reviewed;
                record.because = admitted(st, token);
                record.decisive = Some(decisive(role, st, None));
                record.token = Some(Rc::clone(token));
                return;
            }
            let distance = distance(&verdict);
            if closest.as_ref().is_none_or(|(d, _, _)| distance < *d) {
                closest = Some((distance, token, verdict));
            }
        }
        let Some((_, token, verdict)) = closest else {
            record.because = "no token: the trigger runs on no ref the filters admit".into();
            return;
        };
        let (because, decisive) = refused(role, &verdict, token);
        record.because = because;
        record.decisive = decisive;
        record.token = Some(Rc::clone(token));
    }
}

/// The claims a role's conditions test, in lower case (IAM matches key names so), and the
/// issuer, whose provider decides which statements apply.
fn tested_claims(role: &Role) -> Vec<String> {
    let mut keys: Vec<String> = role
        .trust
        .statements
        .iter()
        .flat_map(|s| s.conditions.iter())
        .map(|c| c.key_parts().1.to_ascii_lowercase())
        .collect();
    keys.push("iss".into());
    keys.sort();
    keys.dedup();
    keys
}

/// Whether any statement of the role could admit a GitHub token at all.
fn trusts_github(role: &Role, setting: &Setting) -> bool {
    let claims = crate::claims::Claims::from_pairs([("iss", setting.issuer.as_str())]);
    crate::trust::explain(&role.trust, &claims)
        .statements
        .iter()
        .any(|s| s.scope == Scope::Applies && s.effect == "Allow")
}

/// How far a verdict is from admitting: failed conditions of the closest applicable Allow.
fn distance(verdict: &Verdict) -> usize {
    verdict
        .statements
        .iter()
        .filter(|s| s.scope == Scope::Applies && s.effect == "Allow")
        .map(|s| s.conditions.iter().filter(|c| c.held != Some(true)).count())
        .min()
        .unwrap_or(usize::MAX)
}

fn statement_name(st: &StatementResult) -> String {
    match &st.sid {
        Some(sid) => format!("statement {} (`{sid}`)", st.index + 1),
        None => format!("statement {}", st.index + 1),
    }
}

fn admitted(st: &StatementResult, token: &Token) -> String {
    let conditions: Vec<String> = st
        .conditions
        .iter()
        .map(|c| format!("`{}` {} {}", c.key, c.operator, quoted(&c.values)))
        .collect();
    let what = if conditions.is_empty() {
        "with no condition".to_string()
    } else {
        conditions.join(", ")
    };
    format!("{} admits {}: {what}", statement_name(st), token.how)
}

fn quoted(values: &[String]) -> String {
    values
        .iter()
        .map(|v| format!("`{v}`"))
        .collect::<Vec<_>>()
        .join(" or ")
}

fn refused(role: &Role, verdict: &Verdict, token: &Token) -> (String, Option<Decisive>) {
    if let Decision::ExplicitDeny { statement } = verdict.decision {
        let st = &verdict.statements[statement];
        let text = format!("{} denies {}", statement_name(st), token.how);
        return (text, Some(decisive(role, st, None)));
    }
    let best = verdict
        .statements
        .iter()
        .filter(|s| s.scope == Scope::Applies && s.effect == "Allow")
        .min_by_key(|s| s.conditions.iter().filter(|c| c.held != Some(true)).count());
    let Some(st) = best else {
        return (
            "no statement trusts a GitHub token for `sts:AssumeRoleWithWebIdentity`".into(),
            None,
        );
    };
    let Some(c) = st.conditions.iter().find(|c| c.held != Some(true)) else {
        return (
            format!("{} does not admit {}", statement_name(st), token.how),
            None,
        );
    };
    let has = match &c.actual {
        Some(v) => format!("the token has `{v}`"),
        None => "the token has no such value".to_string(),
    };
    let text = format!(
        "refused by {}: `{}` {} {}; on {} {has}",
        statement_name(st),
        c.key,
        c.operator,
        quoted(&c.values),
        token.how
    );
    (text, Some(decisive(role, st, Some(c.loc.line))))
}

fn decisive(role: &Role, st: &StatementResult, line: Option<usize>) -> Decisive {
    let path = st.loc.file.clone().unwrap_or_else(|| role.path.clone());
    Decisive {
        path,
        line: line.unwrap_or(st.loc.line),
        text: statement_name(st),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_stems() {
        assert_eq!(
            role_name("arn:aws:iam::123456789012:role/ci/deploy"),
            "deploy"
        );
        assert_eq!(role_name("deploy-prod"), "deploy-prod");
        // (variable, role name, same stem)
        let cases = [
            ("DEPLOY_ROLE_ARN", "deploy", true),
            ("AWS_DEPLOY_ROLE", "github-actions-deploy", true),
            ("DEPLOY_ROLE", "deploy-prod", false),
            ("PROD_ROLE", "prod", true),
        ];
        for (var, name, same) in cases {
            assert_eq!(stem(var) == stem(name), same, "{var} ~ {name}");
        }
    }
}
