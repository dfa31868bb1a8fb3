//! The audit log: one JSON line per request with who, what, outcome,
//! latency and sizes — never tensor values.

use std::io::Write;
use std::path::Path;
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct AuditEntry<'a> {
    pub time: String,
    pub protocol: &'static str,
    pub peer: String,
    pub identity: Option<&'a str>,
    pub model: Option<&'a str>,
    pub version: Option<i64>,
    pub verb: &'a str,
    pub status: &'static str,
    pub code: u16,
    pub latency_ms: f64,
    pub request_bytes: u64,
    pub response_bytes: u64,
}

/// Where audit lines go (a file, stderr, or nowhere).
pub struct AuditLog {
    sink: Option<Mutex<Box<dyn Write + Send>>>,
}

impl AuditLog {
    pub fn disabled() -> Self {
        AuditLog { sink: None }
    }

    /// Appends to `path` (`-` = stderr). The file is created with mode 0600.
    pub fn open(path: &Path) -> std::io::Result<Self> {
        let sink: Box<dyn Write + Send> = if path.as_os_str() == "-" {
            Box::new(std::io::stderr())
        } else {
            use std::os::unix::fs::OpenOptionsExt;
            Box::new(
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .mode(0o600)
                    .open(path)?,
            )
        };
        Ok(AuditLog {
            sink: Some(Mutex::new(sink)),
        })
    }

    pub fn record(&self, entry: &AuditEntry<'_>) {
        let Some(sink) = &self.sink else { return };
        let Ok(mut line) = serde_json::to_vec(entry) else {
            return;
        };
        line.push(b'\n');
        if let Ok(mut w) = sink.lock() {
            // One write per line keeps lines whole in an appended file.
            if w.write_all(&line).and_then(|()| w.flush()).is_err() {
                tracing::error!("cannot write the audit log");
            }
        }
    }
}

/// RFC 3339 UTC with milliseconds, e.g. `2026-11-27T05:13:42.123Z`.
pub fn rfc3339(t: SystemTime) -> String {
    let d = t.duration_since(UNIX_EPOCH).unwrap_or(Duration::ZERO);
    let secs = d.as_secs();
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    let rem = secs % 86_400;
    let (y, m, day) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        d.subsec_millis()
    )
}

/// Days since 1970-01-01 to (year, month, day) in the proleptic Gregorian
/// calendar (Howard Hinnant's civil-from-days algorithm).
#[allow(clippy::arithmetic_side_effects)] // bounded: days < 2^40
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    (
        y,
        u32::try_from(m).unwrap_or(1),
        u32::try_from(d).unwrap_or(1),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_utc_times() {
        assert_eq!(rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
        let t = UNIX_EPOCH + Duration::from_millis(1_795_756_422_123);
        assert_eq!(rfc3339(t), "2026-11-27T05:13:42.123Z");
        let leap = UNIX_EPOCH + Duration::from_secs(951_782_400); // 2000-02-29
        assert_eq!(rfc3339(leap), "2000-02-29T00:00:00.000Z");
    }
}
