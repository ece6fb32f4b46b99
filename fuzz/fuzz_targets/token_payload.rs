//! Fuzz target: any bytes as a token payload are read as claims or refused, without a panic.
//! No I/O.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oidc_assume::claims::Claims;

fuzz_target!(|data: &[u8]| {
    let _ = Claims::from_payload(data);
});
