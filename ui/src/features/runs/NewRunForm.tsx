import { useEffect, useId, useRef, useState, type FormEvent } from "react";
import type { Agent, SessionSummary } from "../../bindings";
import { toAppError, useBackend } from "../../ipc";
import { describedBy, Field } from "../../shared/Field";
import { ChevronIcon, FolderIcon } from "../../shared/icons";
import { useNavigation } from "../../shared/navigation";
import {
  formatBytes,
  isRunField,
  RUN_FIELDS,
  TASK_MAX_BYTES,
  utf8Bytes,
  validateRunInput,
  type RunField,
  type RunFieldErrors,
} from "../../shared/runs";
import { Spinner } from "../../shared/Spinner";

interface NewRunFormProps {
  agents: readonly Agent[];
  /** Where the last run worked, to start from. */
  lastWorkspace: string;
  onStarted(session: SessionSummary): void;
  onCancel(): void;
}

export function NewRunForm({ agents, lastWorkspace, onStarted, onCancel }: NewRunFormProps) {
  const backend = useBackend();
  const { navigate } = useNavigation();
  const id = useId();
  const [agentId, setAgentId] = useState(agents[0]?.id ?? "");
  const [workspace, setWorkspace] = useState(lastWorkspace);
  const [task, setTask] = useState("");
  const [errors, setErrors] = useState<RunFieldErrors>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [starting, setStarting] = useState(false);
  const [browsing, setBrowsing] = useState(false);
  const controls = useRef<Partial<Record<RunField, HTMLElement | null>>>({});

  useEffect(() => {
    controls.current.task?.focus();
  }, []);

  if (agents.length === 0) {
    return (
      <div className="empty-panel" data-testid="run-needs-agent">
        <h2>Create an agent first</h2>
        <p>A run needs an agent: the instructions, model and tool permissions it works with.</p>
        <button type="button" className="button button-primary" onClick={() => navigate("agents", "new-agent")}>
          Create an agent
        </button>
      </div>
    );
  }

  const clear = (field: RunField) => setErrors((current) => ({ ...current, [field]: undefined }));

  const focusFirstError = (found: RunFieldErrors) => {
    const first = RUN_FIELDS.find((field) => found[field]);
    if (first) controls.current[first]?.focus();
  };

  const browse = async () => {
    setBrowsing(true);
    try {
      const picked = await backend.pickFolder();
      if (picked !== null) {
        setWorkspace(picked);
        clear("workspace");
      }
    } catch (error) {
      setErrors((current) => ({ ...current, workspace: toAppError(error).message }));
    } finally {
      setBrowsing(false);
    }
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (starting) return;
    setFormError(null);
    const input = { agent_id: agentId, workspace: workspace.trim(), task };
    const found = validateRunInput(input);
    setErrors(found);
    if (RUN_FIELDS.some((field) => found[field])) {
      focusFirstError(found);
      return;
    }
    setStarting(true);
    try {
      onStarted(await backend.startRun(input));
    } catch (error) {
      const appError = toAppError(error);
      if (appError.field && isRunField(appError.field)) {
        const fields = { [appError.field]: appError.message };
        setErrors(fields);
        focusFirstError(fields);
      } else {
        setFormError(appError.message);
      }
      setStarting(false);
    }
  };

  const control = (field: RunField) => ({
    ...describedBy(`${id}-${field}`, errors[field]),
    ref: (element: HTMLElement | null) => {
      controls.current[field] = element;
    },
  });

  const bytes = utf8Bytes(task);
  const agent = agents.find((a) => a.id === agentId);

  return (
    <form className="run-form card" data-testid="run-form" noValidate onSubmit={submit} aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`} className="form-title">
        New run
      </h2>
      <div className="run-form-fields">
        <Field
          label="Agent"
          id={`${id}-agent_id`}
          field="agent_id"
          error={errors.agent_id}
          hint={agent?.description || undefined}
        >
          <span className="select">
            <select
              {...control("agent_id")}
              value={agentId}
              onChange={(event) => {
                setAgentId(event.target.value);
                clear("agent_id");
              }}
              data-testid="run-agent"
            >
              {agents.map((a) => (
                <option key={a.id} value={a.id}>
                  {a.name}
                </option>
              ))}
            </select>
            <ChevronIcon />
          </span>
        </Field>

        <Field
          label="Workspace folder"
          id={`${id}-workspace`}
          field="workspace"
          error={errors.workspace}
          hint="The agent reads and writes only inside this folder."
        >
          <div className="folder-input">
            <input
              {...control("workspace")}
              type="text"
              className="mono-input"
              value={workspace}
              onChange={(event) => {
                setWorkspace(event.target.value);
                clear("workspace");
              }}
              placeholder="/home/you/projects/my-project"
              autoComplete="off"
              spellCheck={false}
              data-testid="run-workspace"
            />
            <button type="button" className="button" onClick={browse} disabled={browsing} data-testid="run-browse">
              <FolderIcon />
              Browse…
            </button>
          </div>
        </Field>

        <Field
          label="Task"
          id={`${id}-task`}
          field="task"
          error={errors.task}
          aside={bytes > TASK_MAX_BYTES / 2 ? `${formatBytes(bytes)} of ${formatBytes(TASK_MAX_BYTES)}` : undefined}
          hint="What you want done, as you would ask a colleague. Ctrl+Enter starts the run."
        >
          <textarea
            {...control("task")}
            rows={7}
            value={task}
            onChange={(event) => {
              setTask(event.target.value);
              clear("task");
            }}
            onKeyDown={(event) => {
              if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
                event.preventDefault();
                event.currentTarget.form?.requestSubmit();
              }
            }}
            placeholder="Read the notes app, find why `npm test` fails and fix it."
            data-testid="run-task"
          />
        </Field>
      </div>

      {formError && (
        <p className="form-error" role="alert" data-testid="run-form-error">
          {formError}
        </p>
      )}

      <div className="form-actions">
        <button type="submit" className="button button-primary" disabled={starting} data-testid="run-start">
          {starting && <Spinner />}
          {starting ? "Starting…" : "Start"}
        </button>
        <button type="button" className="button button-quiet" onClick={onCancel} disabled={starting}>
          Cancel
        </button>
      </div>
    </form>
  );
}
