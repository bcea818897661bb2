//! Orchestration: a coordinator delegating to subagents that run side by side in their own
//! threads, the cap on running threads, follow-ups, isolated contexts, depth 1, errors and
//! cancels coming back as results, and bad delegations. Each agent's instructions carry its own
//! `[[script:NAME]]` marker, so each thread reads its own replies. Where order matters (which
//! threads run at once, what happens while one is working) the run's model is a `StepModel`
//! the test answers request by request; everything else goes through the HTTP fake provider.

use reverie_engine::session::thread_loop::INTERRUPTED_RESULT;
use reverie_engine::session::{RunOptions, Started};
use reverie_engine::Error;
use reverie_llm::StopReason;
use reverie_protocol::{
    Agent, AgentInput, EventPayload, IdleReason, ProviderInput, ProviderKind, RunInput, SessionEvent, SessionId,
    StreamItem, ThreadId,
};
use reverie_testkit::{Fault, Reply, StepModel, StepRequest};
use serde_json::json;

use crate::sessions::{env_with, finish, wait_for, Env, WAIT};

const TASK: &str = "Write a short guide to the project. TASK-7140";

async fn team_env() -> Env {
    env_with(ProviderKind::Anthropic, vec![], Some("sk-test-good"), vec![]).await
}

fn agent(e: &Env, name: &str, roster: Vec<&Agent>) -> Agent {
    e.agents
        .create(AgentInput {
            name: name.into(),
            description: format!("The {name} of the team"),
            instructions: format!("You are the {name}. [[script:{name}]]"),
            provider_id: e.agent.provider_id.clone(),
            model: None,
            tools: vec![],
            max_turns: None,
            memory: vec![],
            roster: roster.into_iter().map(|a| a.id.clone()).collect(),
        })
        .unwrap()
}

fn delegate(agent: &str, message: &str) -> Reply {
    Reply::new().tool_use("delegate", json!({"agent": agent, "message": message}))
}

fn input(e: &Env, coordinator: &Agent, max_threads: Option<u32>) -> RunInput {
    RunInput { agent_id: coordinator.id.clone(), max_threads, ..e.input(TASK) }
}

fn bodies(e: &Env, conversation: &str) -> Vec<String> {
    e.fake
        .requests_for(conversation)
        .iter()
        .filter(|r| r.method == "POST")
        .map(|r| r.body.as_ref().unwrap().to_string())
        .collect()
}

/// The `delegate` results the coordinator got, in the order of its calls: (content, is_error).
fn delegate_results(events: &[SessionEvent]) -> Vec<(String, bool)> {
    let calls: Vec<&str> = events
        .iter()
        .filter_map(|e| match &e.payload {
            EventPayload::AgentToolUse { tool_use_id, name, .. } if name == "delegate" => Some(tool_use_id.as_str()),
            _ => None,
        })
        .collect();
    calls
        .iter()
        .map(|id| {
            events
                .iter()
                .find_map(|e| match &e.payload {
                    EventPayload::AgentToolResult { tool_use_id, content, is_error } if tool_use_id == id => {
                        Some((content.clone(), *is_error))
                    }
                    _ => None,
                })
                .unwrap_or_else(|| panic!("no result for {id}"))
        })
        .collect()
}

/// The most subagent threads that were running at one time, from the recorded order.
fn most_running(events: &[SessionEvent]) -> usize {
    let (mut now, mut most) = (0usize, 0usize);
    for e in events {
        match e.payload {
            EventPayload::ThreadStatusRunning {} => {
                now += 1;
                most = most.max(now);
            }
            EventPayload::ThreadStatusIdle { .. } => now = now.saturating_sub(1),
            _ => {}
        }
    }
    most
}

fn created(events: &[SessionEvent]) -> Vec<(ThreadId, String)> {
    events
        .iter()
        .filter_map(|e| match &e.payload {
            EventPayload::ThreadCreated { thread_id, agent_name, .. } => Some((thread_id.clone(), agent_name.clone())),
            _ => None,
        })
        .collect()
}

/// The thread the coordinator made for `name`.
fn thread_of(events: &[SessionEvent], name: &str) -> ThreadId {
    created(events).into_iter().find(|(_, n)| n == name).unwrap_or_else(|| panic!("no thread for {name}")).0
}

/// Options that send every model request of the run to `model`.
fn stepped(model: &StepModel) -> RunOptions {
    RunOptions { model: Some(model.as_model()), ..RunOptions::default() }
}

/// Answers a coordinator's request with one `delegate` call per (agent, message).
fn delegate_all(request: StepRequest, delegations: &[(&str, &str)]) {
    for (i, (agent, message)) in delegations.iter().enumerate() {
        request.tool_use(format!("toolu_delegate_{i}"), "delegate", json!({"agent": agent, "message": message}));
    }
    request.stop(StopReason::ToolUse);
}

/// How many times subagent threads were recorded starting and ending: (running, idle).
fn thread_statuses(events: &[SessionEvent]) -> (usize, usize) {
    let running = events.iter().filter(|e| e.payload == EventPayload::ThreadStatusRunning {}).count();
    let idle = events.iter().filter(|e| matches!(e.payload, EventPayload::ThreadStatusIdle { .. })).count();
    (running, idle)
}

#[tokio::test]
async fn three_subagents_delegated_in_one_turn_run_side_by_side_in_isolated_contexts() {
    let e = team_env().await;
    let model = StepModel::new();
    let (researcher, writer, reviewer) =
        (agent(&e, "researcher", vec![]), agent(&e, "writer", vec![]), agent(&e, "reviewer", vec![]));
    let coordinator = agent(&e, "coordinator", vec![&researcher, &writer, &reviewer]);
    let started = e.sessions.start(input(&e, &coordinator, None), stepped(&model)).await.unwrap();
    let id = started.summary.id.clone();

    let first = model.next_request_for("coordinator").await;
    assert!(
        first.tool_names().contains(&"delegate") && first.system().contains("The writer of the team"),
        "the coordinator knows its team"
    );
    first.text("Splitting the work.");
    delegate_all(
        first,
        &[
            ("researcher", "Find what the project does. MSG-R"),
            ("writer", "Draft the intro. MSG-W"),
            ("Reviewer", "List the open questions. MSG-V"),
        ],
    );

    // All three subagents are asking the model at once, none answered yet: had they run one
    // after another, the second request could not come before the first was answered.
    let asks: Vec<StepRequest> = vec![
        model.next_request_for("researcher").await,
        model.next_request_for("writer").await,
        model.next_request_for("reviewer").await,
    ];
    let so_far = e.events(&id);
    assert_eq!(thread_statuses(&so_far), (3, 0), "three threads running, none ended");
    // Created in the order the coordinator delegated, whichever thread got going first.
    let names: Vec<String> = created(&so_far).into_iter().map(|(_, n)| n).collect();
    assert_eq!(names, ["researcher", "writer", "reviewer"]);
    let primary = so_far[0].thread_id.clone();
    assert!(so_far.iter().all(|e| match &e.payload {
        EventPayload::ThreadCreated { parent_thread_id, .. } => *parent_thread_id == primary,
        _ => true,
    }));

    // Isolated contexts: a subagent sees its own message, nothing of the others' or the task.
    let marks = ["MSG-R", "MSG-W", "MSG-V"];
    for (ask, own) in asks.iter().zip(marks) {
        let name = ask.conversation();
        assert!(ask.mentions(own), "{name}");
        for other in marks.iter().filter(|m| **m != own).chain(&["TASK-7140", "Splitting the work"]) {
            assert!(!ask.mentions(other), "{name}'s request carries {other}");
        }
        assert!(!ask.tool_names().contains(&"delegate"), "{name} has no delegate tool");
    }

    // Answered last first, one at a time, the results still come back in the order of the calls.
    for (n, (ask, answer)) in asks
        .into_iter()
        .zip(["It runs agents. R-DONE", "Intro drafted. W-DONE", "Two questions. V-DONE"])
        .rev()
        .enumerate()
    {
        ask.reply_text(answer);
        let mut ended = 0;
        wait_for(&e.log, &id, |p| {
            ended += usize::from(matches!(p, EventPayload::ThreadStatusIdle { .. }));
            ended == n + 1
        })
        .await;
    }
    let second = model.next_request_for("coordinator").await;
    assert!(second.mentions("R-DONE") && second.mentions("W-DONE") && second.mentions("V-DONE"));
    second.reply_text("The guide is assembled.");
    let done = finish(started).await;
    assert_eq!(done.reason, IdleReason::EndTurn);
    let events = e.events(&id);
    let order: Vec<&str> = events
        .iter()
        .filter_map(|e| match e.payload {
            EventPayload::ThreadStatusRunning {} => Some("start"),
            EventPayload::ThreadStatusIdle { .. } => Some("end"),
            _ => None,
        })
        .collect();
    assert_eq!(order, ["start", "start", "start", "end", "end", "end"], "the three overlapped");
    assert_eq!(most_running(&events), 3);
    let ended: Vec<ThreadId> = events
        .iter()
        .filter(|e| matches!(e.payload, EventPayload::ThreadStatusIdle { .. }))
        .map(|e| e.thread_id.clone())
        .collect();
    assert_eq!(
        ended,
        [thread_of(&events, "reviewer"), thread_of(&events, "writer"), thread_of(&events, "researcher")],
        "each ended when it was answered"
    );

    // Each result is that subagent's final message, with its thread to follow up on.
    let results = delegate_results(&events);
    for ((content, is_error), (name, done)) in
        results.iter().zip([("researcher", "R-DONE"), ("writer", "W-DONE"), ("reviewer", "V-DONE")])
    {
        assert!(
            !is_error && content.contains(done) && content.contains(thread_of(&events, name).as_str()),
            "{content}"
        );
    }
    // Every event of a subagent is on its thread; usage rolls up to the session.
    let on = |thread: &ThreadId| {
        events.iter().filter(|e| &e.thread_id == thread).map(|e| e.payload.name()).collect::<Vec<_>>()
    };
    assert_eq!(
        on(&thread_of(&events, "researcher")),
        [
            "agent.thread_message_received",
            "session.thread_status_running",
            "span.model_request_start",
            "agent.message",
            "span.model_request_end",
            "agent.thread_message_sent",
            "session.thread_status_idle"
        ]
    );
    assert_eq!(e.sessions.get(&id).await.unwrap().turns, 5, "2 coordinator + 3 subagent requests");
    assert_eq!(model.requests().len(), 5);
    assert!(e.fake.requests().is_empty(), "no request went to the provider");
}

#[tokio::test]
async fn the_thread_cap_queues_delegations_beyond_it() {
    let e = team_env().await;
    let model = StepModel::new();
    let helper = agent(&e, "helper", vec![]);
    let coordinator = agent(&e, "coordinator", vec![&helper]);
    let started = e.sessions.start(input(&e, &coordinator, Some(2)), stepped(&model)).await.unwrap();
    let id = started.summary.id.clone();
    let parts: Vec<String> = (0..5).map(|i| format!("Part {i}")).collect();
    let delegations: Vec<(&str, &str)> = parts.iter().map(|p| ("helper", p.as_str())).collect();
    delegate_all(model.next_request_for("coordinator").await, &delegations);

    // Two helpers ask the model; the other three are delegated, and wait for a slot while
    // those two are held open.
    let mut working = vec![model.next_request_for("helper").await, model.next_request_for("helper").await];
    let mut sent = 0;
    wait_for(&e.log, &id, |p| {
        sent += usize::from(matches!(p, EventPayload::ThreadMessageSent { .. }));
        sent == 5
    })
    .await;
    assert_eq!(model.requests_for("helper").len(), 2, "the other three wait for a slot");
    assert_eq!(thread_statuses(&e.events(&id)), (2, 0));

    // Each answer frees a slot, and one queued delegation takes it.
    let mut answered = 0;
    while let Some(ask) = working.pop() {
        let part = parts.iter().find(|p| ask.mentions(p)).unwrap().clone();
        ask.reply_text(format!("{part} done"));
        answered += 1;
        if answered + working.len() < 5 {
            working.insert(0, model.next_request_for("helper").await);
            assert_eq!(model.requests_for("helper").len(), answered + 2, "one more, never more than the cap");
            assert_eq!(model.waiting(), 0);
        }
    }
    model.next_request_for("coordinator").await.reply_text("Done.");
    assert_eq!(finish(started).await.reason, IdleReason::EndTurn);
    let events = e.events(&id);
    assert_eq!(created(&events).len(), 5);
    assert_eq!(most_running(&events), 2, "never more than the cap, and the cap is used");
    let results = delegate_results(&events);
    for (part, (content, is_error)) in parts.iter().zip(&results) {
        assert!(!is_error && content.starts_with(&format!("{part} done")), "{content}");
    }
}

#[tokio::test]
async fn a_follow_up_to_a_thread_carries_its_history() {
    let e = team_env().await;
    let researcher = agent(&e, "researcher", vec![]);
    let coordinator = agent(&e, "coordinator", vec![&researcher]);
    // Session ses_1, coordinator thr_2: the first subagent thread is thr_3.
    e.fake.push_replies(
        "coordinator",
        [
            delegate("researcher", "Count the modules. FIRST-ASK"),
            Reply::new().tool_use(
                "delegate",
                json!({"agent": "researcher", "message": "Now name them. SECOND-ASK", "thread_id": "thr_3"}),
            ),
            Reply::new().text("Done."),
        ],
    );
    e.fake
        .push_replies("researcher", [Reply::new().text("There are 4. FIRST-ANSWER"), Reply::new().text("a, b, c, d")]);
    let started = e.sessions.start(input(&e, &coordinator, None), RunOptions::default()).await.unwrap();
    let id = started.summary.id.clone();
    finish(started).await;
    let events = e.events(&id);
    assert_eq!(created(&events).len(), 1, "the follow-up reused the thread");
    let second = &bodies(&e, "researcher")[1];
    assert!(
        second.contains("FIRST-ASK") && second.contains("FIRST-ANSWER") && second.contains("SECOND-ASK"),
        "{second}"
    );
    assert!(delegate_results(&events)[1].0.starts_with("a, b, c, d"));
}

#[tokio::test]
async fn a_subagent_cannot_delegate_and_its_errors_come_back_as_error_results() {
    let e = team_env().await;
    let eager = agent(&e, "eager", vec![]);
    let flaky = agent(&e, "flaky", vec![]);
    let coordinator = agent(&e, "coordinator", vec![&eager, &flaky]);
    e.fake.push_replies(
        "coordinator",
        [
            Reply::new()
                .step(delegate("eager", "Do it").steps[0].clone())
                .step(delegate("flaky", "Do that").steps[0].clone()),
            Reply::new().text("Carrying on."),
        ],
    );
    e.fake.push_replies("eager", [delegate("flaky", "You do it"), Reply::new().text("Did it myself.")]);
    // The env retries twice: both attempts fail.
    e.fake.push_replies("flaky", [Reply::new().fault(Fault::http(500)), Reply::new().fault(Fault::http(500))]);
    let started = e.sessions.start(input(&e, &coordinator, None), RunOptions::default()).await.unwrap();
    let id = started.summary.id.clone();
    assert_eq!(finish(started).await.reason, IdleReason::EndTurn, "the session goes on");
    let events = e.events(&id);
    assert_eq!(created(&events).len(), 2, "the subagent's delegate made no thread");
    let refused = events
        .iter()
        .find_map(|ev| match &ev.payload {
            EventPayload::AgentToolResult { content, is_error: true, .. }
                if content.contains("there is no tool named \"delegate\"") =>
            {
                Some(ev.thread_id.clone())
            }
            _ => None,
        })
        .expect("the subagent's delegate call was refused");
    assert_eq!(refused, created(&events)[0].0);
    let results = delegate_results(&events);
    assert!(!results[0].1 && results[0].0.contains("Did it myself."));
    assert!(results[1].1 && results[1].0.starts_with("flaky failed:"), "{:?}", results[1]);
    let flaky_thread = &created(&events)[1].0;
    assert!(
        events.iter().any(|ev| &ev.thread_id == flaky_thread && matches!(ev.payload, EventPayload::Error { .. })),
        "the error shows in its lane"
    );
}

async fn wait_running(e: &Env, id: &SessionId, threads: usize) {
    let mut sub = e.sessions.subscribe(id, 0).await.unwrap();
    let mut seen = 0;
    tokio::time::timeout(WAIT, async {
        while seen < threads {
            if let StreamItem::Event { event } = sub.next_item().await.unwrap() {
                if matches!(event.payload, EventPayload::ModelRequestStart { .. })
                    && event.thread_id.as_str() != "thr_2"
                {
                    seen += 1;
                }
            }
        }
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn cancelling_one_thread_leaves_the_others_and_the_coordinator_running() {
    let e = team_env().await;
    let model = StepModel::new();
    let (slow, quick) = (agent(&e, "slow", vec![]), agent(&e, "quick", vec![]));
    let coordinator = agent(&e, "coordinator", vec![&slow, &quick]);
    let started = e.sessions.start(input(&e, &coordinator, None), stepped(&model)).await.unwrap();
    let id = started.summary.id.clone();
    delegate_all(model.next_request_for("coordinator").await, &[("slow", "Take your time"), ("quick", "Be quick")]);
    let (slow_ask, quick_ask) = (model.next_request_for("slow").await, model.next_request_for("quick").await);

    // Both are working; the slow one is stopped, and its request with it.
    let slow_thread = thread_of(&e.events(&id), "slow");
    e.sessions.cancel_thread(&id, &slow_thread).unwrap();
    slow_ask.closed().await;
    assert!(slow_ask.is_cancelled() && !quick_ask.is_cancelled());
    wait_for(&e.log, &id, |p| *p == EventPayload::ThreadStatusIdle { reason: IdleReason::Cancelled }).await;

    // The quick one was still working, and finishes.
    quick_ask.reply_text("Quick result.");
    model.next_request_for("coordinator").await.reply_text("Fine.");
    assert_eq!(finish(started).await.reason, IdleReason::EndTurn);
    let events = e.events(&id);
    let results = delegate_results(&events);
    assert!(results[0].1 && results[0].0.starts_with("cancelled: slow's thread was stopped"), "{:?}", results[0]);
    assert!(!results[1].1 && results[1].0.contains("Quick result."));
    let idle: Vec<(ThreadId, IdleReason)> = events
        .iter()
        .filter_map(|ev| match ev.payload {
            EventPayload::ThreadStatusIdle { reason } => Some((ev.thread_id.clone(), reason)),
            _ => None,
        })
        .collect();
    assert_eq!(idle, [(slow_thread, IdleReason::Cancelled), (thread_of(&events, "quick"), IdleReason::EndTurn)]);
    assert_eq!(model.requests_for("coordinator").len(), 2, "the coordinator carried on");
    assert!(e.sessions.cancel_thread(&id, &ThreadId("thr_99".into())).is_err());
}

/// A coordinator whose two subagents (alpha, beta) both wait on replies that never come, and
/// the session once both are running.
async fn two_subagents_that_never_answer() -> (Env, Started, SessionId) {
    let e = team_env().await;
    let (a, b) = (agent(&e, "alpha", vec![]), agent(&e, "beta", vec![]));
    let coordinator = agent(&e, "coordinator", vec![&a, &b]);
    e.fake.push_replies(
        "coordinator",
        [Reply::new().step(delegate("alpha", "x").steps[0].clone()).step(delegate("beta", "y").steps[0].clone())],
    );
    e.fake.push_replies("alpha", [Reply::new().text("never").delay_ms(60_000)]);
    e.fake.push_replies("beta", [Reply::new().text("never").delay_ms(60_000)]);
    let started = e.sessions.start(input(&e, &coordinator, None), RunOptions::default()).await.unwrap();
    let id = started.summary.id.clone();
    wait_running(&e, &id, 2).await;
    (e, started, id)
}

#[tokio::test]
async fn cancelling_the_session_stops_every_thread() {
    let (e, started, id) = two_subagents_that_never_answer().await;
    e.sessions.cancel(&id).await.unwrap();
    assert_eq!(finish(started).await.reason, IdleReason::Cancelled);
    let events = e.events(&id);
    let idle: Vec<IdleReason> = events
        .iter()
        .filter_map(|ev| match ev.payload {
            EventPayload::ThreadStatusIdle { reason } => Some(reason),
            _ => None,
        })
        .collect();
    assert_eq!(idle, [IdleReason::Cancelled, IdleReason::Cancelled]);
    assert_eq!(events.last().unwrap().payload, EventPayload::StatusIdle { reason: IdleReason::Cancelled });
    tokio::time::timeout(WAIT, async {
        while e.fake.open_streams() > 0 {
            tokio::task::yield_now().await;
        }
    })
    .await
    .expect("every model stream was closed");
}

#[tokio::test]
async fn bad_delegations_come_back_as_clear_error_results_and_the_session_goes_on() {
    let e = team_env().await;
    let keyless = e
        .providers
        .create(ProviderInput {
            name: "Keyless".into(),
            kind: ProviderKind::Anthropic,
            base_url: e.fake.base_url(),
            model: "m".into(),
            api_key: None,
        })
        .unwrap();
    let member = agent(&e, "member", vec![]);
    let broken = e
        .agents
        .create(AgentInput { provider_id: keyless.id.clone(), roster: vec![], ..agent_input_like(&member, "broken") })
        .unwrap();
    let coordinator = agent(&e, "coordinator", vec![&member, &broken]);
    let huge = "x".repeat(1024 * 1024);
    e.fake.push_replies(
        "coordinator",
        [
            Reply::new()
                .step(delegate("stranger", "Hi").steps[0].clone())
                .step(
                    Reply::new()
                        .tool_use("delegate", json!({"agent": "member", "message": "Go on", "thread_id": "thr_404"}))
                        .steps[0]
                        .clone(),
                )
                .step(delegate("member", &huge).steps[0].clone())
                .step(delegate("broken", "Try").steps[0].clone()),
            Reply::new().text("I'll do it myself."),
        ],
    );
    let started = e.sessions.start(input(&e, &coordinator, None), RunOptions::default()).await.unwrap();
    let id = started.summary.id.clone();
    assert_eq!(finish(started).await.reason, IdleReason::EndTurn);
    let events = e.events(&id);
    let results = delegate_results(&events);
    assert!(results.iter().all(|(_, err)| *err));
    assert!(
        results[0].0.contains("“stranger” is not on your roster; you can delegate to: member, broken"),
        "{}",
        results[0].0
    );
    assert!(results[1].0.contains("there is no subagent thread thr_404"), "{}", results[1].0);
    assert!(results[2].0.contains("1048576 bytes; a delegation carries at most 262144"), "{}", results[2].0);
    assert!(
        results[3].0.contains("No API key is set for the provider “Keyless” of the agent “broken”"),
        "{}",
        results[3].0
    );
    let broken_thread = created(&events).into_iter().find(|(_, n)| n == "broken").unwrap().0;
    assert!(
        events.iter().any(|ev| ev.thread_id == broken_thread && matches!(ev.payload, EventPayload::Error { .. })),
        "its lane shows the error"
    );

    // A roster naming an agent that does not exist, or the agent itself; bad thread caps.
    let err = e
        .agents
        .create(AgentInput {
            roster: vec![reverie_protocol::AgentId("agt_gone".into())],
            ..agent_input_like(&member, "lost")
        })
        .unwrap_err();
    assert!(
        matches!(&err, Error::Invalid { field: "roster", message } if message.contains("no longer exists")),
        "{err:?}"
    );
    let err = e
        .agents
        .update(&member.id, AgentInput { roster: vec![member.id.clone()], ..agent_input_like(&member, "member") })
        .unwrap_err();
    assert!(matches!(&err, Error::Invalid { field: "roster", message } if message.contains("itself")), "{err:?}");
    for cap in [0, 26] {
        let err = e.sessions.start(input(&e, &coordinator, Some(cap)), RunOptions::default()).await.err().unwrap();
        assert!(matches!(&err, Error::Invalid { field: "max_threads", .. }), "{err:?}");
    }
    // Deleting an agent takes it out of the rosters that named it.
    e.agents.delete(&broken.id).unwrap();
    assert_eq!(e.agents.get(&coordinator.id).unwrap().roster, std::slice::from_ref(&member.id));
}

fn agent_input_like(agent: &Agent, name: &str) -> AgentInput {
    AgentInput {
        name: name.into(),
        description: agent.description.clone(),
        instructions: format!("[[script:{name}]]"),
        provider_id: agent.provider_id.clone(),
        model: None,
        tools: vec![],
        max_turns: None,
        memory: vec![],
        roster: vec![],
    }
}

/// A coordinator with two subagents mid-request, in a process that is then killed: its
/// runtime is dropped at once (nothing of it runs again, no end is recorded), as `kill -9` does.
async fn crash_with_two_subagents_working(e: &Env, coordinator: &Agent) -> SessionId {
    let dead = e.process();
    let input = input(e, coordinator, None);
    let (started_tx, started_rx) = tokio::sync::oneshot::channel();
    let (kill_tx, kill_rx) = std::sync::mpsc::channel::<()>();
    let (gone_tx, gone_rx) = tokio::sync::oneshot::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        let started = rt.block_on(dead.start(input, RunOptions::default())).unwrap();
        let _ = started_tx.send(started.summary.id.clone());
        let _ = kill_rx.recv();
        rt.shutdown_background();
        drop(started);
        let _ = gone_tx.send(());
    });
    let id = tokio::time::timeout(WAIT, started_rx).await.unwrap().unwrap();
    tokio::time::timeout(WAIT, e.fake.wait_for_open_streams(2)).await.expect("both subagents are streaming");
    kill_tx.send(()).unwrap();
    tokio::time::timeout(WAIT, gone_rx).await.unwrap().unwrap();
    tokio::time::timeout(WAIT, e.fake.wait_for_open_streams(0)).await.expect("the dead process's streams closed");
    id
}

#[tokio::test]
async fn a_resumed_coordinator_closes_every_threads_open_request_and_each_thread_ends_in_a_stated_status() {
    let e = team_env().await;
    let (a, b) = (agent(&e, "alpha", vec![]), agent(&e, "beta", vec![]));
    let coordinator = agent(&e, "coordinator", vec![&a, &b]);
    e.fake.push_replies(
        "coordinator",
        [
            Reply::new()
                .step(delegate("alpha", "Part A").steps[0].clone())
                .step(delegate("beta", "Part B").steps[0].clone()),
            Reply::new().text("Both parts were interrupted; I'll report what is done."),
        ],
    );
    for name in ["alpha", "beta"] {
        e.fake.push_replies(
            name,
            [Reply::new().text("Working").fault(Fault::Stall { after_events: 2, max_secs: Some(60) })],
        );
    }
    let id = crash_with_two_subagents_working(&e, &coordinator).await;
    let crashed = e.events(&id);
    let last_seq = crashed.last().unwrap().seq;
    let subagents: Vec<ThreadId> = created(&crashed).into_iter().map(|(t, _)| t).collect();
    assert_eq!(subagents.len(), 2);
    for thread in &subagents {
        let names: Vec<_> = crashed.iter().filter(|ev| &ev.thread_id == thread).map(|ev| ev.payload.name()).collect();
        assert_eq!(names.last(), Some(&"span.model_request_start"), "killed mid-request: {names:?}");
    }

    // The next start finds it interrupted; resuming closes every thread, then goes on.
    assert_eq!(e.sessions.recover(|_| false).await.unwrap(), vec![id.clone()]);
    let resumed = e.sessions.continue_run(&id, None, RunOptions::default()).await.unwrap();
    assert_eq!(finish(resumed).await.reason, IdleReason::EndTurn);
    let events = e.events(&id);
    let closing: Vec<&SessionEvent> = events
        .iter()
        .filter(|ev| ev.seq > last_seq)
        .take_while(|ev| ev.payload != EventPayload::StatusRunning {})
        .collect();
    for thread in &subagents {
        let closes: Vec<&EventPayload> =
            closing.iter().filter(|ev| &ev.thread_id == thread).map(|ev| &ev.payload).collect();
        assert!(
            matches!(
                closes[..],
                [
                    EventPayload::ModelRequestEnd { interrupted: true, .. },
                    EventPayload::ThreadStatusIdle { reason: IdleReason::Interrupted }
                ]
            ),
            "{closes:#?}"
        );
    }
    // Every request of every thread has its end, each subagent thread's runs end in a status,
    // and each delegate call has one result.
    let mut threads: Vec<ThreadId> = events.iter().map(|ev| ev.thread_id.clone()).collect();
    threads.sort();
    threads.dedup();
    for thread in &threads {
        let on: Vec<&EventPayload> = events.iter().filter(|ev| &ev.thread_id == thread).map(|ev| &ev.payload).collect();
        let count = |name: &str| on.iter().filter(|p| p.name() == name).count();
        assert_eq!(count("span.model_request_start"), count("span.model_request_end"), "{}: {on:#?}", thread.as_str());
        if subagents.contains(thread) {
            assert_eq!(
                count("session.thread_status_running"),
                count("session.thread_status_idle"),
                "{}",
                thread.as_str()
            );
            assert_eq!(on.last(), Some(&&EventPayload::ThreadStatusIdle { reason: IdleReason::Interrupted }));
        }
    }
    let results = delegate_results(&events);
    assert_eq!(results.len(), 2);
    assert!(results.iter().all(|(content, is_error)| *is_error && content == INTERRUPTED_RESULT), "{results:?}");
    assert_eq!(events.last().unwrap().payload, EventPayload::StatusIdle { reason: IdleReason::EndTurn });
    assert!(
        bodies(&e, "coordinator").last().unwrap().contains("interrupted: Reverie stopped"),
        "the coordinator was told"
    );

    // Nothing is left to close: a follow-up adds no closing events.
    let before = e.events(&id).len();
    e.fake.push_replies("coordinator", [Reply::new().text("Still here.")]);
    let again = e.sessions.continue_run(&id, Some("Anything else?".into()), RunOptions::default()).await.unwrap();
    finish(again).await;
    let after = e.events(&id);
    assert_eq!(
        after[before].payload,
        EventPayload::UserMessage { text: "Anything else?".into() },
        "{:#?}",
        &after[before..]
    );
}

#[tokio::test]
async fn quitting_stops_every_thread_with_the_quit_as_its_reason() {
    let (e, started, id) = two_subagents_that_never_answer().await;
    e.sessions.shutdown(WAIT).await;
    assert_eq!(finish(started).await.reason, IdleReason::AppQuit);
    let events = e.events(&id);
    let idle: Vec<IdleReason> = events
        .iter()
        .filter_map(|ev| match ev.payload {
            EventPayload::ThreadStatusIdle { reason } => Some(reason),
            _ => None,
        })
        .collect();
    assert_eq!(idle, [IdleReason::AppQuit, IdleReason::AppQuit]);
    assert_eq!(events.last().unwrap().payload, EventPayload::StatusIdle { reason: IdleReason::AppQuit });
    assert_eq!(e.sessions.get(&id).await.unwrap().stop_reason, Some(IdleReason::AppQuit));
}
