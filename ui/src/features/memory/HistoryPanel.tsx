import { useEffect, useId, useState } from "react";
import type { AppError, DiffHunk, MemoryFile, MemoryVersion } from "../../bindings";
import { toAppError, useBackend } from "../../ipc";
import { ChevronIcon } from "../../shared/icons";
import { LoadError } from "../../shared/LoadError";
import { OP_LABELS } from "../../shared/memory";
import { formatBytes } from "../../shared/runs";
import { Spinner } from "../../shared/Spinner";
import { formatRelative } from "../../shared/format";
import { ActorName } from "./ActorName";
import { DiffView } from "../../shared/DiffView";
import { diffStat } from "../../shared/diff";
import "../../shared/history.css";
import { actorLabel, comparison, redactedIn, versionBefore, versionNumbers } from "./history";

interface HistoryPanelProps {
  storeId: string;
  file: MemoryFile;
  /** Bumped after every change to the store: the history is asked again. */
  changes: number;
  /** The editor has unsaved text: reverting would overwrite it, so it waits. */
  dirty: boolean;
  onReverted(): void;
  onRedacted(): void;
}

const EMPTY = "__empty__";

type DiffState =
  { kind: "loading" } | { kind: "ready"; key: string; hunks: DiffHunk[] } | { kind: "error"; message: string };

/** Every version of the file, newest first, with a diff between any two, Revert and Redact. */
export function HistoryPanel({ storeId, file, changes, dirty, onReverted, onRedacted }: HistoryPanelProps) {
  const backend = useBackend();
  const id = useId();
  const [versions, setVersions] = useState<MemoryVersion[] | null>(null);
  const [error, setError] = useState<AppError | null>(null);
  const [attempt, setAttempt] = useState(0);
  /** null: the newest version. */
  const [selectedId, setSelectedId] = useState<string | null>(null);
  /** The version compared with the selected one; undefined: the one before it. */
  const [base, setBase] = useState<string | null | undefined>(undefined);
  const [diff, setDiff] = useState<DiffState>({ kind: "loading" });
  const [busy, setBusy] = useState<"revert" | "redact" | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  const [confirmingRedact, setConfirmingRedact] = useState(false);

  useEffect(() => {
    let live = true;
    setError(null);
    backend.memoryHistory(storeId, file.path).then(
      (list) => live && setVersions(list),
      (err: unknown) => live && setError(toAppError(err)),
    );
    return () => {
      live = false;
    };
  }, [backend, storeId, file.path, changes, attempt]);

  const selected = versions?.find((v) => v.id === selectedId) ?? versions?.[0] ?? null;
  const pair = versions && selected ? comparison(versions, selected.id, base) : null;
  const redacted = versions && pair ? redactedIn(versions, pair) : null;
  const pairKey = pair ? `${pair.from ?? EMPTY}→${pair.to}` : "";
  const from = pair?.from ?? null;
  const to = pair?.to ?? null;
  const isRedacted = redacted !== null;

  useEffect(() => {
    if (to === null || isRedacted) return;
    let live = true;
    setDiff((current) => (current.kind === "ready" && current.key === pairKey ? current : { kind: "loading" }));
    backend.memoryDiff(from, to).then(
      (hunks) => live && setDiff({ kind: "ready", key: pairKey, hunks }),
      (err: unknown) => live && setDiff({ kind: "error", message: toAppError(err).message }),
    );
    return () => {
      live = false;
    };
  }, [backend, pairKey, from, to, isRedacted]);

  const select = (version: MemoryVersion) => {
    setSelectedId(version.id);
    setBase(undefined);
    setActionError(null);
    setConfirmingRedact(false);
  };

  const revert = async () => {
    if (!selected) return;
    setBusy("revert");
    setActionError(null);
    try {
      await backend.revertMemoryVersion(selected.id, file.sha256);
      setSelectedId(null);
      setBase(undefined);
      onReverted();
    } catch (err) {
      setActionError(toAppError(err).message);
    } finally {
      setBusy(null);
    }
  };

  const redact = async () => {
    if (!selected) return;
    setBusy("redact");
    setActionError(null);
    try {
      await backend.redactMemoryVersion(selected.id);
      setConfirmingRedact(false);
      onRedacted();
    } catch (err) {
      setActionError(toAppError(err).message);
    } finally {
      setBusy(null);
    }
  };

  const numbers = versions ? versionNumbers(versions) : new Map<string, number>();
  const name = (versionId: string | null) =>
    versionId === null ? "an empty file" : `v${numbers.get(versionId) ?? "?"}`;
  const now = Date.now();
  const isCurrent = selected?.id === file.version_id;
  const revertBlock = !selected
    ? ""
    : isCurrent
      ? "This is the file's current version."
      : selected.redacted
        ? "This version was redacted; there is nothing to restore."
        : dirty
          ? "Save or undo your edits first."
          : "";
  const redactBlock = !selected
    ? ""
    : isCurrent
      ? "The current version can't be redacted. Change the file first, then redact this version."
      : selected.op === "delete"
        ? "A delete has no content to redact."
        : selected.redacted
          ? "Already redacted."
          : "";
  const baseValue = base === undefined ? (selected && versions ? versionBefore(versions, selected.id) : null) : base;

  return (
    <section className="history card" aria-labelledby={`${id}-title`} data-testid="memory-history">
      <h2 id={`${id}-title`} className="panel-title">
        History
        {versions && (
          <span className="muted panel-count">
            {versions.length === 1 ? "1 version" : `${versions.length} versions`}
          </span>
        )}
      </h2>
      {error && <LoadError error={error} onRetry={() => setAttempt((n) => n + 1)} />}
      {versions === null && !error && (
        <p className="muted loading-line small">
          <Spinner /> Loading history…
        </p>
      )}
      {versions !== null && selected && pair && (
        <div className="history-body">
          <ol className="version-list" aria-label="Versions, newest first">
            {versions.map((version) => {
              const active = version.id === selected.id;
              const inPair = version.id === pair.from || version.id === pair.to;
              return (
                <li key={version.id}>
                  <button
                    type="button"
                    className={["version-row", active ? "active" : "", inPair && !active ? "compared" : ""]
                      .filter(Boolean)
                      .join(" ")}
                    aria-pressed={active}
                    onClick={() => select(version)}
                    data-testid="memory-version"
                    data-version-id={version.id}
                    data-op={version.op}
                    data-actor={version.actor}
                    data-redacted={version.redacted}
                  >
                    <span className="version-line">
                      <span className="version-no mono">v{numbers.get(version.id)}</span>
                      <span className={`version-op op-${version.op}`}>{OP_LABELS[version.op]}</span>
                      <span className="version-when">{formatRelative(version.time_ms, now)}</span>
                    </span>
                    <span className="version-line version-sub">
                      <span className={`version-actor actor-${actorLabel(version.actor).kind}`}>
                        by {actorLabel(version.actor).label}
                      </span>
                    </span>
                    <span className="version-line version-sub">
                      {version.op === "delete" ? <span>file removed</span> : <span>{formatBytes(version.bytes)}</span>}
                      {version.id === file.version_id && <span className="version-tag tag-current">current</span>}
                      {version.redacted && (
                        <span className="version-tag tag-redacted" data-testid="memory-version-redacted">
                          redacted
                        </span>
                      )}
                    </span>
                    {version.previous_path !== undefined && (
                      <span
                        className="version-line version-sub mono version-rename"
                        title={`from ${version.previous_path}`}
                      >
                        from {version.previous_path}
                      </span>
                    )}
                  </button>
                </li>
              );
            })}
          </ol>

          <div className="version-detail" data-testid="memory-version-detail" data-version-id={selected.id}>
            <div className="version-detail-head">
              <p className="version-summary">
                <strong>v{numbers.get(selected.id)}</strong> · {OP_LABELS[selected.op]}
                {selected.previous_path !== undefined && (
                  <>
                    {" "}
                    from <span className="mono">{selected.previous_path}</span>
                  </>
                )}{" "}
                by <ActorName actor={selected.actor} /> ·{" "}
                <time
                  dateTime={new Date(selected.time_ms).toISOString()}
                  title={new Date(selected.time_ms).toLocaleString()}
                >
                  {new Date(selected.time_ms).toLocaleString("en-US", { dateStyle: "medium", timeStyle: "short" })}
                </time>
              </p>
              {!confirmingRedact && (
                <div className="row-actions">
                  <button
                    type="button"
                    className="button button-small"
                    onClick={revert}
                    disabled={busy !== null || revertBlock !== ""}
                    title={revertBlock || "Make this version's content current again, as a new version by you"}
                    data-testid="memory-revert"
                  >
                    {busy === "revert" && <Spinner />}
                    {selected.op === "delete" ? "Revert (delete the file)" : `Revert to v${numbers.get(selected.id)}`}
                  </button>
                  <button
                    type="button"
                    className="button button-small button-quiet danger-text"
                    onClick={() => setConfirmingRedact(true)}
                    disabled={busy !== null || redactBlock !== ""}
                    title={redactBlock || "Erase this version's content for good, keeping who and when"}
                    data-testid="memory-redact"
                  >
                    Redact…
                  </button>
                </div>
              )}
            </div>

            {confirmingRedact && (
              <div
                className="confirm"
                role="group"
                aria-label="Redact this version"
                data-testid="memory-redact-confirm"
              >
                <span className="confirm-text">
                  Redact v{numbers.get(selected.id)}? Its content is erased for good and{" "}
                  <strong>this can't be undone</strong>. Who wrote it and when stay in the history.
                </span>
                <div className="row-actions">
                  <button
                    type="button"
                    className="button button-danger"
                    onClick={redact}
                    disabled={busy !== null}
                    data-testid="confirm-redact"
                  >
                    {busy === "redact" && <Spinner />}
                    Redact
                  </button>
                  <button
                    type="button"
                    className="button button-quiet"
                    onClick={() => setConfirmingRedact(false)}
                    disabled={busy !== null}
                  >
                    Cancel
                  </button>
                </div>
              </div>
            )}
            {actionError && (
              <p className="result result-error" role="alert" data-testid="memory-history-error">
                {actionError}
              </p>
            )}

            <div className="compare-row">
              <label htmlFor={`${id}-base`} className="small">
                Compare with
              </label>
              <span className="select compare-select">
                <select
                  id={`${id}-base`}
                  value={baseValue ?? EMPTY}
                  onChange={(event) => setBase(event.target.value === EMPTY ? null : event.target.value)}
                  data-testid="memory-compare"
                >
                  <option value={EMPTY}>an empty file</option>
                  {versions
                    .filter((v) => v.id !== selected.id)
                    .map((v) => (
                      <option key={v.id} value={v.id}>
                        v{numbers.get(v.id)} · {OP_LABELS[v.op].toLowerCase()} by {actorLabel(v.actor).label}
                        {v.id === versionBefore(versions, selected.id) ? " (previous)" : ""}
                      </option>
                    ))}
                </select>
                <ChevronIcon />
              </span>
              {diff.kind === "ready" && !redacted && <DiffStat hunks={diff.hunks} />}
            </div>

            <p className="diff-caption small muted" data-testid="memory-diff-caption">
              Changes from {name(pair.from)} to {name(pair.to)}
            </p>
            {redacted ? (
              <p className="diff-same muted small" data-testid="memory-diff-redacted">
                v{numbers.get(redacted.id)} was redacted, so its content can't be compared. Pick another version to
                compare with.
              </p>
            ) : diff.kind === "error" ? (
              <p className="result result-error">{diff.message}</p>
            ) : diff.kind === "loading" || diff.key !== pairKey ? (
              <p className="muted loading-line small">
                <Spinner /> Comparing…
              </p>
            ) : (
              <DiffView hunks={diff.hunks} label={`Changes from ${name(pair.from)} to ${name(pair.to)}`} />
            )}
          </div>
        </div>
      )}
    </section>
  );
}

function DiffStat({ hunks }: { hunks: readonly DiffHunk[] }) {
  const { added, removed } = diffStat(hunks);
  return (
    <span className="diff-stat small" aria-label={`${added} lines added, ${removed} removed`}>
      <span className="stat-added">+{added}</span> <span className="stat-removed">−{removed}</span>
    </span>
  );
}
