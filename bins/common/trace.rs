//! `--explain` and `--dry-run`, the two flags of every tool that changes the system, declared
//! once and switched on in lib/src/explain.rs (which prints each kernel operation as the
//! library makes it, or only prints it under --dry-run).
// bins/common is compiled into every tool (#[path]); only some of them use this file.
#![allow(dead_code)]

#[derive(clap::Args, Debug, Default)]
pub struct Trace {
    /// Print each kernel operation as it happens (stderr)
    #[arg(long)]
    pub explain: bool,
    /// Print the operations that would be made, make none, run nothing
    #[arg(long)]
    pub dry_run: bool,
}

impl Trace {
    /// Switch the library's tracer as the flags say.
    pub fn apply(&self) {
        ctrkit::explain::set_explain(self.explain);
        ctrkit::explain::set_dry_run(self.dry_run);
    }
}
