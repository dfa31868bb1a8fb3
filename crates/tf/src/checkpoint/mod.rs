//! Tensor-bundle checkpoints (`PREFIX.index` + `PREFIX.data-NNNNN-of-NNNNN`):
//! the index lists every tensor's dtype, shape, shard, offset, size and
//! CRC-32C; the data shards hold the raw bytes. Every entry is checked
//! against its shard's real length and CRC before it becomes a tensor.

mod bundle;
mod table;

pub use bundle::{Checkpoint, CheckpointEntry, CheckpointLimits};
pub use table::{mask_crc, read_table};
