import { useCallback, useEffect, useRef, useState } from "react";
import type { AppError, MemoryConflict, MemoryFile, MemoryProblem, MemoryStore } from "../../bindings";
import { toAppError, useBackend } from "../../ipc";
import { BackIcon } from "../../shared/icons";
import { LoadError } from "../../shared/LoadError";
import { fileCount } from "../../shared/memory";
import { useNavigation } from "../../shared/navigation";
import { pickPath } from "../../shared/pickPath";
import { formatBytes } from "../../shared/runs";
import { Spinner } from "../../shared/Spinner";
import { FilePanel } from "./FilePanel";
import { FileTree } from "./FileTree";
import { HistoryPanel } from "./HistoryPanel";
import { LoadedBy } from "./LoadedBy";
import { MirrorIssues } from "./MirrorIssues";
import { NewFileForm } from "./NewFileForm";
import { SearchBox } from "./SearchBox";

interface StoreViewProps {
  store: MemoryStore;
  /** The file to open first. */
  initialPath?: string;
  onBack(): void;
  /** The store's files changed (its size in the list is stale). */
  onChanged(): void;
}

type Transfer = { tone: "ok" | "error"; text: string } | { tone: "busy"; text: string };

/** How often the open store asks again for its files, conflicts and problems: the core's watcher
 * imports edits made in the store's folder in the background. */
export const MIRROR_CHECK_MS = 10_000;

interface Mirror {
  conflicts: MemoryConflict[];
  problems: MemoryProblem[];
}

/** Whether two listings differ in any file (added, removed, or at another version). */
function listingChanged(before: readonly MemoryFile[], after: readonly MemoryFile[]): boolean {
  if (before.length !== after.length) return true;
  const versions = new Map(before.map((f) => [f.path, f.version_id]));
  return after.some((f) => versions.get(f.path) !== f.version_id);
}

export function StoreView({ store, initialPath, onBack, onChanged }: StoreViewProps) {
  const backend = useBackend();
  const { navigate } = useNavigation();
  const [files, setFiles] = useState<MemoryFile[] | null>(null);
  const [error, setError] = useState<AppError | null>(null);
  const [selected, setSelected] = useState<string | null>(initialPath ?? null);
  const [creating, setCreating] = useState(false);
  const [dirty, setDirty] = useState(false);
  /** Bumped when the open file changed under the editor (a revert): the editor loads it again. */
  const [reloadKey, setReloadKey] = useState(0);
  /** Bumped after every change, so history and "Loaded by" ask again. */
  const [changes, setChanges] = useState(0);
  const [transfer, setTransfer] = useState<Transfer | null>(null);
  /** Where the user wanted to go while the open file had unsaved edits: asked before leaving them. */
  const [pending, setPending] = useState<{ path: string } | { create: true } | null>(null);

  const [mirror, setMirror] = useState<Mirror>({ conflicts: [], problems: [] });
  const [mirrorError, setMirrorError] = useState<AppError | null>(null);
  /** The listing shown, and the number of the last listing asked for (an older answer is dropped). */
  const shown = useRef<MemoryFile[] | null>(null);
  const asked = useRef(0);
  const onChangedRef = useRef(onChanged);
  useEffect(() => {
    onChangedRef.current = onChanged;
  }, [onChanged]);

  const loadFiles = useCallback(async () => {
    const number = ++asked.current;
    try {
      const list = await backend.listMemoryFiles(store.id);
      if (number !== asked.current) return list;
      const before = shown.current;
      shown.current = list;
      setFiles(list);
      setError(null);
      // Changed elsewhere (an agent, the folder): history and "Loaded by" ask again, sizes too.
      if (before && listingChanged(before, list)) {
        setChanges((n) => n + 1);
        onChangedRef.current();
      }
      return list;
    } catch (err) {
      if (number === asked.current) setError(toAppError(err));
      return null;
    }
  }, [backend, store.id]);

  const loadMirror = useCallback(async () => {
    try {
      const [conflicts, problems] = await Promise.all([
        backend.memoryConflicts(store.id),
        backend.memoryProblems(store.id),
      ]);
      setMirror({ conflicts, problems });
      setMirrorError(null);
    } catch (err) {
      setMirrorError(toAppError(err));
    }
  }, [backend, store.id]);

  const refresh = useCallback(async () => {
    const [list] = await Promise.all([loadFiles(), loadMirror()]);
    return list;
  }, [loadFiles, loadMirror]);

  useEffect(() => {
    void refresh();
    const timer = setInterval(() => void refresh(), MIRROR_CHECK_MS);
    return () => clearInterval(timer);
  }, [refresh]);

  /** After a change made here: the listing, and so history, sizes and the folder's lists, again. */
  const changed = refresh;

  const go = (to: { path: string } | { create: true }) => {
    setPending(null);
    setDirty(false);
    if ("path" in to) {
      setCreating(false);
      setSelected(to.path);
    } else {
      setCreating(true);
    }
  };

  const open = (path: string) => {
    if (path === selected && !creating) return;
    if (dirty) setPending({ path });
    else go({ path });
  };

  const runTransfer = async (kind: "export" | "import") => {
    setTransfer(null);
    const folder = await pickPath(() => backend.pickFolder(), setTransfer);
    if (folder === null) return;
    setTransfer({ tone: "busy", text: kind === "export" ? `Exporting to ${folder}…` : `Importing from ${folder}…` });
    try {
      if (kind === "export") {
        const count = await backend.exportMemoryStore(store.id, folder);
        setTransfer({ tone: "ok", text: `Exported ${fileCount(count)} to ${folder}.` });
      } else {
        const count = await backend.importMemoryStore(store.id, folder);
        setTransfer({
          tone: "ok",
          text:
            count === 0
              ? `No Markdown files in ${folder}; nothing was imported.`
              : `Imported ${fileCount(count)} from ${folder}. Each one that changed is a new version by you.`,
        });
        await changed();
      }
    } catch (err) {
      setTransfer({ tone: "error", text: toAppError(err).message });
    }
  };

  const file = files?.find((f) => f.path === selected) ?? null;
  const bytes = files?.reduce((sum, f) => sum + f.bytes, 0) ?? store.bytes;

  return (
    <section
      className="memory store-view"
      aria-labelledby="store-title"
      data-testid="memory-store-view"
      data-store-name={store.name}
    >
      <header className="store-header">
        <button
          type="button"
          className="button button-quiet button-small back-button"
          onClick={onBack}
          data-testid="back-to-stores"
        >
          <BackIcon />
          Memory
        </button>
        <div className="store-title-row">
          <div className="store-title-text">
            <h1 id="store-title">{store.name}</h1>
            <p className="muted">
              {store.description ? `${store.description} · ` : ""}
              {fileCount(files?.length ?? store.files)} · {formatBytes(bytes)}
            </p>
          </div>
          <div className="row-actions">
            <button
              type="button"
              className="button button-small"
              onClick={() => runTransfer("import")}
              disabled={transfer?.tone === "busy"}
              title="Add every .md file of a folder (and its subfolders) to this store"
              data-testid="memory-import"
            >
              Import…
            </button>
            <button
              type="button"
              className="button button-small"
              onClick={() => runTransfer("export")}
              disabled={transfer?.tone === "busy" || files?.length === 0}
              title="Write every file of this store into a folder"
              data-testid="memory-export"
            >
              Export…
            </button>
            <button
              type="button"
              className="button button-small button-primary"
              onClick={() => (dirty ? setPending({ create: true }) : go({ create: true }))}
              data-testid="memory-new-file"
            >
              New file
            </button>
          </div>
        </div>
        {transfer && (
          <p
            className={`result ${transfer.tone === "error" ? "result-error" : transfer.tone === "ok" ? "result-ok" : "result-quiet"}`}
            role={transfer.tone === "error" ? "alert" : "status"}
            data-testid="memory-transfer-result"
            data-tone={transfer.tone}
          >
            {transfer.tone === "busy" && <Spinner />}
            <span className="result-text">{transfer.text}</span>
          </p>
        )}
      </header>

      {(mirror.conflicts.length > 0 || mirror.problems.length > 0) && (
        <MirrorIssues
          storeId={store.id}
          storeName={store.name}
          conflicts={mirror.conflicts}
          problems={mirror.problems}
          onResolved={changed}
        />
      )}
      {mirrorError && !error && <LoadError error={mirrorError} onRetry={() => void loadMirror()} />}
      {error && <LoadError error={error} onRetry={() => void loadFiles()} />}
      {files === null && !error && (
        <p className="muted loading-line">
          <Spinner /> Loading files…
        </p>
      )}

      {files !== null && (
        <div className="store-body">
          <aside className="store-side" aria-label="Files">
            <SearchBox storeId={store.id} disabled={files.length === 0} onOpen={open} selected={selected} />
            {files.length > 0 ? (
              <FileTree files={files} selected={selected} onOpen={open} />
            ) : (
              <p className="muted small store-side-empty">No files yet.</p>
            )}
          </aside>

          <div className="store-main">
            {pending && (
              <div className="confirm unsaved" role="group" aria-label="Unsaved changes" data-testid="memory-unsaved">
                <span className="confirm-text">
                  {selected} has changes you haven’t saved.{" "}
                  {"path" in pending ? `Open ${pending.path} and lose them?` : "Start a new file and lose them?"}
                </span>
                <div className="row-actions">
                  <button
                    type="button"
                    className="button button-danger"
                    onClick={() => go(pending)}
                    data-testid="memory-discard"
                  >
                    Discard changes
                  </button>
                  <button type="button" className="button button-quiet" onClick={() => setPending(null)}>
                    Keep editing
                  </button>
                </div>
              </div>
            )}
            {creating && (
              <NewFileForm
                storeId={store.id}
                files={files}
                onCreated={async (path) => {
                  setCreating(false);
                  await changed();
                  setSelected(path);
                  setDirty(false);
                }}
                onCancel={() => setCreating(false)}
              />
            )}

            {!creating && files.length === 0 && (
              <div className="empty-panel" data-testid="memory-store-empty">
                <h2>This store is empty</h2>
                <p>
                  Agents that mount it with <strong>Read & write</strong> save what they learn here as they work. You
                  can also write the first note yourself with <strong>New file</strong>, or <strong>Import</strong> a
                  folder of Markdown files.
                </p>
                <button type="button" className="button" onClick={() => navigate("agents")}>
                  Mount it in an agent
                </button>
              </div>
            )}

            {!creating && files.length > 0 && file === null && (
              <div className="memory-placeholder muted" data-testid="memory-no-file">
                Choose a file on the left, or search the store. Agents see each file’s path and first line in the index
                and read the whole file only when a task needs it.
              </div>
            )}

            {file !== null && (
              <>
                <FilePanel
                  key={`${file.path}#${reloadKey}`}
                  storeId={store.id}
                  file={file}
                  onDirtyChange={setDirty}
                  onSaved={() => void changed()}
                  onRenamed={async (path) => {
                    await changed();
                    setSelected(path);
                  }}
                  onDeleted={async () => {
                    setSelected(null);
                    setDirty(false);
                    await changed();
                  }}
                />
                <HistoryPanel
                  key={file.path}
                  storeId={store.id}
                  file={file}
                  changes={changes}
                  dirty={dirty}
                  onReverted={async () => {
                    const list = await changed();
                    setDirty(false);
                    setReloadKey((n) => n + 1);
                    if (list && !list.some((f) => f.path === file.path)) setSelected(null);
                  }}
                  onRedacted={() => setChanges((n) => n + 1)}
                />
                <LoadedBy key={`loaded-${file.path}`} storeId={store.id} path={file.path} changes={changes} />
              </>
            )}
          </div>
        </div>
      )}
    </section>
  );
}
