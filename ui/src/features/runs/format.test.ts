import { describe, expect, it } from "vitest";
import { formatCompact, formatCost, formatDuration, formatRelative } from "../../shared/format";
import { statusBadge, toolSummary } from "./format";

describe("runs › format", () => {
  it("formats cost, with a dash when unknown", () => {
    expect(formatCost(undefined)).toBe("—");
    expect(formatCost(null)).toBe("—");
    expect(formatCost(0.0123)).toBe("$0.0123");
    expect(formatCost(0.00004)).toBe("$0.0000");
    expect(formatCost(2.345)).toBe("$2.35");
  });

  it("formats durations and token counts", () => {
    expect(formatDuration(850)).toBe("850 ms");
    expect(formatDuration(12_400)).toBe("12 s");
    expect(formatDuration(185_000)).toBe("3 min 5 s");
    expect(formatDuration(120_000)).toBe("2 min");
    expect(formatDuration(3_720_000)).toBe("1 h 2 min");
    expect(formatCompact(950)).toBe("950");
    expect(formatCompact(1_234)).toBe("1.2k");
    expect(formatCompact(45_600)).toBe("46k");
    expect(formatCompact(1_250_000)).toBe("1.3M");
  });

  it("says how long ago", () => {
    const now = 1_760_000_000_000;
    expect(formatRelative(now - 10_000, now)).toBe("just now");
    expect(formatRelative(now - 5 * 60_000, now)).toBe("5 min ago");
    expect(formatRelative(now - 3 * 3_600_000, now)).toBe("3 h ago");
    expect(formatRelative(now - 26 * 3_600_000, now)).toBe("yesterday");
    expect(formatRelative(now - 4 * 86_400_000, now)).toBe("4 days ago");
  });

  it("summarises a tool call in one line", () => {
    expect(toolSummary("read_file", { path: "src/main.rs", start_line: 3 })).toBe("src/main.rs");
    expect(toolSummary("run_command", { command: "cargo test\n  --workspace" })).toBe("cargo test --workspace");
    expect(toolSummary("search_files", { pattern: "TODO", path: "src" })).toBe("TODO in src");
    expect(toolSummary("list_files", {})).toBe(".");
    expect(toolSummary("mystery", { a: 1 })).toBe('{"a":1}');
    expect(toolSummary("mystery", {})).toBe("");
    expect(toolSummary("delegate", { agent: "Researcher", message: "Find the\nstorage format." })).toBe(
      "to Researcher: Find the storage format.",
    );
  });

  it("labels statuses", () => {
    expect(statusBadge("running", undefined)).toEqual({ label: "Running", tone: "running" });
    expect(statusBadge("idle", "end_turn")).toEqual({ label: "Finished", tone: "ok" });
    expect(statusBadge("idle", "error").tone).toBe("error");
    expect(statusBadge("interrupted", undefined).label).toBe("Interrupted");
    // A quit is not a cancel: its own label, and what it means on hover.
    expect(statusBadge("idle", "app_quit")).toEqual({
      label: "Stopped",
      tone: "neutral",
      title: "Stopped when Reverie quit",
    });
    expect(statusBadge("idle", "cancelled").label).toBe("Cancelled");
  });
});
