import { useEffect, useState } from "react";
import type { MemoryAccessRecord, SessionStatus } from "../../bindings";
import { useBackend } from "../../ipc";
import { ChevronIcon } from "../../shared/icons";
import { ACCESS_KIND_LABELS } from "../../shared/memory";

/**
 * What the session loaded from memory, in order: which store and file, how (listed, searched,
 * read, written) and with which query. Shown only when there is something; asked again when the
 * session starts or stops.
 */
export function SessionMemory({ sessionId, status }: { sessionId: string; status: SessionStatus | null }) {
  const backend = useBackend();
  const [records, setRecords] = useState<MemoryAccessRecord[]>([]);
  const [open, setOpen] = useState(false);

  useEffect(() => {
    let live = true;
    // A session that can't say what it loaded simply shows nothing here.
    backend.sessionMemory(sessionId).then(
      (list) => live && setRecords(list),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [backend, sessionId, status]);

  if (records.length === 0) return null;
  const files = new Set(records.flatMap((r) => (r.path === undefined ? [] : [`${r.store_id}/${r.path}`]))).size;

  return (
    <section className="session-memory" data-testid="session-memory" data-open={open}>
      <button
        type="button"
        className="session-memory-toggle"
        aria-expanded={open}
        onClick={() => setOpen((o) => !o)}
        data-testid="session-memory-toggle"
      >
        <span className={open ? "tool-chevron open" : "tool-chevron"}>
          <ChevronIcon />
        </span>
        <span className="session-memory-title">Memory</span>
        <span className="muted small">
          {records.length === 1 ? "1 load" : `${records.length} loads`} · {files === 1 ? "1 file" : `${files} files`}
        </span>
      </button>
      {open && (
        <ol className="session-memory-list">
          {records.map((record, i) => (
            <li key={i} className="session-memory-row" data-testid="session-memory-record" data-kind={record.kind}>
              <span className={`access-kind access-${record.kind}`}>{ACCESS_KIND_LABELS[record.kind]}</span>
              <span className="session-memory-what">
                <span className="muted">{record.store_name}</span>
                {record.path !== undefined && (
                  <>
                    {" / "}
                    <span className="mono">{record.path}</span>
                  </>
                )}
                {record.query !== undefined && (
                  <span className="session-memory-why">
                    {record.path === undefined ? "found nothing for " : "found by "}
                    <q>{record.query}</q>
                  </span>
                )}
              </span>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
