import { useEffect, useRef, useState } from "react";
import type { Agent, Dream, DreamMode } from "../../bindings";
import { useBackend } from "../../ipc";
import { Field } from "../../shared/Field";
import { useNavigation } from "../../shared/navigation";
import { Spinner } from "../../shared/Spinner";
import { useForm } from "../../shared/useForm";
import { MODE_LABELS, newSessionCount, sessionCount } from "./format";
import { pickProblem, SessionPicker } from "./SessionPicker";
import { LIMITS } from "../../bindings/api/limits";

export const INSTRUCTIONS_MAX_CHARS = LIMITS.dream.instructionsMaxChars;

type DreamField = "instructions" | "model" | "sessions";
const FIELDS: readonly DreamField[] = ["instructions", "model", "sessions"];

interface DreamNowFormProps {
  storeId: string;
  /** The agents that mount the store; "Choose sessions…" lists their finished sessions. */
  agents: readonly Agent[];
  /** The sessions it will read unless others are picked: those no dream has read yet. */
  sessions: readonly string[];
  defaultMode: DreamMode;
  /** The model used when none is typed (the first mounting agent's). */
  defaultModel: string;
  onStarted(dream: Dream): void;
  /** The core found nothing new after all (another dream read it): the count is stale. */
  onNothingNew(): void;
  onCancel(): void;
}

/** "Dream now": the new sessions or ones picked by hand, optional instructions, review or apply at once, and a model. */
export function DreamNowForm({
  storeId,
  agents,
  sessions,
  defaultMode,
  defaultModel,
  onStarted,
  onNothingNew,
  onCancel,
}: DreamNowFormProps) {
  const backend = useBackend();
  const { navigate } = useNavigation();
  const [choosing, setChoosing] = useState(false);
  const [picked, setPicked] = useState<ReadonlySet<string>>(new Set());
  /** Bumped when the core refused a pick, to list the sessions again. */
  const [reload, setReload] = useState(0);
  // The list is the place for a sessions error only while it is shown; otherwise the error
  // ("nothing new") goes above the buttons.
  const isDreamField = (name: string): name is DreamField =>
    (FIELDS as readonly string[]).includes(name) && (name !== "sessions" || choosing);
  const form = useForm(FIELDS, isDreamField);
  const [instructions, setInstructions] = useState("");
  const [mode, setMode] = useState<DreamMode>(defaultMode);
  const [model, setModel] = useState("");
  /** The core named the provider: a key or an agent is missing, which Settings or Agents fix. */
  const [providerProblem, setProviderProblem] = useState(false);
  const first = useRef<HTMLTextAreaElement | null>(null);
  const length = [...instructions].length;

  useEffect(() => {
    first.current?.focus();
  }, []);

  const tooMany = choosing ? pickProblem(picked.size) : undefined;
  const submit = form.submit(
    () => ({
      instructions:
        length > INSTRUCTIONS_MAX_CHARS
          ? `The instructions are ${length.toLocaleString("en-US")} characters; a dream takes at most ${INSTRUCTIONS_MAX_CHARS.toLocaleString("en-US")}.`
          : undefined,
      sessions: tooMany,
    }),
    async () => {
      setProviderProblem(false);
      try {
        const dream = await backend.startDream({
          store_id: storeId,
          sessions: choosing ? [...picked] : [],
          instructions,
          mode,
          ...(model.trim() === "" ? {} : { model: model.trim() }),
        });
        onStarted(dream);
      } catch (error) {
        const field = (error as { field?: string }).field;
        if (field === "provider_id") setProviderProblem(true);
        if (field === "sessions") {
          if (choosing) setReload((n) => n + 1);
          else onNothingNew();
        }
        throw error;
      }
    },
  );

  const instructionsControl = form.control("instructions");
  const sessionsControl = form.control("sessions");
  return (
    <form className="dream-form" onSubmit={submit} noValidate aria-label="Dream now" data-testid="dream-form">
      <Field
        id={`${form.id}-instructions`}
        field="instructions"
        label="Instructions"
        aside={`Optional · ${length.toLocaleString("en-US")} / ${INSTRUCTIONS_MAX_CHARS.toLocaleString("en-US")}`}
        error={form.errors.instructions}
        hint="What to look for, or what to leave alone. The dream reads them with every session."
      >
        <textarea
          {...instructionsControl}
          ref={(element) => {
            instructionsControl.ref(element);
            first.current = element;
          }}
          rows={3}
          value={instructions}
          onChange={(event) => {
            setInstructions(event.target.value);
            form.clear("instructions");
          }}
          placeholder="For example: focus on how the tests are run; leave the storage notes alone."
          data-testid="dream-instructions"
        />
      </Field>
      <div className="dream-form-row">
        <fieldset className="dream-mode">
          <legend>When it ends</legend>
          <div className="segmented" role="radiogroup" aria-label="When it ends">
            {(["review", "auto"] as const).map((value) => (
              <label key={value} className={mode === value ? "segment selected" : "segment"}>
                <input
                  type="radio"
                  name={`${form.id}-mode`}
                  value={value}
                  checked={mode === value}
                  onChange={() => setMode(value)}
                  data-testid={`dream-mode-${value}`}
                />
                {MODE_LABELS[value]}
              </label>
            ))}
          </div>
          <p className="field-hint">
            {mode === "review"
              ? "You accept or reject each change before anything is written."
              : "Every change is written at once, as one revertible set."}
          </p>
        </fieldset>
        <Field
          id={`${form.id}-model`}
          field="model"
          label="Model"
          aside="Optional"
          error={form.errors.model}
          hint="Empty: the model of the agent that mounts the store."
        >
          <input
            {...form.control("model")}
            value={model}
            onChange={(event) => {
              setModel(event.target.value);
              form.clear("model");
            }}
            placeholder={defaultModel}
            spellCheck={false}
            autoComplete="off"
            className="mono-input"
            data-testid="dream-model"
          />
        </Field>
      </div>
      <fieldset className="dream-sessions">
        <legend>Sessions</legend>
        <label className="checkbox">
          <input
            type="checkbox"
            checked={choosing}
            onChange={(event) => {
              setChoosing(event.target.checked);
              form.clear("sessions");
            }}
            data-testid="dream-pick-sessions"
          />
          Choose sessions…
        </label>
        {choosing ? (
          <SessionPicker
            agents={agents}
            fresh={sessions}
            picked={picked}
            onPick={setPicked}
            onToggle={() => form.clear("sessions")}
            reload={reload}
            id={sessionsControl.id}
            error={form.errors.sessions ?? (picked.size > 0 ? tooMany : undefined)}
            listRef={sessionsControl.ref}
          />
        ) : (
          <p className="field-hint">
            It reads the {newSessionCount(sessions.length)}: every finished session of the agents that mount the store
            since its last dream. Choose to read others again, or fewer.
          </p>
        )}
      </fieldset>
      {form.formError && (
        <div className="form-error dream-form-error" role="alert" data-testid="dream-start-error">
          <span>{form.formError}</span>
          {providerProblem && (
            <button type="button" className="button button-small" onClick={() => navigate("settings")}>
              Open Settings
            </button>
          )}
        </div>
      )}
      <div className="form-actions">
        <button type="submit" className="button button-primary" disabled={form.busy} data-testid="dream-start">
          {form.busy && <Spinner />}
          Start dreaming
        </button>
        <button type="button" className="button button-quiet" onClick={onCancel} disabled={form.busy}>
          Cancel
        </button>
        <span className="muted small dream-form-note" data-testid="dream-form-note">
          It will read {choosing ? `${sessionCount(picked.size)} picked` : sessionCount(sessions.length)}.
        </span>
      </div>
    </form>
  );
}
