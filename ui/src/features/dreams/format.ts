import type { Dream, DreamMode, DreamSettings, DreamStage, FileOp, HunkDecision, ProposalStatus } from "../../bindings";
import type { StatusTone } from "../../shared/format";

/** What a dream's pill says, and its colour (the session pills' tones). */
export function dreamBadge(dream: Dream): { label: string; tone: StatusTone } {
  switch (dream.status) {
    case "pending":
      return { label: "Starting", tone: "running" };
    case "running":
      return { label: "Dreaming", tone: "running" };
    case "failed":
      return { label: "Failed", tone: "error" };
    case "canceled":
      return { label: "Canceled", tone: "neutral" };
    case "completed":
      return dream.proposal ? proposalBadge(dream.proposal) : { label: "Finished", tone: "ok" };
  }
}

export function proposalBadge(status: ProposalStatus): { label: string; tone: StatusTone } {
  switch (status) {
    case "ready":
      return { label: "Ready for review", tone: "warn" };
    case "applied":
      return { label: "Applied", tone: "ok" };
    case "rejected":
      return { label: "Rejected", tone: "neutral" };
    case "reverted":
      return { label: "Reverted", tone: "neutral" };
    case "empty":
      return { label: "No changes", tone: "neutral" };
  }
}

/** A dream's stages in order, as the progress shows them. */
export const STAGES: ReadonlyArray<{ stage: DreamStage; label: string }> = [
  { stage: "extract", label: "Reading sessions" },
  { stage: "consolidate", label: "Comparing with the store" },
  { stage: "propose", label: "Writing the proposal" },
];

export const MODE_LABELS: Record<DreamMode, string> = {
  review: "Review first",
  auto: "Apply at once",
};

export const OP_LABELS: Record<FileOp, string> = {
  create: "New file",
  update: "Edited",
  delete: "Deleted",
  rename: "Renamed",
};

/** The sign a file's operation is listed with. */
export const OP_SIGNS: Record<FileOp, string> = {
  create: "+",
  update: "~",
  delete: "−",
  rename: "→",
};

export const DECISION_LABELS: Record<HunkDecision, string> = {
  pending: "To review",
  accepted: "Accepted",
  rejected: "Rejected",
  applied: "Applied",
  conflict: "Conflict",
};

function plural(n: number, one: string, many: string): string {
  return n === 1 ? `1 ${one}` : `${n.toLocaleString("en-US")} ${many}`;
}

export const sessionCount = (n: number) => plural(n, "session", "sessions");
export const changeCount = (n: number) => plural(n, "change", "changes");
export const newSessionCount = (n: number) => plural(n, "new session", "new sessions");

/** "Review first · every day at 03:30, on the cron schedule 0 12 * * 1 and after 5 new sessions", or "… · only when you ask". */
export function scheduleSummary(settings: DreamSettings): string {
  const when: string[] = [];
  if (settings.daily_at !== undefined) when.push(`every day at ${settings.daily_at}`);
  if (settings.cron !== undefined) when.push(`on the cron schedule ${settings.cron}`);
  if (settings.after_sessions !== undefined) when.push(`after ${newSessionCount(settings.after_sessions)}`);
  return `${MODE_LABELS[settings.mode]} · ${when.length > 0 ? nameList(when) : "dreams only when you ask"}`;
}

/** Whether the store dreams on its own: then closing the window keeps Reverie in the tray. */
export function scheduled(settings: DreamSettings): boolean {
  return settings.daily_at !== undefined || settings.cron !== undefined || settings.after_sessions !== undefined;
}

export function ended(dream: Dream): boolean {
  return dream.status === "completed" || dream.status === "failed" || dream.status === "canceled";
}

/** "Maintainer", "Maintainer and Local helper", "A, B and C". */
export function nameList(names: readonly string[]): string {
  return new Intl.ListFormat("en", { type: "conjunction" }).format(names);
}
