//! Outputs built without zero-filling them first. A kernel that overwrites
//! its whole output would otherwise write it twice; for the convolutions'
//! GEMM outputs the fill cost 3% of MobileNetV2 at one thread and 6% at two.
//!
//! Soundness rests on one rule the types enforce: a block of the output
//! becomes [`Written`] only through a method here that initializes all of
//! it, and [`OutputVec`] sets the vector's length only after every block
//! came back as `Written`. The lifetime brand is invariant and the closures
//! are higher-ranked, so a `Written` cannot stand in for another block.

use std::marker::PhantomData;
use std::mem::MaybeUninit;

use rayon::prelude::*;
use ward_tensor::{Error, Result};

/// Invariant in `'a`: a block's proof cannot be passed off for another's.
type Brand<'a> = PhantomData<fn(&'a ()) -> &'a ()>;

/// A block of an output under construction.
pub struct Uninit<'a, T> {
    slice: &'a mut [MaybeUninit<T>],
    brand: Brand<'a>,
}

/// Proof that a whole block is initialized, and its values.
pub struct Written<'a, T> {
    slice: &'a mut [T],
    brand: Brand<'a>,
}

impl<'a, T: Copy> Uninit<'a, T> {
    fn new(slice: &'a mut [MaybeUninit<T>]) -> Self {
        Uninit {
            slice,
            brand: PhantomData,
        }
    }

    pub fn len(&self) -> usize {
        self.slice.len()
    }

    pub fn is_empty(&self) -> bool {
        self.slice.is_empty()
    }

    /// Every element set to `value`.
    pub fn fill(self, value: T) -> Written<'a, T> {
        for v in self.slice.iter_mut() {
            v.write(value);
        }
        // SAFETY: the loop above wrote every element of the slice, and
        // MaybeUninit<T> has the same layout as T.
        let slice = unsafe { &mut *(std::ptr::from_mut(self.slice) as *mut [T]) };
        Written {
            slice,
            brand: PhantomData,
        }
    }

    /// A copy of `src`, which must have the block's length.
    pub fn copy_from(self, src: &[T]) -> Result<Written<'a, T>> {
        if src.len() != self.slice.len() {
            return Err(Error::internal(format!(
                "output block of {} elements given {}",
                self.slice.len(),
                src.len()
            )));
        }
        for (d, &s) in self.slice.iter_mut().zip(src) {
            d.write(s);
        }
        // SAFETY: the lengths are equal (checked above), so the loop wrote
        // every element; MaybeUninit<T> has the same layout as T.
        let slice = unsafe { &mut *(std::ptr::from_mut(self.slice) as *mut [T]) };
        Ok(Written {
            slice,
            brand: PhantomData,
        })
    }

    /// The block's memory for a writer in this module that initializes all
    /// of it (the GEMM with `read_dst = false`), and the proof to hand out
    /// once it has.
    pub(super) fn into_raw(self) -> (*mut T, usize, RawBlock<'a, T>) {
        let len = self.slice.len();
        let ptr = self.slice.as_mut_ptr().cast::<T>();
        (ptr, len, RawBlock { block: self })
    }
}

/// A block handed to a raw writer; [`RawBlock::assume_written`] is the
/// writer's promise that every element was initialized.
pub(super) struct RawBlock<'a, T> {
    block: Uninit<'a, T>,
}

impl<'a, T> RawBlock<'a, T> {
    /// # Safety
    /// Every element of the block must have been written.
    pub(super) unsafe fn assume_written(self) -> Written<'a, T> {
        // SAFETY: the caller guarantees full initialization; MaybeUninit<T>
        // has the same layout as T.
        let slice = unsafe { &mut *(std::ptr::from_mut(self.block.slice) as *mut [T]) };
        Written {
            slice,
            brand: PhantomData,
        }
    }
}

impl<T> Written<'_, T> {
    pub fn values(&mut self) -> &mut [T] {
        self.slice
    }
}

/// Gives a closure the higher-ranked signature block writers need when it is
/// stored in a variable before use (closures only infer it in place).
pub fn block_writer<T, F>(f: F) -> F
where
    F: for<'a> Fn(usize, Uninit<'a, T>) -> Result<Written<'a, T>>,
{
    f
}

/// A tensor's output vector, filled block by block without a zero-fill.
pub struct OutputVec<T> {
    vec: Vec<T>,
    len: usize,
}

impl<T: Copy + Send + Sync> OutputVec<T> {
    /// `vec` must be empty with room for `len` elements (as
    /// `Budget::alloc_empty` returns it).
    pub fn new(vec: Vec<T>, len: usize) -> Result<Self> {
        if !vec.is_empty() || vec.capacity() < len {
            return Err(Error::internal(format!(
                "output vector of length {} and capacity {} for {len} elements",
                vec.len(),
                vec.capacity()
            )));
        }
        Ok(OutputVec { vec, len })
    }

    /// Has `init` write blocks of `block` elements (the last may be
    /// shorter) in order; the vector once all are written.
    pub fn init_blocks(
        mut self,
        block: usize,
        mut init: impl for<'a> FnMut(usize, Uninit<'a, T>) -> Result<Written<'a, T>>,
    ) -> Result<Vec<T>> {
        let spare = self.spare()?;
        for (i, chunk) in spare.chunks_mut(block.max(1)).enumerate() {
            let expected = (chunk.as_ptr(), chunk.len());
            let written = init(i, Uninit::new(chunk))?;
            check_same(expected, &written)?;
        }
        self.finish()
    }

    /// [`OutputVec::init_blocks`] with the blocks shared over the current
    /// rayon pool.
    pub fn par_init_blocks(
        mut self,
        block: usize,
        init: impl for<'a> Fn(usize, Uninit<'a, T>) -> Result<Written<'a, T>> + Sync,
    ) -> Result<Vec<T>> {
        let spare = self.spare()?;
        spare
            .par_chunks_mut(block.max(1))
            .enumerate()
            .try_for_each(|(i, chunk)| {
                let expected = (chunk.as_ptr(), chunk.len());
                let written = init(i, Uninit::new(chunk))?;
                check_same(expected, &written)
            })?;
        self.finish()
    }

    fn spare(&mut self) -> Result<&mut [MaybeUninit<T>]> {
        let len = self.len;
        self.vec
            .spare_capacity_mut()
            .get_mut(..len)
            .ok_or_else(|| Error::internal("output vector lost its capacity"))
    }

    fn finish(mut self) -> Result<Vec<T>> {
        // SAFETY: `spare()[..len]` was split into blocks that cover it
        // exactly, and every block came back as a `Written` for that very
        // block (its address and length checked by `check_same`). `Written`
        // is only made by methods that initialize the whole block, so all
        // `len` elements are initialized; capacity >= len was checked in
        // `new` and `spare`.
        unsafe { self.vec.set_len(self.len) };
        Ok(std::mem::take(&mut self.vec))
    }
}

/// The brand already ties a `Written` to its block; this is a cheap second
/// guard against a future method that breaks the rule.
fn check_same<T>(expected: (*const MaybeUninit<T>, usize), written: &Written<'_, T>) -> Result<()> {
    let (ptr, len) = expected;
    if written.slice.as_ptr().cast::<MaybeUninit<T>>() != ptr || written.slice.len() != len {
        return Err(Error::internal("an output block was not the one written"));
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn blocks_cover_the_output_in_order() {
        let out = OutputVec::new(Vec::<f32>::with_capacity(10), 10).unwrap();
        let v = out
            .init_blocks(4, |i, block| {
                let vals: Vec<f32> = (0..block.len()).map(|j| (i * 4 + j) as f32).collect();
                block.copy_from(&vals)
            })
            .unwrap();
        assert_eq!(v, (0..10).map(|x| x as f32).collect::<Vec<_>>());
        let out = OutputVec::new(Vec::<i64>::with_capacity(1000), 1000).unwrap();
        let v = out
            .par_init_blocks(64, |i, block| Ok(block.fill(i as i64)))
            .unwrap();
        assert_eq!(v.len(), 1000);
        assert_eq!(v[999], 15);
    }

    #[test]
    fn misuse_is_an_error_not_a_hole() {
        assert!(OutputVec::new(vec![1.0f32], 1).is_err());
        assert!(OutputVec::new(Vec::<f32>::with_capacity(2), 3).is_err());
        let out = OutputVec::new(Vec::<f32>::with_capacity(8), 8).unwrap();
        assert!(
            out.init_blocks(4, |_, block| block.copy_from(&[1.0]))
                .is_err()
        );
        let out = OutputVec::new(Vec::<f32>::with_capacity(8), 8).unwrap();
        let failed = out.init_blocks(4, |i, block| {
            if i == 1 {
                Err(Error::internal("stop"))
            } else {
                Ok(block.fill(0.0))
            }
        });
        assert!(failed.is_err());
        // Empty outputs need no block.
        let out = OutputVec::new(Vec::<f32>::new(), 0).unwrap();
        assert!(
            out.init_blocks(4, |_, block| Ok(block.fill(1.0)))
                .unwrap()
                .is_empty()
        );
    }
}
