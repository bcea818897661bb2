import { useCallback, useId, useRef, useState, type FormEvent } from "react";
import type { AppError } from "../bindings";
import { toAppError } from "../ipc";
import { describedBy } from "./Field";

export type FieldErrors<F extends string> = { [K in F]?: string | undefined };

/** Where to show an error from the core: under its field when it names one, else above the buttons. */
export function placeError<F extends string>(
  error: AppError,
  isField: (name: string) => name is F,
): { fields: FieldErrors<F>; form: string | null } {
  if (error.field && isField(error.field)) {
    return { fields: { [error.field]: error.message } as FieldErrors<F>, form: null };
  }
  return { fields: {}, form: error.message };
}

/**
 * The error handling every form shares: errors under their fields or above the buttons, focus on
 * the first field in error (in the order of `fields`), and one submit at a time.
 */
export function useForm<F extends string>(fields: readonly F[], isField: (name: string) => name is F) {
  const id = useId();
  const [errors, setErrors] = useState<FieldErrors<F>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const controls = useRef<Partial<Record<F, HTMLElement | null>>>({});

  const focusFirstError = (found: FieldErrors<F>) => {
    const first = fields.find((field) => found[field]);
    if (first) controls.current[first]?.focus();
  };

  const setError = (field: F, message: string | undefined) =>
    setErrors((current) => ({ ...current, [field]: message }));

  /** The props that give a field's control its id, its hint and error, and its place in `controls`. */
  const control = (field: F) => ({
    ...describedBy(`${id}-${field}`, errors[field]),
    ref: (element: HTMLElement | null) => {
      controls.current[field] = element;
    },
  });

  /** A submit handler: `validate` first, then `save`, which rejects with an AppError to keep the form open. */
  const submit = (validate: () => FieldErrors<F>, save: () => Promise<void>) => async (event: FormEvent) => {
    event.preventDefault();
    if (busy) return;
    setFormError(null);
    const found = validate();
    setErrors(found);
    if (fields.some((field) => found[field])) {
      focusFirstError(found);
      return;
    }
    setBusy(true);
    try {
      await save();
    } catch (error) {
      const placed = placeError(toAppError(error), isField);
      setErrors(placed.fields);
      setFormError(placed.form);
      focusFirstError(placed.fields);
    } finally {
      setBusy(false);
    }
  };

  const clear = (field: F) => setError(field, undefined);

  /** Focuses a field's control, and with `scroll` brings its form into view; the same function every render. */
  const focusField = useCallback((field: F, scroll = false) => {
    const element = controls.current[field];
    element?.focus();
    if (scroll) element?.closest("form")?.scrollIntoView?.({ block: "nearest" });
  }, []);

  return { id, errors, formError, busy, controls, setError, clear, control, submit, focusField };
}
