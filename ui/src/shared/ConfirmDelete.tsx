import type { ReactNode } from "react";
import { Spinner } from "./Spinner";
import type { Deletion } from "./useDelete";

interface ConfirmDeleteProps {
  /** What is deleted, for the group's accessible name. */
  name: string;
  deletion: Deletion;
  /** The question, with what deleting it means. */
  children: ReactNode;
}

/** The "Delete …? [Delete] [Cancel]" strip while confirming, and the error if the delete failed. */
export function ConfirmDelete({ name, deletion, children }: ConfirmDeleteProps) {
  const { confirming, deleting, error, confirm, cancel } = deletion;
  return (
    <>
      {confirming && (
        <div className="confirm" role="group" aria-label={`Delete ${name}`}>
          <span className="confirm-text">{children}</span>
          <div className="row-actions">
            <button
              type="button"
              className="button button-danger"
              onClick={confirm}
              disabled={deleting}
              data-testid="confirm-delete"
            >
              {deleting && <Spinner />}
              Delete
            </button>
            <button type="button" className="button button-quiet" onClick={cancel} disabled={deleting}>
              Cancel
            </button>
          </div>
        </div>
      )}
      {error && (
        <p className="result result-error" role="alert">
          {error}
        </p>
      )}
    </>
  );
}
