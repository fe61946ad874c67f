//! What the model is told about skills up front, and how `search_tools`
//! ranks them: name and first line of description, within a token cap; the
//! rest are counted and left to `search_tools`.

use crate::store::SkillRow;

const FOOTER: &str = "Import one in a program with `from skills.<name, hyphens as underscores> import <function>`; load_skill(name) shows its functions and instructions.\n";

/// Longest description line the prompt shows, in characters.
const LINE_CHARS: usize = 160;

/// The section body, or `None` when there are no skills or the cap is 0.
pub(super) fn section(skills: &[SkillRow], model: &str, cap: u32) -> Option<String> {
    if skills.is_empty() || cap == 0 {
        return None;
    }
    let cap = cap as usize;
    let mut out = String::new();
    let mut used = 0;
    let mut shown = 0;
    // Room kept for the closing lines, so the whole section stays in the cap.
    let reserve = vtcode_llm::count_tokens(model, FOOTER) + 16;
    for skill in skills {
        let line = line(skill);
        let tokens = vtcode_llm::count_tokens(model, &line);
        if used + tokens + reserve > cap {
            break;
        }
        used += tokens;
        shown += 1;
        out.push_str(&line);
    }
    let more = skills.len() - shown;
    if more > 0 {
        out.push_str(&format!("({more} more, find them with search_tools)\n"));
    }
    out.push_str(FOOTER);
    Some(out)
}

fn line(skill: &SkillRow) -> String {
    let first = skill.description.lines().next().unwrap_or("").trim();
    let short: String = if first.chars().count() > LINE_CHARS {
        format!("{}…", first.chars().take(LINE_CHARS).collect::<String>())
    } else {
        first.to_string()
    };
    let kind = if skill.language.is_some() {
        ""
    } else {
        " (instructions only)"
    };
    format!("- {}{kind}: {short}\n", skill.name)
}

fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.len() > 1)
        .map(str::to_lowercase)
        .collect()
}

/// Skills that share words with `query`: name words count most, then
/// tags, then the description; a word matches as a prefix of at least 3
/// letters too ("report" finds "reports").
pub(super) fn rank(skills: Vec<SkillRow>, query: &str, limit: usize) -> Vec<(SkillRow, f64)> {
    let terms = words(query);
    let mut scored: Vec<(SkillRow, f64)> = skills
        .into_iter()
        .filter_map(|skill| {
            let fields = [
                (words(&skill.name), 3.0),
                (skill.tags.iter().flat_map(|t| words(t)).collect(), 2.0),
                (words(&skill.description), 1.0),
            ];
            let score: f64 = terms
                .iter()
                .map(|term| {
                    fields
                        .iter()
                        .map(|(field, weight)| {
                            let hit = field.iter().any(|w| {
                                w == term
                                    || (term.len() >= 3
                                        && (w.starts_with(term.as_str())
                                            || term.starts_with(w.as_str()) && w.len() >= 3))
                            });
                            if hit { *weight } else { 0.0 }
                        })
                        .fold(0.0, f64::max)
                })
                .sum();
            (score > 0.0).then_some((skill, score))
        })
        .collect();
    scored.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.name.cmp(&b.0.name)));
    scored.truncate(limit);
    scored
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn row(name: &str, description: &str) -> SkillRow {
        SkillRow {
            name: name.into(),
            description: description.into(),
            root: String::new(),
            dir: String::new(),
            version: 1,
            language: Some("python".into()),
            tags: vec!["finance".into()],
            dependencies: serde_json::json!([]),
            content_hash: String::new(),
            created_at: String::new(),
            updated_at: String::new(),
            uses: 0,
            last_used: None,
            failures: 0,
        }
    }

    #[test]
    fn the_section_stays_in_its_cap_and_counts_the_rest() {
        let skills: Vec<SkillRow> = (0..200)
            .map(|i| {
                row(
                    &format!("skill-{i}"),
                    &"does a useful thing with data ".repeat(6),
                )
            })
            .collect();
        let text = section(&skills, "gpt-4.1-mini", 500).unwrap();
        assert!(vtcode_llm::count_tokens("gpt-4.1-mini", &text) <= 500);
        assert!(text.contains("more, find them with search_tools"), "{text}");
        assert!(section(&[], "gpt-4.1-mini", 500).is_none());
    }

    #[test]
    fn name_words_rank_above_description_words() {
        let skills = vec![
            row("weekly-report", "Totals a ledger"),
            row("csv-tools", "Builds a weekly summary"),
            row("unrelated", "Nothing here"),
        ];
        let hits = rank(skills, "weekly", 10);
        let names: Vec<&str> = hits.iter().map(|(s, _)| s.name.as_str()).collect();
        assert_eq!(names, vec!["weekly-report", "csv-tools"]);
    }
}
