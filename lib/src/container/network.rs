//! The container's network, from `--network`, `-p` and `-P` to what each step does with it.
//!
//! | mode              | namespace (child.rs)                 | made before the fork (create.rs)                    |
//! |-------------------|--------------------------------------|-----------------------------------------------------|
//! | `none`            | unshare(CLONE_NEWNET); lo up         | —                                                   |
//! | `host`            | the host's (none of its own)         | —                                                   |
//! | `bridge`          | setns into the namespace made for it | a new netns, plugged into the bridge (net::endpoint); the `-p` host sockets were bound in `prepare` |
//! | `container:NAME`  | setns into NAME's namespace          | — (NAME's namespace was opened in `prepare`)        |
//!
//! Why `bridge` configures the namespace *before* the container exists: a network namespace
//! can be held by an fd alone (net::netns), so the veth, address and route are in place
//! before the first process runs — no round trip with the child, nothing half-made if the
//! child fails, and the child only joins. The container's pid 1 then keeps the namespace alive
//! and we close our fd; when the container ends, the namespace, eth0 and its veth peer go with
//! it; `finish` (or `rm` after a crash) gives the address back.
//!
//! Default: `none` — ctrkit does not put a bridge on the host unless asked (docker's default
//! is `bridge`; set CTRKIT_NETWORK=bridge for that). `-p`/`-P` without `--network` mean bridge.
//! Used by: ctr-run, container::{create, child, spec, remove, inspect}, ctrkit port.

use super::options::RunOptions;
use super::state::State;
use crate::error::{Error, Result};
use crate::net::endpoint::{Endpoint, Member, Network};
use crate::net::netns::Netns;
use crate::net::publish::{self, Listener, PortMap};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// `--network`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Mode {
    #[default]
    None,
    Host,
    Bridge,
    /// `container:NAME`: share NAME's network namespace.
    Container(String),
}

impl Mode {
    pub fn parse(text: &str) -> Result<Mode> {
        Ok(match text {
            "none" => Mode::None,
            "host" => Mode::Host,
            "bridge" | "default" => Mode::Bridge,
            other => match other.strip_prefix("container:") {
                Some(name) if !name.is_empty() => Mode::Container(name.to_string()),
                _ => {
                    return Err(Error::invalid(
                        format!("--network {other:?}"),
                        "use none, host, bridge or container:NAME",
                    ))
                }
            },
        })
    }

    pub fn name(&self) -> String {
        match self {
            Mode::None => "none".into(),
            Mode::Host => "host".into(),
            Mode::Bridge => "bridge".into(),
            Mode::Container(n) => format!("container:{n}"),
        }
    }
}

/// What the run records about its network (state.json), for inspect, port, ps and rm.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    pub mode: String,
    /// While the container runs on the bridge.
    pub endpoint: Option<Endpoint>,
    /// Published ports, with the host ports as bound.
    pub ports: Vec<PortMap>,
}

/// Decided in `prepare`: the sockets already bound, the other namespace already open.
pub enum Plan {
    None,
    Host,
    Bridge { network: Network, listeners: Vec<Listener> },
    Join(Netns),
}

/// Step 1 of create.rs: check the flags, bind the published ports, open a shared namespace.
pub fn plan(o: &RunOptions) -> Result<Plan> {
    if !o.publish.is_empty() && o.network != Mode::Bridge {
        return Err(Error::invalid(
            format!("--network {}", o.network.name()),
            "-p/-P publish ports through the bridge; use --network bridge",
        ));
    }
    Ok(match &o.network {
        Mode::None => Plan::None,
        Mode::Host => Plan::Host,
        Mode::Bridge => {
            let network = Network::default_bridge(&o.state_root);
            Plan::Bridge { listeners: publish::bind_all(&o.publish)?, network }
        }
        Mode::Container(name) => {
            let record = super::lookup::find(&o.state_root, name)?;
            if !super::liveness::is_running(&record.state) {
                return Err(Error::invalid(format!("--network container:{name}"), "that container is not running"));
            }
            Plan::Join(Netns::of_pid(record.state.pid)?)
        }
    })
}

impl Plan {
    /// Does the child unshare a network namespace of its own (`none`)?
    pub fn new_namespace(&self) -> bool {
        matches!(self, Plan::None)
    }

    /// The ports as bound (host port 0 resolved).
    pub fn ports(&self) -> Vec<PortMap> {
        match self {
            Plan::Bridge { listeners, .. } => listeners.iter().map(Listener::map).collect(),
            _ => Vec::new(),
        }
    }
}

/// Step 2 of create.rs for `bridge`: a namespace for the container, plugged in.
pub fn connect(plan: &Plan, id: &str, name: &str, hostname: &str) -> Result<Option<(Netns, Endpoint)>> {
    let Plan::Bridge { network, .. } = plan else { return Ok(None) };
    let netns = Netns::create()?;
    let endpoint = network.connect(&netns, &Member { id, name, hostname }, None)?;
    Ok(Some((netns, endpoint)))
}

/// In the child, before any mount (sysfs shows the devices of the mounter's namespace).
pub fn enter(plan: &Plan, prepared: Option<&Netns>) -> Result<()> {
    match (plan, prepared) {
        (Plan::None, _) => crate::net::loopback::bring_up_loopback(),
        (Plan::Host, _) => Ok(()),
        (Plan::Join(netns), _) | (Plan::Bridge { .. }, Some(netns)) => netns.join(),
        (Plan::Bridge { .. }, None) => Err(Error::invalid("--network bridge", "no namespace was prepared")),
    }
}

/// Give back what `connect` took: the veth (if it outlived the namespace) and the address.
/// For `finish`, and for `rm` of a container whose supervisor died.
pub fn release(state_root: &Path, s: &State) -> Result<()> {
    match &s.network.endpoint {
        Some(endpoint) => Network::default_bridge(state_root).disconnect(endpoint, &s.id),
        None => Ok(()),
    }
}

/// `-P`: every EXPOSEd port of the image, on a free host port.
pub fn publish_all(exposed: &[String]) -> Result<Vec<PortMap>> {
    exposed.iter().map(|p| PortMap::parse(p)).collect()
}
