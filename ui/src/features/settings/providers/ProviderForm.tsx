import { useEffect, useId, useRef, useState, type FormEvent, type ReactNode } from "react";
import type { Provider, ProviderInput, ProviderKind, SecretBackend } from "../../../bindings";
import { toAppError } from "../../../ipc";
import {
  KIND_ENV_VARS,
  KIND_LABELS,
  PROVIDER_FIELDS,
  PROVIDER_KINDS,
  type FieldErrors,
  type ProviderField,
} from "../../../shared/providers";
import { ChevronIcon } from "../../../shared/icons";
import { Spinner } from "../../../shared/Spinner";
import {
  changeKind,
  hasErrors,
  newProviderForm,
  placeServerError,
  providerFormFrom,
  toProviderInput,
  validateForm,
  type FormMode,
  type ProviderFormValues,
} from "./providerForm";

interface ProviderFormProps {
  mode: FormMode;
  /** The provider being edited (edit mode). */
  provider?: Provider;
  secretBackend: SecretBackend | undefined;
  /** Saves; rejects with an AppError, in which case everything typed stays in the form. */
  onSubmit(input: ProviderInput): Promise<void>;
  onCancel?: () => void;
  /** Changes when another part of the UI asks for the form to take focus. */
  focusRequest?: number;
}

function keyNote(secretBackend: SecretBackend | undefined): string {
  return secretBackend === "memory_only"
    ? "Kept in memory until Reverie quits, because this system has no keychain. Reverie never shows it again."
    : "Stored in your system keychain. Reverie never shows it again.";
}

export function ProviderForm({ mode, provider, secretBackend, onSubmit, onCancel, focusRequest }: ProviderFormProps) {
  const [values, setValues] = useState<ProviderFormValues>(() =>
    provider ? providerFormFrom(provider) : newProviderForm(),
  );
  const [errors, setErrors] = useState<FieldErrors>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const id = useId();
  const inputs = useRef<Partial<Record<ProviderField, HTMLInputElement | null>>>({});

  useEffect(() => {
    if (focusRequest === undefined) return;
    const name = inputs.current.name;
    name?.focus();
    name?.closest("form")?.scrollIntoView?.({ block: "nearest" });
  }, [focusRequest]);

  const set = <K extends keyof ProviderFormValues>(field: K, value: ProviderFormValues[K]) => {
    setValues((current) => ({ ...current, [field]: value }));
    if (field !== "kind" && field !== "remove_key") setErrors((current) => ({ ...current, [field]: undefined }));
    if (field === "remove_key") setErrors((current) => ({ ...current, api_key: undefined }));
  };

  const focusFirstError = (found: FieldErrors) => {
    const first = PROVIDER_FIELDS.find((field) => found[field]);
    if (first) inputs.current[first]?.focus();
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (saving) return;
    setFormError(null);
    const found = validateForm(values, mode);
    setErrors(found);
    if (hasErrors(found)) {
      focusFirstError(found);
      return;
    }
    setSaving(true);
    try {
      await onSubmit(toProviderInput(values, mode));
      if (mode === "add") setValues(newProviderForm(values.kind));
    } catch (error) {
      const placed = placeServerError(toAppError(error));
      setErrors(placed.fields);
      setFormError(placed.form);
      focusFirstError(placed.fields);
    } finally {
      setSaving(false);
    }
  };

  const fieldProps = (field: ProviderField) => ({
    id: `${id}-${field}`,
    ref: (element: HTMLInputElement | null) => {
      inputs.current[field] = element;
    },
    "aria-invalid": errors[field] ? true : undefined,
    "aria-describedby": `${id}-${field}-hint ${id}-${field}-error`,
  });

  const keyStored = mode === "edit" && provider?.key.configured && provider.key.source !== "environment";
  const envVar = KIND_ENV_VARS[values.kind];

  return (
    <form
      className={mode === "add" ? "provider-form card" : "provider-form"}
      data-testid="provider-form"
      data-mode={mode}
      noValidate
      onSubmit={submit}
      aria-labelledby={`${id}-title`}
    >
      <h3 id={`${id}-title`} className="form-title">
        {mode === "add" ? "Add a provider" : `Edit “${provider?.name ?? ""}”`}
      </h3>

      <div className="form-grid">
        <Field label="Kind" htmlFor={`${id}-kind`} fieldId={`${id}-kind`}>
          <span className="select">
            <select
              id={`${id}-kind`}
              value={values.kind}
              onChange={(event) => setValues((current) => changeKind(current, event.target.value as ProviderKind))}
              data-testid="provider-kind"
            >
              {PROVIDER_KINDS.map((kind) => (
                <option key={kind} value={kind}>
                  {KIND_LABELS[kind]}
                </option>
              ))}
            </select>
            <ChevronIcon />
          </span>
        </Field>

        <Field label="Name" htmlFor={`${id}-name`} fieldId={`${id}-name`} error={errors.name} field="name">
          <input
            {...fieldProps("name")}
            type="text"
            value={values.name}
            onChange={(event) => set("name", event.target.value)}
            placeholder={values.kind === "anthropic" ? "e.g. Anthropic" : "e.g. Ollama on this computer"}
            autoComplete="off"
            spellCheck={false}
            data-testid="provider-name"
          />
        </Field>

        <Field
          label="Base URL"
          htmlFor={`${id}-base_url`}
          fieldId={`${id}-base_url`}
          error={errors.base_url}
          field="base_url"
          hint={
            values.kind === "openai_compatible"
              ? "For a local server, for example http://localhost:11434/v1 (Ollama)."
              : undefined
          }
        >
          <input
            {...fieldProps("base_url")}
            type="url"
            inputMode="url"
            value={values.base_url}
            onChange={(event) => set("base_url", event.target.value)}
            autoComplete="off"
            spellCheck={false}
            data-testid="provider-base-url"
          />
        </Field>

        <Field label="Model" htmlFor={`${id}-model`} fieldId={`${id}-model`} error={errors.model} field="model">
          <input
            {...fieldProps("model")}
            type="text"
            value={values.model}
            onChange={(event) => set("model", event.target.value)}
            autoComplete="off"
            spellCheck={false}
            data-testid="provider-model"
          />
        </Field>

        <Field
          label="API key"
          htmlFor={`${id}-api_key`}
          fieldId={`${id}-api_key`}
          error={errors.api_key}
          field="api_key"
          hint={
            <>
              {keyNote(secretBackend)}{" "}
              {mode === "add" &&
                (values.kind === "openai_compatible"
                  ? `Leave it empty for local servers that need no key, or to use ${envVar}.`
                  : `Leave it empty to use ${envVar} from the environment.`)}
            </>
          }
        >
          <input
            {...fieldProps("api_key")}
            type="password"
            value={values.api_key}
            onChange={(event) => set("api_key", event.target.value)}
            placeholder={keyStored ? "Leave empty to keep the stored key" : "Paste your API key"}
            disabled={values.remove_key}
            autoComplete="new-password"
            spellCheck={false}
            data-testid="provider-key"
          />
        </Field>

        {keyStored && (
          <label className="checkbox">
            <input
              type="checkbox"
              checked={values.remove_key}
              onChange={(event) => set("remove_key", event.target.checked)}
              data-testid="provider-remove-key"
            />
            Remove stored key
          </label>
        )}
      </div>

      {formError && (
        <p className="form-error" role="alert" data-testid="provider-form-error">
          {formError}
        </p>
      )}

      <div className="form-actions">
        <button type="submit" className="button button-primary" disabled={saving} data-testid="provider-save">
          {saving && <Spinner />}
          {saving ? "Saving…" : mode === "add" ? "Add provider" : "Save changes"}
        </button>
        {onCancel && (
          <button type="button" className="button button-quiet" onClick={onCancel} disabled={saving}>
            Cancel
          </button>
        )}
      </div>
    </form>
  );
}

interface FieldProps {
  label: string;
  htmlFor: string;
  fieldId: string;
  field?: ProviderField;
  error?: string | undefined;
  hint?: ReactNode;
  children: ReactNode;
}

function Field({ label, htmlFor, fieldId, field, error, hint, children }: FieldProps) {
  return (
    <div className={error ? "field has-error" : "field"}>
      <label htmlFor={htmlFor}>{label}</label>
      {children}
      {hint && (
        <p className="field-hint" id={`${fieldId}-hint`}>
          {hint}
        </p>
      )}
      {error && field && (
        <p className="field-error" id={`${fieldId}-error`} data-testid={`field-error-${field}`}>
          {error}
        </p>
      )}
    </div>
  );
}
