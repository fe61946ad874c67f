//! `vtcode skills list | show | search | rm | import`: thin calls into
//! the project's skill library; this file only prints.

use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;

use anyhow::{Result, bail};
use vtcode_core::config::LoadedConfig;
use vtcode_core::skills::{Listing, SkillCheck, SkillLibrary};
use vtcode_core::store::SkillRow;
use vtcode_core::versioning::ChangeClass;

use super::args::SkillsCommand;
use super::context::ready_runtime;

pub async fn skills(loaded: LoadedConfig, command: SkillsCommand) -> Result<ExitCode> {
    let open = || SkillLibrary::open(&loaded);
    match command {
        SkillsCommand::List { json } => list(&open()?, json),
        SkillsCommand::Show { name, version } => show(&open()?, &name, version),
        SkillsCommand::Search { query, limit, json } => search(&open()?, &query, limit, json),
        SkillsCommand::Rm { name, yes } => remove(&open()?, &name, yes),
        SkillsCommand::Import { path } => {
            let dir = open()?.import(&path)?;
            println!("imported {} into {}", path.display(), dir.display());
            Ok(ExitCode::SUCCESS)
        }
        SkillsCommand::Check { json } => {
            // The live catalog is what the skills are checked against.
            let runtime = ready_runtime(loaded).await?;
            let result = check(&runtime.skills, json);
            runtime.shutdown().await;
            result
        }
    }
}

fn check(library: &SkillLibrary, json: bool) -> Result<ExitCode> {
    let listing = library.refresh()?;
    let broken = listing
        .checks
        .values()
        .any(|c| c.state >= ChangeClass::MigrationNeeded);
    if json {
        let checks: Vec<&SkillCheck> = listing.checks.values().collect();
        let out = serde_json::json!({"skills": checks, "problems": listing.problems});
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        if listing.checks.is_empty() {
            println!("no skills to check");
        }
        for check in listing.checks.values() {
            println!("{:<28} {}", check.name, check.state);
            for reason in &check.reasons {
                println!("    {reason}");
            }
            for fix in &check.fixes {
                println!("    fix: {fix}");
            }
        }
        for problem in &listing.problems {
            println!("broken  {problem}");
        }
    }
    Ok(if broken {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

fn list(library: &SkillLibrary, json: bool) -> Result<ExitCode> {
    let Listing {
        skills, problems, ..
    } = library.refresh()?;
    if json {
        let out = serde_json::json!({"skills": skills, "problems": problems});
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(ExitCode::SUCCESS);
    }
    if skills.is_empty() && problems.is_empty() {
        println!(
            "no skills yet; the agent saves them with save_skill, or add a folder to {}",
            library.save_dir()
        );
    }
    for skill in &skills {
        println!("{}", row_line(skill));
    }
    for problem in &problems {
        println!("broken  {problem}");
    }
    Ok(ExitCode::SUCCESS)
}

fn row_line(skill: &SkillRow) -> String {
    let kind = skill.language.as_deref().unwrap_or("instructions");
    let last = skill
        .last_used
        .as_deref()
        .and_then(|t| t.get(..10))
        .unwrap_or("never");
    format!(
        "{:<28} v{:<3} {:<12} uses {:<4} last {:<10}  {}",
        skill.name,
        skill.version,
        kind,
        skill.uses,
        last,
        skill.description.lines().next().unwrap_or("")
    )
}

fn show(library: &SkillLibrary, name: &str, version: Option<u32>) -> Result<ExitCode> {
    let skill = library.load(name, version)?;
    let text = std::fs::read_to_string(skill.dir.join("SKILL.md"))?;
    print!("{text}");
    if !text.ends_with('\n') {
        println!();
    }
    println!("\n# {}", skill.dir.display());
    for file in &skill.files {
        println!("#   {}", file.display());
    }
    Ok(ExitCode::SUCCESS)
}

fn search(library: &SkillLibrary, query: &str, limit: usize, json: bool) -> Result<ExitCode> {
    let hits = library.search(query, limit)?;
    if json {
        let out: Vec<serde_json::Value> = hits
            .iter()
            .map(|(skill, score)| serde_json::json!({"name": skill.name, "score": score, "description": skill.description}))
            .collect();
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(ExitCode::SUCCESS);
    }
    if hits.is_empty() {
        println!("no skill matches `{query}`; `vtcode skills list` shows them all");
    }
    for (skill, _) in &hits {
        println!("{}", row_line(skill));
    }
    Ok(ExitCode::SUCCESS)
}

fn remove(library: &SkillLibrary, name: &str, yes: bool) -> Result<ExitCode> {
    let skill = library.load(name, None)?;
    if !yes {
        if !std::io::stdin().is_terminal() {
            bail!("removing `{name}` needs confirmation; run it in a terminal or pass --yes");
        }
        print!(
            "remove {} and its kept versions? [y/N] ",
            skill.dir.display()
        );
        std::io::stdout().flush()?;
        let mut answer = String::new();
        std::io::stdin().lock().read_line(&mut answer)?;
        if !matches!(answer.trim(), "y" | "Y" | "yes") {
            println!("kept {name}");
            return Ok(ExitCode::FAILURE);
        }
    }
    let dir = library.remove(name)?;
    println!("removed {}", dir.display());
    Ok(ExitCode::SUCCESS)
}
