import type { TokenUsage } from "../bindings";

// What a run costs in the in-memory backend, priced like the core's prices.json.

export const ZERO_USAGE: TokenUsage = {
  input_tokens: 0,
  output_tokens: 0,
  cache_read_tokens: 0,
  cache_write_tokens: 0,
};

/** Dollars per million tokens (input, output, cache read, cache write), by model prefix. */
const PRICES: Array<[string, [number, number, number, number]]> = [
  ["claude-opus", [15, 75, 1.5, 18.75]],
  ["claude-sonnet", [3, 15, 0.3, 3.75]],
  ["claude-haiku", [0.8, 4, 0.08, 1]],
  ["gpt-4o-mini", [0.15, 0.6, 0.075, 0]],
  ["gpt-4o", [2.5, 10, 1.25, 0]],
];

export function cost(model: string, usage: TokenUsage): number | undefined {
  const price = PRICES.find(([prefix]) => model.startsWith(prefix))?.[1];
  if (!price) return undefined;
  const [input, output, read, write] = price;
  return (
    (usage.input_tokens * input +
      usage.output_tokens * output +
      usage.cache_read_tokens * read +
      usage.cache_write_tokens * write) /
    1_000_000
  );
}
