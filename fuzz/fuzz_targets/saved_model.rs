//! A SavedModel held in memory (saved_model.pb + a one-shard checkpoint, as
//! a sandboxed worker receives it): load the "serve" MetaGraph, then bind the
//! `serving_default` signature to its variables. Input format: see
//! `ward_fuzz::split_files`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::Arc;
use ward_tensor::{Budget, Limits};
use ward_tf::checkpoint::CheckpointLimits;
use ward_tf::files::MemFiles;
use ward_tf::saved_model::{SavedModelLimits, load_saved_model_in};

fuzz_target!(|data: &[u8]| {
    let files = MemFiles::new(ward_fuzz::split_files(data, &ward_fuzz::SAVED_MODEL_SLOTS));
    let limits = SavedModelLimits {
        max_graph_bytes: 64 << 20,
        checkpoint: CheckpointLimits {
            max_index_bytes: 16 << 20,
            max_shard_bytes: 64 << 20,
            max_shards: 16,
        },
    };
    let budget = Budget::new(&Limits {
        memory_bytes: 256 << 20,
        ..Limits::default()
    });
    let Ok(loaded) = load_saved_model_in(Arc::new(files), "fuzz", "serve", &limits, &budget) else {
        return;
    };
    let _ = loaded.nontrivial_init_ops();
    let _ = loaded.runnable("serving_default", &limits, &budget);
});
