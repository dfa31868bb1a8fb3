//! One IPC frame body from a (possibly compromised) peer: the supervisor
//! decodes what a worker sends and the worker decodes what the supervisor
//! sends, so neither may panic on any bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(message) = ward_sandbox::protocol::decode_message(data) {
        // Whatever decodes must encode again.
        let _ = ward_sandbox::protocol::encode_message(&message);
    }
});
