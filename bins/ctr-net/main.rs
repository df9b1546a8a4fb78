//! ctr-net — plug a network namespace into a bridge on the host, and unplug it: the bridge
//! (once), a veth pair, an address from the subnet with its lease, the default route, and the
//! names every container on the bridge sees in /etc/hosts. What `docker run` does to the
//! network, as one tool to compose with ns-unshare or ctr-enter.
//!
//! Modes: `connect` (net::endpoint::Network::connect), `disconnect`, `ls` (the leases),
//! `prune` (the bridge, when nobody is on it). Man page: bins/ctr-net/README.md.
#![forbid(unsafe_code)]

#[path = "../common/mod.rs"]
mod common;

use clap::{Parser, Subcommand};
use ctrkit::net::endpoint::{Endpoint, Member, Network, DEFAULT_BRIDGE};
use ctrkit::net::netns::Netns;
use ctrkit::net::subnet::Subnet;
use ctrkit::process::Status;
use ctrkit::{Error, Result};
use std::net::Ipv4Addr;
use std::path::PathBuf;
use std::process::ExitCode;

const TOOL: &str = "ctr-net";

#[derive(Parser)]
#[command(
    name = TOOL,
    version,
    about = "Plug a network namespace into a bridge: veth pair, address, route, names (like docker's bridge network)",
    long_about = "Connect a network namespace (a process's, or a persisted file) to a bridge on the host: \
                  the bridge and its gateway address are made on first use; the namespace gets eth0 with the \
                  lowest free address of the subnet, a default route via the gateway, and the network's hosts \
                  file lists it by name. Nothing turns on forwarding or NAT.",
    after_help = "Examples:\n  ns-unshare --net --fork sleep 1000 &  ctr-net connect --pid $! --name box\n  ctr-net ls\n  ctr-net disconnect --id pid-4242\n  ctr-net prune"
)]
struct Args {
    /// The bridge
    #[arg(long, global = true, value_name = "NAME", default_value = DEFAULT_BRIDGE, env = "CTRKIT_BRIDGE")]
    bridge: String,
    /// The bridge's subnet; its first address is the gateway
    #[arg(long, global = true, value_name = "CIDR", default_value = "10.66.0.0/16", env = "CTRKIT_SUBNET")]
    subnet: String,
    /// Where leases and the hosts file live (STATE/networks/BRIDGE)
    #[arg(long, global = true, value_name = "DIR", env = "CTRKIT_STATE", default_value = "/run/ctrkit")]
    state: PathBuf,
    /// Print results as JSON on stdout
    #[arg(long, global = true)]
    json: bool,
    #[command(flatten)]
    trace: common::trace::Trace,
    #[command(subcommand)]
    mode: Mode,
}

#[derive(Subcommand)]
enum Mode {
    /// Plug a namespace in: prints its address (or the endpoint as JSON)
    Connect {
        /// The process whose network namespace to plug in
        #[arg(
            short = 't',
            long = "pid",
            value_name = "PID",
            required_unless_present = "netns",
            conflicts_with = "netns"
        )]
        pid: Option<i32>,
        /// A network namespace file instead (/proc/PID/ns/net, /run/netns/NAME)
        #[arg(long, value_name = "FILE")]
        netns: Option<PathBuf>,
        /// The owner recorded with the lease (default: pid-PID or the file's name)
        #[arg(long, value_name = "ID")]
        id: Option<String>,
        /// The name others on the bridge reach it by (default: the id)
        #[arg(long, value_name = "NAME")]
        name: Option<String>,
        /// This address instead of the lowest free one
        #[arg(long, value_name = "ADDRESS")]
        ip: Option<Ipv4Addr>,
    },
    /// Unplug: delete the veth pair, release the address, drop the name
    Disconnect {
        /// The owner given to connect
        #[arg(long, value_name = "ID")]
        id: String,
    },
    /// List the addresses handed out on the bridge
    Ls,
    /// Remove the bridge and its records when no address is handed out
    Prune,
}

fn main() -> ExitCode {
    common::main(TOOL, run)
}

fn run(args: Args) -> Result<Status> {
    args.trace.apply();
    let network = Network::new(&args.state, &args.bridge, Subnet::parse(&args.subnet)?)?;
    match args.mode {
        Mode::Connect { pid, netns, id, name, ip } => {
            let (ns, default_id) = match (pid, &netns) {
                (Some(pid), _) => (Netns::of_pid(pid)?, format!("pid-{pid}")),
                (None, Some(file)) => (Netns::open(file)?, file_name(file)),
                (None, None) => return Err(Error::invalid("connect", "give --pid or --netns")),
            };
            let id = id.unwrap_or(default_id);
            let name = name.unwrap_or_else(|| id.clone());
            let endpoint = network.connect(&ns, &Member { id: &id, name: &name, hostname: &name }, ip)?;
            print_endpoint(&endpoint, args.json)?;
        }
        Mode::Disconnect { id } => {
            let lease = network.leases()?.into_iter().find(|l| l.id == id);
            let lease = lease
                .ok_or_else(|| Error::invalid(format!("--id {id}"), format!("holds no address on {}", args.bridge)))?;
            let endpoint = Endpoint {
                bridge: network.bridge.clone(),
                ip: lease.ip,
                prefix: network.subnet.prefix,
                gateway: network.subnet.gateway(),
                veth: lease.veth,
            };
            network.disconnect(&endpoint, &id)?;
        }
        Mode::Ls => {
            let leases = network.leases()?;
            if args.json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&leases).map_err(|e| Error::invalid("leases", e.to_string()))?
                );
            } else {
                println!("{:<16} {:<14} {:<24} ID", "ADDRESS", "VETH", "NAME");
                for l in leases {
                    println!("{:<16} {:<14} {:<24} {}", l.ip, l.veth, l.name, l.id);
                }
            }
        }
        Mode::Prune => {
            if !network.prune()? {
                return Err(Error::invalid(format!("bridge {}", args.bridge), "still has addresses handed out")
                    .with_hint("`ctr-net ls` lists them; disconnect or remove those containers first"));
            }
        }
    }
    Ok(Status::Exited(0))
}

fn print_endpoint(e: &Endpoint, json: bool) -> Result<()> {
    if json {
        println!("{}", serde_json::to_string(e).map_err(|x| Error::invalid("endpoint", x.to_string()))?);
    } else {
        println!("{}/{} via {} on {} ({})", e.ip, e.prefix, e.gateway, e.bridge, e.veth);
    }
    Ok(())
}

fn file_name(file: &std::path::Path) -> String {
    file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "netns".into())
}
