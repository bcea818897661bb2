//! Two runs, Dream now, one hunk accepted and one rejected, Apply, and the Memory page shows the dream's version.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a display, a D-Bus session and tauri-driver: run through `make test`"]
async fn two_runs_then_dream_now_a_hunk_accepted_one_rejected_and_the_memory_page_shows_the_version() {
    let _one = ONE_APP.lock().await;
    tokio::time::timeout(SCENARIO_LIMIT, dream_scenario()).await.expect("the e2e scenario did not finish in time");
}

/// The store's file before the dream, and what the dream proposes (two hunks).
const TESTING_OLD: &str = "# Testing\n\nRun the tests with cargo test.\nUse a fresh database.\n\n## Style\nShort names.\nNo abbreviations.\nComments say why.\nOne topic a file.\n";
const TESTING_NEW: &str = "# Testing\n\nRun the tests with make test: it builds the UI first.\nUse a fresh database.\n\n## Style\nShort names.\nNo abbreviations.\nComments say why.\nOne topic a file.\nLink the issue in every commit.\n";

async fn dream_scenario() {
    let finding = |quote: &str| {
        Reply::new().tool_use("submit_result", json!({"findings": [{"kind": "lesson", "text": "Run make test: it builds the UI first.", "evidence": [{"seq": 5, "quote": quote}]}]}))
    };
    let script = Script::new()
        .conversation("agent", [Reply::new().text("make test passed; it built the UI first."), Reply::new().text("make test passed again.")])
        .conversation(
            "dream",
            [
                finding("make test passed"),
                finding("make test passed again"),
                Reply::new().tool_use(
                    "submit_result",
                    json!({"operations": [{"op": "update", "path": "testing.md", "content": TESTING_NEW, "rationale": "Both runs used make test, which builds the UI first.", "evidence": [{"session_id": "unknown", "seq": 1, "quote": "x"}]}]}),
                ),
            ],
        );
    let fake = fake_with(script).await;
    let workspace = tempfile::tempdir().unwrap();
    let App { c, driver, data: _data, _config } = launch().await;
    wait_css(&c, &testid("empty-state")).await;
    let provider = invoke(&c, "create_provider", json!({"input": {"name": "Fake", "kind": "anthropic", "base_url": fake.base_url(), "model": "fake-model", "api_key": KEY}})).await;
    let store =
        invoke(&c, "create_memory_store", json!({"input": {"name": "Team notes", "description": "What we learned"}}))
            .await;
    let written = invoke(
        &c,
        "write_memory_file",
        json!({"store": store["id"], "write": {"path": "testing.md", "content": TESTING_OLD}}),
    )
    .await;
    assert!(written.get("rejected").is_none(), "{written}");
    let agent = invoke(
        &c,
        "create_agent",
        json!({"input": {"name": "Tester", "instructions": "[[script:agent]]", "provider_id": provider["id"], "memory": [{"store_id": store["id"], "access": "read_write"}]}}),
    )
    .await;
    assert!(agent.get("rejected").is_none(), "{agent}");
    for task in ["Run the tests.", "Run them again."] {
        let run = json!({"input": {"agent_id": agent["id"], "workspace": workspace.path().display().to_string(), "task": task}});
        assert_eq!(invoke(&c, "start_run", run).await["status"], "running");
    }
    wait_css(&c, &testid("nav-runs")).await.click().await.unwrap();
    wait_xpath(&c, "(//*[@data-testid='session-row' and @data-status='idle'])[2]").await;

    // Dream now on the Dreams page.
    wait_css(&c, &testid("nav-dreams")).await.click().await.unwrap();
    let card = "[data-testid='dream-store'][data-store-name='Team notes']";
    wait_xpath(&c, "//*[@data-testid='dream-store' and @data-store-name='Team notes']//*[@data-testid='dream-now' and contains(., '2')]").await;
    wait_css(&c, &format!("{card} [data-testid='dream-now']")).await.click().await.unwrap();
    let instructions = wait_css(&c, &format!("{card} [data-testid='dream-instructions']")).await;
    instructions.send_keys("[[script:dream]] Keep the testing notes current.").await.unwrap();
    wait_css(&c, &format!("{card} [data-testid='dream-start']")).await.click().await.unwrap();
    wait_css(&c, "[data-testid='dream-row'][data-status='completed']").await;
    wait_css(&c, "[data-testid='nav-dreams'][data-count='1']").await;
    screenshot(&c, "app-dreams.png").await;

    // The review: accept the first hunk, reject the second, apply.
    wait_css(&c, &testid("dream-open-proposal")).await.click().await.unwrap();
    wait_css(&c, "[data-testid='proposal-file'][data-path='testing.md']").await;
    wait_css(&c, "[data-testid='proposal-hunk'][data-hunk-id='0.0'] [data-testid='hunk-accept']")
        .await
        .click()
        .await
        .unwrap();
    wait_css(&c, "[data-testid='proposal-hunk'][data-hunk-id='0.1'] [data-testid='hunk-reject']")
        .await
        .click()
        .await
        .unwrap();
    wait_css(&c, "[data-testid='proposal-hunk'][data-hunk-id='0.0'][data-decision='accepted']").await;
    wait_css(&c, "[data-testid='proposal-hunk'][data-hunk-id='0.1'][data-decision='rejected']").await;
    screenshot(&c, "app-proposal-review.png").await;
    wait_css(&c, &testid("proposal-apply")).await.click().await.unwrap();
    wait_css(&c, &testid("proposal-apply-confirm")).await.click().await.unwrap();
    wait_css(&c, "[data-testid='proposal-status'][data-status='applied']").await;
    wait_css(&c, &testid("apply-report")).await;
    screenshot(&c, "app-proposal-applied.png").await;

    // The Memory page: the new version, by the dream, with only the accepted hunk.
    wait_css(&c, &testid("nav-memory")).await.click().await.unwrap();
    wait_css(&c, "[data-testid='memory-store'][data-store-name='Team notes']").await.click().await.unwrap();
    wait_css(&c, "[data-testid='memory-file'][data-path='testing.md']").await.click().await.unwrap();
    wait_xpath(&c, "//*[@data-testid='memory-editor' and contains(., 'make test: it builds the UI first')]").await;
    let versions = c.find_all(Locator::Css("[data-testid='memory-version']")).await.unwrap();
    assert_eq!(versions.len(), 2, "written by the user, then by the dream");
    assert!(versions[0].attr("data-actor").await.unwrap().unwrap_or_default().starts_with("dream:"));
    screenshot(&c, "app-memory-after-dream.png").await;
    let file = invoke(&c, "read_memory_file", json!({"store": store["id"], "path": "testing.md"})).await;
    assert_eq!(
        file["content"],
        TESTING_NEW.replace("Link the issue in every commit.\n", ""),
        "the rejected hunk is not in memory"
    );
    c.close().await.unwrap();
    drop(driver);
}
