import { useEffect, useState } from "react";
import type { Agent, OutcomeInput, RunInput, SessionSummary } from "../../bindings";
import { toAppError, useBackend } from "../../ipc";
import { Field } from "../../shared/Field";
import { FormFooter } from "../../shared/FormFooter";
import { ChevronIcon, FolderIcon } from "../../shared/icons";
import { useNavigation } from "../../shared/navigation";
import {
  formatBytes,
  GRADER_PASSES,
  isRunField,
  MAX_ITERATIONS,
  MAX_THREADS,
  RUN_FIELDS,
  TASK_MAX_BYTES,
  utf8Bytes,
  validateRunInput,
  wholeNumberIn,
  type RunField,
  type RunFieldErrors,
} from "../../shared/runs";
import { useForm } from "../../shared/useForm";
import { loadProviders, loadRubrics, useList } from "../../shared/useList";

interface NewRunFormProps {
  agents: readonly Agent[];
  /** Where the last run worked, to start from. */
  lastWorkspace: string;
  /** The agent to start with (else the first). */
  initialAgentId?: string;
  onStarted(session: SessionSummary): void;
  onCancel(): void;
}

export function NewRunForm({ agents, lastWorkspace, initialAgentId, onStarted, onCancel }: NewRunFormProps) {
  const backend = useBackend();
  const { navigate } = useNavigation();
  const [agentId, setAgentId] = useState(
    (initialAgentId !== undefined && agents.some((a) => a.id === initialAgentId) ? initialAgentId : agents[0]?.id) ??
      "",
  );
  const threads = useWholeNumber(MAX_THREADS, "subagents at once");
  const [workspace, setWorkspace] = useState(lastWorkspace);
  const [task, setTask] = useState("");
  const [browsing, setBrowsing] = useState(false);
  // The core's question when the folder is the whole home folder: asked once, answered here.
  const [homeQuestion, setHomeQuestion] = useState<string | null>(null);
  // Grading: a rubric ("" for none) and its settings, as typed.
  const [rubricId, setRubricId] = useState("");
  const [description, setDescription] = useState("");
  const iterations = useWholeNumber(MAX_ITERATIONS, "iterations");
  const passes = useWholeNumber(GRADER_PASSES, "passes");
  const [graderProvider, setGraderProvider] = useState("");
  const [graderModel, setGraderModel] = useState("");
  const rubrics = useList(loadRubrics);
  const providers = useList(loadProviders);
  const form = useForm(RUN_FIELDS, isRunField);
  const { id, errors, control, clear, focusField } = form;

  useEffect(() => focusField("task"), [focusField]);

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
        setHomeQuestion(null);
        clear("workspace");
      }
    } catch (error) {
      form.setError("workspace", toAppError(error).message);
    } finally {
      setBrowsing(false);
    }
  };

  const agent = agents.find((a) => a.id === agentId);
  const coordinator = (agent?.roster.length ?? 0) > 0;
  const outcome: OutcomeInput | undefined =
    rubricId === ""
      ? undefined
      : {
          description: description.trim(),
          rubric_id: rubricId,
          max_iterations: iterations.value,
          grader_passes: passes.value,
          ...(graderProvider === "" ? {} : { grader_provider_id: graderProvider }),
          ...(graderModel.trim() === "" ? {} : { grader_model: graderModel.trim() }),
        };
  const input: RunInput = {
    agent_id: agentId,
    workspace: workspace.trim(),
    task,
    // Only a coordinator has subagents to run at once.
    ...(coordinator ? { max_threads: threads.value } : {}),
    ...(outcome ? { outcome } : {}),
  };
  const validate = (): RunFieldErrors => {
    const found = validateRunInput(input);
    if (coordinator && threads.error) found.max_threads = threads.error;
    if (outcome && iterations.error) found["outcome.max_iterations"] = iterations.error;
    if (outcome && passes.error) found["outcome.grader_passes"] = passes.error;
    return found;
  };
  const start = async (confirmed: RunInput) => {
    try {
      onStarted(await backend.startRun(confirmed));
    } catch (error) {
      const appError = toAppError(error);
      if (appError.code !== "needs_confirmation" || appError.field !== "workspace") throw error;
      setHomeQuestion(appError.message);
    }
  };
  const submit = form.submit(validate, () => start(input));
  const confirmHome = form.submit(validate, () => start({ ...input, allow_home: true }));

  const bytes = utf8Bytes(task);
  const rubric = rubrics.items?.find((r) => r.id === rubricId) ?? null;
  const agentProvider = providers.items?.find((p) => p.id === agent?.provider_id);
  const graderDefault =
    graderProvider === ""
      ? (agent?.model ?? agentProvider?.model ?? "")
      : (providers.items?.find((p) => p.id === graderProvider)?.model ?? "");

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
                setHomeQuestion(null);
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
          {homeQuestion !== null && (
            <div className="run-home-question" role="alert" data-testid="run-home-question">
              <p>{homeQuestion}</p>
              <div className="run-home-actions">
                <button
                  type="button"
                  className="button button-danger"
                  onClick={confirmHome}
                  data-testid="run-confirm-home"
                >
                  Let the agent work on my whole home folder
                </button>
                <button
                  type="button"
                  className="button"
                  onClick={() => {
                    setHomeQuestion(null);
                    form.controls.current.workspace?.focus();
                  }}
                >
                  Choose another folder
                </button>
              </div>
            </div>
          )}
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

        {coordinator && (
          <NumberField
            form={form}
            className="run-threads"
            label="Subagents at once"
            field="max_threads"
            number={threads}
            hint={`${MAX_THREADS.min}–${MAX_THREADS.max}. ${agent?.name ?? "The agent"} delegates to ${rosterNames(agent, agents)}; beyond this many working at once, delegations wait their turn.`}
            testId="run-max-threads"
          />
        )}

        <fieldset className="run-outcome" data-testid="run-outcome" data-enabled={rubricId !== ""}>
          <legend className="run-outcome-legend">Grade against a rubric</legend>
          <p className="field-hint run-outcome-intro">
            Optional. After each turn an independent grader checks the work against every criterion; what is not met
            goes back to the agent to revise.
          </p>
          {rubrics.items !== null && rubrics.items.length === 0 ? (
            <p className="run-no-rubrics small" data-testid="run-no-rubrics">
              No rubrics yet.{" "}
              <button
                type="button"
                className="link-button"
                onClick={() => navigate("rubrics")}
                data-testid="run-rubrics-link"
              >
                Write one on the Rubrics page
              </button>
              .
            </p>
          ) : (
            <Field
              label="Rubric"
              id={`${id}-outcome.rubric_id`}
              field="outcome.rubric_id"
              error={errors["outcome.rubric_id"] ?? errors["outcome.rubric_version"]}
              hint={
                rubric
                  ? `Version ${rubric.latest.version} · ${rubric.latest.criteria.length === 1 ? "1 criterion" : `${rubric.latest.criteria.length} criteria`}. The run keeps this version even if the rubric changes later.`
                  : undefined
              }
            >
              <span className="select">
                <select
                  {...control("outcome.rubric_id")}
                  value={rubricId}
                  onChange={(event) => {
                    setRubricId(event.target.value);
                    clear("outcome.rubric_id");
                    clear("outcome.rubric_version");
                  }}
                  disabled={rubrics.items === null}
                  data-testid="run-rubric"
                >
                  <option value="">{rubrics.items === null ? "Loading rubrics…" : "None: don’t grade this run"}</option>
                  {(rubrics.items ?? []).map((r) => (
                    <option key={r.id} value={r.id}>
                      {r.name}
                    </option>
                  ))}
                </select>
                <ChevronIcon />
              </span>
            </Field>
          )}
          {rubrics.error && <p className="field-error">{rubrics.error.message}</p>}

          {rubricId !== "" && (
            <div className="run-outcome-fields">
              <Field
                label="What should the result achieve?"
                id={`${id}-outcome.description`}
                field="outcome.description"
                error={errors["outcome.description"]}
                hint="The grader reads this beside the rubric. Leave it empty to use the task."
              >
                <textarea
                  {...control("outcome.description")}
                  rows={3}
                  value={description}
                  onChange={(event) => {
                    setDescription(event.target.value);
                    clear("outcome.description");
                  }}
                  placeholder="The last note survives a restart, with a test that proves it."
                  data-testid="run-outcome-description"
                />
              </Field>
              <div className="run-outcome-row">
                <NumberField
                  form={form}
                  label="Iterations at most"
                  field="outcome.max_iterations"
                  number={iterations}
                  hint={`${MAX_ITERATIONS.min}–${MAX_ITERATIONS.max}: how many times the work is graded at most.`}
                  testId="run-max-iterations"
                />
                <NumberField
                  form={form}
                  label="Grader passes"
                  field="outcome.grader_passes"
                  number={passes}
                  hint={`${GRADER_PASSES.min}–${GRADER_PASSES.max}: independent gradings that vote per criterion.`}
                  testId="run-grader-passes"
                />
              </div>
              <div className="run-outcome-row">
                <Field
                  label="Grader’s provider"
                  id={`${id}-outcome.grader_provider_id`}
                  field="outcome.grader_provider_id"
                  error={errors["outcome.grader_provider_id"]}
                  hint="A different model judges more independently."
                >
                  <span className="select">
                    <select
                      {...control("outcome.grader_provider_id")}
                      value={graderProvider}
                      onChange={(event) => {
                        setGraderProvider(event.target.value);
                        clear("outcome.grader_provider_id");
                      }}
                      data-testid="run-grader-provider"
                    >
                      <option value="">Same as the agent{agentProvider ? ` (${agentProvider.name})` : ""}</option>
                      {(providers.items ?? []).map((p) => (
                        <option key={p.id} value={p.id}>
                          {p.name}
                        </option>
                      ))}
                    </select>
                    <ChevronIcon />
                  </span>
                </Field>
                <Field
                  label="Grader’s model"
                  id={`${id}-outcome.grader_model`}
                  field="outcome.grader_model"
                  error={errors["outcome.grader_model"]}
                  hint="Empty: the provider’s default."
                >
                  <input
                    {...control("outcome.grader_model")}
                    type="text"
                    className="mono-input"
                    value={graderModel}
                    onChange={(event) => {
                      setGraderModel(event.target.value);
                      clear("outcome.grader_model");
                    }}
                    placeholder={graderDefault}
                    autoComplete="off"
                    spellCheck={false}
                    data-testid="run-grader-model"
                  />
                </Field>
              </div>
            </div>
          )}
        </fieldset>
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

/** "Researcher, Writer and Reviewer": the roster by name. */
function rosterNames(agent: Agent | undefined, agents: readonly Agent[]): string {
  const names = (agent?.roster ?? []).flatMap((id) => agents.find((a) => a.id === id)?.name ?? []);
  if (names.length === 0) return "its roster";
  return names.length === 1 ? names[0]! : `${names.slice(0, -1).join(", ")} and ${names.at(-1)}`;
}

type Range = { default: number; min: number; max: number };

/** A whole number as typed, and what it means: the number (the default while it is empty or wrong) or why it is wrong. */
interface WholeNumber {
  range: Range;
  text: string;
  setText(text: string): void;
  value: number;
  error: string | undefined;
}

function useWholeNumber(range: Range, what: string): WholeNumber {
  const [text, setText] = useState(String(range.default));
  const checked = wholeNumberIn(text, range, what);
  return {
    range,
    text,
    setText,
    value: "value" in checked ? checked.value : range.default,
    error: "error" in checked ? checked.error : undefined,
  };
}

interface NumberFieldProps {
  form: ReturnType<typeof useForm<RunField>>;
  field: RunField;
  label: string;
  hint: string;
  number: WholeNumber;
  testId: string;
  className?: string;
}

/** A whole-number field in its range, its error cleared as it is typed in. */
function NumberField({ form, field, label, hint, number, testId, className }: NumberFieldProps) {
  return (
    <Field
      className={className}
      label={label}
      id={`${form.id}-${field}`}
      field={field}
      error={form.errors[field]}
      hint={hint}
    >
      <input
        {...form.control(field)}
        type="number"
        inputMode="numeric"
        min={number.range.min}
        max={number.range.max}
        step={1}
        value={number.text}
        onChange={(event) => {
          number.setText(event.target.value);
          form.clear(field);
        }}
        data-testid={testId}
      />
    </Field>
  );
}
