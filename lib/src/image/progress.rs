//! A progress line on a terminal while layers are read: compressed bytes read per layer and
//! in total, redrawn in place about four times a second on stderr. Off unless asked for (the
//! tool asks only when stderr is a terminal and neither --quiet nor --json is given), so
//! logs and pipes never see it.
//!
//! Syscalls: write(2) to stderr. Shell equivalent: `pv -p layer.tar.gz | tar -xz`.
//! Used by: image::unpack.

use super::limits::human_bytes;
use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

pub struct Progress {
    enabled: bool,
    layers: Vec<(u64, Arc<AtomicU64>)>,
    stop: Arc<AtomicBool>,
}

impl Progress {
    pub fn new(enabled: bool) -> Progress {
        Progress { enabled, layers: Vec::new(), stop: Arc::new(AtomicBool::new(false)) }
    }

    /// A counter for one more layer of `total` bytes (0 if unknown).
    pub fn add(&mut self, total: u64) -> Arc<AtomicU64> {
        let c = Arc::new(AtomicU64::new(0));
        self.layers.push((total, c.clone()));
        c
    }

    /// Draw on a thread of `scope` until the returned guard is dropped (keep it inside the
    /// scope, or the scope would wait for the drawing thread forever).
    pub fn start<'s>(&self, scope: &'s std::thread::Scope<'s, '_>, what: &'static str) -> Drawing {
        let guard = Drawing(self.stop.clone());
        if !self.enabled || self.layers.is_empty() {
            return guard;
        }
        let layers = self.layers.clone();
        let stop = self.stop.clone();
        scope.spawn(move || {
            let mut last = Instant::now();
            while !stop.load(Ordering::Relaxed) {
                // Wake often (to stop promptly), draw four times a second.
                std::thread::sleep(Duration::from_millis(50));
                if last.elapsed() < Duration::from_millis(250) {
                    continue;
                }
                last = Instant::now();
                let mut line = format!("\r\x1b[K{what}:");
                let (mut done, mut total) = (0, 0);
                for (i, (size, c)) in layers.iter().enumerate() {
                    let n = c.load(Ordering::Relaxed);
                    done += n;
                    total += size;
                    if n > 0 && (*size == 0 || n < *size) {
                        let pct = if *size > 0 { n * 100 / size } else { 0 };
                        line.push_str(&format!(" layer {} {pct}%", i + 1));
                    }
                }
                line.push_str(&format!("  {} / {}", human_bytes(done), human_bytes(total)));
                let _ = std::io::stderr().lock().write_all(line.as_bytes());
            }
            let _ = std::io::stderr().lock().write_all(b"\r\x1b[K");
        });
        guard
    }
}

/// Stops the drawing thread when dropped.
pub struct Drawing(Arc<AtomicBool>);

impl Drop for Drawing {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}
