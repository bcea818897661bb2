import type { Criterion } from "../../bindings";
import { groupCriteria } from "../../shared/rubrics";

interface RubricPreviewProps {
  /** What to show: the criteria of the current text, or of the last text that parsed. */
  criteria: readonly Criterion[] | null;
  /** The criteria are the last good ones, not the current text's (which has problems). */
  stale: boolean;
  /** The current text has problems (and no earlier text parsed): nothing to show yet. */
  blocked: boolean;
  /** Puts the editor on a criterion's line. */
  onOpenLine(line: number): void;
}

/** The criteria a rubric's Markdown parses to, grouped by heading, as the grader will see them. */
export function RubricPreview({ criteria, stale, blocked, onOpenLine }: RubricPreviewProps) {
  const groups = criteria ? groupCriteria(criteria) : [];
  const weight = criteria?.reduce((sum, c) => sum + c.weight, 0) ?? 0;
  const optional = criteria?.filter((c) => c.optional).length ?? 0;
  return (
    <section
      className="rubric-preview"
      aria-label="Preview of the criteria"
      data-testid="rubric-preview"
      data-stale={stale}
    >
      <header className="rubric-preview-head">
        <h3>Criteria</h3>
        {criteria && criteria.length > 0 && (
          <span className="muted small" data-testid="rubric-preview-count">
            {criteria.length === 1 ? "1 criterion" : `${criteria.length} criteria`}
            {weight !== criteria.length && ` · weight ${weight}`}
            {optional > 0 && ` · ${optional} optional`}
          </span>
        )}
      </header>
      {stale && (
        <p className="rubric-preview-stale small" data-testid="rubric-preview-stale">
          As the rubric last parsed. Fix the problems to see your changes here.
        </p>
      )}
      {blocked && !stale && (
        <p className="rubric-preview-stale small" data-testid="rubric-preview-blocked">
          The criteria show here once the rubric parses: fix the problems under the editor.
        </p>
      )}
      {!criteria || criteria.length === 0 ? (
        <RubricHelp />
      ) : (
        <div className={stale ? "rubric-preview-body stale" : "rubric-preview-body"}>
          {groups.map((group, g) => (
            <div className="rubric-group" key={`${group.heading ?? ""}#${g}`}>
              {group.heading !== null && <h4 className="rubric-group-title">{group.heading}</h4>}
              <ul className="rubric-criteria">
                {group.criteria.map((c) => (
                  <li key={`${c.id}@${c.line}`}>
                    <button
                      type="button"
                      className="rubric-criterion"
                      onClick={() => onOpenLine(c.line)}
                      title={`Line ${c.line}: show it in the editor`}
                      data-testid="rubric-criterion"
                      data-id={c.id}
                    >
                      <span className="rubric-criterion-text">{c.text}</span>
                      <span className="rubric-criterion-meta">
                        <span className="mono">{c.id}</span>
                        {c.weight !== 1 && (
                          <span className="rubric-tag" title={`Counts ${c.weight} times`}>
                            weight {c.weight}
                          </span>
                        )}
                        {c.optional && (
                          <span className="rubric-tag tag-optional" title="Partially met is enough">
                            optional
                          </span>
                        )}
                      </span>
                    </button>
                  </li>
                ))}
              </ul>
            </div>
          ))}
        </div>
      )}
    </section>
  );
}

/** How to write a rubric, for an empty one. */
function RubricHelp() {
  return (
    <div className="rubric-help small" data-testid="rubric-help">
      <p>Write what a good result looks like, one criterion per list item. The grader judges each one.</p>
      <pre className="rubric-help-example mono">{`## Correctness
- The tests pass {#tests weight=3}
- New behaviour has a test

## Style
- Names match the code around them {.optional}`}</pre>
      <ul>
        <li>
          <strong>Headings</strong> group criteria.
        </li>
        <li>
          <span className="mono">{"{#id}"}</span> keeps a criterion's id when you reword it; without one the id comes
          from the text.
        </li>
        <li>
          <span className="mono">weight=N</span> (1–100) makes it count more; <span className="mono">.optional</span>{" "}
          lets it be partially met.
        </li>
        <li>Other text is notes for you; the grader sees only the criteria.</li>
      </ul>
    </div>
  );
}
