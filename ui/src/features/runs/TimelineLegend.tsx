import type { LaneState } from "./timeline";
import { LANE_STATE_LABELS, LEGEND } from "./timelineLabels";
import { PALETTE_KEYS, PALETTE_STATES } from "./timelinePalette";

/** What the colours and marks mean; "Interrupted" only when a lane is. */
export function TimelineLegend({ statesShown }: { statesShown: ReadonlySet<LaneState> }) {
  const legend = statesShown.has("interrupted") ? [...LEGEND, "interrupted" as const] : LEGEND;
  return (
    <ul className="timeline-legend" aria-label="Colours">
      {legend.map((s) => (
        <li key={s} className="timeline-legend-item">
          <span className="timeline-swatch" data-state={s} aria-hidden="true" />
          {LANE_STATE_LABELS[s]}
        </li>
      ))}
      <li className="timeline-legend-item">
        <span className="timeline-swatch-line" aria-hidden="true" />
        Tool call
      </li>
      <li className="timeline-legend-item">
        <span className="timeline-swatch-arrow" aria-hidden="true" />
        Delegation
      </li>
      <li className="timeline-legend-item">
        <span className="timeline-swatch-arrow timeline-swatch-report" aria-hidden="true" />
        Report
      </li>
    </ul>
  );
}

/** Hidden elements the stylesheet colours, so the canvas draws in the theme's colours (`useTimelinePalette`). */
export function TimelineColourProbes() {
  return (
    <div className="timeline-colours" aria-hidden="true">
      {PALETTE_STATES.map((s) => (
        <span key={s} data-state={s} />
      ))}
      {PALETTE_KEYS.map((key) => (
        <span key={key} data-colour={key} />
      ))}
    </div>
  );
}
