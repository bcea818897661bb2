import { useEffect, useId, useState } from "react";
import type { DiffHunk, MemoryConflict, MemoryProblem } from "../../bindings";
import { toAppError, useBackend } from "../../ipc";
// The core has no command that diffs two texts (its diffs are between versions, and the disk's
// text is not one), so the comparison uses the memory backend's line diff, as its history does.
import { useAppStatus } from "../../shared/appStatus";
import { NoticeIcon } from "../../shared/icons";
import { Spinner } from "../../shared/Spinner";
import { formatRelative } from "../../shared/format";
import { DiffView } from "../../shared/DiffView";
import { diffStat } from "../../shared/diff";

interface MirrorIssuesProps {
  storeId: string;
  storeName: string;
  conflicts: readonly MemoryConflict[];
  problems: readonly MemoryProblem[];
  /** A conflict was settled: the files and both lists are asked again. */
  onResolved(): Promise<unknown>;
}

/** Where the store is mirrored as plain files, as the user's file manager would show it. */
export function mirrorFolder(dataDir: string, storeName: string): string {
  const sep = dataDir.includes("\\") && !dataDir.includes("/") ? "\\" : "/";
  return `${dataDir.replace(/[\\/]+$/, "")}${sep}memory${sep}${storeName}${sep}`;
}

function plural(count: number, one: string, many: string): string {
  return `${count} ${count === 1 ? one : many}`;
}

/**
 * What the store's mirror folder couldn't bring in step: files changed both there and in Reverie
 * (the user chooses which side stays) and files that couldn't be imported (the user fixes them).
 */
export function MirrorIssues({ storeId, storeName, conflicts, problems, onResolved }: MirrorIssuesProps) {
  const id = useId();
  const { status } = useAppStatus();
  const folder = status ? mirrorFolder(status.data_dir, storeName) : null;
  const now = Date.now();
  const counts = [
    conflicts.length > 0 ? plural(conflicts.length, "conflict", "conflicts") : "",
    problems.length > 0 ? plural(problems.length, "file not imported", "files not imported") : "",
  ].filter(Boolean);

  return (
    <section
      className="mirror-issues"
      aria-labelledby={`${id}-title`}
      data-testid="memory-conflicts"
      data-conflicts={conflicts.length}
      data-problems={problems.length}
    >
      <h2 id={`${id}-title`} className="mirror-title">
        <NoticeIcon level="warning" />
        <span>The store’s folder needs you</span>
        <span className="mirror-count">{counts.join(" · ")}</span>
      </h2>
      <p className="mirror-lead small">
        Every file of this store is also a plain file in{" "}
        {folder ? <span className="mono selectable">{folder}</span> : "the store’s folder"}, so you can edit it in your
        own editor; Reverie imports what you save there.
      </p>

      {conflicts.length > 0 && (
        <div className="mirror-group">
          <h3 className="mirror-group-title">Changed both in Reverie and on disk</h3>
          <p className="muted small">
            Neither side was kept over the other. <strong>Keep Reverie’s</strong> rewrites the file on disk;{" "}
            <strong>Take the disk’s</strong> saves the disk’s text as a new version (Reverie’s stays in the history).
          </p>
          <ul className="mirror-list">
            {conflicts.map((conflict) => (
              <ConflictItem
                key={conflict.path}
                storeId={storeId}
                conflict={conflict}
                now={now}
                onResolved={onResolved}
              />
            ))}
          </ul>
        </div>
      )}

      {problems.length > 0 && (
        <div className="mirror-group">
          <h3 className="mirror-group-title">Couldn’t be imported</h3>
          <p className="muted small">
            These files were left as they are. Fix them in your editor; Reverie picks them up once saved.
          </p>
          <ul className="mirror-list">
            {problems.map((problem) => (
              <li key={problem.path} className="mirror-item" data-testid="memory-problem-item" data-path={problem.path}>
                <div className="mirror-item-head">
                  <span className="mono mirror-path selectable">{problem.path}</span>
                  <When time={problem.detected_at} now={now} verb="found" />
                </div>
                <p className="mirror-problem small">{problem.problem}</p>
              </li>
            ))}
          </ul>
        </div>
      )}
    </section>
  );
}

function When({ time, now, verb }: { time: number; now: number; verb: string }) {
  return (
    <time
      className="muted small mirror-when"
      dateTime={new Date(time).toISOString()}
      title={new Date(time).toLocaleString()}
    >
      {verb} {formatRelative(time, now)}
    </time>
  );
}

function ConflictItem({
  storeId,
  conflict,
  now,
  onResolved,
}: {
  storeId: string;
  conflict: MemoryConflict;
  now: number;
  onResolved(): Promise<unknown>;
}) {
  const backend = useBackend();
  const compareId = useId();
  const [comparing, setComparing] = useState(false);
  const [busy, setBusy] = useState<"ours" | "theirs" | null>(null);
  const [error, setError] = useState<string | null>(null);
  const { path, theirs } = conflict;
  const ours = conflict.ours_sha256 !== null;

  const resolve = async (keepOurs: boolean) => {
    setBusy(keepOurs ? "ours" : "theirs");
    setError(null);
    try {
      await backend.resolveMemoryConflict(storeId, path, keepOurs);
      await onResolved();
    } catch (err) {
      setError(toAppError(err).message);
      // The disk may have changed again: show the conflict as it is now.
      await onResolved();
    } finally {
      setBusy(null);
    }
  };

  const what =
    theirs === null
      ? "Changed in Reverie, deleted on disk"
      : !ours
        ? "Deleted in Reverie, changed on disk"
        : "Changed in Reverie and on disk";

  return (
    <li className="mirror-item" data-testid="memory-conflict-item" data-path={path}>
      <div className="mirror-item-head">
        <span className="mono mirror-path selectable">{path}</span>
        <span className="small mirror-what">{what}</span>
        <When time={conflict.detected_at} now={now} verb="noticed" />
        <div className="row-actions mirror-actions">
          <button
            type="button"
            className="button button-small button-quiet"
            aria-expanded={comparing}
            aria-controls={compareId}
            onClick={() => setComparing((open) => !open)}
            data-testid="conflict-compare"
          >
            {comparing ? "Hide comparison" : "Compare"}
          </button>
          <button
            type="button"
            className="button button-small"
            onClick={() => void resolve(true)}
            disabled={busy !== null}
            title={
              ours
                ? "Keep the text in Reverie; the file on disk is rewritten with it"
                : "Keep it deleted; the file on disk is removed"
            }
            data-testid="conflict-keep-ours"
          >
            {busy === "ours" && <Spinner />}
            Keep Reverie’s
          </button>
          <button
            type="button"
            className="button button-small"
            onClick={() => void resolve(false)}
            disabled={busy !== null}
            title={
              theirs === null
                ? "Delete the file, as on disk (its versions stay in the history)"
                : "Save the disk's text as a new version (Reverie's stays in the history)"
            }
            data-testid="conflict-take-theirs"
          >
            {busy === "theirs" && <Spinner />}
            Take the disk’s
          </button>
        </div>
      </div>
      {error && (
        <p className="result result-error small" role="alert" data-testid="conflict-error">
          {error}
        </p>
      )}
      {comparing && (
        <div id={compareId} className="mirror-compare">
          <ConflictCompare storeId={storeId} conflict={conflict} />
        </div>
      )}
    </li>
  );
}

type Comparison = { kind: "loading" } | { kind: "ready"; hunks: DiffHunk[] } | { kind: "error"; message: string };

/** Reverie's current text against the disk's, as the history shows a change. */
function ConflictCompare({ storeId, conflict }: { storeId: string; conflict: MemoryConflict }) {
  const backend = useBackend();
  const [comparison, setComparison] = useState<Comparison>({ kind: "loading" });
  const { path, theirs, ours_sha256 } = conflict;

  useEffect(() => {
    let live = true;
    // The hunks come from the core, like every diff the history shows.
    backend.memoryConflictDiff(storeId, path).then(
      (hunks) => live && setComparison({ kind: "ready", hunks }),
      (err: unknown) => live && setComparison({ kind: "error", message: toAppError(err).message }),
    );
    return () => {
      live = false;
    };
  }, [backend, storeId, path, ours_sha256, theirs]);

  const caption =
    theirs === null
      ? "Deleted on disk: every line of Reverie’s text would go"
      : ours_sha256 === null
        ? "Deleted in Reverie: the disk’s text would come back"
        : "From Reverie’s text (−) to the disk’s (+)";

  if (comparison.kind === "loading") {
    return (
      <p className="muted loading-line small">
        <Spinner /> Comparing…
      </p>
    );
  }
  if (comparison.kind === "error") return <p className="result result-error small">{comparison.message}</p>;
  const { added, removed } = diffStat(comparison.hunks);
  return (
    <>
      <p className="diff-caption small muted mirror-compare-caption" data-testid="conflict-diff-caption">
        <span>{caption}</span>
        <span className="diff-stat small" aria-label={`${added} lines only on disk, ${removed} only in Reverie`}>
          <span className="stat-added">+{added}</span> <span className="stat-removed">−{removed}</span>
        </span>
      </p>
      <DiffView hunks={comparison.hunks} label={`${path}: Reverie’s text against the disk’s`} />
    </>
  );
}
