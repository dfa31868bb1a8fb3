//! Shared helpers for the conformance suites: load a GraphDef, run named
//! fetches, compare with TensorFlow's recorded values.

use ward_exec::{ExecOptions, Executable, RunRequest};
use ward_graph::split_tensor_name;
use ward_tensor::{Budget, DType, Error, Limits, Result, Shape, Tensor};

/// Limits for one conformance case: small enough that a hostile case
/// cannot hurt the test machine.
pub fn case_limits() -> Limits {
    Limits {
        memory_bytes: 1 << 30,
        timeout: Some(std::time::Duration::from_secs(20)),
        max_loop_iterations: 100_000,
    }
}

/// Imports, validates, and runs a serialized GraphDef, with or without the
/// load-time graph optimizer.
pub fn run_graph(
    bytes: &[u8],
    fetches: &[String],
    targets: &[String],
    budget: &Budget,
    threads: usize,
    optimize: bool,
) -> Result<Vec<Tensor>> {
    let model = ward_tf::load_graph_def(bytes, 64 << 20, budget)?;
    let exe = Executable::new(
        model,
        ward_ops::registry(),
        &ExecOptions {
            threads,
            optimize,
            ..Default::default()
        },
    )?;
    let graph = exe.graph();
    let fetches = fetches
        .iter()
        .map(|f| graph.resolve_tensor(f))
        .collect::<Result<Vec<_>>>()?;
    let targets = targets
        .iter()
        .map(|t| {
            let (name, _) = split_tensor_name(t)?;
            graph
                .find(name)
                .ok_or_else(|| Error::not_found(format!("no target '{t}'")))
        })
        .collect::<Result<Vec<_>>>()?;
    exe.run(
        budget,
        RunRequest {
            feeds: Vec::new(),
            fetches,
            targets,
        },
    )
}

/// A budget with the case limits.
pub fn case_budget() -> Budget {
    Budget::new(&case_limits())
}

/// Builds a tensor from raw little-endian bytes as recorded by the
/// generators.
pub fn tensor_from_record(dtype: &str, shape: &[usize], data: &[u8]) -> Result<Tensor> {
    let dtype = DType::from_name(dtype)
        .ok_or_else(|| Error::invalid_argument(format!("unknown dtype {dtype}")))?;
    Tensor::from_le_bytes(
        &Budget::unlimited(),
        dtype,
        Shape::new(shape.to_vec())?,
        data,
        "expected value",
    )
}

/// Values as f64 for comparison (bools as 0/1).
pub fn as_f64(t: &Tensor) -> Result<Vec<f64>> {
    use ward_tensor::Storage;
    Ok(match t.storage() {
        Storage::F16(v) => v.iter().map(|x| x.to_f64()).collect(),
        Storage::BF16(v) => v.iter().map(|x| x.to_f64()).collect(),
        Storage::F32(v) => v.iter().map(|&x| f64::from(x)).collect(),
        Storage::F64(v) => v.clone(),
        Storage::Bool(v) => v.iter().map(|&x| if x { 1.0 } else { 0.0 }).collect(),
        _ => return Err(Error::invalid_argument("not a float tensor")),
    })
}

/// Compares `got` with `expected`: same dtype and shape; integers and bools
/// exactly; floats within `atol + rtol·|e|`, NaN matching NaN, infinities
/// exactly. Returns a description of the first difference.
pub fn compare(
    got: &Tensor,
    expected: &Tensor,
    rtol: f64,
    atol: f64,
) -> std::result::Result<(), String> {
    if got.dtype() != expected.dtype() {
        return Err(format!(
            "dtype {} != expected {}",
            got.dtype(),
            expected.dtype()
        ));
    }
    if got.dims() != expected.dims() {
        return Err(format!(
            "shape {} != expected {}",
            got.shape(),
            expected.shape()
        ));
    }
    if !got.dtype().is_float() {
        let (a, b) = (
            got.to_le_bytes().map_err(|e| e.to_string())?,
            expected.to_le_bytes().map_err(|e| e.to_string())?,
        );
        if a != b {
            return Err(format!("values differ: got {got:?}, expected {expected:?}"));
        }
        return Ok(());
    }
    let (a, b) = (
        as_f64(got).map_err(|e| e.to_string())?,
        as_f64(expected).map_err(|e| e.to_string())?,
    );
    // TF flushes f32/f64/bf16 denormals to zero, but whether a given
    // instruction flushes its result differs between its kernels and ours:
    // magnitudes below the smallest normal number compare as zero.
    let denormal = match got.dtype() {
        DType::F32 | DType::BF16 => f64::from(f32::MIN_POSITIVE),
        DType::F64 => f64::MIN_POSITIVE,
        _ => 0.0,
    };
    let atol = atol.max(denormal);
    for (i, (x, e)) in a.iter().zip(&b).enumerate() {
        let ok = if e.is_nan() {
            x.is_nan()
        } else if e.is_infinite() {
            x == e
        } else {
            (x - e).abs() <= atol + rtol * e.abs()
        };
        if !ok {
            return Err(format!(
                "element {i}: got {x}, expected {e} (rtol {rtol}, atol {atol})"
            ));
        }
    }
    Ok(())
}
