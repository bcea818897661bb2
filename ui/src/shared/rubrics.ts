import type { Criterion } from "../bindings";

/** Criteria in runs under the same heading, in rubric order (null: before any heading). */
export function groupCriteria<T extends Pick<Criterion, "group">>(
  criteria: readonly T[],
): Array<{ heading: string | null; criteria: T[] }> {
  const groups: Array<{ heading: string | null; criteria: T[] }> = [];
  for (const criterion of criteria) {
    const heading = criterion.group ?? null;
    const last = groups[groups.length - 1];
    if (last && last.heading === heading) last.criteria.push(criterion);
    else groups.push({ heading, criteria: [criterion] });
  }
  return groups;
}

/** The line a "Line N: …" error message from the core names, if any. */
export function lineOf(message: string): number | null {
  const match = /^Line (\d+): /.exec(message);
  return match ? Number(match[1]) : null;
}
