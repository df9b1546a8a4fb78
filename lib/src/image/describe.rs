//! Describing stored images as docker does: the rows of `images` and the JSON of
//! `image inspect`.
//!
//! Everything here is read from the store: the image record (id, tags, layers), the image
//! config blob (created, architecture, Env, Cmd, …) and the layer records (sizes). The size
//! shown is the sum of the layers' uncompressed sizes, as docker shows it.
//!
//! Read: docker-images(1), docker-image-inspect(1). Used by: ctrkit images, image inspect.

use super::config::ImageConfig;
use super::limits::Limits;
use super::store::{ImageRecord, Store};
use crate::error::Result;
use serde_json::{json, Value};

/// One row of `ctrkit images` (one per tag; an untagged image gets one row of `<none>`).
#[derive(Debug, Clone)]
pub struct Row {
    pub repository: String,
    pub tag: String,
    pub id: String,
    pub created: String,
    pub size: u64,
}

/// The config and total size of one image.
pub struct Described {
    pub config: ImageConfig,
    pub size: u64,
}

pub fn describe(store: &Store, image: &ImageRecord) -> Result<Described> {
    let bytes = store.read_blob(&image.config_digest)?;
    let config = ImageConfig::parse("image config", &bytes, &Limits::default())?;
    let mut size = 0;
    for diff_id in &image.layers {
        size += store.layer_record(diff_id)?.map_or(0, |r| r.size);
    }
    Ok(Described { config, size })
}

/// `demo:latest` → ("demo", "latest"); `host:5000/a/b:1` → ("host:5000/a/b", "1").
pub fn split_tag(reference: &str) -> (String, String) {
    match reference.rsplit_once(':') {
        Some((repo, tag)) if !tag.contains('/') => (repo.to_string(), tag.to_string()),
        _ => (reference.to_string(), "<none>".to_string()),
    }
}

pub fn rows(store: &Store) -> Result<Vec<Row>> {
    let mut rows = Vec::new();
    for image in store.images()? {
        let d = describe(store, &image)?;
        let created = d.config.created.clone().unwrap_or_default();
        let names = if image.tags.is_empty() { vec!["<none>:<none>".to_string()] } else { image.tags.clone() };
        for name in names {
            let (repository, tag) = split_tag(&name);
            rows.push(Row {
                repository,
                tag,
                id: image.id.as_str().to_string(),
                created: created.clone(),
                size: d.size,
            });
        }
    }
    // Newest first, as docker lists them.
    rows.sort_by(|a, b| b.created.cmp(&a.created).then(a.repository.cmp(&b.repository)));
    Ok(rows)
}

/// `docker image inspect`'s shape, for the fields we have.
pub fn inspect(store: &Store, image: &ImageRecord) -> Result<Value> {
    let d = describe(store, image)?;
    Ok(json!({
        "Id": image.id.as_str(),
        "RepoTags": image.tags,
        "RepoDigests": image.tags.iter().map(|t| format!("{}@{}", split_tag(t).0, image.manifest_digest.as_str())).collect::<Vec<_>>(),
        "Created": d.config.created,
        "Architecture": d.config.architecture,
        "Os": d.config.os,
        "Config": d.config.to_json(),
        "RootFS": { "Type": "layers", "Layers": image.layers.iter().map(|l| l.as_str()).collect::<Vec<_>>() },
        "Size": d.size,
        "Manifest": image.manifest_digest.as_str(),
    }))
}

/// Sizes as docker prints them: 1.29MB, 712MB, 4.1kB (decimal units).
pub fn human_size(bytes: u64) -> String {
    let units = ["B", "kB", "MB", "GB", "TB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit < units.len() - 1 {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        return format!("{bytes}B");
    }
    // Three significant digits, trailing zeros dropped (Go's %.3g, which docker uses).
    let digits = if value >= 100.0 {
        0
    } else if value >= 10.0 {
        1
    } else {
        2
    };
    let text = format!("{value:.digits$}");
    let text = if text.contains('.') { text.trim_end_matches('0').trim_end_matches('.') } else { &text };
    format!("{text}{}", units[unit])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_split_at_the_last_colon_after_the_last_slash() {
        assert_eq!(split_tag("demo:latest"), ("demo".into(), "latest".into()));
        assert_eq!(split_tag("127.0.0.1:5000/a/b:1"), ("127.0.0.1:5000/a/b".into(), "1".into()));
        assert_eq!(split_tag("127.0.0.1:5000/a"), ("127.0.0.1:5000/a".into(), "<none>".into()));
    }

    #[test]
    fn sizes_read_like_dockers() {
        assert_eq!(human_size(999), "999B");
        assert_eq!(human_size(1_294_691), "1.29MB");
        assert_eq!(human_size(712_000_000), "712MB");
    }
}
