//! The paths report: human (one chain from trigger to permission per reachable path, then the
//! refusals that prove the negative), JSON (the documented contract: a top-level `paths` list),
//! SARIF with `codeFlows` (workflow step → trust condition → the role's power) and GitHub
//! annotations. Pure. Workflow and policy values are hostile text: shown through
//! [`crate::text::printable`] or escaped for the runner.

use serde_json::{Value, json};

use super::{Analysis, Record, Role, Target};
use crate::text::{escape_data, escape_property, neutralize_legacy, printable};
use crate::trust::checks::ATTACK_PATH;
use crate::trust::finding::Severity;
use crate::trust::power::Power;
use crate::trust::render::sarif::{level, security_severity, uri};
use crate::workflow::actors::Actor;

/// What the report is about, beside the records.
pub struct Context<'a> {
    pub repository: &'a str,
    pub default_branch: &'a str,
    pub sub_template: Option<&'a [String]>,
    pub roles: &'a [Role],
    pub min_severity: Severity,
    /// Show every refused record, not only those of roles a step names.
    pub all: bool,
}

/// The actor as JSON names it.
pub fn actor_key(actor: Actor) -> &'static str {
    match actor {
        Actor::AnyAccount => "any-account",
        Actor::Commenter => "commenter",
        Actor::WriteAccess => "write-access",
        Actor::Protected => "protected",
    }
}

/// Whether a record is shown as a path (reachable, at or above the threshold).
pub fn shown(r: &Record, min: Severity) -> bool {
    r.reachable && r.severity.is_some_and(|s| s >= min)
}

fn power_line(r: &Record) -> String {
    match &r.power {
        Some(p) => p.summary(),
        None if r.assumed => "unknown: the tree does not define this role".into(),
        None => "unknown: the form says nothing about the role's permissions".into(),
    }
}

fn role_at(r: &Record, roles: &[Role]) -> String {
    match &r.target {
        Target::Tree(i) => format!("{}:{}", roles[*i].path, roles[*i].line),
        Target::External(_) => "not in the tree".into(),
        Target::Unresolved(_) => "not resolved".into(),
    }
}

/// The file the job's steps are written in (the called workflow, for a reusable one's job).
fn step_file(r: &Record) -> &str {
    r.step_file
        .as_deref()
        .or(r.called.as_deref())
        .unwrap_or(&r.workflow)
}

fn job_name(r: &Record) -> String {
    match &r.called {
        Some(called) => format!("job {} of {called}", printable(&r.job)),
        None => format!("job {}", printable(&r.job)),
    }
}

/// Human output.
pub fn human(analysis: &Analysis, cx: &Context<'_>) -> String {
    let mut out = String::new();
    let mut paths: Vec<&Record> = analysis
        .records
        .iter()
        .filter(|r| shown(r, cx.min_severity))
        .collect();
    paths.sort_by_key(|r| std::cmp::Reverse(r.severity));
    for r in &paths {
        out.push_str(&chain(r, cx.roles));
        out.push('\n');
    }
    let refused: Vec<&Record> = analysis
        .records
        .iter()
        .filter(|r| !r.reachable && (cx.all || r.step_line.is_some()))
        .collect();
    if !refused.is_empty() {
        out.push_str("cannot become (proven for every token the trigger gives):\n");
        for r in &refused {
            out.push_str(&format!(
                "  {} {} on {} ✗ {}: {}\n",
                r.workflow,
                job_name(r),
                r.trigger,
                printable(&r.role),
                r.because
            ));
        }
        out.push('\n');
    }
    let reachable = analysis.records.iter().filter(|r| r.reachable).count();
    let hidden = analysis.records.iter().filter(|r| !r.reachable).count() - refused.len();
    out.push_str(&format!(
        "{} path{} shown; {} workflow{}, {} job{}, {} role{} read for {}; {reachable} reachable, {} refused",
        paths.len(),
        plural(paths.len()),
        analysis.workflows,
        plural(analysis.workflows),
        analysis.jobs,
        plural(analysis.jobs),
        cx.roles.len(),
        plural(cx.roles.len()),
        cx.repository,
        analysis.records.len() - reachable,
    ));
    if hidden > 0 {
        out.push_str(&format!(" ({hidden} not listed: `--all` lists them)"));
    }
    out.push('\n');
    for note in &analysis.notes {
        out.push_str(&format!("note: {note}\n"));
    }
    out
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// One path as a chain from the trigger to the permission.
fn chain(r: &Record, roles: &[Role]) -> String {
    let severity = r.severity.map_or("-", Severity::as_str);
    let mut out = format!(
        "{severity}: {} → {} → {} {} → role {}\n",
        r.actor.name(),
        r.trigger,
        r.workflow,
        job_name(r),
        printable(&r.role)
    );
    let code = if r.untrusted_code {
        "unreviewed code"
    } else {
        "reviewed code"
    };
    out.push_str(&format!(
        "  trigger  {}:{}  {}\n",
        r.workflow, r.trigger_line, r.trigger
    ));
    out.push_str(&format!("  code     {code}: {}\n", r.exposure));
    match r.step_line {
        Some(line) => out.push_str(&format!("  step     {}:{line}\n", step_file(r))),
        None => out.push_str("  step     none needed: the job holds `id-token: write` and runs code that can request a token\n"),
    }
    if let Some(t) = &r.token {
        out.push_str(&format!(
            "  token    sub={}  ({})\n",
            printable(t.claims.get("sub").unwrap_or("")),
            t.how
        ));
    }
    let at = r
        .decisive
        .as_ref()
        .map_or_else(|| role_at(r, roles), |d| format!("{}:{}", d.path, d.line));
    out.push_str(&format!("  trust    {at}  {}\n", r.because));
    out.push_str(&format!(
        "  power    {}  ({})\n",
        power_line(r),
        role_at(r, roles)
    ));
    if let Some(unless) = &r.unless {
        out.push_str(&format!("  unless   {unless}\n"));
    }
    out
}

#[derive(serde::Serialize)]
struct TokenOut<'a> {
    environment: Option<&'a str>,
    event_name: Option<&'a str>,
    how: &'a str,
    job_workflow_ref: Option<&'a str>,
    #[serde(rename = "ref")]
    git_ref: Option<&'a str>,
    sub: Option<&'a str>,
}

#[derive(serde::Serialize)]
struct DecisiveOut<'a> {
    file: &'a str,
    line: usize,
    text: &'a str,
}

/// A role's power as JSON says it, worked out once per role (records share it).
#[derive(serde::Serialize)]
struct PowerOut {
    complete: bool,
    level: &'static str,
    summary: String,
    #[serde(skip)]
    permissions: Vec<String>,
}

impl PowerOut {
    fn of(p: &Power) -> PowerOut {
        PowerOut {
            complete: p.complete(),
            level: p.level().key(),
            summary: p.summary(),
            permissions: p.permissions(),
        }
    }
}

/// One record of the JSON contract; fields in name order, as the contract lists them.
#[derive(serde::Serialize)]
struct RecordOut<'a> {
    actor: &'static str,
    actor_text: &'static str,
    assumed: bool,
    because: &'a str,
    called_workflow: Option<&'a str>,
    decisive: Option<DecisiveOut<'a>>,
    exposure: &'a str,
    job: &'a str,
    job_line: usize,
    permissions: &'a [String],
    power: Option<&'a PowerOut>,
    reachable: bool,
    role: &'a str,
    role_file: Option<&'a str>,
    role_line: Option<usize>,
    role_resource: Option<&'a str>,
    severity: Option<&'static str>,
    step_file: &'a str,
    step_line: Option<usize>,
    token: Option<TokenOut<'a>>,
    trigger: &'a str,
    trigger_line: usize,
    unless: Option<&'a str>,
    untrusted_code: bool,
    workflow: &'a str,
}

fn record_out<'a>(
    r: &'a Record,
    roles: &'a [Role],
    powers: &'a [Option<PowerOut>],
) -> RecordOut<'a> {
    let (role, power) = match &r.target {
        Target::Tree(i) => (Some(&roles[*i]), powers[*i].as_ref()),
        _ => (None, None),
    };
    RecordOut {
        actor: actor_key(r.actor),
        actor_text: r.actor.name(),
        assumed: r.assumed,
        because: &r.because,
        called_workflow: r.called.as_deref(),
        decisive: r.decisive.as_ref().map(|d| DecisiveOut {
            file: &d.path,
            line: d.line,
            text: &d.text,
        }),
        exposure: &r.exposure,
        job: &r.job,
        job_line: r.job_line,
        permissions: power.map_or(&[][..], |p| p.permissions.as_slice()),
        power,
        reachable: r.reachable,
        role: &r.role,
        role_file: role.map(|x| x.path.as_str()),
        role_line: role.map(|x| x.line),
        role_resource: role.map(|x| x.resource.as_str()),
        severity: r.severity.map(Severity::as_str),
        step_file: step_file(r),
        step_line: r.step_line,
        token: r.token.as_deref().map(|t| TokenOut {
            environment: t.claims.get("environment"),
            event_name: t.claims.get("event_name"),
            how: &t.how,
            job_workflow_ref: t.claims.get("job_workflow_ref"),
            git_ref: t.claims.get("ref"),
            sub: t.claims.get("sub"),
        }),
        trigger: &r.trigger,
        trigger_line: r.trigger_line,
        unless: r.unless.as_deref(),
        untrusted_code: r.untrusted_code,
        workflow: &r.workflow,
    }
}

/// The records, serialised one at a time (a large tree has tens of thousands), each role's
/// power worked out once.
struct Records<'a>(&'a [Record], &'a [Role]);

impl serde::Serialize for Records<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let powers: Vec<Option<PowerOut>> = self
            .1
            .iter()
            .map(|r| r.power.as_deref().map(PowerOut::of))
            .collect();
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for r in self.0 {
            seq.serialize_element(&record_out(r, self.1, &powers))?;
        }
        seq.end()
    }
}

#[derive(serde::Serialize)]
struct Report<'a> {
    version: u32,
    repository: &'a str,
    default_branch: &'a str,
    sub_template: Option<&'a [String]>,
    summary: Value,
    paths: Records<'a>,
    notes: &'a [String],
}

/// JSON output: the contract in docs/paths.md.
pub fn json(
    analysis: &Analysis,
    cx: &Context<'_>,
    worst: Option<Severity>,
    exit_code: u8,
) -> String {
    let reachable = analysis.records.iter().filter(|r| r.reachable).count();
    let report = Report {
        version: 1,
        repository: cx.repository,
        default_branch: cx.default_branch,
        sub_template: cx.sub_template,
        summary: json!({
            "workflows": analysis.workflows,
            "jobs": analysis.jobs,
            "roles": cx.roles.len(),
            "records": analysis.records.len(),
            "reachable": reachable,
            "worst": worst.map(Severity::as_str),
            "exit_code": exit_code,
        }),
        paths: Records(&analysis.records, cx.roles),
        notes: &analysis.notes,
    };
    let mut text = serde_json::to_string_pretty(&report).unwrap_or_default();
    text.push('\n');
    text
}

/// One annotation per reachable path at or above the threshold, on the workflow's trigger.
pub fn github(analysis: &Analysis, cx: &Context<'_>) -> String {
    let mut out = String::new();
    for r in analysis
        .records
        .iter()
        .filter(|r| shown(r, cx.min_severity))
    {
        let severity = r.severity.unwrap_or(Severity::Low);
        let command = match severity {
            Severity::Critical | Severity::High => "error",
            Severity::Medium => "warning",
            Severity::Low => "notice",
        };
        let title = format!("attack path to {} ({})", r.role, severity.as_str());
        let message = format!(
            "{} can start {} on {} and become {}: {}\nwhose code: {}\npower: {}",
            r.actor.name(),
            job_name(r),
            r.trigger,
            r.role,
            r.because,
            r.exposure,
            power_line(r)
        );
        out.push_str(&format!(
            "::{command} file={},line={},title={}::{}\n",
            neutralize_legacy(&escape_property(step_file(r))),
            r.step_line.unwrap_or(r.job_line),
            neutralize_legacy(&escape_property(&title)),
            neutralize_legacy(&escape_data(&message))
        ));
    }
    out
}

fn flow_step(file: &str, line: usize, text: String) -> Value {
    json!({"location": {
        "physicalLocation": {"artifactLocation": {"uri": uri(file)}, "region": {"startLine": line.max(1)}},
        "message": {"text": text},
    }})
}

/// SARIF 2.1.0, one result per reachable path with a `codeFlows` thread from the workflow step
/// to the trust condition to the role's power.
pub fn sarif(analysis: &Analysis, cx: &Context<'_>) -> String {
    let results: Vec<Value> = analysis
        .records
        .iter()
        .filter(|r| shown(r, cx.min_severity))
        .map(|r| {
            let severity = r.severity.unwrap_or(Severity::Low);
            let line = r.step_line.unwrap_or(r.job_line);
            let mut flow = vec![
                flow_step(&r.workflow, r.trigger_line, format!("{} starts it: {}", r.trigger, r.exposure)),
                flow_step(step_file(r), line, format!("{} requests a token for {}", job_name(r), r.role)),
            ];
            if let Some(d) = &r.decisive {
                flow.push(flow_step(&d.path, d.line, r.because.clone()));
            }
            if let Target::Tree(i) = &r.target {
                flow.push(flow_step(&cx.roles[*i].path, cx.roles[*i].line, format!("power: {}", power_line(r))));
            }
            json!({
                "ruleId": ATTACK_PATH.id,
                "ruleIndex": 0,
                "level": level(severity),
                "message": {"text": format!("{} can become {} through {} on {}: {}", r.actor.name(), r.role, job_name(r), r.trigger, r.because)},
                "locations": [{"physicalLocation": {"artifactLocation": {"uri": uri(step_file(r))}, "region": {"startLine": line.max(1)}}}],
                "codeFlows": [{"threadFlows": [{"locations": flow}]}],
                "properties": {"severity": severity.as_str(), "security-severity": security_severity(severity), "actor": actor_key(r.actor)},
            })
        })
        .collect();
    let log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "oidc-assume",
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "rules": [{
                    "id": ATTACK_PATH.id,
                    "name": ATTACK_PATH.name,
                    "shortDescription": {"text": ATTACK_PATH.title},
                    "fullDescription": {"text": ATTACK_PATH.why},
                    "help": {"text": format!("{}\n\nfix: {}", ATTACK_PATH.why, ATTACK_PATH.fix), "markdown": format!("{}\n\n**Fix:** {}", ATTACK_PATH.why, ATTACK_PATH.fix)},
                    "defaultConfiguration": {"level": "error"},
                    "properties": {"tags": ["security"], "security-severity": "9.5", "precision": "high"},
                }],
            }},
            "results": results,
        }],
    });
    let mut text = serde_json::to_string_pretty(&log).unwrap_or_default();
    text.push('\n');
    text
}
