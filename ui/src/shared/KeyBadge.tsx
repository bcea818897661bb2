import type { Provider } from "../bindings";
import { keyStatusLabel } from "./providers";

/**
 * "Key configured · keychain" / "No key". A missing key is only a warning for Anthropic:
 * OpenAI-compatible local servers (Ollama, LM Studio…) need none.
 */
export function KeyBadge({ provider }: { provider: Provider }) {
  const { key } = provider;
  const tone = key.configured ? "badge-ok" : provider.kind === "anthropic" ? "badge-warn" : "badge-neutral";
  return (
    <span className={`badge ${tone}`} data-testid="key-status">
      {keyStatusLabel(key)}
    </span>
  );
}
