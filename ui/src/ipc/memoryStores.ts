import type {
  AppError,
  DiffHunk,
  MemoryAccessKind,
  MemoryAccessRecord,
  MemoryConflict,
  MemoryFile,
  MemoryFileContent,
  MemoryOp,
  MemoryProblem,
  MemorySearchHit,
  MemoryStore,
  MemoryStoreInput,
  MemoryVersion,
  MemoryVersionContent,
  MemoryWrite,
} from "../bindings";
import {
  contentProblem,
  normalizePath,
  pathProblem,
  STORE_MAX_BYTES,
  STORE_MAX_FILES,
  validateStoreInput,
} from "../shared/memory";
import { utf8Bytes } from "../shared/runs";
import { diffLines } from "./memoryDiff";

/**
 * Memory stores of the memory backend, with the engine's rules: names, paths and content
 * checked with field errors, one immutable version per write (none when nothing changes),
 * `expected_sha256` conflicts, history with renames, revert, redact, ranked search, the
 * record of what sessions loaded, export/import against a pretend file system, and the mirror
 * folder's conflicts and problems (seeded: the memory backend has no folder to watch).
 */

/** One step of a demo store's past, oldest first. */
export type SeedMemoryStep =
  | { type: "write"; path: string; content: string; actor: string; agoMs: number }
  | { type: "rename"; path: string; to: string; actor: string; agoMs: number }
  | { type: "delete"; path: string; actor: string; agoMs: number }
  /** Redacts the `version`th version (1: the oldest) that touched `path`. */
  | { type: "redact"; path: string; version: number }
  /** The file changed on disk (`theirs`; null: deleted there) and in Reverie since they last agreed. */
  | { type: "conflict"; path: string; theirs: string | null; agoMs: number }
  /** A file in the mirror folder that couldn't be imported, and why. */
  | { type: "problem"; path: string; problem: string; agoMs: number }
  | {
      type: "access";
      session: string;
      thread: string;
      kind: MemoryAccessKind;
      path?: string;
      query?: string;
      agoMs: number;
    };

/** One change of a set written together (a dream's Apply or Revert). */
export type StoreChange =
  | { type: "write"; path: string; content: string }
  | { type: "delete"; path: string }
  | { type: "rename"; from: string; to: string };

export interface SeedMemoryStore {
  name: string;
  description: string;
  steps?: SeedMemoryStep[];
}

interface Deps {
  now: () => number;
  /** Folders the pretend file system has at start: folder → relative path → text. */
  folders?: Record<string, Record<string, string>>;
  /** Called after a store is deleted (agents drop their mounts of it). */
  onStoreDeleted?: (id: string) => void;
}

interface CurrentFile {
  content: string;
  sha256: string;
  version_id: string;
  updated_at: number;
}

interface StoredVersion {
  version: MemoryVersion;
  /** null for a delete, or once redacted. */
  content: string | null;
}

interface StoredStore {
  store: Omit<MemoryStore, "files" | "bytes">;
  files: Map<string, CurrentFile>;
  /** Oldest first. */
  versions: StoredVersion[];
  /** Files changed both on disk and in Reverie, oldest first (Reverie's side is the current file). */
  conflicts: Array<{ path: string; theirs: string | null; detected_at: number }>;
  /** Files in the mirror folder that couldn't be imported, oldest first. */
  problems: Array<{ path: string; problem: string; detected_at: number }>;
}

export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, "0")).join("");
}

function invalid(field: string, message: string): AppError {
  return { code: "invalid_input", message, field };
}

/** The one line a file is listed with: its front matter's `description`, else its first line of text. */
export function describeFile(content: string): string {
  const front = /^---\r?\n([\s\S]*?)\r?\n---/.exec(content);
  const described = front?.[1]?.match(/^description:\s*(.+)$/m)?.[1];
  const body = front ? content.slice(front[0].length) : content;
  const line = described ?? body.split("\n").find((l) => l.trim() !== "") ?? "";
  const text = line
    .replace(/^#+\s*/, "")
    .replace(/^["']|["']$/g, "")
    .trim();
  return text.length > 120 ? `${text.slice(0, 119)}…` : text;
}

const WORD = /[\p{L}\p{N}]+/gu;

function words(text: string): string[] {
  return text.toLowerCase().match(WORD) ?? [];
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * Ranks files by how often the query's words (or words they begin) occur; a match in the path
 * counts double. The snippet is the text around the first match, matches between « and ».
 */
export function searchFiles(files: Array<{ path: string; content: string }>, query: string): MemorySearchHit[] {
  const wanted = [...new Set(words(query))];
  if (wanted.length === 0) throw invalid("query", "Type a word to search for.");
  const count = (tokens: string[]) =>
    tokens.reduce((sum, token) => sum + (wanted.some((w) => token.startsWith(w)) ? 1 : 0), 0);
  const match = new RegExp(`(?<![\\p{L}\\p{N}])(?:${wanted.map(escapeRegExp).join("|")})[\\p{L}\\p{N}]*`, "giu");
  const hits: MemorySearchHit[] = [];
  for (const file of files) {
    const score = count(words(file.content)) + 2 * count(words(file.path));
    if (score === 0) continue;
    hits.push({ path: file.path, snippet: snippet(file.content, match), score });
  }
  return hits.sort((a, b) => b.score - a.score || a.path.localeCompare(b.path));
}

function snippet(content: string, match: RegExp): string {
  match.lastIndex = 0;
  const first = match.exec(content);
  const at = first?.index ?? 0;
  let start = Math.max(0, at - 50);
  if (start > 0) start = content.indexOf(" ", start) + 1 || start;
  const end = Math.min(content.length, start + 180);
  const text = content.slice(start, end).replace(/\s+/g, " ").trim();
  const marked = first ? text.replace(match, "«$&»") : text;
  return `${start > 0 ? "…" : ""}${marked}${end < content.length ? "…" : ""}`;
}

export function createMemoryStores(deps: Deps) {
  const stores: StoredStore[] = [];
  const access: MemoryAccessRecord[] = [];
  const folders = new Map<string, Map<string, string>>(
    Object.entries(deps.folders ?? {}).map(([folder, files]) => [folder, new Map(Object.entries(files))]),
  );
  let nextStore = 1;

  const storeGone = (): AppError => ({
    code: "not_found",
    message: "This memory store no longer exists. Reload the list.",
  });

  const find = (id: string): StoredStore => {
    const entry = stores.find((s) => s.store.id === id);
    if (!entry) throw storeGone();
    return entry;
  };

  const fileOf = (entry: StoredStore, path: string): CurrentFile => {
    const file = entry.files.get(path);
    if (!file)
      throw {
        code: "not_found",
        message: `There is no file ${path} in this store. Reload the file list.`,
      } satisfies AppError;
    return file;
  };

  const findVersion = (id: string): { entry: StoredStore; stored: StoredVersion } => {
    for (const entry of stores) {
      const stored = entry.versions.find((v) => v.version.id === id);
      if (stored) return { entry, stored };
    }
    throw { code: "not_found", message: "This version no longer exists. Reload the history." } satisfies AppError;
  };

  const summary = (entry: StoredStore): MemoryStore => {
    let bytes = 0;
    for (const file of entry.files.values()) bytes += utf8Bytes(file.content);
    return { ...entry.store, files: entry.files.size, bytes };
  };

  const checkExpected = (entry: StoredStore, path: string, expected: string | null | undefined) => {
    if (expected === null || expected === undefined) return;
    const current = entry.files.get(path);
    if (current?.sha256 === expected) return;
    throw {
      code: "conflict",
      field: "expected_sha256",
      message: current
        ? `${path} was changed since you opened it. Nothing was saved: load the new version, or keep your text and save again to replace it.`
        : `${path} was deleted or renamed since you opened it. Nothing was saved: save again to create it anew.`,
    } satisfies AppError;
  };

  const checkRoom = (entry: StoredStore, path: string, content: string) => {
    const existing = entry.files.get(path);
    if (!existing && entry.files.size >= STORE_MAX_FILES) {
      throw invalid(
        "path",
        `This store holds ${STORE_MAX_FILES.toLocaleString("en-US")} files, the most it can. Delete or merge some first.`,
      );
    }
    const total = summary(entry).bytes - (existing ? utf8Bytes(existing.content) : 0) + utf8Bytes(content);
    if (total > STORE_MAX_BYTES) {
      throw invalid(
        "content",
        "This store would grow past 100 MB, the most it can hold. Delete or shorten some files first.",
      );
    }
  };

  /** Records a version and makes it current. */
  const commit = (
    entry: StoredStore,
    change: {
      path: string;
      op: MemoryOp;
      previous_path?: string;
      content: string | null;
      sha256?: string;
      actor: string;
      time: number;
    },
  ): MemoryVersion => {
    const number = entry.versions.length + 1;
    const version: MemoryVersion = {
      id: `memv_${entry.store.id.slice(4)}_${String(number).padStart(4, "0")}`,
      store_id: entry.store.id,
      path: change.path,
      op: change.op,
      bytes: change.content === null ? 0 : utf8Bytes(change.content),
      actor: change.actor,
      time_ms: change.time,
      redacted: false,
    };
    if (change.previous_path !== undefined) version.previous_path = change.previous_path;
    if (change.sha256 !== undefined) version.sha256 = change.sha256;
    entry.versions.push({ version, content: change.content });
    if (change.previous_path !== undefined) entry.files.delete(change.previous_path);
    if (change.content === null || change.sha256 === undefined) {
      entry.files.delete(change.path);
    } else {
      entry.files.set(change.path, {
        content: change.content,
        sha256: change.sha256,
        version_id: version.id,
        updated_at: change.time,
      });
    }
    entry.store.updated_at = change.time;
    return version;
  };

  const currentVersion = (entry: StoredStore, path: string): MemoryVersion => {
    const id = fileOf(entry, path).version_id;
    return findVersion(id).stored.version;
  };

  /** A write as `actor`: checked, then a new version unless nothing changes. */
  const write = async (id: string, raw: MemoryWrite, actor: string, time: number | null): Promise<MemoryVersion> => {
    const sha256 = await sha256Hex(raw.content);
    const entry = find(id);
    const problem = pathProblem(raw.path);
    if (problem) throw invalid("path", problem);
    const input = { ...raw, path: normalizePath(raw.path) };
    const bad = contentProblem(input.content);
    if (bad) throw invalid("content", bad);
    checkExpected(entry, input.path, input.expected_sha256);
    const existing = entry.files.get(input.path);
    if (existing?.sha256 === sha256) return currentVersion(entry, input.path);
    checkRoom(entry, input.path, input.content);
    return commit(entry, {
      path: input.path,
      op: existing ? "update" : "create",
      content: input.content,
      sha256,
      actor,
      time: time ?? deps.now(),
    });
  };

  const removeFile = (
    id: string,
    path: string,
    expected: string | null,
    actor: string,
    time: number | null,
  ): MemoryVersion => {
    const entry = find(id);
    fileOf(entry, path);
    checkExpected(entry, path, expected);
    return commit(entry, { path, op: "delete", content: null, actor, time: time ?? deps.now() });
  };

  const rename = (
    id: string,
    path: string,
    rawNewPath: string,
    expected: string | null,
    actor: string,
    time: number | null,
  ): MemoryVersion => {
    const entry = find(id);
    const file = fileOf(entry, path);
    const problem = pathProblem(rawNewPath);
    if (problem) throw invalid("new_path", problem);
    const newPath = normalizePath(rawNewPath);
    checkExpected(entry, path, expected);
    if (newPath === path) throw invalid("new_path", "The new path is the same as the old one.");
    if (entry.files.has(newPath)) {
      throw {
        code: "conflict",
        field: "new_path",
        message: `There is already a file ${newPath}. Choose another name.`,
      } satisfies AppError;
    }
    return commit(entry, {
      path: newPath,
      op: "rename",
      previous_path: path,
      content: file.content,
      sha256: file.sha256,
      actor,
      time: time ?? deps.now(),
    });
  };

  const create = (input: MemoryStoreInput, time: number): MemoryStore => {
    const errors = validateStoreInput(input);
    if (errors.name) throw invalid("name", errors.name);
    if (errors.description) throw invalid("description", errors.description);
    const name = input.name.trim();
    const clash = stores.find((s) => s.store.name.toLowerCase() === name.toLowerCase());
    if (clash) {
      throw {
        code: "conflict",
        field: "name",
        message: `A memory store named “${clash.store.name}” already exists. Choose another name.`,
      } satisfies AppError;
    }
    const entry: StoredStore = {
      store: {
        id: `mem_${String(nextStore++).padStart(4, "0")}`,
        name,
        description: input.description.trim(),
        created_at: time,
        updated_at: time,
      },
      files: new Map(),
      versions: [],
      conflicts: [],
      problems: [],
    };
    stores.push(entry);
    return summary(entry);
  };

  const folderFiles = (folder: string): Map<string, string> => {
    const trimmed = folder.trim();
    if (trimmed === "" || trimmed.includes("missing")) {
      throw invalid("folder", `The folder ${trimmed} does not exist. Choose an existing folder.`);
    }
    let files = folders.get(trimmed);
    if (!files) {
      files = new Map();
      folders.set(trimmed, files);
    }
    return files;
  };

  return {
    /** Whether a store exists (agents check their mounts). */
    exists: (id: string): boolean => stores.some((s) => s.store.id === id),
    nameOf: (id: string): string | undefined => stores.find((s) => s.store.id === id)?.store.name,

    list: (): MemoryStore[] => stores.map(summary),

    create: (input: MemoryStoreInput): MemoryStore => create(input, deps.now()),

    remove(id: string): void {
      stores.splice(stores.indexOf(find(id)), 1);
      deps.onStoreDeleted?.(id);
    },

    /** Plays a demo store's past (the store must have been created with `create`). */
    async seed(name: string, steps: readonly SeedMemoryStep[]): Promise<void> {
      const entry = stores.find((s) => s.store.name === name);
      if (!entry) throw new Error(`seed: no memory store named ${name}`);
      const id = entry.store.id;
      for (const step of steps) {
        const time = deps.now() - ("agoMs" in step ? step.agoMs : 0);
        switch (step.type) {
          case "write":
            await write(id, { path: step.path, content: step.content }, step.actor, time);
            break;
          case "rename":
            rename(id, step.path, step.to, null, step.actor, time);
            break;
          case "delete":
            removeFile(id, step.path, null, step.actor, time);
            break;
          case "redact": {
            const touched = entry.versions.filter(
              (v) => v.version.path === step.path || v.version.previous_path === step.path,
            );
            const stored = touched[step.version - 1];
            if (!stored) throw new Error(`seed: ${step.path} has no version ${step.version}`);
            stored.version.redacted = true;
            stored.content = null;
            break;
          }
          case "conflict":
            entry.conflicts.push({ path: step.path, theirs: step.theirs, detected_at: time });
            break;
          case "problem":
            entry.problems.push({ path: step.path, problem: step.problem, detected_at: time });
            break;
          case "access": {
            const record: MemoryAccessRecord = {
              session_id: step.session,
              thread_id: step.thread,
              store_id: id,
              store_name: entry.store.name,
              kind: step.kind,
              time_ms: time,
            };
            if (step.path !== undefined) record.path = step.path;
            if (step.query !== undefined) record.query = step.query;
            access.push(record);
            break;
          }
        }
      }
    },

    files(id: string): MemoryFile[] {
      const entry = find(id);
      return [...entry.files.entries()]
        .map(([path, file]) => ({
          path,
          description: describeFile(file.content),
          sha256: file.sha256,
          bytes: utf8Bytes(file.content),
          version_id: file.version_id,
          updated_at: file.updated_at,
        }))
        .sort((a, b) => a.path.localeCompare(b.path));
    },

    read(id: string, path: string): MemoryFileContent {
      const file = fileOf(find(id), path);
      return {
        path,
        content: file.content,
        sha256: file.sha256,
        version_id: file.version_id,
        updated_at: file.updated_at,
      };
    },

    write: (id: string, input: MemoryWrite) => write(id, input, "user", null),
    deleteFile: (id: string, path: string, expected: string | null) => removeFile(id, path, expected, "user", null),
    rename: (id: string, path: string, newPath: string, expected: string | null) =>
      rename(id, path, newPath, expected, "user", null),

    history(id: string, path: string): MemoryVersion[] {
      return find(id)
        .versions.filter((v) => v.version.path === path || v.version.previous_path === path)
        .map((v) => v.version)
        .reverse();
    },

    version(id: string): MemoryVersionContent {
      const { stored } = findVersion(id);
      return stored.content === null
        ? { version: stored.version }
        : { version: stored.version, content: stored.content };
    },

    diff(from: string | null, to: string | null): DiffHunk[] {
      const text = (id: string | null): string => {
        if (id === null) return "";
        const { stored } = findVersion(id);
        if (stored.version.redacted) {
          throw invalid("version", "That version was redacted: its content is gone, so it can't be compared.");
        }
        return stored.content ?? "";
      };
      return diffLines(text(from), text(to));
    },

    async revert(id: string, expected: string | null): Promise<MemoryVersion> {
      const { entry, stored } = findVersion(id);
      const { version } = stored;
      if (version.redacted) throw invalid("version", "That version was redacted, so there is nothing to go back to.");
      // A delete version is reverted by deleting the file (which must exist).
      if (stored.content === null) return removeFile(entry.store.id, version.path, expected, "user", null);
      return write(
        entry.store.id,
        { path: version.path, content: stored.content, ...(expected ? { expected_sha256: expected } : {}) },
        "user",
        null,
      );
    },

    redact(id: string): MemoryVersion {
      const { entry, stored } = findVersion(id);
      const { version } = stored;
      if (entry.files.get(version.path)?.version_id === id) {
        throw {
          code: "conflict",
          field: "version",
          message: "This is the file's current content. Edit or delete the file first, then redact this version.",
        } satisfies AppError;
      }
      if (version.op === "delete") {
        throw { code: "invalid_input", message: "A delete has no content to redact." } satisfies AppError;
      }
      version.redacted = true;
      stored.content = null;
      return version;
    },

    search(id: string, query: string): MemorySearchHit[] {
      const entry = find(id);
      return searchFiles(
        [...entry.files.entries()].map(([path, file]) => ({ path, content: file.content })),
        query,
      );
    },

    fileSessions(id: string, path: string): MemoryAccessRecord[] {
      find(id);
      return access.filter((r) => r.store_id === id && r.path === path).sort((a, b) => b.time_ms - a.time_ms);
    },

    sessionMemory(sessionId: string): MemoryAccessRecord[] {
      return access.filter((r) => r.session_id === sessionId).sort((a, b) => a.time_ms - b.time_ms);
    },

    /**
     * Makes every change or none, as one actor at one time: each change's file must still have
     * the sha256 it was read with (`null`: must not exist), or nothing is written (`conflict`).
     */
    async applyAll(
      id: string,
      changes: ReadonlyArray<{ change: StoreChange; expected: string | null }>,
      actor: string,
    ): Promise<MemoryVersion[]> {
      const shas = await Promise.all(
        changes.map(({ change }) => (change.type === "write" ? sha256Hex(change.content) : "")),
      );
      const entry = find(id);
      for (const { change, expected } of changes) {
        const path = change.type === "rename" ? change.from : change.path;
        if ((entry.files.get(path)?.sha256 ?? null) !== expected) {
          throw {
            code: "conflict",
            field: "expected_sha256",
            message: `${path} changed while the changes were being written. Nothing was written; try again.`,
          } satisfies AppError;
        }
        const problem =
          change.type === "write"
            ? (pathProblem(change.path) ?? contentProblem(change.content))
            : change.type === "rename"
              ? pathProblem(change.to)
              : null;
        if (problem) throw invalid("path", `${path}: ${problem}`);
        if (change.type === "write") checkRoom(entry, change.path, change.content);
        if (change.type === "rename" && entry.files.has(change.to)) {
          throw {
            code: "conflict",
            field: "new_path",
            message: `There is already a file ${change.to}.`,
          } satisfies AppError;
        }
      }
      const time = deps.now();
      const versions: MemoryVersion[] = [];
      changes.forEach(({ change }, i) => {
        switch (change.type) {
          case "write": {
            const existing = entry.files.get(change.path);
            if (existing?.sha256 === shas[i]) return;
            versions.push(
              commit(entry, {
                path: change.path,
                op: existing ? "update" : "create",
                content: change.content,
                sha256: shas[i]!,
                actor,
                time,
              }),
            );
            return;
          }
          case "delete":
            versions.push(commit(entry, { path: change.path, op: "delete", content: null, actor, time }));
            return;
          case "rename": {
            const file = fileOf(entry, change.from);
            versions.push(
              commit(entry, {
                path: change.to,
                op: "rename",
                previous_path: change.from,
                content: file.content,
                sha256: file.sha256,
                actor,
                time,
              }),
            );
            return;
          }
        }
      });
      return versions;
    },

    exportStore(id: string, folder: string): number {
      const entry = find(id);
      const files = folderFiles(folder);
      for (const [path, file] of entry.files) files.set(path, file.content);
      return entry.files.size;
    },

    conflicts(id: string): MemoryConflict[] {
      const entry = find(id);
      return entry.conflicts.map(({ path, theirs, detected_at }) => ({
        store_id: id,
        path,
        ours_sha256: entry.files.get(path)?.sha256 ?? null,
        theirs,
        detected_at,
      }));
    },

    /** Reverie's current text against the disk's, like the core's `memory_conflict_diff`. */
    conflictDiff(id: string, path: string): DiffHunk[] {
      const entry = find(id);
      const conflict = entry.conflicts.find((c) => c.path === path);
      if (!conflict) throw { code: "not_found", message: `${path} is no longer in conflict.` } satisfies AppError;
      return diffLines(entry.files.get(path)?.content ?? "", conflict.theirs ?? "");
    },

    problems(id: string): MemoryProblem[] {
      return find(id).problems.map(({ path, problem, detected_at }) => ({ store_id: id, path, problem, detected_at }));
    },

    /**
     * Ends a conflict: `keepOurs` only forgets it (the core rewrites the disk file from Reverie's
     * content); otherwise the disk's content becomes a new version by `external`, or the file is
     * deleted by `external` when the disk no longer has it.
     */
    async resolveConflict(id: string, path: string, keepOurs: boolean): Promise<void> {
      const entry = find(id);
      const conflict = entry.conflicts.find((c) => c.path === path);
      if (!conflict) {
        throw {
          code: "not_found",
          message: `There is no conflict on ${path} in the store “${entry.store.name}”.`,
        } satisfies AppError;
      }
      if (!keepOurs) {
        if (conflict.theirs !== null) await write(id, { path, content: conflict.theirs }, "external", null);
        else if (entry.files.has(path)) removeFile(id, path, null, "external", null);
      }
      entry.conflicts.splice(entry.conflicts.indexOf(conflict), 1);
    },

    async importStore(id: string, folder: string): Promise<number> {
      find(id);
      const found = [...folderFiles(folder).entries()]
        .filter(([path]) => path.endsWith(".md"))
        .sort(([a], [b]) => a.localeCompare(b));
      // Every file is checked before the first is written.
      for (const [path, content] of found) {
        const problem = pathProblem(path) ?? contentProblem(content);
        if (problem) throw invalid("folder", `${path} can't be imported: ${problem}`);
      }
      for (const [path, content] of found) await write(id, { path, content }, "user", null);
      return found.length;
    },
  };
}

export type MemoryStores = ReturnType<typeof createMemoryStores>;
