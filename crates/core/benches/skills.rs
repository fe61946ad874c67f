//! Skills: saving one (checked and written atomically), loading one, an
//! index refresh over 1,000 skills (cold, then nothing changed), and the
//! size of the system prompt's skills section for 50 skills. Prints one
//! markdown section (figures, budgets, whether they are met).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use vtcode_core::config::{ProjectPaths, SkillsConfig};
use vtcode_core::skills::{SaveRequest, SkillLibrary};
use vtcode_core::store::Store;

const CODE: &str = "def total(rows: list, field: str = 'amount') -> float:\n    \"\"\"Sums one field of the rows.\"\"\"\n    return sum(r[field] for r in rows)\n";

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

fn median(mut runs: Vec<Duration>) -> (Duration, Duration) {
    runs.sort();
    (runs[runs.len() / 2], runs[runs.len() - 1])
}

fn library(root: &std::path::Path) -> SkillLibrary {
    let paths = ProjectPaths::at_root(root);
    paths.ensure_dirs().unwrap();
    let store = Arc::new(Store::open(&paths.db).unwrap());
    SkillLibrary::with_home(&paths, &SkillsConfig::default(), store, None)
}

fn write_skill(root: &std::path::Path, i: usize) {
    let name = format!("skill-{i:04}");
    let dir = root.join(".agents/skills").join(&name).join("scripts");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.parent().unwrap().join("SKILL.md"),
        format!("---\nname: {name}\ndescription: \"Summarises report number {i}: totals per region and the largest rows, for the weekly review.\"\nmetadata:\n  version: \"1\"\n  language: python\n  tags: \"report, weekly\"\n---\n# {name}\n\nCall total(rows).\n"),
    )
    .unwrap();
    std::fs::write(dir.join(format!("skill_{i:04}.py")), CODE).unwrap();
}

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let lib = library(dir.path());
    lib.refresh().unwrap();
    let mut saves = Vec::new();
    for i in 0..15 {
        let t = Instant::now();
        lib.save(&SaveRequest {
            name: if i % 3 == 0 {
                "weekly-total"
            } else {
                "other-total"
            },
            description: "Totals one field of the rows.",
            code: CODE,
            language: "python",
            tags: vec!["report".into()],
        })
        .unwrap();
        saves.push(t.elapsed());
    }
    let (save_p50, save_max) = median(saves);
    let mut loads = Vec::new();
    for _ in 0..50 {
        let t = Instant::now();
        lib.load("weekly-total", None).unwrap();
        loads.push(t.elapsed());
    }
    let (load_p50, load_max) = median(loads);

    let many = tempfile::tempdir().unwrap();
    for i in 0..1000 {
        write_skill(many.path(), i);
    }
    let lib = library(many.path());
    let t = Instant::now();
    let listing = lib.refresh().unwrap();
    let cold = t.elapsed();
    assert_eq!(listing.skills.len(), 1000);
    let mut warm = Vec::new();
    for _ in 0..7 {
        let t = Instant::now();
        lib.refresh().unwrap();
        warm.push(t.elapsed());
    }
    let (warm_p50, warm_max) = median(warm);

    let fifty = tempfile::tempdir().unwrap();
    for i in 0..50 {
        write_skill(fifty.path(), i);
    }
    let section = library(fifty.path())
        .prompt_section("gpt-4.1-mini")
        .unwrap()
        .unwrap();
    let tokens = vtcode_core::llm::count_tokens("gpt-4.1-mini", &section);
    let listed = section.lines().filter(|l| l.starts_with("- ")).count();

    let met = |ok: bool| if ok { "yes" } else { "**no**" };
    println!("### Skills\n");
    println!("| what | p50 | max | budget | met |");
    println!("|---|---|---|---|---|");
    println!(
        "| `save_skill` (Python checked with `ast`, atomic write, index refresh), 15 saves | {} | {} | ≤ 20 ms | {} |",
        ms(save_p50),
        ms(save_max),
        met(save_p50 <= Duration::from_millis(20))
    );
    println!(
        "| `load_skill` (refresh + read), 50 loads | {} | {} | ≤ 5 ms | {} |",
        ms(load_p50),
        ms(load_max),
        met(load_p50 <= Duration::from_millis(5))
    );
    println!(
        "| index refresh, 1,000 skills, first (all parsed) | {} | - | ≤ 200 ms | {} |",
        ms(cold),
        met(cold <= Duration::from_millis(200))
    );
    println!(
        "| index refresh, 1,000 skills, nothing changed (7 runs) | {} | {} | ≤ 200 ms | {} |",
        ms(warm_p50),
        ms(warm_max),
        met(warm_p50 <= Duration::from_millis(200))
    );
    println!(
        "| prompt section, 50 skills ({listed} listed) | {tokens} tokens | - | ≤ 2,000 tokens | {} |",
        met(tokens <= 2000)
    );
}
