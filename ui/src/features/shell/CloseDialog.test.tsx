import { act, screen, waitFor } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import type { CloseChoice, CloseRequest } from "../../bindings";
import type { Backend } from "../../ipc";
import { engineEachTest } from "../../test/engine";
import { renderApp } from "../../test/renderApp";
import { workSummary } from "./CloseDialog";

const engine = engineEachTest();

/** The app with a window the test can "close": what the shell sends, and what the UI answered. */
async function withWindow() {
  let close: ((request: CloseRequest) => void) | null = null;
  const answers: CloseChoice[] = [];
  // Close requests come from the app window, which the dev server has none of: the test plays it.
  const backend: Backend = {
    ...engine().backend,
    watchCloseRequests: async (onRequest) => {
      close = onRequest;
      return () => {
        close = null;
      };
    },
    answerCloseRequest: async (choice) => {
      answers.push(choice);
    },
  };
  const view = renderApp({ backend });
  await waitFor(() => expect(close).not.toBeNull());
  const requestClose = (request: CloseRequest) => act(() => close!(request));
  return { ...view, requestClose, answers };
}

describe("Closing the window while work is in progress", () => {
  it("asks, with the safe choice focused, and Escape keeps the window", async () => {
    const { user, requestClose, answers } = await withWindow();
    const dialog = screen.getByTestId("close-dialog") as HTMLDialogElement;
    expect(dialog.open).toBe(false);

    const runs = screen.getByTestId("nav-runs");
    runs.focus();
    requestClose({ runs: 2, dreams: 1, can_hide: true });
    expect(dialog.open).toBe(true);
    expect(document.querySelector(".app")!.hasAttribute("inert")).toBe(true);
    expect(screen.getByRole("heading", { name: "2 runs and a dream are still working" })).toBeTruthy();
    expect(dialog.getAttribute("aria-labelledby")).toBe("close-dialog-title");
    expect(document.activeElement).toBe(screen.getByTestId("close-background"));
    expect(screen.getByTestId("close-quit").textContent).toBe("Stop and quit");

    await user.keyboard("{Escape}");
    await waitFor(() => expect(dialog.open).toBe(false));
    expect(answers).toEqual([]);
    expect(document.querySelector(".app")!.hasAttribute("inert")).toBe(false);
    expect(document.activeElement).toBe(runs);
  });

  it("sends the choice: keep working in the background, or stop and quit", async () => {
    const { user, requestClose, answers } = await withWindow();
    const dialog = screen.getByTestId("close-dialog") as HTMLDialogElement;

    requestClose({ runs: 1, dreams: 0, can_hide: true });
    await user.click(screen.getByRole("button", { name: "Keep working in the background" }));
    await waitFor(() => expect(dialog.open).toBe(false));

    requestClose({ runs: 1, dreams: 0, can_hide: true });
    expect(screen.getByRole("heading", { name: "A run is still working" })).toBeTruthy();
    await user.click(screen.getByRole("button", { name: "Stop and quit" }));
    await waitFor(() => expect(dialog.open).toBe(false));
    expect(answers).toEqual(["background", "quit"]);
  });

  it("offers no background without a tray, and Cancel keeps the window", async () => {
    const { user, requestClose, answers } = await withWindow();
    const dialog = screen.getByTestId("close-dialog") as HTMLDialogElement;
    requestClose({ runs: 0, dreams: 1, can_hide: false });
    expect(screen.queryByTestId("close-background")).toBeNull();
    expect(screen.getByTestId("close-dialog").textContent).toContain("no tray icon");
    expect(document.activeElement).toBe(screen.getByTestId("close-cancel"));
    await user.click(screen.getByRole("button", { name: "Cancel" }));
    await waitFor(() => expect(dialog.open).toBe(false));
    expect(answers).toEqual([]);
  });

  it("names what is working", () => {
    expect(workSummary({ runs: 1, dreams: 0, can_hide: true })).toBe("A run");
    expect(workSummary({ runs: 3, dreams: 2, can_hide: true })).toBe("3 runs and 2 dreams");
    expect(workSummary({ runs: 0, dreams: 1, can_hide: false })).toBe("A dream");
  });
});
