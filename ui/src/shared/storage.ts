/** The bits of `Storage` the UI uses; localStorage in the app, a fake in tests. */
export type KeyValueStore = Pick<Storage, "getItem" | "setItem">;

/** localStorage, or null where it is unavailable (it can throw when disabled). */
export function browserStorage(): KeyValueStore | null {
  try {
    return typeof window !== "undefined" && window.localStorage ? window.localStorage : null;
  } catch {
    return null;
  }
}

export function readItem(store: KeyValueStore | null, key: string): string | null {
  try {
    return store?.getItem(key) ?? null;
  } catch {
    return null;
  }
}

export function writeItem(store: KeyValueStore | null, key: string, value: string): void {
  try {
    store?.setItem(key, value);
  } catch {
    // Storage full or disabled: the preference lasts for this run only.
  }
}
