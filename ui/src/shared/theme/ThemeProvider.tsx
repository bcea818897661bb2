import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import { browserStorage } from "../storage";
import {
  applyTheme,
  DARK_QUERY,
  readThemeChoice,
  resolveTheme,
  systemPrefersDark,
  writeThemeChoice,
  type ResolvedTheme,
  type ThemeChoice,
} from "./theme";

interface ThemeState {
  choice: ThemeChoice;
  resolved: ResolvedTheme;
  setChoice(choice: ThemeChoice): void;
}

const ThemeContext = createContext<ThemeState | null>(null);

export function ThemeProvider({ children }: { children: ReactNode }) {
  const [choice, setChoiceState] = useState<ThemeChoice>(() => readThemeChoice(browserStorage()));
  const [systemDark, setSystemDark] = useState(systemPrefersDark);

  // Follow the system setting live; only matters while the choice is "system".
  useEffect(() => {
    if (typeof window.matchMedia !== "function") return;
    const query = window.matchMedia(DARK_QUERY);
    const onChange = () => setSystemDark(query.matches);
    onChange();
    query.addEventListener("change", onChange);
    return () => query.removeEventListener("change", onChange);
  }, []);

  const resolved = resolveTheme(choice, systemDark);
  useEffect(() => applyTheme(document.documentElement, resolved), [resolved]);

  const setChoice = useCallback((next: ThemeChoice) => {
    writeThemeChoice(browserStorage(), next);
    setChoiceState(next);
  }, []);

  const value = useMemo(() => ({ choice, resolved, setChoice }), [choice, resolved, setChoice]);
  return <ThemeContext.Provider value={value}>{children}</ThemeContext.Provider>;
}

export function useTheme(): ThemeState {
  const state = useContext(ThemeContext);
  if (!state) throw new Error("useTheme must be used inside <ThemeProvider>");
  return state;
}
