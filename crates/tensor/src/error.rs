//! One error type for all of ward: a TF-style status code, a structured kind,
//! and a context chain (model, function, node, op, input index).

use std::fmt;

/// TensorFlow-style status codes. The CLI and the server map these to exit
/// codes and HTTP/gRPC statuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Code {
    InvalidArgument,
    NotFound,
    FailedPrecondition,
    ResourceExhausted,
    DeadlineExceeded,
    PermissionDenied,
    Unimplemented,
    OutOfRange,
    Cancelled,
    DataLoss,
    Internal,
}

impl Code {
    pub fn as_str(self) -> &'static str {
        match self {
            Code::InvalidArgument => "InvalidArgument",
            Code::NotFound => "NotFound",
            Code::FailedPrecondition => "FailedPrecondition",
            Code::ResourceExhausted => "ResourceExhausted",
            Code::DeadlineExceeded => "DeadlineExceeded",
            Code::PermissionDenied => "PermissionDenied",
            Code::Unimplemented => "Unimplemented",
            Code::OutOfRange => "OutOfRange",
            Code::Cancelled => "Cancelled",
            Code::DataLoss => "DataLoss",
            Code::Internal => "Internal",
        }
    }

    /// Parses a code name as written by TensorFlow (`InvalidArgument`,
    /// `InvalidArgumentError`).
    pub fn parse(name: &str) -> Option<Code> {
        let name = name.strip_suffix("Error").unwrap_or(name);
        [
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
        ]
        .into_iter()
        .find(|c| c.as_str() == name)
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What went wrong. Variants with structured fields for the failures that
/// callers and tests match on; `Other` for everything else.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ErrorKind {
    #[error(
        "memory budget exceeded: {what} needs {requested} bytes but only {available} of {limit} remain"
    )]
    MemoryBudget {
        what: String,
        requested: u64,
        available: u64,
        limit: u64,
    },
    #[error("allocation of {requested} bytes for {what} failed")]
    AllocationFailed { what: String, requested: u64 },
    #[error("deadline of {limit_ms} ms exceeded")]
    Deadline { limit_ms: u64 },
    #[error("loop iteration limit of {limit} exceeded")]
    LoopLimit { limit: u64 },
    #[error("run cancelled")]
    Cancelled,
    #[error("size overflow: {what}")]
    SizeOverflow { what: String },
    #[error("expected {expected} but got {got}")]
    Mismatch {
        code: Code,
        expected: String,
        got: String,
    },
    #[error("{message}")]
    Other { code: Code, message: String },
}

impl ErrorKind {
    pub fn code(&self) -> Code {
        match self {
            ErrorKind::MemoryBudget { .. }
            | ErrorKind::AllocationFailed { .. }
            | ErrorKind::LoopLimit { .. } => Code::ResourceExhausted,
            ErrorKind::Deadline { .. } => Code::DeadlineExceeded,
            ErrorKind::Cancelled => Code::Cancelled,
            ErrorKind::SizeOverflow { .. } => Code::InvalidArgument,
            ErrorKind::Mismatch { code, .. } | ErrorKind::Other { code, .. } => *code,
        }
    }
}

/// One frame of the context chain, innermost first.
#[derive(Debug, Clone, PartialEq)]
pub enum Frame {
    Input(usize),
    Output(usize),
    Node { name: String, op: String },
    Function(String),
    Model(String),
    File(String),
    Note(String),
}

impl fmt::Display for Frame {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Frame::Input(i) => write!(f, "input {i}"),
            Frame::Output(i) => write!(f, "output {i}"),
            Frame::Node { name, op } => write!(f, "node '{name}' (op {op})"),
            Frame::Function(name) => write!(f, "function '{name}'"),
            Frame::Model(name) => write!(f, "model '{name}'"),
            Frame::File(path) => write!(f, "file '{path}'"),
            Frame::Note(note) => f.write_str(note),
        }
    }
}

/// The error type of every ward crate.
#[derive(Debug, Clone, PartialEq)]
pub struct Error {
    kind: Box<ErrorKind>,
    context: Vec<Frame>,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn new(kind: ErrorKind) -> Self {
        Error {
            kind: Box::new(kind),
            context: Vec::new(),
        }
    }

    pub fn msg(code: Code, message: impl Into<String>) -> Self {
        Error::new(ErrorKind::Other {
            code,
            message: message.into(),
        })
    }

    pub fn invalid_argument(message: impl Into<String>) -> Self {
        Error::msg(Code::InvalidArgument, message)
    }
    pub fn not_found(message: impl Into<String>) -> Self {
        Error::msg(Code::NotFound, message)
    }
    pub fn unimplemented(message: impl Into<String>) -> Self {
        Error::msg(Code::Unimplemented, message)
    }
    pub fn failed_precondition(message: impl Into<String>) -> Self {
        Error::msg(Code::FailedPrecondition, message)
    }
    pub fn permission_denied(message: impl Into<String>) -> Self {
        Error::msg(Code::PermissionDenied, message)
    }
    pub fn resource_exhausted(message: impl Into<String>) -> Self {
        Error::msg(Code::ResourceExhausted, message)
    }
    pub fn out_of_range(message: impl Into<String>) -> Self {
        Error::msg(Code::OutOfRange, message)
    }
    pub fn data_loss(message: impl Into<String>) -> Self {
        Error::msg(Code::DataLoss, message)
    }
    pub fn internal(message: impl Into<String>) -> Self {
        Error::msg(Code::Internal, message)
    }
    pub fn overflow(what: impl Into<String>) -> Self {
        Error::new(ErrorKind::SizeOverflow { what: what.into() })
    }
    pub fn mismatch(code: Code, expected: impl fmt::Display, got: impl fmt::Display) -> Self {
        Error::new(ErrorKind::Mismatch {
            code,
            expected: expected.to_string(),
            got: got.to_string(),
        })
    }

    pub fn code(&self) -> Code {
        self.kind.code()
    }
    pub fn kind(&self) -> &ErrorKind {
        &self.kind
    }
    pub fn context(&self) -> &[Frame] {
        &self.context
    }

    /// Adds an outer context frame.
    pub fn with(mut self, frame: Frame) -> Self {
        // The same frame twice in a row adds nothing (e.g. nested helpers).
        if self.context.last() != Some(&frame) {
            self.context.push(frame);
        }
        self
    }
    pub fn at_node(self, name: &str, op: &str) -> Self {
        self.with(Frame::Node {
            name: name.to_string(),
            op: op.to_string(),
        })
    }
    pub fn at_input(self, index: usize) -> Self {
        self.with(Frame::Input(index))
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.kind)?;
        if !self.context.is_empty() {
            f.write_str(" [")?;
            for (i, frame) in self.context.iter().enumerate() {
                if i > 0 {
                    f.write_str(", in ")?;
                }
                write!(f, "{frame}")?;
            }
            f.write_str("]")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}

impl From<std::io::Error> for Error {
    fn from(err: std::io::Error) -> Self {
        let code = match err.kind() {
            std::io::ErrorKind::NotFound => Code::NotFound,
            std::io::ErrorKind::PermissionDenied => Code::PermissionDenied,
            std::io::ErrorKind::UnexpectedEof => Code::DataLoss,
            std::io::ErrorKind::OutOfMemory => Code::ResourceExhausted,
            _ => Code::Internal,
        };
        Error::msg(code, err.to_string())
    }
}

/// Adds context to results.
pub trait ResultExt<T> {
    fn ctx(self, frame: Frame) -> Result<T>;
    fn at_node(self, name: &str, op: &str) -> Result<T>;
    fn at_input(self, index: usize) -> Result<T>;
}

impl<T> ResultExt<T> for Result<T> {
    fn ctx(self, frame: Frame) -> Result<T> {
        self.map_err(|e| e.with(frame))
    }
    fn at_node(self, name: &str, op: &str) -> Result<T> {
        self.map_err(|e| e.at_node(name, op))
    }
    fn at_input(self, index: usize) -> Result<T> {
        self.map_err(|e| e.at_input(index))
    }
}

/// `bail!(InvalidArgument, "fmt", args)` returns an error with that code.
#[macro_export]
macro_rules! bail {
    ($code:ident, $($arg:tt)*) => {
        return Err($crate::Error::msg($crate::Code::$code, format!($($arg)*)))
    };
}

/// `ensure!(cond, InvalidArgument, "fmt", args)`.
#[macro_export]
macro_rules! ensure {
    ($cond:expr, $code:ident, $($arg:tt)*) => {
        if !$cond {
            $crate::bail!($code, $($arg)*);
        }
    };
}
