import { useEffect, useState } from "react";
import type { Criterion, RubricCheck } from "../../bindings";
import { toAppError, useBackend } from "../../ipc";

/** How long typing must pause before the core parses the text again. */
export const CHECK_DELAY_MS = 150;

export interface CheckedText {
  /** The text the answer is about (the editor may have moved on). */
  source: string;
  check: RubricCheck;
}

export interface RubricCheckState {
  /** The latest answer, or null before the first. */
  answer: CheckedText | null;
  /** The criteria of the last text that parsed without a problem. */
  lastGood: Criterion[] | null;
  /** Why the core could not be asked (not a problem of the rubric). */
  error: string | null;
}

/**
 * Parses `text` as a rubric in the core, once typing pauses: the criteria for the preview and
 * every problem with its line. `known` is an answer already at hand (a saved version's criteria).
 */
export function useRubricCheck(text: string, known: CheckedText | null): RubricCheckState {
  const backend = useBackend();
  const [answer, setAnswer] = useState<CheckedText | null>(known);
  const [lastGood, setLastGood] = useState<Criterion[] | null>(
    known && known.check.problems.length === 0 ? known.check.criteria : null,
  );
  const [error, setError] = useState<string | null>(null);

  const answered = answer?.source;
  useEffect(() => {
    if (answered === text) return;
    let live = true;
    const timer = setTimeout(() => {
      backend.checkRubric(text).then(
        (check) => {
          if (!live) return;
          setAnswer({ source: text, check });
          setError(null);
          if (check.problems.length === 0) setLastGood(check.criteria);
        },
        (err: unknown) => live && setError(toAppError(err).message),
      );
    }, CHECK_DELAY_MS);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [backend, text, answered]);

  return { answer, lastGood, error };
}
