import type { SecretBackend } from "../../../bindings";
import { useAppStatus } from "../../../shared/appStatus";

export const SECRET_BACKEND_WORDS: Record<SecretBackend, { name: string; detail: string }> = {
  secret_service: {
    name: "System keychain",
    detail: "API keys are kept in your desktop keychain (Secret Service) and survive restarts.",
  },
  kernel_keyring: {
    name: "Linux kernel keyring",
    detail: "API keys are kept in the kernel keyring until you restart your computer.",
  },
  memory_only: {
    name: "Memory only",
    detail: "No keychain is available, so API keys are forgotten when Reverie quits.",
  },
};

export function StorageSection() {
  const { status } = useAppStatus();
  return (
    <section className="settings-section" aria-labelledby="storage-title">
      <h2 id="storage-title">Storage</h2>
      <div className="card">
        {status ? (
          <dl className="storage-list">
            <dt>Data folder</dt>
            <dd className="mono selectable" data-testid="data-dir">
              {status.data_dir}
            </dd>
            <dt>Log folder</dt>
            <dd className="mono selectable" data-testid="log-dir">
              {status.log_dir}
            </dd>
            <dt>API keys</dt>
            <dd data-testid="secret-backend">
              <strong>{SECRET_BACKEND_WORDS[status.secret_backend].name}.</strong>{" "}
              {SECRET_BACKEND_WORDS[status.secret_backend].detail}
            </dd>
          </dl>
        ) : (
          <p className="muted">Not known yet.</p>
        )}
      </div>
    </section>
  );
}
