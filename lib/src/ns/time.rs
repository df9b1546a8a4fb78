//! The clock offsets of a new time namespace.
//!
//! A time namespace shifts CLOCK_MONOTONIC and CLOCK_BOOTTIME (never the wall clock) by
//! offsets written to /proc/self/timens_offsets after unshare(CLONE_NEWTIME) and *before*
//! any process enters the namespace; after that the file is frozen. So the order is:
//! unshare, write offsets, then fork or exec (exec moves the caller into its
//! time_for_children namespace).
//!
//! Read: time_namespaces(7). Shell: `unshare -T --boottime 86400 uptime`.
//! Used by: ns-unshare.

use crate::error::Result;
use crate::explain;

/// Offsets in whole seconds; `None` leaves a clock as the host's.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Offsets {
    pub monotonic: Option<i64>,
    pub boottime: Option<i64>,
}

impl Offsets {
    pub fn is_empty(&self) -> bool {
        self.monotonic.is_none() && self.boottime.is_none()
    }

    /// The text for timens_offsets: `<clock> <secs> <nanosecs>` per line.
    fn text(&self) -> String {
        let mut s = String::new();
        if let Some(secs) = self.monotonic {
            s.push_str(&format!("monotonic {secs} 0\n"));
        }
        if let Some(secs) = self.boottime {
            s.push_str(&format!("boottime {secs} 0\n"));
        }
        s
    }
}

/// Write the offsets for the time namespace the caller just created for its children.
pub fn write_offsets(offsets: &Offsets) -> Result<()> {
    if offsets.is_empty() {
        return Ok(());
    }
    let path = std::path::Path::new("/proc/self/timens_offsets");
    explain::write_file(path, &offsets.text(), "shift the clocks of the new time namespace", "time_namespaces(7)")
        .map_err(|e| {
            e.with_hint(
                "offsets can only be set before any process enters the time namespace; the result may not be negative",
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_text_lists_only_given_clocks() {
        let o = Offsets { monotonic: None, boottime: Some(86400) };
        assert_eq!(o.text(), "boottime 86400 0\n");
    }
}
