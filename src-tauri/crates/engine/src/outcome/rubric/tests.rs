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

/// The starter rubrics' criteria: (rubric, id, group, weight, optional, line).
const STARTER_CRITERIA: &[(&str, &str, &str, u32, bool, u32)] = &[
    ("Code change", "does-the-task", "Correctness", 3, false, 6),
    ("Code change", "tests-pass", "Correctness", 3, false, 7),
    ("Code change", "covered-by-tests", "Correctness", 2, false, 8),
    ("Code change", "fits-in", "Quality", 1, false, 11),
    ("Code change", "clean", "Quality", 1, false, 12),
    ("Code change", "errors", "Quality", 1, true, 13),
    ("Code change", "summary", "Communication", 1, false, 16),
    ("Research brief", "answers-first", "Substance", 3, false, 6),
    ("Research brief", "sourced", "Substance", 2, false, 7),
    ("Research brief", "disagreements", "Substance", 1, true, 8),
    ("Research brief", "one-page", "Form", 1, false, 11),
    ("Research brief", "actionable", "Form", 2, false, 12),
    ("Research brief", "uncertainty", "Form", 1, false, 13),
    ("Document review", "complete", "Coverage", 2, false, 6),
    ("Document review", "errors-located", "Coverage", 3, false, 7),
    ("Document review", "actionable", "Usefulness", 2, false, 10),
    ("Document review", "prioritised", "Usefulness", 1, false, 11),
    ("Document review", "specific-praise", "Usefulness", 1, true, 12),
    ("Document review", "tone", "Tone", 1, false, 15),
];

#[test]
fn the_starter_rubrics_parse_to_their_criteria() {
    let mut found = Vec::new();
    for (name, source) in STARTERS {
        for c in parse(source).unwrap_or_else(|p| panic!("{name}: {p:?}")) {
            // The text is the item's line without its marker and attribute block.
            let line = source.lines().nth(c.line as usize - 1).unwrap_or_default();
            let written = line.strip_prefix("- ").and_then(|l| l.rsplit_once(" {")).map(|(text, _)| text);
            assert_eq!(Some(c.text.as_str()), written, "{name}: line {}", c.line);
            found.push((*name, c.id, c.group.unwrap_or_default(), c.weight, c.optional, c.line));
        }
    }
    let found: Vec<_> = found.iter().map(|(n, id, g, w, o, l)| (*n, id.as_str(), g.as_str(), *w, *o, *l)).collect();
    assert_eq!(found, STARTER_CRITERIA);
}

/// The criteria's texts, or none when the rubric's only problem is that it has none.
fn texts(source: &str) -> Vec<String> {
    match parse(source) {
        Ok(criteria) => criteria.into_iter().map(|c| c.text).collect(),
        Err(problems)
            if problems.len() == 1 && problems[0].line == 0 && problems[0].message.contains("no criteria") =>
        {
            vec![]
        }
        Err(problems) => panic!("{source:?}: {problems:?}"),
    }
}

#[test]
fn a_criterion_wrapped_onto_an_unindented_line_keeps_that_line() {
    let source = "## Coverage\n- The report covers\nall three regions {#regions weight=2}\n- Sources are named\n";
    let c = parse(source).unwrap();
    let summary: Vec<(&str, &str, u32, u32)> =
        c.iter().map(|c| (c.id.as_str(), c.text.as_str(), c.weight, c.line)).collect();
    assert_eq!(
        summary,
        [("regions", "The report covers all three regions", 2, 2), ("sources-are-named", "Sources are named", 1, 4)]
    );
}

#[test]
fn a_criterion_commented_out_does_not_count() {
    assert_eq!(texts("- Kept\n<!--\n- Dropped for now\n-->\n- Also kept\n"), ["Kept", "Also kept"]);
    assert_eq!(texts("- Kept\n<!-- - Dropped for now -->\n- Also kept <!-- or not? -->\n"), ["Kept", "Also kept"]);
}

#[test]
fn a_list_in_an_indented_code_block_does_not_count() {
    assert_eq!(texts("An example:\n\n    - not a criterion\n    - nor this\n\n- A criterion\n"), ["A criterion"]);
}

/// CommonMark's examples (spec 0.31.2, the example number in the note) as data: the Markdown and
/// the list items a conforming preview shows, which are the criteria.
const SPEC_EXAMPLES: &[(&str, &str, &[&str])] = &[
    // List items.
    (
        "253: a list item holds paragraphs, code and quotes",
        "1.  A paragraph\n    with two lines.\n\n        indented code\n\n    > A block quote.\n",
        &["A paragraph with two lines."],
    ),
    ("254: too little indent leaves the item", "- one\n\n two\n", &["one"]),
    ("255: enough indent stays in it", "- one\n\n  two\n", &["one two"]),
    ("256: indent counts from the item's content", " -    one\n\n     two\n", &["one"]),
    ("257", " -    one\n\n      two\n", &["one two"]),
    ("261: a marker needs a space after it", "-one\n\n2.two\n", &[]),
    ("262: two blank lines stay in the item", "- foo\n\n\n  bar\n", &["foo bar"]),
    ("265: nine digits make a number", "123456789. ok\n", &["ok"]),
    ("266: ten do not", "1234567890. not ok\n", &[]),
    ("268: nor does a sign", "-1. not ok\n", &[]),
    ("270: code inside an item", "- foo\n\n      bar\n", &["foo"]),
    ("280: a list item may start blank", "-\n  foo\n", &["foo"]),
    ("285: an empty item can't interrupt a paragraph", "foo\n*\n\nfoo\n1.\n", &[]),
    ("290: four spaces of indent make code", "    1.  A paragraph\n        with two lines.\n", &[]),
    (
        "291: lazy continuation",
        "  1.  A paragraph\nwith two lines.\n\n          indented code\n\n      > A block quote.\n",
        &["A paragraph with two lines."],
    ),
    ("292: partly lazy", "  1.  A paragraph\n    with two lines.\n", &["A paragraph with two lines."]),
    ("293: a list in a quote is quoted", "> 1. > Blockquote\ncontinued here.\n", &[]),
    ("294: sublists", "- foo\n  - bar\n    - baz\n      - boo\n", &["foo", "bar", "baz", "boo"]),
    ("295: too little indent for a sublist", "- foo\n - bar\n  - baz\n   - boo\n", &["foo", "bar", "baz", "boo"]),
    ("300: headings inside items don't group", "- # Foo\n- Bar\n  ---\n  baz\n", &["Foo", "Bar baz"]),
    // Lists.
    ("301: a new marker starts a new list", "- foo\n- bar\n+ baz\n", &["foo", "bar", "baz"]),
    (
        "304: only a list starting at 1 interrupts a paragraph",
        "The number of windows in my house is\n14.  The number of doors is 6.\n",
        &[],
    ),
    ("305", "The number of windows in my house is\n1.  The number of doors is 6.\n", &["The number of doors is 6."]),
    ("306: blank lines between items", "- foo\n\n- bar\n\n\n- baz\n", &["foo", "bar", "baz"]),
    (
        "307: nested items and their paragraphs",
        "- foo\n  - bar\n    - baz\n\n\n      bim\n",
        &["foo", "bar", "baz bim"],
    ),
    ("308: a comment between two lists", "- foo\n- bar\n\n<!-- -->\n\n- baz\n- bim\n", &["foo", "bar", "baz", "bim"]),
    ("309", "-   foo\n\n    notcode\n\n-   foo\n\n<!-- -->\n\n    code\n", &["foo notcode", "foo"]),
    (
        "312: a fifth space of indent is a continuation",
        "- a\n - b\n  - c\n   - d\n    - e\n",
        &["a", "b", "c", "d - e"],
    ),
    ("313: and after a blank line, code", "1. a\n\n  2. b\n\n    3. c\n", &["a", "b"]),
    ("319: a paragraph of a nested item", "- a\n  - b\n\n    c\n- d\n", &["a", "b c", "d"]),
    ("320: quotes and code in an item are commentary", "* a\n  > b\n  >\n* c\n", &["a", "c"]),
    ("321", "- a\n  > b\n  ```\n  c\n  ```\n- d\n", &["a", "d"]),
    // Indented code.
    ("107: an indented code block", "    - one\n    - two\n\n- three\n", &["three"]),
    ("108: indent inside an item is the item's", "  - foo\n\n    bar\n", &["foo bar"]),
    ("109", "1.  foo\n\n    - bar\n", &["foo", "bar"]),
    // Fenced code.
    ("119: backticks", "```\n- a\n```\n- b\n", &["b"]),
    ("120: tildes", "~~~\n- a\n~~~\n", &[]),
    ("123: a shorter fence doesn't close", "````\n- a\n```\n- b\n````\n- c\n", &["c"]),
    ("126: an unclosed fence runs to the end", "```\n- a\n", &[]),
    ("133: a closing fence indented four spaces doesn't close", "```\n- a\n    ```\n- b\n", &[]),
    ("fenced code inside an item", "- a\n  ```\n  - b\n  ```\n", &["a"]),
    // HTML blocks.
    ("148: an HTML block runs to a blank line", "<div>\n- a\n</div>\n", &[]),
    ("149: Markdown after the blank line is Markdown", "<div>\n\n- a\n\n</div>\n", &["a"]),
    ("170: a script runs to its end tag, blank lines and all", "<script>\n- a\n\n- b\n</script>\n- c\n", &["c"]),
    ("179: a comment runs to its end", "<!-- Foo\n\n- bar\n   baz -->\n- okay\n", &["okay"]),
    ("180: processing instructions", "<?php\n\n  - a\n\n?>\n- okay\n", &["okay"]),
    ("187: an HTML block can interrupt an item's paragraph", "- a\n<div>\n- b\n</div>\n", &["a"]),
    ("a comment inside an item's text", "- a <!-- b --> c\n", &["a c"]),
    // Block quotes.
    ("quoted lists are quoted", "> - a\n> - b\n- c\n", &["c"]),
];

#[test]
fn the_criteria_are_the_list_items_of_the_commonmark_spec_examples() {
    for (what, source, expected) in SPEC_EXAMPLES {
        assert_eq!(texts(source), *expected, "example {what}: {source:?}");
    }
}

/// (what it shows, the Markdown, the group of its one criterion)
const HEADING_EXAMPLES: &[(&str, &str, Option<&str>)] = &[
    ("62: six levels", "###### foo\n- x\n", Some("foo")),
    ("63: not seven", "####### foo\n- x\n", None),
    ("64: a space after the #s", "#5 bolt\n\n#hashtag\n- x\n", None),
    ("65: an escaped #", "\\## foo\n- x\n", None),
    ("66: inline Markdown kept as written", "# foo *bar* \\*baz\\*\n- x\n", Some("foo *bar* \\*baz\\*")),
    ("69: four spaces make code", "    # foo\n- x\n", None),
    ("71: closing #s", "## foo ##\n- x\n", Some("foo")),
    ("74: not closing #s", "### foo ### b\n- x\n", Some("foo ### b")),
    ("75", "# foo#\n- x\n", Some("foo#")),
    ("78: a heading interrupts a paragraph", "Foo bar\n# baz\nBar foo\n- x\n", Some("baz")),
    ("79: an empty heading ends the group", "# Group\n#\n- x\n", None),
    ("80: setext headings", "Foo *bar*\n=========\n\n- x\n", Some("Foo *bar*")),
    ("82: on two lines", "Foo\nbar\n---\n- x\n", Some("Foo bar")),
    ("a heading in a quote doesn't group", "# Group\n> # Quoted\n\n- x\n", Some("Group")),
    ("a heading in code doesn't group", "# Group\n```\n# Code\n```\n- x\n", Some("Group")),
];

#[test]
fn headings_of_the_commonmark_spec_examples_group_what_follows() {
    for (what, source, expected) in HEADING_EXAMPLES {
        let c = parse(source).unwrap_or_else(|p| panic!("example {what}: {p:?}"));
        assert_eq!(c.len(), 1, "example {what}");
        assert_eq!(c[0].group.as_deref(), *expected, "example {what}: {source:?}");
    }
}

#[test]
fn empty_items_are_problems_on_their_lines() {
    let lines = |source: &str| parse(source).unwrap_err().into_iter().map(|p| (p.line, p.message)).collect::<Vec<_>>();
    // Spec examples 278 and 280: items holding only code, or nothing.
    for (source, expected) in
        [("-\n  foo\n-\n  ```\n  bar\n  ```\n-\n      baz\n", &[3, 7][..]), ("- foo\n-\n- bar\n", &[2]), ("*\n", &[1])]
    {
        let found = lines(source);
        assert_eq!(found.iter().map(|(l, _)| *l).collect::<Vec<_>>(), expected, "{source:?}");
        assert!(found.iter().all(|(_, m)| m.contains("is empty")), "{found:?}");
    }
    // A line after code, a comment and a wrapped item is still counted right.
    let found = lines("```\n- x\n```\n<!--\n-->\n- One\n  wrapped\n- {#empty}\n");
    assert_eq!(found.iter().map(|(l, _)| *l).collect::<Vec<_>>(), [8]);
}

#[test]
fn item_text_is_the_markdown_as_written_on_one_line() {
    let source = "- Use **bold**, [links](https://example.com \"t\") and `code  spans`\n- A hard  \n  break and a\\\n  backslash one\n- [x] Done boxes\n  are dropped {#done}\n";
    let c = parse(source).unwrap();
    let summary: Vec<(&str, &str, u32)> = c.iter().map(|c| (c.id.as_str(), c.text.as_str(), c.line)).collect();
    assert_eq!(
        summary,
        [
            (
                "use-bold-links-https-example-com-t-and-code",
                "Use **bold**, [links](https://example.com \"t\") and `code spans`",
                1
            ),
            ("a-hard-break-and-a-backslash-one", "A hard break and a backslash one", 2),
            ("done", "Done boxes are dropped", 5),
        ]
    );
    let crlf = parse("# G\r\n- a\r\n  b\r\n- c\r\n").unwrap();
    assert_eq!(crlf.iter().map(|c| (c.text.as_str(), c.line)).collect::<Vec<_>>(), [("a b", 2), ("c", 4)]);
}

#[test]
fn deeply_nested_markdown_is_read_without_overflowing() {
    for source in ["- ".repeat(20_000) + "x", "> ".repeat(50_000) + "- x", "[".repeat(100_000), "*a **".repeat(30_000)]
    {
        let problems = parse(&source).unwrap_err();
        assert!(
            problems.iter().all(|p| p.message.contains("is empty") || p.message.contains("no criteria")),
            "{problems:?}"
        );
    }
}

#[test]
fn thirty_thousand_criteria_are_one_problem_on_the_first_too_many() {
    let source: String = (0..30_000).map(|i| format!("- c{i}\n")).collect();
    let problems = parse(&source).unwrap_err();
    assert_eq!(problems.len(), 1, "{:?}", &problems[..problems.len().min(3)]);
    assert_eq!((problems[0].line, problems[0].message.contains("at most 100 criteria")), (101, true));
}
