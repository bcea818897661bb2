import type {
  AppError,
  ApplyReport,
  Dream,
  DreamInput,
  DreamMode,
  DreamSettings,
  Evidence,
  FileChange,
  FileOp,
  HunkDecision,
  Proposal,
  SessionEvent,
  TokenUsage,
} from "../bindings";
import { applyChosen, around, rebase } from "../shared/proposal";
import type { AgentStore } from "./memoryAgents";
import { diffLines } from "./memoryDiff";
import { cost } from "./memoryPricing";
import type { SessionStore } from "./memoryRuns";
import { firstLine } from "./memoryScripts";
import { sha256Hex, type MemoryStores, type StoreChange } from "./memoryStores";

/**
 * Dreams of the memory backend, following the engine's rules (`engine::dream`): the same
 * checks and messages on start, one dream at a time per store, progress through the stages
 * (a pause per pretend model call), cancel, a proposal whose hunks are computed from the
 * store's files, decisions, Apply through the memory write path as `dream:<id>` in one go
 * (rebased or flagged as conflicts when a file changed since), Revert, auto mode, settings and
 * the sessions a store has not dreamed about yet.
 */

export const MAX_DREAM_SESSIONS = 100;
export const MAX_INSTRUCTIONS_CHARS = 4096;

/** Pauses (of the backend's step) a pretend model call takes: long enough to watch in mock mode. */
const EXTRACT_STEPS = 8;
const CONSOLIDATE_STEPS = 10;

/** A change a seeded dream proposes. */
export interface SeedChange {
  op: FileOp;
  /** The file's path (for a rename: the new one). */
  path: string;
  /** A rename's old path. */
  from?: string;
  /** A create's or update's new content. */
  content?: string;
  /** What the change was based on; by default the file's content when the dream is seeded. */
  before?: string;
  rationale: string;
  /**
   * Quotes from seeded sessions: the event is the first whose text (as a dream reads it)
   * contains the quote, unless `seq` names it (a session deleted since).
   */
  evidence?: Array<{ session: string; quote: string; seq?: number }>;
}

/** A past dream of a demo store. */
export interface SeedDream {
  store: string;
  /** `ready`: completed, its proposal waiting for review; `applied`: applied (its writes are the store's seed steps). */
  outcome: "ready" | "applied" | "empty" | "failed" | "canceled";
  mode?: DreamMode;
  sessions: string[];
  instructions?: string;
  startedAgoMs: number;
  /** How long it ran (default 40 s). */
  tookMs?: number;
  /** Why it failed. */
  error?: string;
  changes?: SeedChange[];
  dropped?: string[];
}

interface Deps {
  now: () => number;
  /** Pause between steps; 0 still yields to the event loop. */
  stepMs: number;
  memory: MemoryStores;
  agents: AgentStore;
  sessions: SessionStore;
  provider: (id: string) => { name: string; model: string; failure: AppError | null } | null;
}

/** What Apply wrote for one file, so Revert can restore it. */
interface Applied {
  op: FileOp;
  path: string;
  previous_path: string | null;
  before: string | null;
  after: string | null;
}

interface StoredDream {
  dream: Dream;
  proposal: Proposal | null;
  applied: Applied[] | null;
  /** Set by `cancel` while it runs. */
  cancelled: boolean;
  running: boolean;
}

class Canceled extends Error {}

const ZERO: TokenUsage = { input_tokens: 0, output_tokens: 0, cache_read_tokens: 0, cache_write_tokens: 0 };

function invalid(field: string, message: string): AppError {
  return { code: "invalid_input", message, field };
}

/** An event's text as the dream's transcript shows it (what evidence quotes are checked against). */
export function eventText(event: SessionEvent): string | null {
  const p = event.payload;
  switch (p.type) {
    case "user.message":
    case "agent.message":
      return p.text;
    case "agent.tool_use":
      return `${p.name} ${JSON.stringify(p.input)}`;
    case "agent.tool_result":
      return p.content;
    case "session.error":
      return p.error.message;
    case "session.approval_resolved":
      return p.approved ? "the user approved the call" : "the user denied the call";
    default:
      return null;
  }
}

/** The first sentence of a text, for a quote that is a prefix of it. */
function firstSentence(text: string): string {
  const trimmed = text.trim();
  const match = /^[\s\S]*?[.!?](?=\s|$)/.exec(trimmed);
  const sentence = match ? match[0] : trimmed;
  return sentence.length > 160 ? sentence.slice(0, 160) : sentence;
}

function addUsage(a: TokenUsage, b: TokenUsage): TokenUsage {
  return {
    input_tokens: a.input_tokens + b.input_tokens,
    output_tokens: a.output_tokens + b.output_tokens,
    cache_read_tokens: a.cache_read_tokens + b.cache_read_tokens,
    cache_write_tokens: a.cache_write_tokens + b.cache_write_tokens,
  };
}

const extractUsage = (events: number): TokenUsage => ({
  ...ZERO,
  input_tokens: 2_400 + events * 160,
  output_tokens: 420,
});
const consolidateUsage = (bytes: number): TokenUsage => ({
  ...ZERO,
  input_tokens: 3_800 + Math.round(bytes / 4),
  output_tokens: 1_350,
});

/** A file change with its hunks (computed like the engine's), all pending: a delete is one hunk, a rename one empty hunk. */
export function fileChange(
  index: number,
  op: FileOp,
  path: string,
  previous: string | null,
  base: string | null,
  before: string,
  after: string,
): FileChange {
  const hunks =
    op === "rename"
      ? [{ old_start: 1, old_lines: 0, new_start: 1, new_lines: 0, lines: [] }]
      : diffLines(before, after);
  const change: FileChange = {
    op,
    path,
    old_content: before,
    new_content: after,
    hunks: hunks.map((hunk, i) => ({ id: `${index}.${i}`, hunk, decision: "pending" })),
    rationale: "",
    evidence: [],
  };
  if (previous !== null) change.previous_path = previous;
  if (base !== null) change.base_sha256 = base;
  return change;
}

export function createDreamStore(deps: Deps) {
  const dreams: StoredDream[] = [];
  const settings = new Map<string, DreamSettings>();
  /** Sessions each store's dreams have read. */
  const dreamed = new Map<string, Set<string>>();
  const watchers = new Set<(dream: Dream) => void>();
  let nextDream = 1;

  const emit = (stored: StoredDream) => {
    for (const watcher of watchers) watcher(structuredClone(stored.dream));
  };

  const find = (id: string): StoredDream => {
    const stored = dreams.find((d) => d.dream.id === id);
    if (!stored) throw { code: "not_found", message: `Dream ${id} does not exist.` } satisfies AppError;
    return stored;
  };

  const checkStore = (id: string): string => {
    const name = deps.memory.nameOf(id);
    if (name === undefined)
      throw { code: "not_found", message: "This memory store no longer exists. Reload the list." } satisfies AppError;
    return name;
  };

  const mounting = (storeId: string) => deps.agents.list().filter((a) => a.memory.some((m) => m.store_id === storeId));

  const readFile = (storeId: string, path: string): { content: string; sha256: string } | null => {
    try {
      const file = deps.memory.read(storeId, path);
      return { content: file.content, sha256: file.sha256 };
    } catch {
      return null;
    }
  };

  const newSessions = (storeId: string): string[] => {
    const agents = new Set(mounting(storeId).map((a) => a.id));
    const read = dreamed.get(storeId) ?? new Set<string>();
    return deps.sessions
      .list()
      .filter((s) => s.agent_id !== undefined && agents.has(s.agent_id) && s.status === "idle" && !read.has(s.id))
      .sort((a, b) => a.created_at - b.created_at || a.id.localeCompare(b.id))
      .slice(0, MAX_DREAM_SESSIONS)
      .map((s) => s.id);
  };

  const markDreamed = (dream: Dream) => {
    const read = dreamed.get(dream.store_id) ?? new Set<string>();
    for (const id of dream.sessions) read.add(id);
    dreamed.set(dream.store_id, read);
  };

  const eventsOf = (sessionId: string): SessionEvent[] => {
    try {
      return deps.sessions.events(sessionId, 0, Number.MAX_SAFE_INTEGER);
    } catch {
      return [];
    }
  };

  const newId = () => `drm_${String(nextDream++).padStart(4, "0")}`;

  /** A change's hunks and evidence from what a dream read. */
  const evidenceFor = (specs: NonNullable<SeedChange["evidence"]>): Evidence[] =>
    specs.map(({ session, quote, seq }) => {
      if (seq !== undefined) return { session_id: session, seq, quote };
      const event = eventsOf(session).find((e) => eventText(e)?.includes(quote));
      if (!event) throw new Error(`seed: no event of ${session} says “${quote}”`);
      return { session_id: session, seq: event.seq, quote };
    });

  // Apply and Revert, as the engine does them.

  const apply = async (id: string): Promise<{ proposal: Proposal; report: ApplyReport }> => {
    const stored = find(id);
    const p = stored.proposal;
    if (!p || p.status !== "ready") {
      throw { code: "conflict", message: "This proposal was already applied or rejected." } satisfies AppError;
    }
    const changes: Array<{ change: StoreChange; expected: string | null }> = [];
    const applied: Applied[] = [];
    const conflicts: string[] = [];
    const next = structuredClone(p);
    for (const file of next.files) {
      for (const hunk of file.hunks) if (hunk.decision === "pending") hunk.decision = "rejected";
      if (!file.hunks.some((h) => h.decision === "accepted")) continue;
      const source = file.previous_path ?? file.path;
      const current = readFile(p.store_id, source);
      const currentSha = current?.sha256 ?? null;
      const unchanged = currentSha === (file.base_sha256 ?? null);
      if (file.op === "create" || file.op === "update") {
        const before = current?.content ?? null;
        let text: string | null;
        if (unchanged) {
          text = applyChosen(file, (h) => h.decision === "accepted");
          for (const h of file.hunks) if (h.decision === "accepted") h.decision = "applied";
        } else {
          let working = before ?? "";
          let any = false;
          const snapshot = structuredClone(file);
          for (const h of file.hunks.filter((x) => x.decision === "accepted")) {
            const rebased = rebase(working, snapshot, h);
            if (rebased !== null) {
              working = rebased;
              h.decision = "applied";
              any = true;
            } else {
              h.decision = "conflict";
              h.theirs = around(before ?? "", h.hunk);
              conflicts.push(h.id);
            }
          }
          text = any ? working : null;
        }
        if (text !== null) {
          if (text.trim() === "") {
            if (current) {
              changes.push({ change: { type: "delete", path: file.path }, expected: currentSha });
              applied.push({ op: "delete", path: file.path, previous_path: null, before, after: null });
            }
          } else {
            changes.push({ change: { type: "write", path: file.path, content: text }, expected: currentSha });
            applied.push({
              op: current ? "update" : "create",
              path: file.path,
              previous_path: null,
              before,
              after: text,
            });
          }
        }
      } else {
        const targetFree = file.op === "delete" || readFile(p.store_id, file.path) === null;
        const hunk = file.hunks[0];
        if (!hunk) continue;
        if (unchanged && targetFree && current) {
          hunk.decision = "applied";
          if (file.op === "delete") {
            changes.push({ change: { type: "delete", path: file.path }, expected: currentSha });
            applied.push({ op: "delete", path: file.path, previous_path: null, before: current.content, after: null });
          } else {
            changes.push({ change: { type: "rename", from: source, to: file.path }, expected: currentSha });
            applied.push({
              op: "rename",
              path: file.path,
              previous_path: source,
              before: current.content,
              after: current.content,
            });
          }
        } else {
          hunk.decision = "conflict";
          if (current) hunk.theirs = current.content;
          conflicts.push(hunk.id);
        }
      }
    }
    const now = deps.now();
    next.applied_at = now;
    if (changes.length === 0 && conflicts.length === 0) {
      next.status = "rejected";
      stored.proposal = next;
      stored.dream.proposal = "rejected";
      emit(stored);
      return { proposal: next, report: { versions: [], conflicts } };
    }
    const versions = changes.length === 0 ? [] : await deps.memory.applyAll(p.store_id, changes, `dream:${id}`);
    next.status = "applied";
    stored.proposal = next;
    stored.applied = applied;
    stored.dream.proposal = "applied";
    emit(stored);
    return { proposal: next, report: { versions: versions.map((v) => v.id), conflicts } };
  };

  const revert = async (id: string): Promise<{ proposal: Proposal; report: ApplyReport }> => {
    const stored = find(id);
    const p = stored.proposal;
    if (!p || p.status !== "applied" || !stored.applied) {
      throw { code: "conflict", message: "Only an applied proposal can be reverted." } satisfies AppError;
    }
    const changes: Array<{ change: StoreChange; expected: string | null }> = [];
    const conflicts: string[] = [];
    for (const a of [...stored.applied].reverse()) {
      const current = readFile(p.store_id, a.path);
      const currentSha = current?.sha256 ?? null;
      const asApplied = a.after !== null && currentSha === (await sha256Hex(a.after));
      if (a.op === "create" && asApplied) {
        changes.push({ change: { type: "delete", path: a.path }, expected: currentSha });
      } else if (a.op === "update" && asApplied) {
        changes.push({ change: { type: "write", path: a.path, content: a.before ?? "" }, expected: currentSha });
      } else if (a.op === "update") {
        // Edited since: take the dream's change back out where it still applies.
        const reverse = fileChange(0, "update", a.path, null, null, a.after ?? "", a.before ?? "");
        let text = current?.content ?? "";
        let clean = true;
        for (const h of reverse.hunks) {
          const rebased = rebase(text, reverse, h);
          if (rebased === null) clean = false;
          else text = rebased;
        }
        if (clean && current)
          changes.push({ change: { type: "write", path: a.path, content: text }, expected: currentSha });
        else conflicts.push(a.path);
      } else if (a.op === "delete" && !current) {
        changes.push({ change: { type: "write", path: a.path, content: a.before ?? "" }, expected: null });
      } else if (
        a.op === "rename" &&
        asApplied &&
        a.previous_path !== null &&
        readFile(p.store_id, a.previous_path) === null
      ) {
        changes.push({ change: { type: "rename", from: a.path, to: a.previous_path }, expected: currentSha });
      } else {
        conflicts.push(a.path);
      }
    }
    const versions = await deps.memory.applyAll(p.store_id, changes, "user");
    const next: Proposal = { ...structuredClone(p), status: "reverted" };
    stored.proposal = next;
    stored.dream.proposal = "reverted";
    emit(stored);
    return { proposal: next, report: { versions: versions.map((v) => v.id), conflicts } };
  };

  // A live dream.

  /** Waits `count` steps, stopping (with `Canceled`) as soon as the dream is cancelled. */
  const steps = async (stored: StoredDream, count: number) => {
    for (let i = 0; i < count; i++) {
      await new Promise((resolve) => setTimeout(resolve, deps.stepMs));
      if (stored.cancelled) throw new Canceled();
    }
  };

  const call = (dream: Dream, usage: TokenUsage) => {
    dream.model_calls += 1;
    dream.usage = addUsage(dream.usage, usage);
    const spent = cost(dream.model, usage);
    if (spent !== undefined) dream.cost_usd = (dream.cost_usd ?? 0) + spent;
  };

  /**
   * What the pretend model proposes: one line per session read (what was asked and how it
   * went) in a lessons file, created or extended, each quoting the event it comes from.
   */
  const compose = async (dream: Dream, read: Array<{ id: string; events: SessionEvent[] }>): Promise<Proposal> => {
    const path = "lessons/recent-runs.md";
    const bullets: string[] = [];
    const evidence: Evidence[] = [];
    for (const { id, events } of read) {
      const task = events.find((e) => e.payload.type === "user.message");
      const error = events.findLast((e) => e.payload.type === "session.error");
      const final = events.findLast((e) => e.payload.type === "agent.message");
      const asked = task?.payload.type === "user.message" ? firstLine(task.payload.text) : "A run";
      if (error?.payload.type === "session.error") {
        const quote = firstSentence(error.payload.error.message);
        bullets.push(`- “${asked}” stopped on an error: ${quote} Check the provider before running it again.`);
        evidence.push({ session_id: id, seq: error.seq, quote });
      } else if (final?.payload.type === "agent.message") {
        const quote = firstSentence(final.payload.text);
        bullets.push(`- “${asked}”: ${quote}`);
        evidence.push({ session_id: id, seq: final.seq, quote });
      }
    }
    const files: FileChange[] = [];
    if (bullets.length > 0) {
      const current = readFile(dream.store_id, path);
      const after = current
        ? `${current.content.trimEnd()}\n${bullets.join("\n")}\n`
        : `# What recent runs taught\n\nOne line per run a dream read: what was asked, and how it went.\n\n${bullets.join("\n")}\n`;
      const change = fileChange(
        0,
        current ? "update" : "create",
        path,
        null,
        current?.sha256 ?? null,
        current?.content ?? "",
        after,
      );
      change.rationale = `${read.length === 1 ? "One session" : `${read.length} sessions`} finished since the last dream. Keeping how each went in one place lets the next run start from what the last ones found.`;
      change.evidence = evidence;
      files.push(change);
    }
    return {
      dream_id: dream.id,
      store_id: dream.store_id,
      status: files.length > 0 ? "ready" : "empty",
      files,
      dropped: [],
      created_at: deps.now(),
    };
  };

  const run = async (stored: StoredDream, failure: AppError | null) => {
    const { dream } = stored;
    let stage = "extract";
    try {
      await steps(stored, 2);
      dream.status = "running";
      dream.stage = "extract";
      emit(stored);
      const read: Array<{ id: string; events: SessionEvent[] }> = [];
      for (const id of dream.sessions) {
        await steps(stored, EXTRACT_STEPS);
        if (failure)
          throw new Error(
            `The extract stage failed: ${failure.message.replace(/\.$/, "")}. Nothing was written to memory.`,
          );
        const events = eventsOf(id);
        dream.processed += 1;
        if (events.length > 0) call(dream, extractUsage(events.length));
        read.push({ id, events });
        emit(stored);
      }
      stage = "consolidate";
      dream.stage = "consolidate";
      emit(stored);
      await steps(stored, CONSOLIDATE_STEPS);
      const bytes = deps.memory.list().find((s) => s.id === dream.store_id)?.bytes ?? 0;
      call(dream, consolidateUsage(bytes));
      dream.stage = "propose";
      emit(stored);
      await steps(stored, 2);
      const proposal = await compose(dream, read);
      stored.proposal = proposal;
      dream.status = "completed";
      delete dream.stage;
      dream.finished_at = deps.now();
      dream.proposal = proposal.status;
      markDreamed(dream);
      stored.running = false;
      if (dream.mode === "auto" && proposal.status === "ready") {
        for (const file of proposal.files) for (const hunk of file.hunks) hunk.decision = "accepted";
        await apply(dream.id);
      } else {
        emit(stored);
      }
    } catch (error) {
      if (error instanceof Canceled) {
        dream.status = "canceled";
      } else {
        dream.status = "failed";
        dream.error =
          error instanceof Error && error.message.startsWith("The ")
            ? error.message
            : `The ${stage} stage failed inside Reverie. Nothing was written to memory.`;
      }
      delete dream.stage;
      dream.finished_at = deps.now();
      emit(stored);
    } finally {
      stored.running = false;
    }
  };

  return {
    list(storeId: string | null): Dream[] {
      return dreams
        .filter((d) => storeId === null || d.dream.store_id === storeId)
        .map((d) => d.dream)
        .sort((a, b) => b.created_at - a.created_at || b.id.localeCompare(a.id));
    },

    get: (id: string): Dream => find(id).dream,

    newSessions(storeId: string): string[] {
      checkStore(storeId);
      return newSessions(storeId);
    },

    start(input: DreamInput): Dream {
      let name: string;
      try {
        name = checkStore(input.store_id);
      } catch {
        throw invalid("store_id", "Choose a memory store; the one selected no longer exists.");
      }
      const instructions = input.instructions.trim();
      const length = [...instructions].length;
      if (length > MAX_INSTRUCTIONS_CHARS) {
        throw invalid(
          "instructions",
          `The instructions are ${length} characters; a dream takes at most ${MAX_INSTRUCTIONS_CHARS}.`,
        );
      }
      const agents = mounting(input.store_id);
      let sessions: string[];
      if (input.sessions.length === 0) {
        sessions = newSessions(input.store_id);
      } else {
        if (input.sessions.length > MAX_DREAM_SESSIONS)
          throw invalid("sessions", `Pick at most ${MAX_DREAM_SESSIONS} sessions for one dream.`);
        sessions = [];
        for (const id of input.sessions) {
          const summary = deps.sessions.list().find((s) => s.id === id);
          if (!summary) throw invalid("sessions", `Session ${id} no longer exists.`);
          if (summary.status === "running")
            throw invalid("sessions", `Session ${id} is still running; let it finish first.`);
          if (!sessions.includes(id)) sessions.push(id);
        }
      }
      if (sessions.length === 0) {
        throw invalid(
          "sessions",
          `Nothing new to dream about: no session of an agent that mounts “${name}” has finished since its last dream.`,
        );
      }
      const agent = agents[0];
      const providerId = input.provider_id ?? agent?.provider_id;
      if (providerId === undefined) {
        throw invalid(
          "provider_id",
          "No agent mounts this store, so there is no model to dream with. Choose a provider.",
        );
      }
      const provider = deps.provider(providerId);
      if (!provider) throw invalid("provider_id", "The model provider to dream with no longer exists. Choose another.");
      if (provider.failure?.message.startsWith("No API key")) {
        throw invalid(
          "provider_id",
          `No API key is set for the provider “${provider.name}”. Add one in Settings → Model providers, then dream again.`,
        );
      }
      if (dreams.some((d) => d.dream.store_id === input.store_id && d.running)) {
        throw {
          code: "conflict",
          field: "store_id",
          message: "This store is already dreaming. Wait for that dream to finish or cancel it.",
        } satisfies AppError;
      }
      const model =
        input.model?.trim() || (input.provider_id === undefined ? agent?.model : undefined) || provider.model;
      const dream: Dream = {
        id: newId(),
        store_id: input.store_id,
        status: "pending",
        mode: input.mode ?? settings.get(input.store_id)?.mode ?? "review",
        sessions,
        instructions,
        model,
        processed: 0,
        model_calls: 0,
        usage: { ...ZERO },
        created_at: deps.now(),
      };
      const stored: StoredDream = { dream, proposal: null, applied: null, cancelled: false, running: true };
      dreams.push(stored);
      void run(stored, provider.failure);
      return dream;
    },

    cancel(id: string): void {
      const stored = find(id);
      if (!stored.running)
        throw { code: "conflict", message: "This dream is not running in this process." } satisfies AppError;
      stored.cancelled = true;
    },

    proposal(id: string): Proposal {
      const stored = find(id);
      if (!stored.proposal) throw { code: "not_found", message: `Dream ${id} has no proposal.` } satisfies AppError;
      return stored.proposal;
    },

    decide(id: string, hunks: readonly string[], decision: HunkDecision, edited: string | null): Proposal {
      const stored = find(id);
      const p = stored.proposal;
      if (!p) throw { code: "not_found", message: `Dream ${id} has no proposal.` } satisfies AppError;
      if (p.status !== "ready")
        throw { code: "conflict", message: "This proposal was already applied or rejected." } satisfies AppError;
      if (decision !== "accepted" && decision !== "rejected" && decision !== "pending") {
        throw invalid("decision", "A hunk can be accepted, rejected or reset to pending.");
      }
      if (edited !== null && (hunks.length !== 1 || decision !== "accepted"))
        throw invalid("edited", "Edit one hunk at a time, and accept it.");
      if (edited !== null && new TextEncoder().encode(edited).length > 100_000) {
        throw invalid("edited", "The edit is over the 100 kB a memory file may hold.");
      }
      const next = structuredClone(p);
      for (const wanted of hunks) {
        const hunk = next.files.flatMap((f) => f.hunks).find((h) => h.id === wanted);
        if (!hunk) throw { code: "not_found", message: `The proposal has no hunk ${wanted}.` } satisfies AppError;
        hunk.decision = decision;
        const kept = decision === "accepted" ? (edited ?? hunk.edited) : undefined;
        if (kept === undefined) delete hunk.edited;
        else hunk.edited = kept;
      }
      stored.proposal = next;
      return next;
    },

    apply,
    revert,

    settings(storeId: string): DreamSettings {
      checkStore(storeId);
      return settings.get(storeId) ?? { mode: "review" };
    },

    setSettings(storeId: string, next: DreamSettings): DreamSettings {
      checkStore(storeId);
      const at = next.daily_at;
      if (at !== undefined && !/^([01]\d|2[0-3]):[0-5]\d$/.test(at)) {
        throw invalid("daily_at", `“${at}” is not a time of day; write it as HH:MM, like 03:30.`);
      }
      const cron = next.cron;
      if (cron !== undefined) {
        const problem = cronProblem(cron);
        if (problem)
          throw invalid(
            "cron",
            `“${cron}” is not a cron schedule (${problem}). Write minute hour day month weekday, like 30 3 * * 1-5.`,
          );
      }
      const after = next.after_sessions;
      if (after !== undefined && (!Number.isInteger(after) || after < 1 || after > 1000)) {
        throw invalid("after_sessions", "Dream after between 1 and 1,000 new sessions.");
      }
      const saved: DreamSettings = { mode: next.mode };
      if (at !== undefined) saved.daily_at = at;
      if (cron !== undefined) saved.cron = cron;
      if (after !== undefined) saved.after_sessions = after;
      settings.set(storeId, saved);
      return saved;
    },

    watch(onDream: (dream: Dream) => void): () => void {
      watchers.add(onDream);
      return () => {
        watchers.delete(onDream);
      };
    },

    /** A past dream of a demo store, played at once (after the store's and sessions' seeds). */
    async seed(spec: SeedDream): Promise<void> {
      const store = deps.memory.list().find((s) => s.name === spec.store);
      if (!store) throw new Error(`seed: no memory store named ${spec.store}`);
      const agent = mounting(store.id)[0];
      const provider = agent ? deps.provider(agent.provider_id) : null;
      const created = deps.now() - spec.startedAgoMs;
      const completed = spec.outcome === "ready" || spec.outcome === "applied" || spec.outcome === "empty";
      const read =
        spec.outcome === "failed" || spec.outcome === "canceled"
          ? Math.ceil(spec.sessions.length / 2)
          : spec.sessions.length;
      const dream: Dream = {
        id: newId(),
        store_id: store.id,
        status: completed ? "completed" : spec.outcome === "failed" ? "failed" : "canceled",
        mode: spec.mode ?? "review",
        sessions: spec.sessions,
        instructions: spec.instructions ?? "",
        model: agent?.model ?? provider?.model ?? "claude-sonnet-4-5",
        processed: read,
        model_calls: 0,
        usage: { ...ZERO },
        created_at: created,
        finished_at: created + (spec.tookMs ?? 40_000),
      };
      if (spec.error !== undefined) dream.error = spec.error;
      for (const id of spec.sessions.slice(0, read)) call(dream, extractUsage(eventsOf(id).length));
      if (completed) call(dream, consolidateUsage(store.bytes));
      const stored: StoredDream = { dream, proposal: null, applied: null, cancelled: false, running: false };
      if (completed) {
        const files: FileChange[] = [];
        const applied: Applied[] = [];
        for (const [index, c] of (spec.changes ?? []).entries()) {
          const current = readFile(store.id, c.from ?? c.path)?.content ?? null;
          const before = c.op === "create" ? "" : (c.before ?? current ?? "");
          const after = c.op === "delete" ? "" : c.op === "rename" ? before : (c.content ?? "");
          const base = c.op === "create" ? null : await sha256Hex(before);
          const change = fileChange(
            index,
            c.op,
            c.path,
            c.op === "rename" ? (c.from ?? null) : null,
            base,
            before,
            after,
          );
          change.rationale = c.rationale;
          change.evidence = evidenceFor(c.evidence ?? []);
          if (spec.outcome === "applied") {
            for (const hunk of change.hunks) hunk.decision = "applied";
            applied.push({
              op: c.op,
              path: c.path,
              previous_path: c.op === "rename" ? (c.from ?? null) : null,
              before: c.op === "create" ? null : before,
              after: c.op === "delete" ? null : after,
            });
          }
          files.push(change);
        }
        const status = spec.outcome === "applied" ? "applied" : files.length > 0 ? "ready" : "empty";
        stored.proposal = {
          dream_id: dream.id,
          store_id: store.id,
          status,
          files,
          dropped: spec.dropped ?? [],
          created_at: dream.finished_at ?? created,
        };
        if (status === "applied") {
          stored.proposal.applied_at = (dream.finished_at ?? created) + 60_000;
          stored.applied = applied;
        }
        dream.proposal = status;
        markDreamed(dream);
      }
      dreams.push(stored);
    },

    /** A store's settings at start. */
    seedSettings(storeName: string, value: DreamSettings): void {
      const store = deps.memory.list().find((s) => s.name === storeName);
      if (!store) throw new Error(`seed: no memory store named ${storeName}`);
      settings.set(store.id, value);
    },
  };
}

export type DreamStore = ReturnType<typeof createDreamStore>;

/**
 * What is obviously wrong with a cron expression, as far as the memory backend checks: not five
 * fields (the engine also reads six or seven, and checks each field's values), or characters no
 * field uses.
 */
function cronProblem(expr: string): string | null {
  const fields = expr
    .trim()
    .split(/\s+/)
    .filter((f) => f !== "");
  if (fields.length !== 5)
    return fields.length === 0
      ? "it is empty"
      : `it has ${fields.length} ${fields.length === 1 ? "field" : "fields"}, not 5`;
  const odd = fields.find((f) => !/^[0-9A-Za-z*,/-]+$/.test(f));
  return odd === undefined ? null : `“${odd}” is not a field`;
}
