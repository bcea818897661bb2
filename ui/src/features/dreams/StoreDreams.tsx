import { useEffect, useId, useState } from "react";
import type { Agent, AppError, Dream, DreamSettings, MemoryStore, Provider } from "../../bindings";
import { toAppError, useBackend } from "../../ipc";
import { LoadError } from "../../shared/LoadError";
import { fileCount } from "../../shared/memory";
import { useNavigation } from "../../shared/navigation";
import { Spinner } from "../../shared/Spinner";
import { DreamNowForm } from "./DreamNowForm";
import { DreamRow } from "./DreamRow";
import { DreamSettingsForm } from "./DreamSettingsForm";
import { useDreamFeed } from "../../shared/dreamFeed";
import { ended, nameList, newSessionCount, scheduled, scheduleSummary } from "./format";

interface StoreDreamsProps {
  store: MemoryStore;
  agents: readonly Agent[];
  providers: readonly Provider[];
  /** This store's dreams, newest first. */
  dreams: readonly Dream[];
  onOpen(dreamId: string): void;
}

/** One store: Dream now, the dream running, the store's settings, and its dream history. */
export function StoreDreams({ store, agents, providers, dreams, onOpen }: StoreDreamsProps) {
  const backend = useBackend();
  const feed = useDreamFeed();
  const { navigate } = useNavigation();
  const id = useId();
  const [fresh, setFresh] = useState<string[] | null>(null);
  const [settings, setSettings] = useState<DreamSettings | null>(null);
  const [error, setError] = useState<AppError | null>(null);
  const [attempt, setAttempt] = useState(0);
  const [panel, setPanel] = useState<"dream" | "settings" | null>(null);

  const mounting = agents.filter((a) => a.memory.some((m) => m.store_id === store.id));
  const running = dreams.find((d) => !ended(d)) ?? null;
  // Asked again whenever one of the store's dreams ends: it may have read what was new.
  const endings = dreams.filter(ended).length;

  useEffect(() => {
    let live = true;
    setError(null);
    // A count from before the dream ended would offer what it has just read.
    setFresh(null);
    backend.newDreamSessions(store.id).then(
      (ids) => live && setFresh(ids),
      (err: unknown) => live && setError(toAppError(err)),
    );
    return () => {
      live = false;
    };
  }, [backend, store.id, endings, attempt]);

  useEffect(() => {
    let live = true;
    backend.dreamSettings(store.id).then(
      (value) => live && setSettings(value),
      (err: unknown) => live && setError(toAppError(err)),
    );
    return () => {
      live = false;
    };
  }, [backend, store.id, attempt]);

  const firstAgent = mounting[0];
  const defaultModel = firstAgent?.model || providers.find((p) => p.id === firstAgent?.provider_id)?.model || "";
  const canDream = mounting.length > 0 && fresh !== null && fresh.length > 0 && running === null;

  return (
    <section
      className="card dream-store"
      aria-labelledby={`${id}-name`}
      data-testid="dream-store"
      data-store-name={store.name}
    >
      <header className="dream-store-head">
        <div className="dream-store-title">
          <h2 id={`${id}-name`}>{store.name}</h2>
          <p className="muted small">
            {store.description ? `${store.description} · ` : ""}
            {fileCount(store.files)}
            {mounting.length > 0 && ` · mounted by ${nameList(mounting.map((a) => a.name))}`}
          </p>
        </div>
        {canDream && panel !== "dream" && (
          <button
            type="button"
            className="button button-primary"
            onClick={() => setPanel("dream")}
            data-testid="dream-now"
          >
            Dream now · {newSessionCount(fresh.length)}
          </button>
        )}
      </header>

      {error && <LoadError error={error} onRetry={() => setAttempt((n) => n + 1)} />}

      {settings && panel !== "settings" && (
        <div className="dream-schedule" data-testid="dream-schedule">
          <span className="small">
            <span className="muted">When it dreams:</span> {scheduleSummary(settings)}
            {scheduled(settings) && <span className="muted"> · Reverie stays in the tray to keep the schedule</span>}
          </span>
          <button
            type="button"
            className="button button-small button-quiet"
            onClick={() => setPanel("settings")}
            data-testid="dream-settings-open"
          >
            Change…
          </button>
        </div>
      )}
      {settings && panel === "settings" && (
        <DreamSettingsForm
          storeId={store.id}
          settings={settings}
          onSaved={(saved) => {
            setSettings(saved);
            setPanel(null);
          }}
          onCancel={() => setPanel(null)}
        />
      )}

      {mounting.length === 0 && (
        <div className="dream-note" data-testid="dream-no-agent">
          <p>
            <strong>No agent mounts this store</strong>, so no session can teach it anything. Mount it in an agent
            (Agents → Memory); once that agent has run, this store can dream.
          </p>
          <button type="button" className="button button-small" onClick={() => navigate("agents")}>
            Go to Agents
          </button>
        </div>
      )}
      {mounting.length > 0 && fresh !== null && fresh.length === 0 && running === null && (
        <div className="dream-note" data-testid="dream-nothing-new">
          <p>
            <strong>Nothing new to dream about.</strong> Every finished session of{" "}
            {nameList(mounting.map((a) => a.name))} has been read by a dream. Run{" "}
            {mounting.length === 1 ? "it" : "one of them"} again, then dream.
          </p>
          <button
            type="button"
            className="button button-small"
            onClick={() => navigate("runs", "new-run", firstAgent?.id)}
          >
            New run
          </button>
        </div>
      )}
      {fresh === null && !error && mounting.length > 0 && (
        <p className="muted loading-line small">
          <Spinner /> Looking for new sessions…
        </p>
      )}

      {panel === "dream" && canDream && settings && (
        <DreamNowForm
          storeId={store.id}
          agents={mounting}
          sessions={fresh}
          defaultMode={settings.mode}
          defaultModel={defaultModel}
          onStarted={(dream) => {
            feed.add(dream);
            setPanel(null);
          }}
          onNothingNew={() => setAttempt((n) => n + 1)}
          onCancel={() => setPanel(null)}
        />
      )}

      {dreams.length > 0 ? (
        <>
          <h3 className="dream-history-title">History</h3>
          <ol className="dream-list" aria-label={`Dreams of ${store.name}, newest first`}>
            {dreams.map((dream) => (
              <DreamRow key={dream.id} dream={dream} onOpen={() => onOpen(dream.id)} />
            ))}
          </ol>
        </>
      ) : (
        mounting.length > 0 && <p className="muted small dream-history-empty">No dreams yet.</p>
      )}
    </section>
  );
}
