import { useEffect, useState } from "react";
import type { MemoryStoreInput } from "../../bindings";
import { Field } from "../../shared/Field";
import { FormFooter } from "../../shared/FormFooter";
import { isStoreField, STORE_FIELDS, STORE_NAME_MAX_CHARS, validateStoreInput } from "../../shared/memory";
import { useForm } from "../../shared/useForm";

interface StoreFormProps {
  /** Saves; rejects with an AppError, in which case what was typed stays. */
  onSubmit(input: MemoryStoreInput): Promise<void>;
  onCancel(): void;
}

export function StoreForm({ onSubmit, onCancel }: StoreFormProps) {
  const [values, setValues] = useState<MemoryStoreInput>({ name: "", description: "" });
  const form = useForm(STORE_FIELDS, isStoreField);
  const { id, errors, control, clear, focusField } = form;

  useEffect(() => focusField("name"), [focusField]);

  const set = (field: keyof MemoryStoreInput, value: string) => {
    setValues((current) => ({ ...current, [field]: value }));
    clear(field);
  };

  const submit = form.submit(
    () => validateStoreInput(values),
    () => onSubmit({ name: values.name.trim(), description: values.description.trim() }),
  );

  return (
    <form
      className="store-form card"
      data-testid="store-form"
      noValidate
      onSubmit={submit}
      aria-labelledby={`${id}-title`}
    >
      <h2 id={`${id}-title`} className="form-title">
        New memory store
      </h2>
      <div className="store-form-grid">
        <Field
          label="Name"
          id={`${id}-name`}
          field="name"
          error={errors.name}
          hint={`Letters, digits, spaces and - _ . — up to ${STORE_NAME_MAX_CHARS} characters.`}
        >
          <input
            {...control("name")}
            type="text"
            value={values.name}
            onChange={(event) => set("name", event.target.value)}
            placeholder="e.g. Project notes"
            autoComplete="off"
            spellCheck={false}
            data-testid="store-name"
          />
        </Field>
        <Field
          label="Description"
          id={`${id}-description`}
          field="description"
          error={errors.description}
          aside="Optional"
          hint="What belongs in it. Agents see this line with the store's index."
        >
          <input
            {...control("description")}
            type="text"
            value={values.description}
            onChange={(event) => set("description", event.target.value)}
            placeholder="How this project is built, tested and released"
            autoComplete="off"
            data-testid="store-description"
          />
        </Field>
      </div>
      <FormFooter
        error={form.formError}
        errorTestId="store-form-error"
        busy={form.busy}
        label="Create store"
        busyLabel="Creating…"
        submitTestId="store-save"
        onCancel={onCancel}
      />
    </form>
  );
}
