import type { ReactNode } from "react";

interface FieldProps {
  label: ReactNode;
  /** The id of the control, which `aria-describedby` ids derive from. */
  id: string;
  /** The core's name of the field: errors carry `data-testid="field-error-<field>"`. */
  field: string;
  error?: string | undefined;
  hint?: ReactNode;
  /** Shown at the right of the label (a counter, "Optional"). */
  aside?: ReactNode;
  className?: string | undefined;
  children: ReactNode;
}

/** A labelled control with its hint and, under it, the error about it. */
export function Field({ label, id, field, error, hint, aside, className, children }: FieldProps) {
  const classes = ["field", error ? "has-error" : "", className ?? ""].filter(Boolean).join(" ");
  return (
    <div className={classes}>
      <div className="field-label-row">
        <label htmlFor={id}>{label}</label>
        {aside && <span className="field-hint">{aside}</span>}
      </div>
      {children}
      {hint && (
        <p className="field-hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
      {error && (
        <p className="field-error" id={`${id}-error`} data-testid={`field-error-${field}`}>
          {error}
        </p>
      )}
    </div>
  );
}

/** The props that tie a control to its hint and error. */
export function describedBy(id: string, error: string | undefined) {
  return {
    id,
    "aria-invalid": error ? true : undefined,
    "aria-describedby": `${id}-hint ${id}-error`,
  } as const;
}
