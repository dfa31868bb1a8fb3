//! Confinement of the worker process, applied before it reads any byte of
//! model data. See the crate README for the threat model and each layer.

use std::collections::BTreeMap;
use std::fmt;

use seccompiler::{
    BpfProgram, SeccompAction, SeccompCmpArgLen, SeccompCmpOp, SeccompCondition, SeccompFilter,
    SeccompRule, TargetArch,
};
use ward_tensor::{Error, Result};

use crate::sys;

/// How strictly confinement is applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Every layer must apply, or the worker refuses to start.
    Strict,
    /// Apply what the kernel allows; report which layers are on.
    BestEffort,
    /// No confinement at all (development only; prints a warning).
    Off,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Strict => "strict",
            Mode::BestEffort => "best-effort",
            Mode::Off => "off",
        }
    }
    pub fn parse(s: &str) -> Option<Mode> {
        match s {
            "strict" => Some(Mode::Strict),
            "best-effort" | "besteffort" => Some(Mode::BestEffort),
            "off" => Some(Mode::Off),
            _ => None,
        }
    }
}

/// One confinement layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Layer {
    UserNs,
    PidNs,
    NetNs,
    IpcNs,
    UtsNs,
    MountNs,
    EmptyRoot,
    UidDrop,
    Landlock,
    Rlimits,
    NoNewPrivs,
    NotDumpable,
    Seccomp,
    ClosedFds,
    NoCapabilities,
}

impl Layer {
    pub const ALL: [Layer; 15] = [
        Layer::UserNs,
        Layer::PidNs,
        Layer::NetNs,
        Layer::IpcNs,
        Layer::UtsNs,
        Layer::MountNs,
        Layer::EmptyRoot,
        Layer::UidDrop,
        Layer::Landlock,
        Layer::Rlimits,
        Layer::NoNewPrivs,
        Layer::NotDumpable,
        Layer::Seccomp,
        Layer::ClosedFds,
        Layer::NoCapabilities,
    ];
    pub fn name(self) -> &'static str {
        match self {
            Layer::UserNs => "user-namespace",
            Layer::PidNs => "pid-namespace",
            Layer::NetNs => "network-namespace",
            Layer::IpcNs => "ipc-namespace",
            Layer::UtsNs => "uts-namespace",
            Layer::MountNs => "mount-namespace",
            Layer::EmptyRoot => "empty-root",
            Layer::UidDrop => "uid-drop",
            Layer::Landlock => "landlock",
            Layer::Rlimits => "rlimits",
            Layer::NoNewPrivs => "no-new-privs",
            Layer::NotDumpable => "not-dumpable",
            Layer::Seccomp => "seccomp",
            Layer::ClosedFds => "closed-fds",
            Layer::NoCapabilities => "no-capabilities",
        }
    }
    fn bit(self) -> u32 {
        let i = Layer::ALL.iter().position(|l| *l == self).unwrap_or(0);
        1u32.checked_shl(u32::try_from(i).unwrap_or(0)).unwrap_or(0)
    }
}

/// A set of layers (the ones that are on).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Layers(pub u32);

impl Layers {
    pub fn insert(&mut self, l: Layer) {
        self.0 |= l.bit();
    }
    pub fn contains(&self, l: Layer) -> bool {
        self.0 & l.bit() != 0
    }
    pub fn list(&self) -> Vec<Layer> {
        Layer::ALL
            .iter()
            .copied()
            .filter(|l| self.contains(*l))
            .collect()
    }
    pub fn all() -> Layers {
        let mut s = Layers(0);
        for l in Layer::ALL {
            s.insert(l);
        }
        s
    }
    pub fn missing(&self) -> Vec<Layer> {
        Layer::ALL
            .iter()
            .copied()
            .filter(|l| !self.contains(*l))
            .collect()
    }
}

impl fmt::Display for Layers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.list().iter().map(|l| l.name()).collect();
        f.write_str(&names.join(","))
    }
}

/// Options of the confinement, passed from the supervisor on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfineOptions {
    pub mode: Mode,
    /// Unprivileged uid/gid to drop to when started as root.
    pub user: (u32, u32),
    /// RLIMIT_AS = memory_bytes + [`AS_HEADROOM`]; 0 = no address-space limit.
    pub memory_bytes: u64,
    /// RLIMIT_CPU (soft; hard = soft + 1); 0 = none.
    pub cpu_seconds: u64,
}

/// Address space granted on top of the memory limit: code, thread stacks,
/// allocator slack and the IPC buffers.
pub const AS_HEADROOM: u64 = 512 << 20;
/// RLIMIT_NOFILE: stdio, the socket and a few spare.
pub const MAX_FDS: u64 = 16;
/// RLIMIT_NPROC: threads count too (new processes are blocked by seccomp).
pub const MAX_TASKS: u64 = 256;

impl Default for ConfineOptions {
    fn default() -> Self {
        ConfineOptions {
            mode: Mode::Strict,
            user: (65534, 65534),
            memory_bytes: 0,
            cpu_seconds: 0,
        }
    }
}

/// Tracks applied layers and enforces the mode on failures.
struct Applier {
    mode: Mode,
    on: Layers,
    notes: Vec<String>,
}

impl Applier {
    fn step(&mut self, layer: Layer, r: std::result::Result<(), String>) -> Result<()> {
        match r {
            Ok(()) => {
                self.on.insert(layer);
                Ok(())
            }
            Err(why) if self.mode == Mode::Strict => Err(Error::failed_precondition(format!(
                "strict sandbox: layer {} could not be applied: {why}",
                layer.name()
            ))),
            Err(why) => {
                self.notes.push(format!("{}: {why}", layer.name()));
                Ok(())
            }
        }
    }
}

fn io_msg(what: &str, e: std::io::Error) -> String {
    format!("{what}: {e}")
}

/// Phase 1 (single-threaded, before the socket is used): uid drop, user +
/// other namespaces, then one fork so the server runs as pid 1 of the new pid
/// namespace. The original process stays outside, waits, and dies the same
/// way as its child so the supervisor sees the real cause. Only the child
/// returns from this function.
pub(crate) fn enter_namespaces(
    opts: &ConfineOptions,
    inherited: &[i32],
) -> Result<(Layers, Vec<String>)> {
    let mut a = Applier {
        mode: opts.mode,
        on: Layers(0),
        notes: Vec::new(),
    };
    a.step(
        Layer::ClosedFds,
        sys::close_other_fds(inherited).map_err(|e| io_msg("close_range", e)),
    )?;
    let _ = sys::setrlimit(libc::RLIMIT_CORE, 0, 0);
    let (uid, gid) = opts.user;
    let was_root = sys::geteuid() == 0;
    if was_root {
        let drop = if uid == 0 || gid == 0 || uid == u32::MAX || gid == u32::MAX {
            // 0 is no drop; -1 means "unchanged" to setresuid.
            Err(format!("{uid}:{gid} is not an unprivileged uid:gid"))
        } else {
            sys::drop_to(uid, gid).map_err(|e| io_msg(&format!("drop to {uid}:{gid}"), e))
        };
        a.step(Layer::UidDrop, drop)?;
        // setuid made us non-dumpable, which would make /proc/self/*_map
        // root-owned; the maps are written just below, dumpable goes off later.
        let _ = sys::set_dumpable(true);
    } else {
        // Already unprivileged: nothing to drop.
        a.on.insert(Layer::UidDrop);
    }
    let (outer_uid, outer_gid) = if was_root {
        (uid, gid)
    } else {
        (sys::geteuid(), 0)
    };
    let userns = sys::unshare(libc::CLONE_NEWUSER)
        .map_err(|e| io_msg("unshare(CLONE_NEWUSER)", e))
        .and_then(|()| {
            let gid_outer = if was_root { outer_gid } else { sys::getegid() };
            std::fs::write("/proc/self/setgroups", "deny")
                .and_then(|()| std::fs::write("/proc/self/uid_map", format!("0 {outer_uid} 1")))
                .and_then(|()| std::fs::write("/proc/self/gid_map", format!("0 {gid_outer} 1")))
                .map_err(|e| io_msg("writing the uid/gid maps", e))
        });
    a.step(Layer::UserNs, userns)?;
    for (layer, flag, name) in [
        (Layer::PidNs, libc::CLONE_NEWPID, "CLONE_NEWPID"),
        (Layer::NetNs, libc::CLONE_NEWNET, "CLONE_NEWNET"),
        (Layer::IpcNs, libc::CLONE_NEWIPC, "CLONE_NEWIPC"),
        (Layer::UtsNs, libc::CLONE_NEWUTS, "CLONE_NEWUTS"),
        (Layer::MountNs, libc::CLONE_NEWNS, "CLONE_NEWNS"),
    ] {
        a.step(
            layer,
            sys::unshare(flag).map_err(|e| io_msg(&format!("unshare({name})"), e)),
        )?;
    }
    if a.on.contains(Layer::PidNs) {
        match sys::fork() {
            Ok(sys::Fork::Child) => {
                // Die with the outer process (the supervisor kills that one).
                let _ = sys::set_pdeathsig_kill();
            }
            Ok(sys::Fork::Parent(pid)) => wait_and_mirror(pid),
            Err(e) => {
                return Err(Error::internal(format!("fork into the pid namespace: {e}")));
            }
        }
    }
    Ok((a.on, a.notes))
}

/// The outer process: close the socket, wait for the confined child and
/// leave the same way it did.
fn wait_and_mirror(pid: i32) -> ! {
    let _ = sys::close_other_fds(&[]);
    match sys::waitpid(pid) {
        Ok(status) if libc::WIFSIGNALED(status) => sys::die_of_signal(libc::WTERMSIG(status)),
        Ok(status) if libc::WIFEXITED(status) => sys::exit_now(libc::WEXITSTATUS(status)),
        _ => sys::exit_now(70),
    }
}

/// Phase 2, in the confined child after the embedding's `prepare` hook (its
/// thread pool exists now): empty root, Landlock, rlimits, no_new_privs,
/// not dumpable, and finally seccomp on all threads.
pub(crate) fn lock_down(
    opts: &ConfineOptions,
    mut on: Layers,
    notes: &mut Vec<String>,
) -> Result<Layers> {
    let mut a = Applier {
        mode: opts.mode,
        on,
        notes: Vec::new(),
    };
    if a.on.contains(Layer::MountNs) && a.on.contains(Layer::UserNs) {
        a.step(Layer::EmptyRoot, empty_root())?;
    } else {
        a.step(
            Layer::EmptyRoot,
            Err("needs the user and mount namespaces".into()),
        )?;
    }
    a.step(Layer::Landlock, landlock_deny_all(opts.mode))?;
    a.step(Layer::Rlimits, rlimits(opts))?;
    a.step(
        Layer::NoCapabilities,
        sys::drop_all_capabilities().map_err(|e| io_msg("dropping capabilities", e)),
    )?;
    a.step(
        Layer::NoNewPrivs,
        sys::set_no_new_privs().map_err(|e| io_msg("PR_SET_NO_NEW_PRIVS", e)),
    )?;
    a.step(
        Layer::NotDumpable,
        sys::set_dumpable(false).map_err(|e| io_msg("PR_SET_DUMPABLE", e)),
    )?;
    a.step(Layer::Seccomp, apply_seccomp())?;
    on = a.on;
    notes.extend(a.notes);
    Ok(on)
}

fn empty_root() -> std::result::Result<(), String> {
    let dir = "/tmp";
    sys::mount("none", "/", "", libc::MS_REC | libc::MS_PRIVATE, "")
        .map_err(|e| io_msg("making / private", e))?;
    sys::mount(
        "ward-empty",
        dir,
        "tmpfs",
        libc::MS_NOSUID | libc::MS_NODEV | libc::MS_NOEXEC | libc::MS_RDONLY,
        "size=4k,mode=0555",
    )
    .map_err(|e| io_msg("mounting an empty tmpfs", e))?;
    std::env::set_current_dir(dir).map_err(|e| io_msg("chdir to the new root", e))?;
    sys::pivot_to_cwd().map_err(|e| io_msg("pivot_root", e))?;
    std::env::set_current_dir("/").map_err(|e| io_msg("chdir /", e))?;
    Ok(())
}

fn landlock_deny_all(mode: Mode) -> std::result::Result<(), String> {
    use landlock::{
        ABI, Access, AccessFs, AccessNet, CompatLevel, Compatible, RestrictSelfAttr, Ruleset,
        RulesetAttr, RulesetStatus, Scope,
    };
    let abi = sys::landlock_abi().map_err(|e| io_msg("Landlock unavailable on this kernel", e))?;
    let best = ABI::V6;
    let status = Ruleset::default()
        .set_compatibility(CompatLevel::BestEffort)
        .handle_access(AccessFs::from_all(best))
        .and_then(|r| r.handle_access(AccessNet::from_all(best)))
        .and_then(|r| r.scope(Scope::from_all(best)))
        .and_then(|r| r.create())
        .and_then(|r| r.all_threads(true))
        .and_then(|r| r.restrict_self())
        .map_err(|e| format!("Landlock (kernel ABI {abi}): {e}"))?;
    match status.ruleset {
        RulesetStatus::FullyEnforced => Ok(()),
        RulesetStatus::PartiallyEnforced if mode != Mode::Strict => Ok(()),
        RulesetStatus::PartiallyEnforced => Ok(()),
        RulesetStatus::NotEnforced => {
            Err(format!("Landlock ruleset not enforced (kernel ABI {abi})"))
        }
    }
}

fn rlimits(opts: &ConfineOptions) -> std::result::Result<(), String> {
    let r =
        |res, soft, hard, name: &str| sys::setrlimit(res, soft, hard).map_err(|e| io_msg(name, e));
    r(libc::RLIMIT_CORE, 0, 0, "RLIMIT_CORE")?;
    r(libc::RLIMIT_FSIZE, 0, 0, "RLIMIT_FSIZE")?;
    r(libc::RLIMIT_NOFILE, MAX_FDS, MAX_FDS, "RLIMIT_NOFILE")?;
    r(libc::RLIMIT_NPROC, MAX_TASKS, MAX_TASKS, "RLIMIT_NPROC")?;
    r(libc::RLIMIT_MEMLOCK, 0, 0, "RLIMIT_MEMLOCK")?;
    r(libc::RLIMIT_MSGQUEUE, 0, 0, "RLIMIT_MSGQUEUE")?;
    if opts.memory_bytes > 0 {
        let as_limit = opts.memory_bytes.saturating_add(AS_HEADROOM);
        r(libc::RLIMIT_AS, as_limit, as_limit, "RLIMIT_AS")?;
    }
    if opts.cpu_seconds > 0 {
        r(
            libc::RLIMIT_CPU,
            opts.cpu_seconds,
            opts.cpu_seconds.saturating_add(1),
            "RLIMIT_CPU",
        )?;
    }
    Ok(())
}

#[cfg(target_arch = "x86_64")]
const ARCH: TargetArch = TargetArch::x86_64;
#[cfg(target_arch = "aarch64")]
const ARCH: TargetArch = TargetArch::aarch64;

/// The syscall allowlist of the confined worker, with the reason for each.
/// Anything else kills the whole process (SECCOMP_RET_KILL_PROCESS → SIGSYS).
pub fn allowed_syscalls() -> Vec<(i64, &'static str)> {
    let mut v: Vec<(i64, &'static str)> = vec![
        (libc::SYS_read, "IPC socket reads"),
        (
            libc::SYS_pread64,
            "input tensors from the read-only shared region",
        ),
        (libc::SYS_write, "IPC socket writes, stderr diagnostics"),
        (libc::SYS_readv, "vectored socket I/O (std)"),
        (libc::SYS_writev, "vectored socket I/O (std)"),
        (libc::SYS_recvfrom, "socket reads"),
        (libc::SYS_sendto, "socket writes"),
        (libc::SYS_recvmsg, "socket reads"),
        (libc::SYS_sendmsg, "socket writes"),
        (libc::SYS_close, "dropping descriptors"),
        (libc::SYS_mmap, "allocator, thread stacks"),
        (libc::SYS_munmap, "allocator, thread exit"),
        (libc::SYS_mremap, "allocator (realloc of large blocks)"),
        (libc::SYS_mprotect, "thread stack guard pages, allocator"),
        (libc::SYS_madvise, "allocator, thread exit (MADV_DONTNEED)"),
        (libc::SYS_brk, "allocator heap"),
        (
            libc::SYS_futex,
            "mutexes, condvars, thread join (std, rayon)",
        ),
        (libc::SYS_sched_yield, "spin loops in rayon/crossbeam"),
        (libc::SYS_sched_getaffinity, "available_parallelism"),
        (
            libc::SYS_clock_gettime,
            "Instant::now (deadlines) when vDSO falls back",
        ),
        (libc::SYS_clock_nanosleep, "thread::sleep"),
        (libc::SYS_nanosleep, "thread::sleep"),
        (libc::SYS_exit, "thread exit"),
        (libc::SYS_exit_group, "process exit"),
        (libc::SYS_rt_sigreturn, "return from signal handlers"),
        (
            libc::SYS_rt_sigaction,
            "std installs its stack-overflow handler per thread",
        ),
        (libc::SYS_rt_sigprocmask, "glibc pthread_create/abort"),
        (
            libc::SYS_sigaltstack,
            "std's stack-overflow handler per thread",
        ),
        (libc::SYS_getpid, "abort/raise"),
        (libc::SYS_gettid, "abort/raise, std thread ids"),
        (libc::SYS_getrandom, "HashMap RandomState seeds"),
        (libc::SYS_set_robust_list, "glibc pthread_create"),
        (libc::SYS_rseq, "glibc thread start"),
        (libc::SYS_restart_syscall, "restarting interrupted sleeps"),
        (libc::SYS_shutdown, "closing the IPC socket"),
        (
            libc::SYS_getcwd,
            "std's panic hook shortens source paths (the root is empty)",
        ),
        (
            libc::SYS_clone3,
            "glibc tries clone3 first; a second filter answers ENOSYS so it falls back to clone, whose flags can be checked",
        ),
    ];
    #[cfg(target_arch = "x86_64")]
    v.extend([
        (libc::SYS_poll, "std socket readiness"),
        (libc::SYS_arch_prctl, "thread-local storage"),
    ]);
    #[cfg(target_arch = "aarch64")]
    v.push((libc::SYS_ppoll, "std socket readiness"));
    v
}

fn cond(
    arg: u8,
    len: SeccompCmpArgLen,
    op: SeccompCmpOp,
    value: u64,
) -> std::result::Result<SeccompCondition, String> {
    SeccompCondition::new(arg, len, op, value).map_err(|e| format!("seccomp condition: {e}"))
}

fn rule(conds: Vec<SeccompCondition>) -> std::result::Result<SeccompRule, String> {
    SeccompRule::new(conds).map_err(|e| format!("seccomp rule: {e}"))
}

fn build_filters() -> std::result::Result<(BpfProgram, BpfProgram), String> {
    let mut rules: BTreeMap<i64, Vec<SeccompRule>> = BTreeMap::new();
    for (nr, _) in allowed_syscalls() {
        rules.insert(nr, Vec::new());
    }
    let thread = u64::try_from(libc::CLONE_THREAD).map_err(|e| e.to_string())?;
    // clone: threads only (CLONE_THREAD set), never a new process.
    rules.insert(
        libc::SYS_clone,
        vec![rule(vec![cond(
            0,
            SeccompCmpArgLen::Qword,
            SeccompCmpOp::MaskedEq(thread),
            thread,
        )?])?],
    );
    // tgkill: only to our own thread group (abort → raise).
    let me = u64::try_from(sys::getpid()).map_err(|e| e.to_string())?;
    rules.insert(
        libc::SYS_tgkill,
        vec![rule(vec![cond(
            0,
            SeccompCmpArgLen::Dword,
            SeccompCmpOp::Eq,
            me,
        )?])?],
    );
    // fcntl: only reading descriptor flags (std checks an fd is open when
    // an OwnedFd is dropped in debug builds).
    rules.insert(
        libc::SYS_fcntl,
        vec![
            rule(vec![cond(
                1,
                SeccompCmpArgLen::Dword,
                SeccompCmpOp::Eq,
                libc::F_GETFD as u64,
            )?])?,
            rule(vec![cond(
                1,
                SeccompCmpArgLen::Dword,
                SeccompCmpOp::Eq,
                libc::F_GETFL as u64,
            )?])?,
        ],
    );
    // prctl: only naming threads (PR_SET_NAME / PR_GET_NAME).
    rules.insert(
        libc::SYS_prctl,
        vec![
            rule(vec![cond(
                0,
                SeccompCmpArgLen::Dword,
                SeccompCmpOp::Eq,
                libc::PR_SET_NAME as u64,
            )?])?,
            rule(vec![cond(
                0,
                SeccompCmpArgLen::Dword,
                SeccompCmpOp::Eq,
                libc::PR_GET_NAME as u64,
            )?])?,
        ],
    );
    let main = SeccompFilter::new(
        rules,
        SeccompAction::KillProcess,
        SeccompAction::Allow,
        ARCH,
    )
    .map_err(|e| format!("seccomp filter: {e}"))?;
    let mut enosys: BTreeMap<i64, Vec<SeccompRule>> = BTreeMap::new();
    enosys.insert(libc::SYS_clone3, Vec::new());
    let errno = u32::try_from(libc::ENOSYS).map_err(|e| e.to_string())?;
    let clone3 = SeccompFilter::new(
        enosys,
        SeccompAction::Allow,
        SeccompAction::Errno(errno),
        ARCH,
    )
    .map_err(|e| format!("seccomp filter: {e}"))?;
    let main: BpfProgram = main
        .try_into()
        .map_err(|e: seccompiler::BackendError| format!("seccomp compile: {e}"))?;
    let clone3: BpfProgram = clone3
        .try_into()
        .map_err(|e: seccompiler::BackendError| format!("seccomp compile: {e}"))?;
    Ok((main, clone3))
}

fn apply_seccomp() -> std::result::Result<(), String> {
    if !sys::seccomp_available() {
        return Err("seccomp is not available on this kernel".into());
    }
    let (main, clone3) = build_filters()?;
    // The ENOSYS filter first, the allowlist last: both run on every
    // syscall; the most severe verdict wins, so clone3 (allowed by the main
    // filter) gets ENOSYS and everything unlisted is killed.
    seccompiler::apply_filter_all_threads(&clone3)
        .map_err(|e| format!("installing seccomp: {e}"))?;
    seccompiler::apply_filter_all_threads(&main).map_err(|e| format!("installing seccomp: {e}"))?;
    Ok(())
}

/// What this machine supports, per layer, and why a layer is missing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckReport {
    pub supported: Layers,
    /// (layer, reason) for every unsupported layer.
    pub missing: Vec<(Layer, String)>,
    /// The kernel's Landlock ABI version, if any.
    pub landlock_abi: Option<i64>,
}

impl CheckReport {
    /// Whether `Mode::Strict` can start a worker here.
    pub fn strict_ok(&self) -> bool {
        self.missing.is_empty()
    }
}

impl fmt::Display for CheckReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "supported: {}", self.supported)?;
        if let Some(abi) = self.landlock_abi {
            writeln!(f, "landlock ABI: {abi}")?;
        }
        for (l, why) in &self.missing {
            writeln!(f, "missing: {}: {why}", l.name())?;
        }
        Ok(())
    }
}

/// Probes which layers this machine supports. Namespaces are probed in a
/// forked child (raw syscalls only), the rest by harmless queries.
pub fn check() -> CheckReport {
    let mut supported = Layers(0);
    let mut missing = Vec::new();
    let flags = [
        libc::CLONE_NEWPID,
        libc::CLONE_NEWNET,
        libc::CLONE_NEWIPC,
        libc::CLONE_NEWUTS,
        libc::CLONE_NEWNS,
    ];
    let ns_layers = [
        Layer::PidNs,
        Layer::NetNs,
        Layer::IpcNs,
        Layer::UtsNs,
        Layer::MountNs,
    ];
    match sys::probe_namespaces_in_child(&flags) {
        Ok(bits) => {
            if bits & 1 != 0 {
                supported.insert(Layer::UserNs);
            } else {
                missing.push((
                    Layer::UserNs,
                    "unshare(CLONE_NEWUSER) failed (user namespaces disabled?)".to_string(),
                ));
            }
            for (i, l) in ns_layers.iter().enumerate() {
                let bit = 2u32
                    .checked_shl(u32::try_from(i).unwrap_or(31))
                    .unwrap_or(0);
                if bits & bit != 0 {
                    supported.insert(*l);
                } else {
                    missing.push((
                        *l,
                        format!("unshare for {} failed inside a user namespace", l.name()),
                    ));
                }
            }
            if supported.contains(Layer::UserNs) && supported.contains(Layer::MountNs) {
                supported.insert(Layer::EmptyRoot);
            } else {
                missing.push((
                    Layer::EmptyRoot,
                    "needs the user and mount namespaces".into(),
                ));
            }
        }
        Err(e) => {
            for l in [Layer::UserNs, Layer::EmptyRoot]
                .iter()
                .chain(ns_layers.iter())
            {
                missing.push((*l, format!("namespace probe failed: {e}")));
            }
        }
    }
    let landlock_abi = sys::landlock_abi().ok();
    match sys::landlock_abi() {
        Ok(_) => supported.insert(Layer::Landlock),
        Err(e) => missing.push((
            Layer::Landlock,
            format!("landlock_create_ruleset: {e} (kernel built without Landlock or not in lsm=)"),
        )),
    }
    if sys::seccomp_available() {
        supported.insert(Layer::Seccomp);
    } else {
        missing.push((Layer::Seccomp, "PR_GET_SECCOMP failed".into()));
    }
    if let Err(e) = build_filters() {
        missing.push((Layer::Seccomp, e));
    }
    for l in [
        Layer::UidDrop,
        Layer::Rlimits,
        Layer::NoNewPrivs,
        Layer::NotDumpable,
        Layer::ClosedFds,
        Layer::NoCapabilities,
    ] {
        supported.insert(l);
    }
    let _ = sys::get_no_new_privs();
    CheckReport {
        supported,
        missing,
        landlock_abi,
    }
}
