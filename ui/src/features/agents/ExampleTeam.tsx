import { useId, useState } from "react";
import type { Agent, Provider } from "../../bindings";
import { toAppError, useBackend } from "../../ipc";
import { ChevronIcon } from "../../shared/icons";
import { Spinner } from "../../shared/Spinner";

/*
 * "Add example team": a coordinator with a researcher, a writer and a reviewer, made by the core
 * on the provider chosen (asked only when there are several).
 */

export interface ExampleTeamState {
  busy: boolean;
  error: string | null;
  /** Whether the provider is being chosen. */
  choosing: boolean;
  /** The button's action: create at once with the only provider, or ask which one. */
  start(): void;
  create(providerId: string): Promise<void>;
  cancel(): void;
}

export function useExampleTeam(
  providers: readonly Provider[] | null,
  onCreated: (team: Agent[]) => void,
): ExampleTeamState {
  const backend = useBackend();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [choosing, setChoosing] = useState(false);

  const create = async (providerId: string) => {
    setBusy(true);
    setError(null);
    try {
      onCreated(await backend.createExampleTeam(providerId));
      setChoosing(false);
    } catch (err) {
      setError(toAppError(err).message);
    } finally {
      setBusy(false);
    }
  };

  return {
    busy,
    error,
    choosing,
    start: () => {
      setError(null);
      if (providers && providers.length > 1) setChoosing(true);
      else if (providers?.[0]) void create(providers[0].id);
    },
    create,
    cancel: () => {
      setChoosing(false);
      setError(null);
    },
  };
}

export function ExampleTeamButton({ providers, team }: { providers: readonly Provider[]; team: ExampleTeamState }) {
  const id = useId();
  const none = providers.length === 0;
  return (
    <div className="example-team">
      <button
        type="button"
        className="button"
        onClick={team.start}
        disabled={none || team.busy || team.choosing}
        aria-describedby={none ? `${id}-hint` : undefined}
        title="A coordinator that delegates to a researcher, a writer and a reviewer"
        data-testid="example-team"
      >
        {team.busy && !team.choosing && <Spinner />}
        Add example team
      </button>
      {none && (
        <p className="field-hint example-team-hint" id={`${id}-hint`} data-testid="example-team-hint">
          Needs a model provider first.
        </p>
      )}
      {team.error && !team.choosing && (
        <p className="field-error example-team-error" role="alert" data-testid="example-team-error">
          {team.error}
        </p>
      )}
    </div>
  );
}

export function ExampleTeamChooser({ providers, team }: { providers: readonly Provider[]; team: ExampleTeamState }) {
  const id = useId();
  const [providerId, setProviderId] = useState(providers[0]?.id ?? "");
  return (
    <form
      className="example-team-chooser card"
      aria-labelledby={`${id}-title`}
      onSubmit={(event) => {
        event.preventDefault();
        void team.create(providerId);
      }}
    >
      <div className="example-team-text">
        <h2 id={`${id}-title`} className="example-team-title">
          Add the example team
        </h2>
        <p className="muted small">
          A coordinator that splits a task among a researcher, a writer and a reviewer. All four use the provider you
          choose; you can change each of them afterwards.
        </p>
      </div>
      <div className="field example-team-field">
        <label htmlFor={`${id}-provider`}>Model provider</label>
        <span className="select">
          <select
            id={`${id}-provider`}
            value={providerId}
            onChange={(event) => setProviderId(event.target.value)}
            data-testid="example-team-provider"
          >
            {providers.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
              </option>
            ))}
          </select>
          <ChevronIcon />
        </span>
      </div>
      <div className="row-actions example-team-actions">
        <button type="submit" className="button button-primary" disabled={team.busy} data-testid="example-team-create">
          {team.busy && <Spinner />}
          Add team
        </button>
        <button type="button" className="button button-quiet" onClick={team.cancel} disabled={team.busy}>
          Cancel
        </button>
      </div>
      {team.error && (
        <p className="field-error example-team-error" role="alert" data-testid="example-team-error">
          {team.error}
        </p>
      )}
    </form>
  );
}
