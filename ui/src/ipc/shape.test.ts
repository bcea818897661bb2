// `ui/src/ipc/` is the UI's one way to the engine: the Backend interface, its two transports
// (Tauri and the dev server) and nothing else. The engine itself is Rust; a TypeScript copy of
// it (an in-memory backend, a mock scenario, a second rubric parser…) must not come back.
import { readdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const IPC = path.resolve(import.meta.dirname);
const SRC = path.resolve(IPC, "..");

/** The interface, the two transports, the shared command plumbing, and their tests. */
const ALLOWED = new Set([
  "backend.ts",
  "commandBackend.ts",
  "context.tsx",
  "devserver.test.ts",
  "devserver.ts",
  "index.ts",
  "shape.test.ts",
  "tauri.test.ts",
  "tauri.ts",
]);

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(full) : [full];
  });
}

describe("ui/src/ipc", () => {
  it("holds the interface and the two transports only", () => {
    const extra = readdirSync(IPC).filter((name) => !ALLOWED.has(name));
    expect(extra, "add a transport's file here only if it is a transport; engine behaviour belongs in Rust").toEqual(
      [],
    );
  });

  it("has no file named like the old in-memory engine anywhere in the UI", () => {
    const copies = filesUnder(SRC)
      .map((file) => path.relative(SRC, file))
      .filter((file) =>
        /(^|\/)(memory(Runs|Dreams|Stores|Team|Rubrics|RubricParser|Diff|Pricing|Scripts|Agents)?|mockScenario)\.(ts|tsx)$/.test(
          file,
        ),
      )
      .filter((file) => !file.startsWith("shared/memory.ts"));
    expect(copies).toEqual([]);
  });
});
