import { useEffect, useState } from "react";
import type { ProviderInput } from "../../../bindings";
import { useBackend } from "../../../ipc";
import { useAppStatus } from "../../../shared/appStatus";
import { LoadError } from "../../../shared/LoadError";
import { useNavigation } from "../../../shared/navigation";
import { Spinner } from "../../../shared/Spinner";
import { useProviders } from "../../../shared/useProviders";
import { ProviderForm } from "./ProviderForm";
import { ProviderRow } from "./ProviderRow";

/** Which form is open: at most one, so every test id on the page is unique. */
type Editing = { kind: "none" } | { kind: "add"; focus: number } | { kind: "edit"; id: string };

export function ProvidersSection() {
  const backend = useBackend();
  const { status } = useAppStatus();
  const { providers, error, reload, setProviders } = useProviders();
  const { intent, clearIntent } = useNavigation();
  const [editing, setEditing] = useState<Editing>({ kind: "none" });

  // "Add a model provider" on Home lands here with the add form open and focused.
  useEffect(() => {
    if (intent?.type === "add-provider") {
      setEditing({ kind: "add", focus: intent.id });
      clearIntent();
    }
  }, [intent, clearIntent]);

  const secretBackend = status?.secret_backend;
  const empty = providers !== null && providers.length === 0;
  // With no provider yet, the add form is the whole point of the section: keep it open.
  const adding = editing.kind === "add" || (empty && editing.kind === "none");

  const create = async (input: ProviderInput) => {
    const created = await backend.createProvider(input);
    setProviders((list) => [...list, created]);
    setEditing({ kind: "none" });
  };

  const update = async (id: string, input: ProviderInput) => {
    const updated = await backend.updateProvider(id, input);
    setProviders((list) => list.map((p) => (p.id === id ? updated : p)));
    setEditing({ kind: "none" });
  };

  return (
    <section className="settings-section" aria-labelledby="providers-title">
      <div className="section-head">
        <div>
          <h2 id="providers-title">Model providers</h2>
          <p className="section-intro">
            The APIs Reverie's agents talk to: Anthropic, or anything that speaks the OpenAI Chat Completions API
            (OpenAI, Ollama, llama.cpp, vLLM, LM Studio).
          </p>
        </div>
        {editing.kind === "none" && !adding && providers !== null && (
          <button
            type="button"
            className="button"
            onClick={() => setEditing({ kind: "add", focus: Date.now() })}
            data-testid="open-add-provider"
          >
            Add provider
          </button>
        )}
      </div>

      {error && <LoadError error={error} onRetry={reload} />}
      {providers === null && !error && (
        <p className="muted loading-line">
          <Spinner /> Loading providers…
        </p>
      )}

      {providers !== null && providers.length > 0 && (
        <ul className="provider-list">
          {providers.map((provider) => (
            <ProviderRow
              key={provider.id}
              provider={provider}
              editing={editing.kind === "edit" && editing.id === provider.id}
              secretBackend={secretBackend}
              onEdit={() => setEditing({ kind: "edit", id: provider.id })}
              onCancelEdit={() => setEditing({ kind: "none" })}
              onSave={(input) => update(provider.id, input)}
              onDeleted={() => {
                setProviders((list) => list.filter((p) => p.id !== provider.id));
                setEditing((current) =>
                  current.kind === "edit" && current.id === provider.id ? { kind: "none" } : current,
                );
              }}
            />
          ))}
        </ul>
      )}

      {adding && (
        <ProviderForm
          mode="add"
          secretBackend={secretBackend}
          onSubmit={create}
          {...(empty ? {} : { onCancel: () => setEditing({ kind: "none" }) })}
          {...(editing.kind === "add" ? { focusRequest: editing.focus } : {})}
        />
      )}
    </section>
  );
}
