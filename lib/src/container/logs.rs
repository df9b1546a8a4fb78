//! `ctrkit logs`: print a detached container's output from its json-file log (log.rs),
//! stdout lines to stdout and stderr lines to stderr, as docker does.
//!
//! `--tail N` the last N lines; `-t` each line prefixed with its time; `-f` keep reading
//! until the container has ended: at the end of the file we sleep 100 ms and look again
//! (bounded sleeps: the writer is another process, and a 100 ms delay is invisible in a
//! terminal), then stop once the container and its monitor are gone and the file is drained.
//! A line not yet complete (a writer caught mid-write) waits for its newline.
//! Files: STATE/containers/<id>/container.log. Read: docker-container-logs(1).
//! Shell: `jq -j .log container.log`, `tail -f`. Used by: ctrkit logs, ctrkit attach.

use super::lookup::Record;
use super::{liveness, log, stop};
use crate::error::{Error, Result};
use std::io::{Read, Write};
use std::time::Duration;

#[derive(Debug, Clone, Copy, Default)]
pub struct LogOptions {
    /// Only the last N lines (None: all).
    pub tail: Option<usize>,
    pub timestamps: bool,
    pub follow: bool,
}

/// One JSON line → (is it stderr, the text to print); None for a line that is not an entry.
pub fn decode(line: &str, timestamps: bool) -> Option<(bool, String)> {
    let v: serde_json::Value = serde_json::from_str(line).ok()?;
    let text = v["log"].as_str()?;
    let stderr = v["stream"] == "stderr";
    let shown = if timestamps { format!("{} {text}", v["time"].as_str().unwrap_or("")) } else { text.to_string() };
    Some((stderr, shown))
}

/// Print the log of `rec` to `out`/`err` as `o` says.
pub fn print(rec: &Record, o: LogOptions, out: &mut dyn Write, err: &mut dyn Write) -> Result<()> {
    let path = rec.dir.join(log::LOG_FILE);
    let mut file = match std::fs::File::open(&path) {
        Ok(f) => Some(f),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(Error::io("open", path.display(), e)),
    };
    let mut pending = String::new();
    let mut first = true;
    loop {
        if file.is_none() {
            file = std::fs::File::open(&path).ok();
        }
        let mut chunk = String::new();
        if let Some(f) = file.as_mut() {
            f.read_to_string(&mut chunk).map_err(|e| Error::io("read", path.display(), e))?;
        }
        pending.push_str(&chunk);
        let complete = pending.rfind('\n').map_or(0, |i| i + 1);
        let lines: Vec<String> = pending[..complete].lines().map(String::from).collect();
        pending.drain(..complete);
        let skip = match (first, o.tail) {
            (true, Some(n)) => lines.len().saturating_sub(n),
            _ => 0,
        };
        first = false;
        for line in &lines[skip..] {
            if let Some((is_err, text)) = decode(line, o.timestamps) {
                let sink: &mut dyn Write = if is_err { err } else { out };
                let _ = sink.write_all(text.as_bytes());
            }
        }
        let _ = out.flush();
        if !o.follow {
            return Ok(());
        }
        // Still being written? The record is re-read: the container may have ended meanwhile.
        let s = super::state::read(&rec.dir).unwrap_or_else(|_| rec.state.clone());
        let live = Record { dir: rec.dir.clone(), state: s };
        let writing = liveness::is_running(&live.state) || stop::monitor_fd(&live)?.is_some();
        if !writing && chunk.is_empty() {
            return Ok(());
        }
        if chunk.is_empty() {
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_streams_and_timestamps() {
        let l = r#"{"log":"hi\n","stream":"stderr","time":"2024-05-01T12:00:00Z"}"#;
        assert_eq!(decode(l, false), Some((true, "hi\n".into())));
        assert_eq!(decode(l, true), Some((true, "2024-05-01T12:00:00Z hi\n".into())));
        assert_eq!(decode("garbage", false), None);
    }
}
