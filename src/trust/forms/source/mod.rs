//! Roles read from the source teams write them in: CDK apps and Pulumi programs in TypeScript
//! and Python, and the `resources` of a Serverless Framework service. Pure: no I/O.
//!
//! In layers, each file using only those before it: `syntax` (tree-sitter: parse and walk),
//! `ast` (the small expression language both languages lower into), `typescript` and `python`
//! (syntax trees into [`ast::Program`]s), `values` (expressions into [`Node`](crate::trust::json::Node) values, what does
//! not resolve noted), `calls` (the constructs evaluated: principals, providers, policies),
//! `roles` (the role constructs, their trust policies and power) and `serverless`. The trust
//! policy each role builds is read by [`crate::trust::document::from_node`] like every other
//! form's, at the lines of the source file.

mod ast;
mod calls;
mod python;
mod roles;
pub(crate) mod serverless;
mod syntax;
mod typescript;
mod values;

use super::Read;

/// The languages read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    TypeScript,
    Python,
}

impl Language {
    /// By name ending: `.ts`, `.mts`, `.cts`; `.py`. (The walk leaves out `.d.ts`
    /// declarations, which build nothing.)
    pub fn of(path: &str) -> Option<Language> {
        let lower = path.to_ascii_lowercase();
        if [".ts", ".mts", ".cts"].iter().any(|e| lower.ends_with(e)) {
            Some(Language::TypeScript)
        } else if lower.ends_with(".py") {
            Some(Language::Python)
        } else {
            None
        }
    }

    fn name(self) -> &'static str {
        match self {
            Language::TypeScript => "typescript",
            Language::Python => "python",
        }
    }
}

/// Words one of the role constructs read is written with: a file without any is not parsed.
const MARKERS: &[&str] = &[
    "assumedBy",
    "assumed_by",
    "assumeRolePolicy",
    "assume_role_policy",
    "GithubActionsRole",
    "GitHubActionRole",
];

/// Whether a source file may build a role (a look before parsing).
pub fn may_build_role(text: &str) -> bool {
    MARKERS.iter().any(|m| text.contains(m))
}

/// Reads the roles of one source file.
pub fn read(path: &str, text: &str, language: Language) -> Read {
    let mut read = Read::default();
    if !may_build_role(text) {
        return read;
    }
    let grammar: tree_sitter::Language = match language {
        Language::TypeScript => tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into(),
        Language::Python => tree_sitter_python::LANGUAGE.into(),
    };
    let Some(tree) = syntax::Tree::parse(text, &grammar) else {
        return read;
    };
    let program = match language {
        Language::TypeScript => typescript::program(&tree),
        Language::Python => python::program(&tree),
    };
    let base = read.map.add(path, text);
    let eval = values::Eval::new(&program, text, base, calls::known);
    read.found = roles::read(&eval, language.name(), &read.map);
    read
}

#[cfg(test)]
mod tests;
