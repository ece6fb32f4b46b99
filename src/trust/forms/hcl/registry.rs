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

/// A registry module modelled in HCL: the part of its code that builds the role's trust and
/// permissions, per major version, evaluated like a local module with the call's arguments.
struct Model {
    /// The module as named in `docs/audit.md`.
    name: &'static str,
    /// Whether a `source` names it (registry address, or the Git URL its README uses).
    matches: fn(&str) -> bool,
    /// (first and last major version, versions covered, the model's text), newest first: an
    /// unpinned call is read as the first.
    versions: &'static [(u64, u64, &'static str, &'static str)],
}

const MODELS: &[Model] = &[
    Model {
        name: "unfunco/oidc-github/aws",
        matches: |s| {
            s.contains("unfunco/oidc-github/aws") || s.contains("unfunco/terraform-aws-oidc-github")
        },
        versions: &[
            (3, 3, "3.0.0 to 3.0.1", include_str!("models/unfunco-v3.tf")),
            (2, 2, "2.0.0 to 2.0.2", include_str!("models/unfunco-v2.tf")),
            (1, 1, "1.2.1 to 1.8.1", include_str!("models/unfunco-v1.tf")),
        ],
    },
    Model {
        name: "terraform-aws-modules/iam/aws//modules/iam-role",
        matches: |s| {
            s.contains("terraform-aws-modules/iam/aws//modules/iam-role")
                || s.contains("terraform-aws-iam//modules/iam-role")
        },
        versions: &[(
            6,
            6,
            "6.0.0 to 6.5.0",
            include_str!("models/iam-role-v6.tf"),
        )],
    },
    Model {
        name: "philips-labs/github-oidc/aws",
        matches: |s| {
            (s.contains("philips-labs/github-oidc/aws")
                || s.contains("philips-labs/terraform-aws-github-oidc"))
                && !s.contains("//modules/provider")
        },
        versions: &[(
            0,
            0,
            "0.1.0 to 0.8.1",
            include_str!("models/philips-labs.tf"),
        )],
    },
    Model {
        name: "terraform-module/github-oidc-provider/aws",
        matches: |s| {
            s.contains("terraform-module/github-oidc-provider/aws")
                || s.contains("terraform-module/terraform-aws-github-oidc-provider")
        },
        versions: &[(
            0,
            2,
            "0.1.0 to 2.3.0",
            include_str!("models/terraform-module.tf"),
        )],
    },
    Model {
        name: "moritzheiber/terraform-aws-oidc-github-actions-module",
        matches: |s| s.contains("moritzheiber/terraform-aws-oidc-github-actions-module"),
        versions: &[(
            0,
            0,
            "0.1.0 to 0.3.1",
            include_str!("models/moritzheiber.tf"),
        )],
    },
];

/// The model of the module at `source`, for the version the call pins (`version = "~> 3.0"`,
/// or `?ref=v0.8.1` in a Git source): (the path shown for it, its text, and what was assumed
/// about the version, if anything).
pub(super) fn model(
    source: &str,
    version: Option<&str>,
) -> Option<(String, &'static str, Option<String>)> {
    let model = MODELS.iter().find(|m| (m.matches)(source))?;
    let pinned = version
        .map(str::to_string)
        .or_else(|| source.split_once("?ref=").map(|(_, r)| r.to_string()));
    let major = pinned.as_deref().and_then(major);
    let chosen = major.and_then(|m| {
        model
            .versions
            .iter()
            .find(|(lo, hi, _, _)| (*lo..=*hi).contains(&m))
    });
    let (_, _, covered, text) = chosen.unwrap_or(&model.versions[0]);
    let note = match (&pinned, chosen) {
        (_, Some(_)) => None,
        (None, None) => Some(format!(
            "no `version` is pinned for `{}`: read as its versions {covered} build the role",
            model.name
        )),
        (Some(p), None) => Some(format!(
            "`{}` version `{p}` is not modelled: read as its versions {covered} build the role",
            model.name
        )),
    };
    Some((format!("({} {covered})", model.name), text, note))
}

/// The first version number's major in a version or constraint (`~> 3.0` → 3, `v0.8.1` → 0).
fn major(version: &str) -> Option<u64> {
    let start = version.find(|c: char| c.is_ascii_digit())?;
    let digits: String = version[start..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

/// The modules modelled, with the versions each covers, as docs/audit.md lists them.
#[cfg(test)]
pub(super) fn covered() -> Vec<String> {
    MODELS
        .iter()
        .flat_map(|m| {
            m.versions
                .iter()
                .map(move |(_, _, covered, _)| format!("{} {covered}", m.name))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn versions_are_chosen_by_the_pin() {
        let cases: &[(&str, Option<&str>, &str, bool)] = &[
            (
                "unfunco/oidc-github/aws",
                Some("~> 3.0"),
                "3.0.0 to 3.0.1",
                false,
            ),
            (
                "registry.terraform.io/unfunco/oidc-github/aws",
                Some("2.0.1"),
                "2.0.0 to 2.0.2",
                false,
            ),
            (
                "unfunco/oidc-github/aws",
                Some(">= 1.5, < 2.0"),
                "1.2.1 to 1.8.1",
                false,
            ),
            ("unfunco/oidc-github/aws", None, "3.0.0 to 3.0.1", true),
            (
                "unfunco/oidc-github/aws",
                Some("0.4.0"),
                "3.0.0 to 3.0.1",
                true,
            ),
            (
                "github.com/philips-labs/terraform-aws-github-oidc?ref=v0.8.1",
                None,
                "0.1.0 to 0.8.1",
                false,
            ),
            (
                "terraform-aws-modules/iam/aws//modules/iam-role",
                Some("6.2.0"),
                "6.0.0 to 6.5.0",
                false,
            ),
        ];
        for (source, version, want, noted) in cases {
            let (path, _, note) = super::model(source, *version).expect(source);
            assert!(path.contains(want), "{source} {version:?}: {path}");
            assert_eq!(note.is_some(), *noted, "{source} {version:?}: {note:?}");
        }
        assert!(super::model("terraform-aws-modules/vpc/aws", None).is_none());
        assert!(
            super::model(
                "github.com/philips-labs/terraform-aws-github-oidc//modules/provider",
                None
            )
            .is_none()
        );
    }

    /// docs/audit.md lists exactly the modules and versions modelled.
    #[test]
    fn docs_list_exactly_these_models() {
        let docs = include_str!("../../../../docs/audit.md");
        for line in super::covered() {
            assert!(
                docs.contains(&format!("`{line}`")) || docs.contains(&line),
                "docs/audit.md does not list {line}"
            );
        }
    }
}
