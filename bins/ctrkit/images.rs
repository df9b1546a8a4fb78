//! The image verbs of the front end: load, save, images, tag, rmi, image inspect.
//! Each is a few library calls (lib/src/image/); this file only parses and prints.

use clap::{Args, Subcommand};
use ctrkit::image::{self, describe, store::Store, tag as tags, Request};
use ctrkit::process::Status;
use ctrkit::{Error, Result};
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Args)]
pub struct LoadArgs {
    /// Read from FILE instead of stdin
    #[arg(short = 'i', long = "input", value_name = "FILE")]
    input: Option<PathBuf>,
    /// Print only the image id
    #[arg(short, long)]
    quiet: bool,
}

#[derive(Args)]
pub struct SaveArgs {
    /// Write to FILE (required: an archive is not for a terminal)
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: PathBuf,
    /// Images to save (names or ids)
    #[arg(required = true, value_name = "IMAGE")]
    images: Vec<String>,
}

#[derive(Args)]
pub struct ListArgs {
    /// Only image ids
    #[arg(short, long)]
    quiet: bool,
    /// Full ids
    #[arg(long)]
    no_trunc: bool,
    /// Go-template subset per row: {{.Repository}} {{.Tag}} {{.ID}} {{.CreatedAt}} {{.Size}}
    #[arg(long, value_name = "TEMPLATE")]
    format: Option<String>,
    /// Only images whose repository matches
    #[arg(value_name = "REPOSITORY")]
    repository: Option<String>,
}

#[derive(Args)]
pub struct TagArgs {
    source: String,
    target: String,
}

#[derive(Args)]
pub struct RmiArgs {
    /// Remove the image even when it has several tags
    #[arg(short, long)]
    force: bool,
    #[arg(required = true, value_name = "IMAGE")]
    images: Vec<String>,
}

#[derive(Args)]
pub struct InspectArgs {
    /// Go-template subset: {{.Id}} {{.Config.Cmd}} {{json .Config}} …
    #[arg(short, long, value_name = "TEMPLATE")]
    format: Option<String>,
    #[arg(required = true, value_name = "IMAGE")]
    images: Vec<String>,
}

#[derive(Args)]
pub struct PullArgs {
    /// Allow plain http to a registry that is not on this machine
    #[arg(long)]
    insecure: bool,
    /// No progress or status lines
    #[arg(short, long)]
    quiet: bool,
    /// NAME[:TAG], HOST:PORT/NAME[:TAG] or NAME@sha256:…
    #[arg(value_name = "REFERENCE")]
    reference: String,
}

#[derive(Subcommand)]
pub enum ImageVerb {
    /// List images
    Ls(ListArgs),
    /// Show images as JSON
    Inspect(InspectArgs),
    /// Remove images
    Rm(RmiArgs),
    /// Tag an image
    Tag(TagArgs),
    /// Load an image
    Load(LoadArgs),
    /// Save images
    Save(SaveArgs),
    /// Pull an image
    Pull(PullArgs),
}

pub fn image(store: &Path, state: &Path, verb: ImageVerb) -> Result<Status> {
    match verb {
        ImageVerb::Ls(a) => list(store, a),
        ImageVerb::Inspect(a) => inspect(store, a),
        ImageVerb::Rm(a) => rmi(store, state, a),
        ImageVerb::Tag(a) => tag(store, a),
        ImageVerb::Load(a) => load(store, a),
        ImageVerb::Save(a) => save(store, a),
        ImageVerb::Pull(a) => pull(store, a),
    }
}

/// `load`: unpack into the store, the same code as `img-unpack --store`.
pub fn load(store: &Path, a: LoadArgs) -> Result<Status> {
    Store::create(store)?;
    let (source, _spool) = match a.input {
        Some(path) => (path, None),
        None => {
            let spool = spool_stdin()?;
            (spool.path.clone(), Some(spool))
        }
    };
    let req = Request {
        source,
        image: None,
        store: Some(store.to_path_buf()),
        to: None,
        limits: image::Limits::default(),
        progress: !a.quiet && std::io::IsTerminal::is_terminal(&std::io::stderr()),
    };
    let report = image::unpack(&req)?;
    if a.quiet {
        println!("{}", report.image.id.as_str());
    } else if report.image.tags.is_empty() {
        println!("Loaded image ID: {}", report.image.id.as_str());
    } else {
        for t in &report.image.tags {
            println!("Loaded image: {t}");
        }
    }
    Ok(Status::Exited(0))
}

/// stdin copied to a temp file (an archive must be seekable), removed on drop. Not in the
/// store's tmp/: the unpacker empties that of leftovers when it starts.
struct Spool {
    path: PathBuf,
}

impl Drop for Spool {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

fn spool_stdin() -> Result<Spool> {
    if std::io::IsTerminal::is_terminal(&std::io::stdin()) {
        return Err(Error::invalid("load", "no input: give -i FILE, or pipe an archive into stdin"));
    }
    let spool = Spool { path: std::env::temp_dir().join(format!("ctrkit-load-{}.tar", std::process::id())) };
    let mut file = image::store::new_file(&spool.path)?;
    std::io::copy(&mut std::io::stdin().lock(), &mut file).map_err(|e| Error::io("read", "stdin", e))?;
    Ok(spool)
}

pub fn save(store: &Path, a: SaveArgs) -> Result<Status> {
    let opened = Store::open(store)?;
    let mut chosen = Vec::new();
    for wanted in &a.images {
        let rec = tags::find(&opened, wanted)?;
        // Record the name asked for when it is a tag; all tags when named by id.
        let normalized = tags::normalize(wanted);
        let names = if rec.tags.contains(&normalized) { vec![normalized] } else { rec.tags.clone() };
        chosen.push((rec, names));
    }
    image::save::save(&opened, &chosen, &a.output)?;
    Ok(Status::Exited(0))
}

pub fn list(store: &Path, a: ListArgs) -> Result<Status> {
    let rows = match Store::open(store) {
        Ok(opened) => describe::rows(&opened)?,
        Err(_) if !store.exists() => Vec::new(), // nothing loaded yet: an empty list, as docker shows
        Err(e) => return Err(e),
    };
    let rows: Vec<_> =
        rows.into_iter().filter(|r| a.repository.as_ref().is_none_or(|want| &r.repository == want)).collect();
    let short = |id: &str| {
        if a.no_trunc {
            id.to_string()
        } else {
            id.trim_start_matches("sha256:").chars().take(12).collect()
        }
    };
    let mut out = std::io::stdout().lock();
    if a.quiet {
        let mut seen = std::collections::HashSet::new();
        for r in rows.iter().filter(|r| seen.insert(r.id.clone())) {
            let _ = writeln!(out, "{}", short(&r.id));
        }
    } else if let Some(template) = &a.format {
        for r in &rows {
            let line = template
                .replace("{{.Repository}}", &r.repository)
                .replace("{{.Tag}}", &r.tag)
                .replace("{{.ID}}", &short(&r.id))
                .replace("{{.CreatedAt}}", &r.created)
                .replace("{{.Size}}", &describe::human_size(r.size))
                .replace("\\t", "\t");
            let _ = writeln!(out, "{line}");
        }
    } else {
        let _ = writeln!(out, "{:<40} {:<12} {:<14} {:<22} SIZE", "REPOSITORY", "TAG", "IMAGE ID", "CREATED");
        for r in &rows {
            let _ = writeln!(
                out,
                "{:<40} {:<12} {:<14} {:<22} {}",
                r.repository,
                r.tag,
                short(&r.id),
                r.created,
                describe::human_size(r.size)
            );
        }
    }
    Ok(Status::Exited(0))
}

pub fn tag(store: &Path, a: TagArgs) -> Result<Status> {
    let mut opened = Store::open(store)?;
    tags::tag(&mut opened, &a.source, &a.target)?;
    Ok(Status::Exited(0))
}

pub fn rmi(store: &Path, state: &Path, a: RmiArgs) -> Result<Status> {
    let mut opened = Store::open(store)?;
    let in_use = ctrkit::container::lookup::images_in_use(state)?;
    for wanted in &a.images {
        let removed = image::remove::remove_image(&mut opened, wanted, a.force, &in_use)?;
        for t in removed.untagged {
            println!("Untagged: {t}");
        }
        for id in removed.deleted {
            println!("Deleted: {}", id.as_str());
        }
    }
    Ok(Status::Exited(0))
}

pub fn inspect(store: &Path, a: InspectArgs) -> Result<Status> {
    let opened = Store::open(store)?;
    let mut all = Vec::new();
    for wanted in &a.images {
        all.push(describe::inspect(&opened, &tags::find(&opened, wanted)?)?);
    }
    match &a.format {
        Some(template) => {
            for v in &all {
                println!("{}", ctrkit::template::render(template, v)?);
            }
        }
        None => {
            println!("{}", serde_json::to_string_pretty(&all).map_err(|e| Error::invalid("inspect", e.to_string()))?)
        }
    }
    Ok(Status::Exited(0))
}

/// `pull`: the same library call as img-pull: manifest → blobs verified → the store.
pub fn pull(store: &Path, a: PullArgs) -> Result<Status> {
    let mut req = ctrkit::registry::PullRequest::new(&a.reference);
    req.store = store.to_path_buf();
    req.insecure = a.insecure;
    req.credentials = ctrkit::registry::Credentials::from_env()?;
    req.status = !a.quiet;
    req.progress = !a.quiet && std::io::IsTerminal::is_terminal(&std::io::stderr());
    let pulled = ctrkit::registry::pull(&req)?;
    if a.quiet {
        println!("{}", pulled.reference);
    }
    Ok(Status::Exited(0))
}
