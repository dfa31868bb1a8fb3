//! Busy-polling the IPC socket around the moment a message is due.
//!
//! A thread blocked in `read` sleeps, and its CPU may go idle. On virtual
//! machines an idle vCPU halts, and waking it for the message costs tens of
//! microseconds (35-50 µs measured on the Firecracker benchmark machine),
//! twice per request. Polling for a short, bounded window keeps the CPU
//! awake when the next message comes soon. Each check offers the CPU to any
//! other runnable thread first.
//!
//! The worker polls right after replying, for a back-to-back request; its
//! model's threads are idle then. The supervisor polls around the time the
//! previous run took, while the run may still be going, so only when the
//! model's runs leave a CPU free: otherwise it would take time from the
//! run's own threads.

use std::os::fd::AsRawFd;
use std::time::{Duration, Instant};

use crate::sys;

/// The CPUs this process may use.
pub(crate) fn usable_cpus() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Whether a run on `threads` threads (0 = one per CPU) leaves one of
/// `cpus` free.
pub(crate) fn leaves_a_cpu_free(threads: u32, cpus: usize) -> bool {
    threads != 0 && usize::try_from(threads).is_ok_and(|t| t < cpus)
}

/// Polls `fd` until it is readable or `window` has passed; true if readable.
pub(crate) fn poll_until_readable(fd: &impl AsRawFd, window: Duration) -> bool {
    let start = Instant::now();
    loop {
        match sys::wait_readable(fd, Duration::ZERO) {
            Ok(true) => return true,
            Ok(false) => {}
            // The blocking read that follows reports the error.
            Err(_) => return true,
        }
        if start.elapsed() >= window {
            return false;
        }
        std::thread::yield_now();
    }
}

/// When the supervisor starts polling for a run's reply, and for how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ReplyWait {
    /// Sleep (woken early by the reply) this long after sending.
    pub sleep: Duration,
    /// Then poll at most this long before blocking.
    pub poll: Duration,
}

/// Plans the wait for a reply expected after about `expected` (the
/// previous run's round trip): sleep until shortly before it, then poll
/// through the usual spread of run times plus `window`. Run times vary by a
/// few percent, so polling starts 1/16 of the run (plus `window`) early and
/// ends 1/8 late; a reply outside that costs only the usual wake-up.
pub(crate) fn plan_reply_wait(expected: Duration, window: Duration) -> ReplyWait {
    let early = expected.div_f64(16.0).saturating_add(window);
    let sleep = expected.saturating_sub(early);
    ReplyWait {
        sleep,
        poll: expected
            .saturating_sub(sleep)
            .saturating_add(expected.div_f64(8.0))
            .saturating_add(window),
    }
}

/// Waits per `plan` until `fd` is readable or the plan runs out.
pub(crate) fn await_reply(fd: &impl AsRawFd, plan: ReplyWait) {
    if !plan.sleep.is_zero() && !matches!(sys::wait_readable(fd, plan.sleep), Ok(false)) {
        return;
    }
    poll_until_readable(fd, plan.poll);
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::arithmetic_side_effects)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::os::unix::net::UnixStream;

    #[test]
    fn polling_sees_queued_bytes_and_gives_up_after_the_window() {
        let (mut a, b) = UnixStream::pair().unwrap();
        let t = Instant::now();
        assert!(!poll_until_readable(&b, Duration::from_millis(2)));
        assert!(t.elapsed() >= Duration::from_millis(2));
        a.write_all(b"x").unwrap();
        assert!(poll_until_readable(&b, Duration::ZERO));
        assert!(sys::wait_readable(&b, Duration::from_secs(5)).unwrap());
    }

    #[test]
    fn a_hang_up_counts_as_readable() {
        let (a, b) = UnixStream::pair().unwrap();
        drop(a);
        assert!(poll_until_readable(&b, Duration::from_secs(5)));
    }

    #[test]
    fn a_reply_during_the_sleep_ends_the_wait_at_once() {
        let (mut a, b) = UnixStream::pair().unwrap();
        let writer = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(5));
            a.write_all(b"x").unwrap();
            a
        });
        let t = Instant::now();
        await_reply(
            &b,
            ReplyWait {
                sleep: Duration::from_secs(10),
                poll: Duration::from_secs(10),
            },
        );
        assert!(t.elapsed() < Duration::from_secs(5));
        drop(writer.join().unwrap());
    }

    #[test]
    fn only_a_run_that_leaves_a_cpu_idle_counts_as_leaving_one_free() {
        assert!(!leaves_a_cpu_free(0, 2));
        assert!(!leaves_a_cpu_free(2, 2));
        assert!(!leaves_a_cpu_free(1, 1));
        assert!(leaves_a_cpu_free(1, 2));
        assert!(leaves_a_cpu_free(3, 8));
        assert!(usable_cpus() >= 1);
    }

    #[test]
    fn the_plan_polls_around_the_expected_time() {
        let window = Duration::from_micros(200);
        let plan = plan_reply_wait(Duration::from_millis(4), window);
        // 4 ms - 250 µs - 200 µs of sleep, then until 4 ms + 500 µs + 200 µs.
        assert_eq!(plan.sleep, Duration::from_micros(3550));
        assert_eq!(plan.sleep + plan.poll, Duration::from_micros(4700));
        // A run shorter than the lead is polled for from the start.
        let short = plan_reply_wait(Duration::from_micros(30), window);
        assert_eq!(short.sleep, Duration::ZERO);
        assert!(short.poll >= Duration::from_micros(230));
    }
}
