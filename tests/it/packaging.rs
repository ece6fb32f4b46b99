//! The packaging contract: action.yml, native/action.yml and the README's table of inputs are
//! written from the input table (`UPDATE_INPUT_DOCS=1 cargo test --test it packaging` rewrites
//! them), the image runs the binary without a shell, and the README documents the exit codes the
//! binary returns. I/O: reads the repository's files, and writes them only in that update mode.

use std::path::Path;

use oidc_assume::error::*;
use oidc_assume::inputs::INPUTS;

fn read(name: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(name)).unwrap()
}

/// `(name, description, required, default)` of each input in action.yml (a line-based reader
/// for the file's fixed layout; the schema check in .ci/run validates it as YAML).
fn action_inputs(yml: &str) -> Vec<(String, String, bool, Option<String>)> {
    let mut inputs = Vec::new();
    let mut in_inputs = false;
    for line in yml.lines() {
        if !line.starts_with(' ') {
            in_inputs = line == "inputs:";
            continue;
        }
        if !in_inputs {
            continue;
        }
        if let Some(name) = line.strip_prefix("  ").and_then(|l| l.strip_suffix(':'))
            && !name.starts_with(' ')
        {
            inputs.push((name.to_string(), String::new(), false, None));
        } else if let Some((key, value)) = line.trim().split_once(": ") {
            let last = inputs.last_mut().expect("property before input");
            let text = || serde_json::from_str::<String>(value).expect("quoted YAML string");
            match key {
                "description" => last.1 = text(),
                "required" => last.2 = value == "true",
                "default" => last.3 = Some(text()),
                other => panic!("unexpected input property {other}"),
            }
        }
    }
    inputs
}

/// Inputs of action.yml the binary does not read as inputs: their defaults are runner
/// expressions (`runs.args` may only use the inputs context) that action.yml passes on as
/// arguments, untranslated (docs/container.md). `(name, description, default)`.
const RUNNER_SIDE: [(&str, &str, &str); 2] = [
    (
        "runner-temp",
        "Internal, leave unset: the runner's temp directory on its host, passed to the container untranslated so it can name profile files for later steps (docs/container.md)",
        "${{ runner.temp }}",
    ),
    (
        "job-container",
        "Internal, leave unset: the job container's id, empty when the job has none (docs/container.md)",
        "${{ job.container.id }}",
    ),
];

/// action.yml's inputs without the runner-side ones, which must be there as [`RUNNER_SIDE`] says.
fn action_yml_inputs() -> Vec<(String, String, bool, Option<String>)> {
    let yml = read("action.yml");
    let mut inputs = action_inputs(&yml);
    for (name, _, default) in RUNNER_SIDE {
        let at = inputs
            .iter()
            .position(|i| i.0 == name)
            .unwrap_or_else(|| panic!("{name}"));
        assert_eq!(inputs.remove(at).3.as_deref(), Some(default), "{name}");
        assert!(
            yml.contains(&format!("\"--{name}=${{{{ inputs.{name} }}}}\"")),
            "{name}"
        );
    }
    inputs
}

/// The command that rewrites every file generated from the input table.
const UPDATE: &str = "UPDATE_INPUT_DOCS=1 cargo test --test it packaging";

/// Holds the part of file `name` generated from the input table (`current`) to `expected`.
/// With `UPDATE_INPUT_DOCS=1` it rewrites that part instead; otherwise a difference fails with
/// the lines to change and the command that changes them.
fn generated(name: &str, current: &str, expected: &str) {
    if current == expected {
        return;
    }
    if std::env::var_os("UPDATE_INPUT_DOCS").is_some() {
        // Whole or not at all (a rename): the other tests of this run read these files too,
        // and may fail once on the old text; the next run checks the new one.
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(name);
        let fresh = path.with_extension("update-input-docs");
        std::fs::write(&fresh, read(name).replacen(current, expected, 1)).unwrap();
        std::fs::rename(&fresh, &path).unwrap();
        return;
    }
    let (have, want): (Vec<&str>, Vec<&str>) =
        (current.lines().collect(), expected.lines().collect());
    let mut diff = String::new();
    for line in &have {
        if !want.contains(line) {
            diff.push_str(&format!("- {line}\n"));
        }
    }
    for line in &want {
        if !have.contains(line) {
            diff.push_str(&format!("+ {line}\n"));
        }
    }
    if diff.is_empty() {
        diff = "(the same lines in another order)\n".into();
    }
    panic!(
        "{name} does not match src/inputs/table.rs; run `{UPDATE}` to rewrite it, then commit it. \
         The lines that change (- now, + then):\n{diff}"
    );
}

/// The `inputs:` block of an action file, written from the input table (the container
/// action's runner-side inputs last).
fn inputs_block(runner_side: bool) -> String {
    let quoted = |s: &str| serde_json::to_string(s).unwrap();
    let mut text = String::from("inputs:\n");
    let mut entry = |name: &str, help: &str, default: Option<&str>| {
        text.push_str(&format!(
            "  {name}:\n    description: {}\n    required: false\n",
            quoted(help)
        ));
        if let Some(default) = default {
            text.push_str(&format!("    default: {}\n", quoted(default)));
        }
    };
    for input in INPUTS {
        entry(input.name, input.help, input.default);
    }
    if runner_side {
        for (name, help, default) in RUNNER_SIDE {
            entry(name, help, Some(default));
        }
    }
    text
}

#[test]
fn action_files_are_written_from_the_input_table() {
    generated(
        "action.yml",
        block(&read("action.yml"), "inputs"),
        &inputs_block(true),
    );
    generated(
        "native/action.yml",
        block(&read("native/action.yml"), "inputs"),
        &inputs_block(false),
    );
}

/// The README's table of every input, between these two lines.
const README_BEGIN: &str = "<!-- every input: written from src/inputs/table.rs by `UPDATE_INPUT_DOCS=1 cargo test --test it packaging` -->\n";
const README_END: &str = "<!-- end of every input -->\n";

/// The README's table of every input, written from the input table; the inputs
/// configure-aws-credentials does not have are marked **new**.
fn readme_table() -> String {
    let cell = |s: &str| s.replace('|', "\\|");
    let mut text = format!("{README_BEGIN}| input | default | what it does |\n|---|---|---|\n");
    for input in INPUTS {
        let default = input.default.map(|d| format!("`{d}`")).unwrap_or_default();
        let new = if CAC_INPUTS.contains(&input.name) {
            ""
        } else {
            "**new** "
        };
        text.push_str(&format!(
            "| `{}` | {default} | {new}{} |\n",
            input.name,
            cell(input.help)
        ));
    }
    text.push_str(README_END);
    text
}

#[test]
fn readme_lists_every_input_from_the_input_table() {
    let readme = read("README.md");
    let current = match (readme.find(README_BEGIN), readme.find(README_END)) {
        (Some(begin), Some(end)) if begin < end => &readme[begin..end + README_END.len()],
        _ => panic!(
            "README.md has no table of every input: put the lines\n{README_BEGIN}{README_END}where it goes, then run `{UPDATE}`"
        ),
    };
    generated("README.md", current, &readme_table());
}

#[test]
fn action_yml_declares_exactly_the_inputs_the_binary_reads() {
    let declared = action_yml_inputs();
    let expected: Vec<(String, String, bool, Option<String>)> = INPUTS
        .iter()
        .map(|i| {
            (
                i.name.to_string(),
                i.help.to_string(),
                false,
                i.default.map(str::to_string),
            )
        })
        .collect();
    assert_eq!(declared, expected);
}

#[test]
fn action_yml_declares_the_outputs_we_write() {
    let yml = read("action.yml");
    for output in [
        "aws-account-id",
        "authenticated-arn",
        "aws-expiration",
        "aws-access-key-id",
        "aws-secret-access-key",
        "aws-session-token",
    ] {
        assert!(yml.contains(&format!("\n  {output}:\n")), "{output}");
    }
    assert!(yml.contains("\nruns:\n  using: docker\n"));
}

#[test]
fn image_execs_the_binary_without_a_shell() {
    let dockerfile = read("Dockerfile");
    let entrypoints: Vec<&str> = dockerfile
        .lines()
        .filter(|l| l.starts_with("ENTRYPOINT"))
        .collect();
    // Exec form: dash would drop INPUT_ROLE-TO-ASSUME and every other hyphenated input.
    assert_eq!(entrypoints, [r#"ENTRYPOINT ["/oidc-assume"]"#]);
    assert!(dockerfile.contains("\nFROM scratch\n"));
    assert!(!dockerfile.contains("\nSHELL"));
}

#[test]
fn readme_documents_the_exit_codes() {
    let readme = read("README.md");
    for (code, word) in [
        (EXIT_OK, "success"),
        (EXIT_FAILURE, "anything else"),
        (EXIT_CONFIG, "bad input"),
        (EXIT_DENIED, "denied by the claim policy"),
        (EXIT_TOKEN, "OIDC token"),
        (EXIT_STS, "STS"),
    ] {
        let row = readme
            .lines()
            .find(|l| l.starts_with(&format!("| {code} |")))
            .unwrap_or_else(|| panic!("README has no row for exit code {code}"));
        assert!(row.contains(word), "{row}");
    }
}

#[test]
fn ci_runs_the_readme_test_command() {
    let readme = read("README.md");
    let ci = read(".ci/run");
    assert!(readme.contains("scripts/test.sh"));
    assert!(ci.lines().any(|l| l.trim() == "scripts/test.sh"), "{ci}");
}

#[test]
fn policy_schema_knows_exactly_the_claims_the_compiler_knows() {
    use oidc_assume::claims::{KNOWN_CLAIMS, TIME_CLAIMS};
    let schema: serde_json::Value =
        serde_json::from_str(&read("schema/oidc-assume.schema.json")).unwrap();
    let rule = &schema["$defs"]["rule"]["properties"];
    let mut in_schema: Vec<&str> = rule
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    in_schema.sort_unstable();
    let mut expected: Vec<&str> = KNOWN_CLAIMS
        .iter()
        .copied()
        .filter(|c| !TIME_CLAIMS.contains(c))
        .chain(["name", "roles"])
        .collect();
    expected.sort_unstable();
    assert_eq!(in_schema, expected);
}

/// Every input of aws-actions/configure-aws-credentials (v4/v5 action.yml), so a workflow
/// switches by changing its `uses:` line.
const CAC_INPUTS: &[&str] = &[
    "aws-region",
    "role-to-assume",
    "audience",
    "role-session-name",
    "role-duration-seconds",
    "role-external-id",
    "role-chaining",
    "role-skip-session-tagging",
    "transitive-tag-keys",
    "custom-tags",
    "inline-session-policy",
    "managed-session-policies",
    "web-identity-token-file",
    "aws-access-key-id",
    "aws-secret-access-key",
    "aws-session-token",
    "aws-profile",
    "overwrite-aws-profile",
    "output-credentials",
    "output-env-credentials",
    "unset-current-credentials",
    "mask-aws-account-id",
    "allowed-account-ids",
    "http-proxy",
    "no-proxy",
    "retry-max-attempts",
    "disable-retry",
    "use-existing-credentials",
    "force-skip-oidc",
    "action-timeout-s",
    "sts-endpoint",
    "special-characters-workaround",
];

#[test]
fn every_configure_aws_credentials_input_is_accepted_and_documented() {
    let readme = read("README.md");
    let table: Vec<&str> = readme
        .lines()
        .skip_while(|l| !l.starts_with("## Every configure-aws-credentials input"))
        .take_while(|l| !l.starts_with("### "))
        .filter(|l| l.starts_with("| `"))
        .collect();
    for name in CAC_INPUTS {
        assert!(
            INPUTS.iter().any(|i| i.name == *name),
            "{name} is not an input"
        );
        assert!(
            table.iter().any(|row| row
                .split(" | ")
                .next()
                .is_some_and(|cell| cell.contains(&format!("`{name}`")))),
            "README's configure-aws-credentials table has no row for {name}"
        );
    }
}

/// The YAML block of a top-level key (`outputs:` up to the next top-level line).
fn block<'a>(yml: &'a str, key: &str) -> &'a str {
    let start = yml
        .find(&format!("\n{key}:\n"))
        .unwrap_or_else(|| panic!("no {key}:"))
        + 1;
    let rest = &yml[start..];
    // It ends before the next line that starts in column 0 (or at the end of the file).
    let end = rest
        .match_indices('\n')
        .map(|(i, _)| i + 1)
        .find(|&i| i < rest.len() && !rest[i..].starts_with(' '))
        .unwrap_or(rest.len());
    &rest[..end]
}

#[test]
fn native_action_mirrors_action_yml() {
    let (action, native) = (read("action.yml"), read("native/action.yml"));
    // The runner-side inputs are the container's: a native step sees the host's paths itself.
    assert_eq!(action_inputs(&native), action_yml_inputs());
    assert_eq!(block(&native, "outputs"), block(&action, "outputs"));
    assert!(block(&native, "outputs").contains("  aws-session-token:\n"));
    // A JavaScript action on the runner's own node, with a post step for the cleanup.
    let runs = block(&native, "runs");
    for line in [
        "  using: node24\n",
        "  main: main.js\n",
        "  post: post.js\n",
    ] {
        assert!(runs.contains(line), "{runs}");
    }
    // The binary is spawned directly: a shell would drop INPUT_ROLE-TO-ASSUME and the other
    // hyphenated names (dash), or interpret them.
    let main = read("native/main.js");
    assert!(main.contains("spawn(bin, [], { stdio: 'inherit', env: process.env"));
    assert!(
        !main.contains("shell: true") && !main.contains("exec(") && !main.contains("execSync(")
    );
    // Nothing to install: only Node's own modules are required.
    for file in ["native/main.js", "native/post.js", "native/release.js"] {
        let text = read(file);
        for (at, _) in text.match_indices("require(") {
            let arg = &text[at + "require(".len()..];
            assert!(
                [
                    "'fs'",
                    "'path'",
                    "'crypto'",
                    "'child_process'",
                    "'os'",
                    "'./main.js'",
                    "path.join(dir, 'release.js')"
                ]
                .iter()
                .any(|ok| arg.starts_with(ok)),
                "{file} requires something outside Node's standard library: {}",
                &arg[..arg.find(')').unwrap_or(arg.len())]
            );
        }
    }
}

#[test]
fn release_builds_and_pins_every_platform_the_native_action_knows() {
    let (main, release) = (
        read("native/main.js"),
        read(".github/workflows/release.yml"),
    );
    let targets: Vec<&str> = main
        .split("target: '")
        .skip(1)
        .map(|rest| &rest[..rest.find('\'').unwrap()])
        .collect();
    assert_eq!(targets.len(), 5, "{targets:?}");
    let pin_step = &release[release
        .find("Pin the native action's binaries")
        .expect("pin step")..];
    for target in targets {
        assert!(
            release.contains(&format!("target: {target}\n")),
            "release.yml builds no {target}"
        );
        assert!(pin_step.contains(target), "release.yml pins no {target}");
    }
    // And the unreleased file on main pins nothing, so only a release commit downloads.
    assert!(read("native/release.js").contains("version: 'unreleased'"));
}

/// Size budget of the static release binary: 7.8 MB measured (2026-11, x86_64, static glibc,
/// opt-level "z", LTO, stripped, Mozilla's roots compiled in), then about 10.1 MB (2026-12) with
/// the tree-sitter TypeScript and Python grammars the audit reads CDK and Pulumi source with
/// (+2.0 MB of parse tables, chosen in #18 over oxc/ruff, which need Rust 1.97). It is what every
/// job pulls, so 11 MiB leaves ~10% for growth and still trips on a dependency that drags in a
/// second TLS or HTTP stack (the SDK crates' default features alone add ~4 MB).
const SIZE_BUDGET: u64 = 11 * 1024 * 1024;

/// Whether an ELF file asks for a program interpreter (a dynamic loader): PT_INTERP in its
/// program headers. A static(-pie) binary has none and runs in an empty image.
fn has_interpreter(elf: &[u8]) -> bool {
    assert_eq!(&elf[..4], b"\x7fELF", "not an ELF file");
    assert_eq!(elf[4], 2, "not a 64-bit ELF file");
    let u16_at = |o: usize| u16::from_le_bytes([elf[o], elf[o + 1]]) as usize;
    let phoff = u64::from_le_bytes(elf[0x20..0x28].try_into().unwrap()) as usize;
    let (phentsize, phnum) = (u16_at(0x36), u16_at(0x38));
    (0..phnum).any(|i| {
        let at = phoff + i * phentsize;
        u32::from_le_bytes(elf[at..at + 4].try_into().unwrap()) == 3 // PT_INTERP
    })
}

#[test]
fn release_binary_is_static_and_within_its_size_budget() {
    // `.ci/run` builds it (with the Dockerfile's flags) before the tests and sets this variable,
    // so CI cannot skip the check; a plain `cargo test` checks it only when it was built.
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("target/x86_64-unknown-linux-gnu/release/oidc-assume");
    if !path.exists() {
        assert!(
            std::env::var_os("OIDC_ASSUME_REQUIRE_RELEASE").is_none(),
            "{} is missing: .ci/run builds it first",
            path.display()
        );
        return;
    }
    let elf = std::fs::read(&path).unwrap();
    assert!(
        !has_interpreter(&elf),
        "{} is dynamically linked: build it with RUSTFLAGS=\"-C target-feature=+crt-static\"",
        path.display()
    );
    assert!(
        (elf.len() as u64) <= SIZE_BUDGET,
        "{} is {} bytes, over the {SIZE_BUDGET}-byte budget",
        path.display(),
        elf.len()
    );
    // The check itself can fail: a dynamically linked executable has an interpreter.
    let dynamic = std::fs::read("/bin/sh").unwrap();
    assert!(has_interpreter(&dynamic));
}
