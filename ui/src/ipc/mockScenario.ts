import type { Notice, SecretBackend, ToolRule, UpdateStatus } from "../bindings";
import type { MemoryBackendOptions } from "./memory";
import { EXAMPLE_TEAM } from "./memoryTeam";

const VERSION = "0.1.0";

const UPDATES: Record<string, UpdateStatus> = {
  offline: { type: "offline", current_version: VERSION },
  up_to_date: { type: "up_to_date", current_version: VERSION },
  available: {
    type: "available",
    current_version: VERSION,
    version: "0.2.0",
    notes: "Faster start-up.\nFixes a crash when a provider's base URL ends with a slash.",
    date: "2025-01-15",
  },
  failed: {
    type: "failed",
    current_version: VERSION,
    message: "The update server sent an update with an invalid signature. Try again later.",
  },
};

const DEMO_NOTICES: Notice[] = [
  {
    id: "demo-migrated",
    level: "info",
    title: "Your data was moved",
    detail: "Reverie now keeps its data in a new folder. Nothing was lost.",
  },
  {
    id: "demo-log-dir",
    level: "warning",
    title: "Logs are not being written",
    detail: "The log folder is read-only. Reverie keeps working, but problems will be harder to diagnose.",
  },
];

const SECRET_BACKENDS: SecretBackend[] = ["secret_service", "kernel_keyring", "memory_only"];

/**
 * Options for the memory backend in `vite --mode mock`, read from the page's query string so a
 * browser test or a person can look at each state:
 * `?secrets=memory_only&notices=demo&update=available&providers=demo&runs=demo`.
 * `runs=demo` adds an agent and three past sessions (finished, interrupted, failed); it brings
 * the demo providers with it. `memory=demo` brings the runs demo and a memory store with history.
 * `rubrics=demo` brings the runs demo, a rubric library (one rubric with three versions) and a
 * fourth past session graded against it (revised once, then satisfied). `team=demo` brings the
 * runs demo and the example team (its reviewer asks before running a command) with a past run of
 * the coordinator and its three subagents.
 */
export function mockOptionsFromSearch(search: string): MemoryBackendOptions {
  const params = new URLSearchParams(search);
  const options: MemoryBackendOptions = { delayMs: 250 };
  const secrets = params.get("secrets");
  const backend = SECRET_BACKENDS.find((b) => b === secrets);
  options.status = {
    secret_backend: backend ?? "secret_service",
    notices: params.get("notices") === "demo" ? DEMO_NOTICES : [],
  };
  const update = UPDATES[params.get("update") ?? "offline"];
  if (update) options.update = update;
  const dreams = params.get("dreams") === "demo";
  const memory = params.get("memory") === "demo" || dreams;
  const rubrics = params.get("rubrics") === "demo";
  const team = params.get("team") === "demo";
  const runs = params.get("runs") === "demo" || memory || rubrics || team;
  if (params.get("providers") === "demo" || runs) {
    options.providers = [
      {
        name: "Anthropic",
        kind: "anthropic",
        base_url: "https://api.anthropic.com",
        model: "claude-sonnet-4-5",
        api_key: "sk-good",
      },
      {
        name: "Ollama (local)",
        kind: "openai_compatible",
        base_url: "http://localhost:11434/v1",
        model: "llama3.1:8b",
      },
    ];
  }
  if (runs) {
    const hour = 3_600_000;
    options.agents = [
      {
        name: "Maintainer",
        description: "Keeps a small project tidy: reads, fixes, runs the tests.",
        instructions:
          "You maintain this project. Read before you change anything, keep changes small, and run the tests.",
        provider: "Anthropic",
        tools: [{ tool: "edit_file", permission: "ask" }],
        max_turns: 30,
      },
      {
        name: "Local helper",
        description: "Answers questions about the code with a local model.",
        instructions: "Answer questions about the code in this folder. Never change files.",
        provider: "Ollama (local)",
        tools: [
          { tool: "write_file", permission: "deny" },
          { tool: "edit_file", permission: "deny" },
          { tool: "run_command", permission: "deny" },
        ],
      },
    ];
    options.sessions = [
      {
        agent: "Maintainer",
        task: "Find out why the notes app loses the last note on exit, fix it and run the tests.",
        workspace: "/home/you/projects/notes",
        outcome: "finished",
        startedAgoMs: 26 * hour,
      },
      {
        agent: "Maintainer",
        task: "Update the README with the new install steps.",
        workspace: "/home/you/projects/notes",
        outcome: "interrupted",
        startedAgoMs: 3 * hour,
      },
      {
        agent: "Local helper",
        task: "Explain how notes are stored on disk.",
        workspace: "/home/you/projects/notes",
        outcome: "error",
        startedAgoMs: hour / 3,
      },
    ];
  }
  if (memory) memoryDemo(options);
  if (dreams) dreamsDemo(options);
  if (rubrics) rubricsDemo(options);
  if (team) teamDemo(options);
  // A rubric file to import, wherever the library starts from.
  options.files = { "/home/you/rubrics/release-notes.md": RELEASE_NOTES_RUBRIC, ...options.files };
  return options;
}

const RELEASE_NOTES_RUBRIC = `# Release notes

## Content
- Every user-visible change since the last release is listed {#complete weight=2}
- Each entry says what changed for the user, not how it was coded {#user-facing}
- Breaking changes come first, with what to do about them {#breaking-first weight=3}

## Form
- Entries are one or two sentences {#short .optional}
`;

const BUG_FIX_V1 = `# Bug fix

## Fix
- The bug described in the task no longer happens {#fixed weight=3}
- The project's tests pass {#tests-pass weight=2}

## Report
- The final message says what the cause was {#cause}
`;

const BUG_FIX_V2 = `# Bug fix

A fix another engineer could merge as it is.

## Fix
- The bug described in the task no longer happens {#fixed weight=3}
- The project's tests pass {#tests-pass weight=2}
- A test fails without the fix and passes with it {#regression-test weight=2}

## Report
- The final message says what the cause was {#cause}
`;

const BUG_FIX_V3 = `# Bug fix

A fix another engineer could merge as it is.

## Fix
- The bug described in the task no longer happens {#fixed weight=3}
- The project's tests pass {#tests-pass weight=2}
- A test fails without the fix and passes with it {#regression-test weight=2}
- Nothing outside the fix changed {#focused}

## Report
- The final message says what the cause was {#cause}
- NOTES.md records the cause for next time {#notes .optional}
`;

/**
 * \`rubrics=demo\`: a "Bug fix" rubric saved three times and a "Research brief" from the
 * templates, and a past run of the Maintainer graded against "Bug fix" with three grader passes:
 * the first evaluation needs a revision (one pass dissenting), the second is satisfied.
 */
function rubricsDemo(options: MemoryBackendOptions): void {
  options.rubrics = [
    { name: "Bug fix", versions: [BUG_FIX_V1, BUG_FIX_V2, BUG_FIX_V3], agoMs: 50 * HOUR },
    {
      name: "Research brief",
      versions: [
        "# Research brief\n\n## Substance\n- It answers the question that was asked, in the first paragraph {#answers-first weight=3}\n- Every claim that matters names its source {#sourced weight=2}\n\n## Form\n- It fits on one page (about 500 words) {#one-page}\n",
      ],
      agoMs: 40 * HOUR,
    },
  ];
  options.sessions = [
    ...(options.sessions ?? []),
    {
      agent: "Maintainer",
      task: "The notes app loses the last note on exit. Find the cause, fix it and run the tests.",
      workspace: "/home/you/projects/notes",
      outcome: "finished",
      startedAgoMs: 2 * HOUR,
      rubric: "Bug fix",
      graderPasses: 3,
    },
  ];
}

const HOUR = 3_600_000;
const MINUTE = 60_000;
const SESSION_1 = { session: "ses_0001", thread: "thr_0001" };
const SESSION_2 = { session: "ses_0002", thread: "thr_0002" };
const BY_SESSION_1 = "session:ses_0001/thread:thr_0001";

const TESTING_V1 = `# Testing

- Run \`npm test\` from the project folder; it uses node --test.
- The tests live in test/ and need no network.
`;

const TESTING_V2 = `# Testing

- Run \`npm test\` from the project folder; it uses node --test.
- The tests live in test/ and need no network.
- Saving on exit is covered by test/exit.test.js: run it after touching src/store.js.
`;

const TESTING_V3 = `# Testing

- Run \`npm test\` from the project folder; it uses node --test.
- The tests live in test/ and need no network.
- Saving on exit is covered by test/exit.test.js: run it after touching src/store.js.
- Use a temporary folder (\`fs.mkdtemp\`) for notes written by a test, never ~/.notes.
`;

const TESTING_V4 = `# Testing

- Run \`npm test\` from the project folder; it uses node --test.
- Tests live in test/, one file per module, and need no network.
- Saving on exit is covered by test/exit.test.js: run it after touching src/store.js.
- Use a temporary folder (\`fs.mkdtemp\`) for notes written by a test, never ~/.notes.

## Before a release

Run \`npm test -- --test-reporter=spec\` and read the output, not only the summary.
`;

const OVERVIEW = `# Notes app

A small command-line notes app. Notes are Markdown files in ~/.notes, one per note.

- Entry point: src/cli.js; storage: src/store.js.
- Install steps are in the README; keep them in step with package.json.
`;

/** The overview as edited in Reverie after it was last written to the mirror folder… */
const OVERVIEW_OURS = `# Notes app

A small command-line notes app. Notes are Markdown files in ~/.notes, one per note.

- Entry point: src/cli.js; storage: src/store.js.
- Install steps are in the README; keep them in step with package.json.
- Needs Node 20 or newer.
`;

/** …and as edited meanwhile in the user's own editor, in the mirror folder. */
const OVERVIEW_THEIRS = `# Notes app

A small command-line notes app. Notes are Markdown files in ~/.notes, one per note.

- Entry point: src/cli.js; storage: src/store.js; export to HTML: src/export.js.
- Install steps are in the README; keep them in step with package.json.
`;

const STORAGE = `# Storage format

Each note is a Markdown file named by its creation time (\`2024-05-01T10-00.md\`).
We chose files over SQLite so notes stay readable and diffable.
Writes go to a temporary file first, then a rename, so a crash never leaves half a note.
`;

const STYLE_V1 = `# Style

- Two spaces, semicolons, double quotes.
- Ask Sam (sam@example.com, 555-0134) before changing the CLI flags.
`;

const STYLE_V2 = `# Style

- Two spaces, semicolons, double quotes.
- Ask the maintainers before changing the CLI flags.
`;

/**
 * `memory=demo`: the runs demo, plus a memory store the Maintainer mounts, with files written by
 * a session, the user, an external editor and a dream, a rename, a redacted version and the
 * sessions that loaded them; a file changed both in Reverie and in the mirror folder (a
 * conflict) and a file there that couldn't be imported (a problem); and a folder with Markdown
 * files to import.
 */
function memoryDemo(options: MemoryBackendOptions): void {
  options.memoryStores = [
    {
      name: "Project notes",
      description: "How the notes app is built, tested and released",
      steps: [
        { type: "write", path: "project/overview.md", content: OVERVIEW, actor: "user", agoMs: 30 * HOUR },
        { type: "write", path: "decisions/storage.md", content: STORAGE, actor: "user", agoMs: 29 * HOUR },
        { type: "write", path: "style.md", content: STYLE_V1, actor: "user", agoMs: 28 * HOUR },
        { type: "access", ...SESSION_1, kind: "listed", path: "project/testing.md", agoMs: 26 * HOUR - MINUTE },
        {
          type: "access",
          ...SESSION_1,
          kind: "searched",
          path: "project/overview.md",
          query: "tests exit save",
          agoMs: 26 * HOUR - 2 * MINUTE,
        },
        { type: "access", ...SESSION_1, kind: "read", path: "project/overview.md", agoMs: 26 * HOUR - 3 * MINUTE },
        {
          type: "write",
          path: "project/testing.md",
          content: TESTING_V1,
          actor: BY_SESSION_1,
          agoMs: 26 * HOUR - 4 * MINUTE,
        },
        { type: "access", ...SESSION_1, kind: "written", path: "project/testing.md", agoMs: 26 * HOUR - 4 * MINUTE },
        {
          type: "write",
          path: "project/testing.md",
          content: TESTING_V2,
          actor: BY_SESSION_1,
          agoMs: 26 * HOUR - 5 * MINUTE,
        },
        { type: "access", ...SESSION_1, kind: "written", path: "project/testing.md", agoMs: 26 * HOUR - 5 * MINUTE },
        { type: "write", path: "style.md", content: STYLE_V2, actor: "user", agoMs: 24 * HOUR },
        { type: "redact", path: "style.md", version: 1 },
        { type: "write", path: "project/testing.md", content: TESTING_V3, actor: "external", agoMs: 5 * HOUR },
        {
          type: "access",
          ...SESSION_2,
          kind: "searched",
          path: "project/testing.md",
          query: "install steps",
          agoMs: 3 * HOUR - MINUTE,
        },
        { type: "access", ...SESSION_2, kind: "read", path: "project/overview.md", agoMs: 3 * HOUR - 2 * MINUTE },
        { type: "access", ...SESSION_2, kind: "searched", query: "disk layout sqlite", agoMs: 3 * HOUR - 3 * MINUTE },
        {
          type: "access",
          ...SESSION_2,
          kind: "searched",
          path: "decisions/storage.md",
          query: "notes stored files",
          agoMs: 3 * HOUR - 4 * MINUTE,
        },
        { type: "access", ...SESSION_2, kind: "read", path: "decisions/storage.md", agoMs: 3 * HOUR - 5 * MINUTE },
        {
          type: "rename",
          path: "decisions/storage.md",
          to: "decisions/storage-format.md",
          actor: "user",
          agoMs: 2 * HOUR,
        },
        { type: "write", path: "project/testing.md", content: TESTING_V4, actor: "dream:drm_0001", agoMs: HOUR },
        { type: "write", path: "project/overview.md", content: OVERVIEW_OURS, actor: "user", agoMs: 40 * MINUTE },
        { type: "conflict", path: "project/overview.md", theirs: OVERVIEW_THEIRS, agoMs: 20 * MINUTE },
        {
          type: "problem",
          path: "meetings/kickoff.md",
          problem:
            "It isn't UTF-8 text (binary data, or saved in another encoding). Save it as UTF-8 Markdown; it was not imported.",
          agoMs: 2 * HOUR,
        },
      ],
    },
  ];
  options.folders = {
    "/home/you/projects/notes": {
      "docs/release.md": "# Releasing\n\n1. Bump the version in package.json.\n2. Run the tests.\n3. Tag and push.\n",
      "docs/faq.md": "# FAQ\n\nWhere are notes kept? In ~/.notes, one Markdown file per note.\n",
      "package.json": "{}\n",
    },
  };
  for (const agent of options.agents ?? []) {
    agent.memory = [{ store: "Project notes", access: agent.name === "Maintainer" ? "read_write" : "read_only" }];
  }
}

/**
 * `team=demo`: the example team on Anthropic, its reviewer asking before it runs a command, and a
 * finished run of the coordinator: three subagents side by side, each reporting back.
 */
function teamDemo(options: MemoryBackendOptions): void {
  const ask = (tools: ToolRule[]) => [
    ...tools.filter((t) => t.tool !== "run_command"),
    { tool: "run_command", permission: "ask" as const },
  ];
  const members = EXAMPLE_TEAM.members.map((m) => ({
    ...m,
    provider: "Anthropic",
    tools: m.name === "Reviewer" ? ask(m.tools) : m.tools,
  }));
  options.agents = [
    ...(options.agents ?? []),
    ...members,
    { ...EXAMPLE_TEAM.coordinator, provider: "Anthropic", roster: members.map((m) => m.name) },
  ];
  options.sessions = [
    ...(options.sessions ?? []),
    {
      agent: "Coordinator",
      task: "Write a one-page summary of the notes app for a new contributor, checked against the code.",
      workspace: "/home/you/projects/notes",
      outcome: "finished",
      startedAgoMs: HOUR,
    },
  ];
}

/** What the waiting proposal makes of the testing notes: two changes, far enough apart to be two hunks. */
const TESTING_V5 = `# Testing

- Run \`npm test\` from the project folder; it uses node --test and takes a second, so run it after every change, not only at the end.
- Tests live in test/, one file per module, and need no network.
- Saving on exit is covered by test/exit.test.js: run it after touching src/store.js.
- Use a temporary folder (\`fs.mkdtemp\`) for notes written by a test, never ~/.notes.

## Before a release

Run \`npm test -- --test-reporter=spec\` and read the output, not only the summary.
Say in your last message which tests ran and whether they passed.
`;

const INTERRUPTED_RUNS = `# When a run stops early

- Write the plan to NOTES.md before running any command: a run cut short while a command waits for approval still leaves its plan behind.
- \`npm test\` waits for the user's approval. Ask for it early in the run, not as the last step.
`;

/**
 * `dreams=demo`: the memory demo, a finished run of the Maintainer that no dream has read yet,
 * and the store's dreams — the one that wrote the testing notes (applied), one that failed, and
 * one waiting for review: an update in two hunks, a new file and a rename, with evidence from
 * the demo sessions (one of them deleted since) and a change left out. The store dreams daily at
 * 03:30; a second store is mounted by no agent.
 */
function dreamsDemo(options: MemoryBackendOptions): void {
  options.sessions = [
    ...(options.sessions ?? []),
    {
      agent: "Maintainer",
      task: "Add a --version flag that prints the version from package.json.",
      workspace: "/home/you/projects/notes",
      outcome: "finished",
      startedAgoMs: 50 * MINUTE,
    },
  ];
  options.memoryStores = [
    ...(options.memoryStores ?? []),
    { name: "Reading list", description: "Papers and posts worth remembering" },
  ];
  options.dreams = [
    {
      store: "Project notes",
      outcome: "applied",
      sessions: ["ses_0001"],
      startedAgoMs: HOUR + 2 * MINUTE,
      tookMs: 52_000,
      changes: [
        {
          op: "update",
          path: "project/testing.md",
          before: TESTING_V3,
          content: TESTING_V4,
          rationale:
            "The session read every test file before finding the one for saving on exit: saying there is one file per module would have sent it straight there. It also read only the summary line of the test output.",
          evidence: [
            { session: "ses_0001", quote: "✔ adds a note" },
            { session: "ses_0001", quote: "ran the tests: both pass" },
          ],
        },
      ],
    },
    {
      store: "Project notes",
      outcome: "failed",
      sessions: ["ses_0003"],
      startedAgoMs: 45 * MINUTE,
      tookMs: 31_000,
      error:
        "The consolidate stage failed: Anthropic is overloaded right now. Try again in a few minutes. Nothing was written to memory.",
    },
    {
      store: "Project notes",
      outcome: "ready",
      sessions: ["ses_0001", "ses_0002"],
      instructions: "Focus on how the tests are run; leave the storage notes alone.",
      startedAgoMs: 12 * MINUTE,
      tookMs: 95_000,
      changes: [
        {
          op: "update",
          path: "project/testing.md",
          content: TESTING_V5,
          rationale:
            "The tests finish in milliseconds, so running them after each change costs nothing. The run that finished said in its last message that they pass; the one cut short never ran them.",
          evidence: [
            { session: "ses_0001", quote: "✔ adds a note (2.1ms)" },
            { session: "ses_0001", quote: "ran the tests: both pass" },
            { session: "ses_0002", quote: "Now let me run the tests." },
          ],
        },
        {
          op: "create",
          path: "lessons/interrupted-runs.md",
          content: INTERRUPTED_RUNS,
          rationale:
            "The README update was cut short while `npm test` waited for approval, with nothing written down. The first run wrote its plan to NOTES.md before running anything, so its work was never at risk.",
          evidence: [
            { session: "ses_0001", quote: "First I'll write down the task in NOTES.md." },
            { session: "ses_0002", quote: "Now let me run the tests." },
            { session: "ses_0042", seq: 14, quote: "The run stopped while npm test waited for approval." },
          ],
        },
        {
          op: "rename",
          from: "style.md",
          path: "project/style.md",
          rationale:
            "Every other note about the notes app lives under project/. Moving the style notes there keeps the index grouped by topic.",
        },
      ],
      dropped: ["../NOTES.md: A path can't use . or .. to move between folders. It was left out."],
    },
  ];
  options.dreamSettings = [{ store: "Project notes", settings: { mode: "review", daily_at: "03:30" } }];
}
