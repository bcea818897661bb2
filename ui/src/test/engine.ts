// The real engine for Vitest: `target/debug/reverie-devserver` on a fresh data folder, reached
// through the dev-server transport the browser uses (`ipc/devserver.ts`), and the scripted
// `target/debug/fake-provider` as the model. Builds nothing: `scripts/run-tests` builds both
// binaries before `npm test` runs.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { afterEach, beforeEach, vi } from "vitest";
import { WebSocket as NodeWebSocket } from "ws";
import type {
  Agent,
  AgentInput,
  MemoryAccess,
  MemoryStore,
  MemoryStoreInput,
  Provider,
  ProviderInput,
  RunInput,
  SessionSummary,
} from "../bindings";
import type { Backend } from "../ipc";
import { createDevServerBackend } from "../ipc/devserver";

const REPO = path.resolve(import.meta.dirname, "../../..");
export const DEVSERVER_BIN = path.join(REPO, "target/debug/reverie-devserver");
export const FAKE_BIN = path.join(REPO, "target/debug/fake-provider");
const BUILD = "cargo test --workspace --features reverie/custom-protocol --no-run";
/** How long a child may take to print its address (a cold disk, a loaded machine). */
const READY_MS = 20_000;

/** The key the fake provider accepts unless a test names others. */
export const FAKE_KEY = "sk-test-good";
export const FAKE_MODEL = "fake-model";

/** A reply of the fake provider's script (the testkit README's format). */
export type ScriptReply = Record<string, unknown>;
export type Script = Record<string, ScriptReply[]>;

/** One reply that streams `text` and ends the turn. */
export function textReply(text: string): ScriptReply {
  return { steps: [{ text }], stop_reason: "end_turn" };
}

/** One reply that says `text` and then calls `tool` with `input`. */
export function toolReply(text: string, tool: string, input: Record<string, unknown>): ScriptReply {
  return { steps: [{ text }, { tool_use: { name: tool, input } }] };
}

/** An agent's input with the form's defaults: no tools listed, no memory, no roster. */
export function agentInput(fields: Partial<AgentInput> & Pick<AgentInput, "name" | "provider_id">): AgentInput {
  return { description: "", instructions: "", tools: [], memory: [], roster: [], ...fields };
}

/** An agent to seed: its provider, roster and mounts by name. */
export type SeedAgent = Partial<Omit<AgentInput, "provider_id" | "roster" | "memory">> & {
  name: string;
  provider: string;
  roster?: string[];
  memory?: Array<{ store: string; access: MemoryAccess }>;
};

/**
 * State a test starts from, made through the engine's own commands in order (stores, providers,
 * then agents, each roster naming agents listed before it); answers what was made, by name.
 */
export async function seed(
  backend: Backend,
  state: { providers?: ProviderInput[]; stores?: MemoryStoreInput[]; agents?: SeedAgent[] },
) {
  const stores: Record<string, MemoryStore> = {};
  const providers: Record<string, Provider> = {};
  const agents: Record<string, Agent> = {};
  for (const input of state.stores ?? []) stores[input.name] = await backend.createMemoryStore(input);
  for (const input of state.providers ?? []) providers[input.name] = await backend.createProvider(input);
  for (const { provider, roster, memory, ...fields } of state.agents ?? []) {
    const of = <T>(table: Record<string, T>, name: string): T => {
      const found = table[name];
      if (found === undefined) throw new Error(`seed: nothing named ${name} was made before ${fields.name}`);
      return found;
    };
    agents[fields.name] = await backend.createAgent(
      agentInput({
        ...fields,
        provider_id: of(providers, provider).id,
        roster: (roster ?? []).map((name) => of(agents, name).id),
        memory: (memory ?? []).map(({ store, access }) => ({ store_id: of(stores, store).id, access })),
      }),
    );
  }
  return { stores, providers, agents };
}

/** Starts a run on the engine and resolves once it is no longer running (idle or interrupted). */
export async function runToEnd(backend: Backend, input: RunInput): Promise<SessionSummary> {
  const started = await backend.startRun(input);
  return vi.waitFor(
    async () => {
      const session = await backend.getSession(started.id);
      if (session.status === "running") throw new Error(`session ${started.id} is still running`);
      return session;
    },
    { timeout: 20_000, interval: 20 },
  );
}

function missing(bin: string): Error {
  return new Error(`${bin} is missing: build it with \`${BUILD}\` (scripts/run-tests does, before npm test).`);
}

/**
 * Starts `bin` (under `wrapper`, a command that runs it, if given) in its own process group with
 * no D-Bus session and no vendor keys in its environment, and resolves with the first stdout
 * line `match` maps to a value; rejects with its stderr when it exits (or prints none in time).
 */
function start<T>(
  bin: string,
  args: string[],
  match: (line: string) => T | undefined,
  wrapper: string[] = [],
): Promise<[ChildProcess, T]> {
  if (!existsSync(bin)) return Promise.reject(missing(bin));
  const [command, ...rest] = [...wrapper, bin, ...args] as [string, ...string[]];
  const env: NodeJS.ProcessEnv = { ...process.env, OPENAI_API_KEY: "", ANTHROPIC_API_KEY: "", RUST_LOG: "warn" };
  delete env.DBUS_SESSION_BUS_ADDRESS;
  const child = spawn(command, rest, { detached: true, stdio: ["ignore", "pipe", "pipe"], env });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stop(child);
      reject(new Error(`${path.basename(bin)} printed no address within ${READY_MS} ms: ${stderr}`));
    }, READY_MS);
    const lines = createInterface({ input: child.stdout! });
    lines.on("line", (line) => {
      const found = match(line);
      if (found === undefined) return;
      clearTimeout(timer);
      resolve([child, found]);
    });
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${path.basename(bin)} exited (${code}) before it was ready: ${stderr}`));
    });
  });
}

/** Ends the child's process group and resolves once it has exited. */
function stop(child: ChildProcess, signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return resolve();
    child.once("exit", () => resolve());
    try {
      process.kill(-child.pid, signal);
    } catch {
      resolve();
    }
  });
}

/**
 * `fetch` over Node's own HTTP client. happy-dom replaces the global `fetch` with one that plays
 * a page at `localhost:3000` (CORS and all); the dev server is asked directly, as a tool would.
 */
const nodeFetch: typeof fetch = (input, init) =>
  new Promise<Response>((resolve, reject) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const body = typeof init?.body === "string" ? init.body : "";
    const request = http.request(
      url,
      { method: init?.method ?? "GET", headers: { ...(init?.headers as Record<string, string>) } },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () =>
          resolve(new Response(Buffer.concat(chunks).toString("utf8"), { status: response.statusCode ?? 500 })),
        );
        response.on("error", reject);
      },
    );
    request.on("error", reject);
    request.end(body);
  });

/** The engine a test drives: a real `Backend` on its own data folder. */
export interface Engine {
  backend: Backend;
  /** The dev server's data folder (the store's mirror is under `memory/`). */
  dataDir: string;
  /** A scratch folder for workspaces, exports and imports, removed with the engine. */
  tempDir: string;
  /**
   * Kills the dev server outright (SIGKILL, as a crash would) and starts a new one on the same
   * data folder, which finds what the dead one left running; resolves to the new backend.
   */
  crashAndRestart(): Promise<Backend>;
  stop(): Promise<void>;
}

const KEYCTL = "/usr/bin/keyctl";

/**
 * Starts `reverie-devserver` on `dataDir` and waits for the URL it prints. A real keychain,
 * never this machine's (as ui/e2e/harness.mjs does): with keyutils' `keyctl` the dev server
 * runs in a session keyring of its own (gone when it exits) and sees no D-Bus session, so the
 * kernel keyring is the one it finds; without `keyctl`, the shell double (`--shell`) keeps keys
 * in memory only.
 */
async function serve(dataDir: string, shellFile: string): Promise<[ChildProcess, Backend]> {
  const keyctl = existsSync(KEYCTL);
  const args = keyctl ? [dataDir] : [dataDir, "--shell", shellFile];
  const match = (line: string) => {
    const url = line.match(/^(http:\/\/127\.0\.0\.1:\d+)\/\?token=([0-9a-f]+)$/);
    return url ? { base: url[1]!, token: url[2]! } : undefined;
  };
  const [child, address] = await start(DEVSERVER_BIN, args, match, keyctl ? [KEYCTL, "session", "-"] : []);
  return [child, createDevServerBackend(address, nodeFetch, NodeWebSocket as unknown as typeof WebSocket)];
}

/** Starts `reverie-devserver` on a fresh data folder. */
export async function startEngine(): Promise<Engine> {
  const tempDir = await mkdtemp(path.join(os.tmpdir(), "reverie-vitest-"));
  const dataDir = path.join(tempDir, "data");
  const shellFile = path.join(tempDir, "shell.json");
  let child: ChildProcess;
  let backend: Backend;
  try {
    await writeFile(shellFile, JSON.stringify({ keychain: "memory_only" }));
    [child, backend] = await serve(dataDir, shellFile);
  } catch (error) {
    await rm(tempDir, { recursive: true, force: true });
    throw error;
  }
  const engine: Engine = {
    backend,
    dataDir,
    tempDir,
    async crashAndRestart() {
      await stop(child, "SIGKILL");
      [child, engine.backend] = await serve(dataDir, shellFile);
      return engine.backend;
    },
    async stop() {
      await stop(child);
      await rm(tempDir, { recursive: true, force: true });
    },
  };
  return engine;
}

/** The fake provider a test's providers point at. */
export interface FakeProvider {
  /** The base URL of an `anthropic` provider. */
  anthropic: string;
  /** The base URL of an `openai_compatible` provider. */
  openai: string;
  /**
   * A provider on this fake: OpenAI-compatible without a key (like a local server; the fake is
   * open), or Anthropic with `key`.
   */
  input(name?: string, key?: string): ProviderInput;
  stop(): Promise<void>;
}

/**
 * Starts `fake-provider` playing `script` (default: one short answer); it accepts `keys`
 * (default `sk-test-good`) and, unless `open` is false, requests that send none (like a local
 * Ollama), so the providers tests make need no key in the keychain.
 */
export async function startFakeProvider(
  options: { script?: Script; keys?: string[]; open?: boolean } = {},
): Promise<FakeProvider> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "reverie-vitest-fake-"));
  const script = path.join(dir, "script.json");
  await writeFile(script, JSON.stringify(options.script ?? { default: [textReply("Done.")] }));
  const keys = options.keys ?? [FAKE_KEY];
  const args = [
    "--script",
    script,
    ...keys.flatMap((k) => ["--key", k]),
    ...(options.open === false ? [] : ["--open"]),
  ];
  let anthropic = "";
  let child: ChildProcess;
  try {
    // "Anthropic base URL: …" comes first, then "OpenAI base URL: …".
    [child] = await start(FAKE_BIN, args, (line) => {
      anthropic ||= line.match(/Anthropic base URL:\s+(\S+)/)?.[1] ?? "";
      return line.match(/OpenAI base URL:\s+(\S+)/)?.[1];
    });
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  const openai = `${anthropic}/v1`;
  return {
    anthropic,
    openai,
    input: (name = "Fake", key?: string) =>
      key === undefined
        ? { name, kind: "openai_compatible", base_url: openai, model: FAKE_MODEL }
        : { name, kind: "anthropic", base_url: anthropic, model: FAKE_MODEL, api_key: key },
    async stop() {
      await stop(child);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A fresh engine and fake provider for every test of the file (a script's replies are used up
 * in order, so each test gets its own): `const engine = engineEachTest();` then `engine().backend`.
 */
export function engineEachTest(options: { fake?: Parameters<typeof startFakeProvider>[0] } = {}) {
  let current: Engine | null = null;
  let fake: FakeProvider | null = null;
  beforeEach(async () => {
    const [engine, provider] = await Promise.allSettled([startEngine(), startFakeProvider(options.fake)]);
    if (engine.status === "fulfilled" && provider.status === "fulfilled") {
      [current, fake] = [engine.value, provider.value];
      return;
    }
    // One started and the other didn't: stop the one, so no process outlives the test.
    await Promise.all([engine, provider].map((r) => (r.status === "fulfilled" ? r.value.stop() : undefined)));
    throw [engine, provider].find((r) => r.status === "rejected")!.reason;
  });
  afterEach(async () => {
    await Promise.all([current?.stop(), fake?.stop()]);
    current = null;
    fake = null;
  });
  return () => {
    if (!current || !fake) throw new Error("engineEachTest(): the engine runs only inside a test");
    const engine = current;
    return {
      get backend() {
        return engine.backend;
      },
      dataDir: engine.dataDir,
      tempDir: engine.tempDir,
      crashAndRestart: () => engine.crashAndRestart(),
      fake,
    };
  };
}
