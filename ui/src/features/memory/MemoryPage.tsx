import { useEffect, useState } from "react";
import type { MemoryStore, MemoryStoreInput } from "../../bindings";
import { useBackend } from "../../ipc";
import { ConfirmDelete } from "../../shared/ConfirmDelete";
import { LoadError } from "../../shared/LoadError";
import { fileCount } from "../../shared/memory";
import { useNavigation } from "../../shared/navigation";
import { formatBytes } from "../../shared/runs";
import { Spinner } from "../../shared/Spinner";
import { useDelete } from "../../shared/useDelete";
import { loadMemoryStores, useList } from "../../shared/useList";
import { StoreForm } from "./StoreForm";
import { StoreView } from "./StoreView";
import "./memory.css";

type View = { kind: "list" } | { kind: "new" } | { kind: "store"; id: string; path?: string };

export function MemoryPage() {
  const backend = useBackend();
  const stores = useList(loadMemoryStores);
  const [view, setView] = useState<View>({ kind: "list" });
  const { intent, clearIntent } = useNavigation();

  // A link from elsewhere (a file a dream changed) opens the store at that file.
  useEffect(() => {
    if (intent?.type === "open-memory-file" && intent.target) {
      setView({ kind: "store", id: intent.target, ...(intent.path === undefined ? {} : { path: intent.path }) });
      clearIntent();
    }
  }, [intent, clearIntent]);

  if (view.kind === "store") {
    const store = stores.items?.find((s) => s.id === view.id);
    if (store) {
      return (
        <StoreView
          key={store.id}
          store={store}
          {...(view.path === undefined ? {} : { initialPath: view.path })}
          onBack={() => {
            stores.reload();
            setView({ kind: "list" });
          }}
          onChanged={stores.reload}
        />
      );
    }
  }

  const create = async (input: MemoryStoreInput) => {
    const created = await backend.createMemoryStore(input);
    stores.setItems((list) => [...list, created]);
    setView({ kind: "list" });
  };

  const list = stores.items;
  const empty = list !== null && list.length === 0;

  return (
    <section className="memory memory-stores" aria-labelledby="memory-title">
      <div className="page-head">
        <div>
          <h1 id="memory-title">Memory</h1>
          <p className="lead">
            Notes agents keep between runs, in small Markdown files. Every change is kept as a version.
          </p>
        </div>
        {list !== null && !empty && view.kind === "list" && (
          <button
            type="button"
            className="button button-primary"
            onClick={() => setView({ kind: "new" })}
            data-testid="new-store"
          >
            New store
          </button>
        )}
      </div>

      {stores.error && <LoadError error={stores.error} onRetry={stores.reload} />}
      {list === null && !stores.error && (
        <p className="muted loading-line">
          <Spinner /> Loading memory stores…
        </p>
      )}

      {view.kind === "new" && <StoreForm onSubmit={create} onCancel={() => setView({ kind: "list" })} />}

      {empty && view.kind !== "new" && (
        <div className="empty-panel" data-testid="memory-empty">
          <h2>No memory stores yet</h2>
          <p>
            A memory store is a named set of small Markdown files: how a project is built, decisions made, mistakes not
            to repeat. An agent that mounts a store sees a short index of it and searches and reads only the files a
            task needs; with write access it saves what it learns. Every write is kept as a version you can compare,
            revert or redact.
          </p>
          <button
            type="button"
            className="button button-primary"
            onClick={() => setView({ kind: "new" })}
            data-testid="new-store"
          >
            New store
          </button>
        </div>
      )}

      {list !== null && !empty && (
        <ul className="store-list">
          {list.map((store) => (
            <StoreRow
              key={store.id}
              store={store}
              onOpen={() => setView({ kind: "store", id: store.id })}
              onDeleted={() => stores.setItems((all) => all.filter((s) => s.id !== store.id))}
            />
          ))}
        </ul>
      )}
    </section>
  );
}

function StoreRow({ store, onOpen, onDeleted }: { store: MemoryStore; onOpen(): void; onDeleted(): void }) {
  const backend = useBackend();
  const deletion = useDelete(() => backend.deleteMemoryStore(store.id), onDeleted);
  return (
    // The whole row opens the store (its own buttons and the delete strip excepted).
    <li
      className="store-row"
      data-testid="memory-store"
      data-store-name={store.name}
      onClick={(event) => {
        if (!deletion.confirming && !(event.target as Element).closest(".row-actions, .confirm, .store-open")) onOpen();
      }}
    >
      <div className="store-row-main">
        <button type="button" className="store-open" onClick={onOpen} data-testid="memory-store-open">
          <span className="store-name">{store.name}</span>
          {store.description && <span className="store-description">{store.description}</span>}
          <span className="store-meta" data-testid="memory-store-size">
            {fileCount(store.files)} · {formatBytes(store.bytes)}
          </span>
        </button>
        {!deletion.confirming && (
          <div className="row-actions">
            <button type="button" className="button button-small" onClick={onOpen}>
              Open
            </button>
            <button
              type="button"
              className="button button-small button-quiet danger-text"
              onClick={deletion.ask}
              data-testid="memory-store-delete"
            >
              Delete
            </button>
          </div>
        )}
      </div>
      <ConfirmDelete name={store.name} deletion={deletion}>
        Delete “{store.name}” and its {fileCount(store.files)} with their whole history? Agents that mount it lose it.
        Export it first to keep a copy.
      </ConfirmDelete>
    </li>
  );
}
