//! Tensors: a shape plus typed storage (one `Vec` per dtype, no byte
//! reinterpretation), shared cheaply through an `Arc`. A buffer carries the
//! budget lease it was charged to, so dropping the last clone frees both.

use crate::{Budget, DType, Error, Lease, Result, Shape};
use half::{bf16, f16};
use std::fmt;
use std::sync::Arc;

/// Typed element storage.
#[derive(Clone, PartialEq)]
pub enum Storage {
    F16(Vec<f16>),
    BF16(Vec<bf16>),
    F32(Vec<f32>),
    F64(Vec<f64>),
    I8(Vec<i8>),
    I16(Vec<i16>),
    I32(Vec<i32>),
    I64(Vec<i64>),
    U8(Vec<u8>),
    U16(Vec<u16>),
    U32(Vec<u32>),
    U64(Vec<u64>),
    Bool(Vec<bool>),
    String(Vec<Vec<u8>>),
}

/// Runs `$body` with `$v` bound to the typed vector inside any storage
/// (all variants, including strings).
#[macro_export]
macro_rules! match_storage {
    ($storage:expr, $v:ident => $body:expr) => {
        match $storage {
            $crate::Storage::F16($v) => $body,
            $crate::Storage::BF16($v) => $body,
            $crate::Storage::F32($v) => $body,
            $crate::Storage::F64($v) => $body,
            $crate::Storage::I8($v) => $body,
            $crate::Storage::I16($v) => $body,
            $crate::Storage::I32($v) => $body,
            $crate::Storage::I64($v) => $body,
            $crate::Storage::U8($v) => $body,
            $crate::Storage::U16($v) => $body,
            $crate::Storage::U32($v) => $body,
            $crate::Storage::U64($v) => $body,
            $crate::Storage::Bool($v) => $body,
            $crate::Storage::String($v) => $body,
        }
    };
}

impl Storage {
    pub fn dtype(&self) -> DType {
        match self {
            Storage::F16(_) => DType::F16,
            Storage::BF16(_) => DType::BF16,
            Storage::F32(_) => DType::F32,
            Storage::F64(_) => DType::F64,
            Storage::I8(_) => DType::I8,
            Storage::I16(_) => DType::I16,
            Storage::I32(_) => DType::I32,
            Storage::I64(_) => DType::I64,
            Storage::U8(_) => DType::U8,
            Storage::U16(_) => DType::U16,
            Storage::U32(_) => DType::U32,
            Storage::U64(_) => DType::U64,
            Storage::Bool(_) => DType::Bool,
            Storage::String(_) => DType::String,
        }
    }

    pub fn len(&self) -> usize {
        match_storage!(self, v => v.len())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bytes held, as charged to a budget (string contents included).
    pub fn charged_bytes(&self) -> usize {
        match self {
            Storage::String(v) => v.iter().fold(
                v.len().saturating_mul(std::mem::size_of::<Vec<u8>>()),
                |acc, s| acc.saturating_add(s.len()),
            ),
            other => other.len().saturating_mul(other.dtype().budget_size_of()),
        }
    }
}

/// A Rust type that is the element type of one dtype.
pub trait Element:
    Copy + Default + PartialEq + PartialOrd + fmt::Debug + Send + Sync + 'static
{
    const DTYPE: DType;
    fn slice(storage: &Storage) -> Option<&[Self]>;
    fn slice_mut(storage: &mut Storage) -> Option<&mut [Self]>;
    fn vec_mut(storage: &mut Storage) -> Option<&mut Vec<Self>>;
    fn wrap(vec: Vec<Self>) -> Storage;
    /// Appends the little-endian encoding.
    fn write_le(self, out: &mut Vec<u8>);
    /// Decodes one element from exactly `size_of` little-endian bytes.
    fn read_le(bytes: &[u8]) -> Option<Self>;
    /// The slice's own bytes when they already are its little-endian
    /// encoding, so large tensors cross process boundaries as one copy.
    fn le_bytes_of(values: &[Self]) -> Option<&[u8]>;
}

macro_rules! element {
    ($t:ty, $variant:ident) => {
        impl Element for $t {
            const DTYPE: DType = DType::$variant;
            fn slice(storage: &Storage) -> Option<&[Self]> {
                match storage {
                    Storage::$variant(v) => Some(v),
                    _ => None,
                }
            }
            fn slice_mut(storage: &mut Storage) -> Option<&mut [Self]> {
                match storage {
                    Storage::$variant(v) => Some(v),
                    _ => None,
                }
            }
            fn vec_mut(storage: &mut Storage) -> Option<&mut Vec<Self>> {
                match storage {
                    Storage::$variant(v) => Some(v),
                    _ => None,
                }
            }
            fn wrap(vec: Vec<Self>) -> Storage {
                Storage::$variant(vec)
            }
            fn write_le(self, out: &mut Vec<u8>) {
                out.extend_from_slice(&self.to_le_bytes());
            }
            fn read_le(bytes: &[u8]) -> Option<Self> {
                Some(<$t>::from_le_bytes(bytes.try_into().ok()?))
            }
            fn le_bytes_of(values: &[Self]) -> Option<&[u8]> {
                cfg!(target_endian = "little").then(|| bytemuck::cast_slice(values))
            }
        }
    };
}

element!(f16, F16);
element!(bf16, BF16);
element!(f32, F32);
element!(f64, F64);
element!(i8, I8);
element!(i16, I16);
element!(i32, I32);
element!(i64, I64);
element!(u8, U8);
element!(u16, U16);
element!(u32, U32);
element!(u64, U64);

impl Element for bool {
    const DTYPE: DType = DType::Bool;
    fn slice(storage: &Storage) -> Option<&[Self]> {
        match storage {
            Storage::Bool(v) => Some(v),
            _ => None,
        }
    }
    fn slice_mut(storage: &mut Storage) -> Option<&mut [Self]> {
        match storage {
            Storage::Bool(v) => Some(v),
            _ => None,
        }
    }
    fn vec_mut(storage: &mut Storage) -> Option<&mut Vec<Self>> {
        match storage {
            Storage::Bool(v) => Some(v),
            _ => None,
        }
    }
    fn wrap(vec: Vec<Self>) -> Storage {
        Storage::Bool(vec)
    }
    fn write_le(self, out: &mut Vec<u8>) {
        out.push(u8::from(self));
    }
    fn read_le(bytes: &[u8]) -> Option<Self> {
        match bytes {
            [b] => Some(*b != 0),
            _ => None,
        }
    }
    fn le_bytes_of(_: &[Self]) -> Option<&[u8]> {
        // Not every byte is a valid bool, so bools are encoded one by one.
        None
    }
}

#[derive(PartialEq)]
struct Buffer {
    data: Storage,
    // Held only to return the bytes to the budget on drop.
    #[allow(dead_code)]
    lease: Option<LeaseCell>,
}

/// Wrapper so `Buffer` can derive PartialEq while ignoring the lease.
struct LeaseCell(#[allow(dead_code)] Lease);
impl PartialEq for LeaseCell {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

/// A dense, row-major tensor.
#[derive(Clone, PartialEq)]
pub struct Tensor {
    shape: Shape,
    buf: Arc<Buffer>,
}

impl Tensor {
    /// Wraps storage whose length must equal the shape's element count.
    /// `lease` is the budget charge for the storage (None for tiny
    /// uncharged values such as scalars made by the runtime itself).
    pub fn from_storage(shape: Shape, data: Storage, lease: Option<Lease>) -> Result<Self> {
        let expected = shape.num_elements()?;
        if data.len() != expected {
            return Err(Error::internal(format!(
                "tensor of shape {shape} needs {expected} elements but storage holds {}",
                data.len()
            )));
        }
        Ok(Tensor {
            shape,
            buf: Arc::new(Buffer {
                data,
                lease: lease.map(LeaseCell),
            }),
        })
    }

    pub fn from_vec<T: Element>(shape: Shape, vec: Vec<T>, lease: Option<Lease>) -> Result<Self> {
        Tensor::from_storage(shape, T::wrap(vec), lease)
    }

    /// A tensor filled with `fill`, charged to `budget`.
    pub fn full<T: Element>(budget: &Budget, shape: Shape, fill: T, what: &str) -> Result<Self> {
        let len = shape.num_elements()?;
        let (vec, lease) = budget.alloc_vec(len, fill, what)?;
        Tensor::from_vec(shape, vec, Some(lease))
    }

    /// A zero-filled tensor of any dtype (empty strings for String).
    pub fn zeros(budget: &Budget, dtype: DType, shape: Shape, what: &str) -> Result<Self> {
        let len = shape.num_elements()?;
        macro_rules! z {
            ($t:ty) => {{
                let (v, lease) = budget.alloc_vec::<$t>(len, <$t>::default(), what)?;
                (<$t as Element>::wrap(v), lease)
            }};
        }
        let (data, lease) = match dtype {
            DType::F16 => z!(f16),
            DType::BF16 => z!(bf16),
            DType::F32 => z!(f32),
            DType::F64 => z!(f64),
            DType::I8 => z!(i8),
            DType::I16 => z!(i16),
            DType::I32 => z!(i32),
            DType::I64 => z!(i64),
            DType::U8 => z!(u8),
            DType::U16 => z!(u16),
            DType::U32 => z!(u32),
            DType::U64 => z!(u64),
            DType::Bool => z!(bool),
            DType::String => {
                let (v, lease) = budget.alloc_vec::<Vec<u8>>(len, Vec::new(), what)?;
                (Storage::String(v), lease)
            }
        };
        Tensor::from_storage(shape, data, Some(lease))
    }

    /// A rank-0 tensor (a few bytes, not charged).
    pub fn scalar<T: Element>(value: T) -> Self {
        Tensor {
            shape: Shape::scalar(),
            buf: Arc::new(Buffer {
                data: T::wrap(vec![value]),
                lease: None,
            }),
        }
    }

    /// Copies a slice into a new charged tensor.
    pub fn from_slice<T: Element>(
        budget: &Budget,
        shape: Shape,
        values: &[T],
        what: &str,
    ) -> Result<Self> {
        let (mut vec, lease) = budget.alloc_empty::<T>(values.len(), what)?;
        vec.extend_from_slice(values);
        Tensor::from_vec(shape, vec, Some(lease))
    }

    pub fn dtype(&self) -> DType {
        self.buf.data.dtype()
    }
    pub fn shape(&self) -> &Shape {
        &self.shape
    }
    pub fn dims(&self) -> &[usize] {
        self.shape.dims()
    }
    pub fn rank(&self) -> usize {
        self.shape.rank()
    }
    pub fn len(&self) -> usize {
        self.buf.data.len()
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    pub fn storage(&self) -> &Storage {
        &self.buf.data
    }

    /// The elements as `T`, or InvalidArgument if the dtype differs.
    pub fn as_slice<T: Element>(&self) -> Result<&[T]> {
        T::slice(&self.buf.data).ok_or_else(|| {
            Error::invalid_argument(format!(
                "expected a {} tensor but got {}",
                T::DTYPE,
                self.dtype()
            ))
        })
    }

    pub fn as_strings(&self) -> Result<&[Vec<u8>]> {
        match &self.buf.data {
            Storage::String(v) => Ok(v),
            _ => Err(Error::invalid_argument(format!(
                "expected a string tensor but got {}",
                self.dtype()
            ))),
        }
    }

    /// Mutable access when this is the only reference to the buffer, so
    /// kernels can work in place on inputs nobody else reads.
    pub fn unique_slice_mut<T: Element>(&mut self) -> Option<&mut [T]> {
        let buf = Arc::get_mut(&mut self.buf)?;
        T::slice_mut(&mut buf.data)
    }

    /// The same data with another shape of the same element count.
    pub fn reshaped(&self, shape: Shape) -> Result<Self> {
        let n = shape.num_elements()?;
        if n != self.len() {
            return Err(Error::invalid_argument(format!(
                "cannot reshape a tensor with {} elements to shape {shape}",
                self.len()
            )));
        }
        Ok(Tensor {
            shape,
            buf: Arc::clone(&self.buf),
        })
    }

    /// Whether two tensors share one buffer.
    pub fn shares_buffer(&self, other: &Tensor) -> bool {
        Arc::ptr_eq(&self.buf, &other.buf)
    }

    /// Bytes charged for this tensor's buffer.
    pub fn charged_bytes(&self) -> usize {
        self.buf.data.charged_bytes()
    }

    /// Little-endian bytes of a numeric or bool tensor, C order.
    pub fn to_le_bytes(&self) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        self.append_le_bytes(&mut out)?;
        Ok(out)
    }

    /// Appends the little-endian bytes of a numeric or bool tensor (C order)
    /// to `out`, reserving fallibly first.
    pub fn append_le_bytes(&self, out: &mut Vec<u8>) -> Result<()> {
        fn encode<T: Element>(v: &[T], out: &mut Vec<u8>) -> Result<()> {
            let bytes = v.len().saturating_mul(std::mem::size_of::<T>());
            out.try_reserve(bytes).map_err(|_| {
                Error::resource_exhausted(format!(
                    "cannot allocate {bytes} bytes to encode a tensor"
                ))
            })?;
            match T::le_bytes_of(v) {
                Some(raw) => out.extend_from_slice(raw),
                None => v.iter().for_each(|&x| x.write_le(out)),
            }
            Ok(())
        }
        match &self.buf.data {
            Storage::F16(v) => encode(v, out),
            Storage::BF16(v) => encode(v, out),
            Storage::F32(v) => encode(v, out),
            Storage::F64(v) => encode(v, out),
            Storage::I8(v) => encode(v, out),
            Storage::I16(v) => encode(v, out),
            Storage::I32(v) => encode(v, out),
            Storage::I64(v) => encode(v, out),
            Storage::U8(v) => encode(v, out),
            Storage::U16(v) => encode(v, out),
            Storage::U32(v) => encode(v, out),
            Storage::U64(v) => encode(v, out),
            Storage::Bool(v) => encode(v, out),
            Storage::String(_) => Err(Error::unimplemented(
                "string tensors have no fixed-width byte encoding",
            )),
        }
    }

    /// The tensor's bytes when they already are its little-endian encoding
    /// (numeric dtypes on little-endian machines): a view, no copy.
    pub fn le_bytes(&self) -> Option<&[u8]> {
        match &self.buf.data {
            Storage::F16(v) => Element::le_bytes_of(v),
            Storage::BF16(v) => Element::le_bytes_of(v),
            Storage::F32(v) => Element::le_bytes_of(v),
            Storage::F64(v) => Element::le_bytes_of(v),
            Storage::I8(v) => Element::le_bytes_of(v),
            Storage::I16(v) => Element::le_bytes_of(v),
            Storage::I32(v) => Element::le_bytes_of(v),
            Storage::I64(v) => Element::le_bytes_of(v),
            Storage::U8(v) => Element::le_bytes_of(v),
            Storage::U16(v) => Element::le_bytes_of(v),
            Storage::U32(v) => Element::le_bytes_of(v),
            Storage::U64(v) => Element::le_bytes_of(v),
            Storage::Bool(_) | Storage::String(_) => None,
        }
    }

    /// A charged tensor whose little-endian bytes (C order) are written by
    /// `fill` (given exactly shape × dtype bytes), straight into the tensor's
    /// memory where the layout allows (e.g. a read from a file), else
    /// through one scratch buffer.
    pub fn from_le_fill(
        budget: &Budget,
        dtype: DType,
        shape: Shape,
        what: &str,
        fill: impl FnOnce(&mut [u8]) -> Result<()>,
    ) -> Result<Self> {
        fn direct<T: Element + bytemuck::Pod>(
            budget: &Budget,
            shape: Shape,
            what: &str,
            fill: impl FnOnce(&mut [u8]) -> Result<()>,
        ) -> Result<Tensor> {
            let len = shape.num_elements()?;
            let (mut vec, lease) = budget.alloc_vec::<T>(len, T::default(), what)?;
            fill(bytemuck::cast_slice_mut(&mut vec))?;
            if cfg!(target_endian = "big") {
                let raw: Vec<u8> = bytemuck::cast_slice(&vec).to_vec();
                return Tensor::from_le_bytes(budget, T::DTYPE, shape, &raw, what);
            }
            Tensor::from_storage(shape, T::wrap(vec), Some(lease))
        }
        match dtype {
            DType::F16 => direct::<f16>(budget, shape, what, fill),
            DType::BF16 => direct::<bf16>(budget, shape, what, fill),
            DType::F32 => direct::<f32>(budget, shape, what, fill),
            DType::F64 => direct::<f64>(budget, shape, what, fill),
            DType::I8 => direct::<i8>(budget, shape, what, fill),
            DType::I16 => direct::<i16>(budget, shape, what, fill),
            DType::I32 => direct::<i32>(budget, shape, what, fill),
            DType::I64 => direct::<i64>(budget, shape, what, fill),
            DType::U8 => direct::<u8>(budget, shape, what, fill),
            DType::U16 => direct::<u16>(budget, shape, what, fill),
            DType::U32 => direct::<u32>(budget, shape, what, fill),
            DType::U64 => direct::<u64>(budget, shape, what, fill),
            DType::Bool => {
                let len = shape.num_elements()?;
                let (mut raw, _scratch) = budget.alloc_vec::<u8>(len, 0, what)?;
                fill(&mut raw)?;
                Tensor::from_le_bytes(budget, DType::Bool, shape, &raw, what)
            }
            DType::String => Err(Error::unimplemented(format!(
                "{what}: string tensors have no fixed-width byte encoding"
            ))),
        }
    }

    /// Decodes little-endian bytes (C order) into a charged tensor. The byte
    /// length must match shape × dtype exactly.
    pub fn from_le_bytes(
        budget: &Budget,
        dtype: DType,
        shape: Shape,
        bytes: &[u8],
        what: &str,
    ) -> Result<Self> {
        let size = dtype.size_of().ok_or_else(|| {
            Error::unimplemented(format!("{dtype} tensors cannot be decoded from raw bytes"))
        })?;
        let len = shape.num_elements()?;
        let expected = len
            .checked_mul(size)
            .ok_or_else(|| Error::overflow(format!("byte size of {what}")))?;
        if bytes.len() != expected {
            return Err(Error::invalid_argument(format!(
                "{what}: {dtype} tensor of shape {shape} needs {expected} bytes but {} were given",
                bytes.len()
            )));
        }
        // Numbers on a little-endian machine: one copy into the tensor.
        if dtype != DType::Bool && cfg!(target_endian = "little") {
            return Tensor::from_le_fill(budget, dtype, shape, what, |out| {
                if out.len() != bytes.len() {
                    return Err(Error::internal("element size differs from the dtype's"));
                }
                out.copy_from_slice(bytes);
                Ok(())
            });
        }
        fn decode<T: Element>(
            budget: &Budget,
            len: usize,
            bytes: &[u8],
            what: &str,
        ) -> Result<(Storage, Lease)> {
            let (mut vec, lease) = budget.alloc_empty::<T>(len, what)?;
            for chunk in bytes.chunks_exact(std::mem::size_of::<T>().max(1)) {
                let value = T::read_le(chunk)
                    .ok_or_else(|| Error::internal("element decode with a wrong chunk size"))?;
                vec.push(value);
            }
            Ok((T::wrap(vec), lease))
        }
        let (data, lease) = match dtype {
            DType::F16 => decode::<f16>(budget, len, bytes, what)?,
            DType::BF16 => decode::<bf16>(budget, len, bytes, what)?,
            DType::F32 => decode::<f32>(budget, len, bytes, what)?,
            DType::F64 => decode::<f64>(budget, len, bytes, what)?,
            DType::I8 => decode::<i8>(budget, len, bytes, what)?,
            DType::I16 => decode::<i16>(budget, len, bytes, what)?,
            DType::I32 => decode::<i32>(budget, len, bytes, what)?,
            DType::I64 => decode::<i64>(budget, len, bytes, what)?,
            DType::U8 => decode::<u8>(budget, len, bytes, what)?,
            DType::U16 => decode::<u16>(budget, len, bytes, what)?,
            DType::U32 => decode::<u32>(budget, len, bytes, what)?,
            DType::U64 => decode::<u64>(budget, len, bytes, what)?,
            DType::Bool => decode::<bool>(budget, len, bytes, what)?,
            DType::String => return Err(Error::internal("unreachable: strings have no size")),
        };
        Tensor::from_storage(shape, data, Some(lease))
    }

    /// Reads an integer tensor (any int dtype) as i64 values, e.g. shapes,
    /// axes and indices.
    pub fn to_i64_vec(&self) -> Result<Vec<i64>> {
        let out: Option<Vec<i64>> = match &self.buf.data {
            Storage::I8(v) => Some(v.iter().map(|&x| i64::from(x)).collect()),
            Storage::I16(v) => Some(v.iter().map(|&x| i64::from(x)).collect()),
            Storage::I32(v) => Some(v.iter().map(|&x| i64::from(x)).collect()),
            Storage::I64(v) => Some(v.clone()),
            Storage::U8(v) => Some(v.iter().map(|&x| i64::from(x)).collect()),
            Storage::U16(v) => Some(v.iter().map(|&x| i64::from(x)).collect()),
            Storage::U32(v) => Some(v.iter().map(|&x| i64::from(x)).collect()),
            Storage::U64(v) => v.iter().map(|&x| i64::try_from(x).ok()).collect(),
            _ => {
                return Err(Error::invalid_argument(format!(
                    "expected an integer tensor but got {}",
                    self.dtype()
                )));
            }
        };
        out.ok_or_else(|| Error::invalid_argument("integer value does not fit in int64"))
    }
}

impl fmt::Debug for Tensor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Tensor<{}{}>", self.dtype(), self.shape)?;
        const SHOW: usize = 8;
        match_storage!(&self.buf.data, v => {
            let shown: Vec<_> = v.iter().take(SHOW).collect();
            write!(f, "{shown:?}")?;
            if v.len() > SHOW {
                f.write_str("...")?;
            }
        });
        Ok(())
    }
}
