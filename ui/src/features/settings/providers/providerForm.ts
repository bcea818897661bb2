import type { Provider, ProviderInput, ProviderKind } from "../../../bindings";
import { KIND_DEFAULTS, validateProviderInput, type FieldErrors } from "../../../shared/providers";

/** What the provider form holds: exactly what the user typed, never normalised. */
export interface ProviderFormValues {
  kind: ProviderKind;
  name: string;
  base_url: string;
  model: string;
  /** A new key; empty means "no key" when adding and "keep the stored key" when editing. */
  api_key: string;
  /** Edit only: remove the stored key. */
  remove_key: boolean;
}

export type FormMode = "add" | "edit";

export function newProviderForm(kind: ProviderKind = "anthropic"): ProviderFormValues {
  return { kind, name: "", ...KIND_DEFAULTS[kind], api_key: "", remove_key: false };
}

export function providerFormFrom(provider: Provider): ProviderFormValues {
  return {
    kind: provider.kind,
    name: provider.name,
    base_url: provider.base_url,
    model: provider.model,
    api_key: "",
    remove_key: false,
  };
}

/**
 * Switch the kind. The base URL and model follow the new kind's defaults unless the user
 * changed them (a value that is empty or still the old kind's default counts as unchanged).
 */
export function changeKind(values: ProviderFormValues, kind: ProviderKind): ProviderFormValues {
  const before = KIND_DEFAULTS[values.kind];
  const after = KIND_DEFAULTS[kind];
  const untouched = (value: string, old: string) => value.trim() === "" || value.trim() === old;
  return {
    ...values,
    kind,
    base_url: untouched(values.base_url, before.base_url) ? after.base_url : values.base_url,
    model: untouched(values.model, before.model) ? after.model : values.model,
  };
}

export function toProviderInput(values: ProviderFormValues, mode: FormMode): ProviderInput {
  const input: ProviderInput = {
    name: values.name.trim(),
    kind: values.kind,
    base_url: values.base_url.trim(),
    model: values.model.trim(),
  };
  const key = values.api_key.trim();
  if (mode === "edit" && values.remove_key) {
    input.api_key = ""; // removes the stored key
  } else if (key !== "") {
    input.api_key = key;
  } // else: absent = no key (add) or keep the stored key (edit)
  return input;
}

export function validateForm(values: ProviderFormValues, mode: FormMode): FieldErrors {
  return validateProviderInput(toProviderInput(values, mode));
}
