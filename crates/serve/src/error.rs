//! Serving errors: one status set shared by REST (HTTP status) and gRPC
//! (gRPC code), following TF Serving's mapping.

use ward_tensor::{Code, Error};

/// What went wrong, in the terms both protocols can express.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    InvalidArgument,
    Unauthenticated,
    PermissionDenied,
    NotFound,
    ResourceExhausted,
    FailedPrecondition,
    Unimplemented,
    DeadlineExceeded,
    Unavailable,
    OutOfRange,
    Cancelled,
    DataLoss,
    Internal,
    /// The request body is over the limit (HTTP 413).
    PayloadTooLarge,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::InvalidArgument => "InvalidArgument",
            Status::Unauthenticated => "Unauthenticated",
            Status::PermissionDenied => "PermissionDenied",
            Status::NotFound => "NotFound",
            Status::ResourceExhausted => "ResourceExhausted",
            Status::FailedPrecondition => "FailedPrecondition",
            Status::Unimplemented => "Unimplemented",
            Status::DeadlineExceeded => "DeadlineExceeded",
            Status::Unavailable => "Unavailable",
            Status::OutOfRange => "OutOfRange",
            Status::Cancelled => "Cancelled",
            Status::DataLoss => "DataLoss",
            Status::Internal => "Internal",
            Status::PayloadTooLarge => "PayloadTooLarge",
        }
    }

    /// TF Serving's HTTP mapping (plus 401 for credentials).
    pub fn http(self) -> u16 {
        match self {
            Status::InvalidArgument | Status::FailedPrecondition | Status::OutOfRange => 400,
            Status::Unauthenticated => 401,
            Status::PermissionDenied => 403,
            Status::NotFound => 404,
            Status::ResourceExhausted => 429,
            Status::Unimplemented => 501,
            Status::Unavailable => 503,
            Status::DeadlineExceeded => 504,
            Status::Cancelled => 499,
            Status::PayloadTooLarge => 413,
            Status::DataLoss | Status::Internal => 500,
        }
    }

    /// The gRPC / TensorFlow error code number.
    pub fn grpc(self) -> tonic::Code {
        match self {
            Status::InvalidArgument => tonic::Code::InvalidArgument,
            Status::Unauthenticated => tonic::Code::Unauthenticated,
            Status::PermissionDenied => tonic::Code::PermissionDenied,
            Status::NotFound => tonic::Code::NotFound,
            Status::ResourceExhausted => tonic::Code::ResourceExhausted,
            Status::FailedPrecondition => tonic::Code::FailedPrecondition,
            Status::Unimplemented => tonic::Code::Unimplemented,
            Status::DeadlineExceeded => tonic::Code::DeadlineExceeded,
            Status::Unavailable => tonic::Code::Unavailable,
            Status::OutOfRange => tonic::Code::OutOfRange,
            Status::Cancelled => tonic::Code::Cancelled,
            Status::DataLoss => tonic::Code::DataLoss,
            Status::Internal => tonic::Code::Internal,
            Status::PayloadTooLarge => tonic::Code::ResourceExhausted,
        }
    }
}

impl From<Code> for Status {
    fn from(code: Code) -> Self {
        match code {
            Code::InvalidArgument => Status::InvalidArgument,
            Code::NotFound => Status::NotFound,
            Code::FailedPrecondition => Status::FailedPrecondition,
            Code::ResourceExhausted => Status::ResourceExhausted,
            Code::DeadlineExceeded => Status::DeadlineExceeded,
            Code::PermissionDenied => Status::PermissionDenied,
            Code::Unimplemented => Status::Unimplemented,
            Code::OutOfRange => Status::OutOfRange,
            Code::Cancelled => Status::Cancelled,
            Code::DataLoss => Status::DataLoss,
            Code::Internal => Status::Internal,
        }
    }
}

/// A request's failure: a status and a message safe to show the client.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: {message}", status.as_str())]
pub struct ServeError {
    pub status: Status,
    pub message: String,
}

impl ServeError {
    pub fn new(status: Status, message: impl Into<String>) -> Self {
        ServeError {
            status,
            message: message.into(),
        }
    }
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(Status::InvalidArgument, message)
    }
    pub fn unauthenticated(message: impl Into<String>) -> Self {
        Self::new(Status::Unauthenticated, message)
    }
    pub fn denied(message: impl Into<String>) -> Self {
        Self::new(Status::PermissionDenied, message)
    }
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(Status::NotFound, message)
    }
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(Status::Internal, message)
    }
}

impl From<Error> for ServeError {
    fn from(e: Error) -> Self {
        ServeError::new(e.code().into(), e.to_string())
    }
}

impl From<ServeError> for tonic::Status {
    fn from(e: ServeError) -> Self {
        tonic::Status::new(e.status.grpc(), e.message)
    }
}

pub type ServeResult<T> = std::result::Result<T, ServeError>;
