import type {
  Agent,
  AppError,
  EventPayload,
  IdleReason,
  OutcomeDefinition,
  Permission,
  RunInput,
  SessionEvent,
  SessionSummary,
  StreamItem,
  TokenUsage,
} from "../bindings";
import { taskTooLargeMessage, TASK_MAX_BYTES, utf8Bytes } from "../shared/runs";
import type { AgentStore } from "./memoryAgents";
import type { RubricStore } from "./memoryRubrics";
import { followUpScript, outcomeScript, resumeScript, taskScript, type Step } from "./memoryScripts";

/**
 * Sessions of the memory backend: a scripted run that emits the events the engine's agent loop
 * would (same order, same payloads), an event log per session, watchers, approvals and cancel.
 */

/** How the seeded demo sessions end. */
export type SeedOutcome = "finished" | "interrupted" | "error";

export interface SeedSession {
  /** The agent's name. */
  agent: string;
  task: string;
  workspace: string;
  outcome: SeedOutcome;
  /** How long before "now" it started. */
  startedAgoMs: number;
  /** Graded against the latest version of this rubric (by name). */
  rubric?: string;
  /** With `rubric`: the grader passes per evaluation (default 1). */
  graderPasses?: number;
}

interface ProviderView {
  name: string;
  model: string;
  /** Why a model request fails at once (a bad key), or null. */
  failure: AppError | null;
}

interface Deps {
  now: () => number;
  /** Pause between steps of a live run; 0 still yields to the event loop. */
  stepMs: number;
  agents: AgentStore;
  provider: (id: string) => ProviderView | null;
  rubrics: RubricStore;
}

interface StoredSession {
  summary: SessionSummary;
  events: SessionEvent[];
  thread: string;
  watchers: Set<(item: StreamItem) => void>;
  /** The live run, while one is going. */
  run: RunHandle | null;
  /** Start of the current running period (for `duration_ms`). */
  runningSince: number | null;
  /** Tool uses without a result yet, oldest first. */
  open: Array<{ id: string; name: string }>;
  toolCounter: number;
  /** The model that grades this session's outcome, if it has one. */
  grader: string | null;
}

interface RunHandle {
  cancelled: boolean;
  /** Wakes whatever the run waits for (a pause or an approval) so it notices the cancel. */
  wake: (() => void) | null;
  approvals: Map<string, (approved: boolean) => void>;
}

class Cancelled extends Error {}
/** Thrown to leave a seeded session as a dead process would: mid-run, nothing closed. */
class Stopped extends Error {}

const ZERO_USAGE: TokenUsage = { input_tokens: 0, output_tokens: 0, cache_read_tokens: 0, cache_write_tokens: 0 };

/** Dollars per million tokens (input, output, cache read, cache write), by model prefix. */
const PRICES: Array<[string, [number, number, number, number]]> = [
  ["claude-opus", [15, 75, 1.5, 18.75]],
  ["claude-sonnet", [3, 15, 0.3, 3.75]],
  ["claude-haiku", [0.8, 4, 0.08, 1]],
  ["gpt-4o-mini", [0.15, 0.6, 0.075, 0]],
  ["gpt-4o", [2.5, 10, 1.25, 0]],
];

function cost(model: string, usage: TokenUsage): number | undefined {
  const price = PRICES.find(([prefix]) => model.startsWith(prefix))?.[1];
  if (!price) return undefined;
  const [input, output, read, write] = price;
  return (
    (usage.input_tokens * input +
      usage.output_tokens * output +
      usage.cache_read_tokens * read +
      usage.cache_write_tokens * write) /
    1_000_000
  );
}


const CANCELLED_RESULT = "cancelled: the user stopped this run before the tool finished";
const INTERRUPTED_RESULT = "interrupted: Reverie stopped before this tool finished";

function denied(name: string): string {
  return `denied: the user did not approve this ${name} call. Ask what they want instead, or do the task another way.`;
}

function deniedByPolicy(name: string): string {
  return `denied by policy: this agent may not use ${name}. Do the task without it or explain what you need.`;
}

export function createSessionStore(deps: Deps) {
  const sessions: StoredSession[] = [];
  let nextSession = 1;

  const notFound = (): AppError => ({ code: "not_found", message: "This session no longer exists. Reload the list." });

  const find = (id: string): StoredSession => {
    const session = sessions.find((s) => s.summary.id === id);
    if (!session) throw notFound();
    return session;
  };

  /** Appends an event, keeps the summary's totals, then fans it out to the watchers. */
  const emit = (session: StoredSession, time: number, payload: EventPayload) => {
    const { summary } = session;
    const event: SessionEvent = {
      session_id: summary.id,
      seq: summary.last_seq + 1,
      thread_id: session.thread,
      time_ms: time,
      payload,
    };
    session.events.push(event);
    summary.last_seq = event.seq;
    summary.updated_at = time;
    switch (payload.type) {
      case "session.status_running":
        summary.status = "running";
        session.runningSince = time;
        break;
      case "session.status_idle":
        summary.status = "idle";
        summary.stop_reason = payload.reason;
        if (session.runningSince !== null) summary.duration_ms += time - session.runningSince;
        session.runningSince = null;
        break;
      case "span.model_request_start":
        summary.turns += 1;
        break;
      case "span.model_request_end": {
        const u = summary.usage;
        u.input_tokens += payload.usage.input_tokens;
        u.output_tokens += payload.usage.output_tokens;
        u.cache_read_tokens += payload.usage.cache_read_tokens;
        u.cache_write_tokens += payload.usage.cache_write_tokens;
        if (payload.cost_usd !== undefined) summary.cost_usd = (summary.cost_usd ?? 0) + payload.cost_usd;
        break;
      }
      case "agent.tool_use":
        session.open.push({ id: payload.tool_use_id, name: payload.name });
        break;
      case "agent.tool_result":
        session.open = session.open.filter((call) => call.id !== payload.tool_use_id);
        break;
      default:
        break;
    }
    for (const watcher of session.watchers) watcher(structuredClone({ type: "event", event }));
  };

  const delta = (session: StoredSession, text: string) => {
    for (const watcher of session.watchers) watcher({ type: "text_delta", thread_id: session.thread, text });
  };

  interface DriveOptions {
    clock: () => number;
    /** Waits between steps; throws `Cancelled` once the run is cancelled. */
    pause: (short: boolean) => Promise<void>;
    /** Answers an approval request. */
    approve: (toolUseId: string) => Promise<boolean>;
    permission: (tool: string) => Permission;
    model: string;
    maxTurns: number;
    failure: AppError | null;
  }

  /** Plays a script on a session, as the engine's loop would, until it ends, fails or is cancelled. */
  const drive = async (
    session: StoredSession,
    script: Generator<Step, IdleReason, boolean>,
    o: DriveOptions,
  ): Promise<void> => {
    let text = "";
    let turnStart: number | null = null;
    let answer = true;
    /** The evaluation being graded: its number and when it started. */
    let grading: { iteration: number; since: number } | null = null;
    const endTurn = (usage: TokenUsage) => {
      if (turnStart === null) return;
      const spent = cost(o.model, usage);
      emit(session, o.clock(), {
        type: "span.model_request_end",
        usage,
        ...(spent === undefined ? {} : { cost_usd: spent }),
        duration_ms: Math.max(1, o.clock() - turnStart),
      });
      turnStart = null;
    };
    const flushText = () => {
      if (text !== "") emit(session, o.clock(), { type: "agent.message", text });
      text = "";
    };
    try {
      for (let next = script.next(answer); !next.done; next = script.next(answer)) {
        const step = next.value;
        answer = true;
        await o.pause(step.type === "delta");
        switch (step.type) {
          case "turn":
            if (session.summary.turns >= o.maxTurns) {
              emit(session, o.clock(), { type: "session.status_idle", reason: "max_turns" });
              return;
            }
            turnStart = o.clock();
            emit(session, turnStart, { type: "span.model_request_start", model: o.model });
            if (o.failure) {
              endTurn(ZERO_USAGE);
              emit(session, o.clock(), { type: "session.error", error: o.failure });
              emit(session, o.clock(), { type: "session.status_idle", reason: "error" });
              return;
            }
            break;
          case "delta":
            text += step.text;
            delta(session, step.text);
            break;
          case "message":
            text = step.text;
            flushText();
            break;
          case "tool_use":
            flushText();
            session.toolCounter += 1;
            emit(session, o.clock(), {
              type: "agent.tool_use",
              tool_use_id: `toolu_${session.summary.id.slice(4)}_${String(session.toolCounter).padStart(2, "0")}`,
              name: step.name,
              input: step.input,
            });
            break;
          case "turn_end":
            flushText();
            endTurn(step.usage);
            break;
          case "tool_result": {
            const call = session.open[0];
            if (!call) break;
            const permission = o.permission(call.name);
            if (permission === "deny") {
              answer = false;
              emit(session, o.clock(), { type: "agent.tool_result", tool_use_id: call.id, content: deniedByPolicy(call.name), is_error: true });
              break;
            }
            if (permission === "ask") {
              const input = session.events.findLast(
                (e) => e.payload.type === "agent.tool_use" && e.payload.tool_use_id === call.id,
              )?.payload;
              emit(session, o.clock(), {
                type: "session.approval_requested",
                tool_use_id: call.id,
                name: call.name,
                input: input?.type === "agent.tool_use" ? input.input : {},
                working_directory: session.summary.workspace,
              });
              const approved = await o.approve(call.id);
              emit(session, o.clock(), { type: "session.approval_resolved", tool_use_id: call.id, approved });
              if (!approved) {
                answer = false;
                emit(session, o.clock(), { type: "agent.tool_result", tool_use_id: call.id, content: denied(call.name), is_error: true });
                break;
              }
              await o.pause(false);
            }
            emit(session, o.clock(), { type: "agent.tool_result", tool_use_id: call.id, content: step.output, is_error: false });
            break;
          }
          case "evaluation_start":
            grading = { iteration: step.iteration, since: o.clock() };
            emit(session, grading.since, {
              type: "span.outcome_evaluation_start",
              iteration: step.iteration,
              grader_model: step.model,
              passes: step.passes,
            });
            break;
          case "grading":
            break;
          case "evaluation_end": {
            const usage: TokenUsage = {
              input_tokens: (5_200 + step.iteration * 900) * step.passes,
              output_tokens: 420 * step.passes,
              cache_read_tokens: 0,
              cache_write_tokens: 0,
            };
            const spent = cost(session.grader ?? o.model, usage);
            const end = o.clock();
            emit(session, end, {
              type: "span.outcome_evaluation_end",
              iteration: step.iteration,
              result: step.result,
              verdicts: step.verdicts,
              usage,
              ...(spent === undefined ? {} : { cost_usd: spent }),
              duration_ms: Math.max(1, end - (grading?.since ?? end)),
            });
            grading = null;
            break;
          }
          case "emit":
            emit(session, o.clock(), step.payload);
            break;
        }
      }
      emit(session, o.clock(), { type: "session.status_idle", reason: "end_turn" });
    } catch (error) {
      if (error instanceof Stopped) return;
      if (!(error instanceof Cancelled)) throw error;
      // What the loop does on cancel: keep the partial text, close the request, give every
      // open call a cancelled result, then go idle.
      flushText();
      endTurn(ZERO_USAGE);
      if (grading) {
        const end = o.clock();
        emit(session, end, {
          type: "span.outcome_evaluation_end",
          iteration: grading.iteration,
          result: "interrupted",
          verdicts: [],
          usage: ZERO_USAGE,
          duration_ms: Math.max(1, end - grading.since),
        });
      }
      for (const call of [...session.open]) {
        emit(session, o.clock(), { type: "agent.tool_result", tool_use_id: call.id, content: CANCELLED_RESULT, is_error: true });
      }
      emit(session, o.clock(), { type: "session.status_idle", reason: "cancelled" });
    }
  };

  /** The options of a live run of `agent`: real timers, real approvals, cancellable. */
  const liveRun = (agent: Agent): { handle: RunHandle; options: DriveOptions } => {
    const handle: RunHandle = { cancelled: false, wake: null, approvals: new Map() };
    const view = deps.provider(agent.provider_id);
    const wait = <T,>(start: (resolve: (value: T) => void) => void) =>
      new Promise<T>((resolve, reject) => {
        if (handle.cancelled) return reject(new Cancelled());
        handle.wake = () => reject(new Cancelled());
        start((value) => {
          handle.wake = null;
          if (handle.cancelled) reject(new Cancelled());
          else resolve(value);
        });
      });
    const options: DriveOptions = {
      clock: deps.now,
      pause: (short) =>
        wait<void>((resolve) => setTimeout(() => resolve(), short ? Math.round(deps.stepMs / 3) : deps.stepMs)),
      approve: (toolUseId) =>
        wait<boolean>((resolve) => {
          handle.approvals.set(toolUseId, (approved) => {
            handle.approvals.delete(toolUseId);
            resolve(approved);
          });
        }),
      permission: (tool) => agent.tools.find((r) => r.tool === tool)?.permission ?? "allow",
      model: agent.model ?? view?.model ?? "unknown-model",
      maxTurns: agent.max_turns,
      failure: view
        ? view.failure
        : { code: "not_found", message: "This agent's model provider no longer exists. Choose another provider in Agents." },
    };
    return { handle, options };
  };

  const play = (session: StoredSession, agent: Agent, script: Generator<Step, IdleReason, boolean>) => {
    const { handle, options } = liveRun(agent);
    session.run = handle;
    void drive(session, script, options).finally(() => {
      if (session.run === handle) session.run = null;
    });
  };

  const newSession = (agent: Agent, input: RunInput, time: number): StoredSession => {
    const number = String(nextSession++).padStart(4, "0");
    const session: StoredSession = {
      summary: {
        id: `ses_${number}`,
        agent_id: agent.id,
        agent_name: agent.name,
        task_preview: [...input.task.trim()].slice(0, 200).join(""),
        workspace: input.workspace.trim(),
        status: "running",
        turns: 0,
        usage: { ...ZERO_USAGE },
        duration_ms: 0,
        last_seq: 0,
        created_at: time,
        updated_at: time,
      },
      events: [],
      thread: `thr_${number}`,
      watchers: new Set(),
      run: null,
      runningSince: null,
      open: [],
      toolCounter: 0,
      grader: null,
    };
    sessions.push(session);
    return session;
  };

  const checkRun = (input: RunInput): Agent => {
    const agent = deps.agents.get(input.agent_id);
    if (!agent) {
      throw { code: "invalid_input", field: "agent_id", message: "Choose an agent; the one selected no longer exists." } satisfies AppError;
    }
    const workspace = input.workspace.trim();
    if (workspace === "") {
      throw { code: "invalid_input", field: "workspace", message: "Choose the folder the agent works in." } satisfies AppError;
    }
    // The memory backend has no file system: any path that mentions "missing" does not exist.
    if (workspace.includes("missing")) {
      throw {
        code: "invalid_input",
        field: "workspace",
        message: `The folder ${workspace} does not exist. Choose an existing folder.`,
      } satisfies AppError;
    }
    if (input.task.trim() === "") {
      throw { code: "invalid_input", field: "task", message: "Describe the task for the agent." } satisfies AppError;
    }
    const bytes = utf8Bytes(input.task);
    if (bytes > TASK_MAX_BYTES) {
      throw { code: "invalid_input", field: "task", message: taskTooLargeMessage(bytes) } satisfies AppError;
    }
    return agent;
  };

  /** Checks a `define_outcome` as the engine does and resolves its rubric version and grader. */
  const defineOutcome = (input: RunInput, agent: Agent): OutcomeDefinition | null => {
    const o = input.outcome;
    if (!o) return null;
    const invalid = (field: string, message: string): AppError => ({ code: "invalid_input", field: `outcome.${field}`, message });
    const maxIterations = o.max_iterations ?? 3;
    if (!Number.isInteger(maxIterations) || maxIterations < 1 || maxIterations > 20) {
      throw invalid(
        "max_iterations",
        `Choose between 1 and 20 iterations: how many times the work is graded at most (you chose ${maxIterations}).`,
      );
    }
    const passes = o.grader_passes ?? 1;
    if (!Number.isInteger(passes) || passes < 1 || passes > 5) {
      throw invalid("grader_passes", `Choose between 1 and 5 grader passes (you chose ${passes}).`);
    }
    const description = o.description.trim() === "" ? input.task : o.description.trim();
    if (utf8Bytes(description) > TASK_MAX_BYTES) throw invalid("description", taskTooLargeMessage(utf8Bytes(description)));
    let resolved;
    try {
      resolved = deps.rubrics.version(o.rubric_id, o.rubric_version);
    } catch (error) {
      const message = (error as AppError).message;
      throw o.rubric_version !== undefined && deps.rubrics.exists(o.rubric_id)
        ? invalid("rubric_version", message)
        : invalid("rubric_id", "Choose a rubric; the one selected no longer exists.");
    }
    const providerId = o.grader_provider_id ?? agent.provider_id;
    const provider = deps.provider(providerId);
    if (!provider) {
      throw invalid("grader_provider_id", "The grader's model provider no longer exists. Choose another provider for the grader.");
    }
    if (provider.failure) {
      throw invalid(
        "grader_provider_id",
        `No working API key for the grader's provider “${provider.name}”. Add one in Settings → Model providers, or choose another provider for the grader.`,
      );
    }
    const model =
      o.grader_model?.trim() || (providerId === agent.provider_id ? (agent.model ?? provider.model) : provider.model);
    return {
      description,
      rubric_id: resolved.rubric.id,
      rubric_name: resolved.rubric.name,
      rubric_version: resolved.version.version,
      criteria: resolved.version.criteria,
      max_iterations: maxIterations,
      grader_passes: passes,
      grader_provider_id: providerId,
      grader_model: model,
    };
  };

  /** Builds a finished, interrupted or failed session in the past, for the demo scenario. */
  const seed = async (spec: SeedSession) => {
    const agent = deps.agents.list().find((a) => a.name === spec.agent);
    if (!agent) throw new Error(`seed: no agent named ${spec.agent}`);
    let time = deps.now() - spec.startedAgoMs;
    const input: RunInput = { agent_id: agent.id, workspace: spec.workspace, task: spec.task };
    if (spec.rubric !== undefined) {
      const rubric = deps.rubrics.list().find((r) => r.name === spec.rubric);
      if (!rubric) throw new Error(`seed: no rubric named ${spec.rubric}`);
      input.outcome = { description: "", rubric_id: rubric.id, grader_passes: spec.graderPasses ?? 1 };
    }
    const outcome = defineOutcome(input, agent);
    const session = newSession(agent, input, time);
    const clock = () => (time += 900);
    if (outcome) {
      session.grader = outcome.grader_model;
      emit(session, clock(), { type: "outcome.defined", outcome });
    }
    emit(session, clock(), { type: "user.message", text: spec.task });
    emit(session, clock(), { type: "session.status_running" });
    const view = deps.provider(agent.provider_id);
    await drive(session, outcome ? outcomeScript(spec.task, outcome) : taskScript(spec.task), {
      clock,
      pause: () => Promise.resolve(),
      // An interrupted session died while its command waited for approval.
      approve: () => (spec.outcome === "interrupted" ? Promise.reject(new Stopped()) : Promise.resolve(true)),
      permission: (tool) => agent.tools.find((r) => r.tool === tool)?.permission ?? "allow",
      model: agent.model ?? view?.model ?? "unknown-model",
      maxTurns: agent.max_turns,
      failure:
        spec.outcome === "error"
          ? {
              code: "network",
              message: `Couldn't reach ${view?.name ?? "the model provider"}. Check that the server is running, then send the task again.`,
            }
          : null,
    });
    if (spec.outcome === "interrupted") {
      session.summary.status = "interrupted";
      if (session.runningSince !== null) session.summary.duration_ms += time - session.runningSince;
      session.runningSince = null;
    }
  };

  return {
    seed,

    list: (): SessionSummary[] => [...sessions].map((s) => s.summary).sort((a, b) => b.created_at - a.created_at),

    get: (id: string): SessionSummary => find(id).summary,

    events: (id: string, after: number, limit: number): SessionEvent[] =>
      find(id).events.filter((e) => e.seq > after).slice(0, Math.max(0, limit)),

    start(input: RunInput): SessionSummary {
      const agent = checkRun(input);
      const outcome = defineOutcome(input, agent);
      const time = deps.now();
      const session = newSession(agent, input, time);
      if (outcome) {
        session.grader = outcome.grader_model;
        emit(session, time, { type: "outcome.defined", outcome });
      }
      emit(session, time, { type: "user.message", text: input.task });
      emit(session, time, { type: "session.status_running" });
      play(session, agent, outcome ? outcomeScript(input.task, outcome) : taskScript(input.task));
      return session.summary;
    },

    cancel(id: string): void {
      const session = find(id);
      if (session.summary.status !== "running" || !session.run) {
        throw { code: "conflict", message: "This session is not running, so there is nothing to cancel." } satisfies AppError;
      }
      session.run.cancelled = true;
      session.run.approvals.clear();
      session.run.wake?.();
    },

    continue(id: string, message: string | null): SessionSummary {
      const session = find(id);
      const { summary } = session;
      if (summary.status === "running") {
        throw { code: "conflict", message: "This session is still running. Wait for it to finish, or cancel it." } satisfies AppError;
      }
      const agent = summary.agent_id ? deps.agents.get(summary.agent_id) : undefined;
      if (!agent) {
        throw { code: "not_found", message: "The agent of this session no longer exists, so it cannot go on." } satisfies AppError;
      }
      const text = message?.trim() ?? "";
      // A finished turn needs something new to say; one that stopped early can simply go on.
      const stoppedEarly = summary.status === "idle" && summary.stop_reason !== undefined && summary.stop_reason !== "end_turn";
      if (summary.status === "idle" && text === "" && !stoppedEarly) {
        throw { code: "invalid_input", field: "message", message: "Write a message for the agent." } satisfies AppError;
      }
      const time = deps.now();
      const resuming = summary.status === "interrupted" || stoppedEarly;
      // Calls the dead process never finished get a result, so the transcript stays valid.
      for (const call of [...session.open]) {
        emit(session, time, { type: "agent.tool_result", tool_use_id: call.id, content: INTERRUPTED_RESULT, is_error: true });
      }
      if (text !== "") emit(session, time, { type: "user.message", text });
      emit(session, time, { type: "session.status_running" });
      play(session, agent, resuming && text === "" ? resumeScript() : followUpScript());
      return session.summary;
    },

    answer(sessionId: string, toolUseId: string, approved: boolean): void {
      const waiting = find(sessionId).run?.approvals.get(toolUseId);
      if (!waiting) {
        throw { code: "not_found", message: "This approval is no longer waiting for an answer." } satisfies AppError;
      }
      waiting(approved);
    },

    /** Replays stored events after `after`, then follows live ones. */
    watch(id: string, after: number, onItem: (item: StreamItem) => void): () => void {
      const session = find(id);
      for (const event of session.events) {
        if (event.seq > after) onItem(structuredClone({ type: "event", event }));
      }
      session.watchers.add(onItem);
      return () => {
        session.watchers.delete(onItem);
      };
    },
  };
}
