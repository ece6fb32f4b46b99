//! Fuzz target: any text, read as each form a trust policy comes in (IAM JSON, CloudFormation
//! YAML and JSON, Terraform, `terraform show -json`), is read or refused and the documents
//! read are audited and rendered, without a panic or a hang. The first byte picks the form.
//! No I/O (templates are not read).
#![no_main]

use libfuzzer_sys::fuzz_target;
use oidc_assume::trust::forms::{self, NoFiles, hcl};
use oidc_assume::trust::{audit_found, render};

fuzz_target!(|data: &[u8]| {
    let Some((&form, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let path = match form % 4 {
        0 => "policy.json",
        1 => "stack.yaml",
        2 => "main.tf",
        _ => "cdk.out/App.template.json",
    };
    let read = if path.ends_with(".tf") {
        hcl::read_module(&[(path.to_string(), text.to_string())], &NoFiles)
    } else {
        forms::read_text(path, text)
    };
    if let Ok(read) = read {
        let (findings, _documents) = audit_found(path, text, &read);
        let _ = render::human(&findings);
        let _ = render::github(&findings);
    }
});
