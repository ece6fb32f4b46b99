//! Terraform modules read as Terraform evaluates them (issue #18): local modules followed with
//! the caller's arguments (examples/audit-terraform/modules), registry modules modelled by
//! version and read through `.terraform/modules/modules.json` (examples/audit-terraform/registry).
//! Each snapshot lists every role read (its address, the call's line, its form and power) and
//! every finding (`ID severity file:line`), compact, so a change in any verdict shows.

use std::path::Path;

use crate::common::*;

fn dir(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples/audit-terraform")
        .join(name)
        .to_str()
        .unwrap()
        .to_string()
}

/// The roles and findings of `audit DIR --format json`, paths relative to the examples.
async fn compact(name: &str, code: i32) -> String {
    let root = dir(name);
    let out = Run::bare()
        .args(&["audit", &root, "--format", "json"])
        .run()
        .await;
    out.assert_code(code);
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let rel = |p: &str| p.replace(&format!("{root}/"), "");
    let mut lines = vec!["roles:".to_string()];
    for d in json["documents"].as_array().unwrap() {
        lines.push(format!(
            "  {}:{}  {}  ({})  power: {}",
            rel(d["path"].as_str().unwrap()),
            d["line"],
            rel(d["resource"].as_str().unwrap()),
            d["form"].as_str().unwrap(),
            d["power"]["summary"].as_str().unwrap_or("-"),
        ));
    }
    lines.push("findings:".into());
    for f in json["findings"].as_array().unwrap() {
        lines.push(format!(
            "  {} {} {}:{}  {}",
            f["id"].as_str().unwrap(),
            f["severity"].as_str().unwrap(),
            rel(f["path"].as_str().unwrap()),
            f["line"],
            f["snippet"].as_str().unwrap(),
        ));
    }
    lines.join("\n")
}

#[tokio::test(flavor = "multi_thread")]
async fn local_modules_are_followed_with_the_callers_arguments() {
    // The misreads, fixed: the exact production subject passed to the module gives no
    // finding (it was critical), the pull-request role holding AdministratorAccess through the
    // module is high (it was low); the module directory is not reported a second time alone.
    insta::assert_snapshot!("local_modules", compact("modules", 12).await);
}

#[tokio::test(flavor = "multi_thread")]
async fn registry_modules_are_read_by_version_or_from_modules_json() {
    insta::assert_snapshot!("registry_modules", compact("registry", 13).await);
}

#[tokio::test(flavor = "multi_thread")]
async fn terraform_json_syntax_is_read_like_the_native_syntax() {
    // A cdktf-style `cdk.tf.json` and a `terraform.tfvars.json` that widens the CI role to pull
    // requests: the finding is at the tfvars line; the policy document used by the role is not
    // reported again on its own.
    insta::assert_snapshot!("json_syntax", compact("json-syntax", 12).await);
}
