#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use super::*;

/// Path → (mode, uid, link target or content) of every entry.
fn listing(shipment: &Shipment) -> BTreeMap<String, (u32, u64, String)> {
    let mut archive = tar::Archive::new(&shipment.archive[..]);
    let mut out = BTreeMap::new();
    for entry in archive.entries().unwrap() {
        let mut entry = entry.unwrap();
        let header = entry.header().clone();
        let path = entry.path().unwrap().display().to_string();
        let mut body = String::new();
        if let Some(target) = entry.link_name().unwrap() {
            body = target.display().to_string();
        } else {
            entry.read_to_string(&mut body).unwrap();
        }
        out.insert(
            path.trim_end_matches('/').to_string(),
            (header.mode().unwrap(), header.uid().unwrap(), body),
        );
    }
    out
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

#[test]
fn the_workspace_honours_ignore_files_without_git_and_never_ships_dot_git() {
    let ws = tempfile::tempdir().unwrap();
    let root = ws.path();
    write(&root.join(".gitignore"), "target/\n*.log\n");
    write(&root.join("src/main.py"), "print('hi')\n");
    write(&root.join("target/big.bin"), "xxxx");
    write(&root.join("debug.log"), "noise");
    write(&root.join(".git/config"), "[core]");
    write(&root.join(".vtcode/vtcode.db"), "db");
    write(&root.join(".env.example"), "KEY=");
    std::fs::set_permissions(
        root.join("src/main.py"),
        std::fs::Permissions::from_mode(0o777),
    )
    .unwrap();
    std::os::unix::fs::symlink("/etc/passwd", root.join("outside")).unwrap();
    let scan = scan_workspace(root, 1 << 20).unwrap();
    let files = listing(&workspace(&scan).unwrap());
    let names: Vec<&str> = files.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            ".env.example",
            ".gitignore",
            "outside",
            "src",
            "src/main.py"
        ]
    );
    // Root-owned, never writable by others, whatever the host had.
    assert_eq!(files["src/main.py"], (0o755, 0, "print('hi')\n".into()));
    assert_eq!(files["src"].0, 0o755);
    assert_eq!(files[".gitignore"].0, 0o644);
    assert_eq!(files["outside"].2, "/etc/passwd", "a link stays a link");
}

#[test]
fn the_workspace_fingerprint_follows_edits() {
    let ws = tempfile::tempdir().unwrap();
    write(&ws.path().join("a.txt"), "one");
    let first = scan_workspace(ws.path(), 1 << 20).unwrap().fingerprint;
    assert_eq!(
        first,
        scan_workspace(ws.path(), 1 << 20).unwrap().fingerprint
    );
    write(&ws.path().join("a.txt"), "two!");
    let second = scan_workspace(ws.path(), 1 << 20).unwrap().fingerprint;
    assert_ne!(first, second);
    write(&ws.path().join("ignored.tmp"), "x");
    write(&ws.path().join(".ignore"), "*.tmp\n");
    let third = scan_workspace(ws.path(), 1 << 20).unwrap();
    assert_ne!(third.fingerprint, second, "the .ignore file itself is new");
    assert!(
        third
            .entries
            .iter()
            .all(|e| e.relative != Path::new("ignored.tmp"))
    );
}

#[test]
fn a_workspace_over_the_cap_is_refused_naming_the_largest_files() {
    let ws = tempfile::tempdir().unwrap();
    write(&ws.path().join("data/huge.csv"), &"x".repeat(300_000));
    write(&ws.path().join("small.txt"), "x");
    let err = scan_workspace(ws.path(), 200_000)
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("data/huge.csv (0.3 MB)"), "{err}");
    assert!(
        err.contains("workspace_max_mb") && err.contains("workspace = \"none\""),
        "{err}"
    );
}

#[test]
fn a_view_ships_what_its_links_point_at_under_its_fingerprint() {
    let sdk = tempfile::tempdir().unwrap();
    write(
        &sdk.path().join("abc/python/servers/git/__init__.py"),
        "X = 1\n",
    );
    write(
        &sdk.path().join("abc/javascript/servers/git/index.mjs"),
        "export const X = 1;\n",
    );
    write(&sdk.path().join("old/python/servers/gone/__init__.py"), "");
    std::os::unix::fs::symlink("abc/python", sdk.path().join("python")).unwrap();
    std::os::unix::fs::symlink("abc/javascript", sdk.path().join("javascript")).unwrap();
    let fp = view_fingerprint(sdk.path()).unwrap();
    let files = listing(&view(sdk.path(), &fp).unwrap());
    assert_eq!(
        files[&format!("{fp}/python/servers/git/__init__.py")].2,
        "X = 1\n"
    );
    assert!(files.contains_key(&format!("{fp}/javascript/servers/git/index.mjs")));
    assert!(
        files.keys().all(|k| !k.contains("gone")),
        "only the current SDK"
    );

    // Swapping the link is a new fingerprint.
    std::fs::remove_file(sdk.path().join("python")).unwrap();
    std::os::unix::fs::symlink("old/python", sdk.path().join("python")).unwrap();
    assert_ne!(view_fingerprint(sdk.path()).unwrap(), fp);
}

#[test]
fn the_runner_archive_holds_every_runner_file() {
    let files = listing(&runner().unwrap());
    for (name, text) in crate::assets::RUNNER_FILES {
        assert_eq!(files[name].2, text);
        assert_eq!(files[name].1, 0);
    }
}
