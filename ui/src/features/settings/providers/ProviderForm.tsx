import { useEffect, useState } from "react";
import type { Provider, ProviderInput, ProviderKind, SecretBackend } from "../../../bindings";
import { Field } from "../../../shared/Field";
import { FormFooter } from "../../../shared/FormFooter";
import { ChevronIcon } from "../../../shared/icons";
import {
  isProviderField,
  KIND_ENV_VARS,
  KIND_LABELS,
  PROVIDER_FIELDS,
  PROVIDER_KINDS,
} from "../../../shared/providers";
import { useForm } from "../../../shared/useForm";
import {
  changeKind,
  newProviderForm,
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
  const form = useForm(PROVIDER_FIELDS, isProviderField);
  const { id, errors, control, clear, focusField } = form;

  useEffect(() => {
    if (focusRequest !== undefined) focusField("name", true);
  }, [focusRequest, focusField]);

  const set = <K extends keyof ProviderFormValues>(field: K, value: ProviderFormValues[K]) => {
    setValues((current) => ({ ...current, [field]: value }));
    if (field === "remove_key") clear("api_key");
    else if (isProviderField(field)) clear(field);
  };

  const submit = form.submit(
    () => validateForm(values, mode),
    async () => {
      await onSubmit(toProviderInput(values, mode));
      if (mode === "add") setValues(newProviderForm(values.kind));
    },
  );

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
        <Field label="Kind" id={`${id}-kind`} field="kind">
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

        <Field label="Name" id={`${id}-name`} error={errors.name} field="name">
          <input
            {...control("name")}
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
          id={`${id}-base_url`}
          error={errors.base_url}
          field="base_url"
          hint={
            values.kind === "openai_compatible"
              ? "For a local server, for example http://localhost:11434/v1 (Ollama)."
              : undefined
          }
        >
          <input
            {...control("base_url")}
            type="url"
            inputMode="url"
            value={values.base_url}
            onChange={(event) => set("base_url", event.target.value)}
            autoComplete="off"
            spellCheck={false}
            data-testid="provider-base-url"
          />
        </Field>

        <Field label="Model" id={`${id}-model`} error={errors.model} field="model">
          <input
            {...control("model")}
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
          id={`${id}-api_key`}
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
            {...control("api_key")}
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

      <FormFooter
        error={form.formError}
        errorTestId="provider-form-error"
        busy={form.busy}
        label={mode === "add" ? "Add provider" : "Save changes"}
        busyLabel="Saving…"
        submitTestId="provider-save"
        onCancel={onCancel}
      />
    </form>
  );
}
