//! NumPy `.npy` / `.npz` reading and writing: every numeric dtype and bool,
//! C order. Fortran order, object arrays and other exotic descriptors are
//! rejected with a clear error. Sizes are checked before anything is
//! allocated.

use crate::{Budget, DType, Error, Result, Shape, Tensor};
use std::io::{Read, Write};
use std::path::Path;

const MAGIC: &[u8] = b"\x93NUMPY";
/// Longest header accepted; NumPy itself refuses headers past 10 KiB.
const MAX_HEADER_LEN: usize = 64 * 1024;

/// Reads a whole file, refusing files larger than `max_bytes`.
pub fn read_file_capped(path: &Path, max_bytes: u64) -> Result<Vec<u8>> {
    let with_path = |e: Error| e.with(crate::Frame::File(path.display().to_string()));
    let file = std::fs::File::open(path).map_err(|e| with_path(e.into()))?;
    let len = file.metadata().map_err(|e| with_path(e.into()))?.len();
    if len > max_bytes {
        return Err(with_path(Error::resource_exhausted(format!(
            "file is {len} bytes, more than the limit of {max_bytes}"
        ))));
    }
    let mut out = Vec::new();
    out.try_reserve_exact(usize::try_from(len).map_err(|_| Error::overflow("file size"))?)
        .map_err(|_| with_path(Error::resource_exhausted("cannot allocate file buffer")))?;
    // `take` guards against a file that grows while being read.
    file.take(max_bytes.saturating_add(1))
        .read_to_end(&mut out)
        .map_err(|e| with_path(e.into()))?;
    if u64::try_from(out.len()).unwrap_or(u64::MAX) > max_bytes {
        return Err(with_path(Error::resource_exhausted(format!(
            "file grew past the limit of {max_bytes} bytes while being read"
        ))));
    }
    Ok(out)
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Endian {
    Little,
    Big,
    NotApplicable,
}

fn parse_descr(descr: &str) -> Result<(DType, Endian)> {
    let mut chars = descr.chars();
    let order = chars.next().unwrap_or('?');
    let code = chars.as_str();
    let endian = match order {
        '<' => Endian::Little,
        '>' => Endian::Big,
        '|' | '=' => Endian::NotApplicable,
        _ => {
            return Err(Error::invalid_argument(format!(
                "unsupported .npy dtype descriptor '{descr}'"
            )));
        }
    };
    let dtype = match code {
        "f2" => DType::F16,
        "f4" => DType::F32,
        "f8" => DType::F64,
        "i1" => DType::I8,
        "i2" => DType::I16,
        "i4" => DType::I32,
        "i8" => DType::I64,
        "u1" => DType::U8,
        "u2" => DType::U16,
        "u4" => DType::U32,
        "u8" => DType::U64,
        "b1" => DType::Bool,
        "O" => {
            return Err(Error::invalid_argument(
                ".npy object arrays are not supported (they would need pickle)",
            ));
        }
        _ => {
            return Err(Error::unimplemented(format!(
                "unsupported .npy dtype descriptor '{descr}'"
            )));
        }
    };
    // '=' means native order; ward only runs on little-endian hosts.
    let endian = if order == '=' && dtype.size_of().unwrap_or(1) > 1 {
        Endian::Little
    } else {
        endian
    };
    Ok((dtype, endian))
}

fn descr_of(dtype: DType) -> Result<&'static str> {
    Ok(match dtype {
        DType::F16 => "<f2",
        DType::F32 => "<f4",
        DType::F64 => "<f8",
        DType::I8 => "|i1",
        DType::I16 => "<i2",
        DType::I32 => "<i4",
        DType::I64 => "<i8",
        DType::U8 => "|u1",
        DType::U16 => "<u2",
        DType::U32 => "<u4",
        DType::U64 => "<u8",
        DType::Bool => "|b1",
        DType::BF16 | DType::String => {
            return Err(Error::unimplemented(format!(
                "{dtype} tensors have no standard .npy encoding"
            )));
        }
    })
}

/// The parsed header dictionary.
struct Header {
    descr: String,
    fortran_order: bool,
    shape: Vec<usize>,
}

/// Parses the Python dict literal of a .npy header, e.g.
/// `{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }`.
fn parse_header(text: &str) -> Result<Header> {
    let bad =
        |why: &str| Error::invalid_argument(format!("malformed .npy header ({why}): {text:.200}"));
    let body = text
        .trim()
        .strip_prefix('{')
        .and_then(|t| t.strip_suffix('}'))
        .ok_or_else(|| bad("not a dict"))?;
    let mut descr = None;
    let mut fortran = None;
    let mut shape = None;
    let mut rest = body.trim_start();
    while !rest.is_empty() {
        let (key, after_key) = parse_quoted(rest).ok_or_else(|| bad("expected a quoted key"))?;
        let after_colon = after_key
            .trim_start()
            .strip_prefix(':')
            .ok_or_else(|| bad("expected ':'"))?
            .trim_start();
        let after_value = match key {
            "descr" => {
                let (value, after) =
                    parse_quoted(after_colon).ok_or_else(|| bad("descr is not a string"))?;
                descr = Some(value.to_string());
                after
            }
            "fortran_order" => {
                if let Some(after) = after_colon.strip_prefix("True") {
                    fortran = Some(true);
                    after
                } else if let Some(after) = after_colon.strip_prefix("False") {
                    fortran = Some(false);
                    after
                } else {
                    return Err(bad("fortran_order is not a bool"));
                }
            }
            "shape" => {
                let inner = after_colon
                    .strip_prefix('(')
                    .ok_or_else(|| bad("shape is not a tuple"))?;
                let close = inner.find(')').ok_or_else(|| bad("unclosed shape tuple"))?;
                let (tuple, after) = inner.split_at(close);
                let mut dims = Vec::new();
                for part in tuple.split(',') {
                    let part = part.trim();
                    if part.is_empty() {
                        continue;
                    }
                    let part = part.strip_suffix('L').unwrap_or(part);
                    let dim: usize = part
                        .parse()
                        .map_err(|_| bad("shape holds a non-integer or negative dimension"))?;
                    dims.push(dim);
                    if dims.len() > crate::MAX_RANK {
                        return Err(bad("rank too large"));
                    }
                }
                shape = Some(dims);
                after.get(1..).unwrap_or("")
            }
            other => return Err(bad(&format!("unexpected key '{other}'"))),
        };
        let after_value = after_value.trim_start();
        rest = after_value
            .strip_prefix(',')
            .unwrap_or(after_value)
            .trim_start();
        if !after_value.starts_with(',') && !rest.is_empty() {
            return Err(bad("expected ','"));
        }
    }
    Ok(Header {
        descr: descr.ok_or_else(|| bad("missing descr"))?,
        fortran_order: fortran.ok_or_else(|| bad("missing fortran_order"))?,
        shape: shape.ok_or_else(|| bad("missing shape"))?,
    })
}

/// Parses a '...' or "..." string at the start of `s`.
fn parse_quoted(s: &str) -> Option<(&str, &str)> {
    let quote = s.chars().next().filter(|c| *c == '\'' || *c == '"')?;
    let body = s.get(1..)?;
    let end = body.find(quote)?;
    Some((body.get(..end)?, body.get(end.checked_add(1)?..)?))
}

/// Decodes one .npy file held in memory.
pub fn read_npy(bytes: &[u8], budget: &Budget) -> Result<Tensor> {
    let rest = bytes
        .strip_prefix(MAGIC)
        .ok_or_else(|| Error::invalid_argument("not a .npy file (bad magic)"))?;
    let (version, rest) = rest
        .split_first_chunk::<2>()
        .ok_or_else(|| Error::invalid_argument("truncated .npy file (no version)"))?;
    let (header_len, rest) = match version[0] {
        1 => {
            let (len, rest) = rest
                .split_first_chunk::<2>()
                .ok_or_else(|| Error::invalid_argument("truncated .npy header length"))?;
            (usize::from(u16::from_le_bytes(*len)), rest)
        }
        2 | 3 => {
            let (len, rest) = rest
                .split_first_chunk::<4>()
                .ok_or_else(|| Error::invalid_argument("truncated .npy header length"))?;
            let len = usize::try_from(u32::from_le_bytes(*len))
                .map_err(|_| Error::overflow("header length"))?;
            (len, rest)
        }
        v => {
            return Err(Error::invalid_argument(format!(
                "unsupported .npy version {v}"
            )));
        }
    };
    if header_len > MAX_HEADER_LEN {
        return Err(Error::invalid_argument(format!(
            ".npy header of {header_len} bytes exceeds the limit of {MAX_HEADER_LEN}"
        )));
    }
    let header_bytes = rest
        .get(..header_len)
        .ok_or_else(|| Error::invalid_argument("truncated .npy header"))?;
    let data = rest.get(header_len..).unwrap_or(&[]);
    let text = std::str::from_utf8(header_bytes)
        .map_err(|_| Error::invalid_argument(".npy header is not text"))?;
    let header = parse_header(text)?;
    let (dtype, endian) = parse_descr(&header.descr)?;
    let shape = Shape::new(header.shape)?;
    let is_multi_dim = shape.dims().iter().filter(|&&d| d > 1).count() > 1;
    if header.fortran_order && is_multi_dim {
        return Err(Error::unimplemented(
            "Fortran-order .npy arrays are not supported; save with np.ascontiguousarray",
        ));
    }
    let size = dtype.size_of().unwrap_or(1);
    let expected = shape
        .num_elements()?
        .checked_mul(size)
        .ok_or_else(|| Error::overflow("byte size of .npy data"))?;
    if data.len() < expected {
        return Err(Error::invalid_argument(format!(
            ".npy data is truncated: shape {shape} of {dtype} needs {expected} bytes but the file holds {}",
            data.len()
        )));
    }
    if data.len() > expected {
        return Err(Error::invalid_argument(format!(
            ".npy file has {} trailing bytes after the data",
            data.len().saturating_sub(expected)
        )));
    }
    if endian == Endian::Big && size > 1 {
        let mut swapped = Vec::new();
        swapped
            .try_reserve_exact(data.len())
            .map_err(|_| Error::resource_exhausted("cannot allocate byte-swap buffer"))?;
        for chunk in data.chunks_exact(size) {
            swapped.extend(chunk.iter().rev());
        }
        return Tensor::from_le_bytes(budget, dtype, shape, &swapped, ".npy data");
    }
    Tensor::from_le_bytes(budget, dtype, shape, data, ".npy data")
}

/// Encodes a tensor as a version-1 .npy file.
pub fn write_npy(tensor: &Tensor) -> Result<Vec<u8>> {
    let descr = descr_of(tensor.dtype())?;
    let dims = tensor.dims();
    let shape_text = match dims {
        [d] => format!("({d},)"),
        _ => format!(
            "({})",
            dims.iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let mut header =
        format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape_text}, }}");
    // Pad so that the data starts on a 64-byte boundary, ending in '\n'.
    // Fixed-size prefix (magic, version, length) plus the header and '\n'.
    const PREFIX: usize = MAGIC.len() + 4;
    let unpadded = PREFIX.saturating_add(header.len()).saturating_add(1);
    let pad = 64usize.wrapping_sub(unpadded % 64) % 64;
    header.extend(std::iter::repeat_n(' ', pad));
    header.push('\n');
    let header_len = u16::try_from(header.len()).map_err(|_| Error::overflow("npy header"))?;
    let data = tensor.to_le_bytes()?;
    let mut out = Vec::with_capacity(unpadded.saturating_add(pad).saturating_add(data.len()));
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&[1, 0]);
    out.extend_from_slice(&header_len.to_le_bytes());
    out.extend_from_slice(header.as_bytes());
    out.extend_from_slice(&data);
    Ok(out)
}

/// Decodes every array of an .npz archive, in archive order. Each member's
/// decompressed size is capped at `max_member_bytes`.
pub fn read_npz(
    bytes: &[u8],
    budget: &Budget,
    max_member_bytes: u64,
) -> Result<Vec<(String, Tensor)>> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|e| Error::invalid_argument(format!("not a valid .npz archive: {e}")))?;
    let mut out = Vec::new();
    for index in 0..archive.len() {
        let mut member = archive
            .by_index(index)
            .map_err(|e| Error::invalid_argument(format!("bad .npz member {index}: {e}")))?;
        let name = member.name().to_string();
        let key = name.strip_suffix(".npy").unwrap_or(&name).to_string();
        if member.size() > max_member_bytes {
            return Err(Error::resource_exhausted(format!(
                ".npz member '{name}' is {} bytes, more than the limit of {max_member_bytes}",
                member.size()
            )));
        }
        let mut data = Vec::new();
        // The declared size may lie: read at most the cap, plus one byte to detect overflow.
        (&mut member)
            .take(max_member_bytes.saturating_add(1))
            .read_to_end(&mut data)
            .map_err(|e| {
                Error::invalid_argument(format!("cannot read .npz member '{name}': {e}"))
            })?;
        if u64::try_from(data.len()).unwrap_or(u64::MAX) > max_member_bytes {
            return Err(Error::resource_exhausted(format!(
                ".npz member '{name}' decompresses past the limit of {max_member_bytes} bytes"
            )));
        }
        let tensor = read_npy(&data, budget)
            .map_err(|e| e.with(crate::Frame::Note(format!("in .npz member '{name}'"))))?;
        out.push((key, tensor));
    }
    Ok(out)
}

/// Encodes tensors as an uncompressed .npz archive (like `np.savez`).
pub fn write_npz(entries: &[(String, Tensor)]) -> Result<Vec<u8>> {
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Stored)
        .large_file(true);
    for (name, tensor) in entries {
        let data = write_npy(tensor)?;
        writer
            .start_file(format!("{name}.npy"), options)
            .map_err(|e| Error::internal(format!("cannot write .npz: {e}")))?;
        writer
            .write_all(&data)
            .map_err(|e| Error::internal(format!("cannot write .npz: {e}")))?;
    }
    let cursor = writer
        .finish()
        .map_err(|e| Error::internal(format!("cannot write .npz: {e}")))?;
    Ok(cursor.into_inner())
}
