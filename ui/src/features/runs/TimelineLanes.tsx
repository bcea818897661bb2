import { useState } from "react";
import { toAppError, useBackend } from "../../ipc";
import { formatCompact, formatCost, formatDuration, totalTokens } from "../../shared/format";
import { Spinner } from "../../shared/Spinner";
import { canStop, laneDuration, laneStateAt, type Lane, type Moment, type Timeline } from "./timeline";
import { laneName, laneStateLabel } from "./timelineLabels";

/** Stopping one thread of a session: which are being stopped, and what went wrong. */
export function useStopThread(sessionId: string) {
  const backend = useBackend();
  const [stopping, setStopping] = useState<Record<string, boolean>>({});
  const [error, setError] = useState<string | null>(null);
  const stop = async (threadId: string) => {
    setStopping((s) => ({ ...s, [threadId]: true }));
    setError(null);
    try {
      await backend.cancelThread(sessionId, threadId);
    } catch (err) {
      setError(toAppError(err).message);
      setStopping((s) => ({ ...s, [threadId]: false }));
    }
  };
  return { stopping, error, stop };
}

interface TimelineLanesProps {
  timeline: Timeline;
  at: Moment;
  coordinatorName: string;
  selectedThreadId: string | null;
  stopping: Record<string, boolean>;
  onStop(threadId: string): void;
}

/** The lanes' names beside the canvas: each thread's state and totals, and Stop for a subagent at work. */
export function TimelineLanes({
  timeline,
  at,
  coordinatorName,
  selectedThreadId,
  stopping,
  onStop,
}: TimelineLanesProps) {
  return (
    <ol className="timeline-lanes" aria-label="Threads">
      <li className="timeline-corner" aria-hidden="true">
        Thread
      </li>
      {timeline.lanes.map((lane, index) => (
        <TimelineLane
          key={lane.threadId}
          lane={lane}
          name={laneName(lane, index, coordinatorName)}
          stoppable={canStop(lane, index, at)}
          timeline={timeline}
          at={at}
          coordinatorName={coordinatorName}
          selected={selectedThreadId === lane.threadId}
          stopping={stopping[lane.threadId] === true}
          onStop={onStop}
        />
      ))}
    </ol>
  );
}

interface TimelineLaneProps {
  lane: Lane;
  name: string;
  stoppable: boolean;
  timeline: Timeline;
  at: Moment;
  coordinatorName: string;
  selected: boolean;
  stopping: boolean;
  onStop(threadId: string): void;
}

function TimelineLane({
  lane,
  name,
  stoppable,
  timeline,
  at,
  coordinatorName,
  selected,
  stopping,
  onStop,
}: TimelineLaneProps) {
  const shown = laneStateAt(lane, at);
  const { usage } = lane.totals;
  const facts = `${formatCompact(totalTokens(usage))} tokens · ${formatCost(lane.totals.costUsd)} · ${formatDuration(laneDuration(lane, timeline, at))}`;
  return (
    <li
      className={selected ? "timeline-lane selected" : "timeline-lane"}
      data-testid="timeline-lane"
      data-thread-id={lane.threadId}
      data-agent-name={name}
      data-state={shown}
      title={`${name}: ${laneStateLabel(lane, shown)} · ${facts}`}
    >
      <div className="timeline-lane-text">
        <span className="timeline-lane-name">
          <span className="timeline-dot" data-state={shown} aria-hidden="true" />
          <span className="timeline-lane-label" title={name}>
            {name}
          </span>
          <span className="timeline-lane-state">{laneStateLabel(lane, shown)}</span>
        </span>
        <span
          className="timeline-lane-facts"
          data-testid="timeline-lane-totals"
          title={`${lane.totals.requests} requests · ${usage.input_tokens.toLocaleString("en-US")} in, ${usage.output_tokens.toLocaleString("en-US")} out, ${usage.cache_read_tokens.toLocaleString("en-US")} cache read, ${usage.cache_write_tokens.toLocaleString("en-US")} cache write`}
        >
          {facts}
        </span>
      </div>
      {stoppable && (
        <button
          type="button"
          className="icon-button timeline-stop"
          onClick={() => onStop(lane.threadId)}
          disabled={stopping}
          aria-label={`Stop ${name}`}
          title={`Stop ${name}; ${coordinatorName} carries on without it`}
          data-testid="timeline-lane-stop"
        >
          {stopping ? <Spinner /> : <span className="timeline-stop-icon" aria-hidden="true" />}
        </button>
      )}
    </li>
  );
}
