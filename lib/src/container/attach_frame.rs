//! The attach socket's wire format: every message is a frame, an 8-byte header then the
//! payload — the header of docker's multiplexed attach stream (`stdcopy`):
//!
//!     [kind, 0, 0, 0, len >> 24, len >> 16, len >> 8, len]  payload (len bytes)
//!
//! | kind | direction        | payload                                                     |
//! |------|------------------|-------------------------------------------------------------|
//! | 0    | client → monitor | bytes for the container's stdin                             |
//! | 1    | monitor → client | the container's stdout (everything, with -t)               |
//! | 2    | monitor → client | the container's stderr                                      |
//! | 3    | monitor → client | the end: the container's status as text, `exit N` or `signal N` |
//! | 4    | client → monitor | a window size as text, `ROWS COLS` (applied to the pty with -t) |
//!
//! Frames, not raw bytes, because the client must tell output from the status that follows
//! it (a `--rm` container's record is gone by the time the client could read it) and the
//! stdout from the stderr, and the monitor must tell keys from a window size.
//! No syscalls: pure encoding. Read: docker's Engine API, "Attach to a container" (stream
//! format). Used by: container::attach (the monitor), container::attach_client.

use crate::process::status::Status;

pub const HEADER: usize = 8;
/// Bigger frames are refused: no peer of ours sends more than one read's worth.
pub const MAX_PAYLOAD: usize = 1 << 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Kind {
    Stdin = 0,
    Stdout = 1,
    Stderr = 2,
    Exit = 3,
    Resize = 4,
}

impl Kind {
    fn from_byte(b: u8) -> Option<Kind> {
        [Kind::Stdin, Kind::Stdout, Kind::Stderr, Kind::Exit, Kind::Resize].into_iter().find(|k| *k as u8 == b)
    }
}

/// One frame, header and payload.
pub fn encode(kind: Kind, payload: &[u8]) -> Vec<u8> {
    let len = payload.len() as u32;
    let mut out = Vec::with_capacity(HEADER + payload.len());
    out.extend_from_slice(&[kind as u8, 0, 0, 0]);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(payload);
    out
}

/// Take every whole frame off the front of `buf` (the rest waits for more bytes). Err with
/// a reason when the stream is not frames: the peer is then dropped.
pub fn take_frames(buf: &mut Vec<u8>) -> Result<Vec<(Kind, Vec<u8>)>, String> {
    let mut out = Vec::new();
    loop {
        if buf.len() < HEADER {
            return Ok(out);
        }
        let kind = Kind::from_byte(buf[0]).ok_or_else(|| format!("unknown frame kind {}", buf[0]))?;
        let len = u32::from_be_bytes([buf[4], buf[5], buf[6], buf[7]]) as usize;
        if len > MAX_PAYLOAD {
            return Err(format!("frame of {len} bytes"));
        }
        if buf.len() < HEADER + len {
            return Ok(out);
        }
        let payload = buf[HEADER..HEADER + len].to_vec();
        buf.drain(..HEADER + len);
        out.push((kind, payload));
    }
}

/// The payload of an `Exit` frame.
pub fn status_text(status: Status) -> String {
    match status {
        Status::Exited(code) => format!("exit {code}"),
        Status::Signaled(sig) => format!("signal {}", sig as i32),
    }
}

/// An `Exit` frame's payload back to a status.
pub fn parse_status(text: &[u8]) -> Option<Status> {
    let text = std::str::from_utf8(text).ok()?;
    let (word, n) = text.split_once(' ')?;
    let n: i32 = n.trim().parse().ok()?;
    match word {
        "exit" => Some(Status::Exited(n)),
        "signal" => nix::sys::signal::Signal::try_from(n).ok().map(Status::Signaled),
        _ => None,
    }
}

/// A `Resize` frame's payload: rows and columns.
pub fn parse_size(text: &[u8]) -> Option<(u16, u16)> {
    let text = std::str::from_utf8(text).ok()?;
    let (rows, cols) = text.split_once(' ')?;
    Some((rows.trim().parse().ok()?, cols.trim().parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_round_trip_and_wait_for_their_last_byte() {
        let mut buf = encode(Kind::Stdout, b"hello");
        buf.extend(encode(Kind::Exit, status_text(Status::Exited(3)).as_bytes()));
        let last = buf.pop().unwrap();
        let first = take_frames(&mut buf).unwrap();
        assert_eq!(first, vec![(Kind::Stdout, b"hello".to_vec())]);
        buf.push(last);
        let rest = take_frames(&mut buf).unwrap();
        assert_eq!(parse_status(&rest[0].1), Some(Status::Exited(3)));
        assert!(buf.is_empty());
    }

    #[test]
    fn statuses_sizes_and_garbage() {
        let killed = Status::Signaled(nix::sys::signal::Signal::SIGKILL);
        assert_eq!(parse_status(status_text(killed).as_bytes()), Some(killed));
        assert_eq!(parse_size(b"40 120"), Some((40, 120)));
        assert_eq!(parse_size(b"40"), None);
        assert!(take_frames(&mut vec![9, 0, 0, 0, 0, 0, 0, 0]).is_err());
        assert!(take_frames(&mut vec![1, 0, 0, 0, 0xff, 0, 0, 0]).is_err());
    }
}
