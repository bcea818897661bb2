import type { RunInput } from "../bindings";
import { LIMITS } from "../bindings/api/limits";

/** The largest task the core accepts, in bytes of UTF-8. */
export const TASK_MAX_BYTES = LIMITS.run.taskMaxBytes;

/** The fields of "New run" the core may name in an error, in the order the form shows them. */
export const RUN_FIELDS = [
  "agent_id",
  "workspace",
  "task",
  "max_threads",
  "outcome.rubric_id",
  "outcome.rubric_version",
  "outcome.description",
  "outcome.max_iterations",
  "outcome.grader_passes",
  "outcome.grader_provider_id",
  "outcome.grader_model",
] as const;

export type RunField = (typeof RUN_FIELDS)[number];
export type RunFieldErrors = { [K in RunField]?: string | undefined };

/** An outcome's iteration budget: default, least and most (the core's rule). */
export const MAX_ITERATIONS = {
  default: LIMITS.run.defaultMaxIterations,
  min: 1,
  max: LIMITS.run.maxIterations,
} as const;
/** Independent grader passes per evaluation. */
export const GRADER_PASSES = { default: 1, min: 1, max: LIMITS.run.maxGraderPasses } as const;
/** A coordinator's subagent threads running at once; more delegations wait their turn. */
export const MAX_THREADS = { default: LIMITS.run.defaultMaxThreads, min: 1, max: LIMITS.run.maxThreads } as const;

export function isRunField(value: string): value is RunField {
  return (RUN_FIELDS as readonly string[]).includes(value);
}

export function utf8Bytes(text: string): number {
  return new TextEncoder().encode(text).length;
}

/** "12 KB", "1.4 MB": sizes as people read them (1 KB = 1024 bytes). */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

export function taskTooLargeMessage(bytes: number): string {
  return `The task is ${formatBytes(bytes)}; the most is ${formatBytes(TASK_MAX_BYTES)}. Put long material in a file in the workspace and mention the file in the task.`;
}

/**
 * A whole number typed in `text` within `range`, or the message saying what is allowed. Empty
 * means the default.
 */
export function wholeNumberIn(
  text: string,
  range: { default: number; min: number; max: number },
  what: string,
): { value: number } | { error: string } {
  const trimmed = text.trim();
  if (trimmed === "") return { value: range.default };
  const n = /^\d+$/.test(trimmed) ? Number(trimmed) : NaN;
  if (Number.isInteger(n) && n >= range.min && n <= range.max) return { value: n };
  return { error: `Choose from ${range.min} to ${range.max} ${what}.` };
}

/** The rules the core applies to a run that can be checked here; whether the folder exists is left to it. */
export function validateRunInput(input: RunInput): RunFieldErrors {
  const errors: RunFieldErrors = {};
  if (input.agent_id === "") errors.agent_id = "Choose the agent to run.";
  if (input.workspace.trim() === "") errors.workspace = "Choose the folder the agent works in.";
  if (input.task.trim() === "") {
    errors.task = "Describe the task for the agent.";
  } else {
    const bytes = utf8Bytes(input.task);
    if (bytes > TASK_MAX_BYTES) errors.task = taskTooLargeMessage(bytes);
  }
  const description = input.outcome?.description ?? "";
  if (utf8Bytes(description) > TASK_MAX_BYTES) {
    errors["outcome.description"] =
      `The description is ${formatBytes(utf8Bytes(description))}; the most is ${formatBytes(TASK_MAX_BYTES)}. Say what a good result is in a few sentences.`;
  }
  return errors;
}
