import type { IdleReason, SessionStatus } from "../../bindings";
import type { StatusTone } from "../../shared/format";

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
