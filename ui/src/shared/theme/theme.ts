import { readItem, writeItem, type KeyValueStore } from "../storage";

export type ThemeChoice = "system" | "light" | "dark";
export type ResolvedTheme = "light" | "dark";

export const THEME_CHOICES: readonly ThemeChoice[] = ["system", "light", "dark"];
export const THEME_STORAGE_KEY = "reverie.theme";
export const DARK_QUERY = "(prefers-color-scheme: dark)";

export function parseThemeChoice(value: string | null): ThemeChoice {
  return THEME_CHOICES.find((choice) => choice === value) ?? "system";
}

export function resolveTheme(choice: ThemeChoice, systemPrefersDark: boolean): ResolvedTheme {
  if (choice === "system") return systemPrefersDark ? "dark" : "light";
  return choice;
}

export function readThemeChoice(store: KeyValueStore | null): ThemeChoice {
  return parseThemeChoice(readItem(store, THEME_STORAGE_KEY));
}

export function writeThemeChoice(store: KeyValueStore | null, choice: ThemeChoice): void {
  writeItem(store, THEME_STORAGE_KEY, choice);
}

export function systemPrefersDark(): boolean {
  return typeof window !== "undefined" && typeof window.matchMedia === "function"
    ? window.matchMedia(DARK_QUERY).matches
    : false;
}

/** The stylesheet keys `color-scheme`, and so its light-dark() colours, off `<html data-theme="light|dark">`. */
export function applyTheme(root: HTMLElement, theme: ResolvedTheme): void {
  root.dataset.theme = theme;
}
