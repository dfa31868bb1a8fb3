//! Tensor-bundle index entries and tensor data.

use super::table::{crc_ok, mask_crc, read_table, varint};
use crate::dtype::type_attr;
use crate::files::{DirFiles, ModelFiles};
use crate::proto::{BundleEntryProto, BundleHeaderProto};
use crate::tensor_proto::partial_shape;
use prost::Message;
use std::collections::BTreeMap;
use std::path::Path;
use ward_graph::TypeAttr;
use ward_tensor::{Budget, DType, Error, Frame, Result, Shape, Storage, Tensor};

/// Size limits for reading a checkpoint.
#[derive(Debug, Clone)]
pub struct CheckpointLimits {
    pub max_index_bytes: u64,
    pub max_shard_bytes: u64,
    pub max_shards: usize,
}

impl Default for CheckpointLimits {
    fn default() -> Self {
        CheckpointLimits {
            max_index_bytes: 256 << 20,
            max_shard_bytes: 8 << 30,
            max_shards: 10_000,
        }
    }
}

/// What the index says about one tensor.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckpointEntry {
    pub name: String,
    pub dtype: TypeAttr,
    pub shape: Vec<usize>,
    pub shard: usize,
    pub offset: u64,
    pub size: u64,
    crc32c: u32,
    sliced: bool,
}

/// An opened checkpoint: the parsed index; shards are read on demand.
#[derive(Debug)]
pub struct Checkpoint {
    /// Prefix relative to the model files' root, e.g. `variables/variables`.
    prefix: String,
    num_shards: usize,
    entries: BTreeMap<String, CheckpointEntry>,
    limits: CheckpointLimits,
}

fn corrupt(what: impl std::fmt::Display) -> Error {
    Error::data_loss(format!("corrupt checkpoint: {what}"))
}

impl Checkpoint {
    /// Opens `PREFIX.index` from a path on disk.
    pub fn open(prefix: &Path, limits: &CheckpointLimits) -> Result<(Self, DirFiles)> {
        let dir = prefix.parent().map(Path::to_path_buf).unwrap_or_default();
        let name = prefix.file_name().and_then(|n| n.to_str()).ok_or_else(|| {
            Error::invalid_argument(format!("invalid checkpoint prefix '{}'", prefix.display()))
        })?;
        let files = DirFiles::new(dir);
        let checkpoint = Checkpoint::open_in(&files, name, limits)?;
        Ok((checkpoint, files))
    }

    /// Opens `PREFIX.index` from a model's files and validates every
    /// entry's metadata.
    pub fn open_in(
        files: &dyn ModelFiles,
        prefix: &str,
        limits: &CheckpointLimits,
    ) -> Result<Self> {
        let index = format!("{prefix}.index");
        let bytes = files
            .read(&index, limits.max_index_bytes)
            .map_err(|e| e.with(Frame::File(files.describe(&index))))?;
        Checkpoint::from_index(prefix, &bytes, limits)
            .map_err(|e| e.with(Frame::File(files.describe(&index))))
    }

    fn from_index(prefix: &str, bytes: &[u8], limits: &CheckpointLimits) -> Result<Self> {
        let mut header = None;
        let mut entries = BTreeMap::new();
        for (key, value) in read_table(bytes)? {
            if key.is_empty() {
                let h = BundleHeaderProto::decode(value.as_slice())
                    .map_err(|e| corrupt(format!("bad header: {e}")))?;
                header = Some(h);
                continue;
            }
            let name = String::from_utf8(key).map_err(|_| corrupt("tensor name is not UTF-8"))?;
            let proto = BundleEntryProto::decode(value.as_slice())
                .map_err(|e| corrupt(format!("bad entry for '{name}': {e}")))?;
            let entry = entry(&name, &proto)
                .map_err(|e| e.with(Frame::Note(format!("checkpoint entry '{name}'"))))?;
            entries.insert(name, entry);
        }
        let header = header.ok_or_else(|| corrupt("index has no header"))?;
        if header.endianness != 0 {
            return Err(Error::unimplemented(
                "big-endian checkpoints are not supported",
            ));
        }
        let num_shards =
            usize::try_from(header.num_shards).map_err(|_| corrupt("negative shard count"))?;
        if num_shards == 0 && !entries.is_empty() || num_shards > limits.max_shards {
            return Err(corrupt(format!("invalid shard count {num_shards}")));
        }
        if let Some(e) = entries.values().find(|e| e.shard >= num_shards) {
            return Err(corrupt(format!(
                "entry '{}' is in shard {} of {num_shards}",
                e.name, e.shard
            )));
        }
        Ok(Checkpoint {
            prefix: prefix.to_string(),
            num_shards,
            entries,
            limits: limits.clone(),
        })
    }

    pub fn entries(&self) -> impl Iterator<Item = &CheckpointEntry> {
        self.entries.values()
    }

    pub fn entry(&self, name: &str) -> Option<&CheckpointEntry> {
        self.entries.get(name)
    }

    fn shard_path(&self, shard: usize) -> String {
        format!("{}.data-{shard:05}-of-{:05}", self.prefix, self.num_shards)
    }

    /// Reads tensors by name, each shard once, verifying bounds and CRCs.
    pub fn read(
        &self,
        files: &dyn ModelFiles,
        names: &[&str],
        budget: &Budget,
    ) -> Result<Vec<Tensor>> {
        let wanted = names
            .iter()
            .map(|n| {
                self.entries
                    .get(*n)
                    .ok_or_else(|| Error::not_found(format!("checkpoint has no tensor '{n}'")))
            })
            .collect::<Result<Vec<_>>>()?;
        let mut shards: BTreeMap<usize, Vec<u8>> = BTreeMap::new();
        let mut out = Vec::with_capacity(wanted.len());
        for entry in wanted {
            let shard = match shards.entry(entry.shard) {
                std::collections::btree_map::Entry::Occupied(o) => o.into_mut(),
                std::collections::btree_map::Entry::Vacant(v) => {
                    let path = self.shard_path(entry.shard);
                    let bytes = files
                        .read(&path, self.limits.max_shard_bytes)
                        .map_err(|e| {
                            e.with(Frame::Note(format!(
                                "checkpoint shard {} (missing or unreadable)",
                                entry.shard
                            )))
                        })?;
                    v.insert(bytes)
                }
            };
            let tensor = decode_entry(entry, shard, budget)
                .map_err(|e| e.with(Frame::Note(format!("checkpoint tensor '{}'", entry.name))))?;
            out.push(tensor);
        }
        Ok(out)
    }
}

fn entry(name: &str, proto: &BundleEntryProto) -> Result<CheckpointEntry> {
    let shape = match &proto.shape {
        Some(s) => partial_shape(s)?
            .concrete()
            .ok_or_else(|| corrupt("shape is not fully defined"))?,
        None => Vec::new(),
    };
    Shape::new(shape.clone())?;
    Ok(CheckpointEntry {
        name: name.to_string(),
        dtype: type_attr(proto.dtype),
        shape,
        shard: usize::try_from(proto.shard_id).map_err(|_| corrupt("negative shard id"))?,
        offset: u64::try_from(proto.offset).map_err(|_| corrupt("negative offset"))?,
        size: u64::try_from(proto.size).map_err(|_| corrupt("negative size"))?,
        crc32c: proto.crc32c,
        sliced: !proto.slices.is_empty(),
    })
}

fn decode_entry(entry: &CheckpointEntry, shard: &[u8], budget: &Budget) -> Result<Tensor> {
    if entry.sliced {
        return Err(Error::unimplemented(
            "partitioned (sliced) checkpoint variables are not supported",
        ));
    }
    let TypeAttr::Data(dtype) = entry.dtype else {
        return Err(Error::unimplemented(format!(
            "checkpoint tensors of type {} are not supported",
            entry.dtype
        )));
    };
    let start = usize::try_from(entry.offset).map_err(|_| corrupt("offset too large"))?;
    let len = usize::try_from(entry.size).map_err(|_| corrupt("size too large"))?;
    let end = start
        .checked_add(len)
        .ok_or_else(|| corrupt("offset + size overflows"))?;
    let data = shard.get(start..end).ok_or_else(|| {
        corrupt(format!(
            "entry spans bytes {start}..{end} but its shard holds {} bytes",
            shard.len()
        ))
    })?;
    let shape = Shape::new(entry.shape.clone())?;
    if dtype == DType::String {
        return decode_strings(shape, data, entry.crc32c, budget);
    }
    if !crc_ok(mask_crc(crc32c::crc32c(data)), entry.crc32c) {
        return Err(corrupt("data CRC mismatch"));
    }
    Tensor::from_le_bytes(budget, dtype, shape, data, "checkpoint tensor")
}

/// String tensors: a varint length per element, a 4-byte checksum of the
/// lengths, then the bytes of every element back to back. TF's CRC covers
/// the low 4 bytes of each length (little endian), then the stored
/// checksum (the masked CRC of those lengths), then the bytes.
fn decode_strings(shape: Shape, data: &[u8], expected_crc: u32, budget: &Budget) -> Result<Tensor> {
    let count = shape.num_elements()?;
    let mut cursor = data;
    let mut lengths = Vec::new();
    lengths
        .try_reserve_exact(count.min(data.len()))
        .map_err(|_| Error::resource_exhausted("string lengths"))?;
    for _ in 0..count {
        let len = usize::try_from(varint(&mut cursor)?).map_err(|_| corrupt("string length"))?;
        lengths.push(len);
    }
    let mut crc = lengths.iter().fold(0u32, |crc, &l| {
        let low = u64::try_from(l).unwrap_or(u64::MAX).to_le_bytes();
        crc32c::crc32c_append(crc, low.get(..4).unwrap_or_default())
    });
    let (checksum, rest) = cursor
        .split_at_checked(4)
        .ok_or_else(|| corrupt("string tensor lacks its length checksum"))?;
    if !crc_ok(
        u32::from_le_bytes(checksum.try_into().unwrap_or_default()),
        mask_crc(crc),
    ) {
        return Err(corrupt("string length checksum mismatch"));
    }
    crc = crc32c::crc32c_append(crc, checksum);
    crc = crc32c::crc32c_append(crc, rest);
    if !crc_ok(mask_crc(crc), expected_crc) {
        return Err(corrupt("data CRC mismatch"));
    }
    cursor = rest;
    let total = lengths
        .iter()
        .try_fold(0usize, |a, &l| a.checked_add(l))
        .ok_or_else(|| corrupt("string sizes overflow"))?;
    if total != cursor.len() {
        return Err(corrupt(format!(
            "string tensor holds {} bytes, its lengths say {total}",
            cursor.len()
        )));
    }
    let lease = budget.try_alloc(
        total.saturating_add(count.saturating_mul(std::mem::size_of::<Vec<u8>>())),
        "checkpoint string tensor",
    )?;
    let mut values = Vec::with_capacity(count);
    for len in lengths {
        let (head, rest) = cursor
            .split_at_checked(len)
            .ok_or_else(|| corrupt("string runs past its data"))?;
        values.push(head.to_vec());
        cursor = rest;
    }
    Tensor::from_storage(shape, Storage::String(values), Some(lease))
}
