//! Test-only: what a malicious model would try once it runs code in the
//! worker. Compiled only with the `hostile-tests` feature.

use std::io::{Read, Write};

use ward_tensor::{Error, Result};

use crate::protocol::{HostileAction, Message, SharedTensor};
use crate::sys::hostile;

#[allow(clippy::panic)]
fn panic_now() -> Option<u8> {
    panic!("hostile panic inside the worker")
}

pub fn perform(action: &HostileAction) -> Result<()> {
    match action {
        HostileAction::ReadFile(path) => {
            let mut s = String::new();
            std::fs::File::open(path)?.read_to_string(&mut s)?;
            Err(Error::internal(format!(
                "ESCAPE: read {path}: {} bytes",
                s.len()
            )))
        }
        HostileAction::CreateFile(path) => {
            std::fs::File::create(path)?.write_all(b"escaped")?;
            Err(Error::internal(format!("ESCAPE: created {path}")))
        }
        HostileAction::ConnectTcp(port) => {
            let mut s = std::net::TcpStream::connect(("127.0.0.1", *port))?;
            s.write_all(b"escaped")?;
            Err(Error::internal("ESCAPE: connected"))
        }
        HostileAction::ExecShell => Err(Error::from(hostile::execve_sh())),
        HostileAction::Fork => {
            hostile::fork_and_exit()?;
            Err(Error::internal("ESCAPE: forked"))
        }
        HostileAction::Ptrace(pid) => {
            hostile::ptrace_attach(*pid)?;
            Err(Error::internal("ESCAPE: ptrace attached"))
        }
        HostileAction::Kill(pid) => {
            hostile::kill(*pid)?;
            Err(Error::internal("ESCAPE: signalled"))
        }
        HostileAction::Allocate(bytes) => {
            let n = usize::try_from(*bytes).map_err(|_| Error::overflow("allocation"))?;
            let mut v: Vec<u8> = Vec::new();
            v.try_reserve_exact(n).map_err(|_| {
                Error::resource_exhausted(format!("allocation of {bytes} bytes refused"))
            })?;
            // Touch every page.
            v.resize(n, 1);
            Err(Error::internal(format!(
                "ESCAPE: allocated {} bytes",
                v.len()
            )))
        }
        HostileAction::Spin => {
            let mut x: u64 = 0;
            loop {
                x = std::hint::black_box(x.wrapping_add(1));
            }
        }
        HostileAction::Abort => hostile::abort(),
        HostileAction::Panic => {
            let v: Vec<u8> = Vec::new();
            // A bug in a parser: out-of-bounds index.
            let i = std::hint::black_box(7usize);
            Err(Error::internal(format!(
                "ESCAPE: {:?}",
                v.get(i).copied().or_else(panic_now)
            )))
        }
    }
}

/// A run with an input named `bogus_shared_reply` (an i64 scalar) gets
/// output ranges a hostile worker might name in the reply region: 1 = past
/// its end, 2 = the same bytes over and over (more than the region), 3 = a
/// length that does not match the shape.
pub fn bogus_reply(inputs: &[(String, ward_tensor::Tensor)]) -> Option<Message> {
    let (_, t) = inputs.iter().find(|(n, _)| n == "bogus_shared_reply")?;
    let kind = t.as_slice::<i64>().ok()?.first().copied()?;
    let shape = ward_tensor::Shape::vector(1 << 20);
    let one = |offset: u64, len: u64| SharedTensor {
        name: "y".into(),
        dtype: ward_tensor::DType::F32,
        shape: shape.clone(),
        offset,
        len,
    };
    let refs = match kind {
        1 => vec![one(u64::MAX - 64, 4 << 20)],
        2 => vec![one(0, 4 << 20); 100],
        _ => vec![one(0, 12)],
    };
    Some(Message::OutputsShared(refs))
}
