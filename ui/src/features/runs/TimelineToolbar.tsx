interface TimelineToolbarProps {
  laneCount: number;
  arrowCount: number;
  live: boolean;
  follow: boolean;
  onZoom(factor: number): void;
  onFit(): void;
  onToggleFollow(): void;
}

/** Zoom, fit and follow, and how many threads and messages the timeline shows. */
export function TimelineToolbar({
  laneCount,
  arrowCount,
  live,
  follow,
  onZoom,
  onFit,
  onToggleFollow,
}: TimelineToolbarProps) {
  return (
    <div className="timeline-toolbar">
      <div className="timeline-zoom" role="group" aria-label="Zoom">
        <button
          type="button"
          className="button button-small"
          onClick={() => onZoom(1 / 1.6)}
          aria-label="Zoom out"
          title="Zoom out (−)"
          data-testid="timeline-zoom-out"
        >
          −
        </button>
        <button
          type="button"
          className="button button-small"
          onClick={() => onZoom(1.6)}
          aria-label="Zoom in"
          title="Zoom in (+)"
          data-testid="timeline-zoom-in"
        >
          +
        </button>
        <button
          type="button"
          className="button button-small"
          onClick={onFit}
          title="Show the whole session (0)"
          data-testid="timeline-fit"
        >
          Fit
        </button>
      </div>
      {live && (
        <button
          type="button"
          className="button button-small timeline-follow"
          aria-pressed={follow}
          onClick={onToggleFollow}
          title="Keep now in view (F)"
          data-testid="timeline-follow"
        >
          <span className="timeline-follow-dot" aria-hidden="true" />
          Follow live
        </button>
      )}
      <p className="timeline-counts muted small">
        {laneCount === 1 ? "1 thread" : `${laneCount} threads`} ·{" "}
        <span data-testid="timeline-arrow-count" data-count={arrowCount}>
          {arrowCount === 1 ? "1 message" : `${arrowCount} messages`}
        </span>{" "}
        between them
      </p>
    </div>
  );
}
