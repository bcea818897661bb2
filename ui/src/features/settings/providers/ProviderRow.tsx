import { useState } from "react";
import type { AppError, ConnectionReport, Provider, ProviderInput, SecretBackend } from "../../../bindings";
import { toAppError, useBackend } from "../../../ipc";
import { ConfirmDelete } from "../../../shared/ConfirmDelete";
import { KeyBadge } from "../../../shared/KeyBadge";
import { KIND_LABELS } from "../../../shared/providers";
import { Spinner } from "../../../shared/Spinner";
import { useDelete } from "../../../shared/useDelete";
import { ProviderForm } from "./ProviderForm";

interface ProviderRowProps {
  provider: Provider;
  editing: boolean;
  secretBackend: SecretBackend | undefined;
  onEdit(): void;
  onCancelEdit(): void;
  onSave(input: ProviderInput): Promise<void>;
  onDeleted(): void;
}

type TestState =
  | { state: "idle" }
  | { state: "testing" }
  | { state: "done"; report: ConnectionReport }
  | { state: "error"; error: AppError };

export function ProviderRow({
  provider,
  editing,
  secretBackend,
  onEdit,
  onCancelEdit,
  onSave,
  onDeleted,
}: ProviderRowProps) {
  const backend = useBackend();
  const [test, setTest] = useState<TestState>({ state: "idle" });
  const deletion = useDelete(() => backend.deleteProvider(provider.id), onDeleted);

  const runTest = async () => {
    setTest({ state: "testing" });
    try {
      setTest({ state: "done", report: await backend.testProvider(provider.id) });
    } catch (error) {
      setTest({ state: "error", error: toAppError(error) });
    }
  };

  if (editing) {
    return (
      <li className="provider-row editing" data-testid="provider-row" data-provider-name={provider.name}>
        <ProviderForm
          mode="edit"
          provider={provider}
          secretBackend={secretBackend}
          onSubmit={async (input) => {
            await onSave(input);
            setTest({ state: "idle" }); // an old result may no longer hold
          }}
          onCancel={onCancelEdit}
          focusRequest={0}
        />
      </li>
    );
  }

  return (
    <li className="provider-row" data-testid="provider-row" data-provider-name={provider.name}>
      <div className="provider-head">
        <div className="provider-title">
          <span className="provider-name">{provider.name}</span>
          <span className="kind-label">{KIND_LABELS[provider.kind]}</span>
        </div>
        <KeyBadge provider={provider} />
      </div>

      <dl className="provider-details">
        <dt>Base URL</dt>
        <dd className="mono">{provider.base_url}</dd>
        <dt>Model</dt>
        <dd className="mono">{provider.model}</dd>
      </dl>

      {!deletion.confirming && (
        <div className="row-actions">
          <button
            type="button"
            className="button"
            onClick={runTest}
            disabled={test.state === "testing"}
            data-testid="test-connection"
          >
            {test.state === "testing" && <Spinner />}
            {test.state === "testing" ? "Testing…" : "Test connection"}
          </button>
          <button type="button" className="button" onClick={onEdit} data-testid="edit-provider">
            Edit
          </button>
          <button
            type="button"
            className="button button-quiet danger-text"
            onClick={deletion.ask}
            data-testid="delete-provider"
          >
            Delete
          </button>
        </div>
      )}
      <ConfirmDelete name={provider.name} deletion={deletion}>
        Delete “{provider.name}”?{" "}
        {provider.key.configured && provider.key.source !== "environment"
          ? "Its stored API key is removed too."
          : "This can't be undone."}
      </ConfirmDelete>
      <ConnectionResult test={test} />
    </li>
  );
}

function ConnectionResult({ test }: { test: TestState }) {
  if (test.state === "done") {
    const { ok, message, latency_ms } = test.report;
    return (
      <p className={ok ? "result result-ok" : "result result-error"} role="status" data-testid="connection-result">
        <span className="result-icon" aria-hidden="true">
          {ok ? "✓" : "✗"}
        </span>
        <span className="result-text">{message}</span>
        {ok && <span className="result-latency">{latency_ms} ms</span>}
      </p>
    );
  }
  if (test.state === "error") {
    return (
      <p className="result result-error" role="status" data-testid="connection-result">
        <span className="result-icon" aria-hidden="true">
          ✗
        </span>
        <span>{test.error.message}</span>
      </p>
    );
  }
  return null;
}
