//! Registry modules: the directory `.terraform/modules/modules.json` records for a call (what
//! `terraform init` downloaded), read as Terraform reads it. Pure: the manifest comes through
//! [`Files`](crate::trust::forms::Files).
//!
//! The manifest (hashicorp/terraform `internal/modsdir/manifest.go`) is one JSON object,
//! `{"Modules": [{"Key", "Source", "Version", "Dir"}]}`: `Key` joins the names of nested calls
//! with `.` (`ci.role`), and `Dir` is relative to the root module's directory.

use super::eval::Eval;

/// Where the manifest is, relative to the root module's directory.
pub(super) const MANIFEST: &str = ".terraform/modules/modules.json";

/// The directory the manifest records for the call `key` (relative to the root module), when
/// the root has a manifest that names it.
pub(super) fn recorded(eval: &Eval<'_>, key: &str) -> Option<String> {
    let root = &eval.scope.place.root_file;
    let (_, text) = eval.files.read(root, MANIFEST).ok()?;
    let manifest: serde_json::Value = serde_json::from_str(&text).ok()?;
    manifest
        .get("Modules")?
        .as_array()?
        .iter()
        .find(|r| r.get("Key").and_then(|k| k.as_str()) == Some(key))?
        .get("Dir")?
        .as_str()
        .filter(|d| !d.is_empty() && *d != ".")
        .map(str::to_string)
}
