import { useState } from "react";
import { toAppError, useBackend } from "../../../ipc";
import { useAppStatus } from "../../../shared/appStatus";
import { Spinner } from "../../../shared/Spinner";
import { updateMessage, type UpdateMessage } from "./updateMessage";

export const INSTALL_NOTE = "Reverie restarts after installing. On Linux you may be asked for your password.";

/** Where an install stands: the core restarts Reverie once it has installed, so "restarting" is final. */
type Install =
  { state: "idle" } | { state: "installing" } | { state: "restarting" } | { state: "failed"; message: string };

export function UpdatesSection() {
  const backend = useBackend();
  const { status } = useAppStatus();
  const [checking, setChecking] = useState(false);
  const [result, setResult] = useState<UpdateMessage | null>(null);
  // Only an `available` answer means the core holds a downloaded, verified package to install.
  const [installable, setInstallable] = useState(false);
  const [install, setInstall] = useState<Install>({ state: "idle" });
  const busyInstalling = install.state === "installing" || install.state === "restarting";

  const check = async () => {
    setChecking(true);
    setInstallable(false);
    setInstall({ state: "idle" });
    try {
      const update = await backend.checkForUpdates();
      setResult(updateMessage(update));
      setInstallable(update.type === "available");
    } catch (error) {
      setResult({ tone: "error", text: toAppError(error).message });
    } finally {
      setChecking(false);
    }
  };

  const installUpdate = async () => {
    setInstall({ state: "installing" });
    try {
      await backend.installUpdate();
      // The core restarts Reverie; keep the button disabled until it does.
      setInstall({ state: "restarting" });
    } catch (error) {
      setInstall({ state: "failed", message: toAppError(error).message });
    }
  };

  return (
    <section className="settings-section" aria-labelledby="updates-title">
      <h2 id="updates-title">Updates</h2>
      <div className="card">
        <div className="update-row">
          <p className="update-version">
            {status ? (
              <>
                You have Reverie <strong>{status.version}</strong>.
              </>
            ) : (
              "Reverie"
            )}
          </p>
          <button
            type="button"
            className="button"
            onClick={check}
            disabled={checking || busyInstalling}
            data-testid="check-updates"
          >
            {checking && <Spinner />}
            {checking ? "Checking…" : "Check for updates"}
          </button>
        </div>
        <div aria-live="polite">
          {result && !checking && (
            <div className={`result result-${result.tone}`} data-testid="update-status" data-tone={result.tone}>
              <p>{result.text}</p>
              {result.notes && <p className="release-notes">{result.notes}</p>}
            </div>
          )}
        </div>
        {installable && !checking && (
          <div className="update-install">
            <div className="update-install-action">
              <button
                type="button"
                className="button button-primary"
                onClick={installUpdate}
                disabled={busyInstalling}
                data-testid="install-update"
              >
                {busyInstalling && <Spinner />}
                {install.state === "restarting"
                  ? "Restarting…"
                  : install.state === "installing"
                    ? "Installing…"
                    : "Install and restart"}
              </button>
              <p className="muted small">{INSTALL_NOTE}</p>
            </div>
            {install.state === "failed" && (
              <p className="result result-error" role="alert" data-testid="install-error">
                {install.message}
              </p>
            )}
          </div>
        )}
      </div>
    </section>
  );
}
