import type { Evidence, SessionSummary } from "../../bindings";
import { useNavigation } from "../../shared/navigation";

interface EvidenceListProps {
  evidence: readonly Evidence[];
  /** The sessions that exist now, by id; null while unknown (every quote links then). */
  sessions: ReadonlyMap<string, SessionSummary> | null;
}

/** The quotes behind a change, each linking to its event in the session's view. */
export function EvidenceList({ evidence, sessions }: EvidenceListProps) {
  const { navigate } = useNavigation();
  if (evidence.length === 0) {
    return (
      <p className="muted small">
        No quote from the sessions backs this change; it follows from the store's own files.
      </p>
    );
  }
  return (
    <ul className="evidence-list">
      {evidence.map((item, i) => {
        const session = sessions?.get(item.session_id) ?? null;
        const gone = sessions !== null && session === null;
        return (
          <li key={i} className="evidence" data-testid="evidence" data-session-id={item.session_id} data-seq={item.seq}>
            <blockquote className="evidence-quote selectable">{item.quote}</blockquote>
            {gone ? (
              <p className="evidence-source small">
                <span className="evidence-gone" data-testid="evidence-deleted">
                  session deleted
                </span>{" "}
                <span className="muted mono">
                  {item.session_id} · event {item.seq}
                </span>
              </p>
            ) : (
              <p className="evidence-source small">
                <button
                  type="button"
                  className="link-button evidence-link"
                  onClick={() => navigate("runs", "open-session", item.session_id, { seq: item.seq })}
                  title="Open the session at this event"
                  data-testid="evidence-link"
                >
                  {session ? session.agent_name : item.session_id} · event {item.seq}
                </button>
                {session && <span className="muted evidence-task"> {session.task_preview}</span>}
              </p>
            )}
          </li>
        );
      })}
    </ul>
  );
}
