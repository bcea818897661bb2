import { describe, expect, it, vi } from "vitest";
import type { StreamItem } from "../bindings";
import { createDevServerBackend, devServerFromSearch, TOKEN_HEADER } from "./devserver";

const ADDRESS = { base: "http://127.0.0.1:4321/?token=abc", token: "abc" };

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
}

/** A fake fetch answering every request with `reply`, keeping what was asked. */
function fakeFetch(reply: () => Promise<Response>) {
  return vi.fn((_url: URL | RequestInfo, _init?: RequestInit) => reply());
}

/** A stand-in for the browser's WebSocket: the test plays the server. */
class FakeSocket {
  static last: FakeSocket | null = null;
  onopen: (() => void) | null = null;
  onmessage: ((message: { data: unknown }) => void) | null = null;
  onerror: (() => void) | null = null;
  closed = false;
  readonly url: string;
  constructor(url: string) {
    this.url = url;
    FakeSocket.last = this;
  }
  close() {
    this.closed = true;
  }
}
const Socket = FakeSocket as unknown as typeof WebSocket;

describe("devServerFromSearch", () => {
  it("reads the query first, then Vite's env, and nothing without a base URL", () => {
    expect(devServerFromSearch("?devserver=http://127.0.0.1:9/&token=t")).toEqual({
      base: "http://127.0.0.1:9/",
      token: "t",
    });
    expect(devServerFromSearch("", { VITE_REVERIE_DEVSERVER: "http://127.0.0.1:8", VITE_REVERIE_TOKEN: "e" })).toEqual({
      base: "http://127.0.0.1:8",
      token: "e",
    });
    expect(devServerFromSearch("?token=t")).toBeNull();
  });
});

describe("the dev server backend", () => {
  it("POSTs each command by its table name with the token header and the arguments as JSON", async () => {
    const fetch = fakeFetch(async () => json(200, []));
    const backend = createDevServerBackend(ADDRESS, fetch, Socket);
    await backend.listProviders();
    await backend.cancelThread("ses_1", "thr_2");

    const [url, init] = fetch.mock.calls[0] ?? [];
    expect(String(url)).toBe("http://127.0.0.1:4321/api/list_providers");
    expect(init?.method).toBe("POST");
    expect((init?.headers as Record<string, string>)[TOKEN_HEADER]).toBe("abc");
    expect(init?.body).toBe("");
    const [secondUrl, secondInit] = fetch.mock.calls[1] ?? [];
    expect(String(secondUrl)).toBe("http://127.0.0.1:4321/api/cancel_thread");
    expect(JSON.parse(String(secondInit?.body))).toEqual({ id: "ses_1", thread_id: "thr_2" });
  });

  it("answers the result and maps apply's pair like the Tauri transport", async () => {
    const backend = createDevServerBackend(
      ADDRESS,
      fakeFetch(async () => json(200, [{ id: "p" }, { applied: 1 }])),
      Socket,
    );
    await expect(backend.applyProposal("drm_1")).resolves.toEqual({ proposal: { id: "p" }, report: { applied: 1 } });
  });

  it("rejects with the server's AppError, a clear one for a reply that isn't, and when unreachable", async () => {
    const conflict = { code: "conflict", message: "Name taken.", field: "name" };
    let backend = createDevServerBackend(
      ADDRESS,
      fakeFetch(async () => json(409, conflict)),
      Socket,
    );
    await expect(backend.listAgents()).rejects.toEqual(conflict);

    backend = createDevServerBackend(
      ADDRESS,
      fakeFetch(async () => new Response("Bad Gateway", { status: 502 })),
      Socket,
    );
    await expect(backend.listAgents()).rejects.toEqual({
      code: "internal",
      message: "The dev server answered `list_agents` with HTTP 502: Bad Gateway.",
    });

    backend = createDevServerBackend(
      ADDRESS,
      fakeFetch(() => Promise.reject(new TypeError("Failed to fetch"))),
      Socket,
    );
    await expect(backend.listAgents()).rejects.toMatchObject({
      code: "network",
      message: expect.stringContaining("Couldn't reach the dev server at http://127.0.0.1:4321 (Failed to fetch)"),
    });
  });

  it("streams a session over a WebSocket with the token and stops it by closing", async () => {
    const backend = createDevServerBackend(
      ADDRESS,
      fakeFetch(async () => json(200, null)),
      Socket,
    );
    const items: StreamItem[] = [];
    const watching = backend.watchSession("ses_1", 3, (item) => items.push(item));
    const socket = FakeSocket.last;
    expect(socket).not.toBeNull();
    if (!socket) return;
    const url = new URL(socket.url);
    expect(`${url.protocol}//${url.host}${url.pathname}`).toBe("ws://127.0.0.1:4321/ws/watch_session");
    expect(JSON.parse(url.searchParams.get("args") ?? "")).toEqual({ id: "ses_1", after: 3 });
    expect(url.searchParams.get("token")).toBe("abc");

    socket.onopen?.();
    const stop = await watching;
    const delta = { type: "delta", thread_id: "thr_1", text: "Hi" };
    socket.onmessage?.({ data: JSON.stringify(delta) });
    expect(items).toEqual([delta]);

    stop();
    expect(socket.closed).toBe(true);
    socket.onmessage?.({ data: JSON.stringify(delta) });
    expect(items).toHaveLength(1);
  });

  it("rejects a stream the server refuses before it opens", async () => {
    const backend = createDevServerBackend(
      ADDRESS,
      fakeFetch(async () => json(200, null)),
      Socket,
    );
    const watching = backend.watchDreams(() => {});
    FakeSocket.last?.onerror?.();
    await expect(watching).rejects.toMatchObject({
      code: "network",
      message: expect.stringContaining("`watch_dreams`"),
    });
  });

  it("says plainly what needs the app window, and the UI's field error shows the picker's message", async () => {
    const fetch = fakeFetch(async () => json(200, null));
    const backend = createDevServerBackend(ADDRESS, fetch, Socket);
    await expect(backend.pickFolder()).rejects.toMatchObject({
      code: "invalid_input",
      message: expect.stringContaining("type the full path"),
    });
    const stop = await backend.watchCloseRequests(() => {});
    stop();
    expect(fetch).not.toHaveBeenCalled();
  });

  it("asks the dev server's shell double about updates, and shows its refusal when it has none", async () => {
    const fetch = fakeFetch(async () =>
      json(404, {
        code: "not_found",
        message: "reverie-devserver has no updater (updates are for the installed app).",
      }),
    );
    const backend = createDevServerBackend(ADDRESS, fetch, Socket);
    await expect(backend.checkForUpdates()).rejects.toMatchObject({
      code: "not_found",
      message: expect.stringContaining("no updater"),
    });
    expect(String(fetch.mock.calls[0]![0])).toBe("http://127.0.0.1:4321/api/check_for_updates");
  });

  it("asks the dev server for the app's status, which it answers itself", async () => {
    const status = {
      version: "0.1.0",
      data_dir: "/tmp/data",
      log_dir: "the standard error of reverie-devserver",
      secret_backend: "memory_only",
      notices: [],
    };
    const fetch = fakeFetch(async () => json(200, status));
    const backend = createDevServerBackend(ADDRESS, fetch, Socket);
    await expect(backend.appStatus()).resolves.toEqual(status);
    expect(String(fetch.mock.calls[0]![0])).toBe("http://127.0.0.1:4321/api/app_status");
  });
});
