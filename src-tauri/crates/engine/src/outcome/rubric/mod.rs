//! Rubrics: Markdown where headings group criteria and list items are criteria.
//!
//! The Markdown is read as CommonMark (with GitHub's task-list boxes), so the criteria are exactly
//! the list items a Markdown preview shows: bulleted or numbered, at any depth, a `[ ]` box dropped.
//! A criterion's text is its item's own paragraphs, wrapped lines joined whether they are indented
//! or not (CommonMark's lazy continuation lines); a list inside an item gives criteria of its own.
//! The text may end with an attribute block: `- The tests pass {#tests-pass weight=2 .optional}`
//! — `#id` gives a stable id (else one is derived from the text), `weight=N` (1–100) how much
//! it counts, `.optional` that it may be partially met. A heading (`#` or underlined) outside the
//! lists groups the items below it. Everything else is commentary for the reader: paragraphs,
//! code blocks (fenced or indented), HTML blocks and `<!-- comments -->`, and block quotes with
//! any list inside them. A rubric that can't be used gets every problem with its line.

mod items;

use std::collections::hash_map::{Entry, HashMap};

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
    for item in items::items(source) {
        let criterion = Criterion {
            id: String::new(),
            text: item.text,
            group: item.group,
            weight: 1,
            optional: false,
            line: item.line,
        };
        match finish(criterion) {
            Ok(c) => criteria.push(c),
            Err(p) => problems.push(p),
        }
    }
    if problems.is_empty() && criteria.is_empty() {
        problems.push(problem(0, "The rubric has no criteria. Write each as a list item, like “- The tests pass”."));
    }
    if criteria.len() > MAX_CRITERIA {
        problems.push(problem(
            criteria[MAX_CRITERIA].line,
            format!("A rubric has at most {MAX_CRITERIA} criteria; merge some."),
        ));
    }
    let mut first_lines: HashMap<&str, u32> = HashMap::new();
    for c in &criteria {
        match first_lines.entry(c.id.as_str()) {
            Entry::Occupied(first) => problems.push(problem(
                c.line,
                format!("The id “{}” is already used on line {}. Give one of them another {{#id}}.", c.id, first.get()),
            )),
            Entry::Vacant(slot) => {
                slot.insert(c.line);
            }
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
            if explicit.is_empty()
                || explicit.len() > MAX_ID_BYTES
                || !explicit.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_')
            {
                return Err(problem(
                    c.line,
                    format!("“#{explicit}” is not an id: use letters, digits, - and _ (at most {MAX_ID_BYTES})."),
                ));
            }
            id = Some(explicit.to_owned());
        } else if attr == ".optional" {
            c.optional = true;
        } else if let Some(weight) = attr.strip_prefix("weight=") {
            c.weight = weight.parse::<u32>().ok().filter(|w| (1..=MAX_WEIGHT).contains(w)).ok_or_else(|| {
                problem(
                    c.line,
                    format!("“weight={weight}” is not a weight: use a whole number from 1 to {MAX_WEIGHT}."),
                )
            })?;
        } else {
            return Err(problem(
                c.line,
                format!(
                    "“{attr}” is not a marker. Use {{#id}}, weight=N or .optional, like {{#tests weight=2 .optional}}."
                ),
            ));
        }
    }
    if body.is_empty() {
        return Err(problem(c.line, "This criterion is empty: say what a good result does."));
    }
    c.id = match id {
        Some(id) => id,
        None => derive_id(&body)
            .ok_or_else(|| problem(c.line, "No id can be made from this text; give it one with {#id}."))?,
    };
    c.text = body;
    Ok(c)
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
    ("Code change", include_str!("../../../rubrics/code-change.md")),
    ("Research brief", include_str!("../../../rubrics/research-brief.md")),
    ("Document review", include_str!("../../../rubrics/document-review.md")),
];

#[cfg(test)]
mod tests;
