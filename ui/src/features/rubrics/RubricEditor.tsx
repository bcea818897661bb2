import { lazy, Suspense, useEffect, useId, useRef, useState } from "react";
import type { Rubric } from "../../bindings";
import { toAppError, useBackend } from "../../ipc";
import { ConfirmDelete } from "../../shared/ConfirmDelete";
import { Field } from "../../shared/Field";
import type { MarkdownEditorHandle } from "../../shared/MarkdownEditor";
import { lineOf } from "../../shared/rubrics";
import { Spinner } from "../../shared/Spinner";
import { useDelete } from "../../shared/useDelete";
import { formatRelative } from "../../shared/format";
import "../../shared/editor.css";
import { RubricPreview } from "./RubricPreview";
import { useRubricCheck } from "./useRubricCheck";
import { LIMITS } from "../../bindings/api/limits";

// CodeMirror is most of the UI's code: loaded when a rubric is first opened.
const MarkdownEditor = lazy(() => import("../../shared/MarkdownEditor").then((m) => ({ default: m.MarkdownEditor })));

const NAME_MAX_CHARS = LIMITS.rubric.nameMaxChars;

interface RubricEditorProps {
  /** The saved rubric, or null for a new one not saved yet. */
  rubric: Rubric | null;
  onDirtyChange(dirty: boolean): void;
  /** Saved (created, renamed or a new version). */
  onSaved(rubric: Rubric): void;
  onDeleted(): void;
  /** Closes a new rubric without saving it (asked first when it has text). */
  onCancel(): void;
  /** Writes a version's Markdown to a file the user picks. */
  onExport(rubric: Rubric, version: number): void;
  exporting: boolean;
}

/** What the last save did, for the save bar. */
type Saved = { kind: "version"; version: number } | { kind: "renamed"; version: number };

/** Name, Markdown editor beside the parsed criteria, the problems with their lines, Save. */
export function RubricEditor({
  rubric,
  onDirtyChange,
  onSaved,
  onDeleted,
  onCancel,
  onExport,
  exporting,
}: RubricEditorProps) {
  const backend = useBackend();
  const id = useId();
  const editor = useRef<MarkdownEditorHandle>(null);
  /** What is saved: the editor is dirty when it differs. */
  const [base, setBase] = useState({ name: rubric?.name ?? "", source: rubric?.latest.source ?? "" });
  const [name, setName] = useState(base.name);
  const [text, setText] = useState(base.source);
  const [saving, setSaving] = useState(false);
  const [nameError, setNameError] = useState<string | null>(null);
  const [saveError, setSaveError] = useState<string | null>(null);
  const [saved, setSaved] = useState<Saved | null>(null);
  const deletion = useDelete(() => (rubric ? backend.deleteRubric(rubric.id) : Promise.resolve()), onDeleted);
  const {
    answer,
    lastGood,
    error: checkError,
  } = useRubricCheck(
    text,
    rubric ? { source: rubric.latest.source, check: { criteria: rubric.latest.criteria, problems: [] } } : null,
  );

  const dirty = name.trim() !== base.name || text !== base.source;
  useEffect(() => onDirtyChange(dirty), [dirty, onDirtyChange]);

  // A new, untouched rubric has nothing wrong with it yet: its problems wait for the first keystroke.
  const pristine = rubric === null && text === "";
  const current = answer !== null && answer.source === text;
  // While a new check is on its way the last problems stay (no flicker on every keystroke),
  // except those of an empty text: "no criteria" is not news to someone who just started typing.
  const problems = pristine || !answer || (!current && answer.source === "") ? [] : answer.check.problems;
  const blocked = current && problems.length > 0;
  const criteria = answer && answer.check.problems.length === 0 ? answer.check.criteria : lastGood;
  const stale = !pristine && answer !== null && answer.check.problems.length > 0 && lastGood !== null;

  const save = async () => {
    if (saving || !dirty || blocked) return;
    const cleanName = name.trim();
    if (cleanName === "") return setNameError("Give the rubric a name.");
    if ([...cleanName].length > NAME_MAX_CHARS)
      return setNameError(`Keep the name to ${NAME_MAX_CHARS} characters or fewer.`);
    setSaving(true);
    setNameError(null);
    setSaveError(null);
    try {
      const result = rubric
        ? await backend.saveRubric(rubric.id, cleanName, text)
        : await backend.createRubric(cleanName, text);
      setBase({ name: result.name, source: result.latest.source });
      setName(result.name);
      setSaved(
        rubric && result.latest.version === rubric.latest.version
          ? { kind: "renamed", version: result.latest.version }
          : { kind: "version", version: result.latest.version },
      );
      onSaved(result);
    } catch (err) {
      const error = toAppError(err);
      if (error.field === "name") setNameError(error.message);
      else setSaveError(error.message);
    } finally {
      setSaving(false);
    }
  };

  const goToLine = (line: number) => editor.current?.goToLine(line);
  const saveErrorLine = saveError ? lineOf(saveError) : null;
  const state = dirty
    ? `Unsaved changes${rubric ? "" : " · not saved yet"}`
    : saved?.kind === "version"
      ? `Saved as version ${saved.version}`
      : saved?.kind === "renamed"
        ? `Renamed · the text is unchanged, still version ${saved.version}`
        : rubric
          ? `Version ${rubric.latest.version} · saved ${formatRelative(rubric.latest.created_at, Date.now())}`
          : "Not saved yet";

  return (
    <section
      className="rubric-editor-card card"
      aria-label={rubric ? `Rubric ${rubric.name}` : "New rubric"}
      data-testid="rubric-editor-panel"
      data-rubric-id={rubric?.id ?? ""}
      data-dirty={dirty}
    >
      <div className="rubric-editor-head">
        <Field label="Name" id={`${id}-name`} field="name" error={nameError ?? undefined} className="rubric-name-field">
          <input
            id={`${id}-name`}
            type="text"
            value={name}
            maxLength={NAME_MAX_CHARS * 2}
            aria-invalid={nameError ? true : undefined}
            aria-describedby={`${id}-name-error`}
            onChange={(event) => {
              setName(event.target.value);
              setNameError(null);
            }}
            onKeyDown={(event) => {
              if (event.key === "Enter") {
                event.preventDefault();
                void save();
              }
            }}
            placeholder="Bug fix"
            autoComplete="off"
            autoFocus={rubric === null}
            data-testid="rubric-name"
          />
        </Field>
        {rubric && !deletion.confirming && (
          <div className="row-actions rubric-head-actions">
            <button
              type="button"
              className="button button-small"
              onClick={() => onExport(rubric, rubric.latest.version)}
              disabled={exporting}
              title={
                dirty
                  ? `Exports the saved version ${rubric.latest.version}; save first to include your changes`
                  : `Write version ${rubric.latest.version} to a Markdown file`
              }
              data-testid="rubric-export"
            >
              Export .md…
            </button>
            <button
              type="button"
              className="button button-small button-quiet danger-text"
              onClick={deletion.ask}
              data-testid="rubric-delete"
            >
              Delete
            </button>
          </div>
        )}
      </div>

      {rubric && (
        <ConfirmDelete name={rubric.name} deletion={deletion}>
          Delete “{rubric.name}”? It leaves the library and can’t be chosen for new runs. Runs graded against it keep
          the version they used, with their results.
        </ConfirmDelete>
      )}

      <div className="rubric-workbench">
        <div className="rubric-source">
          <div className={problems.length > 0 ? "editor-frame rubric-frame has-problems" : "editor-frame rubric-frame"}>
            <Suspense
              fallback={
                <p className="muted loading-line editor-loading">
                  <Spinner /> Loading the editor…
                </p>
              }
            >
              <MarkdownEditor
                ref={editor}
                initial={base.source}
                onChange={setText}
                onSave={() => void save()}
                label={rubric ? `Markdown of ${rubric.name}` : "Markdown of the new rubric"}
                problemLines={problems.map((p) => p.line).filter((line) => line > 0)}
                placeholder={"# My rubric\n\n## What matters\n- The tests pass {#tests weight=2}"}
                continueLists={false}
                testId="rubric-editor"
                className="rubric-editor-host"
              />
            </Suspense>
          </div>
          {problems.length > 0 && (
            <div
              className="rubric-problems"
              role="group"
              aria-label="Problems"
              data-testid="rubric-problems"
              data-current={current}
            >
              <p className="rubric-problems-title">
                {problems.length === 1 ? "1 problem" : `${problems.length} problems`}
                {current ? " · fix to save" : " · checking…"}
              </p>
              <ul>
                {problems.map((p, i) => (
                  <li key={`${p.line}#${i}`}>
                    {p.line > 0 ? (
                      <button
                        type="button"
                        className="rubric-problem"
                        onClick={() => goToLine(p.line)}
                        title={`Go to line ${p.line}`}
                        data-testid="rubric-problem"
                        data-line={p.line}
                      >
                        <span className="rubric-problem-line mono">Line {p.line}</span>
                        <span className="rubric-problem-text">{p.message}</span>
                      </button>
                    ) : (
                      <span className="rubric-problem" data-testid="rubric-problem" data-line={0}>
                        <span className="rubric-problem-line mono">Rubric</span>
                        <span className="rubric-problem-text">{p.message}</span>
                      </span>
                    )}
                  </li>
                ))}
              </ul>
            </div>
          )}
          {checkError && (
            <p className="field-error" role="alert">
              {checkError}
            </p>
          )}
        </div>
        <RubricPreview
          criteria={pristine ? null : criteria}
          stale={stale}
          blocked={problems.length > 0}
          onOpenLine={goToLine}
        />
      </div>

      <div className="save-bar">
        <span
          className={dirty ? "small save-state save-state-dirty" : "muted small save-state"}
          data-testid="rubric-save-state"
        >
          {state}
        </span>
        {saveError && (
          <span className="field-error" role="alert" data-testid="rubric-save-error">
            {saveErrorLine !== null ? (
              <button type="button" className="link-button" onClick={() => goToLine(saveErrorLine)}>
                {saveError}
              </button>
            ) : (
              saveError
            )}
          </span>
        )}
        {rubric === null && (
          <button
            type="button"
            className="button button-quiet"
            onClick={onCancel}
            disabled={saving}
            data-testid="rubric-cancel"
          >
            Cancel
          </button>
        )}
        <button
          type="button"
          className="button button-primary"
          onClick={() => void save()}
          disabled={!dirty || saving || blocked}
          title={blocked ? "Fix the problems first" : !dirty ? "Nothing has changed" : "Save (Ctrl+S)"}
          data-testid="rubric-save"
        >
          {saving && <Spinner />}
          {saving ? "Saving…" : "Save"}
        </button>
      </div>
    </section>
  );
}
