import type { AppError } from "../bindings";

/** Why a page's data did not load, with a way to ask again. */
export function LoadError({ error, onRetry }: { error: AppError; onRetry(): void }) {
  return (
    <div className="inline-error" role="alert">
      <span>{error.message}</span>
      <button type="button" className="button button-small" onClick={onRetry}>
        Try again
      </button>
    </div>
  );
}
