//! `team`: the example team, made as the Agents page's "Example team" button makes it
//! (`Agents::create_example_team` on Anthropic), its Reviewer allowed to run commands after
//! asking, and one finished run of the Coordinator on the notes project: it delegates to the
//! Researcher, the Writer and the Reviewer in one turn (they run side by side), the Writer
//! writes SUMMARY.md, the Reviewer's command is approved, each reports back, and the
//! Coordinator sums up.
//!
//! The example team's instructions carry no `[[script:NAME]]` marker, so the Coordinator's
//! delegation messages do: each subagent's requests then get their own conversation of the fake
//! model however the three interleave. The Coordinator's own second request quotes its first
//! reply, whose first marker is the Researcher's, so its closing words are the last reply of
//! that conversation.

use reverie_engine::blocking::blocking;
use reverie_engine::session::RunOptions;
use reverie_protocol::{Agent, AgentInput, Permission, RunInput, ToolRule};
use reverie_testkit::{Reply, Usage};
use serde_json::json;

use super::providers::ANTHROPIC;
use super::runs::PROJECT;
use super::{run_to_end, InSeed, Seed, SeedFuture, Seeding};

const NAME: &str = "team";

pub const SEED: Seed = Seed {
    name: NAME,
    summary: "the example team (its Reviewer asks before commands) and a finished run of its Coordinator",
    needs: &["runs"],
    run,
};

pub const COORDINATOR: &str = "Coordinator";
pub const REVIEWER: &str = "Reviewer";
pub const TEAM_TASK: &str =
    "Write a one-page summary of the notes app for a new contributor, checked against the code.";
/// What the Writer writes in the project.
pub const SUMMARY_PATH: &str = "SUMMARY.md";
const SUMMARY: &str = "# The notes app\n\nA command-line notes app: notes are Markdown files in ~/.notes, kept in memory and saved every five seconds and on exit (src/store.js).\n\n## Working on it\n\n- Install with `npm install -g .`.\n- Run the tests with `npm test` (sh test/run.sh); they need no network.\n";
/// The Reviewer's check.
pub const REVIEW_COMMAND: &str = "sh test/run.sh";

fn run<'a>(seeding: &'a Seeding<'a>) -> SeedFuture<'a> {
    Box::pin(async move {
        let ctx = seeding.ctx;
        let workspace = seeding.workspace(PROJECT, &[])?;
        let (providers, agents) = (ctx.core.providers.clone(), ctx.core.agents.clone());
        let coordinator = blocking(move || {
            let provider =
                providers.list()?.into_iter().find(|p| p.name == ANTHROPIC).map(|p| p.id).ok_or_else(|| {
                    reverie_engine::Error::NotFound(format!("the provider “{ANTHROPIC}” (from the providers seed)"))
                })?;
            let team = agents.create_example_team(&provider)?;
            // The Reviewer may run the tests, after asking (run_command's default is Ask).
            let reviewer = team
                .iter()
                .find(|a| a.name == REVIEWER)
                .cloned()
                .ok_or_else(|| reverie_engine::Error::Internal("the example team has no Reviewer".into()))?;
            let tools: Vec<ToolRule> = reviewer.tools.iter().filter(|t| t.tool != "run_command").cloned().collect();
            let mut input = input_of(&reviewer);
            input.tools = tools
                .into_iter()
                .chain([ToolRule { tool: "run_command".into(), permission: Permission::Ask }])
                .collect();
            agents.update(&reviewer.id, input)?;
            team.into_iter()
                .find(|a| a.name == COORDINATOR)
                .ok_or_else(|| reverie_engine::Error::Internal("the example team has no Coordinator".into()))
        })
        .await
        .in_seed(NAME)?;

        let delegate = |agent: &str, message: &str| {
            Reply::new().tool_use("delegate", json!({"agent": agent, "message": message})).steps.remove(0)
        };
        seeding.model.push([Reply::new()
            .text("Three parts: the facts, a draft from them, and a check of the draft against the code. The researcher and the writer can start at once; the reviewer checks what the code does meanwhile.")
            .step(delegate("Researcher", "Find what the notes app does, where notes are kept and how the tests run; cite file:line. [[script:researcher]]"))
            .step(delegate("Writer", "Write SUMMARY.md: one page for a new contributor — what the app does, how to install it, how to run the tests. [[script:writer]]"))
            .step(delegate("Reviewer", "Check that the tests pass and that notes are saved on exit, as the summary will say. [[script:reviewer]]"))
            .usage(Usage::new(2100, 180))]);
        seeding.model.push_to(
            "researcher",
            [
                Reply::new().text("Reading the README.").tool_use("read_file", json!({"path": "README.md"})).delay_ms(120),
                Reply::new().text("Now where notes are saved.").tool_use("search_files", json!({"pattern": "save\\(notes\\)"})).delay_ms(120),
                Reply::new()
                    .text("The notes app keeps notes as Markdown files in ~/.notes (README.md:3). src/store.js:3 saves every five seconds, and src/store.js:4 saves on exit. The tests are `npm test`, which runs sh test/run.sh (README.md:11).")
                    .usage(Usage::new(1650, 90))
                    .delay_ms(120),
                // The Coordinator's second request (its first marker is this conversation's).
                Reply::new()
                    .text("Done. SUMMARY.md is a one-page summary for a new contributor; the researcher's facts are in it and the reviewer checked it against the code: the tests pass and notes are saved on exit.")
                    .usage(Usage::new(3200, 70)),
            ],
        );
        seeding.model.push_to(
            "writer",
            [
                Reply::new()
                    .text("Writing SUMMARY.md.")
                    .tool_use("write_file", json!({"path": SUMMARY_PATH, "content": SUMMARY}))
                    .delay_ms(120),
                Reply::new().text("SUMMARY.md is written.").usage(Usage::new(900, 40)).delay_ms(120),
            ],
        );
        seeding.model.push_to(
            "reviewer",
            [
                Reply::new().text("Running the tests.").tool_use("run_command", json!({"command": REVIEW_COMMAND})),
                Reply::new()
                    .text("Both tests pass, and src/store.js saves on exit: the summary can say so.")
                    .usage(Usage::new(1100, 35)),
            ],
        );
        let input = RunInput {
            agent_id: coordinator.id.clone(),
            workspace: workspace.display().to_string(),
            task: TEAM_TASK.into(),
            max_threads: None,
            outcome: None,
            allow_home: None,
        };
        let started = ctx.core.sessions.start(input, RunOptions::default()).await.in_seed(NAME)?;
        run_to_end(ctx, NAME, started, |tool, _| tool == "run_command").await?;
        Ok(())
    })
}

/// What `agent` was made from, to update it with a change or two.
pub(super) fn input_of(agent: &Agent) -> AgentInput {
    AgentInput {
        name: agent.name.clone(),
        description: agent.description.clone(),
        instructions: agent.instructions.clone(),
        provider_id: agent.provider_id.clone(),
        model: agent.model.clone(),
        tools: agent.tools.clone(),
        max_turns: Some(agent.max_turns),
        memory: agent.memory.clone(),
        roster: agent.roster.clone(),
    }
}
