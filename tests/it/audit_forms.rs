//! The same trust policies in every form (examples/audit): JSON, Terraform
//! (`aws_iam_policy_document`, `jsonencode`, heredoc, `templatefile`), `terraform show -json`,
//! CloudFormation YAML and JSON, CDK output, CDK and Pulumi source in TypeScript and Python,
//! and a Serverless service. Each form gets the same findings, each finding at
//! a line that holds the offending value, and the summary lists every document (issue #13).

use std::collections::BTreeMap;
use std::path::Path;

use crate::common::*;

fn example_dir() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples/audit")
        .to_str()
        .unwrap()
        .to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn every_form_gets_the_same_verdict_at_its_source_line() {
    let root = example_dir();
    let out = Run::bare()
        .args(&["audit", &root, "--format", "json"])
        .run()
        .await;
    out.assert_code(12);
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let form_of = |path: &str| -> String {
        let rel = path.strip_prefix(&format!("{root}/")).unwrap_or(path);
        // terraform/templatefile/templates/… belongs to the templatefile form.
        let mut parts = rel.split('/');
        match parts.next().unwrap() {
            "terraform" => format!("terraform/{}", parts.next().unwrap()),
            other => other.to_string(),
        }
    };
    // Documents: three per form.
    let mut documents: BTreeMap<String, usize> = BTreeMap::new();
    for d in json["documents"].as_array().unwrap() {
        *documents
            .entry(form_of(d["path"].as_str().unwrap()))
            .or_default() += 1;
    }
    let forms = [
        "cdk-python",
        "cdk-typescript",
        "cdk.out",
        "cloudformation",
        "json",
        "pulumi-python",
        "pulumi-typescript",
        "serverless",
        "terraform-plan",
        "terraform/heredoc",
        "terraform/jsonencode",
        "terraform/module",
        "terraform/policy-document",
        "terraform/templatefile",
        "terraform/tf-json",
    ];
    let want: BTreeMap<String, usize> = forms
        .iter()
        .map(|f| (f.to_string(), if *f == "cloudformation" { 6 } else { 3 }))
        .collect();
    assert_eq!(documents, want, "{}", out.stdout);
    // Findings: the same ids and severities in every form.
    let mut verdicts: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for f in json["findings"].as_array().unwrap() {
        let path = f["path"].as_str().unwrap();
        let id = f["id"].as_str().unwrap();
        verdicts
            .entry(form_of(path))
            .or_default()
            .push(format!("{id} {}", f["severity"].as_str().unwrap()));
        // At the line where the offending value is written (a plan holds each document as one
        // JSON string: its line, with the snippet cut to 160 characters).
        let snippet = f["snippet"].as_str().unwrap();
        if id == "OA102" && form_of(path) != "terraform-plan" {
            assert!(snippet.contains("repo:octo-org"), "{path}: {snippet}");
        }
    }
    let expected = [
        "OA102 high",
        "OA102 high",
        "OA102 high",
        "OA109 low",
        "OA109 low",
    ];
    for (form, mut got) in verdicts {
        got.sort();
        let mut want: Vec<String> = expected.iter().map(|s| s.to_string()).collect();
        if form == "cloudformation" {
            want.extend(expected.iter().map(|s| s.to_string()));
            want.sort();
        }
        assert_eq!(got, want, "{form}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_summary_lists_every_document_read() {
    let out = Run::bare().args(&["audit", &example_dir()]).run().await;
    out.assert_code(12);
    // Every document read, each with its line, its name and its form, then the findings' tally.
    insta::assert_snapshot!("every_document_read", out.transcript());
}
