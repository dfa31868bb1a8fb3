//! The framed IPC protocol between the supervisor and the worker.
//!
//! A frame is a little-endian `u32` payload length followed by the payload.
//! Every frame is capped (default [`DEFAULT_MAX_FRAME`], 1 GiB) before any
//! byte of it is allocated, and every payload is fully validated by
//! [`decode_message`], which never panics and never allocates more than the
//! bytes it was given can justify.
//!
//! Payload layout: one tag byte, then the message body. Integers are little
//! endian; strings and byte blobs are a `u64` length followed by the bytes;
//! lists are a `u64` count followed by the elements. A tensor is a dtype byte,
//! a rank byte, `rank` dims as `u64`, then its raw little-endian element bytes
//! as a blob (string tensors are not supported on the wire: clean error).

use std::io::{Read, Write};

use ward_tensor::{Budget, Code, DType, Error, MAX_RANK, Result, Shape, Tensor};

/// Default cap on one frame's payload: 1 GiB.
pub const DEFAULT_MAX_FRAME: u32 = 1 << 30;

/// What kind of model a [`LoadRequest`] carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModelKind {
    SavedModel {
        tag_set: Vec<String>,
        signature: String,
    },
    GraphDef {
        path: String,
        outputs: Vec<String>,
    },
}

/// Resource limits the worker's executor applies to each run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorkerLimits {
    pub memory_bytes: u64,
    pub timeout_ms: u64,
    pub max_loop_iterations: u64,
    pub threads: u32,
}

/// Everything the worker needs to load a model: the files as bytes (the
/// worker cannot open files), the model kind, the policy and the limits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadRequest {
    /// Relative path → file bytes.
    pub files: Vec<(String, Vec<u8>)>,
    pub kind: ModelKind,
    pub policy_toml: String,
    pub limits: WorkerLimits,
    /// Rewrite the graph at load (inline calls, fold constants, fuse
    /// layers); `false` runs it exactly as loaded.
    pub optimize: bool,
}

/// The model's signature as the worker sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadReply {
    /// Input name, dtype and dims (`-1` = unknown).
    pub inputs: Vec<(String, DType, Vec<i64>)>,
    pub outputs: Vec<String>,
    /// Per output (same order): dtype and dims when the signature declares
    /// them (`None` / empty = unknown).
    pub output_specs: Vec<(Option<DType>, Vec<i64>)>,
}

/// Actions a hostile test worker attempts (test builds only).
#[cfg(feature = "hostile-tests")]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostileAction {
    ReadFile(String),
    CreateFile(String),
    ConnectTcp(u16),
    ExecShell,
    Fork,
    Ptrace(i32),
    Kill(i32),
    Allocate(u64),
    Spin,
    Abort,
    Panic,
}

/// A tensor whose little-endian bytes lie in a shared region at
/// `offset..offset + len` (a run's inputs or outputs skip the socket).
#[derive(Debug, Clone, PartialEq)]
pub struct SharedTensor {
    pub name: String,
    pub dtype: DType,
    pub shape: Shape,
    pub offset: u64,
    pub len: u64,
}

/// One message on the channel.
#[derive(Debug, Clone, PartialEq)]
pub enum Message {
    /// Worker → supervisor, once, after confinement: the active layers
    /// (bit set of [`crate::Layer`]).
    Started(u32),
    Load(LoadRequest),
    Ready(LoadReply),
    Run(Vec<(String, Tensor)>),
    /// A run whose input data the supervisor placed in the shared region.
    RunShared(Vec<SharedTensor>),
    Outputs(Vec<(String, Tensor)>),
    /// Run outputs whose data the worker placed in the reply region.
    OutputsShared(Vec<SharedTensor>),
    Error {
        code: Code,
        message: String,
    },
    Shutdown,
    /// Supervisor → worker: scan the model (the same request as a load)
    /// and reply with the report.
    Scan(LoadRequest),
    /// Worker → supervisor: a scan report (JSON).
    Report(String),
    #[cfg(feature = "hostile-tests")]
    Hostile(HostileAction),
}

const TAG_STARTED: u8 = 1;
const TAG_LOAD: u8 = 2;
const TAG_READY: u8 = 3;
const TAG_RUN: u8 = 4;
const TAG_OUTPUTS: u8 = 5;
const TAG_ERROR: u8 = 6;
const TAG_SHUTDOWN: u8 = 7;
const TAG_SCAN: u8 = 8;
const TAG_REPORT: u8 = 9;
const TAG_RUN_SHARED: u8 = 10;
const TAG_OUTPUTS_SHARED: u8 = 11;
#[cfg(feature = "hostile-tests")]
const TAG_HOSTILE: u8 = 0xEE;

const CODES: [Code; 11] = [
    Code::InvalidArgument,
    Code::NotFound,
    Code::FailedPrecondition,
    Code::ResourceExhausted,
    Code::DeadlineExceeded,
    Code::PermissionDenied,
    Code::Unimplemented,
    Code::OutOfRange,
    Code::Cancelled,
    Code::DataLoss,
    Code::Internal,
];

fn code_byte(code: Code) -> u8 {
    CODES
        .iter()
        .position(|c| *c == code)
        .and_then(|i| u8::try_from(i).ok())
        .unwrap_or(10)
}

fn dtype_byte(dtype: DType) -> u8 {
    DType::ALL
        .iter()
        .position(|d| *d == dtype)
        .and_then(|i| u8::try_from(i).ok())
        .unwrap_or(u8::MAX)
}

fn dtype_from_byte(b: u8) -> Result<DType> {
    DType::ALL
        .get(usize::from(b))
        .copied()
        .ok_or_else(|| Error::invalid_argument(format!("protocol: unknown dtype byte {b}")))
}

// ---------------------------------------------------------------- encoding

struct Enc(Vec<u8>);

impl Enc {
    fn u8(&mut self, v: u8) {
        self.0.push(v);
    }
    fn u32(&mut self, v: u32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn u64(&mut self, v: u64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn i64(&mut self, v: i64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn len(&mut self, n: usize) {
        self.u64(u64::try_from(n).unwrap_or(u64::MAX));
    }
    fn bytes(&mut self, b: &[u8]) {
        self.len(b.len());
        self.0.extend_from_slice(b);
    }
    fn str(&mut self, s: &str) {
        self.bytes(s.as_bytes());
    }
    fn strs(&mut self, v: &[String]) {
        self.len(v.len());
        for s in v {
            self.str(s);
        }
    }
    fn tensor(&mut self, t: &Tensor) -> Result<()> {
        self.u8(dtype_byte(t.dtype()));
        self.u8(u8::try_from(t.rank()).map_err(|_| Error::invalid_argument("rank too large"))?);
        for &d in t.dims() {
            self.u64(u64::try_from(d).unwrap_or(u64::MAX));
        }
        // The length prefix is patched once the data is appended in place.
        let prefix_at = self.0.len();
        self.len(0);
        t.append_le_bytes(&mut self.0)?;
        let data_len = self.0.len().saturating_sub(prefix_at).saturating_sub(8);
        let prefix = u64::try_from(data_len).unwrap_or(u64::MAX).to_le_bytes();
        self.0
            .get_mut(prefix_at..prefix_at.saturating_add(8))
            .ok_or_else(|| Error::internal("protocol: tensor length prefix out of range"))?
            .copy_from_slice(&prefix);
        Ok(())
    }
    /// The payload of a Load or Scan message.
    fn load_request(&mut self, req: &LoadRequest) {
        self.len(req.files.len());
        for (path, bytes) in &req.files {
            self.str(path);
            self.bytes(bytes);
        }
        match &req.kind {
            ModelKind::SavedModel { tag_set, signature } => {
                self.u8(0);
                self.strs(tag_set);
                self.str(signature);
            }
            ModelKind::GraphDef { path, outputs } => {
                self.u8(1);
                self.str(path);
                self.strs(outputs);
            }
        }
        self.str(&req.policy_toml);
        self.u64(req.limits.memory_bytes);
        self.u64(req.limits.timeout_ms);
        self.u64(req.limits.max_loop_iterations);
        self.u32(req.limits.threads);
        self.u8(u8::from(req.optimize));
    }

    fn named_tensors(&mut self, v: &[(String, Tensor)]) -> Result<()> {
        self.len(v.len());
        for (name, t) in v {
            self.str(name);
            self.tensor(t)
                .map_err(|e| e.with(ward_tensor::Frame::Note(format!("tensor '{name}'"))))?;
        }
        Ok(())
    }

    fn shared_tensors(&mut self, v: &[SharedTensor]) -> Result<()> {
        self.len(v.len());
        for t in v {
            self.str(&t.name);
            self.u8(dtype_byte(t.dtype));
            self.u8(u8::try_from(t.shape.rank())
                .map_err(|_| Error::invalid_argument("rank too large"))?);
            for &d in t.shape.dims() {
                self.u64(u64::try_from(d).unwrap_or(u64::MAX));
            }
            self.u64(t.offset);
            self.u64(t.len);
        }
        Ok(())
    }
}

/// Encodes a message payload (without the length prefix).
pub fn encode_message(msg: &Message) -> Result<Vec<u8>> {
    let mut e = Enc(Vec::new());
    match msg {
        Message::Started(layers) => {
            e.u8(TAG_STARTED);
            e.u32(*layers);
        }
        Message::Load(req) => {
            e.u8(TAG_LOAD);
            e.load_request(req);
        }
        Message::Scan(req) => {
            e.u8(TAG_SCAN);
            e.load_request(req);
        }
        Message::Report(json) => {
            e.u8(TAG_REPORT);
            e.str(json);
        }
        Message::Ready(reply) => {
            e.u8(TAG_READY);
            e.len(reply.inputs.len());
            for (name, dtype, dims) in &reply.inputs {
                e.str(name);
                e.u8(dtype_byte(*dtype));
                e.len(dims.len());
                for &d in dims {
                    e.i64(d);
                }
            }
            e.strs(&reply.outputs);
            e.len(reply.output_specs.len());
            for (dtype, dims) in &reply.output_specs {
                e.u8(dtype.map_or(u8::MAX, dtype_byte));
                e.len(dims.len());
                for &d in dims {
                    e.i64(d);
                }
            }
        }
        Message::Run(v) => {
            e.u8(TAG_RUN);
            e.named_tensors(v)?;
        }
        Message::RunShared(v) => {
            e.u8(TAG_RUN_SHARED);
            e.shared_tensors(v)?;
        }
        Message::Outputs(v) => {
            e.u8(TAG_OUTPUTS);
            e.named_tensors(v)?;
        }
        Message::OutputsShared(v) => {
            e.u8(TAG_OUTPUTS_SHARED);
            e.shared_tensors(v)?;
        }
        Message::Error { code, message } => {
            e.u8(TAG_ERROR);
            e.u8(code_byte(*code));
            e.str(message);
        }
        Message::Shutdown => e.u8(TAG_SHUTDOWN),
        #[cfg(feature = "hostile-tests")]
        Message::Hostile(action) => {
            e.u8(TAG_HOSTILE);
            match action {
                HostileAction::ReadFile(p) => {
                    e.u8(0);
                    e.str(p);
                }
                HostileAction::CreateFile(p) => {
                    e.u8(1);
                    e.str(p);
                }
                HostileAction::ConnectTcp(port) => {
                    e.u8(2);
                    e.u32(u32::from(*port));
                }
                HostileAction::ExecShell => e.u8(3),
                HostileAction::Fork => e.u8(4),
                HostileAction::Ptrace(pid) => {
                    e.u8(5);
                    e.i64(i64::from(*pid));
                }
                HostileAction::Kill(pid) => {
                    e.u8(6);
                    e.i64(i64::from(*pid));
                }
                HostileAction::Allocate(n) => {
                    e.u8(7);
                    e.u64(*n);
                }
                HostileAction::Spin => e.u8(8),
                HostileAction::Abort => e.u8(9),
                HostileAction::Panic => e.u8(10),
            }
        }
    }
    Ok(e.0)
}

// ---------------------------------------------------------------- decoding

struct Dec<'a> {
    rest: &'a [u8],
}

fn truncated(what: &str) -> Error {
    Error::invalid_argument(format!("protocol: truncated message while reading {what}"))
}

impl<'a> Dec<'a> {
    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8]> {
        if n > self.rest.len() {
            return Err(truncated(what));
        }
        let (head, tail) = self.rest.split_at(n);
        self.rest = tail;
        Ok(head)
    }
    fn array<const N: usize>(&mut self, what: &str) -> Result<[u8; N]> {
        let b = self.take(N, what)?;
        <[u8; N]>::try_from(b).map_err(|_| truncated(what))
    }
    fn u8(&mut self, what: &str) -> Result<u8> {
        Ok(u8::from_le_bytes(self.array::<1>(what)?))
    }
    fn u32(&mut self, what: &str) -> Result<u32> {
        Ok(u32::from_le_bytes(self.array::<4>(what)?))
    }
    fn u64(&mut self, what: &str) -> Result<u64> {
        Ok(u64::from_le_bytes(self.array::<8>(what)?))
    }
    fn i64(&mut self, what: &str) -> Result<i64> {
        Ok(i64::from_le_bytes(self.array::<8>(what)?))
    }
    /// A length or count that can't exceed the remaining bytes divided by
    /// the minimum encoded size of one element.
    fn count(&mut self, min_elem: usize, what: &str) -> Result<usize> {
        let n = self.u64(what)?;
        let n = usize::try_from(n).map_err(|_| truncated(what))?;
        let max = self.rest.len().checked_div(min_elem.max(1)).unwrap_or(0);
        if n > max {
            return Err(Error::invalid_argument(format!(
                "protocol: {what} count {n} exceeds the message size"
            )));
        }
        Ok(n)
    }
    fn bytes(&mut self, what: &str) -> Result<&'a [u8]> {
        let n = self.count(1, what)?;
        self.take(n, what)
    }
    fn string(&mut self, what: &str) -> Result<String> {
        let b = self.bytes(what)?;
        String::from_utf8(b.to_vec())
            .map_err(|_| Error::invalid_argument(format!("protocol: {what} is not UTF-8")))
    }
    fn strings(&mut self, what: &str) -> Result<Vec<String>> {
        let n = self.count(8, what)?;
        let mut v = Vec::with_capacity(n);
        for _ in 0..n {
            v.push(self.string(what)?);
        }
        Ok(v)
    }
    fn dtype_and_shape(&mut self, name: &str) -> Result<(DType, Shape)> {
        let dtype = dtype_from_byte(self.u8("tensor dtype")?)?;
        let rank = usize::from(self.u8("tensor rank")?);
        if rank > MAX_RANK {
            return Err(Error::invalid_argument(format!(
                "protocol: tensor '{name}' has rank {rank} > {MAX_RANK}"
            )));
        }
        let mut dims = Vec::with_capacity(rank);
        for _ in 0..rank {
            let d = self.u64("tensor dim")?;
            dims.push(usize::try_from(d).map_err(|_| Error::overflow("tensor dim"))?);
        }
        Ok((dtype, Shape::new(dims)?))
    }
    fn tensor(&mut self, name: &str) -> Result<Tensor> {
        let (dtype, shape) = self.dtype_and_shape(name)?;
        let raw = self.bytes("tensor data")?;
        Tensor::from_le_bytes(&Budget::unlimited(), dtype, shape, raw, name)
    }
    fn shared_tensors(&mut self) -> Result<Vec<SharedTensor>> {
        let n = self.count(8 + 2 + 16, "shared tensor list")?;
        let mut v = Vec::with_capacity(n);
        for _ in 0..n {
            let name = self.string("tensor name")?;
            let (dtype, shape) = self.dtype_and_shape(&name)?;
            let offset = self.u64("region offset")?;
            let len = self.u64("region length")?;
            v.push(SharedTensor {
                name,
                dtype,
                shape,
                offset,
                len,
            });
        }
        Ok(v)
    }
    fn named_tensors(&mut self) -> Result<Vec<(String, Tensor)>> {
        let n = self.count(8 + 2 + 8, "tensor list")?;
        let mut v = Vec::with_capacity(n);
        for _ in 0..n {
            let name = self.string("tensor name")?;
            let t = self.tensor(&name)?;
            v.push((name, t));
        }
        Ok(v)
    }
}

/// Decodes one message payload. Total on every byte string: returns an
/// `InvalidArgument` error for anything malformed, trailing bytes included.
/// The payload of a Load or Scan message.
fn decode_load(d: &mut Dec<'_>) -> Result<LoadRequest> {
    let n = d.count(16, "file list")?;
    let mut files = Vec::with_capacity(n);
    for _ in 0..n {
        let path = d.string("file path")?;
        let data = d.bytes("file data")?.to_vec();
        files.push((path, data));
    }
    let kind = match d.u8("model kind")? {
        0 => ModelKind::SavedModel {
            tag_set: d.strings("tag set")?,
            signature: d.string("signature")?,
        },
        1 => ModelKind::GraphDef {
            path: d.string("graph path")?,
            outputs: d.strings("graph outputs")?,
        },
        k => {
            return Err(Error::invalid_argument(format!(
                "protocol: unknown model kind {k}"
            )));
        }
    };
    let policy_toml = d.string("policy")?;
    let limits = WorkerLimits {
        memory_bytes: d.u64("memory limit")?,
        timeout_ms: d.u64("timeout")?,
        max_loop_iterations: d.u64("loop limit")?,
        threads: d.u32("threads")?,
    };
    let optimize = match d.u8("optimize flag")? {
        0 => false,
        1 => true,
        b => {
            return Err(Error::invalid_argument(format!(
                "protocol: optimize flag {b} is not 0 or 1"
            )));
        }
    };
    Ok(LoadRequest {
        files,
        kind,
        policy_toml,
        limits,
        optimize,
    })
}

pub fn decode_message(bytes: &[u8]) -> Result<Message> {
    let mut d = Dec { rest: bytes };
    let msg = match d.u8("tag")? {
        TAG_STARTED => Message::Started(d.u32("layers")?),
        TAG_LOAD => Message::Load(decode_load(&mut d)?),
        TAG_SCAN => Message::Scan(decode_load(&mut d)?),
        TAG_REPORT => Message::Report(d.string("report")?),
        TAG_READY => {
            let n = d.count(8 + 1 + 8, "input list")?;
            let mut inputs = Vec::with_capacity(n);
            for _ in 0..n {
                let name = d.string("input name")?;
                let dtype = dtype_from_byte(d.u8("input dtype")?)?;
                let rank = d.count(8, "input dims")?;
                if rank > MAX_RANK {
                    return Err(Error::invalid_argument("protocol: input rank too large"));
                }
                let mut dims = Vec::with_capacity(rank);
                for _ in 0..rank {
                    let v = d.i64("input dim")?;
                    if v < -1 {
                        return Err(Error::invalid_argument("protocol: negative input dim"));
                    }
                    dims.push(v);
                }
                inputs.push((name, dtype, dims));
            }
            let outputs = d.strings("output names")?;
            let count = d.count(1 + 8, "output specs")?;
            if count != outputs.len() {
                return Err(Error::invalid_argument(
                    "protocol: output specs do not match the outputs",
                ));
            }
            let mut output_specs = Vec::with_capacity(count);
            for _ in 0..count {
                let b = d.u8("output dtype")?;
                let dtype = if b == u8::MAX {
                    None
                } else {
                    Some(dtype_from_byte(b)?)
                };
                let rank = d.count(8, "output dims")?;
                if rank > MAX_RANK {
                    return Err(Error::invalid_argument("protocol: output rank too large"));
                }
                let mut dims = Vec::with_capacity(rank);
                for _ in 0..rank {
                    let v = d.i64("output dim")?;
                    if v < -1 {
                        return Err(Error::invalid_argument("protocol: negative output dim"));
                    }
                    dims.push(v);
                }
                output_specs.push((dtype, dims));
            }
            Message::Ready(LoadReply {
                inputs,
                outputs,
                output_specs,
            })
        }
        TAG_RUN => Message::Run(d.named_tensors()?),
        TAG_RUN_SHARED => Message::RunShared(d.shared_tensors()?),
        TAG_OUTPUTS => Message::Outputs(d.named_tensors()?),
        TAG_OUTPUTS_SHARED => Message::OutputsShared(d.shared_tensors()?),
        TAG_ERROR => {
            let b = d.u8("error code")?;
            let code = CODES
                .get(usize::from(b))
                .copied()
                .ok_or_else(|| Error::invalid_argument(format!("protocol: unknown code {b}")))?;
            Message::Error {
                code,
                message: d.string("error message")?,
            }
        }
        TAG_SHUTDOWN => Message::Shutdown,
        #[cfg(feature = "hostile-tests")]
        TAG_HOSTILE => Message::Hostile(match d.u8("hostile action")? {
            0 => HostileAction::ReadFile(d.string("path")?),
            1 => HostileAction::CreateFile(d.string("path")?),
            2 => HostileAction::ConnectTcp(
                u16::try_from(d.u32("port")?).map_err(|_| Error::invalid_argument("port"))?,
            ),
            3 => HostileAction::ExecShell,
            4 => HostileAction::Fork,
            5 => HostileAction::Ptrace(
                i32::try_from(d.i64("pid")?).map_err(|_| Error::invalid_argument("pid"))?,
            ),
            6 => HostileAction::Kill(
                i32::try_from(d.i64("pid")?).map_err(|_| Error::invalid_argument("pid"))?,
            ),
            7 => HostileAction::Allocate(d.u64("bytes")?),
            8 => HostileAction::Spin,
            9 => HostileAction::Abort,
            10 => HostileAction::Panic,
            a => {
                return Err(Error::invalid_argument(format!(
                    "protocol: unknown action {a}"
                )));
            }
        }),
        t => {
            return Err(Error::invalid_argument(format!(
                "protocol: unknown message tag {t}"
            )));
        }
    };
    if !d.rest.is_empty() {
        return Err(Error::invalid_argument(format!(
            "protocol: {} trailing bytes after the message",
            d.rest.len()
        )));
    }
    Ok(msg)
}

/// Writes one frame. Fails (before writing anything) if the payload exceeds
/// `max_frame`.
pub fn write_frame(w: &mut dyn Write, msg: &Message, max_frame: u32) -> Result<()> {
    let payload = encode_message(msg)?;
    let len = u32::try_from(payload.len())
        .ok()
        .filter(|&n| n <= max_frame)
        .ok_or_else(|| {
            Error::resource_exhausted(format!(
                "protocol: message of {} bytes exceeds the frame cap of {max_frame} bytes",
                payload.len()
            ))
        })?;
    w.write_all(&len.to_le_bytes())?;
    w.write_all(&payload)?;
    w.flush()?;
    Ok(())
}

/// Reads one frame. `Ok(None)` on a clean end of stream before the first
/// byte of a frame; an error for a truncated frame, an oversized length or a
/// malformed payload. Memory for the payload is reserved only after the
/// length passed the cap, and fallibly.
pub fn read_frame(r: &mut dyn Read, max_frame: u32) -> Result<Option<Message>> {
    let mut len = [0u8; 4];
    let mut got = 0usize;
    while got < len.len() {
        let buf = len
            .get_mut(got..)
            .ok_or_else(|| truncated("frame length"))?;
        match r.read(buf) {
            Ok(0) if got == 0 => return Ok(None),
            Ok(0) => {
                return Err(Error::data_loss(
                    "protocol: stream ended inside a frame length",
                ));
            }
            Ok(n) => got = got.saturating_add(n),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e.into()),
        }
    }
    let len = u32::from_le_bytes(len);
    if len > max_frame {
        return Err(Error::resource_exhausted(format!(
            "protocol: frame of {len} bytes exceeds the cap of {max_frame} bytes"
        )));
    }
    let len = usize::try_from(len).map_err(|_| Error::overflow("frame length"))?;
    let mut payload = Vec::new();
    payload
        .try_reserve_exact(len)
        .map_err(|_| Error::resource_exhausted(format!("protocol: cannot allocate {len} bytes")))?;
    // One zero-fill, then reads as large as the socket offers: read_to_end
    // would probe with small reads first.
    payload.resize(len, 0);
    r.read_exact(&mut payload).map_err(|e| match e.kind() {
        std::io::ErrorKind::UnexpectedEof => {
            Error::data_loss("protocol: stream ended inside a frame")
        }
        _ => e.into(),
    })?;
    decode_message(&payload).map(Some)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn roundtrip(m: Message) {
        let bytes = encode_message(&m).unwrap();
        // Tensors compare their budget leases too: compare re-encodings.
        assert_eq!(
            encode_message(&decode_message(&bytes).unwrap()).unwrap(),
            bytes
        );
        // Every strict prefix must fail cleanly.
        for cut in 0..bytes.len() {
            assert!(decode_message(&bytes[..cut]).is_err());
        }
    }

    #[test]
    fn messages_roundtrip_and_prefixes_fail() {
        let t = Tensor::from_vec(
            Shape::new(vec![2, 2]).unwrap(),
            vec![1.0f32, 2.0, 3.0, 4.0],
            None,
        )
        .unwrap();
        roundtrip(Message::Run(vec![("x".into(), t.clone())]));
        roundtrip(Message::Outputs(vec![
            ("y".into(), t),
            ("z".into(), Tensor::scalar(7i64)),
        ]));
        roundtrip(Message::RunShared(vec![
            SharedTensor {
                name: "x".into(),
                dtype: DType::F32,
                shape: Shape::new(vec![224, 224, 3]).unwrap(),
                offset: 0,
                len: 602_112,
            },
            SharedTensor {
                name: "mask".into(),
                dtype: DType::Bool,
                shape: Shape::new(vec![]).unwrap(),
                offset: 602_112,
                len: 1,
            },
        ]));
        roundtrip(Message::OutputsShared(vec![SharedTensor {
            name: "logits".into(),
            dtype: DType::F32,
            shape: Shape::new(vec![1, 128, 30522]).unwrap(),
            offset: 64,
            len: 15_627_264,
        }]));
        roundtrip(Message::Started(0b1011));
        roundtrip(Message::Shutdown);
        roundtrip(Message::Report("{\"verdict\": \"clean\"}".into()));
        roundtrip(Message::Error {
            code: Code::PermissionDenied,
            message: "no".into(),
        });
        roundtrip(Message::Ready(LoadReply {
            inputs: vec![("x".into(), DType::F32, vec![-1, 3])],
            outputs: vec!["y".into()],
            output_specs: vec![(Some(DType::F32), vec![-1, 2])],
        }));
        roundtrip(Message::Load(LoadRequest {
            files: vec![("saved_model.pb".into(), vec![1, 2, 3])],
            kind: ModelKind::SavedModel {
                tag_set: vec!["serve".into()],
                signature: "serving_default".into(),
            },
            policy_toml: "allow = []".into(),
            limits: WorkerLimits {
                memory_bytes: 1 << 30,
                timeout_ms: 1000,
                max_loop_iterations: 10,
                threads: 2,
            },
            optimize: true,
        }));
        roundtrip(Message::Load(LoadRequest {
            files: vec![],
            kind: ModelKind::GraphDef {
                path: "g.pb".into(),
                outputs: vec!["out:0".into()],
            },
            policy_toml: String::new(),
            limits: WorkerLimits {
                memory_bytes: 0,
                timeout_ms: 0,
                max_loop_iterations: 0,
                threads: 0,
            },
            optimize: false,
        }));
    }

    #[test]
    fn garbage_never_panics() {
        // Deterministic pseudo-random bytes, and every single-byte mutation
        // of a valid message.
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for len in 0..2000usize {
            let mut v = Vec::with_capacity(len % 64);
            for _ in 0..(len % 64) {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                v.push(x as u8);
            }
            let _ = decode_message(&v);
        }
        let t = Tensor::from_vec(Shape::new(vec![3]).unwrap(), vec![1i32, 2, 3], None).unwrap();
        let good = encode_message(&Message::Run(vec![("in".into(), t)])).unwrap();
        for i in 0..good.len() {
            for b in [0u8, 1, 0x7F, 0xFF] {
                let mut m = good.clone();
                m[i] = b;
                let _ = decode_message(&m);
            }
        }
    }

    #[test]
    fn huge_counts_are_rejected_without_allocating() {
        let mut m = vec![TAG_RUN];
        m.extend_from_slice(&u64::MAX.to_le_bytes());
        assert_eq!(
            decode_message(&m).unwrap_err().code(),
            Code::InvalidArgument
        );
        let mut frame = Vec::new();
        frame.extend_from_slice(&u32::MAX.to_le_bytes());
        let err = read_frame(&mut frame.as_slice(), DEFAULT_MAX_FRAME).unwrap_err();
        assert_eq!(err.code(), Code::ResourceExhausted);
    }

    #[test]
    fn string_tensors_are_a_clean_error() {
        let t = Tensor::from_storage(
            Shape::new(vec![1]).unwrap(),
            ward_tensor::Storage::String(vec![b"a".to_vec()]),
            None,
        )
        .unwrap();
        let err = encode_message(&Message::Run(vec![("s".into(), t)])).unwrap_err();
        assert_eq!(err.code(), Code::Unimplemented);
    }
}
