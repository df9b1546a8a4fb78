//! Storing an image (the STORE half of img-unpack): read every layer the store lacks — several
//! at once, one worker per CPU — extracting each missing one in overlay form into
//! STORE/tmp/<run>/layer-N, keeping each new blob as received; verify everything; then
//! syncfs(2) once and publish by rename(2): layers (each with its record beside it), blobs,
//! and the image record last. An image already stored reads no layer at all.
//!
//! Syscalls: flock(2), mkdir(2), syncfs(2), rename(2), fsync(2) (+ those of image::apply).
//! Man: syncfs(2), rename(2). Shell equivalent: `skopeo copy oci-archive:X containers-storage:…`.
//! Used by: image::unpack.

use super::apply::{Applier, ApplyMode};
use super::config::ImageConfig;
use super::digest::Digest;
use super::layer;
use super::limits::Limits;
use super::manifest::Resolved;
use super::progress::Progress;
use super::source::Source;
use super::store::{new_file, ImageRecord, LayerRecord, Store, WorkDir};
use super::tar::TarReader;
use super::unpack::{check, compose_manifest, label, open_blob, BlobInfo, Request};
use super::{json, refuse, within};
use crate::error::{Error, Result};
use crate::explain::{self, Op};
use crate::timestamp::now_rfc3339;
use nix::fcntl::OFlag;
use nix::sys::stat::Mode;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;

/// What the store phase found or made.
pub(super) struct Stored {
    pub(super) path: PathBuf,
    pub(super) blobs: Vec<BlobInfo>,
    pub(super) dirs: Vec<PathBuf>,
    pub(super) manifest_digest: Digest,
    pub(super) tags: Vec<String>,
    pub(super) extracted: usize,
}

/// One layer's work in the store phase.
struct Job {
    index: usize,
    extract: bool,
    tee: bool,
}

struct Done {
    index: usize,
    info: BlobInfo,
    diff_size: u64,
}

pub(super) fn store_image(
    root: &Path,
    src: &Source,
    res: &Resolved,
    config: &ImageConfig,
    req: &Request,
) -> Result<Stored> {
    let mut store = Store::create(root)?;
    store.lock()?;
    store.clean_tmp()?;
    let dirs: Vec<PathBuf> = config.diff_ids.iter().map(|d| store.layer_dir(d)).collect();
    if let Some(stored) = already_stored(&store, res, config, &dirs)? {
        return Ok(stored);
    }
    let work = store.work_dir()?;
    let mut blobs: Vec<Option<BlobInfo>> = vec![None; res.layers.len()];
    let mut jobs = Vec::new();
    for (i, l) in res.layers.iter().enumerate() {
        let diff = &config.diff_ids[i];
        let first = config.diff_ids.iter().position(|d| d == diff) == Some(i);
        let have_layer = store.has_layer(diff);
        match (&l.digest, l.size, &l.media_type) {
            // Layer and blob both stored: trust the store, read nothing.
            (Some(d), Some(size), Some(mt)) if have_layer && store.has_blob(d) => {
                blobs[i] = Some(BlobInfo { digest: d.clone(), size, media_type: mt.clone() });
            }
            (known, _, _) => jobs.push(Job {
                index: i,
                extract: first && !have_layer,
                tee: known.as_ref().is_none_or(|d| !store.has_blob(d)),
            }),
        }
    }
    let done = run_jobs(&jobs, src, res, config, req, &work)?;
    let mut sizes = vec![0u64; res.layers.len()];
    for d in done {
        sizes[d.index] = d.diff_size;
        blobs[d.index] = Some(d.info);
    }
    let blobs: Vec<BlobInfo> =
        blobs.into_iter().map(|b| b.ok_or_else(|| refuse("layer", "", "not read"))).collect::<Result<_>>()?;
    let manifest_bytes = match &res.manifest {
        Some((_, bytes)) => bytes.clone(),
        None => compose_manifest(res, &blobs),
    };
    let manifest_digest = Digest::of(&manifest_bytes);
    for (digest, bytes, name) in
        [(&res.config_digest, &res.config, "config"), (&manifest_digest, &manifest_bytes, "manifest")]
    {
        if !store.has_blob(digest) {
            let p = work.path.join(name);
            new_file(&p)?.write_all(bytes).map_err(|e| Error::io("write", p.display(), e))?;
        }
    }
    // Everything verified: make it durable with one syncfs, then publish by renames.
    let wfd = nix::fcntl::open(&work.path, OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC, Mode::empty())
        .map_err(|e| Error::errno("open", work.path.display(), e))?;
    let op = Op::new(
        format!("syncfs({:?})", work.path),
        "write the unpacked layers to disk once, not file by file",
        "syncfs(2)",
    );
    explain::run(op, &work.path.display().to_string(), || nix::unistd::syncfs(&wfd))?;
    let created = now_rfc3339();
    let mut extracted = 0;
    for job in &jobs {
        let i = job.index;
        if job.extract {
            let diff = &config.diff_ids[i];
            let to = store.layer_dir(diff);
            if to.exists() {
                // A layer dir without its record: a crash between rename and record. Replace it.
                fs::remove_dir_all(&to).map_err(|e| Error::io("remove", to.display(), e))?;
            }
            store.publish(&work.path.join(format!("layer-{i}")), &to, "publish the verified layer")?;
            let rec = LayerRecord {
                diff_id: diff.clone(),
                size: sizes[i],
                created: created.clone(),
                digest: Some(blobs[i].digest.clone()),
                media_type: Some(blobs[i].media_type.clone()),
            };
            store.write_layer_record(&rec, &work)?;
            extracted += 1;
        }
        if job.tee && !store.has_blob(&blobs[i].digest) {
            store.publish(
                &work.path.join(format!("blob-{i}")),
                &store.blob_path(&blobs[i].digest),
                "keep the verified blob",
            )?;
        }
    }
    for (digest, name) in [(&res.config_digest, "config"), (&manifest_digest, "manifest")] {
        if !store.has_blob(digest) {
            store.publish(&work.path.join(name), &store.blob_path(digest), "keep the verified blob")?;
        }
    }
    let record = ImageRecord {
        id: res.config_digest.clone(),
        tags: res.tags.clone(),
        manifest_digest: manifest_digest.clone(),
        config_digest: res.config_digest.clone(),
        layers: config.diff_ids.clone(),
    };
    let record = store.write_image(&record, &work)?;
    store.sync_dirs()?;
    Ok(Stored { path: store.path().to_path_buf(), blobs, dirs, manifest_digest, tags: record.tags, extracted })
}

/// The image is in the store with all its layers: read nothing, extract nothing.
fn already_stored(store: &Store, res: &Resolved, config: &ImageConfig, dirs: &[PathBuf]) -> Result<Option<Stored>> {
    let Some(rec) = store.image(&res.config_digest)? else { return Ok(None) };
    // The same image under another manifest (say zstd instead of gzip layers): its blobs are
    // new and get read and verified, though no layer is extracted again.
    let other_manifest = res.manifest.as_ref().is_some_and(|(d, _)| d != &rec.manifest_digest);
    if other_manifest
        || rec.layers != config.diff_ids
        || !rec.layers.iter().all(|d| store.has_layer(d))
        || !store.has_blob(&rec.manifest_digest)
    {
        return Ok(None);
    }
    let what = format!("stored manifest {}", rec.manifest_digest.short());
    let bytes = store.read_blob(&rec.manifest_digest)?;
    let v = json::parse(&what, &bytes, &Limits::default())?;
    let at = json::At::root(&what);
    let list_at = at.key("layers");
    let list = list_at.array(json::required(at.object(&v)?, "layers", &at)?)?;
    let mut blobs = Vec::new();
    for (i, item) in list.iter().enumerate() {
        let a = list_at.index(i);
        let o = a.object(item)?;
        blobs.push(BlobInfo {
            digest: Digest::parse(a.key("digest").string(json::required(o, "digest", &a)?)?, &a.key("digest").name())?,
            size: a.key("size").unsigned(json::required(o, "size", &a)?)?,
            media_type: a.key("mediaType").string(json::required(o, "mediaType", &a)?)?.to_string(),
        });
    }
    if blobs.len() != dirs.len() {
        return Ok(None);
    }
    explain::note(&format!(
        "image {} is already in the store with all {} layers: no layer is read",
        rec.id.short(),
        dirs.len()
    ));
    let work = store.work_dir()?;
    let rec = store.write_image(&ImageRecord { tags: res.tags.clone(), ..rec }, &work)?;
    Ok(Some(Stored {
        path: store.path().to_path_buf(),
        blobs,
        dirs: dirs.to_vec(),
        manifest_digest: rec.manifest_digest,
        tags: rec.tags,
        extracted: 0,
    }))
}

/// Read (and extract) the layers that need it, several at once.
fn run_jobs(
    jobs: &[Job],
    src: &Source,
    res: &Resolved,
    config: &ImageConfig,
    req: &Request,
    work: &WorkDir,
) -> Result<Vec<Done>> {
    if jobs.is_empty() {
        return Ok(Vec::new());
    }
    let workers = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1).min(jobs.len());
    let mut progress = Progress::new(req.progress);
    let counters: Vec<_> = jobs.iter().map(|j| progress.add(res.layers[j.index].size.unwrap_or(0))).collect();
    // Biggest blobs first (longest-processing-time first): the last layer to finish is then a
    // small one, and the cores stay busy to the end.
    let mut order: Vec<usize> = (0..jobs.len()).collect();
    order.sort_by_key(|&k| std::cmp::Reverse(res.layers[jobs[k].index].size.unwrap_or(0)));
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let results: Mutex<Vec<Result<Done>>> = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        let _drawing = progress.start(s, "storing");
        let workers: Vec<_> = (0..workers)
            .map(|_| {
                s.spawn(|| loop {
                    let n = next.fetch_add(1, Ordering::Relaxed);
                    if n >= jobs.len() || failed.load(Ordering::Relaxed) {
                        break;
                    }
                    let k = order[n];
                    let job = &jobs[k];
                    let r = store_layer(job, src, res, config, req, work, counters[k].clone())
                        .map_err(|e| within(&label(res, config, job.index), e));
                    if r.is_err() {
                        failed.store(true, Ordering::Relaxed);
                    }
                    if let Ok(mut all) = results.lock() {
                        all.push(r);
                    }
                })
            })
            .collect();
        for w in workers {
            let _ = w.join();
        }
    });
    let results = results.into_inner().map_err(|_| refuse("layer", "worker", "panicked"))?;
    let mut done = Vec::new();
    for r in results {
        // The first failure stopped the others; it is the one to report.
        done.push(r?);
    }
    if done.len() != jobs.len() {
        return Err(refuse("layer", "worker", "stopped before finishing"));
    }
    done.sort_by_key(|d| d.index);
    Ok(done)
}

fn store_layer(
    job: &Job,
    src: &Source,
    res: &Resolved,
    config: &ImageConfig,
    req: &Request,
    work: &WorkDir,
    counter: std::sync::Arc<std::sync::atomic::AtomicU64>,
) -> Result<Done> {
    let i = job.index;
    let tee = match job.tee {
        true => Some(new_file(&work.path.join(format!("blob-{i}")))?),
        false => None,
    };
    let blob = open_blob(src, res, i, counter, tee)?;
    let digests = if job.extract {
        let dir = work.path.join(format!("layer-{i}"));
        let op = Op::new(format!("mkdir({dir:?}, 0755)"), "a private directory to extract this layer into", "mkdir(2)");
        explain::change(op, &dir.display().to_string(), || nix::unistd::mkdir(&dir, Mode::from_bits_truncate(0o755)))?;
        explain::note(&format!("extract {} into {dir:?} in overlay form", label(res, config, i)));
        let fd = nix::fcntl::open(&dir, OFlag::O_PATH | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC, Mode::empty())
            .map_err(|e| Error::errno("open", dir.display(), e))?;
        let mut applier = Applier::new(fd, ApplyMode::Overlay);
        std::thread::scope(|s| {
            let (chunks, handle) = layer::spawn(s, blob, req.limits);
            let mut tar = TarReader::new(chunks, req.limits);
            let applied = applier.apply_layer(&mut tar).and_then(|_| applier.finish());
            layer::join(tar.into_inner(), handle, applied)
        })?
        .1
    } else {
        layer::digest_only(blob, req.limits)?
    };
    let info = check(res, config, i, &digests)?;
    Ok(Done { index: i, info, diff_size: digests.diff_size })
}
