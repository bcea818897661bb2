import { describe, expect, it } from "vitest";
import type { Dream, ProviderInput } from "../bindings";
import type { Backend } from "./backend";
import { createMemoryBackend, GOOD_KEY, type MemoryBackendOptions } from "./memory";

const anthropic: ProviderInput = {
  name: "Anthropic",
  kind: "anthropic",
  base_url: "https://api.anthropic.com",
  model: "claude-sonnet-4-5",
  api_key: GOOD_KEY,
};

const TESTING = `# Testing

- Run the tests with npm test.
- Tests live in test/.
- Saving on exit has its own test.
- Use a temporary folder.

## Before a release

Read the whole output.
`;

const TESTING_NEXT = TESTING.replace("npm test.", "npm test after every change.").replace(
  "Read the whole output.\n",
  "Read the whole output.\nSay which tests ran.\n",
);

const HOUR = 3_600_000;

/** A store the Maintainer mounts, two finished runs of it, and (with `dreams`) past dreams. */
function options(extra: Partial<MemoryBackendOptions> = {}): MemoryBackendOptions {
  return {
    providers: [anthropic],
    memoryStores: [
      {
        name: "Notes",
        description: "",
        steps: [
          { type: "write", path: "testing.md", content: TESTING, actor: "user", agoMs: 3 * HOUR },
          { type: "write", path: "style.md", content: "# Style\n\n- Short names.\n", actor: "user", agoMs: 3 * HOUR },
        ],
      },
      { name: "Unmounted", description: "" },
    ],
    agents: [
      {
        name: "Maintainer",
        description: "",
        instructions: "Keep it tidy.",
        provider: "Anthropic",
        tools: [{ tool: "run_command", permission: "allow" }],
        memory: [{ store: "Notes", access: "read_write" }],
      },
    ],
    sessions: [
      {
        agent: "Maintainer",
        task: "Fix the lost note.",
        workspace: "/home/you/notes",
        outcome: "finished",
        startedAgoMs: 2 * HOUR,
      },
      {
        agent: "Maintainer",
        task: "Update the README.",
        workspace: "/home/you/notes",
        outcome: "finished",
        startedAgoMs: HOUR,
      },
    ],
    ...extra,
  };
}

/** A dream of Notes waiting for review: testing.md in two hunks (0.0, 0.1), a new file (1.0), a rename (2.0). */
const READY = options({
  dreams: [
    {
      store: "Notes",
      outcome: "ready",
      sessions: ["ses_0001"],
      startedAgoMs: HOUR / 2,
      changes: [
        {
          op: "update",
          path: "testing.md",
          content: TESTING_NEXT,
          rationale: "Tests are fast.",
          evidence: [{ session: "ses_0001", quote: "both pass" }],
        },
        {
          op: "create",
          path: "lessons/runs.md",
          content: "# Runs\n\n- Write the plan first.\n",
          rationale: "It saved the first run.",
        },
        { op: "rename", from: "style.md", path: "project/style.md", rationale: "Grouped by topic." },
      ],
    },
  ],
});

async function store(backend: Backend, name: string) {
  const found = (await backend.listMemoryStores()).find((s) => s.name === name);
  if (!found) throw new Error(`no store ${name}`);
  return found.id;
}

/** Every update of one dream, and a promise of the first that matches. */
async function follow(backend: Backend, id: string) {
  const seen: Dream[] = [];
  const waiters: Array<{ test: (d: Dream) => boolean; resolve: (d: Dream) => void }> = [];
  const stop = await backend.watchDreams((dream) => {
    if (dream.id !== id) return;
    seen.push(dream);
    for (const w of [...waiters]) {
      if (w.test(dream)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(dream);
      }
    }
  });
  const until = (test: (d: Dream) => boolean) => new Promise<Dream>((resolve) => waiters.push({ test, resolve }));
  return { seen, until, stop };
}

const ended = (d: Dream) => d.status === "completed" || d.status === "failed" || d.status === "canceled";

describe("memory backend › dreams", () => {
  it("dreams over the sessions no dream has read, stage by stage, and proposes a change quoting them", async () => {
    const backend = createMemoryBackend(options());
    const notes = await store(backend, "Notes");
    expect(await backend.newDreamSessions(notes)).toEqual(["ses_0001", "ses_0002"]);

    const started = await backend.startDream({ store_id: notes, sessions: [], instructions: "  Be short.  " });
    expect(started).toMatchObject({
      status: "pending",
      mode: "review",
      sessions: ["ses_0001", "ses_0002"],
      instructions: "Be short.",
      model: "claude-sonnet-4-5",
      processed: 0,
    });
    const { seen, until } = await follow(backend, started.id);
    const done = await until(ended);

    expect(done).toMatchObject({ status: "completed", processed: 2, model_calls: 3, proposal: "ready" });
    expect(done.cost_usd).toBeGreaterThan(0);
    expect([...new Set(seen.flatMap((d) => (d.stage ? [d.stage] : [])))]).toEqual([
      "extract",
      "consolidate",
      "propose",
    ]);
    expect(seen.filter((d) => d.stage === "extract").map((d) => d.processed)).toEqual([0, 1, 2]);

    const proposal = await backend.dreamProposal(started.id);
    expect(proposal.files.map((f) => [f.op, f.path])).toEqual([["create", "lessons/recent-runs.md"]]);
    const [file] = proposal.files;
    for (const evidence of file!.evidence) {
      const [event] = await backend.sessionEvents(evidence.session_id, evidence.seq - 1, 1);
      expect(event?.payload.type).toBe("agent.message");
      expect(event?.payload.type === "agent.message" && event.payload.text.includes(evidence.quote)).toBe(true);
    }
    expect(await backend.listDreams(notes)).toEqual([done]);

    // The watermark: nothing new now.
    expect(await backend.newDreamSessions(notes)).toEqual([]);
    await expect(backend.startDream({ store_id: notes, sessions: [], instructions: "" })).rejects.toEqual({
      code: "invalid_input",
      field: "sessions",
      message:
        "Nothing new to dream about: no session of an agent that mounts “Notes” has finished since its last dream.",
    });
  });

  it("refuses a second dream of a store while one runs; cancel leaves the store as it was", async () => {
    const backend = createMemoryBackend(options());
    const notes = await store(backend, "Notes");
    const before = await backend.listMemoryFiles(notes);
    const started = await backend.startDream({ store_id: notes, sessions: [], instructions: "" });
    const { until } = await follow(backend, started.id);
    await expect(backend.startDream({ store_id: notes, sessions: [], instructions: "" })).rejects.toMatchObject({
      code: "conflict",
      field: "store_id",
    });
    await until((d) => d.status === "running");
    await backend.cancelDream(started.id);
    expect(await until(ended)).toMatchObject({ status: "canceled" });
    expect(await backend.listMemoryFiles(notes)).toEqual(before);
    await expect(backend.dreamProposal(started.id)).rejects.toMatchObject({ code: "not_found" });
    // A canceled dream read nothing for good: the sessions are still new.
    expect(await backend.newDreamSessions(notes)).toEqual(["ses_0001", "ses_0002"]);
  });

  it("checks the input as the core does", async () => {
    const backend = createMemoryBackend(options());
    const unmounted = await store(backend, "Unmounted");
    const notes = await store(backend, "Notes");
    await expect(
      backend.startDream({ store_id: notes, sessions: [], instructions: "x".repeat(4097) }),
    ).rejects.toMatchObject({
      field: "instructions",
      message: "The instructions are 4097 characters; a dream takes at most 4096.",
    });
    await expect(backend.startDream({ store_id: unmounted, sessions: ["ses_0001"], instructions: "" })).rejects.toEqual(
      {
        code: "invalid_input",
        field: "provider_id",
        message: "No agent mounts this store, so there is no model to dream with. Choose a provider.",
      },
    );
    await expect(
      backend.startDream({ store_id: notes, sessions: ["ses_0404"], instructions: "" }),
    ).rejects.toMatchObject({
      field: "sessions",
      message: "Session ses_0404 no longer exists.",
    });
    await expect(backend.startDream({ store_id: "mem_9999", sessions: [], instructions: "" })).rejects.toMatchObject({
      field: "store_id",
    });
  });

  it("applies only the accepted hunks, as versions by dream:<id>, undecided ones counted as rejected", async () => {
    const backend = createMemoryBackend(READY);
    const notes = await store(backend, "Notes");
    const [dream] = await backend.listDreams(notes);
    const id = dream!.id;
    let proposal = await backend.decideHunks(id, ["0.1"], "accepted", null);
    proposal = await backend.decideHunks(id, ["2.0"], "rejected", null);
    expect(proposal.files.flatMap((f) => f.hunks.map((h) => h.decision))).toEqual([
      "pending",
      "accepted",
      "pending",
      "rejected",
    ]);
    await expect(backend.decideHunks(id, ["0.0", "0.1"], "accepted", "text")).rejects.toMatchObject({
      field: "edited",
    });

    const { proposal: applied, report } = await backend.applyProposal(id);
    expect(applied.status).toBe("applied");
    expect(applied.files.flatMap((f) => f.hunks.map((h) => h.decision))).toEqual([
      "rejected",
      "applied",
      "rejected",
      "rejected",
    ]);
    expect(report).toEqual({ versions: [expect.any(String)], conflicts: [] });
    const text = (await backend.readMemoryFile(notes, "testing.md")).content;
    expect(text).toBe(TESTING.replace("Read the whole output.\n", "Read the whole output.\nSay which tests ran.\n"));
    expect((await backend.memoryHistory(notes, "testing.md"))[0]).toMatchObject({ actor: `dream:${id}`, op: "update" });
    expect((await backend.getDream(id)).proposal).toBe("applied");
    await expect(backend.decideHunks(id, ["0.0"], "accepted", null)).rejects.toMatchObject({ code: "conflict" });
  });

  it("writes an edited hunk, and rejects the proposal when nothing was accepted", async () => {
    const backend = createMemoryBackend(READY);
    const notes = await store(backend, "Notes");
    const [dream] = await backend.listDreams(notes);
    const edit =
      "# Testing\n\n- Run the tests with `npm test`, often.\n- Tests live in test/.\n- Saving on exit has its own test.\n- Use a temporary folder.";
    const decided = await backend.decideHunks(dream!.id, ["0.0"], "accepted", edit);
    expect(decided.files[0]!.hunks[0]).toMatchObject({ decision: "accepted", edited: edit });
    // Rejected, the edit is dropped; accepted again without one, the earlier edit is not back.
    expect(
      (await backend.decideHunks(dream!.id, ["0.0"], "rejected", null)).files[0]!.hunks[0]!.edited,
    ).toBeUndefined();
    await backend.decideHunks(dream!.id, ["0.0"], "accepted", edit);
    await backend.applyProposal(dream!.id);
    expect((await backend.readMemoryFile(notes, "testing.md")).content).toBe(
      `${edit}\n\n## Before a release\n\nRead the whole output.\n`,
    );

    const other = createMemoryBackend(READY);
    const [d] = await other.listDreams(null);
    const { proposal, report } = await other.applyProposal(d!.id);
    expect(proposal.status).toBe("rejected");
    expect(report).toEqual({ versions: [], conflicts: [] });
  });

  it("rebases hunks onto a file edited since and flags the rest as conflicts, writing nothing over them", async () => {
    const backend = createMemoryBackend(READY);
    const notes = await store(backend, "Notes");
    const [dream] = await backend.listDreams(notes);
    const current = await backend.readMemoryFile(notes, "testing.md");
    const edited = TESTING.replace("- Run the tests with npm test.", "- Run the tests with make test.");
    await backend.writeMemoryFile(notes, { path: "testing.md", content: edited, expected_sha256: current.sha256 });

    await backend.decideHunks(dream!.id, ["0.0", "0.1", "1.0", "2.0"], "accepted", null);
    const { proposal, report } = await backend.applyProposal(dream!.id);
    const hunks = proposal.files[0]!.hunks;
    expect(hunks.map((h) => h.decision)).toEqual(["conflict", "applied"]);
    expect(hunks[0]!.theirs).toBe(
      "# Testing\n\n- Run the tests with make test.\n- Tests live in test/.\n- Saving on exit has its own test.\n- Use a temporary folder.\n",
    );
    expect(report.conflicts).toEqual(["0.0"]);
    expect(report.versions).toHaveLength(3);
    const text = (await backend.readMemoryFile(notes, "testing.md")).content;
    expect(text).toContain("make test.");
    expect(text).toContain("Say which tests ran.");
  });

  it("reverts an applied proposal to the exact previous contents, as the user", async () => {
    const backend = createMemoryBackend(READY);
    const notes = await store(backend, "Notes");
    const before = await backend.listMemoryFiles(notes);
    const texts = async () =>
      Promise.all(
        (await backend.listMemoryFiles(notes)).map(async (f) => [
          f.path,
          (await backend.readMemoryFile(notes, f.path)).content,
        ]),
      );
    const original = await texts();
    const [dream] = await backend.listDreams(notes);
    await backend.decideHunks(dream!.id, ["0.0", "0.1", "1.0", "2.0"], "accepted", null);
    await backend.applyProposal(dream!.id);
    expect((await backend.listMemoryFiles(notes)).map((f) => f.path)).toEqual([
      "lessons/runs.md",
      "project/style.md",
      "testing.md",
    ]);

    const { proposal, report } = await backend.revertProposal(dream!.id);
    expect(proposal.status).toBe("reverted");
    expect(report.conflicts).toEqual([]);
    expect(await texts()).toEqual(original);
    expect((await backend.listMemoryFiles(notes)).map((f) => f.path)).toEqual(before.map((f) => f.path));
    expect((await backend.memoryHistory(notes, "testing.md"))[0]).toMatchObject({ actor: "user" });
    await expect(backend.revertProposal(dream!.id)).rejects.toMatchObject({ code: "conflict" });
  });

  it("applies at once in auto mode", async () => {
    const backend = createMemoryBackend(options());
    const notes = await store(backend, "Notes");
    await backend.setDreamSettings(notes, { mode: "auto" });
    const started = await backend.startDream({ store_id: notes, sessions: [], instructions: "" });
    expect(started.mode).toBe("auto");
    const { until } = await follow(backend, started.id);
    expect(await until((d) => d.proposal === "applied")).toMatchObject({ status: "completed" });
    expect((await backend.memoryHistory(notes, "lessons/recent-runs.md"))[0]).toMatchObject({
      actor: `dream:${started.id}`,
      op: "create",
    });
  });

  it("keeps each store's settings, checked as the core checks them", async () => {
    const backend = createMemoryBackend(options());
    const notes = await store(backend, "Notes");
    expect(await backend.dreamSettings(notes)).toEqual({ mode: "review" });
    await expect(backend.setDreamSettings(notes, { mode: "review", daily_at: "25:00" })).rejects.toEqual({
      code: "invalid_input",
      field: "daily_at",
      message: "“25:00” is not a time of day; write it as HH:MM, like 03:30.",
    });
    await expect(backend.setDreamSettings(notes, { mode: "review", after_sessions: 0 })).rejects.toMatchObject({
      field: "after_sessions",
    });
    const saved = await backend.setDreamSettings(notes, { mode: "auto", daily_at: "03:30", after_sessions: 5 });
    expect(saved).toEqual({ mode: "auto", daily_at: "03:30", after_sessions: 5 });
    expect(await backend.dreamSettings(notes)).toEqual(saved);
  });
});
