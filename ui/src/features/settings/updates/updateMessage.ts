import type { UpdateStatus } from "../../../bindings";

/** How loud a message is: "quiet" is muted text, not an error (being offline is normal). */
export type Tone = "ok" | "info" | "quiet" | "error";

export interface UpdateMessage {
  tone: Tone;
  text: string;
  /** Release notes, when an update is available. */
  notes?: string;
}

export const OFFLINE_MESSAGE = "Couldn't reach the update server. Reverie works fine offline; try again later.";

export function updateMessage(status: UpdateStatus): UpdateMessage {
  switch (status.type) {
    case "up_to_date":
      return { tone: "ok", text: `Reverie ${status.current_version} is up to date.` };
    case "available": {
      const message: UpdateMessage = {
        tone: "info",
        text: `Reverie ${status.version} is available (you have ${status.current_version}).`,
      };
      const notes = status.notes?.trim();
      if (notes) message.notes = notes;
      return message;
    }
    case "offline":
      return { tone: "quiet", text: OFFLINE_MESSAGE };
    case "failed":
      return { tone: "error", text: status.message };
  }
}
