import type { KeyStatus, ProviderInput, ProviderKind } from "../bindings";
import { LIMITS } from "../bindings/api/limits";

/** The fields of a provider the user types; the keys match `AppError.field` from the server. */
export type ProviderField = "name" | "base_url" | "model" | "api_key";
export type FieldErrors = { [K in ProviderField]?: string | undefined };

export const PROVIDER_FIELDS: readonly ProviderField[] = ["name", "base_url", "model", "api_key"];

export function isProviderField(value: string): value is ProviderField {
  return (PROVIDER_FIELDS as readonly string[]).includes(value);
}

export const NAME_MAX_CHARS = LIMITS.provider.nameMaxChars;

export const PROVIDER_KINDS: readonly ProviderKind[] = ["anthropic", "openai_compatible"];

export const KIND_LABELS: Record<ProviderKind, string> = {
  anthropic: "Anthropic",
  openai_compatible: "OpenAI-compatible",
};

export const KIND_DEFAULTS: Record<ProviderKind, { base_url: string; model: string }> = {
  anthropic: { base_url: "https://api.anthropic.com", model: "claude-sonnet-4-5" },
  openai_compatible: { base_url: "https://api.openai.com/v1", model: "gpt-4o-mini" },
};

/** The environment variable the core falls back to when no key is stored. */
export const KIND_ENV_VARS: Record<ProviderKind, string> = {
  anthropic: "ANTHROPIC_API_KEY",
  openai_compatible: "OPENAI_API_KEY",
};

/** Length in characters (code points), as the Rust core counts them. */
function charCount(value: string): number {
  return [...value].length;
}

export function isHttpUrl(value: string): boolean {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    return false;
  }
  return (url.protocol === "http:" || url.protocol === "https:") && url.hostname !== "";
}

/**
 * The rules the core applies to a provider, checked before sending so the user gets
 * an answer at once. Uniqueness of the name needs the stored list and is left to the core.
 */
export function validateProviderInput(input: ProviderInput): FieldErrors {
  const errors: FieldErrors = {};
  const name = input.name.trim();
  if (name === "") {
    errors.name = "Enter a name for this provider.";
  } else if (charCount(name) > NAME_MAX_CHARS) {
    errors.name = `Use at most ${NAME_MAX_CHARS} characters for the name.`;
  }
  if (input.base_url.trim() === "") {
    errors.base_url = "Enter the base URL of the API.";
  } else if (!isHttpUrl(input.base_url)) {
    errors.base_url = "Enter a full http:// or https:// URL, for example https://api.anthropic.com.";
  }
  if (input.model.trim() === "") {
    errors.model = "Enter the model to use.";
  }
  return errors;
}

export function hasErrors(errors: FieldErrors): boolean {
  return Object.values(errors).some((message) => message !== undefined);
}

/** "Key configured · keychain" or "No key": what the key badge says. */
export function keyStatusLabel(key: KeyStatus): string {
  if (!key.configured) return "No key";
  switch (key.source) {
    case "keychain":
      return "Key configured · keychain";
    case "memory":
      return "Key configured · memory only";
    case "environment":
      return "Key configured · from environment";
    case "none":
      return "Key configured";
  }
}
