//! The same bytes as an .npy array and as an .npz archive (zip, deflate).
#![no_main]

use libfuzzer_sys::fuzz_target;
use ward_tensor::npy::{read_npy, read_npz};
use ward_tensor::{Budget, Limits};

fuzz_target!(|data: &[u8]| {
    let budget = Budget::new(&Limits {
        memory_bytes: 256 << 20,
        ..Limits::default()
    });
    let _ = read_npy(data, &budget);
    let _ = read_npz(data, &budget, 64 << 20);
});
