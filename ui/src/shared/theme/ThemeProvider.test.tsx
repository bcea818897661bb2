import { act, render } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ThemeProvider, useTheme } from "./ThemeProvider";

/** A matchMedia whose answer the test can flip, like a user changing the desktop theme. */
function fakeSystemTheme(dark: boolean) {
  const listeners = new Set<() => void>();
  const query = {
    get matches() {
      return dark;
    },
    addEventListener: (_: string, listener: () => void) => listeners.add(listener),
    removeEventListener: (_: string, listener: () => void) => listeners.delete(listener),
  };
  vi.stubGlobal("matchMedia", () => query);
  return {
    set(next: boolean) {
      dark = next;
      listeners.forEach((listener) => listener());
    },
  };
}

function Probe() {
  const { choice, resolved } = useTheme();
  return <span data-testid="probe">{`${choice}:${resolved}`}</span>;
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("ThemeProvider", () => {
  it("follows the system theme live while the choice is System", () => {
    const system = fakeSystemTheme(false);
    const view = render(
      <ThemeProvider>
        <Probe />
      </ThemeProvider>,
    );
    expect(document.documentElement.dataset.theme).toBe("light");
    act(() => system.set(true));
    expect(document.documentElement.dataset.theme).toBe("dark");
    expect(view.getByTestId("probe").textContent).toBe("system:dark");
  });

  it("ignores the system once the user picked a theme", () => {
    localStorage.setItem("reverie.theme", "light");
    const system = fakeSystemTheme(true);
    render(
      <ThemeProvider>
        <Probe />
      </ThemeProvider>,
    );
    expect(document.documentElement.dataset.theme).toBe("light");
    act(() => system.set(false));
    act(() => system.set(true));
    expect(document.documentElement.dataset.theme).toBe("light");
  });
});
