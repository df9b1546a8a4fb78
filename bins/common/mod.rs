//! What every ctrkit binary does alike, kept in one place so the tools' `main`s stay a few
//! lines: parse flags with one-line errors and exit 125, hand the child's status on, and
//! print library errors as `tool: error`.
//!
//! Exit codes (docs/interfaces.md): 125 the tool failed (bad flags included), 126 the command
//! cannot be executed, 127 the command was not found, otherwise the command's own status; a
//! command killed by a signal makes the tool die of the same signal.

use clap::Parser;
use ctrkit::process::Status;
use std::process::ExitCode;

/// The tool itself failed (bad input, a refused syscall).
pub const TOOL_FAILED: u8 = 125;

/// Parse the command line. `--help` and `--version` print and exit 0; any other problem is
/// one line on stderr (`tool: invalid value '-5' for '--memory <SIZE>': …`) and exit 125.
pub fn parse<A: Parser>(tool: &str) -> Result<A, ExitCode> {
    match A::try_parse() {
        Ok(args) => Ok(args),
        Err(e) => {
            use clap::error::ErrorKind::*;
            match e.kind() {
                DisplayHelp | DisplayVersion | DisplayHelpOnMissingArgumentOrSubcommand => {
                    let _ = e.print();
                    Err(ExitCode::SUCCESS)
                }
                _ => {
                    let text = e.render().to_string();
                    let first = text.lines().next().unwrap_or("invalid arguments");
                    let first = first.strip_prefix("error: ").unwrap_or(first);
                    eprintln!("{tool}: {first} (see {tool} --help)");
                    Err(ExitCode::from(TOOL_FAILED))
                }
            }
        }
    }
}

/// Turn the outcome of `run` into the process's exit: the child's status (re-raising its
/// fatal signal) or `tool: error` and 125.
pub fn finish(tool: &str, outcome: ctrkit::Result<Status>) -> ExitCode {
    match outcome {
        Ok(status) => {
            status.reraise();
            ExitCode::from(status.code())
        }
        Err(e) => {
            eprintln!("{tool}: {e}");
            ExitCode::from(TOOL_FAILED)
        }
    }
}
