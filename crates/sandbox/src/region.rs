//! Tensors carried through a shared memory region instead of the socket.
//!
//! Two regions per worker, each writable by one side only: the supervisor
//! places run inputs in the input region, the worker places run outputs in
//! the reply region. The message then lists where each tensor lies
//! ([`SharedTensor`]). The reader trusts none of it: every range is checked
//! against the region, every length against its dtype and shape, and the
//! lengths together against the region's size, so a hostile worker cannot
//! make the supervisor allocate more than one region's worth by naming the
//! same bytes many times.

use ward_tensor::{Budget, Error, Result, Tensor};

use crate::protocol::SharedTensor;
use crate::sys::RegionHandle;

/// Sets smaller than this go through the socket: at 64 KB a socket copy
/// costs a few microseconds, nothing gained from the region.
pub(crate) const MIN_BYTES: u64 = 64 << 10;

/// A region with its (sealed) size.
#[derive(Debug)]
pub(crate) struct Region {
    pub handle: RegionHandle,
    pub capacity: u64,
}

impl Region {
    /// A region over `file` (a sealed memfd), mapped read-write if
    /// `writable`.
    pub fn from_file(file: std::fs::File, writable: bool) -> Region {
        let capacity = file.metadata().map_or(0, |m| m.len());
        Region {
            handle: RegionHandle::new(file, writable),
            capacity,
        }
    }

    /// Writes `tensors` into the region when they are all numeric, large
    /// enough together to gain from it and fit; `None` means the caller
    /// sends them through the socket.
    pub fn place(&mut self, tensors: &[(String, Tensor)]) -> Result<Option<Vec<SharedTensor>>> {
        let mut layout = Vec::with_capacity(tensors.len());
        let mut end = 0u64;
        for (name, t) in tensors {
            let Some(bytes) = t.le_bytes() else {
                return Ok(None);
            };
            let len = u64::try_from(bytes.len()).map_err(|_| Error::overflow("tensor bytes"))?;
            // 64-byte aligned offsets keep each tensor on its own cache lines.
            let offset = end.next_multiple_of(64);
            end = offset
                .checked_add(len)
                .ok_or_else(|| Error::overflow("tensor bytes"))?;
            layout.push((name, t, bytes, offset, len));
        }
        if end < MIN_BYTES || end > self.capacity {
            return Ok(None);
        }
        let mut refs = Vec::with_capacity(layout.len());
        for (name, t, bytes, offset, len) in layout {
            self.handle.write_at(bytes, offset)?;
            refs.push(SharedTensor {
                name: name.clone(),
                dtype: t.dtype(),
                shape: t.shape().clone(),
                offset,
                len,
            });
        }
        Ok(Some(refs))
    }

    /// Materializes the tensors `refs` names, each read straight into its
    /// own memory. Every range must lie in the region and match its dtype
    /// and shape, and the lengths together must not exceed the region.
    pub fn read(&self, refs: &[SharedTensor]) -> Result<Vec<(String, Tensor)>> {
        let mut total = 0u64;
        let mut tensors = Vec::with_capacity(refs.len());
        for r in refs {
            let bad = |why: &str| {
                Error::invalid_argument(format!(
                    "protocol: tensor '{}' ({} {}) at region bytes {}+{}: {why}",
                    r.name, r.dtype, r.shape, r.offset, r.len
                ))
            };
            let expected = r
                .shape
                .byte_size(r.dtype)
                .map_err(|e| bad(&e.to_string()))?;
            if u64::try_from(expected).ok() != Some(r.len) {
                return Err(bad("the length does not match the shape"));
            }
            match (r.offset.checked_add(r.len), total.checked_add(r.len)) {
                (Some(end), Some(sum)) if end <= self.capacity && sum <= self.capacity => {
                    total = sum;
                }
                (Some(end), _) if end <= self.capacity => {
                    return Err(bad("the tensors together are larger than the region"));
                }
                _ => return Err(bad("past the end of the region")),
            }
            let tensor = Tensor::from_le_fill(
                &Budget::unlimited(),
                r.dtype,
                r.shape.clone(),
                &r.name,
                |bytes| {
                    self.handle
                        .read_at(bytes, r.offset)
                        .map_err(|e| match e.kind() {
                            std::io::ErrorKind::UnexpectedEof => bad("past the end of the region"),
                            _ => Error::from(e),
                        })
                },
            )?;
            tensors.push((r.name.clone(), tensor));
        }
        Ok(tensors)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::arithmetic_side_effects)]
mod tests {
    use super::*;
    use crate::sys;
    use ward_tensor::{DType, Shape};

    /// The writer's and the reader's views of one fresh region.
    fn pair(capacity: u64) -> (Region, Region) {
        let (rw, ro) = sys::shared_region(capacity).unwrap();
        (
            Region {
                handle: RegionHandle::new(rw, true),
                capacity,
            },
            Region {
                handle: RegionHandle::new(ro, false),
                capacity,
            },
        )
    }

    fn floats(n: usize, seed: f32) -> Tensor {
        let values: Vec<f32> = (0..n).map(|i| i as f32 * 0.5 + seed).collect();
        Tensor::from_vec(Shape::vector(n), values, None).unwrap()
    }

    fn shared(name: &str, n: usize, offset: u64) -> SharedTensor {
        SharedTensor {
            name: name.into(),
            dtype: DType::F32,
            shape: Shape::vector(n),
            offset,
            len: (n * 4) as u64,
        }
    }

    #[test]
    fn placed_tensors_read_back_intact() {
        let (mut writer, reader) = pair(1 << 20);
        let tensors = vec![
            ("a".to_string(), floats(20_000, 1.0)),
            ("b".to_string(), floats(3, -2.0)),
        ];
        let refs = writer.place(&tensors).unwrap().unwrap();
        assert_eq!(refs.len(), 2);
        assert!(refs.iter().all(|r| r.offset % 64 == 0));
        let back = reader.read(&refs).unwrap();
        assert_eq!(back.len(), tensors.len());
        for ((name, t), (want_name, want)) in back.iter().zip(&tensors) {
            assert_eq!(name, want_name);
            assert_eq!(t.shape(), want.shape());
            assert_eq!(
                t.as_slice::<f32>().unwrap(),
                want.as_slice::<f32>().unwrap()
            );
        }
    }

    #[test]
    fn small_oversized_or_string_sets_stay_on_the_socket() {
        let (mut writer, _) = pair(1 << 20);
        let small = vec![("a".to_string(), floats(10, 0.0))];
        assert!(writer.place(&small).unwrap().is_none());
        let oversized = vec![("a".to_string(), floats(300_000, 0.0))];
        assert!(writer.place(&oversized).unwrap().is_none());
        let strings = vec![
            ("a".to_string(), floats(20_000, 0.0)),
            (
                "s".to_string(),
                Tensor::from_storage(
                    Shape::scalar(),
                    ward_tensor::Storage::String(vec![b"x".to_vec()]),
                    None,
                )
                .unwrap(),
            ),
        ];
        assert!(writer.place(&strings).unwrap().is_none());
    }

    #[test]
    fn ranges_a_hostile_writer_names_are_refused() {
        let capacity = 1 << 20;
        let (_, reader) = pair(capacity);
        let cases = [
            // Past the end, and wrapping around.
            vec![shared("x", 16, capacity - 32)],
            vec![shared("x", 16, u64::MAX - 8)],
            // A length that does not match the shape.
            vec![SharedTensor {
                len: 60,
                ..shared("x", 16, 0)
            }],
            // The same bytes named again and again: more than the region.
            vec![shared("x", 100_000, 0); 3],
        ];
        for refs in cases {
            let e = reader.read(&refs).unwrap_err();
            assert_eq!(e.code(), ward_tensor::Code::InvalidArgument, "{e}");
        }
        // Naming the same bytes twice within the region's size is fine.
        assert_eq!(
            reader
                .read(&[shared("x", 1000, 0), shared("y", 1000, 0)])
                .unwrap()
                .len(),
            2
        );
    }
}
