//! The raw system calls the sandbox needs that have no safe wrapper in std
//! or the seccompiler/landlock crates. This is the only module of the crate
//! allowed to use `unsafe`; every block says why it is sound.
#![allow(unsafe_code)]

use std::ffi::CString;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::process::Command;

fn check(ret: libc::c_int) -> io::Result<libc::c_int> {
    if ret < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(ret)
    }
}

fn check_long(ret: libc::c_long) -> io::Result<libc::c_long> {
    if ret < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(ret)
    }
}

pub fn geteuid() -> u32 {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() }
}

pub fn getegid() -> u32 {
    // SAFETY: getegid has no preconditions and cannot fail.
    unsafe { libc::getegid() }
}

pub fn getpid() -> i32 {
    // SAFETY: getpid has no preconditions and cannot fail.
    unsafe { libc::getpid() }
}

/// Waits up to `timeout` for `fd` to become readable (data, hang-up and
/// error all count: the read that follows reports them); a zero timeout
/// only looks. An interrupted wait reports "not yet".
///
/// A zero timeout goes through glibc's `poll` (the `poll` syscall on
/// x86_64, `ppoll` on aarch64), which the worker's seccomp filter allows;
/// only the supervisor sleeps, through `ppoll` for sub-millisecond timeouts.
pub fn wait_readable(fd: &impl AsRawFd, timeout: std::time::Duration) -> io::Result<bool> {
    let mut poll = libc::pollfd {
        fd: fd.as_raw_fd(),
        events: libc::POLLIN,
        revents: 0,
    };
    let ready = if timeout.is_zero() {
        // SAFETY: poll reads and writes one pollfd, alive for the call.
        unsafe { libc::poll(&raw mut poll, 1, 0) }
    } else {
        let limit = libc::timespec {
            tv_sec: libc::time_t::try_from(timeout.as_secs()).unwrap_or(libc::time_t::MAX),
            tv_nsec: libc::c_long::from(timeout.subsec_nanos()),
        };
        // SAFETY: ppoll reads one pollfd and the timespec, both alive for
        // the call, writes only `poll.revents`, and leaves the signal mask
        // alone (null sigmask).
        unsafe { libc::ppoll(&raw mut poll, 1, &raw const limit, std::ptr::null()) }
    };
    match check(ready) {
        Ok(n) => Ok(n > 0),
        Err(e) if e.kind() == io::ErrorKind::Interrupted => Ok(false),
        Err(e) => Err(e),
    }
}

/// Takes ownership of an inherited descriptor after checking it is open.
pub fn take_fd(fd: i32) -> io::Result<OwnedFd> {
    if fd < 3 {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "fd must be >= 3",
        ));
    }
    // SAFETY: F_GETFD only queries the descriptor table; no memory is touched.
    check(unsafe { libc::fcntl(fd, libc::F_GETFD) })?;
    // SAFETY: the descriptor is open (checked above) and was passed to this
    // process for it to own; nothing else in the process uses this number.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// Makes `fd` survive `exec` in the child started by `cmd` (the supervisor
/// side of fd passing).
pub fn keep_fd_on_exec(cmd: &mut Command, fd: i32) {
    // SAFETY: the closure runs between fork and exec and only calls fcntl,
    // which is async-signal-safe; it allocates nothing.
    unsafe {
        cmd.pre_exec(move || {
            let flags = libc::fcntl(fd, libc::F_GETFD);
            if flags < 0 || libc::fcntl(fd, libc::F_SETFD, flags & !libc::FD_CLOEXEC) < 0 {
                return Err(io::Error::last_os_error());
            }
            Ok(())
        });
    }
}

/// Closes every descriptor >= 3 except those in `keep`.
pub fn close_other_fds(keep: &[i32]) -> io::Result<()> {
    let mut kept = Vec::with_capacity(keep.len());
    for &fd in keep {
        kept.push(
            libc::c_uint::try_from(fd).map_err(|_| io::Error::from_raw_os_error(libc::EBADF))?,
        );
    }
    kept.sort_unstable();
    kept.dedup();
    let mut first: libc::c_uint = 3;
    for fd in kept.into_iter().chain(std::iter::once(libc::c_uint::MAX)) {
        if fd > first {
            close_range(first, fd.saturating_sub(1))?;
        }
        first = first.max(fd.saturating_add(1));
    }
    Ok(())
}

fn close_range(first: libc::c_uint, last: libc::c_uint) -> io::Result<()> {
    // SAFETY: close_range only closes descriptors (first <= last is checked
    // by the caller). Descriptors owned by Rust objects other than the kept
    // ones do not exist at this point of worker start.
    check_long(unsafe { libc::syscall(libc::SYS_close_range, first, last, 0u32) }).map(|_| ())
}

/// A shared-memory file of exactly `capacity` bytes for passing tensors
/// between supervisor and worker without streaming them through the
/// socket. Returns a read-write handle for the side that writes and a
/// read-only handle (a separate open file description) for the side that
/// reads. The size is sealed and no seal can be added, so neither side can
/// grow, shrink or freeze it: the memory it holds stays within `capacity`,
/// and a reader's mapping never loses its pages.
pub fn shared_region(capacity: u64) -> io::Result<(std::fs::File, std::fs::File)> {
    let name = c"ward-tensors";
    // SAFETY: `name` is a valid NUL-terminated string that outlives the call;
    // memfd_create returns a new descriptor or -1.
    let fd = check(unsafe {
        libc::memfd_create(name.as_ptr(), libc::MFD_CLOEXEC | libc::MFD_ALLOW_SEALING)
    })?;
    // SAFETY: `fd` was just created and is owned by nothing else.
    let file = std::fs::File::from(unsafe { OwnedFd::from_raw_fd(fd) });
    file.set_len(capacity)?;
    let seals = libc::F_SEAL_SHRINK | libc::F_SEAL_GROW | libc::F_SEAL_SEAL;
    // SAFETY: F_ADD_SEALS only changes the memfd's seal set.
    check(unsafe { libc::fcntl(file.as_raw_fd(), libc::F_ADD_SEALS, seals) })?;
    let read_only = std::fs::File::open(format!("/proc/self/fd/{}", file.as_raw_fd()))?;
    Ok((file, read_only))
}

/// A shared mapping of the tensor region: copies in and out are plain
/// memory copies, where `pwrite`/`pread` went through the page cache (68
/// and 48 µs for MobileNetV2's 600 KB input, about 1 µs per 10 KB).
/// Contents are only ever copied through raw pointers, never lent out as a
/// slice, so no Rust reference aliases memory another process writes.
#[derive(Debug)]
struct Mapping {
    ptr: std::ptr::NonNull<u8>,
    len: usize,
    writable: bool,
}

// SAFETY: the mapping is process memory owned by this value (unmapped on
// drop); copies into it need `&mut self`.
unsafe impl Send for Mapping {}
// SAFETY: `&self` only reads, through `read_at`.
unsafe impl Sync for Mapping {}

impl Mapping {
    /// Maps the first `len` bytes of `file` (a sealed region: its size
    /// cannot shrink under the mapping), read-write if `writable`.
    fn new(file: &std::fs::File, len: usize, writable: bool) -> io::Result<Mapping> {
        if len == 0 || file.metadata()?.len() < len as u64 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "mapping past the region's end",
            ));
        }
        let prot = if writable {
            libc::PROT_READ | libc::PROT_WRITE
        } else {
            libc::PROT_READ
        };
        // SAFETY: a fresh shared mapping chosen by the kernel (null hint);
        // no existing memory is affected. The result is checked below.
        let ptr = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                prot,
                libc::MAP_SHARED,
                file.as_raw_fd(),
                0,
            )
        };
        if ptr == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        let ptr = std::ptr::NonNull::new(ptr.cast::<u8>())
            .ok_or_else(|| io::Error::other("mmap returned null"))?;
        Ok(Mapping { ptr, len, writable })
    }

    /// `offset..offset + n` if inside the mapping.
    fn range(&self, offset: u64, n: usize) -> io::Result<usize> {
        let start = usize::try_from(offset).ok();
        match start.and_then(|s| s.checked_add(n).map(|end| (s, end))) {
            Some((s, end)) if end <= self.len => Ok(s),
            _ => Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "range past the end of the region",
            )),
        }
    }

    /// Copies `src` to `offset` (a writable mapping only).
    fn write_at(&mut self, src: &[u8], offset: u64) -> io::Result<()> {
        if !self.writable {
            return Err(io::Error::new(
                io::ErrorKind::PermissionDenied,
                "read-only mapping",
            ));
        }
        let start = self.range(offset, src.len())?;
        // SAFETY: start..start + src.len() lies inside the mapping (checked
        // by `range`), which is writable and does not overlap `src` (a Rust
        // slice of this process's private memory or another mapping's
        // copy).
        unsafe {
            std::ptr::copy_nonoverlapping(src.as_ptr(), self.ptr.as_ptr().add(start), src.len());
        }
        Ok(())
    }

    /// Fills `dst` from `offset`.
    fn read_at(&self, dst: &mut [u8], offset: u64) -> io::Result<()> {
        let start = self.range(offset, dst.len())?;
        // SAFETY: start..start + dst.len() lies inside the mapping (checked
        // by `range`); `dst` is an exclusive slice elsewhere.
        unsafe {
            std::ptr::copy_nonoverlapping(
                self.ptr.as_ptr().add(start),
                dst.as_mut_ptr(),
                dst.len(),
            );
        }
        Ok(())
    }
}

impl Drop for Mapping {
    fn drop(&mut self) {
        // SAFETY: the pointer and length are those mmap returned; nothing
        // borrows the mapping past this value.
        unsafe {
            libc::munmap(self.ptr.as_ptr().cast(), self.len);
        }
    }
}

/// One side's handle of the tensor region: copies go through its mapping,
/// or through the file (`pwrite`/`pread`) when it could not be mapped.
#[derive(Debug)]
pub struct RegionHandle {
    file: std::fs::File,
    map: Option<Mapping>,
}

impl RegionHandle {
    /// Maps the whole region, read-write if `writable`.
    pub fn new(file: std::fs::File, writable: bool) -> RegionHandle {
        let map = file
            .metadata()
            .ok()
            .and_then(|m| usize::try_from(m.len()).ok())
            .and_then(|len| Mapping::new(&file, len, writable).ok());
        RegionHandle { file, map }
    }

    /// Copies `src` to `offset`.
    pub fn write_at(&mut self, src: &[u8], offset: u64) -> io::Result<()> {
        use std::os::unix::fs::FileExt;
        match &mut self.map {
            Some(map) => map.write_at(src, offset),
            None => self.file.write_all_at(src, offset),
        }
    }

    /// Fills `dst` from `offset`; a range past the end is `UnexpectedEof`.
    pub fn read_at(&self, dst: &mut [u8], offset: u64) -> io::Result<()> {
        use std::os::unix::fs::FileExt;
        match &self.map {
            Some(map) => map.read_at(dst, offset),
            None => self.file.read_exact_at(dst, offset),
        }
    }
}

pub fn unshare(flags: libc::c_int) -> io::Result<()> {
    // SAFETY: unshare takes only flags and touches no memory of ours.
    check(unsafe { libc::unshare(flags) }).map(|_| ())
}

/// Drops to `uid`/`gid` with no supplementary groups (all three ids).
pub fn drop_to(uid: u32, gid: u32) -> io::Result<()> {
    // SAFETY: setgroups with a null list and size 0 touches no memory;
    // setresgid/setresuid take plain integers. glibc propagates them to all
    // threads.
    unsafe {
        check(libc::setgroups(0, std::ptr::null()))?;
        check(libc::setresgid(gid, gid, gid))?;
        check(libc::setresuid(uid, uid, uid))?;
    }
    Ok(())
}

pub enum Fork {
    Child,
    Parent(i32),
}

/// fork(2). Only called while the process is single-threaded (the worker
/// calls it before any thread exists; unshare(CLONE_NEWUSER) just succeeded,
/// which the kernel refuses to multi-threaded processes).
pub fn fork() -> io::Result<Fork> {
    // SAFETY: the process is single-threaded here (see above), so the child
    // inherits no lock held by another thread and may keep running Rust code.
    let pid = check(unsafe { libc::fork() })?;
    Ok(if pid == 0 {
        Fork::Child
    } else {
        Fork::Parent(pid)
    })
}

/// waitpid(pid) retrying on EINTR; returns the raw status.
pub fn waitpid(pid: i32) -> io::Result<i32> {
    let mut status: libc::c_int = 0;
    loop {
        // SAFETY: `status` is a valid, writable c_int for the whole call.
        let r = unsafe { libc::waitpid(pid, &mut status, 0) };
        if r >= 0 {
            return Ok(status);
        }
        let e = io::Error::last_os_error();
        if e.kind() != io::ErrorKind::Interrupted {
            return Err(e);
        }
    }
}

/// Dies of `sig` (default action, unblocked), or exits 128+sig if that
/// somehow returns. Used to mirror the confined child's fate.
pub fn die_of_signal(sig: i32) -> ! {
    // SAFETY: resetting a disposition to SIG_DFL, unblocking and raising a
    // signal have no memory-safety preconditions; `set` is a valid sigset.
    unsafe {
        libc::signal(sig, libc::SIG_DFL);
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, sig);
        libc::sigprocmask(libc::SIG_UNBLOCK, &set, std::ptr::null_mut());
        libc::raise(sig);
        libc::_exit(128i32.saturating_add(sig));
    }
}

pub fn exit_now(code: i32) -> ! {
    // SAFETY: _exit never returns and has no preconditions.
    unsafe { libc::_exit(code) }
}

fn prctl(option: libc::c_int, arg: libc::c_ulong) -> io::Result<()> {
    // SAFETY: only called with integer-argument prctl options (no pointers).
    check(unsafe {
        libc::prctl(
            option,
            arg,
            0 as libc::c_ulong,
            0 as libc::c_ulong,
            0 as libc::c_ulong,
        )
    })
    .map(|_| ())
}

pub fn set_pdeathsig_kill() -> io::Result<()> {
    prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL as libc::c_ulong)
}
pub fn set_no_new_privs() -> io::Result<()> {
    prctl(libc::PR_SET_NO_NEW_PRIVS, 1)
}
/// Keeps freed heap memory for the next run instead of handing it back to
/// the kernel. glibc trims the heap top once more than the (adaptive) trim
/// threshold is free, and serves large blocks by mmap and munmap; a run that
/// frees its tensors then page-faults all of them back in on the next run
/// (the worker of a 256 KB softmax spent a third of its time in faults).
/// A worker's steady state is its peak anyway. Blocks from 32 MiB (glibc's
/// largest threshold) are still mapped per allocation.
pub fn retain_freed_heap() {
    #[cfg(target_env = "gnu")]
    // SAFETY: mallopt only changes allocator tunables (under the arena
    // lock); called before the worker starts other threads.
    unsafe {
        libc::mallopt(libc::M_TRIM_THRESHOLD, 1 << 30);
        libc::mallopt(libc::M_MMAP_THRESHOLD, 32 << 20);
    }
}

pub fn set_dumpable(on: bool) -> io::Result<()> {
    prctl(libc::PR_SET_DUMPABLE, libc::c_ulong::from(on))
}
pub fn get_no_new_privs() -> bool {
    // SAFETY: integer-only prctl query.
    unsafe { libc::prctl(libc::PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1 }
}
/// Whether seccomp filtering is available (PR_GET_SECCOMP works).
pub fn seccomp_available() -> bool {
    // SAFETY: integer-only prctl query.
    unsafe { libc::prctl(libc::PR_GET_SECCOMP, 0, 0, 0, 0) >= 0 }
}

/// The Landlock ABI version, or the errno explaining why there is none.
pub fn landlock_abi() -> Result<i64, io::Error> {
    // SAFETY: LANDLOCK_CREATE_RULESET_VERSION (1) with a null attr and size
    // 0 only queries the ABI version; no memory is passed.
    let r = unsafe {
        libc::syscall(
            libc::SYS_landlock_create_ruleset,
            std::ptr::null::<u8>(),
            0usize,
            1u32,
        )
    };
    check_long(r)
}

pub fn setrlimit(resource: libc::__rlimit_resource_t, soft: u64, hard: u64) -> io::Result<()> {
    let lim = libc::rlimit {
        rlim_cur: soft,
        rlim_max: hard,
    };
    // SAFETY: `lim` is a valid rlimit for the duration of the call.
    check(unsafe { libc::setrlimit(resource, &lim) }).map(|_| ())
}

/// Drops every capability: bounding set, ambient set, then effective,
/// permitted and inheritable sets all zero.
pub fn drop_all_capabilities() -> io::Result<()> {
    #[repr(C)]
    struct Header {
        version: u32,
        pid: i32,
    }
    #[repr(C)]
    #[derive(Clone, Copy)]
    struct Data {
        effective: u32,
        permitted: u32,
        inheritable: u32,
    }
    const LINUX_CAPABILITY_VERSION_3: u32 = 0x2008_0522;
    for cap in 0..64 {
        // SAFETY: integer-only prctl; EINVAL past the last capability is expected.
        let r = unsafe { libc::prctl(libc::PR_CAPBSET_DROP, cap as libc::c_ulong, 0, 0, 0) };
        if r < 0 {
            let e = io::Error::last_os_error();
            if e.raw_os_error() == Some(libc::EINVAL) {
                break;
            }
            return Err(e);
        }
    }
    // SAFETY: integer-only prctl.
    check(unsafe {
        libc::prctl(
            libc::PR_CAP_AMBIENT,
            libc::PR_CAP_AMBIENT_CLEAR_ALL as libc::c_ulong,
            0,
            0,
            0,
        )
    })?;
    let mut header = Header {
        version: LINUX_CAPABILITY_VERSION_3,
        pid: 0,
    };
    let data = [Data {
        effective: 0,
        permitted: 0,
        inheritable: 0,
    }; 2];
    // SAFETY: header and data are valid, correctly laid out (repr(C)) for
    // capset version 3, which reads two Data entries; both outlive the call.
    check_long(unsafe {
        libc::syscall(libc::SYS_capset, &mut header as *mut Header, data.as_ptr())
    })?;
    Ok(())
}

fn cstr(s: &str) -> io::Result<CString> {
    CString::new(s).map_err(|_| io::Error::from_raw_os_error(libc::EINVAL))
}

pub fn mount(
    src: &str,
    target: &str,
    fstype: &str,
    flags: libc::c_ulong,
    data: &str,
) -> io::Result<()> {
    let (src, target, fstype, data) = (cstr(src)?, cstr(target)?, cstr(fstype)?, cstr(data)?);
    // SAFETY: all pointers are valid NUL-terminated strings that outlive the call.
    check(unsafe {
        libc::mount(
            src.as_ptr(),
            target.as_ptr(),
            fstype.as_ptr(),
            flags,
            data.as_ptr().cast(),
        )
    })
    .map(|_| ())
}

/// Makes the current directory the root: pivot_root(".", ".") then detaches
/// the old root stacked on top of it.
pub fn pivot_to_cwd() -> io::Result<()> {
    let dot = cstr(".")?;
    // SAFETY: valid NUL-terminated paths that outlive the calls.
    unsafe {
        check_long(libc::syscall(
            libc::SYS_pivot_root,
            dot.as_ptr(),
            dot.as_ptr(),
        ))?;
        check(libc::umount2(dot.as_ptr(), libc::MNT_DETACH))?;
    }
    Ok(())
}

/// Probe run in a forked child by `confine::check`: tries each namespace
/// flag and exits with a bit set of those that worked. Uses raw syscalls
/// only (async-signal-safe), as the caller may be multi-threaded.
pub fn probe_namespaces_in_child(flags: &[libc::c_int]) -> io::Result<u32> {
    // SAFETY: the child only calls unshare and _exit (async-signal-safe),
    // reads the `flags` slice (valid memory copied with the address space)
    // and allocates nothing, so forking a multi-threaded process is sound.
    let pid = check(unsafe { libc::fork() })?;
    if pid == 0 {
        let mut bits: i32 = 0;
        // SAFETY: see above.
        unsafe {
            if libc::unshare(libc::CLONE_NEWUSER) == 0 {
                bits |= 1;
                let mut i = 0usize;
                while i < flags.len() && i < 6 {
                    if let Some(&f) = flags.get(i)
                        && libc::unshare(f) == 0
                    {
                        bits |= 2 << i;
                    }
                    i = i.saturating_add(1);
                }
            }
            libc::_exit(bits);
        }
    }
    let status = waitpid(pid)?;
    if libc::WIFEXITED(status) {
        u32::try_from(libc::WEXITSTATUS(status))
            .map_err(|_| io::Error::from_raw_os_error(libc::EINVAL))
    } else {
        Err(io::Error::other("namespace probe child died"))
    }
}

/// Hostile actions for the escape tests: raw syscalls a malicious model
/// (or a compromised parser) would try.
#[cfg(feature = "hostile-tests")]
pub mod hostile {
    use super::*;

    /// fork(2); the child exits at once. Returns the child's pid.
    pub fn fork_and_exit() -> io::Result<i32> {
        // SAFETY: the child only calls _exit.
        let pid = check(unsafe { libc::fork() })?;
        if pid == 0 {
            // SAFETY: _exit is async-signal-safe.
            unsafe { libc::_exit(0) }
        }
        Ok(pid)
    }

    pub fn execve_sh() -> io::Error {
        let sh = c"/bin/sh";
        let argv = [sh.as_ptr(), std::ptr::null()];
        let envp = [std::ptr::null::<libc::c_char>()];
        // SAFETY: argv and envp are NULL-terminated arrays of valid C strings
        // that outlive the call.
        unsafe { libc::execve(sh.as_ptr(), argv.as_ptr(), envp.as_ptr()) };
        io::Error::last_os_error()
    }

    pub fn ptrace_attach(pid: i32) -> io::Result<()> {
        // SAFETY: PTRACE_ATTACH takes no pointers.
        check_long(unsafe {
            libc::ptrace(
                libc::PTRACE_ATTACH,
                pid,
                std::ptr::null_mut::<libc::c_void>(),
                std::ptr::null_mut::<libc::c_void>(),
            )
        })
        .map(|_| ())
    }

    pub fn kill(pid: i32) -> io::Result<()> {
        // SAFETY: kill takes plain integers.
        check(unsafe { libc::kill(pid, libc::SIGKILL) }).map(|_| ())
    }

    pub fn abort() -> ! {
        std::process::abort()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::os::fd::AsRawFd;
    use std::os::unix::fs::FileExt;

    #[test]
    fn the_shared_region_is_sealed_and_read_only_for_the_worker() {
        let (ours, theirs) = super::shared_region(1 << 16).unwrap();
        ours.write_all_at(&[1, 2, 3], 100).unwrap();
        let mut got = [0u8; 3];
        theirs.read_exact_at(&mut got, 100).unwrap();
        assert_eq!(got, [1, 2, 3]);
        // The worker's handle cannot write, and nobody can resize.
        assert!(theirs.write_at(&[9], 0).is_err());
        assert!(theirs.set_len(1 << 30).is_err());
        assert!(ours.set_len(1 << 30).is_err());
        assert!(ours.set_len(16).is_err());
        assert!(ours.write_all_at(&[1], 1 << 16).is_err());
        let mut past = [0u8; 8];
        assert!(theirs.read_exact_at(&mut past, (1 << 16) - 4).is_err());
        // The writer (the worker, for the output region) cannot freeze the
        // region under its reader either: no seal can be added.
        // SAFETY: F_ADD_SEALS on a descriptor this test owns.
        let frozen =
            unsafe { libc::fcntl(ours.as_raw_fd(), libc::F_ADD_SEALS, libc::F_SEAL_WRITE) };
        assert_eq!(frozen, -1);
    }

    #[test]
    fn mappings_copy_within_the_region_only() {
        let (ours, theirs) = super::shared_region(1 << 16).unwrap();
        let mut write = super::Mapping::new(&ours, 1 << 16, true).unwrap();
        let read = super::Mapping::new(&theirs, 1 << 16, false).unwrap();
        write.write_at(&[4, 5, 6], 200).unwrap();
        let mut got = [0u8; 3];
        read.read_at(&mut got, 200).unwrap();
        assert_eq!(got, [4, 5, 6]);
        // What one side maps, the file holds.
        theirs.read_exact_at(&mut got, 200).unwrap();
        assert_eq!(got, [4, 5, 6]);
        // Ranges past the end, or overflowing, are refused.
        let mut past = [0u8; 8];
        assert!(read.read_at(&mut past, (1 << 16) - 4).is_err());
        assert!(read.read_at(&mut past, u64::MAX).is_err());
        assert!(write.write_at(&[1; 8], (1 << 16) - 4).is_err());
        // The worker's handle cannot be mapped writable, nor past its end.
        assert!(super::Mapping::new(&theirs, 1 << 16, true).is_err());
        assert!(super::Mapping::new(&theirs, 1 << 17, false).is_err());
        let mut read_only = super::Mapping::new(&theirs, 4096, false).unwrap();
        assert!(read_only.write_at(&[1], 0).is_err());
    }

    #[test]
    fn region_handles_copy_through_their_mappings() {
        let (ours, theirs) = super::shared_region(1 << 16).unwrap();
        let mut write = super::RegionHandle::new(ours, true);
        let read = super::RegionHandle::new(theirs, false);
        assert!(write.map.is_some() && read.map.is_some());
        write.write_at(&[7, 8], 300).unwrap();
        let mut got = [0u8; 2];
        read.read_at(&mut got, 300).unwrap();
        assert_eq!(got, [7, 8]);
        let mut past = [0u8; 8];
        let err = read.read_at(&mut past, (1 << 16) - 4).unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::UnexpectedEof);
    }
}
