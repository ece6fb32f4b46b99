//! Fuzz target: any text as a policy file compiles or is refused, and a compiled policy
//! evaluates, without a panic. No I/O.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oidc_assume::claims::Claims;
use oidc_assume::policy::Policy;

fuzz_target!(|data: &[u8]| {
    let Ok(source) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(policy) = Policy::from_toml(source, "fuzz.toml") {
        let claims = Claims::from_pairs([
            ("repository", "octo-org/octo-repo"),
            ("repository_id", "74"),
            ("ref", "refs/heads/main"),
            ("event_name", "push"),
        ]);
        let _ = policy.evaluate("arn:aws:iam::123456789012:role/x", &claims);
    }
});
