//! Networking inside namespaces. For now: the loopback device of a new network namespace.
//!
//! - `loopback` — bring `lo` up (`ip link set lo up`).
//!
//! Read: network_namespaces(7). Used by: ns-unshare --net.

pub mod loopback;
