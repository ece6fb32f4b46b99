//! OA112 `unresolved-value`: a value of the trust policy the audit could not resolve (a
//! Terraform variable without a default, a CloudFormation parameter without one, a resource
//! attribute), with the assumption it made. Pure.

use super::{Audited, Check};
use crate::trust::finding::{Confidence, Finding, Meta, Severity};

check_meta! {
    Unresolved, "OA112", "unresolved-value", Severity::Low,
    title: "a value the audit could not resolve",
    why: "the audit reads the source, not what is deployed: a variable without a default, a parameter, a module input or a resource attribute is only known at apply time. The audit reads it as one exact value without wildcards and says so here, so the verdict on the rest of the document is not mistaken for a verdict on this value",
    fix: "give the variable or parameter a default that states the intended value, or audit the deployed policy (`terraform show -json`, `aws iam get-role`)",
}

impl Check for Unresolved {
    fn document(&self, audited: &Audited<'_>, out: &mut Vec<Finding>) {
        for (loc, message) in &audited.doc.assumptions {
            out.push(META.at(loc, message.clone()).confidence(Confidence::Medium));
        }
    }
}
