//! The list items of a rubric's Markdown, found by a CommonMark parser.
//!
//! The parser's offset iterator gives every event its place in the source, so an item's text is
//! cut from the Markdown as written (emphasis, links and code kept for the grader to read) and
//! its line is exact. Block quotes, code blocks and HTML blocks hide everything inside them.

use std::ops::Range;

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

/// A list item as written: its own text (nested lists are items of their own), the heading it
/// sits under and the line of its marker.
#[derive(Debug)]
pub(super) struct Item {
    pub text: String,
    pub group: Option<String>,
    pub line: u32,
}

/// Every list item of `source` outside block quotes, code and HTML, in document order.
pub(super) fn items(source: &str) -> Vec<Item> {
    let lines = LineStarts::new(source);
    let mut items: Vec<Item> = Vec::new();
    // The items being read, innermost last: the index into `items` and the inline text read since
    // the item's last block began or ended.
    let mut open: Vec<(usize, Run)> = Vec::new();
    let mut group: Option<String> = None;
    // A heading outside every item, being read.
    let mut heading: Option<Run> = None;
    // How deep inside block quotes, code blocks and HTML blocks the parser is.
    let mut hidden = 0usize;
    for (event, range) in Parser::new_ext(source, Options::ENABLE_TASKLISTS).into_offset_iter() {
        let inline = match &event {
            Event::Start(tag) if is_inline(tag) => Some(false),
            Event::End(end) if is_inline_end(*end) => None,
            Event::Text(_)
            | Event::Code(_)
            | Event::InlineMath(_)
            | Event::DisplayMath(_)
            | Event::FootnoteReference(_) => Some(false),
            // A comment isn't shown, and a line break reads as a space.
            Event::InlineHtml(html) => Some(html.starts_with("<!--")),
            Event::SoftBreak | Event::HardBreak => Some(true),
            Event::Html(_) | Event::Rule | Event::TaskListMarker(_) => None,
            Event::Start(_) | Event::End(_) => {
                // A block begins or ends: what the innermost item read so far is one piece of its text.
                if let Some((index, run)) = open.last_mut() {
                    if let (Some(text), Some(item)) = (run.take(source), items.get_mut(*index)) {
                        if !item.text.is_empty() {
                            item.text.push(' ');
                        }
                        item.text.push_str(&text);
                    }
                }
                None
            }
        };
        if hidden == 0 {
            if let Some(hole) = inline {
                if let Some(run) = heading.as_mut().or_else(|| open.last_mut().map(|(_, run)| run)) {
                    run.add(range.clone(), hole);
                }
            }
        }
        match event {
            Event::Start(Tag::BlockQuote(_) | Tag::CodeBlock(_) | Tag::HtmlBlock) => hidden += 1,
            Event::End(TagEnd::BlockQuote(_) | TagEnd::CodeBlock | TagEnd::HtmlBlock) => {
                hidden = hidden.saturating_sub(1)
            }
            _ if hidden > 0 => {}
            Event::Start(Tag::Item) => {
                open.push((items.len(), Run::default()));
                items.push(Item { text: String::new(), group: group.clone(), line: lines.line(range.start) });
            }
            Event::End(TagEnd::Item) => {
                open.pop();
            }
            Event::Start(Tag::Heading { .. }) if open.is_empty() => heading = Some(Run::default()),
            Event::End(TagEnd::Heading(_)) if open.is_empty() => {
                group = heading.take().and_then(|mut run| run.take(source))
            }
            _ => {}
        }
    }
    items
}

/// Inline Markdown being read: the source it spans, and the parts of it (line breaks, comments)
/// that read as a space.
#[derive(Default)]
struct Run {
    span: Option<Range<usize>>,
    holes: Vec<Range<usize>>,
}

impl Run {
    fn add(&mut self, range: Range<usize>, hole: bool) {
        self.span = Some(match self.span.take() {
            Some(span) => span.start.min(range.start)..span.end.max(range.end),
            None => range.clone(),
        });
        if hole {
            self.holes.push(range);
        }
    }

    /// The text read, on one line with single spaces; `None` when there is none.
    fn take(&mut self, source: &str) -> Option<String> {
        let span = self.span.take()?;
        let mut text = String::new();
        let mut at = span.start;
        for hole in self.holes.drain(..) {
            if hole.start >= at {
                text.push_str(source.get(at..hole.start).unwrap_or_default());
                text.push(' ');
            }
            at = at.max(hole.end);
        }
        text.push_str(source.get(at..span.end.max(at)).unwrap_or_default());
        let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
        (!text.is_empty()).then_some(text)
    }
}

fn is_inline(tag: &Tag) -> bool {
    matches!(
        tag,
        Tag::Emphasis
            | Tag::Strong
            | Tag::Strikethrough
            | Tag::Superscript
            | Tag::Subscript
            | Tag::Link { .. }
            | Tag::Image { .. }
    )
}

fn is_inline_end(end: TagEnd) -> bool {
    matches!(
        end,
        TagEnd::Emphasis
            | TagEnd::Strong
            | TagEnd::Strikethrough
            | TagEnd::Superscript
            | TagEnd::Subscript
            | TagEnd::Link
            | TagEnd::Image
    )
}

/// Byte offset → 1-based line.
struct LineStarts(Vec<usize>);

impl LineStarts {
    fn new(source: &str) -> Self {
        Self(std::iter::once(0).chain(source.match_indices('\n').map(|(at, _)| at + 1)).collect())
    }

    fn line(&self, offset: usize) -> u32 {
        u32::try_from(self.0.partition_point(|&start| start <= offset)).unwrap_or(u32::MAX)
    }
}
