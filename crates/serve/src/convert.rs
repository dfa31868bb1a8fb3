//! Tensors in and out of TF Serving's wire formats: the REST JSON bodies
//! (row `instances` / columnar `inputs`, `{"b64": ...}` for bytes) and gRPC
//! TensorProtos. Every size is checked against the model's limits before
//! any tensor is allocated.

use std::fmt::Write as _;

use base64::Engine as _;
use serde_json::Value;
use ward_sandbox::LoadReply;
use ward_tensor::{Budget, DType, Shape, Storage, Tensor, bf16, f16, match_storage};
use ward_tf::proto::{TensorProto, TensorShapeProto, tensor_shape_proto};

use crate::error::{ServeError, ServeResult};

/// Per-request caps from the model's config.
#[derive(Debug, Clone, Copy)]
pub struct InputLimits {
    pub max_elements: u64,
    pub max_batch: u64,
}

/// Which JSON layout a request used; the response mirrors it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonFormat {
    Row,
    Columnar,
}

/// A parsed `:predict` body.
#[derive(Debug)]
pub struct JsonPredict {
    pub signature_name: Option<String>,
    pub format: JsonFormat,
    pub inputs: Vec<(String, Tensor)>,
}

fn is_b64(v: &Value) -> bool {
    matches!(v, Value::Object(m) if m.len() == 1 && m.contains_key("b64"))
}

/// The signature's input named `name`, or InvalidArgument listing them.
pub fn input_spec<'a>(
    reply: &'a LoadReply,
    name: &str,
) -> ServeResult<&'a (String, DType, Vec<i64>)> {
    reply
        .inputs
        .iter()
        .find(|(n, _, _)| n == name)
        .ok_or_else(|| {
            let known: Vec<&str> = reply.inputs.iter().map(|(n, _, _)| n.as_str()).collect();
            ServeError::invalid(format!(
                "the signature has no input '{name}' (inputs: {})",
                known.join(", ")
            ))
        })
}

fn single_input(reply: &LoadReply) -> ServeResult<&(String, DType, Vec<i64>)> {
    match reply.inputs.as_slice() {
        [one] => Ok(one),
        _ => Err(ServeError::invalid(format!(
            "the signature has {} inputs: name them (an object keyed by input name)",
            reply.inputs.len()
        ))),
    }
}

/// The dims of a nested JSON array, read along its first elements.
fn shape_of(v: &Value) -> Vec<usize> {
    let mut dims = Vec::new();
    let mut cur = v;
    while let Value::Array(a) = cur {
        dims.push(a.len());
        match a.first() {
            Some(x) if dims.len() <= ward_tensor::MAX_RANK => cur = x,
            _ => break,
        }
    }
    dims
}

fn flatten<'a>(
    v: &'a Value,
    dims: &[usize],
    depth: usize,
    out: &mut Vec<&'a Value>,
) -> ServeResult<()> {
    match dims.get(depth) {
        None => {
            if v.is_array() {
                return Err(ServeError::invalid(
                    "ragged array: nesting depth differs between elements",
                ));
            }
            out.push(v);
        }
        Some(&n) => match v {
            Value::Array(a) if a.len() == n => {
                for x in a {
                    flatten(x, dims, depth.saturating_add(1), out)?;
                }
            }
            _ => {
                return Err(ServeError::invalid(
                    "ragged array: lengths differ between elements",
                ));
            }
        },
    }
    Ok(())
}

fn elements(dims: &[usize], limits: &InputLimits, what: &str) -> ServeResult<usize> {
    let n = ward_tensor::checked_product(dims)
        .map_err(|_| ServeError::invalid(format!("{what}: the shape overflows")))?;
    if u64::try_from(n).map_or(true, |n| n > limits.max_elements) {
        return Err(ServeError::invalid(format!(
            "{what}: {n} elements exceed this model's limit of {}",
            limits.max_elements
        )));
    }
    Ok(n)
}

fn leaf_error(what: &str, dtype: DType, v: &Value) -> ServeError {
    let kind = match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    };
    ServeError::invalid(format!("{what}: expected {dtype} values but found {kind}"))
}

fn int_leaf<T: TryFrom<i64> + TryFrom<u64>>(v: &Value) -> Option<T> {
    match v {
        Value::Number(n) => n
            .as_i64()
            .and_then(|i| T::try_from(i).ok())
            .or_else(|| n.as_u64().and_then(|u| T::try_from(u).ok())),
        _ => None,
    }
}

fn float_leaf(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        // TF Serving reads these spellings for non-finite values.
        Value::String(s) => match s.as_str() {
            "NaN" => Some(f64::NAN),
            "Infinity" | "inf" => Some(f64::INFINITY),
            "-Infinity" | "-inf" => Some(f64::NEG_INFINITY),
            _ => None,
        },
        _ => None,
    }
}

fn bytes_leaf(v: &Value) -> Option<Vec<u8>> {
    match v {
        Value::String(s) => Some(s.as_bytes().to_vec()),
        Value::Object(m) => m
            .get("b64")
            .and_then(Value::as_str)
            .and_then(|s| base64::engine::general_purpose::STANDARD.decode(s).ok()),
        _ => None,
    }
}

fn collect<T>(
    leaves: &[&Value],
    what: &str,
    dtype: DType,
    f: impl Fn(&Value) -> Option<T>,
) -> ServeResult<Vec<T>> {
    let mut out = reserved(leaves.len())?;
    for v in leaves {
        out.push(f(v).ok_or_else(|| leaf_error(what, dtype, v))?);
    }
    Ok(out)
}

/// Builds a tensor of `dtype` from JSON leaves (row-major).
fn tensor_from_leaves(
    leaves: &[&Value],
    dims: Vec<usize>,
    dtype: DType,
    what: &str,
) -> ServeResult<Tensor> {
    #[allow(clippy::cast_possible_truncation)] // f64 → narrower float is the intended rounding
    let storage = match dtype {
        DType::F32 => Storage::F32(collect(leaves, what, dtype, |v| {
            float_leaf(v).map(|x| x as f32)
        })?),
        DType::F64 => Storage::F64(collect(leaves, what, dtype, float_leaf)?),
        DType::F16 => Storage::F16(collect(leaves, what, dtype, |v| {
            float_leaf(v).map(f16::from_f64)
        })?),
        DType::BF16 => Storage::BF16(collect(leaves, what, dtype, |v| {
            float_leaf(v).map(bf16::from_f64)
        })?),
        DType::I8 => Storage::I8(collect(leaves, what, dtype, int_leaf)?),
        DType::I16 => Storage::I16(collect(leaves, what, dtype, int_leaf)?),
        DType::I32 => Storage::I32(collect(leaves, what, dtype, int_leaf)?),
        DType::I64 => Storage::I64(collect(leaves, what, dtype, int_leaf)?),
        DType::U8 => Storage::U8(collect(leaves, what, dtype, int_leaf)?),
        DType::U16 => Storage::U16(collect(leaves, what, dtype, int_leaf)?),
        DType::U32 => Storage::U32(collect(leaves, what, dtype, int_leaf)?),
        DType::U64 => Storage::U64(collect(leaves, what, dtype, int_leaf)?),
        DType::Bool => Storage::Bool(collect(leaves, what, dtype, Value::as_bool)?),
        DType::String => Storage::String(collect(leaves, what, dtype, bytes_leaf)?),
    };
    let shape = Shape::new(dims).map_err(ServeError::from)?;
    Tensor::from_storage(shape, storage, None).map_err(ServeError::from)
}

/// A value's dims: nested arrays, or a scalar (a `{"b64": ...}` included).
fn value_dims(v: &Value) -> Vec<usize> {
    if is_b64(v) { Vec::new() } else { shape_of(v) }
}

/// An empty vector with room for `n` elements, or ResourceExhausted.
fn reserved<T>(n: usize) -> ServeResult<Vec<T>> {
    let mut v = Vec::new();
    v.try_reserve_exact(n).map_err(|_| {
        ServeError::new(
            crate::Status::ResourceExhausted,
            "out of memory for the request",
        )
    })?;
    Ok(v)
}

/// Room for the leaves of a value of shape `dims`, after the rank and
/// element limits are checked.
fn leaf_buffer<'a>(
    dims: &[usize],
    limits: &InputLimits,
    what: &str,
) -> ServeResult<Vec<&'a Value>> {
    if dims.len() > ward_tensor::MAX_RANK {
        return Err(ServeError::invalid(format!(
            "{what}: more than {} dimensions",
            ward_tensor::MAX_RANK
        )));
    }
    reserved(elements(dims, limits, what)?)
}

fn value_tensor(v: &Value, dtype: DType, limits: &InputLimits, what: &str) -> ServeResult<Tensor> {
    let dims = value_dims(v);
    let mut leaves = leaf_buffer(&dims, limits, what)?;
    flatten(v, &dims, 0, &mut leaves)?;
    tensor_from_leaves(&leaves, dims, dtype, what)
}

/// Stacks one input's value from every instance (row format).
fn stack(
    instances: &[&Value],
    dtype: DType,
    limits: &InputLimits,
    what: &str,
) -> ServeResult<Tensor> {
    let first = instances
        .first()
        .ok_or_else(|| ServeError::invalid("'instances' is empty"))?;
    let inner = value_dims(first);
    let mut dims = Vec::with_capacity(inner.len().saturating_add(1));
    dims.push(instances.len());
    dims.extend_from_slice(&inner);
    let mut leaves = leaf_buffer(&dims, limits, what)?;
    for inst in instances {
        flatten(inst, &inner, 0, &mut leaves).map_err(|e| {
            ServeError::invalid(format!("{what}: instances differ in shape ({})", e.message))
        })?;
    }
    tensor_from_leaves(&leaves, dims, dtype, what)
}

fn check_batch(inputs: &[(String, Tensor)], limits: &InputLimits) -> ServeResult<()> {
    let mut total: u64 = 0;
    for (name, t) in inputs {
        if let Some(&batch) = t.dims().first()
            && u64::try_from(batch).map_or(true, |b| b > limits.max_batch)
        {
            return Err(ServeError::invalid(format!(
                "input '{name}': batch size {batch} exceeds this model's limit of {}",
                limits.max_batch
            )));
        }
        total = total.saturating_add(u64::try_from(t.len()).unwrap_or(u64::MAX));
    }
    if total > limits.max_elements {
        return Err(ServeError::invalid(format!(
            "the request has {total} elements in all, over this model's limit of {}",
            limits.max_elements
        )));
    }
    Ok(())
}

/// Parses a REST `:predict` body against the signature's inputs.
pub fn parse_predict_json(
    body: &[u8],
    reply: &LoadReply,
    limits: &InputLimits,
) -> ServeResult<JsonPredict> {
    let root: Value =
        serde_json::from_slice(body).map_err(|e| ServeError::invalid(format!("JSON: {e}")))?;
    let Value::Object(obj) = root else {
        return Err(ServeError::invalid("the body must be a JSON object"));
    };
    let signature_name = match obj.get("signature_name") {
        None => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => return Err(ServeError::invalid("'signature_name' must be a string")),
    };
    for key in obj.keys() {
        if !matches!(key.as_str(), "signature_name" | "instances" | "inputs") {
            return Err(ServeError::invalid(format!(
                "unknown field '{key}' (expected instances or inputs)"
            )));
        }
    }
    let (format, inputs) = match (obj.get("instances"), obj.get("inputs")) {
        (Some(_), Some(_)) => {
            return Err(ServeError::invalid(
                "use either 'instances' (row format) or 'inputs' (columnar), not both",
            ));
        }
        (None, None) => return Err(ServeError::invalid("missing 'instances' or 'inputs'")),
        (Some(instances), None) => {
            let Value::Array(list) = instances else {
                return Err(ServeError::invalid("'instances' must be a list"));
            };
            if u64::try_from(list.len()).map_or(true, |n| n > limits.max_batch) {
                return Err(ServeError::invalid(format!(
                    "{} instances exceed this model's batch limit of {}",
                    list.len(),
                    limits.max_batch
                )));
            }
            let named = list.first().is_some_and(|v| v.is_object() && !is_b64(v));
            let mut inputs = Vec::new();
            if named {
                let names: Vec<&String> = match list.first() {
                    Some(Value::Object(m)) => m.keys().collect(),
                    _ => Vec::new(),
                };
                for name in names {
                    let (key, dtype, _) = input_spec(reply, name)?;
                    let mut column = Vec::with_capacity(list.len());
                    for inst in list {
                        match inst {
                            Value::Object(m) if m.len() == obj_len(list) => {
                                column.push(m.get(name).ok_or_else(|| {
                                    ServeError::invalid(format!("an instance lacks input '{name}'"))
                                })?);
                            }
                            _ => {
                                return Err(ServeError::invalid(
                                    "every instance must name the same inputs",
                                ));
                            }
                        }
                    }
                    inputs.push((
                        key.clone(),
                        stack(&column, *dtype, limits, &format!("input '{name}'"))?,
                    ));
                }
            } else {
                let (key, dtype, _) = single_input(reply)?;
                let refs: Vec<&Value> = list.iter().collect();
                inputs.push((
                    key.clone(),
                    stack(&refs, *dtype, limits, &format!("input '{key}'"))?,
                ));
            }
            (JsonFormat::Row, inputs)
        }
        (None, Some(value)) => {
            let mut inputs = Vec::new();
            match value {
                Value::Object(m) if !is_b64(value) => {
                    for (name, v) in m {
                        let (key, dtype, _) = input_spec(reply, name)?;
                        inputs.push((
                            key.clone(),
                            value_tensor(v, *dtype, limits, &format!("input '{name}'"))?,
                        ));
                    }
                }
                _ => {
                    let (key, dtype, _) = single_input(reply)?;
                    inputs.push((
                        key.clone(),
                        value_tensor(value, *dtype, limits, &format!("input '{key}'"))?,
                    ));
                }
            }
            (JsonFormat::Columnar, inputs)
        }
    };
    check_batch(&inputs, limits)?;
    Ok(JsonPredict {
        signature_name,
        format,
        inputs,
    })
}

fn obj_len(list: &[Value]) -> usize {
    match list.first() {
        Some(Value::Object(m)) => m.len(),
        _ => 0,
    }
}

fn write_f64(out: &mut String, x: f64) {
    if x.is_nan() {
        out.push_str("NaN");
    } else if x.is_infinite() {
        out.push_str(if x > 0.0 { "Infinity" } else { "-Infinity" });
    } else if x == 0.0 || (1e-5..1e16).contains(&x.abs()) {
        let _ = write!(out, "{x}");
    } else {
        let _ = write!(out, "{x:e}");
    }
}

fn write_f32(out: &mut String, x: f32) {
    if x.is_nan() {
        out.push_str("NaN");
    } else if x.is_infinite() {
        out.push_str(if x > 0.0 { "Infinity" } else { "-Infinity" });
    } else if x == 0.0 || (1e-5..1e16).contains(&x.abs()) {
        // Shortest text that reads back as the same f32.
        let _ = write!(out, "{x}");
    } else {
        let _ = write!(out, "{x:e}");
    }
}

trait JsonElement {
    fn write_json(&self, out: &mut String, as_b64: bool);
}

macro_rules! int_json {
    ($($t:ty),*) => {$(
        impl JsonElement for $t {
            fn write_json(&self, out: &mut String, _: bool) {
                let _ = write!(out, "{self}");
            }
        }
    )*};
}
int_json!(i8, i16, i32, i64, u8, u16, u32, u64, bool);

impl JsonElement for f32 {
    fn write_json(&self, out: &mut String, _: bool) {
        write_f32(out, *self);
    }
}
impl JsonElement for f64 {
    fn write_json(&self, out: &mut String, _: bool) {
        write_f64(out, *self);
    }
}
impl JsonElement for f16 {
    fn write_json(&self, out: &mut String, _: bool) {
        write_f32(out, self.to_f32());
    }
}
impl JsonElement for bf16 {
    fn write_json(&self, out: &mut String, _: bool) {
        write_f32(out, self.to_f32());
    }
}
impl JsonElement for Vec<u8> {
    fn write_json(&self, out: &mut String, as_b64: bool) {
        match std::str::from_utf8(self) {
            Ok(s) if !as_b64 => {
                let _ = write!(out, "{}", Value::String(s.to_string()));
            }
            _ => {
                let _ = write!(
                    out,
                    "{{\"b64\": \"{}\"}}",
                    base64::engine::general_purpose::STANDARD.encode(self)
                );
            }
        }
    }
}

fn write_nested<T: JsonElement>(out: &mut String, values: &[T], dims: &[usize], as_b64: bool) {
    match dims.split_first() {
        None => {
            if let Some(v) = values.first() {
                v.write_json(out, as_b64);
            }
        }
        Some((&n, rest)) => {
            out.push('[');
            let stride = if n == 0 {
                0
            } else {
                values.len().checked_div(n).unwrap_or(0)
            };
            for i in 0..n {
                if i > 0 {
                    out.push(',');
                }
                let start = i.saturating_mul(stride);
                let part = values
                    .get(start..start.saturating_add(stride))
                    .unwrap_or(&[]);
                write_nested(out, part, rest, as_b64);
            }
            out.push(']');
        }
    }
}

/// Writes a tensor (or row `row` of it) as nested JSON arrays. Output names
/// ending in `_bytes` are written as `{"b64": ...}`, as TF Serving does.
fn write_tensor(out: &mut String, name: &str, t: &Tensor, row: Option<usize>) {
    let as_b64 = name.ends_with("_bytes");
    let dims = t.dims();
    match_storage!(t.storage(), v => {
        match row {
            None => write_nested(out, v, dims, as_b64),
            Some(r) => {
                let inner = dims.get(1..).unwrap_or(&[]);
                let stride = ward_tensor::checked_product(inner).unwrap_or(0);
                let start = r.saturating_mul(stride);
                let part = v.get(start..start.saturating_add(stride)).unwrap_or(&[]);
                write_nested(out, part, inner, as_b64);
            }
        }
    });
}

fn json_key(out: &mut String, key: &str) {
    let _ = write!(out, "{}:", Value::String(key.to_string()));
}

/// The `:predict` response in the layout the request used.
pub fn predict_response_json(
    format: JsonFormat,
    outputs: &[(String, Tensor)],
) -> ServeResult<String> {
    let mut out = String::new();
    match format {
        JsonFormat::Columnar => {
            out.push_str("{\"outputs\":");
            match outputs {
                [(name, t)] => write_tensor(&mut out, name, t, None),
                _ => {
                    out.push('{');
                    for (i, (name, t)) in outputs.iter().enumerate() {
                        if i > 0 {
                            out.push(',');
                        }
                        json_key(&mut out, name);
                        write_tensor(&mut out, name, t, None);
                    }
                    out.push('}');
                }
            }
            out.push('}');
        }
        JsonFormat::Row => {
            let mut batch = None;
            for (name, t) in outputs {
                let Some(&b) = t.dims().first() else {
                    return Err(ServeError::invalid(format!(
                        "output '{name}' is a scalar and has no batch dimension; use the columnar format ('inputs')"
                    )));
                };
                if batch.is_some_and(|x| x != b) {
                    return Err(ServeError::invalid(
                        "outputs differ in batch size; use the columnar format ('inputs')",
                    ));
                }
                batch = Some(b);
            }
            out.push_str("{\"predictions\":[");
            for r in 0..batch.unwrap_or(0) {
                if r > 0 {
                    out.push(',');
                }
                match outputs {
                    [(name, t)] => write_tensor(&mut out, name, t, Some(r)),
                    _ => {
                        out.push('{');
                        for (i, (name, t)) in outputs.iter().enumerate() {
                            if i > 0 {
                                out.push(',');
                            }
                            json_key(&mut out, name);
                            write_tensor(&mut out, name, t, Some(r));
                        }
                        out.push('}');
                    }
                }
            }
            out.push_str("]}");
        }
    }
    Ok(out)
}

/// A gRPC input: decoded with the TensorFlow frontend's checks, after its
/// element count is checked against the model's limit.
pub fn tensor_from_proto(
    name: &str,
    proto: &TensorProto,
    limits: &InputLimits,
    budget: &Budget,
) -> ServeResult<Tensor> {
    let what = format!("input '{name}'");
    let dims = match &proto.tensor_shape {
        None => Vec::new(),
        Some(s) => {
            if s.unknown_rank || s.dim.len() > ward_tensor::MAX_RANK {
                return Err(ServeError::invalid(format!(
                    "{what}: the shape must be fully defined"
                )));
            }
            s.dim
                .iter()
                .map(|d| {
                    usize::try_from(d.size)
                        .map_err(|_| ServeError::invalid(format!("{what}: negative dimension")))
                })
                .collect::<ServeResult<Vec<_>>>()?
        }
    };
    elements(&dims, limits, &what)?;
    ward_tf::tensor_proto::tensor(proto, budget)
        .map_err(|e| ServeError::from(e.with(ward_tensor::Frame::Note(what))))
}

/// Checks the batch and total-element limits over decoded inputs.
pub fn check_inputs(inputs: &[(String, Tensor)], limits: &InputLimits) -> ServeResult<()> {
    check_batch(inputs, limits)
}

/// A gRPC output: raw little-endian `tensor_content` (strings in
/// `string_val`).
pub fn tensor_to_proto(t: &Tensor) -> ServeResult<TensorProto> {
    let tensor_shape = Some(TensorShapeProto {
        dim: t
            .dims()
            .iter()
            .map(|&d| tensor_shape_proto::Dim {
                size: i64::try_from(d).unwrap_or(i64::MAX),
                name: String::new(),
            })
            .collect(),
        unknown_rank: false,
    });
    let mut proto = TensorProto {
        dtype: ward_tf::dtype::tf_code(t.dtype()),
        tensor_shape,
        ..Default::default()
    };
    if t.dtype() == DType::String {
        proto.string_val = t.as_strings()?.to_vec();
    } else {
        proto.tensor_content = t.to_le_bytes()?;
    }
    Ok(proto)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    fn reply(inputs: &[(&str, DType)]) -> LoadReply {
        LoadReply {
            inputs: inputs
                .iter()
                .map(|(n, d)| (n.to_string(), *d, vec![-1, 2]))
                .collect(),
            outputs: vec!["y".into()],
            output_specs: vec![(None, vec![])],
        }
    }
    const LIMITS: InputLimits = InputLimits {
        max_elements: 100,
        max_batch: 8,
    };

    #[test]
    fn row_and_columnar_single_input() {
        let r = reply(&[("x", DType::F32)]);
        let p = parse_predict_json(br#"{"instances": [[1, 2], [3, 4.5]]}"#, &r, &LIMITS).unwrap();
        assert_eq!(p.format, JsonFormat::Row);
        assert_eq!(p.inputs[0].1.dims(), &[2, 2]);
        assert_eq!(
            p.inputs[0].1.as_slice::<f32>().unwrap(),
            &[1.0, 2.0, 3.0, 4.5]
        );
        let p = parse_predict_json(
            br#"{"inputs": {"x": [[1, 2]]}, "signature_name": "s"}"#,
            &r,
            &LIMITS,
        )
        .unwrap();
        assert_eq!(p.format, JsonFormat::Columnar);
        assert_eq!(p.signature_name.as_deref(), Some("s"));
        assert_eq!(p.inputs[0].1.dims(), &[1, 2]);
        let p = parse_predict_json(br#"{"inputs": 7}"#, &r, &LIMITS).unwrap();
        assert_eq!(p.inputs[0].1.dims(), &[] as &[usize]);
    }

    #[test]
    fn row_format_with_named_inputs() {
        let r = reply(&[("a", DType::I64), ("b", DType::Bool)]);
        let p = parse_predict_json(
            br#"{"instances": [{"a": 1, "b": true}, {"a": 2, "b": false}]}"#,
            &r,
            &LIMITS,
        )
        .unwrap();
        let a = p.inputs.iter().find(|(n, _)| n == "a").unwrap();
        assert_eq!(a.1.as_slice::<i64>().unwrap(), &[1, 2]);
        assert!(
            parse_predict_json(
                br#"{"instances": [{"a": 1, "b": true}, {"a": 2}]}"#,
                &r,
                &LIMITS
            )
            .is_err()
        );
    }

    #[test]
    fn refuses_bad_bodies() {
        let r = reply(&[("x", DType::I32)]);
        for body in [
            &br#"{"instances": [[1, 2], [3]]}"#[..],
            br#"{"instances": [[1, 2], 3]}"#,
            br#"{"instances": [1.5]}"#,
            br#"{"instances": [3000000000]}"#,
            br#"{"instances": [], "inputs": []}"#,
            br#"{"instancez": []}"#,
            br#"[1]"#,
            br#"{"instances": [1,2,3,4,5,6,7,8,9]}"#,
            br#"{"inputs": {"nope": 1}}"#,
            b"{",
        ] {
            let e = parse_predict_json(body, &r, &LIMITS).unwrap_err();
            assert_eq!(
                e.status,
                crate::Status::InvalidArgument,
                "{}",
                String::from_utf8_lossy(body)
            );
        }
        // Too many elements is refused before anything is allocated.
        let big = format!("{{\"inputs\": [{}]}}", vec!["1"; 101].join(","));
        assert!(
            parse_predict_json(big.as_bytes(), &r, &LIMITS)
                .unwrap_err()
                .message
                .contains("limit")
        );
    }

    #[test]
    fn responses_in_both_layouts() {
        let t = Tensor::from_vec(
            Shape::new(vec![2, 2]).unwrap(),
            vec![0.5f32, 1e-7, f32::NAN, 2.0],
            None,
        )
        .unwrap();
        let one = vec![("y".to_string(), t.clone())];
        assert_eq!(
            predict_response_json(JsonFormat::Row, &one).unwrap(),
            r#"{"predictions":[[0.5,1e-7],[NaN,2]]}"#
        );
        assert_eq!(
            predict_response_json(JsonFormat::Columnar, &one).unwrap(),
            r#"{"outputs":[[0.5,1e-7],[NaN,2]]}"#
        );
        let two = vec![
            ("y".to_string(), t),
            (
                "z".to_string(),
                Tensor::from_vec(Shape::new(vec![2]).unwrap(), vec![1i64, 2], None).unwrap(),
            ),
        ];
        assert_eq!(
            predict_response_json(JsonFormat::Row, &two).unwrap(),
            r#"{"predictions":[{"y":[0.5,1e-7],"z":1},{"y":[NaN,2],"z":2}]}"#
        );
        let scalar = vec![("s".to_string(), Tensor::scalar(1.0f32))];
        assert!(predict_response_json(JsonFormat::Row, &scalar).is_err());
    }

    #[test]
    fn proto_round_trip() {
        let t =
            Tensor::from_vec(Shape::new(vec![3]).unwrap(), vec![1.0f32, 2.0, 3.0], None).unwrap();
        let p = tensor_to_proto(&t).unwrap();
        let back = tensor_from_proto("x", &p, &LIMITS, &Budget::unlimited()).unwrap();
        assert_eq!(back.as_slice::<f32>().unwrap(), &[1.0, 2.0, 3.0]);
        let mut huge = p.clone();
        huge.tensor_shape.as_mut().unwrap().dim[0].size = 1 << 40;
        assert!(tensor_from_proto("x", &huge, &LIMITS, &Budget::unlimited()).is_err());
    }
}
