import { useEffect, useState } from "react";
import { LoadError } from "../../shared/LoadError";
import { useNavigation } from "../../shared/navigation";
import { Spinner } from "../../shared/Spinner";
import { loadAgents, loadMemoryStores, loadProviders, useList } from "../../shared/useList";
import { useDreamFeed } from "../../shared/dreamFeed";
import { ProposalReview } from "./ProposalReview";
import { StoreDreams } from "./StoreDreams";
import "../../shared/history.css";
import "../../shared/status.css";
import "./dreams.css";

type View = { kind: "stores" } | { kind: "review"; id: string };

/** Every memory store with its dreams, and the review of one proposal. */
export function DreamsPage() {
  const stores = useList(loadMemoryStores);
  const agents = useList(loadAgents);
  const providers = useList(loadProviders);
  const feed = useDreamFeed();
  const { intent, clearIntent, navigate } = useNavigation();
  const [view, setView] = useState<View>({ kind: "stores" });

  // A link from elsewhere (a version written by a dream) opens its proposal.
  useEffect(() => {
    if (intent?.type === "open-proposal" && intent.target) {
      setView({ kind: "review", id: intent.target });
      clearIntent();
    }
  }, [intent, clearIntent]);

  if (view.kind === "review") {
    return (
      <ProposalReview
        key={view.id}
        id={view.id}
        stores={stores.items ?? []}
        onBack={() => {
          stores.reload();
          setView({ kind: "stores" });
        }}
      />
    );
  }

  const error = stores.error ?? agents.error ?? feed.error;
  const list = stores.items;
  const loading = (list === null || agents.items === null || feed.dreams === null) && !error;

  return (
    <section className="dreams" aria-labelledby="dreams-title">
      <div className="page-head">
        <div>
          <h1 id="dreams-title">Dreams</h1>
          <p className="lead">
            Between runs, a dream re-reads what agents did and proposes changes to their memory, each with the evidence
            behind it. Nothing is written until you accept it.
          </p>
        </div>
      </div>

      {error && (
        <LoadError
          error={error}
          onRetry={() => {
            stores.reload();
            agents.reload();
            feed.reload();
          }}
        />
      )}
      {loading && (
        <p className="muted loading-line">
          <Spinner /> Loading dreams…
        </p>
      )}

      {list !== null && list.length === 0 && (
        <div className="empty-panel" data-testid="dreams-empty">
          <h2>No memory stores yet</h2>
          <p>
            A dream works on a memory store: it reads the sessions of the agents that mount the store and proposes what
            to remember. Create a store on the Memory page and mount it in an agent; once that agent has run, it can
            dream.
          </p>
          <button type="button" className="button button-primary" onClick={() => navigate("memory")}>
            Go to Memory
          </button>
        </div>
      )}

      {list !== null && agents.items !== null && feed.dreams !== null && (
        <div className="dream-stores">
          {list.map((store) => (
            <StoreDreams
              key={store.id}
              store={store}
              agents={agents.items ?? []}
              providers={providers.items ?? []}
              dreams={feed.dreams?.filter((d) => d.store_id === store.id) ?? []}
              onOpen={(id) => setView({ kind: "review", id })}
            />
          ))}
        </div>
      )}
    </section>
  );
}
