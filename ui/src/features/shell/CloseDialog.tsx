import { useEffect, useRef, useState } from "react";
import type { CloseChoice, CloseRequest } from "../../bindings";
import { useBackend } from "../../ipc";
import { Spinner } from "../../shared/Spinner";

/** "2 runs and a dream", "A run": what is still working. */
export function workSummary({ runs, dreams }: CloseRequest): string {
  const count = (n: number, one: string, many: string) => (n === 0 ? null : n === 1 ? one : `${n} ${many}`);
  const parts = [count(runs, "a run", "runs"), count(dreams, "a dream", "dreams")].filter(
    (p): p is string => p !== null,
  );
  const text = parts.join(" and ");
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * Close requests from the shell: the one being asked (or null), and what ends it. Focus goes
 * back, when it ends, to where it was when the request came (the page is inert meanwhile).
 */
export function useCloseRequest(): [CloseRequest | null, () => void] {
  const backend = useBackend();
  const [request, setRequest] = useState<CloseRequest | null>(null);
  const returnTo = useRef<Element | null>(null);
  useEffect(() => {
    let stop: (() => void) | null = null;
    let gone = false;
    void backend
      .watchCloseRequests((next) => {
        returnTo.current ??= document.activeElement;
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
    if (request !== null) return;
    const back = returnTo.current;
    returnTo.current = null;
    if (back instanceof HTMLElement && back.isConnected) back.focus();
  }, [request]);
  return [request, () => setRequest(null)];
}

/**
 * Asked when the window is closed while runs or dreams are working: keep working in the
 * background (the window hides; the tray icon brings it back), or stop the work and quit.
 *
 * Modal without the browser's top layer (WebDriver can't reach a `showModal()` dialog in
 * WebKitGTK): the page behind is made `inert` by the shell while `request` is set, focus moves
 * to the safe choice, and Escape (or Cancel) keeps the window.
 */
export function CloseDialog({ request, onDone }: { request: CloseRequest | null; onDone: () => void }) {
  const backend = useBackend();
  const [answering, setAnswering] = useState<CloseChoice | null>(null);
  const [error, setError] = useState<string | null>(null);
  const safeChoice = useRef<HTMLButtonElement>(null);
  const open = request !== null;

  // Focus moves to the safe choice (`useCloseRequest` brings it back).
  useEffect(() => {
    if (!open) return;
    setError(null);
    safeChoice.current?.focus();
  }, [open]);

  useEffect(() => {
    if (!open) return;
    const onKey = (event: KeyboardEvent) => {
      if (event.key === "Escape" && answering === null) {
        event.preventDefault();
        onDone();
      }
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, [open, answering, onDone]);

  const dismiss = () => {
    if (answering === null) onDone();
  };

  const answer = async (choice: CloseChoice) => {
    setAnswering(choice);
    setError(null);
    try {
      await backend.answerCloseRequest(choice);
      onDone();
    } catch (e) {
      setError((e as { message?: string }).message ?? "Reverie couldn't do that.");
    } finally {
      setAnswering(null);
    }
  };

  const working = request ? workSummary(request) : "";
  const plural = request !== null && request.runs + request.dreams > 1;
  return (
    <>
      {open && <div className="close-backdrop" aria-hidden="true" />}
      <dialog
        open={open}
        className="close-dialog"
        aria-modal="true"
        aria-labelledby="close-dialog-title"
        aria-describedby="close-dialog-detail"
        data-testid="close-dialog"
      >
        {request && (
          <>
            <h2 id="close-dialog-title" className="close-dialog-title">
              {working} {plural ? "are" : "is"} still working
            </h2>
            <p id="close-dialog-detail" className="close-dialog-detail">
              {request.can_hide
                ? "Keep working in the background: the window closes, the work goes on, and Reverie's icon in the tray brings the window back. "
                : "This desktop shows no tray icon to come back from, so the work can't go on with the window closed. "}
              Stop and quit ends the work now: each run is recorded as stopped when Reverie quit, and you can continue
              it later.
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
                ref={request.can_hide ? undefined : safeChoice}
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
    </>
  );
}
