import { describe, expect, it } from "vitest";
import { OFFLINE_MESSAGE, updateMessage } from "./updateMessage";

describe("updateMessage", () => {
  it("up to date", () => {
    expect(updateMessage({ type: "up_to_date", current_version: "0.1.0" })).toEqual({
      tone: "ok",
      text: "Reverie 0.1.0 is up to date.",
    });
  });

  it("available, with notes", () => {
    expect(
      updateMessage({ type: "available", current_version: "0.1.0", version: "0.2.0", notes: " Faster. \n" }),
    ).toEqual({ tone: "info", text: "Reverie 0.2.0 is available (you have 0.1.0).", notes: "Faster." });
  });

  it("available, without notes", () => {
    const message = updateMessage({ type: "available", current_version: "0.1.0", version: "0.2.0", notes: "  " });
    expect(message.notes).toBeUndefined();
  });

  it("offline is quiet, not an error", () => {
    expect(updateMessage({ type: "offline", current_version: "0.1.0" })).toEqual({
      tone: "quiet",
      text: "Couldn't reach the update server. Reverie works fine offline; try again later.",
    });
    expect(OFFLINE_MESSAGE).toMatch(/works fine offline/);
  });

  it("failed shows the core's message as an error", () => {
    expect(updateMessage({ type: "failed", current_version: "0.1.0", message: "Bad signature." })).toEqual({
      tone: "error",
      text: "Bad signature.",
    });
  });
});
