import { shortId } from "./history";
import { useEffect, useState } from "react";
import type { AppError, MemoryAccessRecord } from "../../bindings";
import { toAppError, useBackend } from "../../ipc";
import { LoadError } from "../../shared/LoadError";
import { ACCESS_KIND_LABELS } from "../../shared/memory";
import { useNavigation } from "../../shared/navigation";
import { Spinner } from "../../shared/Spinner";
import { formatRelative } from "../../shared/format";

/** The sessions that listed, searched, read or wrote a file, newest first: why it was loaded. */
export function LoadedBy({ storeId, path, changes }: { storeId: string; path: string; changes: number }) {
  const backend = useBackend();
  const { navigate } = useNavigation();
  const [records, setRecords] = useState<MemoryAccessRecord[] | null>(null);
  const [error, setError] = useState<AppError | null>(null);
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    let live = true;
    setError(null);
    backend.memoryFileSessions(storeId, path).then(
      (list) => live && setRecords(list),
      (err: unknown) => live && setError(toAppError(err)),
    );
    return () => {
      live = false;
    };
  }, [backend, storeId, path, changes, attempt]);

  const now = Date.now();
  return (
    <section className="loaded-by card" aria-labelledby="loaded-by-title" data-testid="memory-loaded-by">
      <h2 id="loaded-by-title" className="panel-title">
        Loaded by
      </h2>
      {error && <LoadError error={error} onRetry={() => setAttempt((n) => n + 1)} />}
      {records === null && !error && (
        <p className="muted loading-line small">
          <Spinner /> Loading…
        </p>
      )}
      {records !== null && records.length === 0 && (
        <p className="muted small">
          No session has loaded this file yet. Agents that mount the store see it in the index.
        </p>
      )}
      {records !== null && records.length > 0 && (
        <ul className="access-list">
          {records.map((record, i) => (
            <li
              key={i}
              className="access-row"
              data-testid="memory-access"
              data-kind={record.kind}
              data-session-id={record.session_id}
            >
              <span className={`access-kind access-${record.kind}`}>{ACCESS_KIND_LABELS[record.kind]}</span>
              <span className="access-what">
                <button
                  type="button"
                  className="link-button"
                  onClick={() => navigate("runs", "open-session", record.session_id)}
                  title="Open this session in Runs"
                >
                  session {shortId(record.session_id)}
                </button>{" "}
                <span className="muted">(thread {shortId(record.thread_id)})</span>
                {record.query !== undefined && (
                  <>
                    {" "}
                    searching for <q className="access-query">{record.query}</q>
                  </>
                )}
              </span>
              <span className="access-when muted small">{formatRelative(record.time_ms, now)}</span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
