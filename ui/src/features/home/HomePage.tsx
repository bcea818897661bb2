import type { Agent, Provider } from "../../bindings";
import { KeyBadge } from "../../shared/KeyBadge";
import { LoadError } from "../../shared/LoadError";
import { Mark } from "../../shared/Mark";
import { useNavigation } from "../../shared/navigation";
import { KIND_LABELS } from "../../shared/providers";
import { Spinner } from "../../shared/Spinner";
import { loadAgents, useList } from "../../shared/useList";
import { useProviders } from "../../shared/useProviders";
import "./home.css";

export function HomePage() {
  const { providers, error: providersError, reload: reloadProviders } = useProviders();
  const agents = useList(loadAgents);
  const error = providersError ?? agents.error;
  const reload = () => {
    reloadProviders();
    agents.reload();
  };

  if (error) {
    return (
      <section className="home">
        <h1>Home</h1>
        <LoadError error={error} onRetry={reload} />
      </section>
    );
  }
  if (providers === null || agents.items === null) {
    return (
      <section className="home home-loading">
        <Spinner label="Loading" />
      </section>
    );
  }
  return providers.length === 0 ? <EmptyState /> : <Ready providers={providers} agents={agents.items} />;
}

function EmptyState() {
  const { navigate } = useNavigation();
  return (
    <section className="home empty-state" data-testid="empty-state">
      <Mark size={56} className="empty-mark" />
      <h1>Welcome to Reverie</h1>
      <p className="lead">
        Reverie runs AI agents on your own computer, using the model provider you choose, and helps them get better from
        one run to the next.
      </p>
      <div className="first-step">
        <h2>First step: connect a model</h2>
        <p>
          Add an Anthropic API key, or point Reverie at any OpenAI-compatible server, such as OpenAI, Ollama or LM
          Studio.
        </p>
        <button
          type="button"
          className="button button-primary"
          onClick={() => navigate("settings", "add-provider")}
          data-testid="add-provider-button"
        >
          Add a model provider
        </button>
      </div>
    </section>
  );
}

function Ready({ providers, agents }: { providers: Provider[]; agents: Agent[] }) {
  const { navigate } = useNavigation();
  const count = providers.length === 1 ? "1 model provider" : `${providers.length} model providers`;
  return (
    <section className="home" data-testid="ready">
      <h1>Ready</h1>
      <p className="lead">Reverie is set up with {count}.</p>
      {agents.length === 0 ? (
        <div className="next-step" data-testid="next-step">
          <div>
            <h2>Next: create an agent</h2>
            <p>An agent is a saved way of working: instructions, a model and the tools it may use in your folder.</p>
          </div>
          <button
            type="button"
            className="button button-primary"
            onClick={() => navigate("agents", "new-agent")}
            data-testid="create-agent-button"
          >
            Create an agent
          </button>
        </div>
      ) : (
        <div className="next-step" data-testid="next-step">
          <div>
            <h2>Start a run</h2>
            <p>Give one of your agents a task and a folder to work in, and watch it work.</p>
          </div>
          <button
            type="button"
            className="button button-primary"
            onClick={() => navigate("runs", "new-run")}
            data-testid="new-run-button"
          >
            New run
          </button>
        </div>
      )}
      <ul className="ready-list">
        {providers.map((provider) => (
          <li key={provider.id} className="ready-item">
            <div className="ready-main">
              <span className="ready-name">{provider.name}</span>
              <span className="ready-meta">
                {KIND_LABELS[provider.kind]} · <span className="mono">{provider.model}</span>
              </span>
            </div>
            <KeyBadge provider={provider} />
          </li>
        ))}
      </ul>
      <button type="button" className="button" onClick={() => navigate("settings")}>
        Manage providers
      </button>
    </section>
  );
}
