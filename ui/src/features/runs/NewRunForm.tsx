import { useEffect, useState } from "react";
import type { Agent, SessionSummary } from "../../bindings";
import { toAppError, useBackend } from "../../ipc";
import { Field } from "../../shared/Field";
import { FormFooter } from "../../shared/FormFooter";
import { ChevronIcon, FolderIcon } from "../../shared/icons";
import { useNavigation } from "../../shared/navigation";
import { formatBytes, isRunField, RUN_FIELDS, TASK_MAX_BYTES, utf8Bytes, validateRunInput } from "../../shared/runs";
import { useForm } from "../../shared/useForm";

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
  const [agentId, setAgentId] = useState(agents[0]?.id ?? "");
  const [workspace, setWorkspace] = useState(lastWorkspace);
  const [task, setTask] = useState("");
  const [browsing, setBrowsing] = useState(false);
  const form = useForm(RUN_FIELDS, isRunField);
  const { id, errors, control, clear } = form;

  useEffect(() => {
    form.controls.current.task?.focus();
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

  const browse = async () => {
    setBrowsing(true);
    try {
      const picked = await backend.pickFolder();
      if (picked !== null) {
        setWorkspace(picked);
        clear("workspace");
      }
    } catch (error) {
      form.setError("workspace", toAppError(error).message);
    } finally {
      setBrowsing(false);
    }
  };

  const input = { agent_id: agentId, workspace: workspace.trim(), task };
  const submit = form.submit(
    () => validateRunInput(input),
    async () => onStarted(await backend.startRun(input)),
  );

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

      <FormFooter
        error={form.formError}
        errorTestId="run-form-error"
        busy={form.busy}
        label="Start"
        busyLabel="Starting…"
        submitTestId="run-start"
        onCancel={onCancel}
      />
    </form>
  );
}
