import type { IdleReason, SessionStatus } from "../../bindings";
import "../../shared/status.css";
import { statusBadge } from "./format";

export function StatusPill({
  status,
  reason,
  testId,
}: {
  status: SessionStatus;
  reason: IdleReason | null | undefined;
  testId?: string;
}) {
  const { label, tone, title } = statusBadge(status, reason);
  return (
    <span className={`badge status-pill status-${tone}`} data-testid={testId} title={title}>
      {label}
    </span>
  );
}
