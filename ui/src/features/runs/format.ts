import type { IdleReason, SessionStatus, TokenUsage } from "../../bindings";

/** "$0.0123" below a dollar, "$1.23" above; "—" when the price is unknown. */
export function formatCost(usd: number | null | undefined): string {
  if (usd === null || usd === undefined) return "—";
  if (usd === 0) return "$0.00";
  return usd < 1 ? `$${usd.toFixed(4)}` : `$${usd.toFixed(2)}`;
}

/** "12,345". */
export function formatCount(n: number): string {
  return n.toLocaleString("en-US");
}

/** "950", "12.3k", "1.2M": for lists, where space is short. */
export function formatCompact(n: number): string {
  if (n < 1000) return String(n);
  if (n < 1_000_000) return `${(n / 1000).toFixed(n < 10_000 ? 1 : 0)}k`;
  return `${(n / 1_000_000).toFixed(1)}M`;
}

export function totalTokens(usage: TokenUsage): number {
  return usage.input_tokens + usage.output_tokens + usage.cache_read_tokens + usage.cache_write_tokens;
}

/** "850 ms", "12 s", "3 min 5 s", "1 h 2 min". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  const seconds = Math.floor(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return seconds % 60 === 0 ? `${minutes} min` : `${minutes} min ${seconds % 60} s`;
  const hours = Math.floor(minutes / 60);
  return minutes % 60 === 0 ? `${hours} h` : `${hours} h ${minutes % 60} min`;
}

/** "just now", "5 min ago", "3 h ago", "yesterday", "4 days ago", then the date. */
export function formatRelative(time: number, now: number): string {
  const seconds = Math.round((now - time) / 1000);
  if (seconds < 45) return "just now";
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 24) return `${hours} h ago`;
  const days = Math.round(hours / 24);
  if (days === 1) return "yesterday";
  if (days < 7) return `${days} days ago`;
  return new Date(time).toLocaleDateString("en-US", { year: "numeric", month: "short", day: "numeric" });
}

export type StatusTone = "running" | "ok" | "warn" | "error" | "neutral";

/** What the status pill says, its colour, and (when the label is short for it) what it means. */
export function statusBadge(
  status: SessionStatus,
  reason: IdleReason | null | undefined,
): { label: string; tone: StatusTone; title?: string } {
  if (status === "running") return { label: "Running", tone: "running" };
  if (status === "interrupted") return { label: "Interrupted", tone: "warn" };
  switch (reason) {
    case "max_turns":
      return { label: "Turn limit", tone: "warn" };
    case "cancelled":
      return { label: "Cancelled", tone: "neutral" };
    case "app_quit":
      return { label: "Stopped", tone: "neutral", title: "Stopped when Reverie quit" };
    case "interrupted":
      return { label: "Interrupted", tone: "warn" };
    case "error":
      return { label: "Failed", tone: "error" };
    case "end_turn":
    case null:
    case undefined:
      return { label: "Finished", tone: "ok" };
  }
}

export const IDLE_REASONS: Record<IdleReason, string> = {
  end_turn: "Finished",
  max_turns: "Stopped: the turn limit was reached",
  cancelled: "Cancelled",
  error: "Ended with an error",
  interrupted: "Interrupted: Reverie stopped before it finished",
  app_quit: "Stopped when Reverie quit",
};

function field(input: unknown, name: string): string | null {
  if (typeof input !== "object" || input === null) return null;
  const value = (input as Record<string, unknown>)[name];
  return typeof value === "string" && value !== "" ? value : null;
}

function oneLine(text: string, max = 140): string {
  const line = text.replace(/\s+/g, " ").trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** The one line a tool call row shows: the path, the command, the pattern… */
export function toolSummary(name: string, input: unknown): string {
  const command = field(input, "command");
  const path = field(input, "path");
  const pattern = field(input, "pattern");
  if (name === "run_command" && command) return oneLine(command);
  if (name === "delegate") {
    const agent = field(input, "agent") ?? "a subagent";
    const message = field(input, "message");
    return oneLine(message ? `to ${agent}: ${message}` : `to ${agent}`);
  }
  if (name === "search_files" && pattern) return oneLine(path ? `${pattern} in ${path}` : pattern);
  if (name === "list_files") return path ?? ".";
  if (path) return oneLine(path);
  if (command) return oneLine(command);
  const json = JSON.stringify(input);
  return json === undefined || json === "{}" ? "" : oneLine(json);
}

/** JSON for people: indented, strings as they are. */
export function prettyJson(value: unknown): string {
  return JSON.stringify(value, null, 2) ?? "";
}
