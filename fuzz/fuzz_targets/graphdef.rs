//! A serialized GraphDef: decode, import, structural validation, and every
//! node against its op spec. Errors are fine; a panic, abort, hang or an
//! allocation past libFuzzer's malloc limit is a finding.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ward_graph::GraphLimits;
use ward_tensor::{Budget, Limits};

fuzz_target!(|data: &[u8]| {
    let budget = Budget::new(&Limits {
        memory_bytes: 256 << 20,
        ..Limits::default()
    });
    let Ok(model) = ward_tf::load_graph_def(data, 64 << 20, &budget) else {
        return;
    };
    if ward_graph::validate_structure(&model, &GraphLimits::default()).is_err() {
        return;
    }
    let _ = ward_graph::validate_ops(&model, ward_ops::registry());
});
