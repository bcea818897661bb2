import { screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import type { AppStatus, Notice } from "../../bindings";
import type { Backend } from "../../ipc";
import { engineEachTest } from "../../test/engine";
import { renderApp } from "../../test/renderApp";

const engine = engineEachTest();

/** The engine's backend, its start-up status (a shell command) changed as the test says. */
function withStatus(status: Partial<AppStatus>): Backend {
  const { backend } = engine();
  return { ...backend, appStatus: async () => ({ ...(await backend.appStatus()), ...status }) };
}

const notices: Notice[] = [
  { id: "n1", level: "warning", title: "Logs are not being written", detail: "The log folder is read-only." },
  { id: "n2", level: "info", title: "Data moved", detail: "Nothing was lost." },
];

describe("Notices", () => {
  it("shows notices from app_status and remembers dismissals across runs", async () => {
    const first = renderApp({ backend: withStatus({ notices }) });
    expect(await screen.findAllByTestId("notice")).toHaveLength(2);
    await first.user.click(screen.getByRole("button", { name: "Dismiss “Logs are not being written”" }));
    expect(screen.getAllByTestId("notice").map((n) => n.getAttribute("data-notice-id"))).toEqual(["n2"]);
    first.unmount();

    renderApp({ backend: withStatus({ notices }) });
    const again = await screen.findAllByTestId("notice");
    expect(again.map((n) => n.getAttribute("data-notice-id"))).toEqual(["n2"]);
  });

  it("warns, without a way to dismiss, when keys live in memory only", async () => {
    renderApp({ backend: withStatus({ secret_backend: "memory_only" }) });
    const warning = await screen.findByTestId("secrets-warning");
    expect(warning.textContent).toBe(
      "No keychain is available on this system. API keys are kept in memory only and will be forgotten when Reverie quits.",
    );
    expect(warning.querySelector("button")).toBeNull();
  });

  it("shows no warning with a real keychain", async () => {
    renderApp({ backend: withStatus({ secret_backend: "secret_service" }) });
    await screen.findByTestId("empty-state");
    expect(screen.queryByTestId("secrets-warning")).toBeNull();
  });
});
