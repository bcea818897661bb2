import type { Notice } from "../../bindings";
import { readItem, writeItem, type KeyValueStore } from "../../shared/storage";

export const DISMISSED_NOTICES_KEY = "reverie.dismissedNotices";

/** Ids of the notices the user closed, remembered across runs. */
export function readDismissed(store: KeyValueStore | null): Set<string> {
  const raw = readItem(store, DISMISSED_NOTICES_KEY);
  if (!raw) return new Set();
  try {
    const parsed: unknown = JSON.parse(raw);
    return new Set(Array.isArray(parsed) ? parsed.filter((id): id is string => typeof id === "string") : []);
  } catch {
    return new Set();
  }
}

export function dismissNotice(store: KeyValueStore | null, dismissed: Set<string>, id: string): Set<string> {
  const next = new Set(dismissed).add(id);
  writeItem(store, DISMISSED_NOTICES_KEY, JSON.stringify([...next]));
  return next;
}

export function visibleNotices(notices: readonly Notice[], dismissed: ReadonlySet<string>): Notice[] {
  return notices.filter((notice) => !dismissed.has(notice.id));
}
