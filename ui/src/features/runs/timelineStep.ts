import type { Call, Entry, Lane, Step } from "./timeline";

/**
 * One step of a lane as its side panel shows it: what the model was sent (the thread's
 * conversation before the request, rebuilt from the thread's events the way the engine rebuilds
 * a history) and what it answered (its text and tool calls, with their results).
 */

export type Block =
  /** `from`: the coordinator's thread, for a delegated task. */
  | { kind: "text"; text: string; source: "task" | "delegation" | "feedback" | "message"; from: string | null }
  | { kind: "tool_use"; toolUseId: string; name: string; input: unknown }
  | { kind: "tool_result"; toolUseId: string; content: string; isError: boolean };

export interface Message {
  role: "user" | "assistant";
  blocks: Block[];
}

export interface StepDetail {
  step: Step;
  /** 1-based, within the lane. */
  number: number;
  /** The messages the request carried (the agent's instructions and tools are not in the log). */
  context: Message[];
  /** The text it answered with. */
  text: string[];
  /** The tool calls it made, with their results once they came. */
  calls: Call[];
}

function block(entry: Entry): { role: Message["role"]; block: Block } {
  switch (entry.kind) {
    case "task":
      return {
        role: "user",
        block: {
          kind: "text",
          text: entry.text,
          source: entry.from === null ? "task" : "delegation",
          from: entry.from,
        },
      };
    case "feedback":
      return { role: "user", block: { kind: "text", text: entry.text, source: "feedback", from: null } };
    case "text":
      return { role: "assistant", block: { kind: "text", text: entry.text, source: "message", from: null } };
    case "tool_use":
      return {
        role: "assistant",
        block: { kind: "tool_use", toolUseId: entry.toolUseId, name: entry.name, input: entry.input },
      };
    case "tool_result":
      return {
        role: "user",
        block: { kind: "tool_result", toolUseId: entry.toolUseId, content: entry.content, isError: entry.isError },
      };
  }
}

/** The index of the first entry with `seq` above `seq` (entries are in `seq` order). */
function firstAfter(entries: readonly Entry[], seq: number): number {
  let lo = 0;
  let hi = entries.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (entries[mid]!.seq <= seq) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The conversation of the lane's thread before `seq`, one message per run of the same role. */
export function contextBefore(lane: Lane, seq: number): Message[] {
  const messages: Message[] = [];
  const end = firstAfter(lane.entries, seq - 1);
  for (let i = 0; i < end; i++) {
    const { role, block: b } = block(lane.entries[i]!);
    const last = messages.at(-1);
    if (last && last.role === role) last.blocks.push(b);
    else messages.push({ role, blocks: [b] });
  }
  return messages;
}

export function stepDetail(lane: Lane, index: number): StepDetail | null {
  const step = lane.steps[index];
  if (!step) return null;
  const text: string[] = [];
  const last = step.endSeq ?? Infinity;
  for (let i = firstAfter(lane.entries, step.seq); i < lane.entries.length; i++) {
    const entry = lane.entries[i]!;
    if (entry.seq > last) break;
    if (entry.kind === "text") text.push(entry.text);
  }
  return {
    step,
    number: index + 1,
    context: contextBefore(lane, step.seq),
    text,
    calls: step.calls.flatMap((c) => (lane.calls[c] ? [lane.calls[c]] : [])),
  };
}
