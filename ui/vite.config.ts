import react from "@vitejs/plugin-react";
import { defineConfig } from "vitest/config";

// Tauri loads the dev server from a fixed port (tauri.conf.json `devUrl`), so the port is strict.
export default defineConfig({
  plugins: [react()],
  clearScreen: false,
  server: {
    port: 5173,
    strictPort: true,
  },
  build: {
    outDir: "dist",
    emptyOutDir: true,
  },
  test: {
    include: ["src/**/*.test.{ts,tsx}"],
    environment: "happy-dom",
    setupFiles: ["src/test/setup.ts"],
    restoreMocks: true,
    // Pages run on the real engine (src/test/engine.ts): on a busy machine a test that runs
    // sessions takes seconds, not the 5 s default's fraction. A ceiling, not a wait.
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
