import { useState } from "react";
import type { DreamMode, DreamSettings } from "../../bindings";
import { useBackend } from "../../ipc";
import { Spinner } from "../../shared/Spinner";
import { useForm } from "../../shared/useForm";
import { MODE_LABELS } from "./format";

type SettingsField = "daily_at" | "cron" | "after_sessions";
const FIELDS: readonly SettingsField[] = ["daily_at", "cron", "after_sessions"];
const isSettingsField = (name: string): name is SettingsField => (FIELDS as readonly string[]).includes(name);

const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;

interface DreamSettingsFormProps {
  storeId: string;
  settings: DreamSettings;
  onSaved(settings: DreamSettings): void;
  onCancel(): void;
}

/** When a store dreams on its own (a daily time, a cron schedule, after N new sessions) and whether it asks first. */
export function DreamSettingsForm({ storeId, settings, onSaved, onCancel }: DreamSettingsFormProps) {
  const backend = useBackend();
  const form = useForm(FIELDS, isSettingsField);
  const [mode, setMode] = useState<DreamMode>(settings.mode);
  const [daily, setDaily] = useState(settings.daily_at !== undefined);
  const [at, setAt] = useState(settings.daily_at ?? "03:00");
  const [byCron, setByCron] = useState(settings.cron !== undefined);
  const [cron, setCron] = useState(settings.cron ?? "");
  const [after, setAfter] = useState(settings.after_sessions !== undefined);
  const [count, setCount] = useState(String(settings.after_sessions ?? 10));

  const submit = form.submit(
    () => ({
      daily_at: daily && !TIME.test(at) ? `“${at}” is not a time of day; write it as HH:MM, like 03:30.` : undefined,
      // The core reads the expression; only an empty one is caught here.
      cron:
        byCron && cron.trim() === ""
          ? "Write a cron schedule: minute hour day month weekday, like 30 3 * * 1-5."
          : undefined,
      after_sessions:
        after && !/^\d+$/.test(count.trim()) ? "Write a whole number of sessions, from 1 to 1,000." : undefined,
    }),
    async () => {
      const next: DreamSettings = { mode };
      if (daily) next.daily_at = at;
      if (byCron) next.cron = cron.trim();
      if (after) next.after_sessions = Number(count.trim());
      onSaved(await backend.setDreamSettings(storeId, next));
    },
  );

  const dailyControl = form.control("daily_at");
  const cronControl = form.control("cron");
  const afterControl = form.control("after_sessions");
  return (
    <form
      className="dream-settings"
      onSubmit={submit}
      noValidate
      aria-label="When this store dreams"
      data-testid="dream-settings"
    >
      <fieldset className="dream-mode">
        <legend>When a dream ends</legend>
        <div className="segmented" role="radiogroup" aria-label="When a dream ends">
          {(["review", "auto"] as const).map((value) => (
            <label key={value} className={mode === value ? "segment selected" : "segment"}>
              <input
                type="radio"
                name={`${form.id}-mode`}
                value={value}
                checked={mode === value}
                onChange={() => setMode(value)}
                data-testid={`dream-settings-mode-${value}`}
              />
              {MODE_LABELS[value]}
            </label>
          ))}
        </div>
        <p className="field-hint">
          {mode === "review"
            ? "Its proposal waits here for you; the Dreams entry in the sidebar counts the ones waiting."
            : "Its changes are written at once as one set, which you can still revert here."}
        </p>
      </fieldset>

      <fieldset className="dream-when">
        <legend>Dream on its own</legend>
        <div className={form.errors.daily_at ? "dream-when-row has-error" : "dream-when-row"}>
          <label className="checkbox">
            <input
              type="checkbox"
              checked={daily}
              onChange={(event) => setDaily(event.target.checked)}
              data-testid="dream-daily"
            />
            Every day at
          </label>
          <input
            {...dailyControl}
            type="time"
            value={at}
            disabled={!daily}
            onChange={(event) => {
              setAt(event.target.value);
              form.clear("daily_at");
            }}
            aria-label="Time of day"
            data-testid="dream-daily-at"
          />
          <span className="muted small">your time zone</span>
        </div>
        {form.errors.daily_at && (
          <p className="field-error" id={`${dailyControl.id}-error`} data-testid="field-error-daily_at">
            {form.errors.daily_at}
          </p>
        )}
        <div className={form.errors.cron ? "dream-when-row has-error" : "dream-when-row"}>
          <label className="checkbox">
            <input
              type="checkbox"
              checked={byCron}
              onChange={(event) => setByCron(event.target.checked)}
              data-testid="dream-cron-on"
            />
            On a cron schedule
          </label>
          <input
            {...cronControl}
            type="text"
            value={cron}
            disabled={!byCron}
            onChange={(event) => {
              setCron(event.target.value);
              form.clear("cron");
            }}
            aria-label="Cron schedule"
            placeholder="30 3 * * 1-5"
            spellCheck={false}
            autoComplete="off"
            className="mono-input dream-cron-input"
            data-testid="dream-cron"
          />
          <span className="muted small">your time zone</span>
        </div>
        <p className="field-hint dream-cron-hint" id={`${cronControl.id}-hint`}>
          Minute, hour, day, month, weekday (Sunday is 0 or 7): <code>30 3 * * 1-5</code> is 03:30 on weekdays.
        </p>
        {form.errors.cron && (
          <p className="field-error" id={`${cronControl.id}-error`} data-testid="field-error-cron">
            {form.errors.cron}
          </p>
        )}
        <div className={form.errors.after_sessions ? "dream-when-row has-error" : "dream-when-row"}>
          <label className="checkbox">
            <input
              type="checkbox"
              checked={after}
              onChange={(event) => setAfter(event.target.checked)}
              data-testid="dream-after"
            />
            After
          </label>
          <input
            {...afterControl}
            type="number"
            inputMode="numeric"
            min={1}
            max={1000}
            value={count}
            disabled={!after}
            onChange={(event) => {
              setCount(event.target.value);
              form.clear("after_sessions");
            }}
            aria-label="Number of new sessions"
            className="dream-count-input"
            data-testid="dream-after-sessions"
          />
          <span>new sessions</span>
        </div>
        {form.errors.after_sessions && (
          <p className="field-error" id={`${afterControl.id}-error`} data-testid="field-error-after_sessions">
            {form.errors.after_sessions}
          </p>
        )}
        <p className="field-hint dream-tray-note" id={`${dailyControl.id}-hint`}>
          With a schedule, closing the window keeps Reverie running in the system tray, so the dreams still happen. Quit
          it from the tray.
        </p>
      </fieldset>

      {form.formError && (
        <p className="form-error" role="alert">
          {form.formError}
        </p>
      )}
      <div className="form-actions">
        <button type="submit" className="button button-primary" disabled={form.busy} data-testid="dream-settings-save">
          {form.busy && <Spinner />}
          Save
        </button>
        <button type="button" className="button button-quiet" onClick={onCancel} disabled={form.busy}>
          Cancel
        </button>
      </div>
    </form>
  );
}
