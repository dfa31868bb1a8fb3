//! The Budget: memory accounting, a deadline, a loop-iteration cap and a
//! cancellation flag shared by everything one model run does.
//!
//! Memory is charged *before* it is allocated: `try_alloc` reserves bytes
//! and returns a [`Lease`] that gives them back when dropped. Tensor buffers
//! hold their lease, so freeing a tensor returns its bytes.

use crate::{Error, ErrorKind, Result};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Limits for one budget.
#[derive(Debug, Clone)]
pub struct Limits {
    pub memory_bytes: u64,
    pub timeout: Option<Duration>,
    pub max_loop_iterations: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            memory_bytes: 4 << 30,
            timeout: None,
            max_loop_iterations: 1_000_000,
        }
    }
}

#[derive(Debug)]
struct Inner {
    limit: u64,
    used: AtomicU64,
    peak: AtomicU64,
    deadline: Option<Instant>,
    timeout_ms: u64,
    max_loop_iterations: u64,
    loop_iterations: AtomicU64,
    cancelled: AtomicBool,
}

/// Cheap to clone; clones share the same accounting.
#[derive(Debug, Clone)]
pub struct Budget {
    inner: Arc<Inner>,
}

impl Budget {
    pub fn new(limits: &Limits) -> Self {
        let now = Instant::now();
        Budget {
            inner: Arc::new(Inner {
                limit: limits.memory_bytes,
                used: AtomicU64::new(0),
                peak: AtomicU64::new(0),
                deadline: limits.timeout.and_then(|t| now.checked_add(t)),
                timeout_ms: limits
                    .timeout
                    .map_or(0, |t| u64::try_from(t.as_millis()).unwrap_or(u64::MAX)),
                max_loop_iterations: limits.max_loop_iterations,
                loop_iterations: AtomicU64::new(0),
                cancelled: AtomicBool::new(false),
            }),
        }
    }

    /// A budget with no practical limits, for tests and tools.
    pub fn unlimited() -> Self {
        Budget::new(&Limits {
            memory_bytes: u64::MAX,
            timeout: None,
            max_loop_iterations: u64::MAX,
        })
    }

    /// Reserves `bytes` for `what`, or fails with ResourceExhausted without
    /// reserving anything.
    pub fn try_alloc(&self, bytes: usize, what: &str) -> Result<Lease> {
        let bytes = u64::try_from(bytes).map_err(|_| Error::overflow("allocation size"))?;
        let inner = &self.inner;
        let mut used = inner.used.load(Ordering::Relaxed);
        loop {
            let new_used = match used.checked_add(bytes) {
                Some(n) if n <= inner.limit => n,
                _ => {
                    return Err(Error::new(ErrorKind::MemoryBudget {
                        what: what.to_string(),
                        requested: bytes,
                        available: inner.limit.saturating_sub(used),
                        limit: inner.limit,
                    }));
                }
            };
            match inner.used.compare_exchange_weak(
                used,
                new_used,
                Ordering::AcqRel,
                Ordering::Relaxed,
            ) {
                Ok(_) => {
                    inner.peak.fetch_max(new_used, Ordering::Relaxed);
                    return Ok(Lease {
                        inner: Arc::clone(&self.inner),
                        bytes,
                    });
                }
                Err(actual) => used = actual,
            }
        }
    }

    /// Checks that `bytes` more would fit, without reserving them.
    pub fn check_fits(&self, bytes: u64, what: &str) -> Result<()> {
        let used = self.used();
        match used.checked_add(bytes) {
            Some(n) if n <= self.inner.limit => Ok(()),
            _ => Err(Error::new(ErrorKind::MemoryBudget {
                what: what.to_string(),
                requested: bytes,
                available: self.inner.limit.saturating_sub(used),
                limit: self.inner.limit,
            })),
        }
    }

    pub fn used(&self) -> u64 {
        self.inner.used.load(Ordering::Acquire)
    }
    pub fn peak(&self) -> u64 {
        self.inner.peak.load(Ordering::Acquire)
    }
    pub fn limit(&self) -> u64 {
        self.inner.limit
    }
    pub fn remaining(&self) -> u64 {
        self.inner.limit.saturating_sub(self.used())
    }

    /// Requests cancellation; running work stops at its next check.
    pub fn cancel(&self) {
        self.inner.cancelled.store(true, Ordering::Release);
    }

    /// Fails if the run was cancelled or its deadline has passed. Called
    /// between ops and periodically inside long kernels.
    pub fn check(&self) -> Result<()> {
        if self.inner.cancelled.load(Ordering::Acquire) {
            return Err(Error::new(ErrorKind::Cancelled));
        }
        if let Some(deadline) = self.inner.deadline
            && Instant::now() >= deadline
        {
            return Err(Error::new(ErrorKind::Deadline {
                limit_ms: self.inner.timeout_ms,
            }));
        }
        Ok(())
    }

    /// Counts one loop iteration against the cap shared by all loops of
    /// the run, and checks the deadline.
    pub fn tick_loop(&self) -> Result<()> {
        let before = self.inner.loop_iterations.fetch_add(1, Ordering::AcqRel);
        if before >= self.inner.max_loop_iterations {
            return Err(Error::new(ErrorKind::LoopLimit {
                limit: self.inner.max_loop_iterations,
            }));
        }
        self.check()
    }

    pub fn loop_iterations(&self) -> u64 {
        self.inner.loop_iterations.load(Ordering::Acquire)
    }

    /// Allocates a `Vec` of `len` elements of `T`, charged to the budget,
    /// filled with `fill`.
    pub fn alloc_vec<T: Clone>(&self, len: usize, fill: T, what: &str) -> Result<(Vec<T>, Lease)> {
        let mut vec = self.alloc_empty::<T>(len, what)?;
        vec.0.resize(len, fill);
        Ok(vec)
    }

    /// An empty `Vec` with capacity for exactly `len` elements, charged to
    /// the budget before the allocation happens.
    pub fn alloc_empty<T>(&self, len: usize, what: &str) -> Result<(Vec<T>, Lease)> {
        let bytes = len
            .checked_mul(std::mem::size_of::<T>().max(1))
            .ok_or_else(|| Error::overflow(format!("allocation for {what}")))?;
        let lease = self.try_alloc(bytes, what)?;
        let mut vec = Vec::new();
        vec.try_reserve_exact(len).map_err(|_| {
            Error::new(ErrorKind::AllocationFailed {
                what: what.to_string(),
                requested: u64::try_from(bytes).unwrap_or(u64::MAX),
            })
        })?;
        Ok((vec, lease))
    }
}

/// Reserved bytes; returned to the budget on drop.
#[derive(Debug)]
pub struct Lease {
    inner: Arc<Inner>,
    bytes: u64,
}

impl Lease {
    pub fn bytes(&self) -> u64 {
        self.bytes
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        self.inner.used.fetch_sub(self.bytes, Ordering::AcqRel);
    }
}
