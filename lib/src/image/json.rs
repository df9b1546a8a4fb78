//! Reading untrusted JSON documents (manifest.json, index.json, manifests, image configs):
//! size-capped before parsing, and read field by field so that every error names the file and
//! the field (`manifest.json: [0].Layers[1]: expected a string, found a number`) instead of a
//! line and column.
//!
//! No syscalls (bytes in, values out). Spec: RFC 8259; OCI image-spec (manifest.md, image-index.md,
//! config.md). Shell equivalent: `jq -e '.[0].Layers[]' manifest.json`.
//! Used by: image::manifest, image::config.

use super::limits::Limits;
use super::refuse;
use crate::error::{Error, Result};
use serde_json::{Map, Value};

/// Parse a whole document; `file` names it in errors. Empty, `null`, truncated and oversized
/// documents are refused here.
pub fn parse(file: &str, bytes: &[u8], limits: &Limits) -> Result<Value> {
    if bytes.len() as u64 > limits.max_json_bytes {
        return Err(refuse(
            file,
            "",
            format!("{} bytes exceeds the cap of {} bytes for JSON documents", bytes.len(), limits.max_json_bytes),
        ));
    }
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(refuse(file, "", "empty document"));
    }
    let v: Value = serde_json::from_slice(bytes).map_err(|e| refuse(file, "", format!("not valid JSON: {e}")))?;
    if v.is_null() {
        return Err(refuse(file, "", "the document is null"));
    }
    Ok(v)
}

/// A field's location, for messages: the file and a path like `layers[2].digest`.
#[derive(Clone)]
pub struct At<'a> {
    pub file: &'a str,
    pub path: String,
}

impl<'a> At<'a> {
    pub fn root(file: &'a str) -> At<'a> {
        At { file, path: String::new() }
    }

    pub fn key(&self, key: &str) -> At<'a> {
        let path = if self.path.is_empty() { key.to_string() } else { format!("{}.{key}", self.path) };
        At { file: self.file, path }
    }

    pub fn index(&self, i: usize) -> At<'a> {
        At { file: self.file, path: format!("{}[{i}]", self.path) }
    }

    /// How this location is named in an error: `manifest.json: [0].Config`.
    pub fn name(&self) -> String {
        if self.path.is_empty() {
            self.file.to_string()
        } else {
            format!("{}: {}", self.file, self.path)
        }
    }

    pub fn error(&self, why: impl Into<String>) -> Error {
        refuse(&self.name(), "", why)
    }

    fn wrong(&self, want: &str, got: &Value) -> Error {
        self.error(format!("expected {want}, found {}", type_name(got)))
    }

    pub fn object<'v>(&self, v: &'v Value) -> Result<&'v Map<String, Value>> {
        v.as_object().ok_or_else(|| self.wrong("an object", v))
    }

    pub fn array<'v>(&self, v: &'v Value) -> Result<&'v Vec<Value>> {
        v.as_array().ok_or_else(|| self.wrong("an array", v))
    }

    pub fn string<'v>(&self, v: &'v Value) -> Result<&'v str> {
        v.as_str().ok_or_else(|| self.wrong("a string", v))
    }

    pub fn unsigned(&self, v: &Value) -> Result<u64> {
        v.as_u64().ok_or_else(|| self.wrong("a non-negative integer", v))
    }

    /// A list of strings; `null` (or absent, handled by the caller) reads as None.
    pub fn strings(&self, v: &Value) -> Result<Option<Vec<String>>> {
        if v.is_null() {
            return Ok(None);
        }
        let items = self.array(v)?;
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            out.push(self.index(i).string(item)?.to_string());
        }
        Ok(Some(out))
    }
}

/// A required field of an object.
pub fn required<'v>(map: &'v Map<String, Value>, key: &str, at: &At) -> Result<&'v Value> {
    map.get(key).ok_or_else(|| at.key(key).error("missing"))
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_null_truncated_and_huge_documents_are_refused() {
        let l = Limits::default();
        for bad in [&b""[..], b"  ", b"null", b"{\"a\":", b"[1,2"] {
            assert!(parse("x.json", bad, &l).is_err(), "{:?}", String::from_utf8_lossy(bad));
        }
        let small = Limits { max_json_bytes: 4, ..l };
        assert!(parse("x.json", b"[1,2,3]", &small).is_err());
    }

    #[test]
    fn wrong_types_name_the_field() {
        let v = parse("m.json", br#"[{"Config": 5}]"#, &Limits::default()).expect("parse");
        let at = At::root("m.json");
        let list = at.array(&v).expect("array");
        let item = at.index(0).object(&list[0]).expect("object");
        let e = at.index(0).key("Config").string(&item["Config"]).err().map(|e| e.to_string());
        assert_eq!(e.as_deref(), Some("m.json: [0].Config: expected a string, found a number"));
    }
}
