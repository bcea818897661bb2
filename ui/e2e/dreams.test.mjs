// The Dreams page on the real engine, seeded with `--seed dreams`: the "Project notes" store's
// dream history (applied, failed, one ready for review), Dream now with its progress, and the
// schedule. The dream's two extract calls and its consolidate call are answered by the seeded
// fake model from SCRIPT; the second extract takes a while, so its progress can be seen.
import assert from "node:assert/strict";
import { test } from "node:test";
import { bothThemes, browserSuite, openPage, startEngine } from "./harness.mjs";

const suite = browserSuite();

const submit = (result) => ({ steps: [{ tool_use: { name: "submit_result", input: result } }] });
const finding = (text) => submit({ findings: [{ kind: "lesson", text, evidence: [] }] });
/** What Dream now is answered: extract per session, then consolidate. */
const SCRIPT = {
  default: [
    finding("Reading package.json first found the version at once."),
    { ...finding("The tests take well under a second: they never slowed a run down."), delay_ms: 6000 },
    submit({
      operations: [
        {
          op: "update",
          path: "project/overview.md",
          content:
            "# Notes app\n\nA small command-line notes app. Notes are Markdown files in ~/.notes, one per note.\n\n- Storage: src/store.js.\n- Install steps are in the README; keep them in step with package.json.\n- The version is in package.json; `notes --version` prints it.\n",
          rationale: "The --version run found the version in package.json.",
        },
      ],
    }),
  ],
};

test("dreams: a store's history, Dream now with its progress, the schedule", { timeout: 90_000 }, async (t) => {
  const engine = await startEngine(t, { seeds: ["dreams"], script: SCRIPT });
  const page = await openPage(t, suite, engine);
  const byId = (id) => page.getByTestId(id);
  const store = page.locator('[data-testid="dream-store"][data-store-name="Project notes"]');
  const rows = store.getByTestId("dream-row");

  // The sidebar counts the proposal waiting for review.
  await page.locator('[data-testid="nav-dreams"][data-count="1"]').waitFor();
  await byId("nav-dreams").click();
  await store.getByTestId("dream-now").waitFor();
  assert.equal(await store.getByTestId("dream-now").innerText(), "Dream now · 2 new sessions");
  assert.deepEqual(
    await rows.evaluateAll((all) => all.map((r) => `${r.dataset.status} ${r.dataset.proposal ?? "-"}`)),
    ["completed ready", "failed -", "completed applied"],
  );
  assert.match(
    await rows.nth(0).innerText(),
    /Ready for review[\s\S]*Read 2 sessions[\s\S]*Focus on how the tests are run/,
  );
  assert.match(await rows.nth(1).getByTestId("dream-error").innerText(), /^The consolidate stage failed: .*overloaded/);
  assert.match(await store.getByTestId("dream-schedule").innerText(), /Review first · every day at 03:30[\s\S]*tray/);
  const unmounted = page.locator('[data-testid="dream-store"][data-store-name="Reading list"]');
  assert.match(await unmounted.getByTestId("dream-no-agent").innerText(), /No agent mounts this store/);
  assert.equal(await unmounted.getByTestId("dream-now").count(), 0);
  await bothThemes(page, "browser-dreams");

  // Dream now can read sessions picked by hand: the finished ones of the mounting agents, the
  // two no dream has read marked (then those earlier dreams read). Left off again, it reads
  // those two.
  await store.getByTestId("dream-now").click();
  await byId("dream-pick-sessions").check();
  const options = byId("dream-session-option");
  await options.first().waitFor();
  const flags = await options.evaluateAll((all) => all.map((o) => o.dataset.new ?? "read"));
  assert.deepEqual(flags.slice(0, 2), ["true", "true"]);
  assert.ok(flags.length > 2 && flags.slice(2).every((f) => f === "read"), `${flags}`);
  await options.nth(2).check();
  assert.equal(await byId("dream-form-note").innerText(), "It will read 1 session picked.");
  await bothThemes(page, "browser-dream-pick");
  await byId("dream-pick-sessions").uncheck();

  // Dream now, with instructions: the dream shows its stage and the sessions read so far.
  await byId("dream-instructions").fill("Look for what slowed the runs down.");
  await byId("dream-start").click();
  const live = store.locator('[data-testid="dream-row"][data-status="running"]');
  await live.getByTestId("dream-processed").filter({ hasText: "1 of 2" }).waitFor();
  assert.equal(await live.getByTestId("dream-progress").getAttribute("data-stage"), "extract");
  assert.match(await live.innerText(), /Look for what slowed the runs down/);
  await bothThemes(page, "browser-dream-running");

  // It ends with a second proposal to review; what it read is no longer new.
  await page.locator('[data-testid="nav-dreams"][data-count="2"]').waitFor({ timeout: 30_000 });
  await store.getByTestId("dream-nothing-new").waitFor();
  assert.equal(await store.getByTestId("dream-now").count(), 0);
  assert.equal(await rows.first().getAttribute("data-proposal"), "ready");

  // The schedule: a bad count is refused under its field; a good one says Reverie stays in the tray.
  await store.getByTestId("dream-settings-open").click();
  await byId("dream-after").check();
  await byId("dream-after-sessions").fill("0");
  await byId("dream-settings-save").click();
  assert.equal(await byId("field-error-after_sessions").innerText(), "Dream after between 1 and 1,000 new sessions.");
  await bothThemes(page, "browser-dream-settings");
  await byId("dream-after-sessions").fill("5");
  await byId("dream-settings-save").click();
  await store
    .getByTestId("dream-schedule")
    .filter({ hasText: "every day at 03:30 and after 5 new sessions" })
    .waitFor();

  // A cron schedule as a third way: a malformed one is refused under its field.
  await store.getByTestId("dream-settings-open").click();
  await byId("dream-cron-on").check();
  await byId("dream-cron").fill("30 3 * *");
  await byId("dream-settings-save").click();
  assert.equal(
    await byId("field-error-cron").innerText(),
    "“30 3 * *” is not a cron schedule (it has 4 fields, not 5). Write minute hour day month weekday, like 30 3 * * 1-5.",
  );
  await bothThemes(page, "browser-dream-cron");
  await byId("dream-cron").fill("30 3 * * 1-5");
  await byId("dream-settings-save").click();
  await store
    .getByTestId("dream-schedule")
    .filter({ hasText: "every day at 03:30, on the cron schedule 30 3 * * 1-5, and after 5 new sessions" })
    .waitFor();
});
