//! A tensor-bundle checkpoint (index + one data shard) held in memory: open
//! the index, then read every entry it lists. Input format: see
//! `ward_fuzz::split_files`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ward_tensor::{Budget, Limits};
use ward_tf::checkpoint::{Checkpoint, CheckpointLimits};
use ward_tf::files::MemFiles;

fuzz_target!(|data: &[u8]| {
    let files = MemFiles::new(ward_fuzz::split_files(data, &ward_fuzz::CHECKPOINT_SLOTS));
    let limits = CheckpointLimits {
        max_index_bytes: 16 << 20,
        max_shard_bytes: 64 << 20,
        max_shards: 16,
    };
    let Ok(checkpoint) = Checkpoint::open_in(&files, "variables/variables", &limits) else {
        return;
    };
    let budget = Budget::new(&Limits {
        memory_bytes: 256 << 20,
        ..Limits::default()
    });
    let names: Vec<String> = checkpoint.entries().map(|e| e.name.clone()).collect();
    // One by one (each its own shard read) and all at once.
    for name in &names {
        let _ = checkpoint.read(&files, &[name.as_str()], &budget);
    }
    let all: Vec<&str> = names.iter().map(String::as_str).collect();
    let _ = checkpoint.read(&files, &all, &budget);
});
