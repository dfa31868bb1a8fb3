//! Denormal handling. TensorFlow's CPU runtime flushes denormal inputs and
//! results to zero (x86 MXCSR FTZ and DAZ) on its compute threads; ward
//! does the same so results match TF bit for bit at the edges (e.g.
//! `inf * denormal` is NaN there) and so denormals never slow kernels down.

#[cfg(target_arch = "x86_64")]
mod imp {
    /// MXCSR bits: flush-to-zero (15) and denormals-are-zero (6).
    const FTZ_DAZ: u32 = (1 << 15) | (1 << 6);

    fn read() -> u32 {
        // SAFETY: reading MXCSR has no side effects; SSE is part of the
        // x86_64 baseline so the instruction always exists.
        #[allow(deprecated)]
        unsafe {
            std::arch::x86_64::_mm_getcsr()
        }
    }

    fn write(value: u32) {
        // SAFETY: only the FTZ/DAZ bits are ever changed from a value read
        // back from the register, so rounding mode and exception masks stay
        // as they were; the change affects this thread's float results only.
        #[allow(deprecated)]
        unsafe {
            std::arch::x86_64::_mm_setcsr(value)
        }
    }

    pub fn enable() -> u32 {
        let saved = read();
        write(saved | FTZ_DAZ);
        saved
    }

    pub fn restore(saved: u32) {
        let current = read();
        write((current & !FTZ_DAZ) | (saved & FTZ_DAZ));
    }
}

#[cfg(not(target_arch = "x86_64"))]
mod imp {
    pub fn enable() -> u32 {
        0
    }
    pub fn restore(_: u32) {}
}

/// Flushes denormals on this thread until dropped.
pub struct FlushDenormals {
    saved: u32,
}

impl FlushDenormals {
    pub fn enable() -> Self {
        FlushDenormals {
            saved: imp::enable(),
        }
    }
}

impl Drop for FlushDenormals {
    fn drop(&mut self) {
        imp::restore(self.saved);
    }
}

/// Turns flushing on for the rest of this thread's life (pool threads).
pub fn flush_denormals_on_this_thread() {
    imp::enable();
}
