import { useCallback, useEffect, useState } from "react";
import type { SessionSummary } from "../../bindings";
import { LoadError } from "../../shared/LoadError";
import { useNavigation } from "../../shared/navigation";
import { Spinner } from "../../shared/Spinner";
import { loadAgents, loadSessions, useList } from "../../shared/useList";
import { NewRunForm } from "./NewRunForm";
import { SessionList } from "./SessionList";
import { SessionView } from "./SessionView";
import "./runs.css";

/** How often the list asks again while it is shown (runs started from the CLI appear too). */
const REFRESH_MS = 5000;

type View =
  | { kind: "list" }
  | { kind: "new"; agentId?: string }
  | { kind: "session"; id: string; initial: SessionSummary | null; seq?: number };

export function RunsPage() {
  const sessions = useList(loadSessions);
  const agents = useList(loadAgents);
  const { intent, clearIntent } = useNavigation();
  const [view, setView] = useState<View>({ kind: "list" });
  const [now, setNow] = useState(() => Date.now());
  const { reload } = sessions;

  // "New run" on Home lands here with the form open.
  useEffect(() => {
    if (intent?.type === "new-run") {
      // From the Agents page, with the agent to run.
      setView(intent.target ? { kind: "new", agentId: intent.target } : { kind: "new" });
      clearIntent();
    } else if (intent?.type === "open-session" && intent.target) {
      // A link from elsewhere (the Memory page's history, a dream's evidence) opens that session,
      // at the event it names.
      setView({
        kind: "session",
        id: intent.target,
        initial: null,
        ...(intent.seq === undefined ? {} : { seq: intent.seq }),
      });
      clearIntent();
    }
  }, [intent, clearIntent]);

  useEffect(() => {
    const timer = setInterval(() => {
      reload();
      setNow(Date.now());
    }, REFRESH_MS);
    return () => clearInterval(timer);
  }, [reload]);

  const onStatusChange = useCallback(() => reload(), [reload]);

  if (view.kind === "session") {
    return (
      <SessionView
        key={view.id}
        id={view.id}
        initial={view.initial}
        onBack={() => {
          reload();
          setNow(Date.now());
          setView({ kind: "list" });
        }}
        onStatusChange={onStatusChange}
        focusSeq={view.seq ?? null}
      />
    );
  }

  const list = sessions.items;
  const error = sessions.error ?? agents.error;

  return (
    <section className="runs" aria-labelledby="runs-title">
      <div className="page-head">
        <div>
          <h1 id="runs-title">Runs</h1>
          <p className="lead">Every session an agent worked on, from this window or the command line.</p>
        </div>
        {view.kind === "list" && list !== null && list.length > 0 && (
          <button
            type="button"
            className="button button-primary"
            onClick={() => setView({ kind: "new" })}
            data-testid="new-run"
          >
            New run
          </button>
        )}
      </div>

      {error && (
        <LoadError
          error={error}
          onRetry={() => {
            sessions.reload();
            agents.reload();
          }}
        />
      )}

      {view.kind === "new" &&
        (agents.items === null ? (
          <p className="muted loading-line">
            <Spinner /> Loading agents…
          </p>
        ) : (
          <NewRunForm
            agents={agents.items}
            {...(view.agentId ? { initialAgentId: view.agentId } : {})}
            lastWorkspace={list?.[0]?.workspace ?? ""}
            onStarted={(session) => {
              reload();
              setView({ kind: "session", id: session.id, initial: session });
            }}
            onCancel={() => setView({ kind: "list" })}
          />
        ))}

      {list === null && !error && (
        <p className="muted loading-line">
          <Spinner /> Loading runs…
        </p>
      )}

      {view.kind === "list" && list !== null && list.length === 0 && (
        <div className="empty-panel" data-testid="runs-empty">
          <h2>No runs yet</h2>
          <p>
            A run gives an agent a task and a folder to work in. You watch it work here, approve the commands it wants
            to run, and send follow-ups when it is done.
          </p>
          <button
            type="button"
            className="button button-primary"
            onClick={() => setView({ kind: "new" })}
            data-testid="new-run"
          >
            New run
          </button>
        </div>
      )}

      {list !== null && list.length > 0 && (
        <>
          {view.kind === "new" && <h2 className="runs-subtitle">Recent runs</h2>}
          <SessionList
            sessions={list}
            now={now}
            onOpen={(session) => setView({ kind: "session", id: session.id, initial: session })}
          />
        </>
      )}
    </section>
  );
}
