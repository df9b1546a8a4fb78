//! `--log FILE` and `--log-format text|json`: where ctr-oci's errors and warnings also go, in
//! the form the clients parse. containerd's shim and podman pass `--log FILE --log-format json`
//! and read the last `"level":"error"` line to tell the user why a runtime call failed.
//!
//!     json: {"level":"error","msg":"create …: …","time":"2026-11-28T16:00:00Z"}
//!     text: time="2026-11-28T16:00:00Z" level=error msg="create …: …"
//!
//! Lines are appended (O_APPEND: whole lines even when several calls share the file).
//! Syscalls: open(2) O_APPEND, write(2). Read: runc(8) ("--log", "--log-format").
//! Used by: ctr-oci (every verb's errors and hook warnings).

use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
}

/// The log destination chosen by the global flags.
#[derive(Debug, Clone)]
pub struct Log {
    pub file: Option<PathBuf>,
    pub format: Format,
}

/// One line in `format`.
pub fn line(format: Format, level: &str, msg: &str, time: &str) -> String {
    match format {
        Format::Json => serde_json::json!({ "level": level, "msg": msg, "time": time }).to_string(),
        Format::Text => format!("time={time:?} level={level} msg={msg:?}"),
    }
}

impl Log {
    /// Append one line; a log that cannot be written is not worth failing over (stderr has it).
    pub fn write(&self, level: &str, msg: &str) {
        let Some(file) = &self.file else { return };
        let text = line(self.format, level, msg, &crate::timestamp::now_rfc3339()) + "\n";
        let _ = append(file, &text);
    }
}

fn append(file: &Path, text: &str) -> std::io::Result<()> {
    std::fs::OpenOptions::new().create(true).append(true).open(file)?.write_all(text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_what_the_clients_parse() {
        let j: serde_json::Value = serde_json::from_str(&line(Format::Json, "error", "a \"b\"", "T")).unwrap();
        assert_eq!((j["level"].as_str(), j["msg"].as_str()), (Some("error"), Some("a \"b\"")));
        assert_eq!(line(Format::Text, "error", "x y", "T"), "time=\"T\" level=error msg=\"x y\"");
    }
}
