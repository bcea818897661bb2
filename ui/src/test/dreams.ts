// A store with a past of dreams, made on the real engine for the Dreams page's tests: the
// Maintainer's finished sessions, then dreams over them whose model is a second fake provider
// (its script is written once the sessions exist, so its evidence cites their real ids).
import { vi } from "vitest";
import type { Dream, DreamInput } from "../bindings";
import type { Backend } from "../ipc";
import { runToEnd, seed, startFakeProvider, textReply, type FakeProvider, type ScriptReply } from "./engine";

const testing = (run: string, live: string, last: string) =>
  `# Testing\n\n- Run the tests with npm test${run}\n- Tests live in test/${live}\n- Saving on exit has its own test.\n- Use a temporary folder.\n\n## Before a release\n\nRead the whole output.\n${last}`;
export const TESTING = testing(".", ".", "");
/** What the dream applied at once made of it. */
export const TESTING_APPLIED = testing(".", ", one file per module.", "");
/** What the dream waiting for review proposes: two changes far apart, so two hunks. */
export const TESTING_PROPOSED = testing(
  " after every change: they take a second.",
  ", one file per module.",
  "Say which tests ran.\n",
);
export const INTERRUPTED_RUNS = "# When a run stops early\n\n- Write the plan to NOTES.md before running anything.\n";
export const STYLE = "# Style\n\nTwo spaces.\n";
export const READY_INSTRUCTIONS = "Focus on how the tests are run; leave the storage notes alone.";

/** The Maintainer's sessions, in order: their answers are the fake's `maint` conversation. */
export const MAINTAINER_REPLIES: ScriptReply[] = [
  textReply("I ran the tests: both pass in a second."),
  textReply("First I'll write down the task in NOTES.md. Now let me run the tests."),
  textReply("Added the --version flag."),
  textReply("Fixed the typo."),
];

const submit = (input: unknown): ScriptReply => ({ steps: [{ tool_use: { name: "submit_result", input } }] });
/** One session's findings, quoting its agent's message (seq 4: after the task, running, the request). */
const extract = (quote: string): ScriptReply =>
  submit({ findings: [{ kind: "lesson", text: `The session said: ${quote}`, evidence: [{ seq: 4, quote }] }] });

async function settled(backend: Backend, id: string): Promise<Dream> {
  return vi.waitFor(
    async () => {
      const dream = await backend.getDream(id);
      if (dream.status === "pending" || dream.status === "running") throw new Error(`dream ${id} is ${dream.status}`);
      return dream;
    },
    { timeout: 20_000, interval: 20 },
  );
}

export interface DreamWorld {
  backend: Backend;
  store: string;
  /** The Maintainer's first two sessions (both dreamt over) and the two no dream has read. */
  sessions: string[];
  applied: Dream;
  failed: Dream;
  ready: Dream;
  /** The fake the dreams ran on; stop it with the test. */
  dreamer: FakeProvider;
}

/**
 * "Project notes" (project/testing.md, style.md) mounted by the Maintainer, "Reading list"
 * mounted by no agent; the Maintainer's four sessions; three dreams of Project notes: one
 * applied at once (auto), one failed (its consolidation stayed invalid), and one ready for
 * review (an update in two hunks, a new file, a rename, and a change left out); the store
 * dreams daily at 03:30. `fake` is the test's provider playing `maint` for the Maintainer.
 */
export async function dreamWorld(backend: Backend, fake: FakeProvider, workspace: string): Promise<DreamWorld> {
  const made = await seed(backend, {
    stores: [
      { name: "Project notes", description: "How things are done here" },
      { name: "Reading list", description: "Papers and posts worth remembering" },
    ],
    providers: [fake.input()],
    agents: [
      {
        name: "Maintainer",
        instructions: "Keep the notes app working. [[script:maint]]",
        provider: "Fake",
        memory: [{ store: "Project notes", access: "read_write" }],
      },
    ],
  });
  const store = made.stores["Project notes"]!.id;
  await backend.writeMemoryFile(store, { path: "project/testing.md", content: TESTING });
  await backend.writeMemoryFile(store, { path: "style.md", content: STYLE });
  const maintainer = made.agents.Maintainer!.id;
  const run = async (task: string) => (await runToEnd(backend, { agent_id: maintainer, workspace, task })).id;
  const first = await run("Run the tests and say how long they take.");
  const second = await run("Update the README, then run the tests.");

  const cite = (session: string, quote: string) => ({ session_id: session, seq: 4, quote });
  const dreamer = await startFakeProvider({
    script: {
      applied: [
        extract("both pass"),
        submit({
          operations: [
            {
              op: "update",
              path: "project/testing.md",
              content: TESTING_APPLIED,
              rationale: "The session looked for the test of one module among all of them.",
              evidence: [cite(first, "both pass")],
            },
          ],
        }),
      ],
      failed: [extract("both pass"), submit({ operations: "none" }), submit({ operations: "still none" })],
      ready: [
        extract("both pass in a second"),
        extract("Now let me run the tests."),
        submit({
          operations: [
            {
              op: "update",
              path: "project/testing.md",
              content: TESTING_PROPOSED,
              rationale: "The tests finish in a second, so running them after each change costs nothing.",
              evidence: [cite(first, "both pass in a second"), cite(second, "Now let me run the tests.")],
            },
            {
              op: "create",
              path: "lessons/interrupted-runs.md",
              content: INTERRUPTED_RUNS,
              rationale: "The run that wrote its plan first never lost its work.",
              evidence: [cite(second, "First I'll write down the task in NOTES.md.")],
            },
            {
              op: "rename",
              path: "style.md",
              new_path: "project/style.md",
              rationale: "Every other note about the notes app lives under project/.",
            },
            { op: "create", path: "../NOTES.md", content: "# Notes\n", rationale: "Outside the store." },
          ],
        }),
      ],
    },
  });
  const provider = await backend.createProvider(dreamer.input("Dreamer"));
  const dream = async (conversation: string, input: Partial<DreamInput>) => {
    const started = await backend.startDream({
      store_id: store,
      sessions: [first],
      instructions: `[[script:${conversation}]]`,
      provider_id: provider.id,
      ...input,
    });
    return settled(backend, started.id);
  };
  const applied = await dream("applied", { mode: "auto" });
  const failed = await dream("failed", {});
  const ready = await dream("ready", {
    sessions: [first, second],
    instructions: `${READY_INSTRUCTIONS} [[script:ready]]`,
  });
  const sessions = [first, second, await run("Add a --version flag."), await run("Fix the typo in the README.")];
  await backend.setDreamSettings(store, { mode: "review", daily_at: "03:30" });
  return { backend, store, sessions, applied, failed, ready, dreamer };
}
