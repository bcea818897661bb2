import { useState } from "react";
import { toAppError } from "../ipc";

/** A delete that asks first: the state of a row's "Delete" and its confirmation. */
export interface Deletion {
  confirming: boolean;
  deleting: boolean;
  /** Why the last attempt failed; stays until the next attempt. */
  error: string | null;
  ask(): void;
  cancel(): void;
  confirm(): Promise<void>;
}

export function useDelete(remove: () => Promise<void>, onDeleted: () => void): Deletion {
  const [confirming, setConfirming] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const confirm = async () => {
    setDeleting(true);
    setError(null);
    try {
      await remove();
      onDeleted();
    } catch (err) {
      setError(toAppError(err).message);
      setDeleting(false);
    }
  };

  return {
    confirming,
    deleting,
    error,
    ask: () => setConfirming(true),
    cancel: () => setConfirming(false),
    confirm,
  };
}
