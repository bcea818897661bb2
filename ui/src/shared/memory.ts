import type { MemoryAccess, MemoryAccessKind, MemoryOp, MemoryStoreInput } from "../bindings";
import { charCount } from "./agents";
import { utf8Bytes } from "./runs";
import { LIMITS } from "../bindings/api/limits";

/** The limits the core applies to memory (`engine::memory`). */
export const STORE_NAME_MAX_CHARS = LIMITS.memory.storeNameMaxChars;
export const STORE_DESCRIPTION_MAX_CHARS = LIMITS.memory.storeDescriptionMaxChars;
export const PATH_MAX_BYTES = LIMITS.memory.pathMaxBytes;
export const FILE_MAX_BYTES = LIMITS.memory.fileMaxBytes;
export const STORE_MAX_FILES = LIMITS.memory.storeMaxFiles;
export const STORE_MAX_BYTES = LIMITS.memory.storeMaxBytes;

export type StoreField = "name" | "description";
export type StoreFieldErrors = { [K in StoreField]?: string | undefined };
export const STORE_FIELDS: readonly StoreField[] = ["name", "description"];

export function isStoreField(value: string): value is StoreField {
  return (STORE_FIELDS as readonly string[]).includes(value);
}

// ASCII only: a store is also a folder, and a path a file, in the store's mirror on disk.
const STORE_NAME = /^[A-Za-z0-9 _.-]+$/;

export function validateStoreInput(input: MemoryStoreInput): StoreFieldErrors {
  const errors: StoreFieldErrors = {};
  const name = input.name.trim();
  if (name === "") {
    errors.name = "Give the store a name.";
  } else if (charCount(name) > STORE_NAME_MAX_CHARS) {
    errors.name = `Keep the name to ${STORE_NAME_MAX_CHARS} characters or fewer.`;
  } else if (!STORE_NAME.test(name) || name.startsWith(".")) {
    errors.name =
      "Use letters, digits, spaces and - _ . in the name (it is also a folder name), not starting with a dot.";
  }
  const description = input.description.trim();
  if (charCount(description) > STORE_DESCRIPTION_MAX_CHARS) {
    errors.description = `Keep the description to ${STORE_DESCRIPTION_MAX_CHARS} characters.`;
  } else if (/\p{Cc}/u.test(description)) {
    errors.description = "The description is one line, without control characters.";
  }
  return errors;
}

/** What a memory path may be, said once for every error about one. */
export const PATH_RULE =
  "A memory path is like notes/release.md: folder and file names of letters, digits, spaces and - _ . separated by /, ending in .md, at most 200 bytes.";

/** A path as the core takes it: trimmed, without a leading "./". */
export function normalizePath(path: string): string {
  return path.trim().replace(/^(\.\/)+/, "");
}

const SEGMENT = /^[A-Za-z0-9 _.-]+$/;

/** Why the core would refuse `path` (once normalized), or null when it is a good memory path. */
export function pathProblem(raw: string): string | null {
  const path = normalizePath(raw);
  if (path === "") return `Enter a path. ${PATH_RULE}`;
  if (utf8Bytes(path) > PATH_MAX_BYTES) return `This path is ${utf8Bytes(path)} bytes, too long. ${PATH_RULE}`;
  if (path.startsWith("/")) return `Use a path inside the store, without a leading /. ${PATH_RULE}`;
  const segments = path.split("/");
  for (const segment of segments) {
    if (segment === "") return `A path has no empty folder names (//, or / at the end). ${PATH_RULE}`;
    if (segment === ".." || segment === ".") return `A path can't use . or .. to move between folders. ${PATH_RULE}`;
    if (segment.startsWith(".")) return `Names can't start with a dot. ${PATH_RULE}`;
    if (!SEGMENT.test(segment)) return `“${segment}” has a character a memory path can't use. ${PATH_RULE}`;
  }
  if (!path.endsWith(".md")) return `Memory files are Markdown. ${PATH_RULE}`;
  return null;
}

/** Why the core would refuse `content`, or null. */
export function contentProblem(content: string): string | null {
  const bytes = utf8Bytes(content);
  if (bytes > FILE_MAX_BYTES) {
    return `This file is ${bytes.toLocaleString("en-US")} bytes; a memory file holds at most ${FILE_MAX_BYTES.toLocaleString("en-US")}. Split it into smaller files.`;
  }
  // The rule is wrong here: finding control characters is what this expression is for.
  // eslint-disable-next-line no-control-regex
  const control = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.exec(content);
  if (control) {
    const line = content.slice(0, control.index).split("\n").length;
    const code = control[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, "0");
    return `Line ${line} has a control character (U+${code}). Remove it: memory files are text, with line breaks and tabs only.`;
  }
  return null;
}

export const ACCESS_LABELS: Record<MemoryAccess | "off", string> = {
  off: "Off",
  read_only: "Read only",
  read_write: "Read & write",
};

export const ACCESS_KIND_LABELS: Record<MemoryAccessKind, string> = {
  listed: "Listed",
  searched: "Searched",
  read: "Read",
  written: "Wrote",
};

export const OP_LABELS: Record<MemoryOp, string> = {
  create: "Created",
  update: "Edited",
  delete: "Deleted",
  rename: "Renamed",
};

/** "1 file", "12 files". */
export function fileCount(n: number): string {
  return n === 1 ? "1 file" : `${n.toLocaleString("en-US")} files`;
}
