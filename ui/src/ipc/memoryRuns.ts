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
import { cost, ZERO_USAGE } from "./memoryPricing";
import {
  followUpScript,
  outcomeScript,
  resumeScript,
  taskScript,
  type DelegationResult,
  type Step,
} from "./memoryScripts";
import {
  Cancelled,
  coordinatorFollowUpScript,
  coordinatorScript,
  DEFAULT_MAX_THREADS,
  MAX_THREADS,
  runDelegations,
  Slots,
  subagentScript,
  type Member,
  type TeamHost,
  type ThreadOutcome,
  type Waiter,
} from "./memoryTeam";

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
  /** Tool uses without a result yet, oldest first, with the thread that made each. */
  open: Array<{ id: string; name: string; thread: string }>;
  toolCounter: number;
  /** The model that grades this session's outcome, if it has one. */
  grader: string | null;
  /** Subagent threads (a coordinator's session), and how many may run at once. */
  members: Map<string, Member>;
  maxThreads: number;
}

/** The live run of a session: its primary thread's waiter, approvals, and subagents' waiters. */
interface RunHandle extends Waiter {
  approvals: Map<string, (approved: boolean) => void>;
  /** Subagent threads working (or queued) now, each stoppable on its own. */
  threads: Map<string, Waiter>;
  slots: Slots;
}

/** Thrown to leave a seeded session as a dead process would: mid-run, nothing closed. */
class Stopped extends Error {}

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
  const emit = (session: StoredSession, time: number, payload: EventPayload, thread = session.thread) => {
    const { summary } = session;
    const event: SessionEvent = {
      session_id: summary.id,
      seq: summary.last_seq + 1,
      thread_id: thread,
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
        session.open.push({ id: payload.tool_use_id, name: payload.name, thread });
        break;
      case "agent.tool_result":
        session.open = session.open.filter((call) => call.id !== payload.tool_use_id);
        break;
      default:
        break;
    }
    for (const watcher of session.watchers) watcher(structuredClone({ type: "event", event }));
  };

  const delta = (session: StoredSession, text: string, thread: string) => {
    for (const watcher of session.watchers) watcher({ type: "text_delta", thread_id: thread, text });
  };

  interface DriveOptions {
    /** The thread the script plays on, and its coordinator's when it is a subagent's. */
    thread: string;
    parent: string | null;
    clock: () => number;
    /** Waits between steps; throws `Cancelled` once the run is cancelled. */
    pause: (short: boolean) => Promise<void>;
    /** Answers an approval request. */
    approve: (toolUseId: string) => Promise<boolean>;
    permission: (tool: string) => Permission;
    model: string;
    maxTurns: number;
    failure: AppError | null;
    /** Runs a coordinator's delegate calls (a coordinator's run only). */
    delegate: ((calls: Array<{ id: string; input: unknown }>, results: DelegationResult[]) => Promise<void>) | null;
  }

  /**
   * Plays a script on a thread of a session, as the engine's loop would, until it ends, fails or
   * is cancelled. A subagent's run ends with its report to its coordinator and a thread status;
   * the primary thread's with the session's status.
   */
  const drive = async (
    session: StoredSession,
    script: Generator<Step, IdleReason, boolean>,
    o: DriveOptions,
  ): Promise<ThreadOutcome | null> => {
    const put = (time: number, payload: EventPayload) => emit(session, time, payload, o.thread);
    const finish = (reason: IdleReason, error: string | null = null): ThreadOutcome => {
      if (o.parent === null) {
        put(o.clock(), { type: "session.status_idle", reason });
      } else {
        if (finalMessage !== "")
          put(o.clock(), { type: "agent.thread_message_sent", to_thread_id: o.parent, text: finalMessage });
        put(o.clock(), { type: "session.thread_status_idle", reason });
      }
      return { reason, finalMessage, error };
    };
    let finalMessage = "";
    let turns = 0;
    let text = "";
    let turnStart: number | null = null;
    let answer = true;
    /** The evaluation being graded: its number and when it started. */
    let grading: { iteration: number; since: number } | null = null;
    const endTurn = (usage: TokenUsage) => {
      if (turnStart === null) return;
      const spent = cost(o.model, usage);
      put(o.clock(), {
        type: "span.model_request_end",
        usage,
        ...(spent === undefined ? {} : { cost_usd: spent }),
        duration_ms: Math.max(1, o.clock() - turnStart),
      });
      turnStart = null;
    };
    const flushText = () => {
      if (text !== "") {
        put(o.clock(), { type: "agent.message", text });
        if (text.trim() !== "") finalMessage = text;
      }
      text = "";
    };
    try {
      for (let next = script.next(answer); !next.done; next = script.next(answer)) {
        const step = next.value;
        answer = true;
        await o.pause(step.type === "delta");
        switch (step.type) {
          case "turn":
            // The primary thread counts the session's requests; a subagent its own run's.
            if ((o.parent === null ? session.summary.turns : turns) >= o.maxTurns) return finish("max_turns");
            turns += 1;
            turnStart = o.clock();
            put(turnStart, { type: "span.model_request_start", model: o.model });
            if (o.failure) {
              endTurn(ZERO_USAGE);
              put(o.clock(), { type: "session.error", error: o.failure });
              return finish("error", o.failure.message);
            }
            break;
          case "delta":
            text += step.text;
            delta(session, step.text, o.thread);
            break;
          case "message":
            text = step.text;
            flushText();
            break;
          case "tool_use":
            flushText();
            session.toolCounter += 1;
            put(o.clock(), {
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
            const call = session.open.find((c) => c.thread === o.thread);
            if (!call) break;
            const permission = o.permission(call.name);
            if (permission === "deny") {
              answer = false;
              put(o.clock(), {
                type: "agent.tool_result",
                tool_use_id: call.id,
                content: deniedByPolicy(call.name),
                is_error: true,
              });
              break;
            }
            if (permission === "ask") {
              const input = session.events.findLast(
                (e) => e.payload.type === "agent.tool_use" && e.payload.tool_use_id === call.id,
              )?.payload;
              put(o.clock(), {
                type: "session.approval_requested",
                tool_use_id: call.id,
                name: call.name,
                input: input?.type === "agent.tool_use" ? input.input : {},
                working_directory: session.summary.workspace,
              });
              const approved = await o.approve(call.id);
              put(o.clock(), { type: "session.approval_resolved", tool_use_id: call.id, approved });
              if (!approved) {
                answer = false;
                put(o.clock(), {
                  type: "agent.tool_result",
                  tool_use_id: call.id,
                  content: denied(call.name),
                  is_error: true,
                });
                break;
              }
              await o.pause(false);
            }
            put(o.clock(), { type: "agent.tool_result", tool_use_id: call.id, content: step.output, is_error: false });
            break;
          }
          case "evaluation_start":
            grading = { iteration: step.iteration, since: o.clock() };
            put(grading.since, {
              type: "span.outcome_evaluation_start",
              iteration: step.iteration,
              grader_model: step.model,
              passes: step.passes,
            });
            break;
          case "grading":
          case "wait":
            break;
          case "delegations": {
            const calls = session.open.filter((c) => c.thread === o.thread && c.name === "delegate");
            const inputs = calls.map((c) => {
              const use = session.events.findLast(
                (e) => e.payload.type === "agent.tool_use" && e.payload.tool_use_id === c.id,
              )?.payload;
              return { id: c.id, input: use?.type === "agent.tool_use" ? use.input : {} };
            });
            await o.delegate?.(inputs, step.results);
            break;
          }
          case "evaluation_end": {
            const usage: TokenUsage = {
              input_tokens: (5_200 + step.iteration * 900) * step.passes,
              output_tokens: 420 * step.passes,
              cache_read_tokens: 0,
              cache_write_tokens: 0,
            };
            const spent = cost(session.grader ?? o.model, usage);
            const end = o.clock();
            put(end, {
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
            put(o.clock(), step.payload);
            break;
        }
      }
      return finish("end_turn");
    } catch (error) {
      if (error instanceof Stopped) return null;
      if (!(error instanceof Cancelled)) throw error;
      // What the loop does on cancel: keep the partial text, close the request, give every
      // open call a cancelled result, then go idle.
      flushText();
      endTurn(ZERO_USAGE);
      if (grading) {
        const end = o.clock();
        put(end, {
          type: "span.outcome_evaluation_end",
          iteration: grading.iteration,
          result: "interrupted",
          verdicts: [],
          usage: ZERO_USAGE,
          duration_ms: Math.max(1, end - grading.since),
        });
      }
      for (const call of session.open.filter((c) => c.thread === o.thread)) {
        put(o.clock(), { type: "agent.tool_result", tool_use_id: call.id, content: CANCELLED_RESULT, is_error: true });
      }
      return finish("cancelled");
    }
  };

  /** A wait that stops (with `Cancelled`) when the thread's waiter or the session's is cancelled. */
  const waitFor = <T>(own: Waiter, run: Waiter, start: (resolve: (value: T) => void) => void, onCancel?: () => void) =>
    new Promise<T>((resolve, reject) => {
      const stopped = () => own.cancelled || run.cancelled;
      if (stopped()) return reject(new Cancelled());
      own.wake = () => {
        onCancel?.();
        reject(new Cancelled());
      };
      start((value) => {
        own.wake = null;
        if (stopped()) reject(new Cancelled());
        else resolve(value);
      });
    });

  /** What a run of `agent` takes from the agent itself: its permissions, model and provider. */
  const agentOptions = (agent: Agent) => {
    const view = deps.provider(agent.provider_id);
    return {
      permission: (tool: string) => agent.tools.find((r) => r.tool === tool)?.permission ?? "allow",
      model: agent.model ?? view?.model ?? "unknown-model",
      maxTurns: agent.max_turns,
      failure: view
        ? view.failure
        : ({
            code: "not_found",
            message: "This agent's model provider no longer exists. Choose another provider in Agents.",
          } as AppError),
    };
  };

  /** How runs of a session are paced and stopped: live (timers, approvals, cancel) or seeded. */
  interface Pacing {
    /** Time for a step (a seeded run's clock moves on with each). */
    clock: () => number;
    /** Time for bookkeeping that happens at once (delegations recorded, threads started). */
    now: () => number;
    /** The options of a run of `agent` on `thread` that `own` can stop. */
    options(agent: Agent, thread: string, parent: string | null, own: Waiter): DriveOptions;
    /** A waiter for one run of a subagent thread, and its end. */
    waiter(thread: string): Waiter;
    done(thread: string): void;
    slots: Slots;
  }

  /** A coordinator's team in `session`: delegations run as subagent threads paced by `pacing`. */
  const team = (session: StoredSession, coordinator: Agent, pacing: Pacing): TeamHost => {
    const roster = coordinator.roster.flatMap((id) => deps.agents.get(id) ?? []);
    return {
      coordinator: session.thread,
      roster,
      members: session.members,
      emit: (thread, payload) => emit(session, pacing.now(), payload, thread),
      newThread: () => `${session.thread}_${session.members.size + 1}`,
      waiter: pacing.waiter,
      done: pacing.done,
      slot: (waiter) => pacing.slots.acquire(waiter),
      run: async (agent, thread, message, fresh, waiter) => {
        emit(
          session,
          pacing.now(),
          { type: "agent.thread_message_received", from_thread_id: session.thread, text: message },
          thread,
        );
        emit(session, pacing.now(), { type: "session.thread_status_running" }, thread);
        const part = Math.max(
          0,
          roster.findIndex((a) => a.id === agent.id),
        );
        const outcome = await drive(
          session,
          subagentScript(part, fresh),
          pacing.options(agent, thread, session.thread, waiter),
        );
        return outcome ?? { reason: "cancelled", finalMessage: "", error: null };
      },
    };
  };

  /** The pacing of a live run: real timers, real approvals, cancellable as a whole or by thread. */
  const livePacing = (session: StoredSession, handle: RunHandle, coordinator: Agent): Pacing => {
    const pacing: Pacing = {
      clock: deps.now,
      now: deps.now,
      slots: handle.slots,
      waiter: (thread) => {
        const waiter: Waiter = { cancelled: false, wake: null };
        handle.threads.set(thread, waiter);
        return waiter;
      },
      done: (thread) => {
        handle.threads.delete(thread);
      },
      options: (agent, thread, parent, own) => ({
        thread,
        parent,
        clock: deps.now,
        pause: (short) =>
          waitFor<void>(own, handle, (resolve) =>
            setTimeout(() => resolve(), short ? Math.round(deps.stepMs / 3) : deps.stepMs),
          ),
        approve: (toolUseId) =>
          waitFor<boolean>(
            own,
            handle,
            (resolve) => {
              handle.approvals.set(toolUseId, (approved) => {
                handle.approvals.delete(toolUseId);
                resolve(approved);
              });
            },
            () => handle.approvals.delete(toolUseId),
          ),
        ...agentOptions(agent),
        delegate:
          parent === null && agent.roster.length > 0
            ? (calls, results) => runDelegations(team(session, coordinator, pacing), calls, results)
            : null,
      }),
    };
    return pacing;
  };

  const play = (session: StoredSession, agent: Agent, script: Generator<Step, IdleReason, boolean>) => {
    const handle: RunHandle = {
      cancelled: false,
      wake: null,
      approvals: new Map(),
      threads: new Map(),
      slots: new Slots(session.maxThreads),
    };
    session.run = handle;
    const options = livePacing(session, handle, agent).options(agent, session.thread, null, handle);
    void drive(session, script, options).finally(() => {
      if (session.run === handle) session.run = null;
    });
  };

  /** What an agent does on a task: a coordinator delegates to its roster, any other works alone. */
  const scriptFor = (agent: Agent, task: string): Generator<Step, IdleReason, boolean> => {
    const roster = agent.roster.flatMap((id) => deps.agents.get(id) ?? []);
    return roster.length > 0 ? coordinatorScript(task, roster) : taskScript(task);
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
      members: new Map(),
      maxThreads: input.max_threads ?? DEFAULT_MAX_THREADS,
    };
    sessions.push(session);
    return session;
  };

  const checkRun = (input: RunInput): Agent => {
    const agent = deps.agents.get(input.agent_id);
    if (!agent) {
      throw {
        code: "invalid_input",
        field: "agent_id",
        message: "Choose an agent; the one selected no longer exists.",
      } satisfies AppError;
    }
    const workspace = input.workspace.trim();
    if (workspace === "") {
      throw {
        code: "invalid_input",
        field: "workspace",
        message: "Choose the folder the agent works in.",
      } satisfies AppError;
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
    const threads = input.max_threads ?? DEFAULT_MAX_THREADS;
    if (!Number.isInteger(threads) || threads < 1 || threads > MAX_THREADS) {
      throw {
        code: "invalid_input",
        field: "max_threads",
        message: `Choose between 1 and ${MAX_THREADS} subagent threads at once (you chose ${threads}).`,
      } satisfies AppError;
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
    const invalid = (field: string, message: string): AppError => ({
      code: "invalid_input",
      field: `outcome.${field}`,
      message,
    });
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
    if (utf8Bytes(description) > TASK_MAX_BYTES)
      throw invalid("description", taskTooLargeMessage(utf8Bytes(description)));
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
      throw invalid(
        "grader_provider_id",
        "The grader's model provider no longer exists. Choose another provider for the grader.",
      );
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
    const failure: AppError | null =
      spec.outcome === "error"
        ? {
            code: "network",
            message: `Couldn't reach ${deps.provider(agent.provider_id)?.name ?? "the model provider"}. Check that the server is running, then send the task again.`,
          }
        : null;
    // Played at once on the seed's clock; a team's threads still interleave, step by step.
    const pacing: Pacing = {
      clock,
      now: () => time,
      slots: new Slots(session.maxThreads),
      waiter: () => ({ cancelled: false, wake: null }),
      done: () => {},
      options: (runner, thread, parent) => ({
        thread,
        parent,
        clock,
        pause: () => Promise.resolve(),
        // An interrupted session died while its command waited for approval.
        approve: () => (spec.outcome === "interrupted" ? Promise.reject(new Stopped()) : Promise.resolve(true)),
        ...agentOptions(runner),
        failure: parent === null ? failure : null,
        delegate:
          parent === null && runner.roster.length > 0
            ? (calls, results) => runDelegations(team(session, agent, pacing), calls, results)
            : null,
      }),
    };
    const options = pacing.options(agent, session.thread, null, { cancelled: false, wake: null });
    await drive(session, outcome ? outcomeScript(spec.task, outcome) : scriptFor(agent, spec.task), options);
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
      find(id)
        .events.filter((e) => e.seq > after)
        .slice(0, Math.max(0, limit)),

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
      play(session, agent, outcome ? outcomeScript(input.task, outcome) : scriptFor(agent, input.task));
      return session.summary;
    },

    cancel(id: string): void {
      const session = find(id);
      if (session.summary.status !== "running" || !session.run) {
        throw {
          code: "conflict",
          message: "This session is not running, so there is nothing to cancel.",
        } satisfies AppError;
      }
      session.run.cancelled = true;
      session.run.approvals.clear();
      session.run.wake?.();
      for (const waiter of session.run.threads.values()) {
        waiter.cancelled = true;
        waiter.wake?.();
      }
    },

    /** Stops one subagent thread; its coordinator gets a "cancelled" delegate result. */
    cancelThread(id: string, threadId: string): void {
      const waiter = find(id).run?.threads.get(threadId);
      if (!waiter) throw { code: "not_found", message: "That thread is not running in this app." } satisfies AppError;
      waiter.cancelled = true;
      waiter.wake?.();
    },

    continue(id: string, message: string | null): SessionSummary {
      const session = find(id);
      const { summary } = session;
      if (summary.status === "running") {
        throw {
          code: "conflict",
          message: "This session is still running. Wait for it to finish, or cancel it.",
        } satisfies AppError;
      }
      const agent = summary.agent_id ? deps.agents.get(summary.agent_id) : undefined;
      if (!agent) {
        throw {
          code: "not_found",
          message: "The agent of this session no longer exists, so it cannot go on.",
        } satisfies AppError;
      }
      const text = message?.trim() ?? "";
      // A finished turn needs something new to say; one that stopped early can simply go on.
      const stoppedEarly =
        summary.status === "idle" && summary.stop_reason !== undefined && summary.stop_reason !== "end_turn";
      if (summary.status === "idle" && text === "" && !stoppedEarly) {
        throw { code: "invalid_input", field: "message", message: "Write a message for the agent." } satisfies AppError;
      }
      const time = deps.now();
      const resuming = summary.status === "interrupted" || stoppedEarly;
      // Calls the dead process never finished get a result, so the transcript stays valid.
      for (const call of [...session.open]) {
        emit(session, time, {
          type: "agent.tool_result",
          tool_use_id: call.id,
          content: INTERRUPTED_RESULT,
          is_error: true,
        });
      }
      if (text !== "") emit(session, time, { type: "user.message", text });
      emit(session, time, { type: "session.status_running" });
      // A coordinator follows up with the last subagent it worked with, in that thread.
      const last = [...session.members].at(-1);
      const script =
        resuming && text === ""
          ? resumeScript()
          : agent.roster.length > 0 && last
            ? coordinatorFollowUpScript(last[0], last[1].agent)
            : followUpScript();
      play(session, agent, script);
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

export type SessionStore = ReturnType<typeof createSessionStore>;
