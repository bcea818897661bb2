import type { AppError, DiffHunk, Rubric, RubricCheck, RubricTemplate, RubricVersion } from "../bindings";
import { diffLines } from "./memoryDiff";
import { parseRubric, RUBRIC_TEMPLATES } from "./memoryRubricParser";

/**
 * The rubric library of the memory backend, with the engine's rules: names checked and unique
 * (ignoring case), every save with changed Markdown a new version, a malformed save refused
 * naming its first problem's line, deleted rubrics keeping their versions for the outcomes that
 * used them, starter templates, and import/export against a pretend file system.
 */

/** A demo rubric: its name and the Markdown of each version, oldest first. */
export interface SeedRubric {
  name: string;
  versions: string[];
  /** How long before "now" the first version was saved; later ones follow an hour apart. */
  agoMs?: number;
}

interface Deps {
  now: () => number;
  /** Markdown files the pretend file system has at start: absolute path → text. */
  files?: Record<string, string>;
}

interface StoredRubric {
  id: string;
  name: string;
  versions: RubricVersion[];
  created_at: number;
  updated_at: number;
  deleted: boolean;
}

const NAME_MAX_CHARS = 80;

const invalid = (field: string, message: string): AppError => ({ code: "invalid_input", field, message });

export function createRubricStore(deps: Deps) {
  const rubrics: StoredRubric[] = [];
  const files = new Map(Object.entries(deps.files ?? {}));
  let nextId = 1;

  const notFound = (id: string): AppError => ({ code: "not_found", message: `Rubric ${id} no longer exists.` });

  const find = (id: string): StoredRubric => {
    const rubric = rubrics.find((r) => r.id === id);
    if (!rubric) throw notFound(id);
    return rubric;
  };

  const view = (r: StoredRubric): Rubric => ({
    id: r.id,
    name: r.name,
    latest: r.versions[r.versions.length - 1]!,
    created_at: r.created_at,
    updated_at: r.updated_at,
  });

  const checkName = (name: string, self: string | null): string => {
    const clean = name.trim();
    if (clean === "") throw invalid("name", "Give the rubric a name.");
    if ([...clean].length > NAME_MAX_CHARS || /\p{Cc}/u.test(clean)) {
      throw invalid("name", `Keep the name to one line of ${NAME_MAX_CHARS} characters or fewer.`);
    }
    const clash = rubrics.find((r) => !r.deleted && r.id !== self && r.name.toLowerCase() === clean.toLowerCase());
    if (clash)
      throw {
        code: "conflict",
        field: "name",
        message: `A rubric named “${clean}” already exists.`,
      } satisfies AppError;
    return clean;
  };

  /** The criteria of `source`, or the first problem as the engine reports a refused save. */
  const checkSource = (source: string) => {
    const { criteria, problems } = parseRubric(source);
    const first = problems[0];
    if (first) throw invalid("source", `${first.line > 0 ? `Line ${first.line}: ` : ""}${first.message}`);
    return criteria;
  };

  const version = (id: string, number: number, source: string, time: number): RubricVersion => ({
    rubric_id: id,
    version: number,
    source,
    criteria: checkSource(source),
    created_at: time,
  });

  const create = (name: string, source: string, time = deps.now()): Rubric => {
    const clean = checkName(name, null);
    const id = `rub_${String(nextId).padStart(4, "0")}`;
    const first = version(id, 1, source, time);
    nextId++;
    const rubric: StoredRubric = {
      id,
      name: clean,
      versions: [first],
      created_at: time,
      updated_at: time,
      deleted: false,
    };
    rubrics.push(rubric);
    return view(rubric);
  };

  /** `name`, or "name 2", "name 3"… until no live rubric has it. */
  const unique = (name: string): string => {
    const taken = (n: string) => rubrics.some((r) => !r.deleted && r.name.toLowerCase() === n.toLowerCase());
    let candidate = name;
    for (let n = 2; taken(candidate); n++) candidate = `${name} ${n}`;
    return candidate;
  };

  const save = (id: string, name: string, source: string, time = deps.now()): Rubric => {
    const rubric = find(id);
    if (rubric.deleted) throw notFound(id);
    const clean = checkName(name, id);
    const latest = rubric.versions[rubric.versions.length - 1]!;
    if (latest.source !== source) rubric.versions.push(version(id, latest.version + 1, source, time));
    rubric.name = clean;
    rubric.updated_at = time;
    return view(rubric);
  };

  /** A rubric (a deleted one too) and one of its versions, the latest when `number` is absent. */
  const versionOf = (id: string, number?: number): { rubric: Rubric; version: RubricVersion } => {
    const rubric = find(id);
    const found =
      number === undefined
        ? rubric.versions[rubric.versions.length - 1]
        : rubric.versions.find((v) => v.version === number);
    if (!found) throw { code: "not_found", message: `Rubric ${id} has no version ${number}.` } satisfies AppError;
    return { rubric: view(rubric), version: found };
  };

  return {
    /** Builds a demo rubric with its versions in the past. */
    seed(spec: SeedRubric) {
      const start = deps.now() - (spec.agoMs ?? spec.versions.length * 3_600_000);
      const [first, ...rest] = spec.versions;
      const { id } = create(spec.name, first ?? "", start);
      rest.forEach((source, i) => save(id, spec.name, source, start + (i + 1) * 3_600_000));
    },

    list: (): Rubric[] =>
      rubrics
        .filter((r) => !r.deleted)
        .sort((a, b) => a.name.localeCompare(b.name, "en", { sensitivity: "base" }))
        .map(view),

    version: versionOf,

    exists: (id: string) => rubrics.some((r) => r.id === id && !r.deleted),

    versions: (id: string): RubricVersion[] => [...find(id).versions].reverse(),

    diff(id: string, from: number, to: number): DiffHunk[] {
      return diffLines(versionOf(id, from).version.source, versionOf(id, to).version.source);
    },

    check: (source: string): RubricCheck => parseRubric(source),

    create: (name: string, source: string) => create(name, source),

    save: (id: string, name: string, source: string) => save(id, name, source),

    remove(id: string): void {
      const rubric = find(id);
      if (rubric.deleted) throw notFound(id);
      rubric.deleted = true;
    },

    templates: (): RubricTemplate[] => RUBRIC_TEMPLATES.map((t) => ({ ...t })),

    fromTemplate(template: string): Rubric {
      const found = RUBRIC_TEMPLATES.find((t) => t.name.toLowerCase() === template.trim().toLowerCase());
      if (!found) throw invalid("template", `There is no starter rubric “${template.trim()}”.`);
      return create(unique(found.name), found.source);
    },

    importFile(path: string): Rubric {
      const text = files.get(path);
      if (text === undefined) throw invalid("path", `${path} does not exist or can't be read.`);
      const fileName = path.split(/[\\/]/).pop() ?? path;
      if (!fileName.toLowerCase().endsWith(".md")) throw invalid("path", `${fileName} is not a Markdown file (.md).`);
      return create(unique(fileName.slice(0, -3).trim() || "Imported rubric"), text);
    },

    exportFile(id: string, number: number, path: string): void {
      files.set(path, versionOf(id, number).version.source);
    },

    /** What the pretend file system holds at `path`. */
    file: (path: string): string | undefined => files.get(path),
  };
}

export type RubricStore = ReturnType<typeof createRubricStore>;
