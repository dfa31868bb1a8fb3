//! A gRPC `PredictRequest` as it arrives on the wire: protobuf decode, then
//! every input TensorProto through the element limit and the TensorFlow
//! frontend's tensor decoder under a small budget, then back to a proto.
#![no_main]

use libfuzzer_sys::fuzz_target;
use prost::Message;
use ward_serve::convert::{InputLimits, check_inputs, tensor_from_proto, tensor_to_proto};
use ward_serve::proto::PredictRequest;
use ward_tensor::{Budget, Limits};

fuzz_target!(|data: &[u8]| {
    let Ok(req) = PredictRequest::decode(data) else {
        return;
    };
    let limits = InputLimits {
        max_elements: 1 << 16,
        max_batch: 64,
    };
    let budget = Budget::new(&Limits {
        memory_bytes: 64 << 20,
        ..Limits::default()
    });
    let mut inputs = Vec::new();
    for (name, proto) in &req.inputs {
        if let Ok(t) = tensor_from_proto(name, proto, &limits, &budget) {
            let _ = tensor_to_proto(&t);
            inputs.push((name.clone(), t));
        }
    }
    let _ = check_inputs(&inputs, &limits);
});
