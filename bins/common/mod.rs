//! What every ctrkit binary does alike, kept in one place so the tools' `main`s stay a few
//! lines: parse flags with one-line errors and exit 125, hand the child's status on, and
//! print library errors as `tool: error`.
//!
//! Exit codes (docs/interfaces.md): 125 the tool failed (bad flags included), 126 the command
//! cannot be executed, 127 the command was not found, otherwise the command's own status; a
//! command killed by a signal makes the tool die of the same signal.

pub mod namespaces;
pub mod trace;

use clap::Parser;
use ctrkit::process::Status;
use std::process::ExitCode;

/// The tool itself failed (bad input, a refused syscall).
pub const TOOL_FAILED: u8 = 125;

/// The whole `main` of a tool: parse the flags, run, exit as `finish` says.
pub fn main<A: Parser>(tool: &str, run: fn(A) -> ctrkit::Result<Status>) -> ExitCode {
    match parse::<A>(tool) {
        Ok(args) => finish(tool, run(args)),
        Err(code) => code,
    }
}

/// Parse the command line. `--help` and `--version` print and exit 0; any other problem is
/// one line on stderr (`tool: invalid value '-5' for '--memory <SIZE>': …`) and exit 125.
/// Two extra first arguments every tool answers, generated from the same flag definitions:
/// `--completions bash|zsh|fish|elvish|powershell` (a completion script) and `--man` (roff).
pub fn parse<A: Parser>(tool: &str) -> Result<A, ExitCode> {
    if let Some(code) = generated::<A>(tool) {
        return Err(code);
    }
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

/// `--completions SHELL` and `--man`, when they are the first argument.
fn generated<A: Parser>(tool: &str) -> Option<ExitCode> {
    let args: Vec<String> = std::env::args().skip(1).take(2).collect();
    let mut command = A::command();
    match args.first().map(String::as_str) {
        Some("--man") => {
            let out = clap_mangen::Man::new(command).render(&mut std::io::stdout());
            Some(if out.is_ok() { ExitCode::SUCCESS } else { ExitCode::from(TOOL_FAILED) })
        }
        Some("--completions") => {
            use clap::ValueEnum;
            let Some(shell) = args.get(1).and_then(|s| clap_complete::Shell::from_str(s, true).ok()) else {
                eprintln!("{tool}: --completions needs a shell: bash, zsh, fish, elvish or powershell");
                return Some(ExitCode::from(TOOL_FAILED));
            };
            clap_complete::generate(shell, &mut command, tool, &mut std::io::stdout());
            Some(ExitCode::SUCCESS)
        }
        _ => None,
    }
}
