//! The layer directories to stack, read from what img-unpack prints: the pipe
//! `img-unpack --store S --json IMAGE | ovl-mount --upper U --work W T` needs no flags between.
//!
//!     {"layers": [{"digest": "sha256:…", "dir": "/store/…/a"}, … bottom first], …}
//!
//! Only `layers[].dir` is used (other fields are ignored, so img-unpack may grow). A layer
//! whose `dir` is null was verified but not stored: refused, naming the layer.
//! Read: docs of img-unpack (bins/img-unpack/README.md). No syscalls.
//! Used by: ovl-mount (JSON on stdin), the engine.

use crate::error::{Error, Result};
use serde_json::Value;
use std::path::PathBuf;

/// The layer dirs in `json`, lowest first, as img-unpack lists them.
pub fn dirs_from_unpack_json(json: &str) -> Result<Vec<PathBuf>> {
    let doc: Value = serde_json::from_str(json)
        .map_err(|e| Error::invalid("JSON on stdin", format!("not valid JSON: {e}")))
        .map_err(|e| e.with_hint("pipe img-unpack --json here, or give the layers with --lower DIR"))?;
    let layers = doc
        .get("layers")
        .and_then(Value::as_array)
        .ok_or_else(|| Error::invalid("JSON on stdin", "no \"layers\" array in the object"))?;
    if layers.is_empty() {
        return Err(Error::invalid("JSON on stdin", "\"layers\" is empty: overlayfs needs at least one lower layer"));
    }
    let mut dirs = Vec::with_capacity(layers.len());
    for (i, layer) in layers.iter().enumerate() {
        let name = layer_name(layer, i);
        match layer.get("dir") {
            Some(Value::String(dir)) if !dir.is_empty() => dirs.push(PathBuf::from(dir)),
            Some(Value::Null) | None => {
                return Err(Error::invalid(
                    format!("layer {name}"),
                    "has no store directory: run img-unpack with --store",
                ))
            }
            Some(other) => {
                return Err(Error::invalid(format!("layer {name}"), format!("\"dir\" is not a path: {other}")))
            }
        }
    }
    Ok(dirs)
}

/// How to name a layer in an error: its digest when img-unpack gave one, else its position.
fn layer_name(layer: &Value, index: usize) -> String {
    ["digest", "diff_id"]
        .iter()
        .find_map(|k| layer.get(*k).and_then(Value::as_str))
        .map(str::to_string)
        .unwrap_or_else(|| format!("#{} (counting from 1, bottom first)", index + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_dirs_bottom_first_and_ignores_other_fields() {
        let json = r#"{"image":"x","layers":[{"digest":"sha256:aa","dir":"/s/a","size":3},{"dir":"/s/b"}]}"#;
        assert_eq!(dirs_from_unpack_json(json).unwrap(), vec![PathBuf::from("/s/a"), PathBuf::from("/s/b")]);
    }

    #[test]
    fn a_null_dir_names_the_layer() {
        let json = r#"{"layers":[{"digest":"sha256:abc","dir":null}]}"#;
        let e = dirs_from_unpack_json(json).unwrap_err();
        assert_eq!(e.to_string(), "invalid layer sha256:abc: has no store directory: run img-unpack with --store");
    }

    #[test]
    fn malformed_input_is_one_clear_error() {
        for bad in ["", "{", "[]", r#"{"layers":{}}"#, r#"{"layers":[]}"#, r#"{"layers":[{"dir":5}]}"#] {
            let e = dirs_from_unpack_json(bad).unwrap_err();
            assert!(e.to_string().lines().next().unwrap().starts_with("invalid "), "{bad}: {e}");
        }
    }
}
