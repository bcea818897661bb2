import type { SessionSummary } from "../../bindings";
import { formatCompact, formatCost, formatDuration, formatRelative, totalTokens } from "../../shared/format";
import { StatusPill } from "./StatusPill";

interface SessionListProps {
  sessions: readonly SessionSummary[];
  now: number;
  onOpen(session: SessionSummary): void;
}

export function SessionList({ sessions, now, onOpen }: SessionListProps) {
  return (
    <ul className="session-list" aria-label="Sessions">
      {sessions.map((session) => (
        <li key={session.id}>
          <button
            type="button"
            className="session-row"
            onClick={() => onOpen(session)}
            data-testid="session-row"
            data-session-id={session.id}
            data-status={session.status}
          >
            <span className="session-pill">
              <StatusPill status={session.status} reason={session.stop_reason} />
            </span>
            <span className="session-task">{session.task_preview || "(no task)"}</span>
            <time className="session-when" dateTime={new Date(session.created_at).toISOString()}>
              {formatRelative(session.created_at, now)}
            </time>
            <span className="session-where">
              <span className="session-agent">{session.agent_name}</span>
              <span className="session-workspace mono" title={session.workspace}>
                {session.workspace}
              </span>
            </span>
            <span className="session-numbers">
              <span title="Tokens">{formatCompact(totalTokens(session.usage))} tokens</span>
              <span title={session.cost_usd === undefined ? "Cost unknown: the model has no price" : "Cost"}>
                {formatCost(session.cost_usd)}
              </span>
              <span title="Time spent running">{formatDuration(session.duration_ms)}</span>
            </span>
          </button>
        </li>
      ))}
    </ul>
  );
}
