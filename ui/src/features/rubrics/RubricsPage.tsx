import { useCallback, useEffect, useRef, useState } from "react";
import type { Rubric, RubricTemplate } from "../../bindings";
import { toAppError, useBackend } from "../../ipc";
import { ChevronIcon } from "../../shared/icons";
import { LoadError } from "../../shared/LoadError";
import { pickPath } from "../../shared/pickPath";
import { Spinner } from "../../shared/Spinner";
import { loadRubrics, loadRubricTemplates, useList } from "../../shared/useList";
import { formatRelative } from "../../shared/format";
import { RubricEditor } from "./RubricEditor";
import { RubricHistory } from "./RubricHistory";
import "./rubrics.css";

/**
 * What the editor shows: a saved rubric, or a new one. `key` names the editing session, so a new
 * rubric keeps its editor (cursor, undo) when its first save turns it into a saved one.
 */
type Selection = { kind: "none" } | { kind: "new"; key: string } | { kind: "rubric"; id: string; key: string };

/** Something that would replace the editor, waiting while it has unsaved changes. */
interface Pending {
  what: string;
  go(): void;
}

type Notice = { tone: "ok" | "error" | "busy"; text: string };

let draftCounter = 0;

export function RubricsPage() {
  const backend = useBackend();
  const rubrics = useList(loadRubrics);
  const templates = useList(loadRubricTemplates);
  const [selection, setSelection] = useState<Selection>({ kind: "none" });
  const [dirty, setDirty] = useState(false);
  const [pending, setPending] = useState<Pending | null>(null);
  const [notice, setNotice] = useState<Notice | null>(null);
  const { reload, setItems } = rubrics;
  const list = rubrics.items;

  // The library opens on its first rubric.
  const opened = useRef(false);
  useEffect(() => {
    if (opened.current || !list) return;
    opened.current = true;
    const first = list[0];
    if (first) setSelection({ kind: "rubric", id: first.id, key: first.id });
  }, [list]);

  /** Runs `go` now, or after asking when the editor has unsaved changes. */
  const leave = (what: string, go: () => void) => {
    if (dirty) {
      setPending({ what, go });
      return;
    }
    setPending(null);
    go();
  };

  const open = (rubric: Rubric) => {
    if (selection.kind === "rubric" && selection.id === rubric.id) return;
    leave(`Open “${rubric.name}”`, () => {
      setDirty(false);
      setNotice(null);
      setSelection({ kind: "rubric", id: rubric.id, key: rubric.id });
    });
  };

  const newRubric = () =>
    leave("Start a new rubric", () => {
      setDirty(false);
      setNotice(null);
      setSelection({ kind: "new", key: `new-${++draftCounter}` });
    });

  /** A rubric made by the core (from a template, an import): into the list, and open. */
  const added = (rubric: Rubric, text: string) => {
    setItems((all) => [...all.filter((r) => r.id !== rubric.id), rubric].sort((a, b) => a.name.localeCompare(b.name)));
    setDirty(false);
    setSelection({ kind: "rubric", id: rubric.id, key: rubric.id });
    setNotice({ tone: "ok", text });
  };

  const fromTemplate = (template: RubricTemplate) =>
    leave(`Start from the “${template.name}” template`, async () => {
      setNotice({ tone: "busy", text: `Adding “${template.name}”…` });
      try {
        const rubric = await backend.createRubricFromTemplate(template.name);
        added(rubric, `Added “${rubric.name}” from the template. Change it to fit your work; every save is a version.`);
      } catch (err) {
        setNotice({ tone: "error", text: toAppError(err).message });
      }
    });

  const importFile = () =>
    leave("Import a rubric", async () => {
      setNotice(null);
      const path = await pickPath(() => backend.pickMarkdownFile(), setNotice);
      if (path === null) return;
      setNotice({ tone: "busy", text: `Importing ${path}…` });
      try {
        const rubric = await backend.importRubric(path);
        added(rubric, `Imported ${path} as “${rubric.name}”.`);
      } catch (err) {
        setNotice({ tone: "error", text: `${path} was not imported. ${toAppError(err).message}` });
      }
    });

  const [exporting, setExporting] = useState(false);
  const exportVersion = async (rubric: Rubric, version: number) => {
    setNotice(null);
    setExporting(true);
    try {
      const path = await backend.pickSavePath(`${rubric.name}.md`);
      if (path === null) return;
      await backend.exportRubric(rubric.id, version, path);
      setNotice({ tone: "ok", text: `Exported version ${version} of “${rubric.name}” to ${path}.` });
    } catch (err) {
      setNotice({ tone: "error", text: toAppError(err).message });
    } finally {
      setExporting(false);
    }
  };

  const onSaved = useCallback(
    (rubric: Rubric) => {
      setItems((all) =>
        [...all.filter((r) => r.id !== rubric.id), rubric].sort((a, b) => a.name.localeCompare(b.name)),
      );
      setSelection((current) =>
        current.kind === "none" ? current : { kind: "rubric", id: rubric.id, key: current.key },
      );
    },
    [setItems],
  );

  const selectedId = selection.kind === "rubric" ? selection.id : null;
  const selected = selectedId ? (list?.find((r) => r.id === selectedId) ?? null) : null;
  const empty = list !== null && list.length === 0;
  const editing = selection.kind === "new" || selected !== null;

  return (
    <section className="rubrics" aria-labelledby="rubrics-title">
      <div className="page-head">
        <div>
          <h1 id="rubrics-title">Rubrics</h1>
          <p className="lead">
            What a good result looks like, criterion by criterion. A run graded against a rubric goes back to the agent
            until every criterion is met.
          </p>
        </div>
        {!empty && list !== null && (
          <div className="row-actions rubrics-actions">
            <button type="button" className="button" onClick={importFile} data-testid="rubric-import">
              Import .md…
            </button>
            <TemplateMenu templates={templates.items ?? []} onPick={fromTemplate} />
            <button type="button" className="button button-primary" onClick={newRubric} data-testid="rubric-new">
              New rubric
            </button>
          </div>
        )}
      </div>

      {rubrics.error && <LoadError error={rubrics.error} onRetry={reload} />}
      {list === null && !rubrics.error && (
        <p className="muted loading-line">
          <Spinner /> Loading rubrics…
        </p>
      )}

      {notice && (
        <p
          className={`result ${notice.tone === "error" ? "result-error" : notice.tone === "ok" ? "result-ok" : "result-quiet"} rubrics-notice`}
          role={notice.tone === "error" ? "alert" : "status"}
          data-testid="rubrics-notice"
          data-tone={notice.tone}
        >
          {notice.tone === "busy" && <Spinner />}
          <span className="result-text">{notice.text}</span>
        </p>
      )}

      {empty && selection.kind !== "new" && (
        <div className="empty-panel rubrics-empty" data-testid="rubrics-empty">
          <h2>No rubrics yet</h2>
          <p>
            A rubric says what a good result looks like, as a Markdown list: one criterion per item, grouped under
            headings. Give a run a rubric and an independent grader checks each criterion after the agent’s turn; what
            is not met goes back to the agent to revise.
          </p>
          <p className="rubrics-empty-start">Start from one of these, or from a blank page:</p>
          <ul className="template-cards">
            {(templates.items ?? []).map((t) => (
              <li key={t.name}>
                <button
                  type="button"
                  className="template-card"
                  onClick={() => fromTemplate(t)}
                  data-testid="rubric-template"
                  data-template={t.name}
                >
                  <span className="template-name">{t.name}</span>
                  <span className="template-summary">{templateSummary(t.source)}</span>
                  <span className="template-count muted">{criterionCount(t.source)}</span>
                </button>
              </li>
            ))}
          </ul>
          {templates.error && <LoadError error={templates.error} onRetry={templates.reload} />}
          <div className="row-actions">
            <button type="button" className="button button-primary" onClick={newRubric} data-testid="rubric-new">
              New rubric
            </button>
            <button type="button" className="button" onClick={importFile} data-testid="rubric-import">
              Import .md…
            </button>
          </div>
        </div>
      )}

      {list !== null && (!empty || selection.kind === "new") && (
        <div className="rubrics-body">
          <aside className="rubrics-side" aria-label="Library">
            {list.length === 0 ? (
              <p className="muted small rubrics-side-empty">Your first rubric appears here once it is saved.</p>
            ) : (
              <ul className="rubric-list">
                {list.map((r) => {
                  const active = r.id === selectedId;
                  return (
                    <li key={r.id}>
                      <button
                        type="button"
                        className={active ? "rubric-item active" : "rubric-item"}
                        aria-current={active ? "true" : undefined}
                        onClick={() => open(r)}
                        data-testid="rubric-item"
                        data-rubric-name={r.name}
                      >
                        <span className="rubric-item-name">{r.name}</span>
                        <span className="rubric-item-meta">
                          v{r.latest.version} ·{" "}
                          {r.latest.criteria.length === 1 ? "1 criterion" : `${r.latest.criteria.length} criteria`} ·{" "}
                          {formatRelative(r.updated_at, Date.now())}
                        </span>
                      </button>
                    </li>
                  );
                })}
              </ul>
            )}
            {selection.kind === "new" && (
              <p className="rubric-item rubric-item-draft active" aria-current="true">
                <span className="rubric-item-name">New rubric</span>
                <span className="rubric-item-meta">not saved yet</span>
              </p>
            )}
          </aside>

          <div className="rubrics-main">
            {pending && (
              <div className="confirm unsaved" role="group" aria-label="Unsaved changes" data-testid="rubric-unsaved">
                <span className="confirm-text">
                  {selected ? `“${selected.name}”` : "The new rubric"} has changes you haven’t saved. {pending.what} and
                  lose them?
                </span>
                <div className="row-actions">
                  <button
                    type="button"
                    className="button button-danger"
                    onClick={() => {
                      const { go } = pending;
                      setPending(null);
                      setDirty(false);
                      go();
                    }}
                    data-testid="rubric-discard"
                  >
                    Discard changes
                  </button>
                  <button type="button" className="button button-quiet" onClick={() => setPending(null)}>
                    Keep editing
                  </button>
                </div>
              </div>
            )}

            {editing ? (
              <>
                <RubricEditor
                  key={selection.kind === "none" ? "none" : selection.key}
                  rubric={selected}
                  onDirtyChange={setDirty}
                  onSaved={onSaved}
                  onDeleted={() => {
                    const gone = selectedId;
                    setItems((all) => all.filter((r) => r.id !== gone));
                    setDirty(false);
                    setSelection({ kind: "none" });
                    setNotice({
                      tone: "ok",
                      text: `Deleted “${selected?.name ?? "the rubric"}”. Runs graded against it keep the version they used.`,
                    });
                  }}
                  onCancel={() =>
                    leave("Close it", () => {
                      setDirty(false);
                      const first = list[0];
                      setSelection(first ? { kind: "rubric", id: first.id, key: first.id } : { kind: "none" });
                    })
                  }
                  onExport={exportVersion}
                  exporting={exporting}
                />
                {selected && (
                  <RubricHistory
                    rubric={selected}
                    onExport={(version) => exportVersion(selected, version)}
                    exporting={exporting}
                  />
                )}
              </>
            ) : (
              <div className="rubrics-placeholder muted" data-testid="rubrics-none">
                Choose a rubric on the left, or start a new one.
              </div>
            )}
          </div>
        </div>
      )}
    </section>
  );
}

/** The first paragraph under a template's title: what it is for. */
function templateSummary(source: string): string {
  const line = source
    .split("\n")
    .map((l) => l.trim())
    .find((l) => l !== "" && !l.startsWith("#") && !/^([-*+]|\d+[.)]) /.test(l));
  return line ?? "";
}

/** "7 criteria", counting list items (a template always parses). */
function criterionCount(source: string): string {
  const n = source.split("\n").filter((l) => /^\s*([-*+]|\d+[.)]) /.test(l)).length;
  return n === 1 ? "1 criterion" : `${n} criteria`;
}

/** "New from template": a menu of the starter rubrics. */
function TemplateMenu({
  templates,
  onPick,
}: {
  templates: readonly RubricTemplate[];
  onPick(template: RubricTemplate): void;
}) {
  const [open, setOpen] = useState(false);
  const root = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!open) return;
    const close = (event: MouseEvent | KeyboardEvent) => {
      if (event instanceof KeyboardEvent ? event.key === "Escape" : !root.current?.contains(event.target as Node))
        setOpen(false);
    };
    document.addEventListener("mousedown", close);
    document.addEventListener("keydown", close);
    return () => {
      document.removeEventListener("mousedown", close);
      document.removeEventListener("keydown", close);
    };
  }, [open]);

  return (
    <div className="template-menu" ref={root}>
      <button
        type="button"
        className="button"
        aria-haspopup="menu"
        aria-expanded={open}
        onClick={() => setOpen((o) => !o)}
        disabled={templates.length === 0}
        data-testid="rubric-from-template"
      >
        New from template
        <ChevronIcon />
      </button>
      {open && (
        <ul className="template-menu-list" role="menu" aria-label="Starter rubrics">
          {templates.map((t) => (
            <li key={t.name} role="none">
              <button
                type="button"
                role="menuitem"
                className="template-menu-item"
                autoFocus={t === templates[0]}
                onClick={() => {
                  setOpen(false);
                  onPick(t);
                }}
                data-testid="rubric-template"
                data-template={t.name}
              >
                <span className="template-name">{t.name}</span>
                <span className="template-summary">{templateSummary(t.source)}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
