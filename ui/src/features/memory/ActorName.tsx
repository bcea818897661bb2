import { useNavigation } from "../../shared/navigation";
import { actorLabel } from "./history";

/** Who wrote a version: "you", "external editor", a session (a link to it in Runs), a dream (a link to its proposal). */
export function ActorName({ actor, link = true }: { actor: string; link?: boolean }) {
  const { navigate } = useNavigation();
  const who = actorLabel(actor);
  if (who.kind === "session" && link) {
    return (
      <button
        type="button"
        className="link-button actor actor-session"
        onClick={() => navigate("runs", "open-session", who.sessionId)}
        title="Open this session in Runs"
        data-testid="actor-session-link"
      >
        {who.label}
      </button>
    );
  }
  if (who.kind === "dream" && link) {
    return (
      <button
        type="button"
        className="link-button actor actor-dream"
        onClick={() => navigate("dreams", "open-proposal", who.dreamId)}
        title="Open what this dream proposed"
        data-testid="actor-dream-link"
      >
        {who.label}
      </button>
    );
  }
  return <span className={`actor actor-${who.kind}`}>{who.label}</span>;
}
