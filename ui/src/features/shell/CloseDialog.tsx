import { useEffect, useRef, useState } from "react";
import type { CloseChoice, CloseRequest } from "../../bindings";
import { useBackend } from "../../ipc";
import { Spinner } from "../../shared/Spinner";

/** "2 runs and a dream", "A run": what is still working. */
export function workSummary({ runs, dreams }: CloseRequest): string {
  const count = (n: number, one: string, many: string) => (n === 0 ? null : n === 1 ? one : `${n} ${many}`);
  const parts = [count(runs, "a run", "runs"), count(dreams, "a dream", "dreams")].filter((p): p is string => p !== null);
  const text = parts.join(" and ");
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * Asked when the window is closed while runs or dreams are working: keep working in the
 * background (the window hides; the tray icon brings it back), or stop the work and quit.
 * A modal `<dialog>`: focus moves into it and stays there, Escape (or Cancel) keeps the window.
 */
export function CloseDialog() {
  const backend = useBackend();
  const [request, setRequest] = useState<CloseRequest | null>(null);
  const [answering, setAnswering] = useState<CloseChoice | null>(null);
  const [error, setError] = useState<string | null>(null);
  const dialog = useRef<HTMLDialogElement>(null);

  useEffect(() => {
    let stop: (() => void) | null = null;
    let gone = false;
    void backend
      .watchCloseRequests((next) => {
        setError(null);
        setRequest(next);
      })
      .then((unwatch) => {
        if (gone) unwatch();
        else stop = unwatch;
      })
      .catch(() => {});
    return () => {
      gone = true;
      stop?.();
    };
  }, [backend]);

  useEffect(() => {
    const element = dialog.current;
    if (!element) return;
    if (request && !element.open) element.showModal();
    if (!request && element.open) element.close();
  }, [request]);

  const dismiss = () => {
    if (answering === null) setRequest(null);
  };

  const answer = async (choice: CloseChoice) => {
    setAnswering(choice);
    setError(null);
    try {
      await backend.answerCloseRequest(choice);
      setRequest(null);
    } catch (e) {
      setError((e as { message?: string }).message ?? "Reverie couldn't do that.");
    } finally {
      setAnswering(null);
    }
  };

  const working = request ? workSummary(request) : "";
  const plural = request !== null && request.runs + request.dreams > 1;
  return (
    <dialog
      ref={dialog}
      className="close-dialog"
      aria-labelledby="close-dialog-title"
      aria-describedby="close-dialog-detail"
      data-testid="close-dialog"
      // Escape keeps the window, whether the engine sends it as a key or as the dialog's cancel.
      onKeyDown={(event) => {
        if (event.key === "Escape") {
          event.preventDefault();
          dismiss();
        }
      }}
      onCancel={(event) => {
        event.preventDefault();
        dismiss();
      }}
    >
      {request && (
        <>
          <h2 id="close-dialog-title" className="close-dialog-title">
            {working} {plural ? "are" : "is"} still working
          </h2>
          <p id="close-dialog-detail" className="close-dialog-detail">
            {request.can_hide
              ? "Keep working in the background and Reverie closes its window but goes on; its icon in the tray brings the window back. "
              : "This desktop shows no tray icon to come back from, so the work can't go on with the window closed. "}
            Stop and quit ends the work now: each run is recorded as stopped when Reverie quit, and you can continue it later.
          </p>
          {error && (
            <p className="result result-error" role="alert">
              {error}
            </p>
          )}
          <div className="close-dialog-actions">
            {request.can_hide && (
              <button
                type="button"
                className="button button-primary"
                autoFocus
                disabled={answering !== null}
                onClick={() => void answer("background")}
                data-testid="close-background"
              >
                {answering === "background" && <Spinner />}
                Keep working in the background
              </button>
            )}
            <button
              type="button"
              className="button button-danger"
              disabled={answering !== null}
              onClick={() => void answer("quit")}
              data-testid="close-quit"
            >
              {answering === "quit" && <Spinner />}
              Stop and quit
            </button>
            <button
              type="button"
              className="button button-quiet"
              autoFocus={!request.can_hide}
              disabled={answering !== null}
              onClick={dismiss}
              data-testid="close-cancel"
            >
              Cancel
            </button>
          </div>
        </>
      )}
    </dialog>
  );
}
