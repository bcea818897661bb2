import { describe, expect, it } from "vitest";
import type { Backend } from "./backend";
import { createMemoryBackend } from "./memory";
import { searchFiles, sha256Hex } from "./memoryStores";

let clock = 1_000;
const tick = () => (clock += 1_000);

async function withStore(folders?: Record<string, Record<string, string>>) {
  const backend = createMemoryBackend({ now: tick, ...(folders ? { folders } : {}) });
  const store = await backend.createMemoryStore({ name: "Notes", description: "Project notes" });
  return { backend, store: store.id };
}

const write = (backend: Backend, store: string, path: string, content: string, expected?: string) =>
  backend.writeMemoryFile(store, { path, content, ...(expected ? { expected_sha256: expected } : {}) });

describe("memory stores in the memory backend", () => {
  it("creates stores with unique names (ignoring case) and lists their size", async () => {
    const { backend, store } = await withStore();
    await expect(backend.createMemoryStore({ name: "notes", description: "" })).rejects.toMatchObject({
      code: "conflict",
      field: "name",
    });
    await expect(backend.createMemoryStore({ name: " ", description: "" })).rejects.toMatchObject({ field: "name" });
    await expect(backend.createMemoryStore({ name: "a/b", description: "" })).rejects.toMatchObject({ field: "name" });
    await expect(backend.createMemoryStore({ name: ".hidden", description: "" })).rejects.toMatchObject({
      field: "name",
    });
    await expect(backend.createMemoryStore({ name: "x".repeat(65), description: "" })).rejects.toMatchObject({
      field: "name",
    });
    await write(backend, store, "a.md", "héllo\n");
    expect(await backend.listMemoryStores()).toMatchObject([
      { name: "Notes", description: "Project notes", files: 1, bytes: 7 },
    ]);
  });

  it("refuses bad paths and content with a sentence that says what a path may be", async () => {
    const { backend, store } = await withStore();
    for (const path of [
      "",
      "../a.md",
      "a/../b.md",
      ".hidden.md",
      "a//b.md",
      "/abs.md",
      "notes.txt",
      "a?b.md",
      `${"x".repeat(198)}.md`,
    ]) {
      const error = await write(backend, store, path, "x").catch((e: unknown) => e);
      expect(error, path).toMatchObject({ code: "invalid_input", field: "path" });
      expect((error as { message: string }).message, path).toContain("ending in .md");
    }
    await expect(write(backend, store, "é.md", "x")).rejects.toMatchObject({ field: "path" });
    await expect(write(backend, store, " ./ok/fine name_1-2.md ", "x")).resolves.toMatchObject({
      op: "create",
      path: "ok/fine name_1-2.md",
    });
    await expect(write(backend, store, "a.md", "x".repeat(100_001))).rejects.toMatchObject({ field: "content" });
    await expect(write(backend, store, "a.md", "bell\u0007")).rejects.toMatchObject({ field: "content" });
    await expect(write(backend, store, "a.md", "tabs\tand\r\nbreaks\n")).resolves.toMatchObject({ op: "create" });
  });

  it("versions every write with its sha256, and makes none when nothing changes", async () => {
    const { backend, store } = await withStore();
    const v1 = await write(backend, store, "a.md", "one\n");
    expect(v1).toMatchObject({
      op: "create",
      actor: "user",
      bytes: 4,
      sha256: await sha256Hex("one\n"),
      redacted: false,
    });
    const v2 = await write(backend, store, "a.md", "two\n", v1.sha256);
    expect(v2.op).toBe("update");
    const same = await write(backend, store, "a.md", "two\n", v2.sha256);
    expect(same.id).toBe(v2.id);
    expect((await backend.memoryHistory(store, "a.md")).map((v) => v.id)).toEqual([v2.id, v1.id]);
    expect(await backend.readMemoryFile(store, "a.md")).toMatchObject({ content: "two\n", version_id: v2.id });
  });

  it("refuses a write from a stale base with a conflict on expected_sha256, and loses nothing", async () => {
    const { backend, store } = await withStore();
    const v1 = await write(backend, store, "a.md", "base\n");
    await write(backend, store, "a.md", "theirs\n", v1.sha256);
    const error = await write(backend, store, "a.md", "mine\n", v1.sha256).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "conflict", field: "expected_sha256" });
    expect((error as { message: string }).message).toMatch(/changed since you opened it/);
    expect((await backend.readMemoryFile(store, "a.md")).content).toBe("theirs\n");
  });

  it("keeps history through renames and deletes", async () => {
    const { backend, store } = await withStore();
    const created = await write(backend, store, "old.md", "text\n");
    const renamed = await backend.renameMemoryFile(store, "old.md", "new/place.md", created.sha256 ?? null);
    expect(renamed).toMatchObject({
      op: "rename",
      path: "new/place.md",
      previous_path: "old.md",
      sha256: created.sha256,
    });
    expect((await backend.listMemoryFiles(store)).map((f) => f.path)).toEqual(["new/place.md"]);
    expect((await backend.memoryHistory(store, "old.md")).map((v) => v.op)).toEqual(["rename", "create"]);
    expect((await backend.memoryHistory(store, "new/place.md")).map((v) => v.op)).toEqual(["rename"]);
    await write(backend, store, "other.md", "x\n");
    await expect(backend.renameMemoryFile(store, "new/place.md", "other.md", null)).rejects.toMatchObject({
      code: "conflict",
      field: "new_path",
    });
    await expect(backend.renameMemoryFile(store, "new/place.md", "new/place.md", null)).rejects.toMatchObject({
      field: "new_path",
    });

    const deleted = await backend.deleteMemoryFile(store, "new/place.md", renamed.sha256 ?? null);
    expect(deleted).toMatchObject({ op: "delete", bytes: 0 });
    expect(deleted.sha256).toBeUndefined();
    expect((await backend.listMemoryFiles(store)).map((f) => f.path)).toEqual(["other.md"]);
    expect((await backend.memoryHistory(store, "new/place.md")).map((v) => v.op)).toEqual(["delete", "rename"]);
    expect(await backend.memoryVersion(deleted.id)).toEqual({ version: deleted });
  });

  it("numbers versions per store", async () => {
    const { backend, store } = await withStore();
    const other = (await backend.createMemoryStore({ name: "Other", description: "" })).id;
    const a = await write(backend, store, "a.md", "1");
    const b = await write(backend, other, "a.md", "1");
    const c = await write(backend, store, "b.md", "1");
    expect([a.id, b.id, c.id]).toEqual(["memv_0001_0001", "memv_0002_0001", "memv_0001_0002"]);
  });

  it("reverts to a version as a new version by the user, and a delete version deletes", async () => {
    const { backend, store } = await withStore();
    const v1 = await write(backend, store, "a.md", "first\n");
    const v2 = await write(backend, store, "a.md", "second\n");
    await expect(backend.revertMemoryVersion(v1.id, v1.sha256 ?? null)).rejects.toMatchObject({
      field: "expected_sha256",
    });
    const v3 = await backend.revertMemoryVersion(v1.id, v2.sha256 ?? null);
    expect(v3).toMatchObject({ op: "update", actor: "user", sha256: v1.sha256 });
    expect((await backend.readMemoryFile(store, "a.md")).content).toBe("first\n");

    const gone = await backend.deleteMemoryFile(store, "a.md", null);
    const back = await backend.revertMemoryVersion(v2.id, null);
    expect(back.op).toBe("create");
    const again = await backend.revertMemoryVersion(gone.id, null);
    expect(again.op).toBe("delete");
    expect(await backend.listMemoryFiles(store)).toEqual([]);
  });

  it("redacts a past version's content but never the current one", async () => {
    const { backend, store } = await withStore();
    const v1 = await write(backend, store, "a.md", "secret\n");
    await expect(backend.redactMemoryVersion(v1.id)).rejects.toMatchObject({ code: "conflict" });
    const v2 = await write(backend, store, "a.md", "clean\n");
    const redacted = await backend.redactMemoryVersion(v1.id);
    expect(redacted).toMatchObject({ id: v1.id, redacted: true, actor: "user", time_ms: v1.time_ms });
    expect(await backend.memoryVersion(v1.id)).toEqual({ version: redacted });
    await expect(backend.revertMemoryVersion(v1.id, v2.sha256 ?? null)).rejects.toMatchObject({ field: "version" });
    await expect(backend.memoryDiff(v1.id, v2.id)).rejects.toMatchObject({ code: "invalid_input", field: "version" });
  });

  it("diffs two versions (null: empty text)", async () => {
    const { backend, store } = await withStore();
    const v1 = await write(backend, store, "a.md", "a\nb\n");
    const v2 = await write(backend, store, "a.md", "a\nc\n");
    expect(await backend.memoryDiff(v1.id, v2.id)).toEqual([
      {
        old_start: 1,
        old_lines: 2,
        new_start: 1,
        new_lines: 2,
        lines: [
          { kind: "context", text: "a" },
          { kind: "removed", text: "b" },
          { kind: "added", text: "c" },
        ],
      },
    ]);
    expect((await backend.memoryDiff(null, v1.id))[0]).toMatchObject({ old_start: 0, old_lines: 0, new_lines: 2 });
  });

  it("ranks search hits, path matches counting double, with the matches marked", async () => {
    const { backend, store } = await withStore();
    await write(backend, store, "testing.md", "# Testing\n\nRun npm test.\n");
    await write(backend, store, "release.md", "Before a release, run the tests and tag it.\n");
    await write(backend, store, "other.md", "Nothing here.\n");
    const hits = await backend.searchMemory(store, "test");
    expect(hits.map((h) => h.path)).toEqual(["testing.md", "release.md"]);
    expect(hits[0]!.score).toBeGreaterThan(hits[1]!.score);
    expect(hits[0]!.snippet).toBe("# «Testing» Run npm «test».");
    await expect(backend.searchMemory(store, " ?! ")).rejects.toMatchObject({ code: "invalid_input", field: "query" });
    expect(
      searchFiles([{ path: "x.md", content: "a ".repeat(100) + "needle " + "b ".repeat(200) }], "needle")[0]!.snippet,
    ).toMatch(/^….*«needle».*…$/);
  });

  it("exports a store into a folder and imports a folder's .md files as the user's writes", async () => {
    const { backend, store } = await withStore({
      "/in": { "docs/a.md": "# A\n", "b.md": "# B\n", "image.png": "…" },
      "/bad": { "ok.md": "fine", "bad name?.md": "x" },
    });
    expect(await backend.importMemoryStore(store, "/in")).toBe(2);
    expect((await backend.listMemoryFiles(store)).map((f) => f.path)).toEqual(["b.md", "docs/a.md"]);
    expect((await backend.memoryHistory(store, "b.md"))[0]).toMatchObject({ op: "create", actor: "user" });
    await expect(backend.importMemoryStore(store, "/bad")).rejects.toMatchObject({ message: /bad name\?\.md/ });
    expect(await backend.listMemoryFiles(store)).toHaveLength(2);

    expect(await backend.exportMemoryStore(store, "/out")).toBe(2);
    const copy = (await backend.createMemoryStore({ name: "Copy", description: "" })).id;
    expect(await backend.importMemoryStore(copy, "/out")).toBe(2);
    expect((await backend.readMemoryFile(copy, "docs/a.md")).content).toBe("# A\n");
  });

  it("deleting a store unmounts it from agents", async () => {
    const backend = createMemoryBackend({
      providers: [{ name: "Local", kind: "openai_compatible", base_url: "http://localhost:1/v1", model: "m" }],
    });
    const store = await backend.createMemoryStore({ name: "Notes", description: "" });
    const [provider] = await backend.listProviders();
    const input = { name: "A", description: "", instructions: "", provider_id: provider!.id, tools: [], roster: [] };
    await expect(
      backend.createAgent({ ...input, memory: [{ store_id: "mem_nope", access: "read_only" }] }),
    ).rejects.toMatchObject({
      field: "memory",
    });
    const agent = await backend.createAgent({ ...input, memory: [{ store_id: store.id, access: "read_write" }] });
    expect(agent.memory).toEqual([{ store_id: store.id, access: "read_write" }]);
    await backend.deleteMemoryStore(store.id);
    expect((await backend.listAgents())[0]!.memory).toEqual([]);
  });
});

describe("the mirror folder's conflicts and problems in the memory backend", () => {
  const seededStore = (theirs: string | null) =>
    createMemoryBackend({
      now: tick,
      memoryStores: [
        {
          name: "Notes",
          description: "",
          steps: [
            { type: "write", path: "a.md", content: "ours\n", actor: "user", agoMs: 0 },
            { type: "conflict", path: "a.md", theirs, agoMs: 0 },
            { type: "problem", path: "b.md", problem: "It isn't UTF-8 text.", agoMs: 0 },
          ],
        },
      ],
    });

  it("has none for a new store", async () => {
    const { backend, store } = await withStore();
    expect(await backend.memoryConflicts(store)).toEqual([]);
    expect(await backend.memoryProblems(store)).toEqual([]);
    await expect(backend.resolveMemoryConflict(store, "a.md", true)).rejects.toMatchObject({ code: "not_found" });
    await expect(backend.memoryConflicts("mem_9999")).rejects.toMatchObject({ code: "not_found" });
  });

  it("lists seeded ones with Reverie's current sha256, and keeping ours only forgets the conflict", async () => {
    const backend = seededStore("theirs\n");
    const [store] = await backend.listMemoryStores();
    const id = store!.id;
    expect(await backend.memoryConflicts(id)).toMatchObject([
      { store_id: id, path: "a.md", ours_sha256: await sha256Hex("ours\n"), theirs: "theirs\n" },
    ]);
    expect(await backend.memoryProblems(id)).toMatchObject([
      { store_id: id, path: "b.md", problem: "It isn't UTF-8 text." },
    ]);
    await write(backend, id, "a.md", "ours again\n");
    expect((await backend.memoryConflicts(id))[0]!.ours_sha256).toBe(await sha256Hex("ours again\n"));

    await backend.resolveMemoryConflict(id, "a.md", true);
    expect(await backend.memoryConflicts(id)).toEqual([]);
    expect((await backend.readMemoryFile(id, "a.md")).content).toBe("ours again\n");
    expect((await backend.memoryHistory(id, "a.md")).map((v) => v.actor)).toEqual(["user", "user"]);
    await expect(backend.resolveMemoryConflict(id, "a.md", true)).rejects.toMatchObject({ code: "not_found" });
    // Problems are not conflicts.
    await expect(backend.resolveMemoryConflict(id, "b.md", false)).rejects.toMatchObject({ code: "not_found" });
  });

  it("taking the disk's side writes it as `external`, or deletes the file when the disk has none", async () => {
    const taken = seededStore("theirs\n");
    const [a] = await taken.listMemoryStores();
    await taken.resolveMemoryConflict(a!.id, "a.md", false);
    expect((await taken.readMemoryFile(a!.id, "a.md")).content).toBe("theirs\n");
    expect((await taken.memoryHistory(a!.id, "a.md")).map((v) => `${v.op} ${v.actor}`)).toEqual([
      "update external",
      "create user",
    ]);

    const deleted = seededStore(null);
    const [b] = await deleted.listMemoryStores();
    await deleted.resolveMemoryConflict(b!.id, "a.md", false);
    expect(await deleted.listMemoryFiles(b!.id)).toEqual([]);
    expect((await deleted.memoryHistory(b!.id, "a.md")).map((v) => `${v.op} ${v.actor}`)).toEqual([
      "delete external",
      "create user",
    ]);
    expect(await deleted.memoryConflicts(b!.id)).toEqual([]);
  });
});
