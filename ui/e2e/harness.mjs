// What both browser tests share: Vite serving the UI on a fixed loopback port, and Debian's
// Chromium started headless with its background network traffic off (this machine's network
// is closed, and those connections fail many at a time).
import { chromium } from "playwright-core";
import { createServer } from "vite";

/** Starts Vite on `host:port` in `mode` ("mock": the in-memory backend; "development": the dev server). */
export async function startVite(root, mode, host, port) {
  const server = await createServer({ root, mode, logLevel: "warn", server: { host, port, strictPort: true } });
  await server.listen();
  return server;
}

export function launchChromium() {
  return chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}
