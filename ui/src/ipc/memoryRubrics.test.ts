import { describe, expect, it } from "vitest";
import { createMemoryBackend } from "./memory";
import { parseRubric } from "./memoryRubricParser";

describe("memory backend › rubric parser", () => {
  it("groups criteria under headings, with ids, markers and continued lines", () => {
    const source =
      "# Code change\n\nWhat a good change looks like.\n\n## Correctness\n- The tests pass {#tests weight=3}\n- New behaviour has a test\n  that fails without the change\n\n## Style\n* [ ] Names say what things are {.optional}\n1. No dead code is left {#no-dead-code}\n\n```\n- not a criterion, it's code\n```\n";
    const { criteria, problems } = parseRubric(source);
    expect(problems).toEqual([]);
    expect(criteria.map((c) => [c.id, c.group, c.weight, c.optional, c.line])).toEqual([
      ["tests", "Correctness", 3, false, 6],
      ["new-behaviour-has-a-test-that-fails-without-the", "Correctness", 1, false, 7],
      ["names-say-what-things-are", "Style", 1, true, 11],
      ["no-dead-code", "Style", 1, false, 12],
    ]);
    expect(criteria[1]!.text).toBe("New behaviour has a test that fails without the change");
  });

  it("names the line of every problem", () => {
    const lines = (source: string) => parseRubric(source).problems.map((p) => p.line);
    expect(lines("# Only a heading\n\nSome prose.\n")).toEqual([0]);
    expect(parseRubric("- Tests pass {#t}\n- Docs updated {#t}\n").problems[0]!.message).toMatch(
      /already used on line 1/,
    );
    expect(lines("- A {weight=0}\n- B {weight=x}\n- C {#bad id!}\n- D {.maybe}\n- {#empty}\n")).toEqual([
      1, 2, 3, 4, 5,
    ]);
    expect(lines(`- a\n${"x".repeat(300_000)}`)).toEqual([0]);
    expect(parseRubric("- A {weight=0}\n- B\n").criteria).toEqual([]);
  });
});

describe("memory backend › rubrics", () => {
  it("saves a version per changed save, refuses a malformed one with its line, and keeps versions after a delete", async () => {
    const backend = createMemoryBackend();
    const created = await backend.createRubric(" Tests ", "# T\n- Tests pass {#tests}\n");
    expect([created.name, created.latest.version, created.latest.criteria.map((c) => c.id)]).toEqual([
      "Tests",
      1,
      ["tests"],
    ]);
    expect((await backend.saveRubric(created.id, "Tests", "# T\n- Tests pass {#tests}\n")).latest.version).toBe(1);
    const v2 = await backend.saveRubric(created.id, "Tests", "# T\n- Tests pass {#tests}\n- Docs updated\n");
    expect(v2.latest.version).toBe(2);
    await expect(backend.saveRubric(created.id, "Tests", "# T\n- A {weight=zero}\n")).rejects.toEqual({
      code: "invalid_input",
      field: "source",
      message: "Line 2: “weight=zero” is not a weight: use a whole number from 1 to 100.",
    });
    await expect(backend.createRubric("tests", "- x\n")).rejects.toMatchObject({ code: "conflict", field: "name" });
    await expect(backend.createRubric("", "- x\n")).rejects.toMatchObject({ field: "name" });
    await expect(backend.createRubric("Empty", "just prose\n")).rejects.toMatchObject({
      field: "source",
      message: "The rubric has no criteria. Write each as a list item, like “- The tests pass”.",
    });

    expect((await backend.rubricVersions(created.id)).map((v) => v.version)).toEqual([2, 1]);
    const diff = await backend.rubricDiff(created.id, 1, 2);
    expect(diff.flatMap((h) => h.lines.filter((l) => l.kind !== "context"))).toEqual([
      { kind: "added", text: "- Docs updated" },
    ]);

    await backend.deleteRubric(created.id);
    expect(await backend.listRubrics()).toEqual([]);
    expect((await backend.rubricVersions(created.id)).length).toBe(2);
    expect((await backend.createRubric("Tests", "- y\n")).name).toBe("Tests");
  });

  it("makes rubrics from templates with unique names, imports and exports Markdown files", async () => {
    const backend = createMemoryBackend({
      files: { "/r/Release notes.md": "## Notes\n- Every change is listed\n", "/r/bad.md": "prose\n" },
    });
    const templates = await backend.rubricTemplates();
    expect(templates.map((t) => t.name)).toEqual(["Code change", "Research brief", "Document review"]);
    for (const t of templates) expect(parseRubric(t.source).problems).toEqual([]);
    expect((await backend.createRubricFromTemplate("code change")).name).toBe("Code change");
    expect((await backend.createRubricFromTemplate("Code change")).name).toBe("Code change 2");
    await expect(backend.createRubricFromTemplate("Poetry")).rejects.toMatchObject({ field: "template" });

    const imported = await backend.importRubric("/r/Release notes.md");
    expect([imported.name, imported.latest.criteria[0]!.group]).toEqual(["Release notes", "Notes"]);
    await expect(backend.importRubric("/r/bad.md")).rejects.toMatchObject({ field: "source" });
    await expect(backend.importRubric("/r/none.md")).rejects.toMatchObject({ code: "invalid_input" });
    expect((await backend.listRubrics()).map((r) => r.name)).toEqual(["Code change", "Code change 2", "Release notes"]);

    await backend.saveRubric(
      imported.id,
      "Release notes",
      "## Notes\n- Every change is listed\n- Breaking ones first\n",
    );
    await backend.exportRubric(imported.id, 1, "/r/out.md");
    await backend.importRubric("/r/out.md");
    const out = (await backend.listRubrics()).find((r) => r.name === "out")!;
    expect(out.latest.source).toBe("## Notes\n- Every change is listed\n");
    expect(await backend.pickSavePath("Release notes.md")).toBe("/home/you/rubrics/Release notes.md");
  });
});
