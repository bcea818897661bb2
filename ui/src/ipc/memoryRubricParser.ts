import type { Criterion, RubricCheck, RubricProblem } from "../bindings";

/**
 * The rubric parser of the memory backend (the app's runs in Rust, `outcome/rubric.rs`), with
 * the same rules: headings group criteria, list items are criteria, an item may end with
 * `{#id weight=N .optional}`, indented lines continue an item, fenced code is skipped, and every
 * problem names its line (0: the rubric as a whole). A rubric with problems has no criteria.
 */

export const RUBRIC_MAX_CHARS = 262_144;
const MAX_CRITERIA = 100;
const MAX_ID_BYTES = 48;
const MAX_WEIGHT = 100;

const problem = (line: number, message: string): RubricProblem => ({ line, message });

export function parseRubric(source: string): RubricCheck {
  const chars = [...source].length;
  if (chars > RUBRIC_MAX_CHARS) {
    return {
      criteria: [],
      problems: [
        problem(
          0,
          `The rubric is ${chars} characters; the most is ${RUBRIC_MAX_CHARS}. Keep it to what a good result needs.`,
        ),
      ],
    };
  }
  const criteria: Criterion[] = [];
  const problems: RubricProblem[] = [];
  let group: string | undefined;
  let inCode = false;
  let open: { item: Criterion; indent: number } | null = null;
  const close = () => {
    if (!open) return;
    const done = finish(open.item);
    if ("message" in done) problems.push(done);
    else criteria.push(done);
    open = null;
  };

  const lines = source.split(/\r?\n/);
  if (lines[lines.length - 1] === "") lines.pop();
  lines.forEach((raw, index) => {
    const line = index + 1;
    const trimmed = raw.trimStart();
    const indent = raw.length - trimmed.length;
    if (trimmed.startsWith("```") || trimmed.startsWith("~~~")) {
      inCode = !inCode;
      close();
      return;
    }
    if (inCode) return;
    const title = heading(trimmed);
    if (title !== null) {
      close();
      group = title === "" ? undefined : title;
      return;
    }
    const text = listItem(trimmed);
    if (text !== null) {
      close();
      const item: Criterion = { id: "", text, weight: 1, optional: false, line };
      if (group !== undefined) item.group = group;
      open = { item, indent };
      return;
    }
    const current = open as { item: Criterion; indent: number } | null;
    if (current && trimmed !== "" && indent > current.indent) current.item.text += ` ${trimmed.trimEnd()}`;
    else close();
  });
  close();

  if (problems.length === 0 && criteria.length === 0) {
    problems.push(problem(0, "The rubric has no criteria. Write each as a list item, like “- The tests pass”."));
  }
  if (criteria.length > MAX_CRITERIA) {
    problems.push(problem(criteria[MAX_CRITERIA]!.line, `A rubric has at most ${MAX_CRITERIA} criteria; merge some.`));
  }
  criteria.forEach((c, i) => {
    const first = criteria.slice(0, i).find((o) => o.id === c.id);
    if (first) {
      problems.push(
        problem(c.line, `The id “${c.id}” is already used on line ${first.line}. Give one of them another {#id}.`),
      );
    }
  });
  problems.sort((a, b) => a.line - b.line);
  // As the engine's parse: the criteria, or the problems.
  return problems.length > 0 ? { criteria: [], problems } : { criteria, problems };
}

function finish(c: Criterion): Criterion | RubricProblem {
  const text = c.text.trim();
  const open = text.lastIndexOf("{");
  const hasBlock = open !== -1 && text.endsWith("}");
  const body = hasBlock ? text.slice(0, open).trimEnd() : text;
  const attributes = hasBlock ? text.slice(open + 1, -1) : "";
  let id: string | null = null;
  let weight = 1;
  let optional = false;
  for (const attr of attributes.split(/\s+/).filter(Boolean)) {
    if (attr.startsWith("#")) {
      const explicit = attr.slice(1);
      if (explicit === "" || explicit.length > MAX_ID_BYTES || !/^[A-Za-z0-9_-]+$/.test(explicit)) {
        return problem(c.line, `“#${explicit}” is not an id: use letters, digits, - and _ (at most ${MAX_ID_BYTES}).`);
      }
      id = explicit;
    } else if (attr === ".optional") {
      optional = true;
    } else if (attr.startsWith("weight=")) {
      const value = attr.slice("weight=".length);
      const n = /^\d+$/.test(value) ? Number(value) : NaN;
      if (!(n >= 1 && n <= MAX_WEIGHT)) {
        return problem(c.line, `“weight=${value}” is not a weight: use a whole number from 1 to ${MAX_WEIGHT}.`);
      }
      weight = n;
    } else {
      return problem(
        c.line,
        `“${attr}” is not a marker. Use {#id}, weight=N or .optional, like {#tests weight=2 .optional}.`,
      );
    }
  }
  if (body === "") return problem(c.line, "This criterion is empty: say what a good result does.");
  const derived = id ?? deriveId(body);
  if (derived === null) return problem(c.line, "No id can be made from this text; give it one with {#id}.");
  return { ...c, id: derived, text: body, weight, optional };
}

/** `## Tests` → "Tests" (ATX headings only); null for any other line. */
function heading(line: string): string | null {
  const hashes = /^#*/.exec(line)![0].length;
  if (hashes < 1 || hashes > 6) return null;
  const rest = line.slice(hashes);
  if (rest !== "" && !rest.startsWith(" ")) return null;
  return rest.trim().replace(/#+$/, "").trim();
}

/** `- text`, `* text`, `+ text`, `1. text`, `1) text` (a task box dropped) → "text". */
function listItem(line: string): string | null {
  const match = /^(?:[-*+]|\d{1,9}[.)])( .*)$/.exec(line);
  if (!match) return null;
  const rest = match[1]!.trim();
  const box = ["[ ] ", "[x] ", "[X] "].find((b) => rest.startsWith(b));
  return (box ? rest.slice(box.length) : rest).trim();
}

function deriveId(text: string): string | null {
  let id = "";
  for (const raw of text.split(/[^\p{L}\p{N}]+/u)) {
    const word = raw.toLowerCase().replace(/[^a-z0-9]/g, "");
    if (word === "") continue;
    if (id !== "" && id.length + 1 + word.length > MAX_ID_BYTES) break;
    id += (id === "" ? "" : "-") + word.slice(0, MAX_ID_BYTES);
  }
  return id === "" ? null : id;
}

/** The starter rubrics, as the app ships them. */
export const RUBRIC_TEMPLATES: ReadonlyArray<{ name: string; source: string }> = [
  {
    name: "Code change",
    source: `# Code change

A change another engineer could merge without rework.

## Correctness
- The change does what the task asked, and nothing the task did not ask for {#does-the-task weight=3}
- The project's tests pass after the change {#tests-pass weight=3}
- New or changed behaviour is covered by a test that would fail without the change {#covered-by-tests weight=2}

## Quality
- Names, structure and comments match the code around the change {#fits-in}
- No debugging output, commented-out code or stray files are left behind {#clean}
- Errors are handled where they can happen, with messages that say what to do {#errors .optional}

## Communication
- The final message lists the files changed and why, and anything left undone {#summary}
`,
  },
  {
    name: "Research brief",
    source: `# Research brief

A short brief a busy reader can act on.

## Substance
- It answers the question that was asked, in the first paragraph {#answers-first weight=3}
- Every claim that matters names its source {#sourced weight=2}
- Where sources disagree, the brief says so and which it trusts, and why {#disagreements .optional}

## Form
- It fits on one page (about 500 words) {#one-page}
- Recommendations are concrete: who should do what next {#actionable weight=2}
- Uncertainty is stated plainly, not hidden in hedges {#uncertainty}
`,
  },
  {
    name: "Document review",
    source: `# Document review

A review the author can work through item by item.

## Coverage
- Every section of the document was read and is commented on where it needs it {#complete weight=2}
- Factual errors and contradictions are pointed out with the exact place {#errors-located weight=3}

## Usefulness
- Each comment says what to change, not only what is wrong {#actionable weight=2}
- Comments are ordered by importance, the blocking ones first {#prioritised}
- Praise is specific where something works well {#specific-praise .optional}

## Tone
- The review is direct and kind; it criticises the text, not the author {#tone}
`,
  },
];
