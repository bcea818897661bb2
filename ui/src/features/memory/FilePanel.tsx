import { lazy, Suspense, useEffect, useEffectEvent, useId, useState, type FormEvent } from "react";
import type { AppError, MemoryFile, MemoryVersion } from "../../bindings";
import { toAppError, useBackend } from "../../ipc";
import { ConfirmDelete } from "../../shared/ConfirmDelete";
import { describedBy } from "../../shared/Field";
import { LoadError } from "../../shared/LoadError";
import { contentProblem, OP_LABELS, pathProblem } from "../../shared/memory";
import { formatBytes, utf8Bytes } from "../../shared/runs";
import { Spinner } from "../../shared/Spinner";
import { useDelete } from "../../shared/useDelete";
import { formatRelative } from "../../shared/format";
import "../../shared/editor.css";
import { ActorName } from "./ActorName";

// CodeMirror and its languages are most of the UI's code: loaded when a file is first opened.
const MarkdownEditor = lazy(() => import("../../shared/MarkdownEditor").then((m) => ({ default: m.MarkdownEditor })));

interface FilePanelProps {
  storeId: string;
  /** The file as listed (its current sha and version). */
  file: MemoryFile;
  onDirtyChange(dirty: boolean): void;
  onSaved(version: MemoryVersion): void;
  onRenamed(path: string): void;
  onDeleted(): void;
}

/** What the editor started from: a save is a conflict if the file is no longer this. */
interface Base {
  sha256: string | null;
  content: string;
}

/** A save refused because someone else changed the file since the editor loaded it. */
interface Conflict {
  message: string;
  /** The version that changed it, when the history says. */
  latest: MemoryVersion | null;
}

export function FilePanel({ storeId, file, onDirtyChange, onSaved, onRenamed, onDeleted }: FilePanelProps) {
  const backend = useBackend();
  const path = file.path;
  const [base, setBase] = useState<Base | null>(null);
  const [text, setText] = useState("");
  const [editorKey, setEditorKey] = useState(0);
  const [loadError, setLoadError] = useState<AppError | null>(null);
  const [attempt, setAttempt] = useState(0);
  const [saving, setSaving] = useState(false);
  const [saveError, setSaveError] = useState<string | null>(null);
  const [conflict, setConflict] = useState<Conflict | null>(null);
  /** The user chose to keep their text over a newer version: the next save replaces it. */
  const [overriding, setOverriding] = useState<MemoryVersion | null>(null);
  const [savedAt, setSavedAt] = useState<number | null>(null);
  const [renaming, setRenaming] = useState(false);
  const deletion = useDelete(
    () => backend.deleteMemoryFile(storeId, path, base?.sha256 ?? null).then(() => undefined),
    onDeleted,
  );

  useEffect(() => {
    let live = true;
    setLoadError(null);
    backend.readMemoryFile(storeId, path).then(
      (loaded) => {
        if (!live) return;
        setBase({ sha256: loaded.sha256, content: loaded.content });
        setText(loaded.content);
        setEditorKey((n) => n + 1);
      },
      (err: unknown) => live && setLoadError(toAppError(err)),
    );
    return () => {
      live = false;
    };
  }, [backend, storeId, path, attempt]);

  const dirty = base !== null && text !== base.content;
  useEffect(() => onDirtyChange(dirty), [dirty, onDirtyChange]);

  // The listing says the file changed elsewhere (an agent, an edit in the store's folder): with
  // nothing unsaved, load it again; with unsaved text, saving reports the conflict.
  // Only a new listing is a reason to look; what is unsaved or saving is read when it comes.
  const listingChanged = useEffectEvent((sha256: string) => {
    if (base !== null && base.sha256 !== sha256 && !dirty && !saving) setAttempt((n) => n + 1);
  });
  useEffect(() => listingChanged(file.sha256), [file.sha256]);

  const save = async () => {
    if (!base || saving || !dirty) return;
    const problem = contentProblem(text);
    if (problem) return setSaveError(problem);
    setSaving(true);
    setSaveError(null);
    try {
      const version = await backend.writeMemoryFile(storeId, {
        path,
        content: text,
        ...(base.sha256 === null ? {} : { expected_sha256: base.sha256 }),
      });
      setBase({ sha256: version.sha256 ?? null, content: text });
      setConflict(null);
      setOverriding(null);
      setSavedAt(Date.now());
      onSaved(version);
    } catch (err) {
      const error = toAppError(err);
      if (error.code === "conflict" && error.field === "expected_sha256") {
        const latest = await backend.memoryHistory(storeId, path).then(
          (versions) => versions[0] ?? null,
          () => null,
        );
        setConflict({ message: error.message, latest });
      } else {
        setSaveError(error.message);
      }
    } finally {
      setSaving(false);
    }
  };

  /** Throws the user's text away and loads what the file holds now. */
  const loadTheirs = () => {
    setConflict(null);
    setOverriding(null);
    setSaveError(null);
    setAttempt((n) => n + 1);
  };

  /** Keeps the user's text; the next save replaces the newer version (which stays in the history). */
  const keepMine = async () => {
    const latest = conflict?.latest ?? null;
    try {
      const current = await backend.readMemoryFile(storeId, path);
      setBase({ sha256: current.sha256, content: current.content });
    } catch (err) {
      // Deleted meanwhile: saving creates it again.
      if (toAppError(err).code !== "not_found") return setSaveError(toAppError(err).message);
      setBase({ sha256: null, content: "" });
    }
    setConflict(null);
    setOverriding(latest);
  };

  if (loadError) return <LoadError error={loadError} onRetry={() => setAttempt((n) => n + 1)} />;

  return (
    <section
      className="file-panel card"
      aria-label={path}
      data-testid="memory-file-panel"
      data-path={path}
      data-dirty={dirty}
    >
      <div className="file-head">
        <div className="file-title">
          <h2 className="mono file-path selectable">{path}</h2>
          <p className="muted small" data-testid="memory-file-meta">
            Changed {formatRelative(file.updated_at, Date.now())} · {formatBytes(file.bytes)}
          </p>
        </div>
        {!deletion.confirming && !renaming && (
          <div className="row-actions">
            <button
              type="button"
              className="button button-small"
              onClick={() => setRenaming(true)}
              disabled={dirty}
              title={dirty ? "Save or undo your changes first" : "Move or rename this file"}
              data-testid="memory-rename"
            >
              Rename
            </button>
            <button
              type="button"
              className="button button-small button-quiet danger-text"
              onClick={deletion.ask}
              data-testid="memory-delete"
            >
              Delete
            </button>
          </div>
        )}
      </div>

      {renaming && (
        <RenameForm
          path={path}
          onRename={async (newPath) => {
            await backend.renameMemoryFile(storeId, path, newPath, base?.sha256 ?? null);
            setRenaming(false);
            onRenamed(newPath);
          }}
          onCancel={() => setRenaming(false)}
        />
      )}

      <ConfirmDelete name={path} deletion={deletion}>
        Delete {path}? Agents stop seeing it. Its versions stay in the history, recorded as deleted by you.
      </ConfirmDelete>

      {conflict && (
        <div className="memory-conflict" role="alert" data-testid="memory-conflict">
          <p className="conflict-title">
            <strong>Not saved: this file changed while you were editing.</strong>
          </p>
          {conflict.latest && (
            <p>
              {OP_LABELS[conflict.latest.op]} by <ActorName actor={conflict.latest.actor} link={false} />{" "}
              {formatRelative(conflict.latest.time_ms, Date.now())}.
            </p>
          )}
          <p className="muted">{conflict.message}</p>
          <div className="row-actions">
            <button
              type="button"
              className="button button-small"
              onClick={loadTheirs}
              data-testid="memory-conflict-reload"
            >
              Load their version (drop my changes)
            </button>
            <button
              type="button"
              className="button button-small button-primary"
              onClick={keepMine}
              data-testid="memory-conflict-keep"
            >
              Keep editing mine
            </button>
          </div>
        </div>
      )}

      {overriding && !conflict && (
        <p className="result result-info small" data-testid="memory-overriding">
          Your text is kept. Saving replaces the version by <ActorName actor={overriding.actor} link={false} />; it
          stays in the history, so nothing is lost.
        </p>
      )}

      <div className="editor-frame">
        {base === null ? (
          <EditorLoading path={path} />
        ) : (
          <Suspense fallback={<EditorLoading path={path} />}>
            <MarkdownEditor
              key={editorKey}
              initial={text}
              onChange={setText}
              onSave={() => void save()}
              label={`Contents of ${path}`}
            />
          </Suspense>
        )}
      </div>

      <div className="save-bar">
        <span className="muted small save-state" data-testid="memory-save-state">
          {dirty
            ? `Unsaved changes · ${formatBytes(utf8Bytes(text))}`
            : savedAt !== null
              ? "Saved as a new version"
              : "Every save is kept as a version"}
        </span>
        {saveError && (
          <span className="field-error" role="alert" data-testid="memory-save-error">
            {saveError}
          </span>
        )}
        <button
          type="button"
          className="button button-primary"
          onClick={() => void save()}
          disabled={!dirty || saving}
          data-testid="memory-save"
        >
          {saving && <Spinner />}
          {saving ? "Saving…" : "Save"}
        </button>
      </div>
    </section>
  );
}

function EditorLoading({ path }: { path: string }) {
  return (
    <p className="muted loading-line editor-loading">
      <Spinner /> Loading {path}…
    </p>
  );
}

function RenameForm({
  path,
  onRename,
  onCancel,
}: {
  path: string;
  onRename(path: string): Promise<void>;
  onCancel(): void;
}) {
  const id = useId();
  const [value, setValue] = useState(path);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const wanted = value.trim();
    if (wanted === path) return onCancel();
    const problem = pathProblem(wanted);
    if (problem) return setError(problem);
    setBusy(true);
    setError(null);
    try {
      await onRename(wanted);
    } catch (err) {
      setError(toAppError(err).message);
      setBusy(false);
    }
  };

  return (
    <form className={error ? "field rename-form has-error" : "field rename-form"} onSubmit={submit} noValidate>
      <label htmlFor={`${id}-path`}>New path</label>
      <div className="new-file-row">
        <input
          {...describedBy(`${id}-path`, error ?? undefined)}
          type="text"
          className="mono-input"
          value={value}
          autoFocus
          onChange={(event) => {
            setValue(event.target.value);
            setError(null);
          }}
          spellCheck={false}
          data-testid="memory-rename-input"
        />
        <button type="submit" className="button button-primary" disabled={busy} data-testid="memory-rename-save">
          {busy && <Spinner />}
          Rename
        </button>
        <button type="button" className="button button-quiet" onClick={onCancel} disabled={busy}>
          Cancel
        </button>
      </div>
      {error && (
        <p className="field-error" id={`${id}-path-error`} data-testid="field-error-new_path">
          {error}
        </p>
      )}
    </form>
  );
}
