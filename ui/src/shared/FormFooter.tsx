import { Spinner } from "./Spinner";

interface FormFooterProps {
  /** An error about no one field, shown above the buttons. */
  error: string | null;
  errorTestId: string;
  busy: boolean;
  label: string;
  /** The submit button's label while `busy` ("Saving…"). */
  busyLabel: string;
  submitTestId: string;
  onCancel?: (() => void) | undefined;
}

/** The end of a form: its error, the submit button and, when there is somewhere to go back to, Cancel. */
export function FormFooter({ error, errorTestId, busy, label, busyLabel, submitTestId, onCancel }: FormFooterProps) {
  return (
    <>
      {error && (
        <p className="form-error" role="alert" data-testid={errorTestId}>
          {error}
        </p>
      )}

      <div className="form-actions">
        <button type="submit" className="button button-primary" disabled={busy} data-testid={submitTestId}>
          {busy && <Spinner />}
          {busy ? busyLabel : label}
        </button>
        {onCancel && (
          <button type="button" className="button button-quiet" onClick={onCancel} disabled={busy}>
            Cancel
          </button>
        )}
      </div>
    </>
  );
}
