import { describe, expect, it } from "vitest";
import {
  applyTheme,
  parseThemeChoice,
  readThemeChoice,
  resolveTheme,
  THEME_STORAGE_KEY,
  writeThemeChoice,
} from "./theme";

function fakeStore(initial: Record<string, string> = {}) {
  const data = new Map(Object.entries(initial));
  return {
    data,
    getItem: (key: string) => data.get(key) ?? null,
    setItem: (key: string, value: string) => void data.set(key, value),
  };
}

describe("theme", () => {
  it("resolves System from the system preference and the others as they are", () => {
    expect(resolveTheme("system", true)).toBe("dark");
    expect(resolveTheme("system", false)).toBe("light");
    expect(resolveTheme("light", true)).toBe("light");
    expect(resolveTheme("dark", false)).toBe("dark");
  });

  it("falls back to System for missing or unknown stored values", () => {
    expect(parseThemeChoice(null)).toBe("system");
    expect(parseThemeChoice("sepia")).toBe("system");
    expect(parseThemeChoice("dark")).toBe("dark");
  });

  it("round-trips the choice through storage", () => {
    const store = fakeStore();
    expect(readThemeChoice(store)).toBe("system");
    writeThemeChoice(store, "light");
    expect(store.data.get(THEME_STORAGE_KEY)).toBe("light");
    expect(readThemeChoice(store)).toBe("light");
  });

  it("survives a storage that throws", () => {
    const broken = {
      getItem: () => {
        throw new Error("denied");
      },
      setItem: () => {
        throw new Error("denied");
      },
    };
    expect(readThemeChoice(broken)).toBe("system");
    expect(() => writeThemeChoice(broken, "dark")).not.toThrow();
  });

  it("sets data-theme on the root element", () => {
    const root = document.createElement("html");
    applyTheme(root, "dark");
    expect(root.getAttribute("data-theme")).toBe("dark");
  });
});
