//! The whole pull: reference → manifest → blobs → staged OCI layout → image::unpack.
//!
//! | step                                   | network                         | store                     |
//! |----------------------------------------|---------------------------------|---------------------------|
//! | parse the reference (before anything)  | —                               | —                         |
//! | lock the store, clean dead pulls, mkdir staging, unlock | —              | STORE/pulls/<run>/        |
//! | is there a registry? what auth?        | GET /v2/ (+ token endpoint)     | —                         |
//! | the manifest (index → this platform)   | GET /v2/NAME/manifests/REF      | —                         |
//! | the config (diff_ids), unless stored   | GET /v2/NAME/blobs/DIGEST       | link(2) if stored         |
//! | each layer blob the store lacks, 3 at once | GET /v2/NAME/blobs/DIGEST   | link(2) if stored         |
//! | verify, extract, publish, record       | —                               | image::unpack (its lock)  |
//! | remove staging                         | —                               | —                         |
//!
//! A blob the store holds is never fetched again: a second pull of the same image asks the
//! registry for its manifest only. When the store already has this exact image (same
//! manifest, every layer unpacked), no layer blob is needed at all, stored or not —
//! image::unpack reads none. The store lock is *not* held while downloading (a slow pull
//! must not block other writers); image::unpack takes it to publish, and re-verifies
//! everything with the same code as img-unpack.
//!
//! Syscalls: those of registry::client, registry::staging and image::unpack. Spec: OCI
//! distribution-spec ("Pull"). Shell equivalent: `docker pull REF`, or `skopeo copy
//! docker://REF oci:DIR && img-unpack DIR`. Used by: img-pull; the front end (`ctrkit pull`).

use super::client::Client;
use super::document::{self, Descriptor, Document};
use super::fetch;
use super::platform;
use super::reference::Reference;
use super::staging::{self, Staging};
use super::{PullRequest, Pulled};
use crate::error::Result;
use crate::image::config::ImageConfig;
use crate::image::progress::Progress;
use crate::image::{self, Request, Store};
use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// Docker pulls three layers at a time (dockerd --max-concurrent-downloads).
const PARALLEL_DOWNLOADS: usize = 3;

/// A docker-like status line on stderr (`1: Pulling from demo`), unless quiet.
fn say(req: &PullRequest, line: &str) {
    if req.status {
        let _ = std::io::stderr().lock().write_all(format!("{line}\n").as_bytes());
    }
}

pub fn pull(req: &PullRequest) -> Result<Pulled> {
    let r = Reference::parse(&req.reference)?;
    let familiar = r.familiar();
    let client = Client::new(&r, req.insecure, req.credentials.clone(), req.limits.max_json_bytes);
    client.ping()?;

    // The manifest: by tag or digest; an index leads to this machine's manifest.
    let top = fetch::manifest(&client, &r.repository, &r.manifest_ref(), r.digest.as_ref(), &familiar, &req.limits)?;
    let top_digest = top.digest.clone();
    let mut manifest = top;
    let mut doc = document::parse(&format!("manifest {familiar}"), &manifest.bytes, &req.limits)?;
    if let Document::Index(entries) = &doc {
        let entry = platform::choose(entries, &platform::host(), &format!("index {familiar}"))?.clone();
        let what = format!("{familiar} ({})", entry.platform.as_ref().map(|p| p.to_string()).unwrap_or_default());
        manifest =
            fetch::manifest(&client, &r.repository, entry.digest.as_str(), Some(&entry.digest), &what, &req.limits)?;
        doc = document::parse(&format!("manifest {what}"), &manifest.bytes, &req.limits)?;
    }
    let Document::Manifest { config, layers } = doc else {
        return Err(document::refuse(&format!("manifest {familiar}"), "an index inside an index: refusing"));
    };
    let media_type = match document::is_manifest_type(&manifest.media_type) {
        true => manifest.media_type.clone(),
        false => document::OCI_MANIFEST.to_string(),
    };
    check_sizes(&config, &layers, req, &familiar)?;
    say(req, &format!("{}: Pulling from {}", r.manifest_ref(), r.repository));

    // Only now, with a manifest in hand, is the store touched (a wrong tag or a registry that
    // is down leaves no trace). Under the store lock: clean up after dead pulls, make our
    // staging dir; the lock is released at the end of the block.
    let staging = {
        let mut store = Store::create(&req.store)?;
        store.lock()?;
        staging::clean_stale(store.path())?;
        Staging::create(store.path())?
    };
    let store = Store::open(&req.store)?;

    // The config: its diff_ids say which layers the store already has unpacked.
    let mut fetched = 0;
    if !staging.link_from_store(&store.blob_path(&config.digest), &config.digest)? {
        let no_progress = AtomicU64::new(0);
        fetch::blob(&client, &r.repository, &config, &staging.blob_path(&config.digest), "config", &no_progress)?;
        fetched += 1;
    }
    let config_bytes = std::fs::read(staging.blob_path(&config.digest))
        .map_err(|e| crate::Error::io("read", staging.blob_path(&config.digest).display(), e))?;
    let image_config = ImageConfig::parse(&format!("config {}", config.digest.short()), &config_bytes, &req.limits)?;
    if image_config.diff_ids.len() != layers.len() {
        return Err(document::refuse(
            &format!("config {}", config.digest.short()),
            format!(
                "rootfs.diff_ids lists {} layers but the manifest has {}",
                image_config.diff_ids.len(),
                layers.len()
            ),
        ));
    }
    let record = store.image(&config.digest)?;
    let had_tag = record.as_ref().is_some_and(|rec| rec.tags.contains(&familiar));
    // This exact image is stored, every layer unpacked: image::unpack will read no layer.
    let whole_image_stored = record.is_some_and(|rec| {
        rec.manifest_digest == manifest.digest
            && rec.layers == image_config.diff_ids
            && rec.layers.iter().all(|d| store.has_layer(d))
            && store.has_blob(&manifest.digest)
    });

    // The layers: link what the store has, fetch the rest.
    let mut jobs: Vec<(usize, &Descriptor)> = Vec::new();
    for (i, l) in layers.iter().enumerate() {
        let seen = layers[..i].iter().any(|e| e.digest == l.digest);
        let linked = !seen && staging.link_from_store(&store.blob_path(&l.digest), &l.digest)?;
        if seen || linked || whole_image_stored {
            if !whole_image_stored || !had_tag {
                say(req, &format!("{}: Already exists", l.digest.short()));
            }
        } else {
            jobs.push((i, l));
        }
    }
    download(&client, &r, &staging, &jobs, req, layers.len())?;
    fetched += jobs.len();

    staging.write_blob(&manifest.digest, &manifest.bytes)?;
    staging.write_index(&manifest.digest, manifest.bytes.len() as u64, &media_type, &familiar)?;
    drop(store);
    let report = image::unpack(&Request {
        source: staging.layout().to_path_buf(),
        image: None,
        store: Some(req.store.clone()),
        to: None,
        limits: req.limits,
        progress: req.progress,
    })?;
    drop(staging);
    let up_to_date = fetched == 0 && had_tag && report.extracted == 0;
    say(req, &format!("Digest: {top_digest}"));
    match up_to_date {
        true => say(req, &format!("Status: Image is up to date for {familiar}")),
        false => say(req, &format!("Status: Downloaded newer image for {familiar}")),
    }
    Ok(Pulled { report, reference: familiar, digest: top_digest, fetched, up_to_date })
}

/// Refuse descriptors that promise more than the caps allow, before fetching anything.
fn check_sizes(config: &Descriptor, layers: &[Descriptor], req: &PullRequest, familiar: &str) -> Result<()> {
    if config.size > req.limits.max_json_bytes {
        return Err(document::refuse(
            &format!("manifest {familiar}: config"),
            format!("{} bytes exceeds the cap of {} bytes for JSON documents", config.size, req.limits.max_json_bytes),
        ));
    }
    for (i, l) in layers.iter().enumerate() {
        if l.size > req.limits.max_layer_bytes {
            return Err(document::refuse(
                &format!("manifest {familiar}: layers[{i}]"),
                format!("{} bytes exceeds the layer cap of {} bytes", l.size, req.limits.max_layer_bytes),
            ));
        }
    }
    Ok(())
}

/// Fetch the layer blobs in `jobs`, a few at once; the first failure stops the rest.
fn download(
    client: &Client,
    r: &Reference,
    staging: &Staging,
    jobs: &[(usize, &Descriptor)],
    req: &PullRequest,
    total: usize,
) -> Result<()> {
    if jobs.is_empty() {
        return Ok(());
    }
    let mut progress = Progress::new(req.progress);
    let counters: Vec<Arc<AtomicU64>> = jobs.iter().map(|(_, d)| progress.add(d.size)).collect();
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let errors = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        let _drawing = progress.start(s, "pulling");
        let workers: Vec<_> = (0..PARALLEL_DOWNLOADS.min(jobs.len()))
            .map(|_| {
                s.spawn(|| loop {
                    let k = next.fetch_add(1, Ordering::Relaxed);
                    if k >= jobs.len() || failed.load(Ordering::Relaxed) {
                        break;
                    }
                    let (i, d) = jobs[k];
                    let what = format!("layer {}/{total}", i + 1);
                    let to = staging.blob_path(&d.digest);
                    if let Err(e) = fetch::blob(client, &r.repository, d, &to, &what, &counters[k]) {
                        failed.store(true, Ordering::Relaxed);
                        if let Ok(mut all) = errors.lock() {
                            all.push(e);
                        }
                    }
                })
            })
            .collect();
        for w in workers {
            let _ = w.join();
        }
    });
    let mut errors = errors.into_inner().unwrap_or_default();
    if !errors.is_empty() {
        // The first failure stopped the others; it is the one to report.
        return Err(errors.remove(0));
    }
    // Printed after the progress line is gone, in layer order.
    for (i, d) in jobs {
        if !staging.blob_path(&d.digest).is_file() {
            return Err(document::refuse(
                &format!("layer {}/{total} {}", i + 1, d.digest),
                "not downloaded (a worker failed)",
            ));
        }
        say(req, &format!("{}: Pull complete", d.digest.short()));
    }
    Ok(())
}
