//! A wrapper for secret strings: redacted `Debug`, no `Display`, zeroed on drop. Pure: no I/O.
//!
//! Tokens and credentials cross module boundaries only as [`Secret`], so an error message, a
//! log line or a panic cannot print one by accident. Reading the value takes an explicit
//! [`Secret::expose`], which is easy to grep for.

use zeroize::Zeroizing;

/// A secret string. `Debug` prints `***`; there is deliberately no `Display`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Zeroizing<String>);

impl Secret {
    /// Wraps a value.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(Zeroizing::new(value.into()))
    }

    /// The secret value. Callers must not print it except inside `::add-mask::`.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Length in bytes: safe to print, useful in diagnostics.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the value is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted_even_when_nested() {
        let s = Secret::new("eyJhbGciOi.secret.sig");
        assert_eq!(format!("{s:?}"), "***");
        assert_eq!(format!("{:?}", Some(&s)), "Some(***)");
        assert_eq!(format!("{:#?}", vec![s.clone()]), "[\n    ***,\n]");
        assert_eq!(s.expose(), "eyJhbGciOi.secret.sig");
        assert_eq!(s.len(), 21);
    }
}
