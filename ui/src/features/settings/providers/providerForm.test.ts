import { describe, expect, it } from "vitest";
import type { AppError, Provider } from "../../../bindings";
import { isProviderField } from "../../../shared/providers";
import { placeError } from "../../../shared/useForm";
import { changeKind, newProviderForm, providerFormFrom, toProviderInput, validateForm } from "./providerForm";

const placeServerError = (error: AppError) => placeError(error, isProviderField);

describe("changeKind", () => {
  it("fills in the new kind's defaults when the user left them alone", () => {
    const form = changeKind({ ...newProviderForm("anthropic"), name: "Mine" }, "openai_compatible");
    expect(form).toMatchObject({
      kind: "openai_compatible",
      name: "Mine",
      base_url: "https://api.openai.com/v1",
      model: "gpt-4o-mini",
    });
    expect(changeKind(form, "anthropic")).toMatchObject({
      base_url: "https://api.anthropic.com",
      model: "claude-sonnet-4-5",
    });
  });

  it("keeps what the user typed", () => {
    const typed = { ...newProviderForm("anthropic"), base_url: "http://localhost:11434/v1" };
    const form = changeKind(typed, "openai_compatible");
    expect(form.base_url).toBe("http://localhost:11434/v1");
    expect(form.model).toBe("gpt-4o-mini"); // untouched, so it follows the kind
  });

  it("treats an emptied field as untouched", () => {
    const form = changeKind({ ...newProviderForm("anthropic"), model: "" }, "openai_compatible");
    expect(form.model).toBe("gpt-4o-mini");
  });
});

describe("toProviderInput", () => {
  const typed = {
    ...newProviderForm("anthropic"),
    name: "  Work  ",
    base_url: " https://api.anthropic.com ",
    api_key: " sk-1 ",
  };

  it("trims what is sent and sends a key only when one was typed", () => {
    expect(toProviderInput(typed, "add")).toEqual({
      name: "Work",
      kind: "anthropic",
      base_url: "https://api.anthropic.com",
      model: "claude-sonnet-4-5",
      api_key: "sk-1",
    });
    expect("api_key" in toProviderInput({ ...typed, api_key: "  " }, "add")).toBe(false);
  });

  it("on edit, leaves the key out to keep it and sends an empty key to remove it", () => {
    expect("api_key" in toProviderInput({ ...typed, api_key: "" }, "edit")).toBe(false);
    expect(toProviderInput({ ...typed, api_key: "", remove_key: true }, "edit").api_key).toBe("");
    expect(toProviderInput({ ...typed, remove_key: true }, "edit").api_key).toBe("");
    expect(toProviderInput(typed, "edit").api_key).toBe("sk-1");
  });

  it("ignores the remove checkbox when adding", () => {
    expect(toProviderInput({ ...typed, remove_key: true }, "add").api_key).toBe("sk-1");
  });
});

describe("providerFormFrom", () => {
  it("starts an edit from the stored values with an empty key", () => {
    const provider: Provider = {
      id: "prv_1",
      name: "Ollama",
      kind: "openai_compatible",
      base_url: "http://localhost:11434/v1",
      model: "llama3.1",
      key: { configured: true, source: "keychain" },
      created_at: 0,
      updated_at: 0,
    };
    expect(providerFormFrom(provider)).toEqual({
      kind: "openai_compatible",
      name: "Ollama",
      base_url: "http://localhost:11434/v1",
      model: "llama3.1",
      api_key: "",
      remove_key: false,
    });
  });
});

describe("validateForm", () => {
  it("checks the trimmed values", () => {
    expect(validateForm({ ...newProviderForm(), name: "  " }, "add").name).toBeDefined();
    expect(validateForm({ ...newProviderForm(), name: "ok" }, "add")).toEqual({});
  });
});

describe("placeError with the provider fields", () => {
  it("puts an error that names a field under that field", () => {
    expect(placeServerError({ code: "conflict", field: "name", message: "Taken." })).toEqual({
      fields: { name: "Taken." },
      form: null,
    });
    expect(placeServerError({ code: "invalid_input", field: "api_key", message: "Bad key." }).fields).toEqual({
      api_key: "Bad key.",
    });
  });

  it("shows other errors for the whole form", () => {
    expect(placeServerError({ code: "keychain", message: "The keychain is locked." })).toEqual({
      fields: {},
      form: "The keychain is locked.",
    });
    expect(placeServerError({ code: "invalid_input", field: "kind", message: "Unknown kind." }).form).toBe(
      "Unknown kind.",
    );
  });
});
