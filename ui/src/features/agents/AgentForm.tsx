import { useEffect, useState } from "react";
import type { Agent, AgentInput, MemoryAccess, MemoryStore, Permission, Provider, ToolInfo } from "../../bindings";
import {
  AGENT_FIELDS,
  INSTRUCTIONS_MAX_CHARS,
  isAgentField,
  MAX_MAX_TURNS,
  MAX_ROSTER,
  PERMISSION_LABELS,
  PERMISSIONS,
} from "../../shared/agents";
import { Field } from "../../shared/Field";
import { FormFooter } from "../../shared/FormFooter";
import { ChevronIcon } from "../../shared/icons";
import { InlineCode } from "../../shared/InlineCode";
import { ACCESS_LABELS, fileCount } from "../../shared/memory";
import { useNavigation } from "../../shared/navigation";
import { useForm } from "../../shared/useForm";
import { agentFormFrom, newAgentForm, toAgentInput, validateAgentForm, type AgentFormValues } from "./agentForm";

interface AgentFormProps {
  /** The agent being edited; absent when creating one. */
  agent?: Agent;
  providers: readonly Provider[];
  tools: readonly ToolInfo[];
  /** Memory stores the agent can mount. */
  stores: readonly MemoryStore[];
  /** Every agent: the ones it may delegate to are chosen among the others. */
  agents: readonly Agent[];
  /** Saves; rejects with an AppError, in which case everything typed stays in the form. */
  onSubmit(input: AgentInput): Promise<void>;
  onCancel?: () => void;
}

const PERMISSION_HINTS: Record<Permission, string> = {
  allow: "runs without asking",
  ask: "waits for your approval",
  deny: "never runs",
};

const MOUNTS: ReadonlyArray<MemoryAccess | "off"> = ["off", "read_only", "read_write"];

export function AgentForm({ agent, providers, tools, stores, agents, onSubmit, onCancel }: AgentFormProps) {
  const [values, setValues] = useState<AgentFormValues>(() =>
    agent ? agentFormFrom(agent, tools, stores) : newAgentForm(providers, tools, stores),
  );
  const { navigate } = useNavigation();
  const form = useForm(AGENT_FIELDS, isAgentField);
  const { id, errors, control, clear, focusField } = form;
  const mode = agent ? "edit" : "add";

  useEffect(() => focusField("name", true), [focusField]);

  const set = <K extends Exclude<keyof AgentFormValues, "roster">>(field: K, value: AgentFormValues[K]) => {
    setValues((current) => ({ ...current, [field]: value }));
    clear(field);
  };

  const setPermission = (tool: string, permission: Permission) => {
    setValues((current) => ({ ...current, tools: { ...current.tools, [tool]: permission } }));
    clear("tools");
  };

  const toggleMember = (id: string, on: boolean) => {
    setValues((current) => ({
      ...current,
      roster: on ? [...current.roster.filter((m) => m !== id), id] : current.roster.filter((m) => m !== id),
    }));
    clear("roster");
  };

  const setMount = (store: string, access: MemoryAccess | "off") => {
    setValues((current) => ({ ...current, memory: { ...current.memory, [store]: access } }));
    clear("memory");
  };

  // Members deleted since the form opened are dropped, as the core drops them from rosters.
  const known = (input: AgentInput): AgentInput => ({
    ...input,
    roster: input.roster.filter((m) => agents.some((a) => a.id === m)),
  });
  const submit = form.submit(
    () => validateAgentForm(values),
    () => onSubmit(known(toAgentInput(values))),
  );

  const provider = providers.find((p) => p.id === values.provider_id);
  const candidates = agents.filter((a) => a.id !== agent?.id);
  const missing = values.roster.filter((m) => !agents.some((a) => a.id === m)).length;
  const instructionChars = [...values.instructions].length;

  return (
    <form
      className={mode === "add" ? "agent-form card" : "agent-form"}
      data-testid="agent-form"
      data-mode={mode}
      noValidate
      onSubmit={submit}
      aria-labelledby={`${id}-title`}
    >
      <h2 id={`${id}-title`} className="form-title">
        {agent ? `Edit “${agent.name}”` : "New agent"}
      </h2>

      <div className="agent-form-grid">
        <Field label="Name" id={`${id}-name`} field="name" error={errors.name}>
          <input
            {...control("name")}
            type="text"
            value={values.name}
            onChange={(event) => set("name", event.target.value)}
            placeholder="e.g. Code reviewer"
            autoComplete="off"
            spellCheck={false}
            data-testid="agent-name"
          />
        </Field>

        <Field
          label="Description"
          id={`${id}-description`}
          field="description"
          error={errors.description}
          aside="Optional"
        >
          <input
            {...control("description")}
            type="text"
            value={values.description}
            onChange={(event) => set("description", event.target.value)}
            placeholder="One line that says what it is for"
            autoComplete="off"
            data-testid="agent-description"
          />
        </Field>

        <Field
          className="span-all"
          label="Instructions"
          id={`${id}-instructions`}
          field="instructions"
          error={errors.instructions}
          hint="The system prompt: who the agent is, how it works, what a good result looks like."
          aside={
            instructionChars > 0
              ? `${instructionChars.toLocaleString("en-US")} / ${INSTRUCTIONS_MAX_CHARS.toLocaleString("en-US")}`
              : undefined
          }
        >
          <textarea
            {...control("instructions")}
            className="mono-input"
            rows={8}
            value={values.instructions}
            onChange={(event) => set("instructions", event.target.value)}
            placeholder="You review changes for correctness and clarity. Read the code before you comment…"
            spellCheck={false}
            data-testid="agent-instructions"
          />
        </Field>

        <Field label="Model provider" id={`${id}-provider_id`} field="provider_id" error={errors.provider_id}>
          <span className="select">
            <select
              {...control("provider_id")}
              value={values.provider_id}
              onChange={(event) => set("provider_id", event.target.value)}
              data-testid="agent-provider"
            >
              {values.provider_id === "" && <option value="">Choose a provider</option>}
              {agent && !provider && <option value={values.provider_id}>A provider that no longer exists</option>}
              {providers.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.name}
                </option>
              ))}
            </select>
            <ChevronIcon />
          </span>
        </Field>

        <Field
          label="Model"
          id={`${id}-model`}
          field="model"
          error={errors.model}
          aside="Optional"
          hint={provider ? `Empty: the provider's model.` : undefined}
        >
          <input
            {...control("model")}
            type="text"
            className="mono-input"
            value={values.model}
            onChange={(event) => set("model", event.target.value)}
            placeholder={provider?.model ?? ""}
            autoComplete="off"
            spellCheck={false}
            data-testid="agent-model"
          />
        </Field>
      </div>

      <fieldset className="tool-permissions" aria-describedby={`${id}-tools-hint`}>
        <legend>Tools</legend>
        <p className="field-hint" id={`${id}-tools-hint`}>
          What the agent may do in the workspace folder. Allow runs a tool without asking, Ask waits for your approval
          in the session, Deny refuses it.
        </p>
        <ul className="tool-list">
          {tools.map((tool) => {
            const current = values.tools[tool.name] ?? tool.default_permission;
            return (
              <li key={tool.name} className="tool-item">
                <div className="tool-text">
                  <span className="tool-name mono" id={`${id}-tool-${tool.name}`}>
                    {tool.name}
                  </span>
                  <span className="tool-summary">
                    <InlineCode text={tool.summary} />
                  </span>
                </div>
                <div
                  className="segmented"
                  role="group"
                  aria-labelledby={`${id}-tool-${tool.name}`}
                  data-testid={`tool-permission-${tool.name}`}
                >
                  {PERMISSIONS.map((permission) => (
                    <button
                      key={permission}
                      type="button"
                      className="segment"
                      aria-pressed={current === permission}
                      data-permission={permission}
                      title={`${PERMISSION_LABELS[permission]}: ${PERMISSION_HINTS[permission]}${
                        permission === tool.default_permission ? " (default)" : ""
                      }`}
                      onClick={() => setPermission(tool.name, permission)}
                      data-testid={`perm-${tool.name}-${permission}`}
                    >
                      {PERMISSION_LABELS[permission]}
                    </button>
                  ))}
                </div>
              </li>
            );
          })}
        </ul>
        {errors.tools && (
          <p className="field-error" data-testid="field-error-tools">
            {errors.tools}
          </p>
        )}
      </fieldset>

      <fieldset className="memory-mounts" aria-describedby={`${id}-memory-hint`} data-testid="agent-memory">
        <legend>Memory</legend>
        <p className="field-hint" id={`${id}-memory-hint`}>
          The agent sees a short index of each store it mounts (paths and one-line descriptions) and searches and reads
          files only when a task needs them. With Read & write it can also save what it learns.
        </p>
        {stores.length === 0 ? (
          <p className="memory-mounts-empty muted small">
            No memory stores yet.{" "}
            <button type="button" className="link-button" onClick={() => navigate("memory")}>
              Create one in Memory
            </button>{" "}
            to give agents notes that last from one run to the next.
          </p>
        ) : (
          <ul className="tool-list">
            {stores.map((store) => (
              <li key={store.id} className="tool-item">
                <label className="tool-text" htmlFor={`${id}-memory-${store.id}`}>
                  <span className="tool-name">{store.name}</span>
                  <span className="tool-summary">
                    {store.description ? `${store.description} · ` : ""}
                    {fileCount(store.files)}
                  </span>
                </label>
                <span className="select mount-select">
                  <select
                    id={`${id}-memory-${store.id}`}
                    value={values.memory[store.id] ?? "off"}
                    data-access={values.memory[store.id] ?? "off"}
                    onChange={(event) => setMount(store.id, event.target.value as MemoryAccess | "off")}
                    data-testid={`agent-memory-${store.name}`}
                  >
                    {MOUNTS.map((access) => (
                      <option key={access} value={access}>
                        {ACCESS_LABELS[access]}
                      </option>
                    ))}
                  </select>
                  <ChevronIcon />
                </span>
              </li>
            ))}
          </ul>
        )}
        {errors.memory && (
          <p className="field-error" data-testid="field-error-memory">
            {errors.memory}
          </p>
        )}
      </fieldset>

      <fieldset className="agent-roster" aria-describedby={`${id}-roster-hint`} data-testid="agent-roster">
        <legend>
          Delegates to{" "}
          <span className="field-hint">
            {values.roster.length > 0 ? `${values.roster.length} of ${MAX_ROSTER}` : "Optional"}
          </span>
        </legend>
        <p className="field-hint" id={`${id}-roster-hint`}>
          With a roster the agent becomes a coordinator: it can hand parts of a task to these agents, which work side by
          side, each in its own context with its own instructions, tools and permissions, and report back. Up to{" "}
          {MAX_ROSTER}.
        </p>
        {candidates.length === 0 ? (
          <p className="memory-mounts-empty muted small">
            No other agents yet. Create the specialists first, then come back to pick them.
          </p>
        ) : (
          <ul className="tool-list roster-list">
            {candidates.map((other, index) => {
              const checked = values.roster.includes(other.id);
              const full = !checked && values.roster.length >= MAX_ROSTER;
              return (
                <li key={other.id} className="tool-item roster-item">
                  <label
                    className="roster-option"
                    data-testid="agent-roster-option"
                    data-agent-name={other.name}
                    data-checked={checked}
                  >
                    <input
                      type="checkbox"
                      checked={checked}
                      disabled={full}
                      onChange={(event) => toggleMember(other.id, event.target.checked)}
                      ref={index === 0 ? (element) => void (form.controls.current.roster = element) : undefined}
                      aria-invalid={errors.roster ? true : undefined}
                    />
                    <span className="tool-text">
                      <span className="tool-name">{other.name}</span>
                      <span className="tool-summary">
                        {other.description || "No description"}
                        {other.roster.length > 0 && " · delegates too (it won’t, as a subagent)"}
                      </span>
                    </span>
                  </label>
                </li>
              );
            })}
          </ul>
        )}
        {missing > 0 && (
          <p className="field-hint">
            {missing === 1 ? "One agent of its roster" : `${missing} agents of its roster`} no longer exist
            {missing === 1 ? "s" : ""}; saving drops {missing === 1 ? "it" : "them"}.
          </p>
        )}
        {errors.roster && (
          <p className="field-error" data-testid="field-error-roster">
            {errors.roster}
          </p>
        )}
      </fieldset>

      <Field
        className="turns-field"
        label="Turn limit"
        id={`${id}-max_turns`}
        field="max_turns"
        error={errors.max_turns}
        hint={`Model requests one run may make, 1 to ${MAX_MAX_TURNS}. The run stops when it reaches the limit.`}
      >
        <input
          {...control("max_turns")}
          type="number"
          inputMode="numeric"
          min={1}
          max={MAX_MAX_TURNS}
          step={1}
          value={values.max_turns}
          onChange={(event) => set("max_turns", event.target.value)}
          data-testid="agent-max-turns"
        />
      </Field>

      <FormFooter
        error={form.formError}
        errorTestId="agent-form-error"
        busy={form.busy}
        label={agent ? "Save changes" : "Create agent"}
        busyLabel="Saving…"
        submitTestId="agent-save"
        onCancel={onCancel}
      />
    </form>
  );
}
