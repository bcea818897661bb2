import type { MemoryVersion } from "../../bindings";

/** Who wrote a version, as the UI says it. */
export type ActorLabel =
  | { kind: "user"; label: string }
  | { kind: "external"; label: string }
  | { kind: "session"; label: string; sessionId: string; threadId: string | null }
  | { kind: "dream"; label: string; dreamId: string }
  | { kind: "other"; label: string };

/** A long id (`ses_01a21dd0918b…5633e9`) cut to its prefix and last characters; short ones as they are. */
export function shortId(id: string): string {
  const match = /^([a-z]+_)([0-9a-z]{13,})$/i.exec(id);
  if (!match) return id;
  const [, prefix = "", rest = ""] = match;
  return `${prefix}…${rest.slice(-6)}`;
}

/** `user` → "you", `external` → "external editor", `session:<id>/thread:<id>` → "session ses_… (thread …)". */
export function actorLabel(actor: string): ActorLabel {
  if (actor === "user") return { kind: "user", label: "you" };
  if (actor === "external") return { kind: "external", label: "external editor" };
  const session = /^session:([^/]+)(?:\/thread:(.+))?$/.exec(actor);
  if (session) {
    const [, sessionId = "", threadId] = session;
    return {
      kind: "session",
      label: threadId ? `session ${shortId(sessionId)} (thread ${shortId(threadId)})` : `session ${shortId(sessionId)}`,
      sessionId,
      threadId: threadId ?? null,
    };
  }
  const dream = /^dream:(.+)$/.exec(actor);
  if (dream) return { kind: "dream", label: `dream ${shortId(dream[1] ?? "")}`, dreamId: dream[1] ?? "" };
  return { kind: "other", label: actor };
}

/** "v1" for a file's oldest version up to "vN" for its newest (`versions` newest first). */
export function versionNumbers(versions: readonly MemoryVersion[]): Map<string, number> {
  return new Map(versions.map((v, i) => [v.id, versions.length - i]));
}

/** Two versions to compare: `from` is the older (null: an empty file), `to` the newer. */
export interface Comparison {
  from: string | null;
  to: string;
}

/** The version before `id` in the file's history (`versions` newest first), or null at the oldest. */
export function versionBefore(versions: readonly MemoryVersion[], id: string): string | null {
  const index = versions.findIndex((v) => v.id === id);
  return index === -1 ? null : (versions[index + 1]?.id ?? null);
}

/**
 * What the diff shows for a selected version and the one picked to compare it with (`base`:
 * a version id, null for an empty file, undefined for the default, the version before). The
 * older of the two is always `from`, so the diff reads forward in time.
 */
export function comparison(versions: readonly MemoryVersion[], selected: string, base?: string | null): Comparison {
  const other = base === undefined || base === selected ? versionBefore(versions, selected) : base;
  if (other === null) return { from: null, to: selected };
  const at = (id: string) => versions.findIndex((v) => v.id === id);
  // Newest first: a larger index is older.
  return at(other) > at(selected) ? { from: other, to: selected } : { from: selected, to: other };
}

/** A version whose content can't be compared any more. */
export function redactedIn(versions: readonly MemoryVersion[], pair: Comparison): MemoryVersion | null {
  return versions.find((v) => v.redacted && (v.id === pair.from || v.id === pair.to)) ?? null;
}
