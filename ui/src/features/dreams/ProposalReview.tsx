import { useCallback, useEffect, useRef, useState } from "react";
import type { AppError, ApplyReport, MemoryStore, Proposal, SessionSummary } from "../../bindings";
import { toAppError, useBackend, type ReviewDecision } from "../../ipc";
import { BackIcon } from "../../shared/icons";
import { LoadError } from "../../shared/LoadError";
import { useNavigation } from "../../shared/navigation";
import { Spinner } from "../../shared/Spinner";
import { browserStorage, readItem, writeItem } from "../../shared/storage";
import { formatCost, formatRelative } from "../../shared/format";
import { useDreamFeed } from "../../shared/dreamFeed";
import { changeCount, proposalBadge, sessionCount } from "./format";
import type { Layout } from "./HunkView";
import { DecisionSummary, FilePath, ProposalFile } from "./ProposalFile";
import {
  appliedFiles,
  applyPlan,
  bulkTargets,
  editable,
  fileOf,
  nextUndecided,
  proposalCounts,
  reviewable as isReviewable,
  stepHunk,
} from "./review";

/** The diff layout chosen last. */
const LAYOUT_KEY = "reverie.proposalLayout";

interface ProposalReviewProps {
  id: string;
  stores: readonly MemoryStore[];
  onBack(): void;
}

type Busy = string | "all" | "apply" | "revert" | null;

/** A proposal reviewed like a pull request: files, hunks with decisions, evidence, Apply and Revert. */
export function ProposalReview({ id, stores, onBack }: ProposalReviewProps) {
  const backend = useBackend();
  const feed = useDreamFeed();
  const [proposal, setProposal] = useState<Proposal | null>(null);
  const [loadError, setLoadError] = useState<AppError | null>(null);
  const [attempt, setAttempt] = useState(0);
  const [sessions, setSessions] = useState<Map<string, SessionSummary> | null>(null);
  const [layout, setLayout] = useState<Layout>(() =>
    readItem(browserStorage(), LAYOUT_KEY) === "split" ? "split" : "unified",
  );
  const [current, setCurrent] = useState<string | null>(null);
  const [editing, setEditing] = useState<string | null>(null);
  const [busy, setBusy] = useState<Busy>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  const [confirming, setConfirming] = useState<"apply" | "revert" | null>(null);
  const [report, setReport] = useState<{ kind: "apply" | "revert"; report: ApplyReport } | null>(null);
  const hunks = useRef(new Map<string, HTMLDivElement>());
  const dream = feed.dreams?.find((d) => d.id === id) ?? null;

  useEffect(() => {
    let live = true;
    setLoadError(null);
    backend.dreamProposal(id).then(
      (loaded) => {
        if (!live) return;
        setProposal(loaded);
        // Start at the first hunk still to review (or the first one).
        setCurrent((now) => now ?? nextUndecided(loaded, null) ?? stepHunk(loaded, null, 1));
      },
      (err: unknown) => live && setLoadError(toAppError(err)),
    );
    return () => {
      live = false;
    };
  }, [backend, id, attempt]);

  // Which sessions still exist: a quote from a deleted one says so instead of linking.
  useEffect(() => {
    let live = true;
    backend.listSessions().then(
      (list) => live && setSessions(new Map(list.map((s) => [s.id, s]))),
      () => {},
    );
    return () => {
      live = false;
    };
  }, [backend]);

  const reveal = useCallback((hunkId: string) => {
    const element = hunks.current.get(hunkId);
    element?.scrollIntoView?.({ block: "nearest" });
    element?.focus({ preventScroll: true });
  }, []);

  const decide = useCallback(
    async (ids: string[], decision: ReviewDecision, edited: string | null, key: Busy): Promise<boolean> => {
      if (ids.length === 0) return true;
      setBusy(key);
      setActionError(null);
      try {
        setProposal(await backend.decideHunks(id, ids, decision, edited));
        return true;
      } catch (err) {
        setActionError(toAppError(err).message);
        return false;
      } finally {
        setBusy(null);
      }
    },
    [backend, id],
  );

  const settle = async (kind: "apply" | "revert") => {
    setBusy(kind);
    setActionError(null);
    try {
      const outcome = kind === "apply" ? await backend.applyProposal(id) : await backend.revertProposal(id);
      setProposal(outcome.proposal);
      setReport({ kind, report: outcome.report });
      setConfirming(null);
      setEditing(null);
      // The sidebar's count and the history follow at once (the watch may come later, or not at all).
      void feed.refresh(id);
    } catch (err) {
      setActionError(toAppError(err).message);
    } finally {
      setBusy(null);
    }
  };

  // Keyboard review: j/k (↓/↑) move, a accept, r reject, u undo, e edit.
  useEffect(() => {
    if (!proposal) return;
    const onKey = (event: KeyboardEvent) => {
      if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey) return;
      if (editing !== null || confirming !== null) return;
      const target = event.target instanceof Element ? event.target : null;
      if (target?.closest("input, textarea, select, [contenteditable='true'], .cm-editor")) return;
      const move = (step: 1 | -1) => {
        const next = stepHunk(proposal, current, step);
        if (next !== null) {
          setCurrent(next);
          reveal(next);
        }
      };
      switch (event.key) {
        case "j":
        case "ArrowDown":
          move(1);
          break;
        case "k":
        case "ArrowUp":
          move(-1);
          break;
        case "a":
        case "r":
        case "u": {
          if (!isReviewable(proposal) || current === null || busy !== null) return;
          const decision: ReviewDecision = event.key === "a" ? "accepted" : event.key === "r" ? "rejected" : "pending";
          const at = current;
          void decide([at], decision, null, at).then((ok) => {
            if (!ok || decision === "pending") return;
            const next = stepHunk(proposal, at, 1);
            if (next !== null && next !== at) {
              setCurrent(next);
              reveal(next);
            }
          });
          break;
        }
        case "e": {
          const file = current === null ? null : fileOf(proposal, current);
          if (!isReviewable(proposal) || file === null || !editable(file) || busy !== null) return;
          setEditing(current);
          break;
        }
        default:
          return;
      }
      event.preventDefault();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [proposal, current, editing, confirming, busy, decide, reveal]);

  const chooseLayout = (next: Layout) => {
    setLayout(next);
    writeItem(browserStorage(), LAYOUT_KEY, next);
  };

  const store = stores.find((s) => s.id === (proposal?.store_id ?? dream?.store_id));
  const storeName = store?.name ?? "the store";

  return (
    <section
      className="proposal-review"
      aria-labelledby="review-title"
      data-testid="proposal-review"
      data-dream-id={id}
    >
      <header className="review-head">
        <button
          type="button"
          className="button button-quiet button-small back-button"
          onClick={onBack}
          data-testid="back-to-dreams"
        >
          <BackIcon />
          Dreams
        </button>
        <div className="review-title-row">
          <h1 id="review-title">Changes to “{storeName}”</h1>
          {proposal && (
            <span data-testid="proposal-status" data-status={proposal.status}>
              <span className={`badge status-pill status-${proposalBadge(proposal.status).tone}`}>
                {proposalBadge(proposal.status).label}
              </span>
            </span>
          )}
        </div>
        {dream && (
          <p className="muted review-sub">
            Proposed by dream <span className="mono">{dream.id}</span>{" "}
            {formatRelative(dream.finished_at ?? dream.created_at, Date.now())} after reading{" "}
            {sessionCount(dream.sessions.length)} · <span className="mono">{dream.model}</span> ·{" "}
            {formatCost(dream.cost_usd)}
          </p>
        )}
        {dream && dream.instructions !== "" && (
          <p className="review-instructions selectable">
            <span className="muted">Your instructions:</span> “{dream.instructions}”
          </p>
        )}
      </header>

      {loadError && <LoadError error={loadError} onRetry={() => setAttempt((n) => n + 1)} />}
      {proposal === null && !loadError && (
        <p className="muted loading-line">
          <Spinner /> Loading the proposal…
        </p>
      )}

      {proposal && (
        <Review
          proposal={proposal}
          storeName={storeName}
          layout={layout}
          current={current}
          editing={editing}
          busy={busy}
          confirming={confirming}
          report={report}
          actionError={actionError}
          sessions={sessions}
          onLayout={chooseLayout}
          hunkRef={(hunkId, element) => {
            if (element) hunks.current.set(hunkId, element);
            else hunks.current.delete(hunkId);
          }}
          onSelect={setCurrent}
          onJump={(hunkId) => {
            setCurrent(hunkId);
            reveal(hunkId);
          }}
          onDecide={async (hunkId, decision, edited) => {
            setCurrent(hunkId);
            const ok = await decide([hunkId], decision, edited ?? null, hunkId);
            if (ok && edited !== undefined) setEditing(null);
          }}
          onEdit={(hunkId) => {
            setCurrent(hunkId);
            setEditing(hunkId);
          }}
          onCloseEditor={() => {
            const was = editing;
            setEditing(null);
            if (was !== null) reveal(was);
          }}
          onAll={(decision) => void decide(bulkTargets(proposal, decision), decision, null, "all")}
          onConfirm={setConfirming}
          onSettle={(kind) => void settle(kind)}
        />
      )}
    </section>
  );
}

interface ReviewProps {
  proposal: Proposal;
  storeName: string;
  layout: Layout;
  current: string | null;
  editing: string | null;
  busy: Busy;
  confirming: "apply" | "revert" | null;
  report: { kind: "apply" | "revert"; report: ApplyReport } | null;
  actionError: string | null;
  sessions: ReadonlyMap<string, SessionSummary> | null;
  onLayout(layout: Layout): void;
  hunkRef(id: string, element: HTMLDivElement | null): void;
  onSelect(id: string): void;
  onJump(id: string): void;
  onDecide(id: string, decision: ReviewDecision, edited?: string): void;
  onEdit(id: string): void;
  onCloseEditor(): void;
  onAll(decision: "accepted" | "rejected"): void;
  onConfirm(what: "apply" | "revert" | null): void;
  onSettle(kind: "apply" | "revert"): void;
}

function Review(props: ReviewProps) {
  const { proposal, layout, busy, confirming, report, actionError } = props;
  const counts = proposalCounts(proposal);
  const reviewable = isReviewable(proposal);
  const files = proposal.files.length;

  return (
    <>
      <div className="review-bar" data-testid="review-bar">
        <div className="review-counts">
          <strong>
            {changeCount(counts.total)} in {files === 1 ? "1 file" : `${files} files`}
          </strong>
          <DecisionSummary counts={counts} />
        </div>
        {counts.total > 0 && (
          <div className="segmented review-layout" role="group" aria-label="Show the diff">
            <button
              type="button"
              className="segment"
              aria-pressed={layout === "unified"}
              onClick={() => props.onLayout("unified")}
              data-testid="layout-unified"
            >
              Unified
            </button>
            <button
              type="button"
              className="segment"
              aria-pressed={layout === "split"}
              onClick={() => props.onLayout("split")}
              data-testid="layout-split"
            >
              Side by side
            </button>
          </div>
        )}
        <div className="row-actions review-actions">
          {reviewable && (
            <>
              <button
                type="button"
                className="button button-small"
                onClick={() => props.onAll("accepted")}
                disabled={busy !== null || counts.accepted === counts.total}
                data-testid="proposal-accept-all"
              >
                {busy === "all" && <Spinner />}
                Accept all
              </button>
              <button
                type="button"
                className="button button-small"
                onClick={() => props.onAll("rejected")}
                disabled={busy !== null || counts.rejected === counts.total}
                data-testid="proposal-reject-all"
              >
                Reject all
              </button>
              <button
                type="button"
                className="button button-small button-primary"
                onClick={() => props.onConfirm("apply")}
                disabled={busy !== null || confirming !== null}
                data-testid="proposal-apply"
              >
                Apply…
              </button>
            </>
          )}
          {proposal.status === "applied" && (
            <button
              type="button"
              className="button button-small"
              onClick={() => props.onConfirm("revert")}
              disabled={busy !== null || confirming !== null}
              data-testid="proposal-revert"
            >
              Revert…
            </button>
          )}
        </div>
        {reviewable && counts.total > 0 && (
          <p
            className="key-legend small"
            data-testid="key-legend"
            aria-label="Keys: j or down arrow next change, k or up arrow previous, a accept, r reject, e edit, u undo"
          >
            <span>
              <kbd>j</kbd> <kbd>↓</kbd> next
            </span>
            <span>
              <kbd>k</kbd> <kbd>↑</kbd> previous
            </span>
            <span>
              <kbd>a</kbd> accept
            </span>
            <span>
              <kbd>r</kbd> reject
            </span>
            <span>
              <kbd>e</kbd> edit
            </span>
            <span>
              <kbd>u</kbd> undo
            </span>
          </p>
        )}
      </div>

      {confirming === "apply" && (
        <ApplyConfirm
          proposal={proposal}
          busy={busy === "apply"}
          onApply={() => props.onSettle("apply")}
          onCancel={() => props.onConfirm(null)}
        />
      )}
      {confirming === "revert" && (
        <div
          className="confirm review-confirm"
          role="group"
          aria-label="Revert the proposal"
          data-testid="proposal-revert-confirm-strip"
        >
          <span className="confirm-text">
            Revert these changes? Each file the dream wrote gets a new version, by you, restoring what it held before. A
            file changed since keeps its newer text and is listed.
          </span>
          <div className="row-actions">
            <button
              type="button"
              className="button button-danger"
              onClick={() => props.onSettle("revert")}
              disabled={busy !== null}
              data-testid="proposal-revert-confirm"
            >
              {busy === "revert" && <Spinner />}
              Revert
            </button>
            <button
              type="button"
              className="button button-quiet"
              onClick={() => props.onConfirm(null)}
              disabled={busy !== null}
            >
              Cancel
            </button>
          </div>
        </div>
      )}
      {actionError && (
        <p className="result result-error" role="alert" data-testid="proposal-error">
          {actionError}
        </p>
      )}
      {report && <ReportPanel kind={report.kind} report={report.report} proposal={proposal} onJump={props.onJump} />}

      {files > 0 && <FileList {...props} />}

      {proposal.dropped.length > 0 && (
        <section className="review-dropped" aria-labelledby="dropped-title" data-testid="proposal-dropped">
          <h2 id="dropped-title" className="panel-title">
            Left out <span className="muted panel-count">{proposal.dropped.length}</span>
          </h2>
          <p className="muted small">
            The dream proposed these too. Reverie left them out, for the reason given; they can't be applied.
          </p>
          <ul className="dropped-list">
            {proposal.dropped.map((note, i) => (
              <li key={i} className="selectable" data-testid="proposal-dropped-note">
                {note}
              </li>
            ))}
          </ul>
        </section>
      )}

      {files === 0 && (
        <div className="empty-panel" data-testid="proposal-empty">
          <h2>Nothing to change</h2>
          <p>The dream read its sessions and found nothing the store doesn't already say.</p>
        </div>
      )}

      {proposal.files.map((file) => (
        <ProposalFile
          key={file.path}
          file={file}
          storeId={proposal.store_id}
          layout={layout}
          reviewable={reviewable}
          current={props.current}
          editing={props.editing}
          busy={busy}
          sessions={props.sessions}
          hunkRef={props.hunkRef}
          onSelect={props.onSelect}
          onDecide={props.onDecide}
          onEdit={props.onEdit}
          onCloseEditor={props.onCloseEditor}
        />
      ))}
    </>
  );
}

/** Every file of the proposal at a glance; a click goes to its first change. */
function FileList({ proposal, onJump }: ReviewProps) {
  return (
    <nav className="card review-files" aria-label="Files changed" data-testid="proposal-files">
      <h2 className="panel-title">Files changed</h2>
      <ul>
        {proposal.files.map((file) => {
          const first = file.hunks[0];
          return (
            <li key={file.path}>
              <button
                type="button"
                className="review-file-row"
                onClick={() => first && onJump(first.id)}
                data-testid="proposal-file-link"
                data-path={file.path}
              >
                <FilePath file={file} />
                <span className="muted small review-file-count">{changeCount(file.hunks.length)}</span>
                <DecisionSummary counts={proposalCounts({ ...proposal, files: [file] })} />
              </button>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}

function ApplyConfirm({
  proposal,
  busy,
  onApply,
  onCancel,
}: {
  proposal: Proposal;
  busy: boolean;
  onApply(): void;
  onCancel(): void;
}) {
  const plan = applyPlan(proposal);
  const leftOut = plan.rejected + plan.pending;
  return (
    <div
      className="confirm confirm-apply review-confirm"
      role="group"
      aria-label="Apply the proposal"
      data-testid="proposal-apply-confirm-strip"
    >
      <span className="confirm-text">
        {plan.accepted === 0 ? (
          <>
            <strong>Nothing is accepted.</strong> Applying writes nothing and marks the proposal rejected.
          </>
        ) : (
          <>
            Apply <strong>{changeCount(plan.accepted)}</strong> to{" "}
            <strong>{plan.writes === 1 ? "1 file" : `${plan.writes} files`}</strong>? Each becomes a new version by this
            dream, all in one go, and Revert undoes them together.
          </>
        )}
        {leftOut > 0 && (
          <>
            {" "}
            {changeCount(leftOut)} {leftOut === 1 ? "is" : "are"} left out
            {plan.pending > 0 ? `, ${plan.pending} of them not reviewed (they count as rejected)` : ""}.
          </>
        )}
      </span>
      <div className="row-actions">
        <button
          type="button"
          className="button button-primary"
          onClick={onApply}
          disabled={busy}
          data-testid="proposal-apply-confirm"
        >
          {busy && <Spinner />}
          {plan.accepted === 0 ? "Reject the proposal" : "Apply"}
        </button>
        <button type="button" className="button button-quiet" onClick={onCancel} disabled={busy}>
          Keep reviewing
        </button>
      </div>
    </div>
  );
}

/** What Apply or Revert did: the versions written, and what conflicted. */
function ReportPanel({
  kind,
  report,
  proposal,
  onJump,
}: {
  kind: "apply" | "revert";
  report: ApplyReport;
  proposal: Proposal;
  onJump(id: string): void;
}) {
  const { navigate } = useNavigation();
  const versions = report.versions.length;
  const conflicts = report.conflicts.length;
  const written = versions === 1 ? "1 new version" : `${versions} new versions`;
  const conflicted = proposal.files.flatMap((file) =>
    file.hunks
      .filter((h) => report.conflicts.includes(h.id))
      .map((h) => ({ id: h.id, path: file.path, at: file.hunks.indexOf(h) + 1 })),
  );
  return (
    <section
      className={conflicts > 0 ? "review-report report-warn" : "review-report report-ok"}
      role="status"
      data-testid="apply-report"
      data-kind={kind}
      data-versions={versions}
      data-conflicts={conflicts}
    >
      {kind === "apply" ? (
        <p>
          {versions > 0 ? (
            <>
              <strong>Applied.</strong> {written} written to memory in one go, by dream{" "}
              <span className="mono">{proposal.dream_id}</span>.
            </>
          ) : conflicts > 0 ? (
            <strong>Nothing was written.</strong>
          ) : (
            <>
              <strong>Nothing was written.</strong> No change was accepted, so the proposal is now rejected.
            </>
          )}
        </p>
      ) : (
        <p>
          <strong>Reverted.</strong>{" "}
          {versions > 0
            ? `${written}, by you, restore what the files held before.`
            : "There was nothing left to restore."}
        </p>
      )}
      {kind === "apply" && versions > 0 && (
        <ul className="report-files">
          {appliedFiles(proposal).map((file) => (
            <li key={file.path}>
              <FilePath file={file} />
              {file.op !== "delete" && (
                <button
                  type="button"
                  className="link-button"
                  onClick={() => navigate("memory", "open-memory-file", proposal.store_id, { path: file.path })}
                  data-testid="report-open-in-memory"
                  data-path={file.path}
                >
                  Open in Memory
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      {kind === "apply" && conflicts > 0 && (
        <>
          <p>
            {conflicts === 1 ? "1 change" : `${conflicts} changes`} no longer fit: the file changed since the dream.
            Nothing was written over the newer text; both sides are shown below.
          </p>
          <ul className="report-conflicts">
            {conflicted.map((c) => (
              <li key={c.id}>
                <button
                  type="button"
                  className="link-button"
                  onClick={() => onJump(c.id)}
                  data-testid="report-conflict"
                >
                  {c.path}, change {c.at}
                </button>
              </li>
            ))}
          </ul>
        </>
      )}
      {kind === "revert" && conflicts > 0 && (
        <p>
          Left as they are, because they changed since: <span className="mono">{report.conflicts.join(", ")}</span>.
        </p>
      )}
    </section>
  );
}
