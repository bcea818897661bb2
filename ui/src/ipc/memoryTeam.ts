import type { Agent, EventPayload, IdleReason, ToolRule } from "../bindings";
import { say, usageOf, type DelegationResult, type Step } from "./memoryScripts";

/**
 * Orchestration in the memory backend, as the engine's `orchestration` module does it: a
 * coordinator's `delegate` calls of one turn run side by side, each in a thread of its own, at
 * most `max_threads` at once (the rest queued); a follow-up names a thread to continue it; a
 * thread can be stopped on its own. Also the scripts the coordinator and its subagents play.
 */

/** Subagent threads a session runs at once unless told, and the most it may. */
export const DEFAULT_MAX_THREADS = 8;
export const MAX_THREADS = 25;

/** Something that can be stopped while it waits (a pause, an approval, a slot). */
export interface Waiter {
  cancelled: boolean;
  wake: (() => void) | null;
}

export class Cancelled extends Error {}

/** A subagent thread of a session. */
export interface Member {
  agent: Agent;
  /** Working on (or queued for) a delegation now. */
  busy: boolean;
}

/** How a thread's run ended, as the coordinator learns it. */
export interface ThreadOutcome {
  reason: IdleReason;
  finalMessage: string;
  error: string | null;
}

/** What delegations need from the session they run in. */
export interface TeamHost {
  coordinator: string;
  roster: readonly Agent[];
  members: Map<string, Member>;
  /** Records an event on a thread, now. */
  emit(thread: string, payload: EventPayload): void;
  newThread(): string;
  /** A waiter for one run of a thread, so it can be stopped on its own (`cancel_thread`). */
  waiter(thread: string): Waiter;
  done(thread: string): void;
  /** Waits for one of the session's thread slots; resolves to its release. */
  slot(waiter: Waiter): Promise<() => void>;
  /** Runs a subagent on `message` in `thread` (its history kept when `fresh` is false). */
  run(agent: Agent, thread: string, message: string, fresh: boolean, waiter: Waiter): Promise<ThreadOutcome>;
}

/** A semaphore whose waits can be cancelled. */
export class Slots {
  private free: number;
  private readonly queue: Array<() => void> = [];

  constructor(count: number) {
    this.free = count;
  }

  acquire(waiter: Waiter): Promise<() => void> {
    const release = () => {
      const next = this.queue.shift();
      if (next) next();
      else this.free += 1;
    };
    if (waiter.cancelled) return Promise.reject(new Cancelled());
    if (this.free > 0) {
      this.free -= 1;
      return Promise.resolve(release);
    }
    return new Promise((resolve, reject) => {
      const grant = () => {
        waiter.wake = null;
        resolve(release);
      };
      this.queue.push(grant);
      waiter.wake = () => {
        this.queue.splice(this.queue.indexOf(grant), 1);
        reject(new Cancelled());
      };
    });
  }
}

function field(input: unknown, name: string): string {
  const value = typeof input === "object" && input !== null ? (input as Record<string, unknown>)[name] : undefined;
  return typeof value === "string" ? value.trim() : "";
}

const followUpNote = (thread: string, agent: Agent) =>
  `(thread_id: ${thread}; pass it to delegate to follow up with ${agent.name})`;

function resultText(outcome: ThreadOutcome, thread: string, agent: Agent): { content: string; isError: boolean } {
  const note = followUpNote(thread, agent);
  switch (outcome.reason) {
    case "end_turn":
      return { content: `${outcome.finalMessage.trim()}\n\n${note}`, isError: false };
    case "cancelled":
    case "app_quit":
    case "interrupted":
      return {
        content: `cancelled: ${agent.name}'s thread was stopped before it finished. Carry on without it, or delegate again. ${note}`,
        isError: true,
      };
    case "max_turns":
      return {
        content: `${agent.name} reached its turn limit before finishing. Its last message: ${outcome.finalMessage.trim()} ${note}`,
        isError: true,
      };
    case "error":
      return {
        content: `${agent.name} failed: ${outcome.error ?? "the run stopped on an error"} ${note}`,
        isError: true,
      };
  }
}

/**
 * Runs a coordinator's `delegate` calls side by side and records each result on its thread;
 * `results` gets how each came back, in the order of the calls.
 */
export async function runDelegations(
  host: TeamHost,
  calls: ReadonlyArray<{ id: string; input: unknown }>,
  results: DelegationResult[],
): Promise<void> {
  const result = (id: string, content: string, isError: boolean) =>
    host.emit(host.coordinator, { type: "agent.tool_result", tool_use_id: id, content, is_error: isError });

  const runs = calls.map((call) => {
    const message = field(call.input, "message");
    const name = field(call.input, "agent");
    const threadId = field(call.input, "thread_id");
    let agent: Agent;
    let thread: string;
    let fresh: boolean;
    if (message === "") {
      result(call.id, "the message is empty: say what the subagent should do and what to report back", true);
      return Promise.resolve<DelegationResult>({ agent: name, reason: "refused" });
    }
    if (threadId !== "") {
      const member = host.members.get(threadId);
      if (!member) {
        result(
          call.id,
          `there is no subagent thread ${threadId} in this session; use a thread_id an earlier delegate result gave, or leave it out to start a new thread`,
          true,
        );
        return Promise.resolve<DelegationResult>({ agent: name, reason: "refused" });
      }
      if (member.busy) {
        result(call.id, `thread ${threadId} is still working on an earlier message; wait for its result`, true);
        return Promise.resolve<DelegationResult>({ agent: member.agent.name, reason: "refused" });
      }
      agent = member.agent;
      thread = threadId;
      fresh = false;
    } else {
      const found = host.roster.find((a) => a.name.toLowerCase() === name.toLowerCase());
      if (!found) {
        result(
          call.id,
          `“${name}” is not on your roster; you can delegate to: ${host.roster.map((a) => a.name).join(", ")}`,
          true,
        );
        return Promise.resolve<DelegationResult>({ agent: name, reason: "refused" });
      }
      agent = found;
      thread = host.newThread();
      fresh = true;
    }
    host.members.set(thread, { agent, busy: true });
    // Recorded at once for every call of the turn; then each waits for a slot.
    if (fresh) {
      host.emit(host.coordinator, {
        type: "session.thread_created",
        thread_id: thread,
        parent_thread_id: host.coordinator,
        agent_id: agent.id,
        agent_name: agent.name,
      });
    }
    host.emit(host.coordinator, { type: "agent.thread_message_sent", to_thread_id: thread, text: message });
    const waiter = host.waiter(thread);
    return (async (): Promise<DelegationResult> => {
      let outcome: ThreadOutcome;
      try {
        const release = await host.slot(waiter);
        try {
          outcome = await host.run(agent, thread, message, fresh, waiter);
        } finally {
          release();
        }
      } catch (error) {
        if (!(error instanceof Cancelled)) throw error;
        // Stopped while queued: it never ran.
        host.emit(thread, { type: "session.thread_status_idle", reason: "cancelled" });
        outcome = { reason: "cancelled", finalMessage: "", error: null };
      } finally {
        host.done(thread);
        const member = host.members.get(thread);
        if (member) member.busy = false;
      }
      const { content, isError } = resultText(outcome, thread, agent);
      result(call.id, content, isError);
      return { agent: agent.name, reason: outcome.reason };
    })();
  });
  results.push(...(await Promise.all(runs)));
}

/* The example team, as `engine::agents::create_example_team` makes it. */

const READ_ONLY: ToolRule[] = [
  { tool: "write_file", permission: "deny" },
  { tool: "edit_file", permission: "deny" },
  { tool: "run_command", permission: "deny" },
];

export const EXAMPLE_TEAM = {
  coordinator: {
    name: "Coordinator",
    description: "Splits a task among a researcher, a writer and a reviewer",
    instructions:
      "You lead a small team. Split the task: have the researcher gather the facts, the writer draft from them, and the reviewer check the draft; delegate independent parts in the same turn so they run at the same time. Then put the results together and report what was done.",
    tools: [] as ToolRule[],
  },
  members: [
    {
      name: "Researcher",
      description: "Finds facts in the folder and reports them with file:line references",
      instructions:
        "You research questions about the files in the folder. Read and search; change nothing. Report what you found, each point with the file and line it comes from, and say plainly what you could not find.",
      tools: READ_ONLY,
    },
    {
      name: "Writer",
      description: "Writes and edits documents in the folder",
      instructions:
        "You write clear, plain documents in Markdown. Write only the files you were asked for, keep to the facts you were given, and end with the paths you wrote.",
      tools: [{ tool: "run_command", permission: "deny" }] as ToolRule[],
    },
    {
      name: "Reviewer",
      description: "Reviews a document for accuracy and clarity",
      instructions:
        "You review documents. Check each claim against the folder, note what is wrong, unclear or missing, and suggest the change. Change nothing yourself.",
      tools: READ_ONLY,
    },
  ],
};

/* Scripts. Subagents play one of three parts by their place in the roster, so any team works. */

function firstSentence(task: string): string {
  const line = task.trim().split("\n")[0] ?? "";
  return line.length > 90 ? `${line.slice(0, 89)}…` : line;
}

/** What the coordinator asks of the i-th member of its roster. */
function assignment(index: number, task: string): string {
  switch (index % 3) {
    case 0:
      return `Find what the folder says about this, with file:line references: ${firstSentence(task)}`;
    case 1:
      return `Draft SUMMARY.md for this task from the README and the notes: ${firstSentence(task)}`;
    default:
      return "Review the project's README and notes for mistakes and gaps, and check that the tests pass.";
  }
}

function report(results: readonly DelegationResult[]): string {
  const done = results.filter((r) => r.reason === "end_turn").map((r) => r.agent);
  const stopped = results.filter((r) => r.reason === "cancelled").map((r) => r.agent);
  const failed = results.filter((r) => r.reason !== "end_turn" && r.reason !== "cancelled").map((r) => r.agent);
  const parts: string[] = [];
  if (done.length > 0) parts.push(`${done.join(", ")} reported back; SUMMARY.md has the result.`);
  if (stopped.length > 0)
    parts.push(`${stopped.join(", ")} ${stopped.length === 1 ? "was" : "were"} stopped, so that part is not done.`);
  if (failed.length > 0) parts.push(`${failed.join(", ")} could not finish.`);
  return parts.length > 0 ? `The team is done. ${parts.join(" ")}` : "Nobody on the team could take the work.";
}

/** A coordinator's run: hand up to three parts to its roster in one turn, then sum up. */
export function* coordinatorScript(task: string, roster: readonly Agent[]): Generator<Step, IdleReason, boolean> {
  const team = roster.slice(0, 3);
  yield { type: "turn" };
  yield* say(`I'll split this up: ${team.map((a) => a.name).join(", ")} will work on it side by side.`);
  for (const [i, agent] of team.entries()) {
    yield { type: "tool_use", name: "delegate", input: { agent: agent.name, message: assignment(i, task) } };
  }
  yield { type: "turn_end", usage: usageOf(1, 96) };
  const results: DelegationResult[] = [];
  yield { type: "delegations", results };
  yield { type: "turn" };
  yield { type: "wait" };
  yield* say(report(results));
  yield { type: "turn_end", usage: usageOf(2, 71) };
  return "end_turn";
}

/** A follow-up to a coordinator: the last member takes another look, in the thread it had. */
export function* coordinatorFollowUpScript(thread: string, agent: Agent): Generator<Step, IdleReason, boolean> {
  yield { type: "turn" };
  yield* say(`I'll ask ${agent.name} to take another look, in the same thread so it keeps what it read.`);
  yield {
    type: "tool_use",
    name: "delegate",
    input: {
      agent: agent.name,
      message: "Look again at what changed since your last review and report anything new.",
      thread_id: thread,
    },
  };
  yield { type: "turn_end", usage: usageOf(3, 58) };
  const results: DelegationResult[] = [];
  yield { type: "delegations", results };
  yield { type: "turn" };
  yield* say(
    results[0]?.reason === "end_turn"
      ? `${agent.name} looked again: nothing new to fix.`
      : `${agent.name} could not look again.`,
  );
  yield { type: "turn_end", usage: usageOf(4, 24) };
  return "end_turn";
}

/** A subagent's run on one delegation, by its part: research, writing or review. */
export function* subagentScript(index: number, fresh: boolean): Generator<Step, IdleReason, boolean> {
  if (!fresh) {
    yield { type: "turn" };
    yield { type: "wait" };
    yield* say("I read SUMMARY.md again against the README: it still matches, nothing new to fix.");
    yield { type: "turn_end", usage: usageOf(4, 31) };
    return "end_turn";
  }
  switch (index % 3) {
    case 0:
      yield { type: "turn" };
      yield* say("I'll see what is in the folder first.");
      yield { type: "tool_use", name: "list_files", input: { path: "." } };
      yield { type: "turn_end", usage: usageOf(1, 22) };
      yield {
        type: "tool_result",
        output: "NOTES.md (112 bytes)\nREADME.md (74 bytes)\npackage.json (210 bytes)\nsrc/\ntest/",
      };
      yield { type: "turn" };
      yield { type: "wait" };
      yield* say("Reading the README and the notes.");
      yield { type: "tool_use", name: "read_file", input: { path: "README.md" } };
      yield { type: "tool_use", name: "read_file", input: { path: "NOTES.md" } };
      yield { type: "turn_end", usage: usageOf(2, 41) };
      yield {
        type: "tool_result",
        output:
          "     1\t# notes\n     2\t\n     3\tA small command-line notes app.\n     4\t\n     5\tRun `npm test` to check it.\n",
      };
      yield { type: "tool_result", output: "     1\t# Task\n     2\t\n     3\tKeep the last note on exit.\n" };
      yield { type: "turn" };
      yield { type: "wait" };
      yield* say(
        "Found: a command-line notes app (README.md:3), tested with `npm test` (README.md:5); the open task is keeping the last note on exit (NOTES.md:3).",
      );
      yield { type: "turn_end", usage: usageOf(3, 64) };
      return "end_turn";
    case 1: {
      yield { type: "turn" };
      yield* say("I'll draft from the README.");
      yield { type: "tool_use", name: "read_file", input: { path: "README.md" } };
      yield { type: "turn_end", usage: usageOf(1, 28) };
      yield {
        type: "tool_result",
        output:
          "     1\t# notes\n     2\t\n     3\tA small command-line notes app.\n     4\t\n     5\tRun `npm test` to check it.\n",
      };
      yield { type: "turn" };
      yield { type: "wait" };
      yield { type: "wait" };
      yield* say("Writing SUMMARY.md.");
      const summary = "# Summary\n\nA small command-line notes app. Run `npm test` to check it.\n";
      yield { type: "tool_use", name: "write_file", input: { path: "SUMMARY.md", content: summary } };
      yield { type: "turn_end", usage: usageOf(2, 86) };
      const wrote = yield { type: "tool_result", output: `Created SUMMARY.md (${summary.length} bytes, 3 lines)` };
      yield { type: "turn" };
      yield* say(wrote ? "Wrote SUMMARY.md." : "I could not write SUMMARY.md: the write was not allowed.");
      yield { type: "turn_end", usage: usageOf(3, 12) };
      return "end_turn";
    }
    default: {
      yield { type: "turn" };
      yield* say("I'll read the README, then run the tests.");
      yield { type: "tool_use", name: "read_file", input: { path: "README.md" } };
      yield { type: "turn_end", usage: usageOf(1, 30) };
      yield {
        type: "tool_result",
        output:
          "     1\t# notes\n     2\t\n     3\tA small command-line notes app.\n     4\t\n     5\tRun `npm test` to check it.\n",
      };
      yield { type: "turn" };
      yield* say("Running the tests to check what the README claims.");
      yield { type: "tool_use", name: "run_command", input: { command: "npm test" } };
      yield { type: "turn_end", usage: usageOf(2, 44) };
      const ran = yield {
        type: "tool_result",
        output:
          "> notes@1.0.0 test\n> node --test\n\n✔ adds a note (2.1ms)\n✔ lists notes (0.8ms)\nℹ tests 2\nℹ pass 2\nℹ fail 0\n\nexit code 0",
      };
      yield { type: "turn" };
      yield { type: "wait" };
      yield* say(
        ran
          ? "Reviewed: the README is accurate and both tests pass. NOTES.md should say how to reproduce the lost note."
          : "Reviewed by reading only (I may not run commands): the README matches the code. NOTES.md should say how to reproduce the lost note.",
      );
      yield { type: "turn_end", usage: usageOf(3, 52) };
      return "end_turn";
    }
  }
}
