import type { RunInput } from "../bindings";

/** The largest task the core accepts, in bytes of UTF-8. */
export const TASK_MAX_BYTES = 262_144;

export type RunField = "agent_id" | "workspace" | "task";
export type RunFieldErrors = { [K in RunField]?: string | undefined };

export const RUN_FIELDS: readonly RunField[] = ["agent_id", "workspace", "task"];

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
  return errors;
}
