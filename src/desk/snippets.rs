//! Canned replies: `snippets.toml` in the shop's data (`name = "text"`),
//! used with `/snippet NAME` in the operators' group and `kefu handoff
//! reply CONV --snippet NAME`.

use std::collections::BTreeMap;
use std::path::Path;

/// The shop's canned replies, by name.
#[derive(Debug, Clone, Default)]
pub struct Snippets(BTreeMap<String, String>);

impl Snippets {
    /// Read `path`; a missing file is no snippets, a broken one an error
    /// that names it.
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Self::default()),
            Err(e) => anyhow::bail!("cannot read the snippets in {}: {e}", path.display()),
        };
        let map: BTreeMap<String, String> = toml::from_str(&text).map_err(|e| {
            anyhow::anyhow!(
                "{}: {}; write one `name = \"text\"` per snippet",
                path.display(),
                e.message()
            )
        })?;
        Ok(Self(
            map.into_iter()
                .map(|(k, v)| (k.to_lowercase(), v))
                .collect(),
        ))
    }

    /// The snippet `name` (any case), or an error listing those there are.
    pub fn get(&self, name: &str) -> Result<&str, String> {
        self.0
            .get(&name.trim().to_lowercase())
            .map(String::as_str)
            .ok_or_else(|| {
                let names: Vec<&str> = self.0.keys().map(String::as_str).collect();
                if names.is_empty() {
                    format!("no snippet {name:?}: the shop has none (snippets.toml in its data)")
                } else {
                    format!("no snippet {name:?}; there are: {}", names.join(", "))
                }
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippets_load_by_name_and_a_missing_one_lists_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("snippets.toml");
        assert!(Snippets::load(&path).unwrap().get("x").is_err());
        std::fs::write(&path, "Refund = \"Refunds take 5-7 business days.\"\n").unwrap();
        let snippets = Snippets::load(&path).unwrap();
        assert_eq!(
            snippets.get("refund").unwrap(),
            "Refunds take 5-7 business days."
        );
        assert!(snippets.get("nope").unwrap_err().contains("refund"));
        std::fs::write(&path, "refund = 5 = 6").unwrap();
        assert!(Snippets::load(&path)
            .unwrap_err()
            .to_string()
            .contains("snippets.toml"));
    }
}
