import { describe, expect, it } from "vitest";
import type { Notice } from "../../bindings";
import { DISMISSED_NOTICES_KEY, dismissNotice, readDismissed, visibleNotices } from "./notices";

const notice = (id: string): Notice => ({ id, level: "info", title: id, detail: "" });

function fakeStore(initial: Record<string, string> = {}) {
  const data = new Map(Object.entries(initial));
  return {
    data,
    getItem: (key: string) => data.get(key) ?? null,
    setItem: (key: string, value: string) => void data.set(key, value),
  };
}

describe("notice dismissal", () => {
  it("hides dismissed notices and remembers them by id", () => {
    const store = fakeStore();
    let dismissed = readDismissed(store);
    expect(visibleNotices([notice("a"), notice("b")], dismissed).map((n) => n.id)).toEqual(["a", "b"]);

    dismissed = dismissNotice(store, dismissed, "a");
    expect(visibleNotices([notice("a"), notice("b")], dismissed).map((n) => n.id)).toEqual(["b"]);

    // A later run reads the same ids back.
    expect(JSON.parse(store.data.get(DISMISSED_NOTICES_KEY) ?? "[]")).toEqual(["a"]);
    expect(visibleNotices([notice("a"), notice("c")], readDismissed(store)).map((n) => n.id)).toEqual(["c"]);
  });

  it("does not change the set it was given", () => {
    const before = new Set<string>();
    dismissNotice(fakeStore(), before, "x");
    expect(before.size).toBe(0);
  });

  it("ignores garbage in storage", () => {
    expect(readDismissed(fakeStore({ [DISMISSED_NOTICES_KEY]: "{not json" })).size).toBe(0);
    expect(readDismissed(fakeStore({ [DISMISSED_NOTICES_KEY]: '{"a":1}' })).size).toBe(0);
    expect([...readDismissed(fakeStore({ [DISMISSED_NOTICES_KEY]: '["a",2,null]' }))]).toEqual(["a"]);
  });
});
