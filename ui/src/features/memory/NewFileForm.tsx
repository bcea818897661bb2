import { useEffect, useId, useRef, useState, type FormEvent } from "react";
import type { MemoryFile } from "../../bindings";
import { toAppError, useBackend } from "../../ipc";
import { describedBy } from "../../shared/Field";
import { pathProblem } from "../../shared/memory";
import { Spinner } from "../../shared/Spinner";
import { titleFromPath } from "./tree";

interface NewFileFormProps {
  storeId: string;
  files: readonly MemoryFile[];
  onCreated(path: string): void;
  onCancel(): void;
}

/** Asks for a path, then creates the file with a heading, as a version by the user. */
export function NewFileForm({ storeId, files, onCreated, onCancel }: NewFileFormProps) {
  const backend = useBackend();
  const id = useId();
  const input = useRef<HTMLInputElement>(null);
  const [path, setPath] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => input.current?.focus(), []);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (busy) return;
    // "notes/release" is as good as "notes/release.md".
    const wanted = path.trim() !== "" && !path.trim().endsWith(".md") ? `${path.trim()}.md` : path.trim();
    const problem = pathProblem(wanted);
    if (problem) return setError(problem);
    if (files.some((f) => f.path === wanted)) {
      return setError(`There is already a file ${wanted}. Open it from the list, or choose another path.`);
    }
    setBusy(true);
    setError(null);
    try {
      await backend.writeMemoryFile(storeId, { path: wanted, content: `# ${titleFromPath(wanted)}\n\n` });
      onCreated(wanted);
    } catch (err) {
      setError(toAppError(err).message);
      input.current?.focus();
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="new-file card" onSubmit={submit} noValidate data-testid="memory-new-file-form">
      <div className={error ? "field has-error" : "field"}>
        <label htmlFor={`${id}-path`}>New file</label>
        <div className="new-file-row">
          <input
            {...describedBy(`${id}-path`, error ?? undefined)}
            ref={input}
            type="text"
            className="mono-input"
            value={path}
            onChange={(event) => {
              setPath(event.target.value);
              setError(null);
            }}
            placeholder="e.g. project/testing.md"
            autoComplete="off"
            spellCheck={false}
            data-testid="memory-file-path"
          />
          <button type="submit" className="button button-primary" disabled={busy} data-testid="memory-file-create">
            {busy && <Spinner />}
            Create
          </button>
          <button type="button" className="button button-quiet" onClick={onCancel} disabled={busy}>
            Cancel
          </button>
        </div>
        <p className="field-hint" id={`${id}-path-hint`}>
          Folders come from the / in the path. Keep each file small and about one thing: agents read whole files.
        </p>
        {error && (
          <p className="field-error" id={`${id}-path-error`} data-testid="field-error-path">
            {error}
          </p>
        )}
      </div>
    </form>
  );
}
