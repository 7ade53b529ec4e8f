//! Pack manifests: each pack says once, in `rules/<pack>/pack.toml`, what it is and which id prefix its rules use.
//!
//! ```toml
//! name = "chicago-fww"
//! title = "Chicago Fair Workweek Ordinance"
//! jurisdiction = "City of Chicago, Illinois, US"
//! prefix = "chi"
//! sources = ["Chicago Municipal Code ch. 6-110 (Fair Workweek)"]
//! ```
//!
//! Everything that needs a pack's prefix (the id check at load, `rules new`, the registry tests) reads it from
//! here. A pack folder without a manifest (a site's own `--rules` folder) is a pack named after its folder whose
//! rules use the folder name as prefix.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::LoadError;
use crate::rule::{RuleFile, RuleLibrary};

/// The file name of a pack manifest.
pub const MANIFEST_FILE: &str = "pack.toml";

/// What a pack declares about itself.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PackManifest {
    /// The pack's name: its folder under `rules/`.
    pub name: String,
    /// One line: the law, contract or practice the pack checks.
    pub title: String,
    /// Where it applies (`United States (federal)`, `City of Chicago, Illinois, US`, `any`).
    pub jurisdiction: String,
    /// The first segment of every rule id in the pack (`chi` for `chi.rest.10h`).
    pub prefix: String,
    /// Statutes, regulations, platform documentation the pack follows.
    pub sources: Vec<String>,
    /// Whether the pack has a manifest file; `false` for a folder that only implies its name and prefix.
    #[serde(skip, default = "declared")]
    pub declared: bool,
}

fn declared() -> bool {
    true
}

impl PackManifest {
    /// The manifest a folder without `pack.toml` implies: its name is its prefix.
    pub fn implied(folder: &str) -> PackManifest {
        PackManifest {
            name: folder.to_string(),
            title: folder.to_string(),
            jurisdiction: String::new(),
            prefix: folder.to_string(),
            sources: Vec::new(),
            declared: false,
        }
    }

    /// Parses and checks one manifest file of the pack folder `folder`.
    pub fn parse(file: &RuleFile) -> Result<PackManifest, LoadError> {
        let bad = |message: String| LoadError::Manifest { path: file.path.clone(), message };
        let manifest: PackManifest = toml::from_str(&file.source).map_err(|e| bad(e.to_string()))?;
        if manifest.name != file.pack {
            return Err(bad(format!("name = {:?} must be the pack's folder name {:?}", manifest.name, file.pack)));
        }
        if !valid_segment(&manifest.prefix) {
            return Err(bad(format!(
                "prefix = {:?} must be one id segment: lower-case letters, digits and '-'",
                manifest.prefix
            )));
        }
        for (key, value) in [("title", &manifest.title), ("jurisdiction", &manifest.jurisdiction)] {
            if value.trim().is_empty() {
                return Err(bad(format!("`{key}` must not be empty")));
            }
        }
        if manifest.sources.iter().any(|s| s.trim().is_empty()) {
            return Err(bad("`sources` must not hold empty entries".into()));
        }
        Ok(manifest)
    }
}

/// Whether `s` can be a segment of a rule id.
pub(crate) fn valid_segment(s: &str) -> bool {
    s.chars().next().is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

impl RuleLibrary {
    /// Every pack's manifest (declared or implied), by pack name; two packs claiming one prefix is an error.
    pub fn manifests(&self) -> Result<BTreeMap<String, PackManifest>, LoadError> {
        let mut out = BTreeMap::new();
        for file in self.files.iter().filter(|f| f.is_manifest()) {
            out.insert(file.pack.clone(), PackManifest::parse(file)?);
        }
        for pack in self.packs() {
            out.entry(pack.clone()).or_insert_with(|| PackManifest::implied(&pack));
        }
        let mut by_prefix: BTreeMap<&str, &str> = BTreeMap::new();
        for m in out.values() {
            if let Some(first) = by_prefix.insert(&m.prefix, &m.name) {
                return Err(LoadError::Manifest {
                    path: self.manifest_path(&m.name),
                    message: format!("prefix {:?} is already the prefix of pack {first:?}", m.prefix),
                });
            }
        }
        Ok(out)
    }

    /// The id prefix of a pack: its manifest's, or its folder name when it has none (or the manifest is broken:
    /// loading the rules reports that).
    pub fn prefix_of(&self, pack: &str) -> String {
        self.files
            .iter()
            .find(|f| f.pack == pack && f.is_manifest())
            .and_then(|f| PackManifest::parse(f).ok())
            .map_or_else(|| pack.to_string(), |m| m.prefix)
    }

    /// The pack whose prefix is the first segment of `id`, if one declares or implies it.
    pub fn pack_of_id(&self, id: &str) -> Option<String> {
        let first = id.split('.').next()?;
        let manifests = self.manifests().ok()?;
        manifests.values().find(|m| m.prefix == first).map(|m| m.name.clone())
    }

    /// The manifest file of a pack, as the library shows paths (it may not exist).
    pub fn manifest_path(&self, pack: &str) -> String {
        self.files
            .iter()
            .find(|f| f.pack == pack && f.is_manifest())
            .map(|f| f.path.clone())
            .unwrap_or_else(|| format!("rules/{pack}/{MANIFEST_FILE}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(pack: &str, source: &str) -> RuleFile {
        RuleFile { pack: pack.into(), path: format!("rules/{pack}/pack.toml"), source: source.into() }
    }

    const GOOD: &str = "name = \"acme\"\ntitle = \"Acme policy\"\njurisdiction = \"Acme Corp.\"\nprefix = \"ac\"\nsources = [\"Handbook 4.2\"]\n";

    #[test]
    fn a_manifest_names_its_folder_and_a_valid_prefix() {
        let m = PackManifest::parse(&file("acme", GOOD)).unwrap();
        assert_eq!((m.name.as_str(), m.prefix.as_str(), m.declared), ("acme", "ac", true));
        let err = PackManifest::parse(&file("other", GOOD)).unwrap_err().to_string();
        assert!(
            err.contains("rules/other/pack.toml: name = \"acme\" must be the pack's folder name \"other\""),
            "{err}"
        );
        let err = PackManifest::parse(&file("acme", &GOOD.replace("\"ac\"", "\"A.c\""))).unwrap_err().to_string();
        assert!(err.contains("prefix = \"A.c\" must be one id segment"), "{err}");
        let err = PackManifest::parse(&file("acme", &GOOD.replace("title", "tittle"))).unwrap_err().to_string();
        assert!(err.contains("unknown field `tittle`"), "{err}");
        let err = PackManifest::parse(&file("acme", &GOOD.replace("Acme Corp.", " "))).unwrap_err().to_string();
        assert!(err.contains("`jurisdiction` must not be empty"), "{err}");
    }

    #[test]
    fn two_packs_cannot_share_a_prefix_and_folders_without_a_manifest_use_their_name() {
        let rule =
            |pack: &str| RuleFile { pack: pack.into(), path: format!("rules/{pack}/x.rhai"), source: String::new() };
        let lib = RuleLibrary { files: vec![file("acme", GOOD), rule("acme"), rule("ac")] };
        let err = lib.manifests().unwrap_err().to_string();
        assert!(err.contains("prefix \"ac\" is already the prefix of pack"), "{err}");
        let lib = RuleLibrary { files: vec![file("acme", GOOD), rule("acme"), rule("site")] };
        assert_eq!(lib.prefix_of("acme"), "ac");
        assert_eq!(lib.prefix_of("site"), "site");
        assert_eq!(lib.pack_of_id("ac.x.y").as_deref(), Some("acme"));
        assert_eq!(lib.pack_of_id("site.x").as_deref(), Some("site"));
        assert_eq!(lib.pack_of_id("acme.x"), None);
        assert!(!lib.manifests().unwrap()["site"].declared);
    }
}
