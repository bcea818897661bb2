//! The dev server's seeds: each leaves, in a new data folder, what it promises, made by the
//! real engine; the folder then opens as the dev server opens it.

use std::sync::Arc;

use reverie_api::seed::{self, FakeModel, SeedError, SEED_KEY};
use reverie_api::server;
use reverie_api::Context;
use reverie_engine::memory::mirror::MirrorWatch;
use reverie_engine::secrets::ExposeSecret;
use reverie_engine::session::RunOptions;
use reverie_engine::Secrets;
use reverie_protocol::{
    EventPayload, IdleReason, MemoryAccess, MemoryAccessKind, MemoryOp, OutcomeResult, SessionEvent, SessionStatus,
    Verdict,
};
use reverie_testkit::{Reply, Script};

struct Seeded {
    ctx: Context,
    _watch: MirrorWatch,
    model: FakeModel,
    data: tempfile::TempDir,
}

/// Seeds a new folder with `names`, then opens it as the dev server does.
async fn seeded(names: &[&str]) -> Seeded {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let data = tempfile::tempdir().unwrap();
    let secrets = Arc::new(Secrets::memory_only());
    let model = FakeModel::start().await.unwrap();
    let names: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
    seed::seed(data.path(), secrets.clone(), &names, &model).await.unwrap();
    let dir = data.path().to_owned();
    let (ctx, watch) = tokio::task::spawn_blocking(move || server::open(&dir, secrets)).await.unwrap().unwrap();
    Seeded { ctx, _watch: watch, model, data }
}

fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|n| (*n).to_owned()).collect()
}

async fn events(ctx: &Context, id: &reverie_protocol::SessionId) -> Vec<SessionEvent> {
    ctx.core.sessions.events(id, 0, 10_000).await.unwrap()
}

#[test]
fn seed_plan_runs_what_each_seed_needs_first_once_and_refuses_unknown_names() {
    let plan = |list: &[&str]| seed::plan(&names(list)).map(|p| p.iter().map(|s| s.name).collect::<Vec<_>>());
    assert_eq!(plan(&["runs"]).unwrap(), ["providers", "runs"]);
    assert_eq!(plan(&["runs", "providers", "runs"]).unwrap(), ["providers", "runs"]);
    assert_eq!(plan(&[]).unwrap(), Vec::<&str>::new());
    match plan(&["providers", "nope"]) {
        Err(SeedError::Unknown { name, known }) => {
            assert_eq!(name, "nope");
            assert!(known.contains("providers") && known.contains("runs"), "{known}");
        }
        other => panic!("an unknown seed is refused: {other:?}"),
    }
}

#[tokio::test]
async fn seed_providers_leaves_anthropic_on_the_fake_with_its_key_and_an_ollama_that_is_not_running() {
    let s = seeded(&["providers"]).await;
    let providers = s.ctx.core.providers.list().unwrap();
    let names: Vec<&str> = providers.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["Anthropic", "Ollama (local)"]);
    let (anthropic, ollama) = (&providers[0], &providers[1]);
    assert_eq!(anthropic.base_url, s.model.anthropic_url());
    assert_eq!(anthropic.model, "claude-sonnet-4-5");
    assert_eq!(
        s.ctx.core.providers.api_key(&anthropic.id).unwrap().map(|k| k.expose_secret().to_owned()),
        Some(SEED_KEY.to_owned())
    );
    assert!(s.ctx.core.providers.api_key(&ollama.id).unwrap().is_none());

    let connected = s.ctx.core.providers.test_connection(&anthropic.id).await.unwrap();
    assert!(connected.ok, "{connected:?}");
    let refused = s.ctx.core.providers.test_connection(&ollama.id).await.unwrap();
    assert!(!refused.ok, "nothing listens where Ollama should: {refused:?}");
    assert!(s.ctx.core.agents.list().unwrap().is_empty(), "providers only");
}

#[tokio::test]
async fn seed_runs_leaves_a_finished_an_interrupted_and_a_failed_run_and_the_interrupted_one_resumes() {
    let s = seeded(&["runs"]).await;
    let agents: Vec<String> = s.ctx.core.agents.list().unwrap().into_iter().map(|a| a.name).collect();
    assert_eq!(agents.len(), 2, "{agents:?}");
    assert!(agents.contains(&"Maintainer".to_owned()) && agents.contains(&"Local helper".to_owned()));

    let sessions = s.ctx.core.sessions.list().await.unwrap();
    let states: Vec<(&str, SessionStatus, Option<IdleReason>)> =
        sessions.iter().map(|x| (x.agent_name.as_str(), x.status, x.stop_reason)).collect();
    assert_eq!(
        states,
        [
            ("Local helper", SessionStatus::Idle, Some(IdleReason::Error)),
            ("Maintainer", SessionStatus::Interrupted, None),
            ("Maintainer", SessionStatus::Idle, Some(IdleReason::EndTurn)),
        ],
        "newest first"
    );
    let (failed, interrupted, finished) = (&sessions[0], &sessions[1], &sessions[2]);

    // The finished run really fixed the project and ran its tests, both approved.
    let workspace = std::path::Path::new(&finished.workspace);
    assert!(workspace.starts_with(s.data.path()), "{}", workspace.display());
    assert!(std::fs::read_to_string(workspace.join("src/store.js")).unwrap().contains("process.on(\"exit\""));
    assert!(workspace.join("NOTES.md").is_file());
    let log = events(&s.ctx, &finished.id).await;
    let approved: Vec<bool> = log
        .iter()
        .filter_map(|e| match &e.payload {
            EventPayload::ApprovalResolved { approved, .. } => Some(*approved),
            _ => None,
        })
        .collect();
    assert_eq!(approved, [true, true], "the edit and the command");
    assert!(
        log.iter().any(|e| matches!(&e.payload, EventPayload::AgentToolResult { content, is_error: false, .. } if content.contains("✔ saves the last note on exit"))),
        "the tests ran and passed"
    );
    assert_eq!(finished.turns, 5);
    assert!(finished.cost_usd.is_some_and(|c| c > 0.0), "priced: {:?}", finished.cost_usd);

    // The failed one says why.
    let log = events(&s.ctx, &failed.id).await;
    let error = log.iter().find_map(|e| match &e.payload {
        EventPayload::Error { error } => Some(error.clone()),
        _ => None,
    });
    assert!(error.as_ref().is_some_and(|e| e.message.contains("Couldn't reach")), "{error:?}");

    // The interrupted one was found by start-up, as after a crash, and waits with its approval unanswered.
    let notices = s.ctx.status.as_ref().unwrap().notices.clone();
    assert!(notices.iter().any(|n| n.title == "A run was interrupted"), "{notices:?}");
    let log = events(&s.ctx, &interrupted.id).await;
    assert!(
        matches!(log.last().map(|e| &e.payload), Some(EventPayload::ApprovalRequested { name, .. }) if name == "run_command")
    );

    // After seeding, the model answers from the script the dev server is given.
    s.model.set_script(Script::from_replies([Reply::new().text("The README now has the new install steps.")]));
    let started = s.ctx.core.sessions.continue_run(&interrupted.id, None, RunOptions::default()).await.unwrap();
    let outcome = started.done.await.unwrap().unwrap();
    assert_eq!(outcome.reason, IdleReason::EndTurn);
    assert_eq!(s.ctx.core.sessions.get(&interrupted.id).await.unwrap().status, SessionStatus::Idle);
}

#[tokio::test]
async fn seeding_refuses_a_folder_that_already_has_data() {
    let s = seeded(&["providers"]).await;
    let dir = s.data.path().to_owned();
    drop(s.ctx);
    let again = seed::seed(&dir, Arc::new(Secrets::memory_only()), &names(&["providers"]), &s.model).await;
    assert!(matches!(again, Err(SeedError::NotEmpty(ref d)) if d == &dir), "{again:?}");
}

/// `reverie-devserver` itself: its stdout lines, until the URL.
async fn devserver_lines(args: &[&std::ffi::OsStr]) -> (tokio::process::Child, Vec<String>) {
    use tokio::io::AsyncBufReadExt;
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_reverie-devserver"))
        .args(args)
        .env("OPENAI_API_KEY", "")
        .env("ANTHROPIC_API_KEY", "")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let mut seen = Vec::new();
    tokio::time::timeout(seed::SEED_WAIT, async {
        while let Some(line) = lines.next_line().await.unwrap() {
            let url = line.contains("/?token=");
            seen.push(line);
            if url {
                return;
            }
        }
        panic!("reverie-devserver ended before it printed its URL: {seen:?}");
    })
    .await
    .expect("the URL line");
    (child, seen)
}

#[tokio::test]
async fn seed_through_the_devserver_binary_prints_its_url_once_seeded_and_serves_the_shell_double() {
    let data = tempfile::tempdir().unwrap();
    let shell = data.path().join("shell.json");
    std::fs::write(
        &shell,
        r#"{"keychain": "memory_only", "notices": [{"id": "logs", "level": "warning", "title": "Logs are not being written", "detail": "The log folder is read-only."}]}"#,
    )
    .unwrap();
    let dir = data.path().join("data");
    let (_child, lines) =
        devserver_lines(&[dir.as_os_str(), "--seed".as_ref(), "runs".as_ref(), "--shell".as_ref(), shell.as_os_str()])
            .await;
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(lines[0].starts_with("model: http://127.0.0.1:"), "{lines:?}");
    let url = reqwest::Url::parse(&lines[1]).unwrap();
    let token = url.query_pairs().find(|(k, _)| k == "token").map(|(_, v)| v.into_owned()).unwrap();
    let http = reqwest::Client::new();
    let post = |command: &str| {
        http.post(url.join(&format!("/api/{command}")).unwrap()).header(server::TOKEN_HEADER, &token).body("{}")
    };

    // Seeded before the URL was printed: the sessions are there, the interrupted one reported.
    let sessions: serde_json::Value = post("list_sessions").send().await.unwrap().json().await.unwrap();
    assert_eq!(sessions.as_array().map(Vec::len), Some(3), "{sessions}");
    let status: serde_json::Value = post("app_status").send().await.unwrap().json().await.unwrap();
    let titles: Vec<&str> = status["notices"].as_array().unwrap().iter().filter_map(|n| n["title"].as_str()).collect();
    assert_eq!(titles, ["A run was interrupted", "Logs are not being written"], "{status}");
    assert_eq!(status["secret_backend"], "memory_only");
}

#[tokio::test]
async fn the_devserver_binary_refuses_an_unknown_seed_with_the_names_it_knows() {
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_reverie-devserver"))
        .args(["--seed", "nope"])
        .output()
        .await
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("There is no seed called `nope`. Choose from: providers, runs, memory, rubrics, team, dreams."),
        "{stderr}"
    );
    assert!(output.stdout.is_empty(), "no URL");
}

/// `(op, actor)` of a memory file's versions, newest first, a thread's actor as `session`.
fn history(s: &Seeded, store: &reverie_protocol::MemoryStoreId, path: &str) -> Vec<(MemoryOp, String)> {
    let versions = s.ctx.core.memory.history(store, path).unwrap();
    versions
        .into_iter()
        .map(|v| (v.op, if v.actor.starts_with("session:") { "session".to_owned() } else { v.actor }))
        .collect()
}

#[tokio::test]
async fn seed_memory_leaves_a_store_with_history_by_you_two_runs_and_your_editor_a_conflict_and_a_problem() {
    let s = seeded(&["memory"]).await;
    let memory = &s.ctx.core.memory;
    let stores = memory.stores().unwrap();
    assert_eq!(stores.iter().map(|x| x.name.as_str()).collect::<Vec<_>>(), ["Project notes"]);
    let store = &stores[0];
    let files: Vec<String> = memory.files(&store.id).unwrap().into_iter().map(|f| f.path).collect();
    assert_eq!(files, ["decisions/storage-format.md", "project/overview.md", "project/testing.md", "style.md"]);

    // The testing notes: made by a run, edited in the mirror folder, then by you.
    assert_eq!(
        history(&s, &store.id, "project/testing.md"),
        [
            (MemoryOp::Update, "user".to_owned()),
            (MemoryOp::Update, "external".to_owned()),
            (MemoryOp::Update, "session".to_owned()),
            (MemoryOp::Create, "session".to_owned()),
        ]
    );
    let testing = memory.read(&store.id, "project/testing.md").unwrap().content;
    assert!(testing.contains("Saving on exit is covered") && testing.contains("## Before a release"), "{testing}");
    let renamed = memory.history(&store.id, "decisions/storage-format.md").unwrap();
    assert_eq!((renamed[0].op, renamed[0].previous_path.as_deref()), (MemoryOp::Rename, Some("decisions/storage.md")));
    let style = memory.history(&store.id, "style.md").unwrap();
    assert_eq!(style.iter().map(|v| v.redacted).collect::<Vec<_>>(), [false, true], "the first version is redacted");

    // The mirror folder: the overview changed on both sides, and a file that isn't UTF-8.
    let conflicts = s.ctx.mirror.conflicts(&store.id).unwrap();
    assert_eq!(conflicts.len(), 1, "{conflicts:?}");
    assert_eq!(conflicts[0].path, "project/overview.md");
    assert!(conflicts[0].theirs.as_deref().is_some_and(|t| t.contains("export to HTML")));
    assert!(memory.read(&store.id, "project/overview.md").unwrap().content.contains("Needs Node 20"));
    let problems = s.ctx.mirror.problems(&store.id).unwrap();
    assert_eq!(problems.iter().map(|p| p.path.as_str()).collect::<Vec<_>>(), ["meetings/kickoff.md"]);
    assert!(problems[0].problem.contains("UTF-8"), "{}", problems[0].problem);

    // Who mounts it, and the two runs that loaded it (the newest first).
    for agent in s.ctx.core.agents.list().unwrap() {
        let access = agent.memory.iter().find(|m| m.store_id == store.id).map(|m| m.access);
        let expected = if agent.name == "Maintainer" { MemoryAccess::ReadWrite } else { MemoryAccess::ReadOnly };
        assert_eq!(access, Some(expected), "{}", agent.name);
    }
    let sessions = s.ctx.core.sessions.list().await.unwrap();
    assert_eq!(sessions.len(), 5, "the runs seed's three and two more");
    let (reader, writer) = (&sessions[0], &sessions[1]);
    assert!(reader.task_preview.contains("install steps") && writer.task_preview.contains("tests are run"));
    for run in [reader, writer] {
        assert_eq!((run.status, run.stop_reason), (SessionStatus::Idle, Some(IdleReason::EndTurn)));
    }
    let loaded: Vec<(MemoryAccessKind, Option<String>, Option<String>)> = memory
        .accesses_of_session(&reader.id)
        .unwrap()
        .into_iter()
        .filter(|r| r.kind != MemoryAccessKind::Listed)
        .map(|r| (r.kind, r.path, r.query))
        .collect();
    let searched =
        |path: Option<&str>, query: &str| (MemoryAccessKind::Searched, path.map(str::to_owned), Some(query.to_owned()));
    let read = |path: &str| (MemoryAccessKind::Read, Some(path.to_owned()), None);
    assert!(loaded.contains(&searched(Some("project/testing.md"), "install steps and tests")), "{loaded:?}");
    assert!(loaded.contains(&searched(None, "database migrations")), "a search that found nothing: {loaded:?}");
    assert!(loaded.contains(&read("decisions/storage.md")) && loaded.contains(&read("project/overview.md")));
    let wrote = memory.accesses_of_session(&writer.id).unwrap();
    assert!(wrote.iter().any(|r| r.kind == MemoryAccessKind::Written), "{wrote:?}");
}

/// An evaluation: its iteration, result, and each criterion's verdict with how many passes disagreed.
type Evaluation = (u32, OutcomeResult, Vec<(String, Verdict, usize)>);

#[tokio::test]
async fn seed_rubrics_leaves_a_library_and_a_run_revised_once_then_satisfied_by_three_grader_passes() {
    let s = seeded(&["rubrics"]).await;
    let rubrics = s.ctx.core.rubrics.list().unwrap();
    let library: Vec<(&str, u32)> = rubrics.iter().map(|r| (r.name.as_str(), r.latest.version)).collect();
    assert_eq!(library, [("Bug fix", 3), ("Research brief", 1)]);
    let bug_fix = &rubrics[0];
    assert_eq!(s.ctx.core.rubrics.versions(&bug_fix.id).unwrap().len(), 3);
    assert_eq!(bug_fix.latest.criteria.len(), 6);

    let sessions = s.ctx.core.sessions.list().await.unwrap();
    assert_eq!(sessions.len(), 4, "the runs seed's three and the graded one");
    let graded = &sessions[0];
    assert!(graded.task_preview.contains("Find the cause"), "{}", graded.task_preview);
    assert_eq!((graded.status, graded.stop_reason), (SessionStatus::Idle, Some(IdleReason::EndTurn)));
    let log = events(&s.ctx, &graded.id).await;
    let evaluations: Vec<Evaluation> = log
        .iter()
        .filter_map(|e| match &e.payload {
            EventPayload::OutcomeEvaluationEnd { iteration, result, verdicts, .. } => Some((
                *iteration,
                *result,
                verdicts.iter().map(|v| (v.criterion_id.clone(), v.verdict, v.disagreement.len())).collect(),
            )),
            _ => None,
        })
        .collect();
    assert_eq!(evaluations.len(), 2, "{evaluations:?}");
    let (first, second) = (&evaluations[0], &evaluations[1]);
    assert_eq!((first.0, first.1, second.0, second.1), (0, OutcomeResult::NeedsRevision, 1, OutcomeResult::Satisfied));
    let at = |verdicts: &[(String, Verdict, usize)], id: &str| verdicts.iter().find(|v| v.0 == id).cloned().unwrap();
    assert_eq!(at(&first.2, "fixed"), ("fixed".into(), Verdict::Met, 3), "two passes of three: met");
    assert_eq!(at(&first.2, "tests-pass"), ("tests-pass".into(), Verdict::NotMet, 0));
    assert!(second.2.iter().all(|v| v.1 == Verdict::Met), "{:?}", second.2);
    assert!(
        log.iter().any(|e| matches!(&e.payload, EventPayload::AgentToolResult { content, is_error: false, .. } if content.contains("✔ saves the last note on exit"))),
        "the revision ran the tests"
    );
    let workspace = std::path::Path::new(&graded.workspace);
    assert!(std::fs::read_to_string(workspace.join("src/store.js")).unwrap().contains("process.on(\"exit\""));
}

#[tokio::test]
async fn seed_memory_and_rubrics_together_share_the_runs_seed_and_leave_both() {
    let s = seeded(&["rubrics", "memory"]).await;
    assert_eq!(s.ctx.core.agents.list().unwrap().len(), 2, "the runs seed ran once");
    assert_eq!(s.ctx.core.sessions.list().await.unwrap().len(), 6, "three from runs, two from memory, one graded");
    assert_eq!(s.ctx.core.memory.stores().unwrap().len(), 1);
    assert_eq!(s.ctx.core.rubrics.list().unwrap().len(), 2);
}

#[tokio::test]
async fn seed_team_leaves_the_example_team_and_a_finished_run_of_its_coordinator_with_three_subagents() {
    let s = seeded(&["team"]).await;
    let agents = s.ctx.core.agents.list().unwrap();
    let by_name = |name: &str| agents.iter().find(|a| a.name == name).unwrap_or_else(|| panic!("{name} in {agents:?}"));
    let coordinator = by_name("Coordinator");
    let members: Vec<&str> =
        coordinator.roster.iter().map(|id| agents.iter().find(|a| &a.id == id).unwrap().name.as_str()).collect();
    assert_eq!(members, ["Researcher", "Writer", "Reviewer"]);
    assert!(by_name("Maintainer").roster.is_empty(), "the runs seed came first");
    let permission =
        |agent: &str, tool: &str| by_name(agent).tools.iter().find(|t| t.tool == tool).map(|t| t.permission).unwrap();
    assert_eq!(permission("Reviewer", "run_command"), reverie_protocol::Permission::Ask);
    assert_eq!(permission("Researcher", "run_command"), reverie_protocol::Permission::Deny);

    let sessions = s.ctx.core.sessions.list().await.unwrap();
    let run = &sessions[0];
    assert_eq!(
        (run.agent_name.as_str(), run.status, run.stop_reason),
        ("Coordinator", SessionStatus::Idle, Some(IdleReason::EndTurn))
    );
    let log = events(&s.ctx, &run.id).await;
    let threads: Vec<&str> = log
        .iter()
        .filter_map(|e| match &e.payload {
            EventPayload::ThreadCreated { agent_name, .. } => Some(agent_name.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(threads, ["Researcher", "Writer", "Reviewer"]);
    let finished = log
        .iter()
        .filter(|e| matches!(e.payload, EventPayload::ThreadStatusIdle { reason: IdleReason::EndTurn }))
        .count();
    assert!(finished >= 3, "each subagent finished: {finished}");
    let reports = log.iter().filter(|e| matches!(e.payload, EventPayload::AgentToolResult { is_error: false, ref content, .. } if content.contains("thread_id"))).count();
    assert_eq!(reports, 3, "a report back from each");
    let approved: Vec<bool> = log
        .iter()
        .filter_map(|e| match &e.payload {
            EventPayload::ApprovalResolved { approved, .. } => Some(*approved),
            _ => None,
        })
        .collect();
    assert_eq!(approved, [true], "the Reviewer's command");
    assert!(
        log.iter().any(
            |e| matches!(&e.payload, EventPayload::AgentMessage { text, .. } if text.starts_with("Done. SUMMARY.md"))
        ),
        "the Coordinator summed up"
    );
    let summary = std::fs::read_to_string(std::path::Path::new(&run.workspace).join("SUMMARY.md")).unwrap();
    assert!(summary.starts_with("# The notes app"), "{summary}");
}

#[tokio::test]
async fn seed_dreams_leaves_a_store_with_history_an_applied_a_failed_and_a_ready_dream_and_two_new_sessions() {
    use reverie_protocol::{DreamStatus, FileOp, MemoryAccess, ProposalStatus};
    let s = seeded(&["dreams"]).await;
    let (memory, dreams) = (&s.ctx.core.memory, &s.ctx.core.dreams);
    let stores: Vec<String> = memory.stores().unwrap().into_iter().map(|st| st.name).collect();
    assert!(stores.contains(&"Project notes".to_owned()) && stores.contains(&"Reading list".to_owned()), "{stores:?}");
    let store = memory.store_by_name("Project notes").unwrap();
    let agents = s.ctx.core.agents.list().unwrap();
    let mounting: Vec<(&str, MemoryAccess)> = agents
        .iter()
        .flat_map(|a| a.memory.iter().filter(|m| m.store_id == store.id).map(move |m| (a.name.as_str(), m.access)))
        .collect();
    assert!(mounting.contains(&("Maintainer", MemoryAccess::ReadWrite)), "{mounting:?}");

    // Newest first: ready for review, failed, applied.
    let list = dreams.list(Some(&store.id)).unwrap();
    let states: Vec<(DreamStatus, Option<ProposalStatus>)> = list.iter().map(|d| (d.status, d.proposal)).collect();
    assert_eq!(
        states,
        [
            (DreamStatus::Completed, Some(ProposalStatus::Ready)),
            (DreamStatus::Failed, None),
            (DreamStatus::Completed, Some(ProposalStatus::Applied)),
        ]
    );
    let (ready, failed, applied) = (&list[0], &list[1], &list[2]);
    assert_eq!(
        failed.error.as_deref(),
        Some("The consolidate stage failed: The provider is overloaded right now. Try again in a minute. Nothing was written to memory.")
    );
    assert_eq!(ready.sessions.len(), 2);
    assert!(applied.sessions.len() >= 2, "every finished session so far: {:?}", applied.sessions);
    assert!(ready.instructions.starts_with("Focus on how the tests are run"));

    // The applied dream wrote the testing notes' newest version.
    let history = memory.history(&store.id, "project/testing.md").unwrap();
    assert!(history.len() >= 2, "{history:?}");
    assert_eq!(history[0].actor, format!("dream:{}", applied.id.as_str()), "{history:?}");

    // The one ready: an update in two hunks, a new file, a rename, quotes of both runs, one change left out.
    let proposal = dreams.proposal(&ready.id).unwrap();
    let files: Vec<(FileOp, &str, usize)> =
        proposal.files.iter().map(|f| (f.op, f.path.as_str(), f.hunks.len())).collect();
    assert_eq!(
        files,
        [
            (FileOp::Update, "project/testing.md", 2),
            (FileOp::Create, "lessons/interrupted-runs.md", 1),
            (FileOp::Rename, "project/style.md", 1),
        ]
    );
    assert_eq!(proposal.files[2].previous_path.as_deref(), Some("style.md"));
    let quoted: Vec<&str> = proposal.files[0].evidence.iter().map(|e| e.quote.as_str()).collect();
    assert_eq!(quoted, ["Now let me run the tests.", "I ran the tests: both pass"]);
    assert_eq!(proposal.dropped.len(), 1, "{:?}", proposal.dropped);
    assert_eq!(
        proposal.dropped,
        ["“../NOTES.md” is not a memory path: “..” and “.” are not allowed. It was left out."]
    );

    // Two finished runs no dream has read; the schedule.
    assert_eq!(dreams.new_sessions(&store.id, 100).unwrap().len(), 2);
    assert_eq!(dreams.settings(&store.id).unwrap().daily_at.as_deref(), Some("03:30"));
}

/// `reverie-devserver` on a fresh data folder with no session bus (and `without` removed from
/// its environment too): the child, its data folder, its base URL and token.
async fn devserver_without_a_bus(without: &[&str]) -> (tokio::process::Child, tempfile::TempDir, reqwest::Url, String) {
    use tokio::io::AsyncBufReadExt;
    let _ = rustls::crypto::ring::default_provider().install_default();
    let data = tempfile::tempdir().unwrap();
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_reverie-devserver"));
    command.arg(data.path()).env_remove("DBUS_SESSION_BUS_ADDRESS");
    for name in without {
        command.env_remove(name);
    }
    let mut child = command
        .env("OPENAI_API_KEY", "")
        .env("ANTHROPIC_API_KEY", "")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
    // Long enough for a secret service that never answers to be given up on.
    let limit = reverie_engine::secrets::SECRET_SERVICE_PROBE_LIMIT + seed::SEED_WAIT;
    let line =
        tokio::time::timeout(limit, lines.next_line()).await.expect("the URL line, not a hang").unwrap().unwrap();
    let url = reqwest::Url::parse(&line).unwrap();
    let token = url.query_pairs().find(|(k, _)| k == "token").map(|(_, v)| v.into_owned()).unwrap();
    (child, data, url, token)
}

/// Outside a login session (no D-Bus, only the kernel's fallback user-session keyring), keys go
/// to a session keyring the dev server joins before it starts any thread — so saves made on
/// any of its worker threads at once land in the same keyring, not in one thread's alone.
#[tokio::test]
async fn outside_a_login_session_keys_saved_from_many_threads_at_once_all_reach_the_kernel_keyring() {
    // No display either, to autolaunch a bus through (see the next test).
    let (_child, _data, url, token) = devserver_without_a_bus(&["DISPLAY"]).await;
    let http = reqwest::Client::new();
    let post = |command: &str, body: serde_json::Value| {
        http.post(url.join(&format!("/api/{command}")).unwrap()).header(server::TOKEN_HEADER, &token).json(&body).send()
    };
    let saves = (0..8).map(|i| {
        post(
            "create_provider",
            serde_json::json!({"input": {"name": format!("Provider {i}"), "kind": "anthropic", "base_url": "http://127.0.0.1:9", "model": "m", "api_key": format!("sk-thread-{i}")}}),
        )
    });
    for reply in futures::future::join_all(saves).await {
        let reply = reply.unwrap();
        let status = reply.status();
        assert!(status.is_success(), "{status}: {}", reply.text().await.unwrap());
    }
    let status: serde_json::Value = post("app_status", serde_json::json!({})).await.unwrap().json().await.unwrap();
    // Where this machine offers no kernel keyring at all, memory only is the honest answer.
    assert!(
        ["kernel_keyring", "memory_only"].contains(&status["secret_backend"].as_str().unwrap_or_default()),
        "{status}"
    );
    let providers: serde_json::Value =
        post("list_providers", serde_json::json!({})).await.unwrap().json().await.unwrap();
    let configured = providers.as_array().unwrap().iter().filter(|p| p["key"]["configured"] == true).count();
    assert_eq!(configured, 8, "{providers}");
}

/// A display but no session bus: the D-Bus client would try to autolaunch a bus through X11
/// and wait forever. The keychain probe gives the secret service a few seconds, then the dev
/// server (like the app) starts on the next store instead of hanging. (Under `make test` the
/// display is Xvfb's.)
#[tokio::test]
async fn a_secret_service_that_never_answers_is_given_up_on_and_start_up_goes_on() {
    let (_child, _data, url, token) = devserver_without_a_bus(&[]).await;
    let status: serde_json::Value = reqwest::Client::new()
        .post(url.join("/api/app_status").unwrap())
        .header(server::TOKEN_HEADER, &token)
        .body("{}")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        ["kernel_keyring", "memory_only"].contains(&status["secret_backend"].as_str().unwrap_or_default()),
        "{status}"
    );
}
