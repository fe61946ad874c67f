//! SDK output is deterministic and cached under the catalog hash.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod catalog_support;

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::json;
use vtcode_core::catalog::{CatalogTool, ToolCatalog};
use vtcode_core::sdk::{self, SdkLanguage};

fn tree(root: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let relative = path
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                out.insert(relative, std::fs::read(&path).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(root, root, &mut out);
    out
}

#[test]
fn generation_is_deterministic_whatever_the_input_order() {
    let catalog = catalog_support::reference_catalog();
    let mut reversed: Vec<CatalogTool> = catalog.tools().to_vec();
    reversed.reverse();
    let reversed = ToolCatalog::new(reversed);
    for lang in SdkLanguage::ALL {
        let one = tempfile::tempdir().unwrap();
        let two = tempfile::tempdir().unwrap();
        sdk::generate(&catalog, lang, one.path()).unwrap();
        sdk::generate(&reversed, lang, two.path()).unwrap();
        let (a, b) = (tree(one.path()), tree(two.path()));
        assert!(a.len() > 10, "{lang}: {} files", a.len());
        assert_eq!(a, b, "{lang}");
    }
}

#[test]
fn cache_is_reused_per_catalog_hash_and_published_whole() {
    let catalog = catalog_support::reference_catalog();
    let cache = tempfile::tempdir().unwrap();
    let dir = sdk::ensure_cached(&catalog, cache.path()).unwrap();
    assert_eq!(dir, cache.path().join(catalog.hash()));
    for lang in SdkLanguage::ALL {
        assert!(
            sdk::language_dir(&dir, lang)
                .join("servers/git/README.md")
                .is_file()
        );
    }
    assert!(dir.join("python/servers/time/convert_time.py").is_file());
    assert!(
        dir.join("javascript/servers/time/convert_time.d.ts")
            .is_file()
    );

    // A second call reuses the entry: a file added to it survives.
    let sentinel = dir.join("python/servers/sentinel");
    std::fs::write(&sentinel, "kept").unwrap();
    assert_eq!(sdk::ensure_cached(&catalog, cache.path()).unwrap(), dir);
    assert!(sentinel.exists());

    // A changed tool is a new catalog: a new entry beside the old one.
    let mut tools = catalog.tools().to_vec();
    tools.push(CatalogTool {
        server: "extra".into(),
        name: "ping".into(),
        title: None,
        description: None,
        input_schema: json!({"type": "object"}),
        output_schema: None,
        annotations: None,
        builtin: false,
    });
    let changed = ToolCatalog::new(tools);
    let other = sdk::ensure_cached(&changed, cache.path()).unwrap();
    assert_ne!(other, dir);
    assert!(other.join("python/servers/extra/ping.py").is_file());

    // An incomplete entry (no marker, e.g. copied by hand) is regenerated.
    std::fs::remove_file(dir.join(".vtcode-sdk")).unwrap();
    sdk::ensure_cached(&catalog, cache.path()).unwrap();
    assert!(!sentinel.exists());

    // Nothing temporary is left behind.
    let mut entries: Vec<String> = std::fs::read_dir(cache.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    entries.sort();
    let mut expected = vec![catalog.hash().to_string(), changed.hash().to_string()];
    expected.sort();
    assert_eq!(entries, expected);
}
