import { act, fireEvent, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import type { AppError, Dream, DreamInput } from "../../bindings";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import type { Backend } from "../../ipc";
import { dreamWorld, MAINTAINER_REPLIES, READY_INSTRUCTIONS, type DreamWorld } from "../../test/dreams";
import { engineEachTest } from "../../test/engine";
import { renderApp } from "../../test/renderApp";

const submit = (input: unknown) => ({ steps: [{ tool_use: { name: "submit_result", input } }] });

// `maint`: the Maintainer's sessions; `dream-now`: a dream started from the page, over the two
// sessions no dream has read (no findings; one new file that cites nothing, so the engine drops it).
const engine = engineEachTest({
  fake: {
    script: {
      maint: MAINTAINER_REPLIES,
      "dream-now": [
        submit({ findings: [] }),
        submit({ findings: [] }),
        submit({
          operations: [{ op: "create", path: "lessons/flags.md", content: "# Flags\n", rationale: "A new flag." }],
        }),
      ],
    },
  },
});
let world: DreamWorld | null = null;
afterEach(async () => {
  await world?.dreamer.stop();
  world = null;
});

/** The store's past of dreams on the engine (test/dreams.ts). */
async function demo(): Promise<Backend> {
  const { backend, fake, tempDir } = engine();
  const workspace = path.join(tempDir, "notes");
  await mkdir(workspace);
  world = await dreamWorld(backend, fake, workspace);
  return world.backend;
}

function findStore(name: string): HTMLElement {
  const found = screen.getAllByTestId("dream-store").find((s) => s.dataset.storeName === name);
  if (!found) throw new Error(`no store ${name}`);
  return found;
}

const rows = (storeName: string) =>
  within(findStore(storeName))
    .queryAllByTestId("dream-row")
    .map((r) => `${r.dataset.status} ${r.dataset.proposal ?? "-"}`);

/** The engine's backend, with the dream calls answered by the test and its updates pushed, as the core's watch would. */
function scripted(memory: Backend) {
  let push: (dream: Dream) => void = () => {};
  const sent: DreamInput[] = [];
  const cancelled: string[] = [];
  let startError: AppError | null = null;
  const backend: Backend = {
    ...memory,
    watchDreams: async (onDream) => {
      push = onDream;
      return () => {};
    },
    startDream: async (input) => {
      sent.push(input);
      if (startError) throw startError;
      const storeId = input.store_id;
      return {
        id: "drm_0100",
        store_id: storeId,
        status: "pending",
        mode: input.mode ?? "review",
        sessions: ["ses_0003", "ses_0004"],
        instructions: input.instructions.trim(),
        model: input.model ?? "claude-sonnet-4-5",
        processed: 0,
        model_calls: 0,
        usage: { input_tokens: 0, output_tokens: 0, cache_read_tokens: 0, cache_write_tokens: 0 },
        created_at: Date.now(),
      };
    },
    cancelDream: async (id) => {
      cancelled.push(id);
    },
  };
  return {
    backend,
    sent,
    cancelled,
    push: (dream: Dream) => act(() => push(dream)),
    failStart: (error: AppError) => {
      startError = error;
    },
  };
}

describe("the Dreams page", () => {
  it("lists each store's dreams with their outcome, counts the proposal waiting, and says what to do", async () => {
    renderApp({ page: "dreams", backend: await demo() });
    await screen.findAllByTestId("dream-row");
    expect(screen.getByTestId("nav-dreams").dataset.count).toBe("1");
    expect(within(screen.getByTestId("nav-dreams")).getByText("1")).toBeTruthy();
    expect(rows("Project notes")).toEqual(["completed ready", "failed -", "completed applied"]);
    const [ready, failed] = within(findStore("Project notes")).getAllByTestId("dream-row");
    expect(ready!.textContent).toContain("Read 2 sessions");
    expect(ready!.textContent).toContain(`“${READY_INSTRUCTIONS}`);
    expect(within(failed!).getByTestId("dream-error").textContent).toMatch(
      /^The model's consolidate output did not match what a dream needs, twice: .*Nothing was written to memory\.$/,
    );
    expect(await within(findStore("Project notes")).findByTestId("dream-now")).toHaveProperty(
      "textContent",
      "Dream now · 2 new sessions",
    );
    expect(within(findStore("Project notes")).getByTestId("dream-schedule").textContent).toMatch(
      /every day at 03:30[\s\S]*tray/,
    );
    // A store no agent mounts can't dream, and says why.
    expect(within(findStore("Reading list")).getByTestId("dream-no-agent").textContent).toMatch(
      /No agent mounts this store/,
    );
    expect(within(findStore("Reading list")).queryByTestId("dream-now")).toBeNull();
  });

  it("sends Dream now's instructions, mode and model; shows the stage and sessions read; cancels", async () => {
    const dreams = scripted(await demo());
    const { user } = renderApp({ page: "dreams", backend: dreams.backend });
    const notes = await waitFor(() => findStore("Project notes"));
    await user.click(await within(notes).findByTestId("dream-now"));
    await user.type(screen.getByTestId("dream-instructions"), "  Look for slow runs. ");
    await user.click(screen.getByTestId("dream-mode-auto"));
    await user.type(screen.getByTestId("dream-model"), "claude-haiku-4-5");
    await user.click(screen.getByTestId("dream-start"));
    const storeId = (await dreams.backend.listMemoryStores()).find((s) => s.name === "Project notes")!.id;
    expect(dreams.sent).toEqual([
      {
        store_id: storeId,
        sessions: [],
        instructions: "  Look for slow runs. ",
        mode: "auto",
        model: "claude-haiku-4-5",
      },
    ]);
    await waitFor(() => expect(rows("Project notes")[0]).toBe("pending -"));
    expect(screen.queryByTestId("dream-form")).toBeNull();

    const started = await dreams.backend.startDream(dreams.sent[0]!);
    const running: Dream = { ...started, status: "running", stage: "extract", processed: 1, model_calls: 1 };
    dreams.push(running);
    const progress = await screen.findByTestId("dream-progress");
    expect(progress.dataset.stage).toBe("extract");
    expect(within(progress).getByTestId("dream-processed").textContent).toBe(" 1 of 2");
    expect(within(progress).getByRole("progressbar").getAttribute("aria-valuenow")).toBe("1");
    dreams.push({ ...running, stage: "consolidate", processed: 2 });
    await waitFor(() => expect(screen.getByTestId("dream-progress").dataset.stage).toBe("consolidate"));

    await user.click(screen.getByTestId("dream-cancel"));
    expect(dreams.cancelled).toEqual([started.id]);
    const { stage: _, ...rest } = running;
    dreams.push({ ...rest, status: "canceled", processed: 2, finished_at: Date.now() });
    await waitFor(() => expect(rows("Project notes")[0]).toBe("canceled -"));
    expect(screen.queryByTestId("dream-progress")).toBeNull();
  });

  it("puts the core's refusals where they help: no key, with a way to Settings", async () => {
    const dreams = scripted(await demo());
    const { user } = renderApp({ page: "dreams", backend: dreams.backend });
    const notes = await waitFor(() => findStore("Project notes"));
    dreams.failStart({
      code: "invalid_input",
      field: "provider_id",
      message:
        "No API key is set for the provider “Anthropic”. Add one in Settings → Model providers, then dream again.",
    });
    await user.click(await within(notes).findByTestId("dream-now"));
    await user.click(screen.getByTestId("dream-start"));
    const error = await screen.findByTestId("dream-start-error");
    expect(error.textContent).toMatch(/No API key is set for the provider “Anthropic”/);
    await user.click(within(error).getByRole("button", { name: "Open Settings" }));
    await waitFor(() => expect(screen.getByTestId("nav-settings").getAttribute("aria-current")).toBe("page"));
  });

  it("checks the instructions' length before asking", async () => {
    const dreams = scripted(await demo());
    const { user } = renderApp({ page: "dreams", backend: dreams.backend });
    await user.click(await within(await waitFor(() => findStore("Project notes"))).findByTestId("dream-now"));
    // Typing 4,097 characters one by one would take long: pasted.
    await user.click(screen.getByTestId("dream-instructions"));
    await user.paste("x".repeat(4097));
    await user.click(screen.getByTestId("dream-start"));
    expect(screen.getByTestId("field-error-instructions").textContent).toBe(
      "The instructions are 4,097 characters; a dream takes at most 4,096.",
    );
    expect(dreams.sent).toEqual([]);
  });

  it("says when there is nothing new to dream about, after a real dream has read it all", async () => {
    const backend = await demo();
    const { user } = renderApp({ page: "dreams", backend });
    const notes = await waitFor(() => findStore("Project notes"));
    await user.click(await within(notes).findByTestId("dream-now"));
    // (user.type reads "[" as a key descriptor: "[[" types one.)
    await user.type(screen.getByTestId("dream-instructions"), "[[[[script:dream-now]]");
    await user.click(screen.getByTestId("dream-start"));
    expect(await within(notes).findByTestId("dream-nothing-new", {}, { timeout: 10_000 })).toBeTruthy();
    // Its one change cited nothing, so the engine kept none: an empty proposal, nothing to review.
    expect(rows("Project notes")[0]).toBe("completed empty");
    expect(screen.getByTestId("nav-dreams").dataset.count).toBe("1");
    expect(within(notes).queryByTestId("dream-now")).toBeNull();
  });

  it("saves when a store dreams, with the core's message under a bad count", async () => {
    const backend = await demo();
    const { user } = renderApp({ page: "dreams", backend });
    const notes = await waitFor(() => findStore("Project notes"));
    await user.click(await within(notes).findByTestId("dream-settings-open"));
    await user.click(screen.getByTestId("dream-settings-mode-auto"));
    await user.click(screen.getByTestId("dream-after"));
    await user.clear(screen.getByTestId("dream-after-sessions"));
    await user.type(screen.getByTestId("dream-after-sessions"), "1001");
    await user.click(screen.getByTestId("dream-settings-save"));
    expect((await screen.findByTestId("field-error-after_sessions")).textContent).toBe(
      "Dream after between 1 and 1,000 new sessions.",
    );
    await user.clear(screen.getByTestId("dream-after-sessions"));
    await user.type(screen.getByTestId("dream-after-sessions"), "5");
    await user.click(screen.getByTestId("dream-daily"));
    await user.click(screen.getByTestId("dream-settings-save"));
    await waitFor(() =>
      expect(within(notes).getByTestId("dream-schedule").textContent).toMatch(/Apply at once · after 5 new sessions/),
    );
    const storeId = (await backend.listMemoryStores()).find((s) => s.name === "Project notes")!.id;
    expect(await backend.dreamSettings(storeId)).toEqual({ mode: "auto", after_sessions: 5 });
  });

  it("sends the sessions picked by hand, oldest first, marking the ones no dream has read", async () => {
    const dreams = scripted(await demo());
    const { user } = renderApp({ page: "dreams", backend: dreams.backend });
    await user.click(await within(await waitFor(() => findStore("Project notes"))).findByTestId("dream-now"));
    expect(screen.getByTestId("dream-form-note").textContent).toBe("It will read 2 sessions.");
    await user.click(screen.getByTestId("dream-pick-sessions"));
    // Finished sessions of the agents that mount the store, newest first; the interrupted one is left out.
    const options = await screen.findAllByTestId("dream-session-option");
    const [s1, s2, s3, s4] = world!.sessions;
    expect(options.map((o) => `${o.dataset.sessionId} ${o.dataset.new ?? "read"}`)).toEqual([
      `${s4} true`,
      `${s3} true`,
      `${s2} read`,
      `${s1} read`,
    ]);
    const first = options[0]!.closest("label")!;
    expect(first.textContent).toMatch(/^MaintainerFix the typo in the README\.Not dreamed yet/);
    expect(within(first).getByText(/ago|yesterday|just now/).tagName).toBe("TIME");

    // Nothing picked: said under the list, nothing sent.
    await user.click(screen.getByTestId("dream-start"));
    expect(screen.getByTestId("field-error-sessions").textContent).toBe(
      "Pick at least one session, or turn off “Choose sessions…” to read the new ones.",
    );
    expect(dreams.sent).toEqual([]);

    await user.click(options[0]!);
    await user.click(options[2]!);
    expect(screen.queryByTestId("field-error-sessions")).toBeNull();
    expect(screen.getByTestId("dream-form-note").textContent).toBe("It will read 2 sessions picked.");
    await user.click(screen.getByTestId("dream-start"));
    expect(dreams.sent.map((input) => input.sessions)).toEqual([[s2, s4]]);
  });

  it("sends no sessions (every new one) unless it is choosing", async () => {
    const dreams = scripted(await demo());
    const { user } = renderApp({ page: "dreams", backend: dreams.backend });
    await user.click(await within(await waitFor(() => findStore("Project notes"))).findByTestId("dream-now"));
    await user.click(screen.getByTestId("dream-pick-sessions"));
    await user.click((await screen.findAllByTestId("dream-session-option"))[2]!);
    await user.click(screen.getByTestId("dream-pick-sessions"));
    expect(screen.queryByTestId("dream-session-option")).toBeNull();
    await user.click(screen.getByTestId("dream-start"));
    expect(dreams.sent.map((input) => input.sessions)).toEqual([[]]);
  });

  it(
    "says when more than 100 sessions are picked, and sends them once at most 100 are",
    { timeout: 15_000 },
    async () => {
      const dreams = scripted(await demo());
      const [sample] = await dreams.backend.listSessions();
      const many = Array.from({ length: 101 }, (_, i) => ({
        ...sample!,
        id: `ses_${String(i + 1000)}`,
        agent_name: "Maintainer",
        status: "idle" as const,
        created_at: 1_795_000_000_000 + i * 60_000,
      }));
      dreams.backend.listSessions = async () => [...many].reverse();
      const { user } = renderApp({ page: "dreams", backend: dreams.backend });
      await user.click(await within(await waitFor(() => findStore("Project notes"))).findByTestId("dream-now"));
      await user.click(screen.getByTestId("dream-pick-sessions"));
      const options = await screen.findAllByTestId("dream-session-option");
      expect(options).toHaveLength(101);
      // A hundred clicks one by one with user-event would take long: plain click events.
      for (const option of options.slice(0, 100)) fireEvent.click(option);
      expect(screen.queryByTestId("field-error-sessions")).toBeNull();
      await user.click(options[100]!);
      expect(screen.getByTestId("field-error-sessions").textContent).toBe(
        "101 sessions are picked; a dream reads at most 100. Uncheck 1.",
      );
      await user.click(screen.getByTestId("dream-start"));
      expect(dreams.sent).toEqual([]);
      expect(screen.getByTestId("field-error-sessions").textContent).toMatch(/^101 sessions are picked/);

      await user.click(options[0]!);
      expect(screen.queryByTestId("field-error-sessions")).toBeNull();
      await user.click(screen.getByTestId("dream-start"));
      expect(dreams.sent[0]!.sessions).toEqual(many.slice(0, 100).map((s) => s.id));
    },
  );

  it("shows the core's refusal of a picked session under the list, and lists the sessions again", async () => {
    const dreams = scripted(await demo());
    const list = dreams.backend.listSessions;
    let runningAgain = false;
    const [s1, , s3, s4] = world!.sessions;
    dreams.backend.listSessions = async () =>
      (await list()).map((s) => (runningAgain && s.id === s1 ? { ...s, status: "running" as const } : s));
    const { user } = renderApp({ page: "dreams", backend: dreams.backend });
    await user.click(await within(await waitFor(() => findStore("Project notes"))).findByTestId("dream-now"));
    await user.click(screen.getByTestId("dream-pick-sessions"));
    const options = await screen.findAllByTestId("dream-session-option");
    await user.click(options[1]!);
    await user.click(options[3]!);
    runningAgain = true;
    dreams.failStart({
      code: "invalid_input",
      field: "sessions",
      message: `Session ${s1} is still running; let it finish first.`,
    });
    await user.click(screen.getByTestId("dream-start"));
    expect((await screen.findByTestId("field-error-sessions")).textContent).toBe(
      `Session ${s1} is still running; let it finish first.`,
    );
    await waitFor(() =>
      expect(screen.getAllByTestId("dream-session-option").map((o) => o.dataset.sessionId)).toEqual([
        s4,
        s3,
        world!.sessions[1],
      ]),
    );
    expect(screen.getByTestId("dream-form")).toBeTruthy();
    expect(screen.queryByTestId("dream-start-error")).toBeNull();
    expect(screen.getByTestId("dream-form-note").textContent).toBe("It will read 1 session picked.");
  });

  it("saves a cron schedule, with the refusal of a malformed one under the field", async () => {
    const backend = await demo();
    const { user } = renderApp({ page: "dreams", backend });
    const notes = await waitFor(() => findStore("Project notes"));
    await user.click(await within(notes).findByTestId("dream-settings-open"));
    expect(screen.getByTestId("dream-cron")).toHaveProperty("disabled", true);
    await user.click(screen.getByTestId("dream-cron-on"));
    await user.click(screen.getByTestId("dream-settings-save"));
    expect(screen.getByTestId("field-error-cron").textContent).toBe(
      "Write a cron schedule: minute hour day month weekday, like 30 3 * * 1-5.",
    );
    await user.type(screen.getByTestId("dream-cron"), "every day at 3");
    expect(screen.queryByTestId("field-error-cron")).toBeNull();
    await user.click(screen.getByTestId("dream-settings-save"));
    // The core's message (the cron parser's reason in the middle).
    const refused = (await screen.findByTestId("field-error-cron")).textContent;
    expect(refused).toMatch(/^“every day at 3” is not a cron schedule \(/);
    expect(refused).toMatch(/\)\. Write minute hour day month weekday, like 30 3 \* \* 1-5\.$/);
    expect(document.activeElement).toBe(screen.getByTestId("dream-cron"));
    await user.clear(screen.getByTestId("dream-cron"));
    await user.type(screen.getByTestId("dream-cron"), " 30 3 * * 1-5 ");
    await user.click(screen.getByTestId("dream-settings-save"));
    await waitFor(() =>
      expect(within(notes).getByTestId("dream-schedule").textContent).toMatch(
        /Review first · every day at 03:30 and on the cron schedule 30 3 \* \* 1-5/,
      ),
    );
    const storeId = (await backend.listMemoryStores()).find((s) => s.name === "Project notes")!.id;
    expect(await backend.dreamSettings(storeId)).toEqual({ mode: "review", daily_at: "03:30", cron: "30 3 * * 1-5" });
    await user.click(within(notes).getByTestId("dream-settings-open"));
    expect(screen.getByTestId("dream-cron")).toHaveProperty("value", "30 3 * * 1-5");
  });

  it("shows an empty state without memory stores", async () => {
    const { user } = renderApp({ page: "dreams", backend: engine().backend });
    const empty = await screen.findByTestId("dreams-empty");
    expect(empty.textContent).toMatch(/No memory stores yet/);
    await user.click(within(empty).getByRole("button", { name: "Go to Memory" }));
    await waitFor(() => expect(screen.getByTestId("nav-memory").getAttribute("aria-current")).toBe("page"));
  });
});
