// Timeline benchmark: prints figures, asserts nothing (not part of `npm test`).
// `npm run bench:timeline` — layout of a generated 25-lane, 10,000-event session from scratch,
// one more event applied incrementally, and a full draw; under Node (no canvas there: the draw
// goes into a 2D context that only counts calls) and in headless Chromium on a real canvas.
import { existsSync } from "node:fs";
import os from "node:os";
import { fileURLToPath } from "node:url";
import { createServer, runnerImport } from "vite";

const UI_ROOT = fileURLToPath(new URL("..", import.meta.url));
const MODULE = "/src/features/runs/timelineBench.ts";
const RUNS = Number(process.env.RUNS ?? 100);
const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";

const ms = (n) => (n < 0.1 ? n.toFixed(4) : n < 10 ? n.toFixed(3) : n.toFixed(1));
const row = (label, f, note = "") =>
  console.log(`  ${label.padEnd(46)} ${ms(f.median).padStart(9)} ${ms(f.p99).padStart(9)}${note ? `   ${note}` : ""}`);
const head = () =>
  console.log(`  ${"".padEnd(46)} ${"median".padStart(9)} ${"p99".padStart(9)}   (ms, ${RUNS} runs after 5 warm-up)`);

const { module: bench } = await runnerImport(`${UI_ROOT}${MODULE.slice(1)}`, { root: UI_ROOT, logLevel: "warn" });
const s = bench.describeSession();
console.log(
  `Timeline benchmark: a generated session of ${s.lanes} lanes and ${s.events.toLocaleString("en-US")} events ` +
    `(${s.requests.toLocaleString("en-US")} model requests, ${s.calls.toLocaleString("en-US")} tool calls, ${s.arrows} arrows), ` +
    `drawn ${bench.WIDTH} CSS px wide with every lane in view; (b) applies the next events of the same pattern caught running at its 10,000th.`,
);
console.log(`Machine: ${os.cpus()[0]?.model ?? "unknown CPU"} × ${os.cpus().length}, ${os.platform()}.`);

console.log(
  `\nNode ${process.version}: no canvas here, so (c) draws into a 2D context that counts calls and paints nothing.`,
);
head();
const node = bench.nodeBench(RUNS);
row("(a) layout from scratch, 10,000 events", node.fromScratch);
row("(b) one more event, applied incrementally", node.oneMore);
row(
  "(c) draw, whole session (counting context)",
  node.drawWhole,
  `${node.callsWhole.calls.toLocaleString("en-US")} calls, ${node.callsWhole.rects.toLocaleString("en-US")} rects`,
);
row(
  "(c) draw, 10 s zoomed in (counting context)",
  node.drawZoomed,
  `${node.callsZoomed.calls.toLocaleString("en-US")} calls, ${node.callsZoomed.rects.toLocaleString("en-US")} rects`,
);

if (!existsSync(CHROMIUM)) {
  console.log(`\nChromium not found at ${CHROMIUM} (set CHROMIUM=…): no real-canvas figures.`);
  process.exit(0);
}
const { chromium } = await import("playwright-core");
const server = await createServer({
  root: UI_ROOT,
  mode: "mock",
  logLevel: "warn",
  server: { host: "127.0.0.1", port: 5197, strictPort: true },
});
await server.listen();
const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: ["--headless", "--no-sandbox", "--disable-gpu"],
});
try {
  const page = await (await browser.newContext({ deviceScaleFactor: 2 })).newPage();
  await page.goto("http://127.0.0.1:5197/");
  const result = await page.evaluate(async ([path, runs]) => (await import(path)).browserBench(runs), [MODULE, RUNS]);
  console.log(
    `\nChromium ${browser.version()} headless, software raster (--disable-gpu), devicePixelRatio ${result.dpr}, ` +
      `canvas ${result.canvas.width}×${result.canvas.height} px; (c) includes finishing the drawing (a 1-pixel read back).`,
  );
  head();
  row("(a) layout from scratch, 10,000 events", result.fromScratch);
  row(`(b) one more event (mean of ${result.batch} a sample)`, result.oneMore);
  row("(c) draw, whole session", result.drawWhole);
  row("(c) draw, 10 s zoomed in", result.drawZoomed);
} finally {
  await browser.close();
  await server.close();
}
