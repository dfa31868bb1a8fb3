//! A REST `:predict` body against a signature with one input of each
//! kind (float, int, bool, bytes), then the response writer on whatever
//! parsed — every body ends in tensors or a clean 400, never a panic or an
//! allocation past the element limit.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ward_sandbox::LoadReply;
use ward_serve::convert::{InputLimits, JsonFormat, parse_predict_json, predict_response_json};
use ward_tensor::DType;

fuzz_target!(|data: &[u8]| {
    let limits = InputLimits {
        max_elements: 1 << 16,
        max_batch: 64,
    };
    let single = LoadReply {
        inputs: vec![("x".into(), DType::F32, vec![-1, 4])],
        outputs: vec!["y".into()],
        output_specs: vec![(None, vec![])],
    };
    let multi = LoadReply {
        inputs: vec![
            ("x".into(), DType::F32, vec![-1, 4]),
            ("ids".into(), DType::I64, vec![-1]),
            ("mask".into(), DType::Bool, vec![-1]),
            ("h".into(), DType::F16, vec![-1]),
            ("s_bytes".into(), DType::String, vec![-1]),
            ("u".into(), DType::U8, vec![]),
        ],
        outputs: vec!["y".into()],
        output_specs: vec![(None, vec![])],
    };
    for reply in [&single, &multi] {
        if let Ok(parsed) = parse_predict_json(data, reply, &limits) {
            let _ = predict_response_json(parsed.format, &parsed.inputs);
            let _ = predict_response_json(JsonFormat::Row, &parsed.inputs);
            let _ = predict_response_json(JsonFormat::Columnar, &parsed.inputs);
        }
    }
});
