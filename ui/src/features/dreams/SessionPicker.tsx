import {
  memo,
  useCallback,
  useEffect,
  useLayoutEffect,
  useRef,
  useState,
  type Dispatch,
  type SetStateAction,
} from "react";
import type { Agent, AppError, SessionSummary } from "../../bindings";
import { toAppError, useBackend } from "../../ipc";
import { LoadError } from "../../shared/LoadError";
import { Spinner } from "../../shared/Spinner";
import { formatRelative } from "../../shared/format";
import { nameList } from "./format";
import { LIMITS } from "../../bindings/api/limits";

/** Sessions one dream reads at most (the core's limit). */
export const MAX_PICKED_SESSIONS = LIMITS.dream.maxSessions;

interface SessionPickerProps {
  /** The agents that mount the store: only their sessions can teach it. */
  agents: readonly Agent[];
  /** The sessions no dream of the store has read yet. */
  fresh: readonly string[];
  picked: ReadonlySet<string>;
  onPick: Dispatch<SetStateAction<ReadonlySet<string>>>;
  /** The user checked or unchecked a session. */
  onToggle(): void;
  /** Bumped to ask the core again (it refused a pick: a session ran again or was deleted). */
  reload: number;
  /** The list's id; its hint and error ids derive from it. */
  id: string;
  error: string | undefined;
  listRef(element: HTMLElement | null): void;
}

/** The finished sessions of the store's agents, newest first, each with a checkbox. */
export function SessionPicker({
  agents,
  fresh,
  picked,
  onPick,
  onToggle,
  reload,
  id,
  error,
  listRef,
}: SessionPickerProps) {
  const backend = useBackend();
  const [sessions, setSessions] = useState<SessionSummary[] | null>(null);
  const [loadError, setLoadError] = useState<AppError | null>(null);
  const [attempt, setAttempt] = useState(0);
  const [now] = useState(() => Date.now());
  const toggled = useRef(onToggle);
  useLayoutEffect(() => {
    toggled.current = onToggle;
  });
  const agentIds = agents.map((a) => a.id).join(" ");

  useEffect(() => {
    let live = true;
    setLoadError(null);
    const mounting = new Set(agentIds.split(" "));
    backend.listSessions().then(
      (all) => {
        if (!live) return;
        const finished = all.filter((s) => s.status === "idle" && s.agent_id !== undefined && mounting.has(s.agent_id));
        setSessions(finished);
        // A pick the list no longer offers (deleted, or running again) is dropped.
        const offered = new Set(finished.map((s) => s.id));
        onPick((current) =>
          [...current].every((s) => offered.has(s)) ? current : new Set([...current].filter((s) => offered.has(s))),
        );
      },
      (err: unknown) => live && setLoadError(toAppError(err)),
    );
    return () => {
      live = false;
    };
  }, [backend, agentIds, onPick, reload, attempt]);

  // Kept oldest first, the order a dream reads sessions in. Stable, so a click renders one row.
  const toggle = useCallback(
    (sessionId: string, on: boolean) => {
      toggled.current();
      onPick(
        (current) =>
          new Set(
            (sessions ?? [])
              .filter((s) => (s.id === sessionId ? on : current.has(s.id)))
              .map((s) => s.id)
              .reverse(),
          ),
      );
    },
    [sessions, onPick],
  );

  if (loadError) return <LoadError error={loadError} onRetry={() => setAttempt((n) => n + 1)} />;
  if (sessions === null) {
    return (
      <p className="muted loading-line small">
        <Spinner /> Loading the finished sessions…
      </p>
    );
  }

  const fresher = new Set(fresh);

  return (
    <div className="dream-picker">
      {sessions.length === 0 ? (
        <p className="muted small" id={`${id}-hint`}>
          {nameList(agents.map((a) => a.name))} {agents.length === 1 ? "has" : "have"} no finished session to read.
        </p>
      ) : (
        <>
          <ul
            className={error ? "dream-picker-list has-error" : "dream-picker-list"}
            id={id}
            ref={listRef}
            tabIndex={-1}
            aria-label="Finished sessions, newest first"
            aria-describedby={`${id}-hint ${id}-error`}
            aria-invalid={error ? true : undefined}
          >
            {sessions.map((session) => (
              <SessionOption
                key={session.id}
                session={session}
                checked={picked.has(session.id)}
                isNew={fresher.has(session.id)}
                now={now}
                onToggle={toggle}
              />
            ))}
          </ul>
          <p className="field-hint" id={`${id}-hint`}>
            {picked.size.toLocaleString("en-US")} of {sessions.length.toLocaleString("en-US")} picked · a dream reads at
            most {MAX_PICKED_SESSIONS}
          </p>
        </>
      )}
      {error && (
        <p className="field-error" id={`${id}-error`} data-testid="field-error-sessions">
          {error}
        </p>
      )}
    </div>
  );
}

interface SessionOptionProps {
  session: SessionSummary;
  checked: boolean;
  /** No dream of the store has read it yet. */
  isNew: boolean;
  now: number;
  onToggle(sessionId: string, on: boolean): void;
}

/** One finished session: agent, task, whether a dream read it, and when it started. */
const SessionOption = memo(function SessionOption({ session, checked, isNew, now, onToggle }: SessionOptionProps) {
  const started = new Date(session.created_at);
  return (
    <li>
      <label className="checkbox dream-picker-option">
        <input
          type="checkbox"
          checked={checked}
          onChange={(event) => onToggle(session.id, event.target.checked)}
          data-testid="dream-session-option"
          data-session-id={session.id}
          data-new={isNew ? "true" : undefined}
        />
        <span className="dream-picker-agent">{session.agent_name}</span>
        <span className="dream-picker-task" title={session.task_preview}>
          {session.task_preview}
        </span>
        {isNew && <span className="dream-picker-new">Not dreamed yet</span>}
        <time
          className="dream-picker-time muted small"
          dateTime={started.toISOString()}
          title={started.toLocaleString()}
        >
          {formatRelative(session.created_at, now)}
        </time>
      </label>
    </li>
  );
});

/** Why the picked sessions can't be sent as they are, if they can't. */
export function pickProblem(picked: number): string | undefined {
  if (picked === 0) return "Pick at least one session, or turn off “Choose sessions…” to read the new ones.";
  if (picked > MAX_PICKED_SESSIONS) {
    return `${picked.toLocaleString("en-US")} sessions are picked; a dream reads at most ${MAX_PICKED_SESSIONS}. Uncheck ${(picked - MAX_PICKED_SESSIONS).toLocaleString("en-US")}.`;
  }
  return undefined;
}
