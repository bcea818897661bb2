import { useState } from "react";
import { toAppError, useBackend } from "../../../ipc";
import { useAppStatus } from "../../../shared/appStatus";
import { Spinner } from "../../../shared/Spinner";
import { updateMessage, type UpdateMessage } from "./updateMessage";

export function UpdatesSection() {
  const backend = useBackend();
  const { status } = useAppStatus();
  const [checking, setChecking] = useState(false);
  const [result, setResult] = useState<UpdateMessage | null>(null);

  const check = async () => {
    setChecking(true);
    try {
      setResult(updateMessage(await backend.checkForUpdates()));
    } catch (error) {
      setResult({ tone: "error", text: toAppError(error).message });
    } finally {
      setChecking(false);
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
          <button type="button" className="button" onClick={check} disabled={checking} data-testid="check-updates">
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
      </div>
    </section>
  );
}
