//! Reader for the LevelDB table format that TensorFlow's tensor-bundle
//! index (`variables.index`) uses: a footer with the index block handle,
//! data blocks of prefix-compressed key/value entries with restart points,
//! optional snappy compression, and a masked CRC-32C on every block. Every
//! offset and length is checked against the file before it is used.

use ward_tensor::{Error, Result};

const FOOTER_LEN: usize = 48;
const MAGIC: u64 = 0xdb47_7524_8b80_fb57;
/// Block trailer: one compression-type byte and a 4-byte CRC.
const TRAILER_LEN: usize = 5;
/// Largest decompressed block accepted.
const MAX_BLOCK_LEN: usize = 64 << 20;

fn corrupt(what: impl std::fmt::Display) -> Error {
    Error::data_loss(format!("corrupt checkpoint index: {what}"))
}

/// CRC-32C masked as LevelDB and TensorFlow store it.
/// Whether a stored CRC matches. Fuzz builds (`--cfg fuzzing`, set by
/// cargo-fuzz) accept any CRC so mutated inputs reach the parsers behind
/// the checks; every other build compares.
pub fn crc_ok(actual: u32, expected: u32) -> bool {
    cfg!(fuzzing) || actual == expected
}

pub fn mask_crc(crc: u32) -> u32 {
    crc.rotate_right(15).wrapping_add(0xa282_ead8)
}

/// Reads a varint (at most 10 bytes) from the front of `data`.
pub fn varint(data: &mut &[u8]) -> Result<u64> {
    let mut value = 0u64;
    for shift in (0..70u32).step_by(7) {
        let (&byte, rest) = data
            .split_first()
            .ok_or_else(|| corrupt("truncated varint"))?;
        *data = rest;
        value |= u64::from(byte & 0x7f).checked_shl(shift).unwrap_or(0);
        if byte & 0x80 == 0 {
            return Ok(value);
        }
    }
    Err(corrupt("varint longer than 10 bytes"))
}

fn varint_usize(data: &mut &[u8]) -> Result<usize> {
    usize::try_from(varint(data)?).map_err(|_| corrupt("length does not fit in memory"))
}

fn u32_le(bytes: &[u8]) -> Result<u32> {
    Ok(u32::from_le_bytes(
        bytes.try_into().map_err(|_| corrupt("truncated u32"))?,
    ))
}

#[derive(Debug, Clone, Copy)]
struct BlockHandle {
    offset: usize,
    size: usize,
}

impl BlockHandle {
    fn decode(data: &mut &[u8]) -> Result<Self> {
        Ok(BlockHandle {
            offset: varint_usize(data)?,
            size: varint_usize(data)?,
        })
    }
}

/// Reads the block at `handle`, verifying its CRC and decompressing it.
fn read_block(file: &[u8], handle: BlockHandle) -> Result<Vec<u8>> {
    let end = handle
        .offset
        .checked_add(handle.size)
        .and_then(|e| e.checked_add(TRAILER_LEN))
        .ok_or_else(|| corrupt("block handle overflows"))?;
    let block = file.get(handle.offset..end).ok_or_else(|| {
        corrupt(format!(
            "block at {} of {} bytes runs past the file end",
            handle.offset, handle.size
        ))
    })?;
    let (contents_and_type, crc) = block.split_at(handle.size.saturating_add(1));
    let expected = u32_le(crc)?;
    let actual = mask_crc(crc32c::crc32c(contents_and_type));
    if !crc_ok(actual, expected) {
        return Err(corrupt(format!(
            "block CRC mismatch at offset {}",
            handle.offset
        )));
    }
    let (contents, kind) = contents_and_type.split_at(handle.size);
    match kind.first() {
        Some(0) => Ok(contents.to_vec()),
        Some(1) => {
            let len = snap::raw::decompress_len(contents)
                .map_err(|e| corrupt(format!("bad snappy block: {e}")))?;
            if len > MAX_BLOCK_LEN {
                return Err(corrupt(format!("block decompresses to {len} bytes")));
            }
            snap::raw::Decoder::new()
                .decompress_vec(contents)
                .map_err(|e| corrupt(format!("bad snappy block: {e}")))
        }
        other => Err(corrupt(format!("unknown block compression {other:?}"))),
    }
}

/// Decodes every entry of a block in order.
fn block_entries(block: &[u8]) -> Result<Vec<(Vec<u8>, Vec<u8>)>> {
    let count_at = block
        .len()
        .checked_sub(4)
        .ok_or_else(|| corrupt("block too short"))?;
    let num_restarts = usize::try_from(u32_le(block.get(count_at..).unwrap_or_default())?)
        .map_err(|_| corrupt("restart count"))?;
    let restarts_len = num_restarts
        .checked_mul(4)
        .ok_or_else(|| corrupt("restart count overflows"))?;
    let data_end = count_at
        .checked_sub(restarts_len)
        .ok_or_else(|| corrupt("restart array larger than the block"))?;
    let mut data = block.get(..data_end).unwrap_or_default();
    let mut entries = Vec::new();
    let mut key: Vec<u8> = Vec::new();
    while !data.is_empty() {
        let shared = varint_usize(&mut data)?;
        let unshared = varint_usize(&mut data)?;
        let value_len = varint_usize(&mut data)?;
        if shared > key.len() {
            return Err(corrupt(
                "entry shares more key bytes than the previous key has",
            ));
        }
        key.truncate(shared);
        let suffix = data
            .get(..unshared)
            .ok_or_else(|| corrupt("key runs past the block"))?;
        key.extend_from_slice(suffix);
        let rest = data.get(unshared..).unwrap_or_default();
        let value = rest
            .get(..value_len)
            .ok_or_else(|| corrupt("value runs past the block"))?;
        entries.push((key.clone(), value.to_vec()));
        data = rest.get(value_len..).unwrap_or_default();
    }
    Ok(entries)
}

/// All key/value entries of a table file, in key order.
pub fn read_table(file: &[u8]) -> Result<Vec<(Vec<u8>, Vec<u8>)>> {
    let footer_at = file.len().checked_sub(FOOTER_LEN).ok_or_else(|| {
        corrupt(format!(
            "file of {} bytes is shorter than the footer",
            file.len()
        ))
    })?;
    let footer = file.get(footer_at..).unwrap_or_default();
    let magic = u64::from_le_bytes(
        footer
            .get(FOOTER_LEN - 8..)
            .and_then(|m| m.try_into().ok())
            .ok_or_else(|| corrupt("truncated footer"))?,
    );
    if magic != MAGIC {
        return Err(corrupt("bad table magic (not a tensor-bundle index)"));
    }
    let mut handles = footer;
    let _metaindex = BlockHandle::decode(&mut handles)?;
    let index = BlockHandle::decode(&mut handles)?;
    let index_block = read_block(file, index)?;
    let mut entries = Vec::new();
    for (_, handle_bytes) in block_entries(&index_block)? {
        let mut slice = handle_bytes.as_slice();
        let handle = BlockHandle::decode(&mut slice)?;
        let block = read_block(file, handle)?;
        entries.extend(block_entries(&block)?);
    }
    if entries
        .windows(2)
        .any(|w| matches!(w, [a, b] if a.0 >= b.0))
    {
        return Err(corrupt("keys are not in strictly increasing order"));
    }
    Ok(entries)
}
