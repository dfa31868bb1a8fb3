//! Helpers shared by ward's fuzz targets.
//!
//! Multi-file targets (`saved_model`, `checkpoint`) read their input as a
//! tiny container so libFuzzer mutates every file at once:
//!
//! ```text
//! repeat for each slot, in order:  u32 little-endian length N, then N bytes
//! ```
//!
//! A length larger than what is left takes the rest; when the input runs out
//! the remaining slots are absent (so missing files are exercised too).
//! `tools/fuzz-seed.sh` packs real fixtures into this format.

/// File names of the `saved_model` target's slots, in container order.
pub const SAVED_MODEL_SLOTS: [&str; 3] = [
    "saved_model.pb",
    "variables/variables.index",
    "variables/variables.data-00000-of-00001",
];

/// File names of the `checkpoint` target's slots, in container order.
pub const CHECKPOINT_SLOTS: [&str; 2] = [
    "variables/variables.index",
    "variables/variables.data-00000-of-00001",
];

/// Splits `data` into at most `slots.len()` named files.
pub fn split_files(mut data: &[u8], slots: &[&str]) -> Vec<(String, Vec<u8>)> {
    let mut files = Vec::new();
    for name in slots {
        let Some((len, rest)) = data.split_first_chunk::<4>() else {
            break;
        };
        let len = usize::try_from(u32::from_le_bytes(*len)).unwrap_or(usize::MAX);
        let (file, rest) = rest.split_at(len.min(rest.len()));
        files.push(((*name).to_string(), file.to_vec()));
        data = rest;
    }
    files
}
