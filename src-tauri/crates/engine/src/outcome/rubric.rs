//! Rubrics: Markdown where headings group criteria and list items are criteria.
//!
//! A criterion may end with an attribute block: `- The tests pass {#tests-pass weight=2 .optional}`
//! — `#id` gives a stable id (else one is derived from the text), `weight=N` (1–100) how much
//! it counts, `.optional` that it may be partially met. Lines under an item that are indented
//! continue its text. Everything else (paragraphs, code, quotes) is commentary for the reader.
//! A rubric that can't be used gets every problem with its line.

use reverie_protocol::{Criterion, RubricProblem};

/// The longest rubric accepted, in characters.
pub const MAX_RUBRIC_CHARS: usize = 262_144;
/// The most criteria one rubric may have (each is a row the grader judges).
pub const MAX_CRITERIA: usize = 100;
/// Longest id, in bytes.
const MAX_ID_BYTES: usize = 48;
const MAX_WEIGHT: u32 = 100;

/// The criteria of `source`, or every problem found (each with its line).
pub fn parse(source: &str) -> Result<Vec<Criterion>, Vec<RubricProblem>> {
    let chars = source.chars().count();
    if chars > MAX_RUBRIC_CHARS {
        return Err(vec![problem(0, format!("The rubric is {chars} characters; the most is {MAX_RUBRIC_CHARS}. Keep it to what a good result needs."))]);
    }
    let mut criteria: Vec<Criterion> = Vec::new();
    let mut problems = Vec::new();
    let mut group: Option<String> = None;
    let mut in_code = false;
    // The item being read, with the indent its continuation lines must exceed.
    let mut open: Option<(Criterion, usize)> = None;
    let close = |item: Option<(Criterion, usize)>, criteria: &mut Vec<Criterion>, problems: &mut Vec<RubricProblem>| {
        if let Some((c, _)) = item {
            match finish(c) {
                Ok(c) => criteria.push(c),
                Err(p) => problems.push(p),
            }
        }
    };
    for (index, raw) in source.lines().enumerate() {
        let line = index as u32 + 1;
        let trimmed = raw.trim_start();
        let indent = raw.len() - trimmed.len();
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            in_code = !in_code;
            close(open.take(), &mut criteria, &mut problems);
            continue;
        }
        if in_code {
            continue;
        }
        if let Some(heading) = heading(trimmed) {
            close(open.take(), &mut criteria, &mut problems);
            group = (!heading.is_empty()).then(|| heading.to_owned());
            continue;
        }
        if let Some(text) = list_item(trimmed) {
            close(open.take(), &mut criteria, &mut problems);
            let item = Criterion { id: String::new(), text: text.to_owned(), group: group.clone(), weight: 1, optional: false, line };
            open = Some((item, indent));
            continue;
        }
        match &mut open {
            Some((item, item_indent)) if !trimmed.is_empty() && indent > *item_indent => {
                item.text.push(' ');
                item.text.push_str(trimmed.trim_end());
            }
            _ => close(open.take(), &mut criteria, &mut problems),
        }
    }
    close(open.take(), &mut criteria, &mut problems);
    if problems.is_empty() && criteria.is_empty() {
        problems.push(problem(0, "The rubric has no criteria. Write each as a list item, like “- The tests pass”."));
    }
    if criteria.len() > MAX_CRITERIA {
        problems.push(problem(criteria[MAX_CRITERIA].line, format!("A rubric has at most {MAX_CRITERIA} criteria; merge some.")));
    }
    for (i, c) in criteria.iter().enumerate() {
        if let Some(first) = criteria[..i].iter().find(|o| o.id == c.id) {
            problems.push(problem(
                c.line,
                format!("The id “{}” is already used on line {}. Give one of them another {{#id}}.", c.id, first.line),
            ));
        }
    }
    if problems.is_empty() {
        Ok(criteria)
    } else {
        problems.sort_by_key(|p| p.line);
        Err(problems)
    }
}

/// Reads the item's attribute block and gives it its id.
fn finish(mut c: Criterion) -> Result<Criterion, RubricProblem> {
    let text = c.text.trim().to_owned();
    let (body, attributes) = match text.rfind('{') {
        Some(at) if text.ends_with('}') => (text[..at].trim_end().to_owned(), Some(&text[at + 1..text.len() - 1])),
        _ => (text.clone(), None),
    };
    let mut id = None;
    for attr in attributes.unwrap_or("").split_whitespace() {
        if let Some(explicit) = attr.strip_prefix('#') {
            if explicit.is_empty() || explicit.len() > MAX_ID_BYTES || !explicit.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_') {
                return Err(problem(c.line, format!("“#{explicit}” is not an id: use letters, digits, - and _ (at most {MAX_ID_BYTES}).")));
            }
            id = Some(explicit.to_owned());
        } else if attr == ".optional" {
            c.optional = true;
        } else if let Some(weight) = attr.strip_prefix("weight=") {
            c.weight = weight
                .parse::<u32>()
                .ok()
                .filter(|w| (1..=MAX_WEIGHT).contains(w))
                .ok_or_else(|| problem(c.line, format!("“weight={weight}” is not a weight: use a whole number from 1 to {MAX_WEIGHT}.")))?;
        } else {
            return Err(problem(c.line, format!("“{attr}” is not a marker. Use {{#id}}, weight=N or .optional, like {{#tests weight=2 .optional}}.")));
        }
    }
    if body.is_empty() {
        return Err(problem(c.line, "This criterion is empty: say what a good result does."));
    }
    c.id = match id {
        Some(id) => id,
        None => derive_id(&body).ok_or_else(|| problem(c.line, "No id can be made from this text; give it one with {#id}."))?,
    };
    c.text = body;
    Ok(c)
}

/// `## Tests` → "Tests" (ATX headings only).
fn heading(line: &str) -> Option<&str> {
    let hashes = line.chars().take_while(|&ch| ch == '#').count();
    if !(1..=6).contains(&hashes) {
        return None;
    }
    let rest = &line[hashes..];
    if !rest.is_empty() && !rest.starts_with(' ') {
        return None;
    }
    Some(rest.trim().trim_end_matches('#').trim())
}

/// `- text`, `* text`, `+ text`, `1. text`, `1) text` (a task box `[ ]` dropped) → "text".
fn list_item(line: &str) -> Option<&str> {
    let rest = if let Some(rest) = line.strip_prefix(['-', '*', '+']) {
        rest
    } else {
        let digits = line.chars().take_while(char::is_ascii_digit).count();
        if digits == 0 || digits > 9 {
            return None;
        }
        line[digits..].strip_prefix(['.', ')'])?
    };
    if !rest.starts_with(' ') {
        return None;
    }
    let rest = rest.trim();
    let rest = ["[ ] ", "[x] ", "[X] "].iter().find_map(|b| rest.strip_prefix(b)).unwrap_or(rest);
    Some(rest.trim())
}

/// An id from a criterion's first words: lower case, letters and digits joined by `-`.
fn derive_id(text: &str) -> Option<String> {
    let mut id = String::new();
    for word in text.split(|ch: char| !ch.is_alphanumeric()).filter(|w| !w.is_empty()) {
        let word: String = word.to_lowercase().chars().filter(char::is_ascii_alphanumeric).collect();
        if word.is_empty() {
            continue;
        }
        if !id.is_empty() && id.len() + 1 + word.len() > MAX_ID_BYTES {
            break;
        }
        if !id.is_empty() {
            id.push('-');
        }
        id.push_str(&word[..word.len().min(MAX_ID_BYTES)]);
    }
    (!id.is_empty()).then_some(id)
}

fn problem(line: u32, message: impl Into<String>) -> RubricProblem {
    RubricProblem { line, message: message.into() }
}

/// The rubrics that ship with Reverie: (name, Markdown).
pub const STARTERS: &[(&str, &str)] = &[
    ("Code change", include_str!("../../rubrics/code-change.md")),
    ("Research brief", include_str!("../../rubrics/research-brief.md")),
    ("Document review", include_str!("../../rubrics/document-review.md")),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_group_items_with_ids_markers_and_continuations() {
        let source = "# Code change\n\nWhat a good change looks like.\n\n## Correctness\n- The tests pass {#tests weight=3}\n- New behaviour has a test\n  that fails without the change\n\n## Style\n* [ ] Names say what things are {.optional}\n1. No dead code is left {#no-dead-code}\n\n```\n- not a criterion, it's code\n```\n";
        let c = parse(source).unwrap();
        let summary: Vec<(&str, Option<&str>, u32, bool, u32)> =
            c.iter().map(|c| (c.id.as_str(), c.group.as_deref(), c.weight, c.optional, c.line)).collect();
        assert_eq!(
            summary,
            [
                ("tests", Some("Correctness"), 3, false, 6),
                ("new-behaviour-has-a-test-that-fails-without-the", Some("Correctness"), 1, false, 7),
                ("names-say-what-things-are", Some("Style"), 1, true, 11),
                ("no-dead-code", Some("Style"), 1, false, 12),
            ]
        );
        assert_eq!(c[1].text, "New behaviour has a test that fails without the change");
        assert_eq!(c[0].text, "The tests pass");
    }

    #[test]
    fn problems_name_their_lines() {
        let lines = |source: &str| parse(source).unwrap_err().into_iter().map(|p| (p.line, p.message)).collect::<Vec<_>>();
        assert_eq!(lines("# Only a heading\n\nSome prose.\n")[0].0, 0);
        let dup = lines("- Tests pass {#t}\n- Docs updated {#t}\n");
        assert_eq!(dup.len(), 1);
        assert_eq!(dup[0].0, 2);
        assert!(dup[0].1.contains("already used on line 1"), "{dup:?}");
        let derived = lines("- The tests pass\n- The tests pass!\n");
        assert_eq!(derived[0].0, 2, "two items that derive the same id: {derived:?}");
        let bad = lines("- A {weight=0}\n- B {weight=x}\n- C {#bad id!}\n- D {.maybe}\n- {#empty}\n");
        assert_eq!(bad.iter().map(|(l, _)| *l).collect::<Vec<_>>(), [1, 2, 3, 4, 5]);
        assert!(bad[3].1.contains("“.maybe” is not a marker"), "{bad:?}");
        assert!(parse(&"- x\n".repeat(MAX_CRITERIA + 1)).is_err());
        let huge = format!("- a\n{}", "x".repeat(300_000));
        assert_eq!(lines(&huge)[0].0, 0);
    }

    #[test]
    fn the_starter_rubrics_parse() {
        for (name, source) in STARTERS {
            let criteria = parse(source).unwrap_or_else(|p| panic!("{name}: {p:?}"));
            assert!(criteria.len() >= 4, "{name}");
            assert!(criteria.iter().all(|c| c.group.is_some()), "{name}: every criterion sits under a heading");
        }
    }
}
