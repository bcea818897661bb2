//! A coordinator with three subagents in the real app: the timeline's lanes and arrows, a request's panel.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a display, a D-Bus session and tauri-driver: run through `make test`"]
async fn a_coordinator_runs_three_subagents_and_the_timeline_shows_four_lanes_with_arrows() {
    let _one = ONE_APP.lock().await;
    tokio::time::timeout(SCENARIO_LIMIT, team_scenario()).await.expect("the e2e scenario did not finish in time");
}

async fn team_scenario() {
    // Each agent reads its own replies (its instructions carry the marker); the subagents take
    // a moment, so their bars overlap on the timeline.
    let delegate = |agent: &str, message: &str| {
        Reply::new().tool_use("delegate", json!({"agent": agent, "message": message})).steps.remove(0)
    };
    let script = Script::new()
        .conversation(
            "lead",
            [
                Reply::new()
                    .text("Splitting the guide into three parts.")
                    .step(delegate("Researcher", "Find what the project does."))
                    .step(delegate("Writer", "Draft GUIDE.md from the README."))
                    .step(delegate("Reviewer", "List what a new user would ask.")),
                Reply::new().text("The guide is assembled from the three parts."),
            ],
        )
        .conversation("researcher", [Reply::new().text("It runs agents on your own folder.").delay_ms(600)])
        .conversation(
            "writer",
            [
                Reply::new()
                    .text("Writing the guide.")
                    .tool_use("write_file", json!({"path": "GUIDE.md", "content": "# Guide\n\nStart with a run.\n"}))
                    .delay_ms(300),
                Reply::new().text("GUIDE.md is drafted.").delay_ms(300),
            ],
        )
        .conversation(
            "reviewer",
            [Reply::new().text("Two questions: how to install, and where memory lives.").delay_ms(900)],
        );
    let fake = fake_with(script).await;
    let workspace = tempfile::tempdir().unwrap();
    let App { c, driver, data: _data, _config } = launch().await;
    wait_css(&c, &testid("empty-state")).await;
    wait_css(&c, &testid("nav-settings")).await.click().await.unwrap();
    choose_theme(&c, "dark").await;
    let provider = invoke(&c, "create_provider", json!({"input": {"name": "Fake", "kind": "anthropic", "base_url": fake.base_url(), "model": "fake-model", "api_key": KEY}})).await;
    let mut roster = Vec::new();
    for (name, marker, description) in [
        ("Researcher", "researcher", "Finds facts"),
        ("Writer", "writer", "Writes documents"),
        ("Reviewer", "reviewer", "Reviews drafts"),
    ] {
        let agent = invoke(&c, "create_agent", json!({"input": {"name": name, "description": description, "instructions": format!("[[script:{marker}]]"), "provider_id": provider["id"]}})).await;
        assert!(agent.get("rejected").is_none(), "{agent}");
        roster.push(agent["id"].clone());
    }
    let lead = invoke(&c, "create_agent", json!({"input": {"name": "Lead", "instructions": "You lead. [[script:lead]]", "provider_id": provider["id"], "roster": roster}})).await;
    assert!(lead.get("rejected").is_none(), "{lead}");

    // The roster as the Agents page shows it.
    wait_css(&c, &testid("nav-agents")).await.click().await.unwrap();
    wait_xpath(&c, "//*[@data-testid='agent-row' and @data-agent-name='Lead']//*[contains(., 'Researcher')]").await;

    // A run of the coordinator, from New run.
    wait_css(&c, &testid("nav-runs")).await.click().await.unwrap();
    wait_css(&c, &testid("new-run")).await.click().await.unwrap();
    wait_xpath(&c, "//select[@data-testid='run-agent']/option[contains(., 'Lead')]").await.click().await.unwrap();
    fill(&c, "run-workspace", &workspace.path().display().to_string()).await;
    fill(&c, "run-task", "Write a short guide to the project.").await;
    wait_css(&c, &testid("run-max-threads")).await;
    wait_css(&c, &testid("run-start")).await.click().await.unwrap();
    wait_css(&c, "[data-testid='session-view'][data-status='idle']").await;
    wait_xpath(&c, "//*[@data-testid='transcript' and contains(., 'The guide is assembled')]").await;

    // The timeline: four lanes (the coordinator first), every subagent done, arrows both ways.
    wait_css(&c, &testid("session-tab-timeline")).await.click().await.unwrap();
    wait_css(&c, &testid("timeline-canvas")).await;
    wait_css(&c, "[data-testid='timeline-lane'][data-agent-name='Reviewer'][data-state='done']").await;
    let lanes = c.find_all(Locator::Css(&testid("timeline-lane"))).await.unwrap();
    let mut names = Vec::new();
    for lane in &lanes {
        names.push(lane.attr("data-agent-name").await.unwrap().unwrap_or_default());
    }
    assert_eq!(names, ["Lead", "Researcher", "Writer", "Reviewer"]);
    let arrows =
        wait_css(&c, &testid("timeline-arrow-count")).await.attr("data-count").await.unwrap().unwrap_or_default();
    assert_eq!(arrows, "6", "three delegations and three reports");
    screenshot(&c, "app-timeline-dark.png").await;

    // A request's panel: what its model was sent and what it answered.
    wait_css(&c, &testid("timeline-canvas")).await.click().await.unwrap();
    c.active_element().await.unwrap().send_keys("\u{E007}").await.unwrap();
    wait_css(&c, &testid("timeline-step-panel")).await;
    screenshot(&c, "app-timeline-panel-dark.png").await;
    assert_eq!(std::fs::read_to_string(workspace.path().join("GUIDE.md")).unwrap(), "# Guide\n\nStart with a run.\n");

    // Every subagent's request went out before the first one came back: they ran side by side.
    let posts = fake.requests().into_iter().filter(|r| r.method == "POST").count();
    assert_eq!(posts, 6, "2 coordinator + 1 researcher + 2 writer + 1 reviewer");
    wait_css(&c, &testid("nav-settings")).await.click().await.unwrap();
    choose_theme(&c, "light").await;
    wait_css(&c, &testid("nav-runs")).await.click().await.unwrap();
    wait_css(&c, "[data-testid='session-row'][data-status='idle']").await.click().await.unwrap();
    wait_css(&c, &testid("session-tab-timeline")).await.click().await.unwrap();
    wait_css(&c, "[data-testid='timeline-lane'][data-agent-name='Reviewer'][data-state='done']").await;
    screenshot(&c, "app-timeline-light.png").await;
    c.close().await.unwrap();
    drop(driver);
}
