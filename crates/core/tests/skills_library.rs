//! Skills on real files and a real SQLite index: hand-written skills from
//! other agents are listed, broken ones are reported with file and line and
//! left alone, saving checks the code and keeps versions, concurrent saves
//! corrupt nothing, and `check` judges recorded schemas with the classifier.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::sync::Arc;

use serde_json::json;
use vtcode_core::catalog::{CatalogTool, ToolCatalog};
use vtcode_core::config::{ProjectPaths, SkillsConfig};
use vtcode_core::skills::{CatalogView, SaveRequest, SkillError, SkillLibrary};
use vtcode_core::store::Store;
use vtcode_core::versioning::ChangeClass;

struct Fixed(Arc<ToolCatalog>);

impl CatalogView for Fixed {
    fn current(&self) -> Arc<ToolCatalog> {
        Arc::clone(&self.0)
    }
}

fn library(root: &Path, store: Arc<Store>, catalog: Option<ToolCatalog>) -> SkillLibrary {
    let paths = ProjectPaths::at_root(root);
    paths.ensure_dirs().unwrap();
    let lib = SkillLibrary::with_home(&paths, &SkillsConfig::default(), store, None);
    match catalog {
        Some(c) => lib.with_catalog(Arc::new(Fixed(Arc::new(c)))),
        None => lib,
    }
}

fn open_store(root: &Path) -> Arc<Store> {
    Arc::new(Store::open(root.join(".vtcode/vtcode.db")).unwrap())
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn expenses_tool(required: &[&str]) -> CatalogTool {
    CatalogTool {
        server: "ledger".into(),
        name: "list_expenses".into(),
        title: None,
        description: Some("List expenses.".into()),
        input_schema: json!({
            "type": "object",
            "properties": {"region": {"type": "string"}, "month": {"type": "string"}},
            "required": required,
        }),
        output_schema: None,
        annotations: None,
        builtin: false,
    }
}

const TOTAL: &str = "from servers.ledger import list_expenses\n\ndef total(month: str) -> float:\n    \"\"\"Sums a month's expenses.\"\"\"\n    return sum(e['amount'] for e in list_expenses(month=month))\n";

#[test]
fn hand_written_skills_are_listed_and_broken_ones_reported_with_their_line() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        &root.join(".claude/skills/review-checklist/SKILL.md"),
        "---\nname: review-checklist\ndescription: How to review a pull request here.\n---\nRead the diff twice.\n",
    );
    let broken = [
        (
            "bad-yaml",
            "---\nname: bad-yaml\ndescription: [never closed\n---\n",
            3,
            "not valid YAML",
        ),
        (
            "misnamed",
            "---\ndescription: d\nname: other\n---\n",
            3,
            "does not match its folder `misnamed`",
        ),
        (
            "long-text",
            &format!(
                "---\nname: long-text\ndescription: {}\n---\n",
                "x".repeat(1100)
            ),
            3,
            "more than 1024",
        ),
        (
            "no-script",
            "---\nname: no-script\ndescription: d\nmetadata:\n  language: python\n---\n",
            5,
            "has no script",
        ),
    ];
    for (name, text, _, _) in &broken {
        write(&root.join(format!(".agents/skills/{name}/SKILL.md")), text);
    }
    let lib = library(root, open_store(root), None);
    let listing = lib.refresh().unwrap();
    let names: Vec<&str> = listing.skills.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, vec!["review-checklist"]);
    assert_eq!(listing.skills[0].language, None);
    for (name, _, line, message) in &broken {
        let problem = listing
            .problems
            .iter()
            .find(|p| p.file.ends_with(format!("{name}/SKILL.md")))
            .unwrap_or_else(|| panic!("{name} not reported: {:?}", listing.problems));
        assert_eq!(problem.line, *line, "{problem}");
        assert!(problem.message.contains(message), "{problem}");
        assert!(problem.file.exists(), "a broken skill must not be deleted");
    }
    // The instructions-only skill loads: metadata, then its body.
    let loaded = lib.load("review-checklist", None).unwrap();
    assert_eq!(loaded.doc.body, "Read the diff twice.\n");
    // Loading a broken one says why, with its line.
    let err = lib.load("misnamed", None).unwrap_err();
    assert!(err.to_string().contains("SKILL.md:3:"), "{err}");
}

#[test]
fn saving_checks_the_code_keeps_versions_and_never_overwrites_another_root() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let catalog = ToolCatalog::new(vec![expenses_tool(&[])]);
    let lib = library(root, open_store(root), Some(catalog.clone()));
    let save = |name: &str, code: &str| {
        lib.save(&SaveRequest {
            name,
            description: "Totals a month of expenses from the ledger.",
            code,
            language: "python",
            tags: vec!["ledger".into()],
        })
    };
    let skills_dir = root.join(".agents/skills");

    let err = save("Bad_Name", TOTAL).unwrap_err();
    assert!(err.to_string().contains("contains `B`"), "{err}");
    let err = save("monthly-total", "def total(:\n").unwrap_err();
    assert!(err.to_string().contains("does not parse: line 1"), "{err}");
    let err = save("monthly-total", "x = 1\n").unwrap_err();
    assert!(err.to_string().contains("no public function"), "{err}");
    assert!(
        !skills_dir.join("monthly-total").exists(),
        "a refused save wrote nothing"
    );

    let first = save("monthly-total", TOTAL).unwrap();
    assert_eq!(first.version, 1);
    assert_eq!(first.tools.len(), 1);
    assert_eq!(first.tools[0].qualified(), "ledger.list_expenses");
    assert_eq!(
        first.tools[0].schema_hash,
        catalog.tool_schema_hash(catalog.get("ledger", "list_expenses").unwrap())
    );
    let text = std::fs::read_to_string(skills_dir.join("monthly-total/SKILL.md")).unwrap();
    assert!(text.contains("def total(month: str) -> float"), "{text}");
    assert!(
        text.contains("from skills.monthly_total import total"),
        "{text}"
    );

    let second = save("monthly-total", &TOTAL.replace("Sums", "Adds up")).unwrap();
    assert_eq!(second.version, 2);
    let old = lib.load("monthly-total", Some(1)).unwrap();
    assert_eq!(old.doc.version, 1);
    assert!(old.doc.body.contains("Sums a month"));
    let new = lib.load("monthly-total", None).unwrap();
    assert!(new.doc.body.contains("Adds up"));
    let err = lib.load("monthly-total", Some(7)).unwrap_err();
    assert!(err.to_string().contains("kept versions: 1"), "{err}");

    write(
        &root.join(".claude/skills/theirs/SKILL.md"),
        "---\nname: theirs\ndescription: Another agent's.\n---\nKeep.\n",
    );
    let err = save("theirs", TOTAL).unwrap_err();
    assert!(matches!(err, SkillError::Save(_)), "{err}");
    assert!(err.to_string().contains("never overwrites"), "{err}");
    assert!(!skills_dir.join("theirs").exists());
}

#[test]
fn two_processes_saving_at_once_each_get_their_own_version() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_path_buf();
    library(&root, open_store(&root), None).refresh().unwrap();
    let threads: Vec<_> = (0..6)
        .map(|i| {
            let root = root.clone();
            std::thread::spawn(move || {
                // Each saver has its own connection, as two processes would.
                let lib = library(&root, open_store(&root), None);
                lib.save(&SaveRequest {
                    name: "shared",
                    description: "Saved by several writers at once.",
                    code: &format!("def value():\n    return {i}\n"),
                    language: "python",
                    tags: Vec::new(),
                })
                .unwrap()
                .version
            })
        })
        .collect();
    let mut versions: Vec<u32> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    versions.sort_unstable();
    assert_eq!(versions, (1..=6).collect::<Vec<_>>());
    let lib = library(&root, open_store(&root), None);
    for v in 1..=6 {
        let skill = lib.load("shared", Some(v)).unwrap();
        assert_eq!(skill.doc.version, v);
    }
    let leftovers: Vec<_> = std::fs::read_dir(root.join(".agents/skills"))
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with(".tmp-"))
        .collect();
    assert!(leftovers.is_empty(), "temporary folders left behind");
}

#[test]
fn editing_a_skill_by_hand_updates_the_index() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let file = root.join(".agents/skills/notes/SKILL.md");
    write(&file, "---\nname: notes\ndescription: First words.\n---\n");
    let lib = library(root, open_store(root), None);
    assert_eq!(lib.refresh().unwrap().skills[0].description, "First words.");
    write(&file, "---\nname: notes\ndescription: Second words.\n---\n");
    let listing = lib.refresh().unwrap();
    assert_eq!(listing.skills[0].description, "Second words.");
    std::fs::remove_dir_all(root.join(".agents/skills/notes")).unwrap();
    assert!(lib.refresh().unwrap().skills.is_empty());
}

#[test]
fn check_classifies_each_recorded_schema_against_the_live_one() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let store = open_store(root);
    let before = ToolCatalog::new(vec![expenses_tool(&[])]);
    store
        .record_catalog("ledger", None, before.tools())
        .unwrap();
    let saver = library(root, Arc::clone(&store), Some(before));
    saver
        .save(&SaveRequest {
            name: "monthly-total",
            description: "Totals a month of expenses.",
            code: TOTAL,
            language: "python",
            tags: Vec::new(),
        })
        .unwrap();
    let unchanged = saver.refresh().unwrap();
    assert_eq!(
        unchanged.checks["monthly-total"].state,
        ChangeClass::Compatible
    );

    // The server now requires `region`: calls without it fail.
    let after = ToolCatalog::new(vec![expenses_tool(&["region"])]);
    store.record_catalog("ledger", None, after.tools()).unwrap();
    let lib = library(root, Arc::clone(&store), Some(after));
    let listing = lib.refresh().unwrap();
    let check = &listing.checks["monthly-total"];
    assert_eq!(check.state, ChangeClass::Incompatible, "{check:?}");
    assert!(
        check
            .reasons
            .iter()
            .any(|r| r.starts_with("ledger.list_expenses") && r.contains("region")),
        "{check:?}"
    );
    assert!(
        check.fixes[0].contains("vtcode tools show ledger.list_expenses"),
        "{check:?}"
    );
    let note = lib.compatibility_note("monthly-total").unwrap();
    assert!(
        note.starts_with("incompatible: ledger.list_expenses"),
        "{note}"
    );
    // Programs that import it are told on stderr.
    let init = std::fs::read_to_string(
        root.join(".vtcode/skills/python/skills/monthly_total/__init__.py"),
    )
    .unwrap();
    assert!(init.contains("incompatible"), "{init}");

    // A server that is not connected cannot be judged: a warning, not a verdict.
    let gone = library(root, store, Some(ToolCatalog::new(Vec::new())));
    let check = &gone.refresh().unwrap().checks["monthly-total"];
    assert_eq!(check.state, ChangeClass::Warning);
    assert!(check.reasons[0].contains("server `ledger` is not connected"));
}
