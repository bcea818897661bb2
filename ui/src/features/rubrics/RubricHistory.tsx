import { useEffect, useId, useState } from "react";
import type { AppError, DiffHunk, Rubric, RubricVersion } from "../../bindings";
import { toAppError, useBackend } from "../../ipc";
import { LoadError } from "../../shared/LoadError";
import { Spinner } from "../../shared/Spinner";
import { DiffView } from "../../shared/DiffView";
import { diffStat } from "../../shared/diff";
import { formatRelative } from "../../shared/format";
// The version list and the diff look as they do on the Memory page.
import "../../shared/history.css";

interface RubricHistoryProps {
  rubric: Rubric;
  /** Writes a version's Markdown to a file the user picks. */
  onExport(version: number): void;
  exporting: boolean;
}

type DiffState =
  { kind: "loading" } | { kind: "ready"; version: number; hunks: DiffHunk[] } | { kind: "error"; message: string };

/** A first version "against nothing": every line added (no diff to compute). */
function firstVersionHunks(source: string): DiffHunk[] {
  const lines = source.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  return lines.length === 0
    ? []
    : [
        {
          old_start: 0,
          old_lines: 0,
          new_start: 1,
          new_lines: lines.length,
          lines: lines.map((text) => ({ kind: "added", text })),
        },
      ];
}

/** Every saved version of a rubric, newest first; one selected shows what it changed. */
export function RubricHistory({ rubric, onExport, exporting }: RubricHistoryProps) {
  const backend = useBackend();
  const id = useId();
  const [versions, setVersions] = useState<RubricVersion[] | null>(null);
  const [error, setError] = useState<AppError | null>(null);
  const [attempt, setAttempt] = useState(0);
  /** null: the newest. */
  const [selected, setSelected] = useState<number | null>(null);
  const [diff, setDiff] = useState<DiffState>({ kind: "loading" });
  const latest = rubric.latest.version;

  // Asked again whenever a save makes a new version.
  useEffect(() => {
    let live = true;
    backend.rubricVersions(rubric.id).then(
      (list) => {
        if (!live) return;
        setVersions(list);
        setError(null);
      },
      (err: unknown) => live && setError(toAppError(err)),
    );
    return () => {
      live = false;
    };
  }, [backend, rubric.id, latest, attempt]);

  const shown = versions?.find((v) => v.version === selected) ?? versions?.[0] ?? null;
  const number = shown?.version ?? null;
  // A version's text never changes: with its number, the diff shown depends on nothing else.
  const source = shown?.source ?? null;

  useEffect(() => {
    if (number === null || source === null) return;
    let live = true;
    if (number === 1) {
      setDiff({ kind: "ready", version: 1, hunks: firstVersionHunks(source) });
      return;
    }
    setDiff((current) => (current.kind === "ready" && current.version === number ? current : { kind: "loading" }));
    backend.rubricDiff(rubric.id, number - 1, number).then(
      (hunks) => live && setDiff({ kind: "ready", version: number, hunks }),
      (err: unknown) => live && setDiff({ kind: "error", message: toAppError(err).message }),
    );
    return () => {
      live = false;
    };
  }, [backend, rubric.id, number, source]);

  const now = Date.now();
  return (
    <section className="rubric-history card" aria-labelledby={`${id}-title`} data-testid="rubric-history">
      <h2 id={`${id}-title`} className="panel-title">
        Versions
        {versions && (
          <span className="muted panel-count">
            {versions.length === 1 ? "1 version" : `${versions.length} versions`}
          </span>
        )}
      </h2>
      <p className="muted small rubric-history-lead">
        Every save that changes the text is a new version. A run records the version it was graded against, so editing
        or deleting a rubric never changes a past result.
      </p>
      {error && <LoadError error={error} onRetry={() => setAttempt((n) => n + 1)} />}
      {versions === null && !error && (
        <p className="muted loading-line small">
          <Spinner /> Loading versions…
        </p>
      )}
      {versions && shown && (
        <div className="history-body">
          <ol className="version-list" aria-label="Versions, newest first">
            {versions.map((v) => {
              const active = v.version === shown.version;
              return (
                <li key={v.version}>
                  <button
                    type="button"
                    className={active ? "version-row active" : "version-row"}
                    aria-pressed={active}
                    onClick={() => setSelected(v.version)}
                    data-testid="rubric-version"
                    data-version={v.version}
                  >
                    <span className="version-line">
                      <span className="version-no mono">v{v.version}</span>
                      <span className="version-op">{v.version === 1 ? "Created" : "Saved"}</span>
                      <time
                        className="version-when"
                        dateTime={new Date(v.created_at).toISOString()}
                        title={new Date(v.created_at).toLocaleString()}
                      >
                        {formatRelative(v.created_at, now)}
                      </time>
                    </span>
                    <span className="version-line version-sub">
                      <span>{v.criteria.length === 1 ? "1 criterion" : `${v.criteria.length} criteria`}</span>
                      {v.version === latest && <span className="version-tag tag-current">latest</span>}
                    </span>
                  </button>
                </li>
              );
            })}
          </ol>

          <div className="version-detail" data-testid="rubric-version-detail" data-version={shown.version}>
            <div className="version-detail-head">
              <p className="version-summary">
                <strong>v{shown.version}</strong> ·{" "}
                <time dateTime={new Date(shown.created_at).toISOString()}>
                  {new Date(shown.created_at).toLocaleString("en-US", { dateStyle: "medium", timeStyle: "short" })}
                </time>
              </p>
              <div className="row-actions">
                <button
                  type="button"
                  className="button button-small"
                  onClick={() => onExport(shown.version)}
                  disabled={exporting}
                  title={`Write v${shown.version} to a Markdown file`}
                  data-testid="rubric-export-version"
                >
                  Export v{shown.version} .md…
                </button>
              </div>
            </div>
            <p className="diff-caption small muted" data-testid="rubric-diff-caption">
              {shown.version === 1 ? "The first version" : `Changes from v${shown.version - 1} to v${shown.version}`}
              {diff.kind === "ready" && diff.version === shown.version && shown.version > 1 && (
                <DiffStatText hunks={diff.hunks} />
              )}
            </p>
            {diff.kind === "error" ? (
              <p className="result result-error">{diff.message}</p>
            ) : diff.kind === "loading" || diff.version !== shown.version ? (
              <p className="muted loading-line small">
                <Spinner /> Comparing…
              </p>
            ) : (
              <DiffView
                hunks={diff.hunks}
                label={
                  shown.version === 1 ? "The first version" : `Changes from v${shown.version - 1} to v${shown.version}`
                }
              />
            )}
          </div>
        </div>
      )}
    </section>
  );
}

function DiffStatText({ hunks }: { hunks: readonly DiffHunk[] }) {
  const { added, removed } = diffStat(hunks);
  return (
    <span className="diff-stat-inline" aria-label={`${added} lines added, ${removed} removed`}>
      {" "}
      · <span className="stat-added">+{added}</span> <span className="stat-removed">−{removed}</span>
    </span>
  );
}
