import { describe, expect, it } from "vitest";
import type { ProviderInput } from "../bindings";
import { hasErrors, isHttpUrl, keyStatusLabel, validateProviderInput } from "./providers";

const valid: ProviderInput = {
  name: "Anthropic",
  kind: "anthropic",
  base_url: "https://api.anthropic.com",
  model: "claude-sonnet-4-5",
};

describe("validateProviderInput", () => {
  it("accepts a complete provider", () => {
    expect(validateProviderInput(valid)).toEqual({});
    expect(hasErrors(validateProviderInput(valid))).toBe(false);
  });

  it("requires a name that is not only spaces", () => {
    expect(validateProviderInput({ ...valid, name: "   " }).name).toBe("Enter a name for this provider.");
  });

  it("allows 80 characters of name, counted as characters, and no more", () => {
    expect(validateProviderInput({ ...valid, name: "a".repeat(80) }).name).toBeUndefined();
    expect(validateProviderInput({ ...valid, name: "é".repeat(80) }).name).toBeUndefined();
    expect(validateProviderInput({ ...valid, name: "🌙".repeat(80) }).name).toBeUndefined();
    expect(validateProviderInput({ ...valid, name: "a".repeat(81) }).name).toMatch(/at most 80 characters/);
    // Surrounding spaces are trimmed before counting, as the core does.
    expect(validateProviderInput({ ...valid, name: `  ${"a".repeat(80)}  ` }).name).toBeUndefined();
  });

  it("requires an http(s) base URL with a host", () => {
    expect(validateProviderInput({ ...valid, base_url: "" }).base_url).toBe("Enter the base URL of the API.");
    for (const bad of ["api.anthropic.com", "ftp://example.com", "http://", "file:///etc/passwd", "not a url"]) {
      expect(validateProviderInput({ ...valid, base_url: bad }).base_url, bad).toMatch(/http:\/\/ or https:\/\//);
    }
    for (const good of ["http://localhost:11434/v1", "https://api.openai.com/v1", " https://x.y "]) {
      expect(validateProviderInput({ ...valid, base_url: good }).base_url, good).toBeUndefined();
    }
  });

  it("requires a model", () => {
    expect(validateProviderInput({ ...valid, model: " " }).model).toBe("Enter the model to use.");
  });

  it("reports every broken field at once", () => {
    const errors = validateProviderInput({ ...valid, name: "", base_url: "x", model: "" });
    expect(Object.keys(errors).sort()).toEqual(["base_url", "model", "name"]);
  });
});

describe("isHttpUrl", () => {
  it("needs a scheme of http or https", () => {
    expect(isHttpUrl("https://a")).toBe(true);
    expect(isHttpUrl("mailto:a@b.c")).toBe(false);
  });
});

describe("keyStatusLabel", () => {
  it("says where a configured key comes from", () => {
    expect(keyStatusLabel({ configured: true, source: "keychain" })).toBe("Key configured · keychain");
    expect(keyStatusLabel({ configured: true, source: "memory" })).toBe("Key configured · memory only");
    expect(keyStatusLabel({ configured: true, source: "environment" })).toBe("Key configured · from environment");
    expect(keyStatusLabel({ configured: false, source: "none" })).toBe("No key");
  });
});
