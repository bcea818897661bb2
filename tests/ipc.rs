//! The shell's commands through Tauri's IPC on MockRuntime: argument names, reply shapes,
//! error codes, and that no key ever comes back.

use reverie_lib::state::UpdateSource;
use reverie_testkit::{FakeProvider, FakeProviderConfig};
use serde_json::{json, Value};

use crate::support::{contains, files_under, mock_app};

const KEY: &str = "sk-test-good-ipc-7f3a9c";

fn provider(name: &str, base_url: &str, key: Option<&str>) -> serde_json::Value {
    let mut input = json!({"name": name, "kind": "anthropic", "base_url": base_url, "model": "fake-model"});
    if let Some(k) = key {
        input["api_key"] = json!(k);
    }
    json!({ "input": input })
}

#[test]
fn app_status_reports_folders_and_the_keychain_backend() {
    let app = mock_app(UpdateSource::default());
    let status = app.ok("app_status", json!({}));
    assert_eq!(status["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(status["data_dir"], app.data_dir.path().display().to_string());
    assert_eq!(status["secret_backend"], "memory_only");
    assert_eq!(status["notices"], json!([]), "a clean start has nothing to announce");
}

#[test]
fn the_app_identifier_is_the_engines_so_the_app_and_the_cli_share_one_data_folder() {
    let app = mock_app(UpdateSource::default());
    assert_eq!(app._app.config().identifier, reverie_engine::APP_ID);
}

#[test]
fn providers_round_trip_through_ipc_and_no_reply_carries_the_key() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let fake = rt
        .block_on(FakeProvider::start(FakeProviderConfig {
            keys: vec![KEY.into()],
            models: vec!["fake-model".into()],
            open: false,
        }))
        .unwrap();
    let app = mock_app(UpdateSource::default());

    assert_eq!(app.ok("list_providers", json!({})), json!([]));
    let created = app.ok("create_provider", provider("Fake", &fake.base_url(), Some(KEY)));
    assert_eq!(created["key"], json!({"configured": true, "source": "memory"}));
    let id = created["id"].as_str().unwrap().to_owned();

    let report = app.ok("test_provider", json!({"id": id}));
    assert_eq!(report["ok"], true, "{report}");

    // Editing without a key keeps it.
    let edited = app.ok("update_provider", json!({"id": id, "input": {"name": "Fake 2", "kind": "anthropic", "base_url": fake.base_url(), "model": "fake-model"}}));
    assert_eq!(edited["name"], "Fake 2");
    assert_eq!(edited["key"]["configured"], true);
    assert_eq!(app.ok("list_providers", json!({})).as_array().unwrap().len(), 1);

    // The key never left the Rust side: not in a reply, not on disk.
    for reply in app.replies.lock().unwrap().iter() {
        assert!(!reply.contains(KEY), "an IPC reply carried the key: {reply}");
    }
    for (path, bytes) in files_under(app.data_dir.path()) {
        assert!(!contains(&bytes, KEY.as_bytes()), "{} contains the key", path.display());
    }

    assert_eq!(app.ok("delete_provider", json!({"id": id})), json!(null));
    assert_eq!(app.ok("list_providers", json!({})), json!([]));
}

#[test]
fn bad_input_is_rejected_with_a_code_a_field_and_a_sentence() {
    let app = mock_app(UpdateSource::default());
    let err = app.err("create_provider", provider("Bad URL", "localhost:8080", None));
    assert_eq!(err["code"], "invalid_input");
    assert_eq!(err["field"], "base_url");
    assert!(err["message"].as_str().unwrap().contains("http"), "{err}");

    let err = app.err("create_provider", provider("  ", "https://api.anthropic.com", None));
    assert_eq!((err["code"].as_str(), err["field"].as_str()), (Some("invalid_input"), Some("name")));

    app.ok("create_provider", provider("Twice", "https://api.anthropic.com", None));
    let err = app.err("create_provider", provider("twice", "https://api.anthropic.com", None));
    assert_eq!((err["code"].as_str(), err["field"].as_str()), (Some("conflict"), Some("name")));
    assert_eq!(app.ok("list_providers", json!({})).as_array().unwrap().len(), 1, "nothing was lost or added");

    let err = app.err("delete_provider", json!({"id": "prv_missing"}));
    assert_eq!(err["code"], "not_found");
    let err = app.err("update_provider", json!({"id": "prv_missing", "input": {"name": "x", "kind": "anthropic", "base_url": "https://a.b", "model": "m"}}));
    assert_eq!(err["code"], "not_found");
}

#[test]
fn an_unreachable_provider_is_a_network_report_not_a_failure() {
    let app = mock_app(UpdateSource::default());
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let created = app.ok("create_provider", provider("Gone", &format!("http://{closed}"), Some("sk-x")));
    let report = app.ok("test_provider", json!({"id": created["id"]}));
    assert_eq!(report["ok"], false);
    assert_eq!(report["error"]["code"], "network");
    assert!(report["message"].as_str().unwrap().contains("Couldn't reach"), "{report}");
}

#[test]
fn a_corrupt_database_is_reported_as_a_notice_and_the_app_still_works() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("reverie.db"), b"definitely not sqlite".repeat(100)).unwrap();
    let app = crate::support::mock_app_in(dir, UpdateSource::default());
    let status = app.ok("app_status", json!({}));
    let notice = status["notices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["level"] == "warning" && n["id"].as_str().unwrap().starts_with("db-recovered"))
        .cloned();
    let notice = notice.unwrap_or_else(|| panic!("a recovery notice: {status}"));
    assert!(notice["detail"].as_str().unwrap().contains("reverie.db.corrupt-"), "{notice}");
    app.ok("create_provider", provider("After recovery", "https://api.anthropic.com", None));
}

/// Waits (on the engine's own subscription, not a timer) until the session goes idle after
/// event `after`.
fn wait_idle(app: &crate::support::MockApp, rt: &tokio::runtime::Runtime, id: &str, after: u64) {
    use tauri::Manager;
    let state = app._app.state::<reverie_lib::AppState>();
    let sessions = state.sessions.clone();
    let id = reverie_protocol::SessionId(id.into());
    rt.block_on(async move {
        let mut sub = sessions.subscribe(&id, after).await.unwrap();
        tokio::time::timeout(std::time::Duration::from_secs(30), async {
            while !matches!(sub.next().await.unwrap().payload, reverie_protocol::EventPayload::StatusIdle { .. }) {}
        })
        .await
        .expect("the run went idle");
    });
}

#[test]
fn an_agent_runs_a_task_through_ipc_and_its_session_replays_from_the_log() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let script = reverie_testkit::Script::from_replies([
        reverie_testkit::Reply::new()
            .text("Writing it.")
            .tool_use("write_file", json!({"path": "out.md", "content": "# Out\n"})),
        reverie_testkit::Reply::new().text("Done."),
        reverie_testkit::Reply::new().text("Added nothing more."),
    ]);
    let fake = rt
        .block_on(FakeProvider::start_with_script(
            FakeProviderConfig { keys: vec![KEY.into()], models: vec!["fake-model".into()], open: false },
            script,
        ))
        .unwrap();
    let app = mock_app(UpdateSource::default());
    let workspace = tempfile::tempdir().unwrap();

    let tools = app.ok("list_tools", json!({}));
    assert_eq!(tools.as_array().unwrap().len(), 6);
    assert!(
        tools.as_array().unwrap().iter().any(|t| t["name"] == "run_command" && t["default_permission"] == "ask"),
        "{tools}"
    );

    let provider = app.ok("create_provider", provider("Fake", &fake.base_url(), Some(KEY)));
    let bad = app.err("create_agent", json!({"input": {"name": " ", "provider_id": provider["id"]}}));
    assert_eq!((bad["code"].as_str(), bad["field"].as_str()), (Some("invalid_input"), Some("name")));
    let agent = app.ok(
        "create_agent",
        json!({"input": {"name": "Writer", "instructions": "Write files.", "provider_id": provider["id"]}}),
    );
    assert_eq!(agent["max_turns"], 50);
    assert_eq!(app.ok("list_agents", json!({})).as_array().unwrap().len(), 1);

    // A folder that does not exist: the field and a sentence that says what to do.
    let missing =
        app.err("start_run", json!({"input": {"agent_id": agent["id"], "workspace": "/no/such/folder", "task": "x"}}));
    assert_eq!(missing["field"], "workspace");
    assert!(missing["message"].as_str().unwrap().contains("does not exist"), "{missing}");

    let ws = workspace.path().display().to_string();
    let started =
        app.ok("start_run", json!({"input": {"agent_id": agent["id"], "workspace": ws, "task": "Write out.md"}}));
    assert_eq!(started["status"], "running");
    let id = started["id"].as_str().unwrap().to_owned();
    wait_idle(&app, &rt, &id, 0);
    assert_eq!(std::fs::read_to_string(workspace.path().join("out.md")).unwrap(), "# Out\n");

    let summary = app.ok("get_session", json!({"id": id}));
    assert_eq!(
        (summary["status"].as_str(), summary["stop_reason"].as_str(), summary["turns"].as_u64()),
        (Some("idle"), Some("end_turn"), Some(2))
    );
    let events = app.ok("session_events", json!({"id": id, "after": 0, "limit": 1000}));
    let names: Vec<&str> = events.as_array().unwrap().iter().map(|e| e["payload"]["type"].as_str().unwrap()).collect();
    assert_eq!(names.first(), Some(&"user.message"));
    assert_eq!(names.last(), Some(&"session.status_idle"));
    assert!(names.contains(&"agent.tool_use") && names.contains(&"agent.tool_result"), "{names:?}");
    let seqs: Vec<u64> = events.as_array().unwrap().iter().map(|e| e["seq"].as_u64().unwrap()).collect();
    assert_eq!(seqs, (1..=seqs.len() as u64).collect::<Vec<_>>(), "seq 1, 2, 3… without gaps");
    assert_eq!(app.ok("list_sessions", json!({}))[0]["id"], id.as_str());

    // Idle: nothing to cancel, no approval waiting; a follow-up runs on the same session.
    assert_eq!(app.err("cancel_session", json!({"id": id}))["code"], "conflict");
    assert_eq!(
        app.err("answer_approval", json!({"session_id": id, "tool_use_id": "toolu_x", "approved": true}))["code"],
        "not_found"
    );
    assert_eq!(app.err("continue_session", json!({"id": id, "message": null}))["field"], "message");
    let before = summary["last_seq"].as_u64().unwrap();
    app.ok("continue_session", json!({"id": id, "message": "Anything else?"}));
    wait_idle(&app, &rt, &id, before);
    assert_eq!(app.ok("get_session", json!({"id": id}))["turns"], 3);
    assert_eq!(app.err("get_session", json!({"id": "ses_missing"}))["code"], "not_found");

    for reply in app.replies.lock().unwrap().iter() {
        assert!(!reply.contains(KEY), "an IPC reply carried the key: {reply}");
    }
}

#[test]
fn a_key_the_provider_echoes_is_in_no_reply_and_no_file() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let echo = reverie_testkit::Fault::http_message(401, format!("Incorrect API key provided: {KEY}."));
    let script = reverie_testkit::Script::from_replies([reverie_testkit::Reply::new().fault(echo)]);
    let fake = rt
        .block_on(FakeProvider::start_with_script(
            FakeProviderConfig { keys: vec![KEY.into()], models: vec!["fake-model".into()], open: false },
            script,
        ))
        .unwrap();
    let app = mock_app(UpdateSource::default());
    let workspace = tempfile::tempdir().unwrap();
    let provider = app.ok("create_provider", provider("Echo", &fake.base_url(), Some(KEY)));
    let agent = app.ok(
        "create_agent",
        json!({"input": {"name": "Writer", "instructions": "Write files.", "provider_id": provider["id"]}}),
    );
    let ws = workspace.path().display().to_string();
    let started =
        app.ok("start_run", json!({"input": {"agent_id": agent["id"], "workspace": ws, "task": "Write out.md"}}));
    let id = started["id"].as_str().unwrap().to_owned();
    wait_idle(&app, &rt, &id, 0);
    let events = app.ok("session_events", json!({"id": id, "after": 0, "limit": 1000}));
    assert!(events.to_string().contains("Incorrect API key provided: [REDACTED]"), "{events}");
    app.ok("get_session", json!({"id": id}));
    app.ok("list_sessions", json!({}));
    for reply in app.replies.lock().unwrap().iter() {
        assert!(!reply.contains(KEY), "an IPC reply carried the key: {reply}");
    }
    for (path, bytes) in files_under(app.data_dir.path()) {
        assert!(!contains(&bytes, KEY.as_bytes()), "{} contains the key", path.display());
    }
}

#[test]
fn memory_through_ipc_versions_every_user_edit_and_never_overwrites_a_newer_one() {
    let app = mock_app(UpdateSource::default());
    let bad = app.err("create_memory_store", json!({"input": {"name": "../escape"}}));
    assert_eq!((bad["code"].as_str(), bad["field"].as_str()), (Some("invalid_input"), Some("name")));
    let store = app.ok("create_memory_store", json!({"input": {"name": "Notes", "description": "Shared notes"}}));
    let id = store["id"].clone();
    let v1 = app.ok("write_memory_file", json!({"store": id, "write": {"path": "a.md", "content": "# A\nfirst\n"}}));
    assert_eq!((v1["op"].as_str(), v1["actor"].as_str()), (Some("create"), Some("user")));
    let file = app.ok("read_memory_file", json!({"store": id, "path": "a.md"}));
    let v2 = app.ok(
        "write_memory_file",
        json!({"store": id, "write": {"path": "a.md", "content": "# A\nsecond\n", "expected_sha256": file["sha256"]}}),
    );
    // Saving again from the same starting point: a conflict that says what happened, nothing lost.
    let stale = app.err(
        "write_memory_file",
        json!({"store": id, "write": {"path": "a.md", "content": "mine", "expected_sha256": file["sha256"]}}),
    );
    assert_eq!((stale["code"].as_str(), stale["field"].as_str()), (Some("conflict"), Some("expected_sha256")));
    assert_eq!(app.ok("read_memory_file", json!({"store": id, "path": "a.md"}))["content"], "# A\nsecond\n");

    let history = app.ok("memory_history", json!({"store": id, "path": "a.md"}));
    assert_eq!(history.as_array().unwrap().len(), 2);
    let diff = app.ok("memory_diff", json!({"from": v1["id"], "to": v2["id"]}));
    let kinds: Vec<&str> = diff[0]["lines"].as_array().unwrap().iter().map(|l| l["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["context", "removed", "added"]);
    let current = app.ok("read_memory_file", json!({"store": id, "path": "a.md"}))["sha256"].clone();
    app.ok("revert_memory_version", json!({"id": v1["id"], "expected_sha256": current}));
    assert_eq!(app.ok("read_memory_file", json!({"store": id, "path": "a.md"}))["content"], "# A\nfirst\n");
    assert_eq!(app.ok("redact_memory_version", json!({"id": v2["id"]}))["redacted"], true);
    assert_eq!(
        app.ok("memory_version", json!({"id": v2["id"]})).get("content"),
        None,
        "the content is gone, who and when stay"
    );

    let hits = app.ok("search_memory", json!({"store": id, "query": "first"}));
    assert_eq!(hits[0]["path"], "a.md");
    assert_eq!(app.err("search_memory", json!({"store": id, "query": "?!"}))["field"], "query");

    // A store as a folder, and back into another store.
    let out = tempfile::tempdir().unwrap();
    assert_eq!(app.ok("export_memory_store", json!({"id": id, "folder": out.path().display().to_string()})), 1);
    assert_eq!(std::fs::read_to_string(out.path().join("a.md")).unwrap(), "# A\nfirst\n");
    let copy = app.ok("create_memory_store", json!({"input": {"name": "Copy"}}));
    assert_eq!(app.ok("import_memory_store", json!({"id": copy["id"], "folder": out.path().display().to_string()})), 1);
    assert_eq!(app.ok("list_memory_files", json!({"store": copy["id"]}))[0]["path"], "a.md");

    // An edit in the store's folder and one in Reverie before they sync: a conflict to settle.
    let on_disk = app.data_dir.path().join("memory/Notes/a.md");
    assert_eq!(std::fs::read_to_string(&on_disk).unwrap(), "# A\nfirst\n", "the mirror holds the file");
    std::fs::write(&on_disk, "# A\nfrom my editor\n").unwrap();
    app.ok("write_memory_file", json!({"store": id, "write": {"path": "a.md", "content": "# A\nfrom Reverie\n"}}));
    {
        use tauri::Manager;
        app._app.state::<reverie_lib::AppState>().mirror.flush().unwrap();
    }
    let conflicts = app.ok("memory_conflicts", json!({"store": id}));
    assert_eq!(conflicts[0]["path"], "a.md", "{conflicts}");
    let diff = app.ok("memory_conflict_diff", json!({"store": id, "path": "a.md"}));
    let lines: Vec<(&str, &str)> = diff[0]["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["kind"].as_str().unwrap(), l["text"].as_str().unwrap()))
        .collect();
    assert!(lines.contains(&("removed", "from Reverie")) && lines.contains(&("added", "from my editor")), "{lines:?}");
    app.ok("resolve_memory_conflict", json!({"store": id, "path": "a.md", "keep_ours": false}));
    assert_eq!(app.ok("read_memory_file", json!({"store": id, "path": "a.md"}))["content"], "# A\nfrom my editor\n");
    assert_eq!(app.ok("memory_conflicts", json!({"store": id})), json!([]));

    app.ok("delete_memory_file", json!({"store": id, "path": "a.md", "expected_sha256": null}));
    assert_eq!(app.ok("list_memory_files", json!({"store": id})), json!([]));
    assert_eq!(app.ok("list_memory_stores", json!({})).as_array().unwrap().len(), 2);
    app.ok("delete_memory_store", json!({"id": copy["id"]}));
    assert_eq!(app.err("list_memory_files", json!({"store": copy["id"]}))["code"], "not_found");
}

#[test]
fn rubrics_through_ipc_check_live_version_every_save_and_import_and_export_markdown() {
    let app = mock_app(UpdateSource::default());
    assert_eq!(app.ok("list_rubrics", json!({})), json!([]));

    // The editor's live check: criteria, or every problem with its line.
    let check = app.ok("check_rubric", json!({"source": "# Notes\n- Has a title {#title}\n- Is short {.optional}\n"}));
    assert_eq!(check["problems"], json!([]));
    assert_eq!(check["criteria"][1]["id"], "is-short");
    assert_eq!(check["criteria"][1]["optional"], true);
    let check = app.ok("check_rubric", json!({"source": "# Notes\n- A {#a}\n- B {#a}\n- C {weight=heavy}\n"}));
    let lines: Vec<u64> = check["problems"].as_array().unwrap().iter().map(|p| p["line"].as_u64().unwrap()).collect();
    assert_eq!(lines, [3, 4], "{check}");

    // Bad input on save: empty, too long, malformed. Nothing is recorded.
    let err = app.err("create_rubric", json!({"name": "Empty", "source": "   \n"}));
    assert_eq!((err["code"].as_str(), err["field"].as_str()), (Some("invalid_input"), Some("source")));
    let huge = format!("# Big\n- One criterion\n{}", "x".repeat(300 * 1024));
    let err = app.err("create_rubric", json!({"name": "Huge", "source": huge}));
    assert!(err["message"].as_str().unwrap().contains("262144"), "{err}");
    let err = app.err("create_rubric", json!({"name": "Bad", "source": "# Notes\n- A {#a}\n- B {#a}\n"}));
    assert!(err["message"].as_str().unwrap().starts_with("Line 3:"), "{err}");
    assert_eq!(app.ok("list_rubrics", json!({})), json!([]));

    // Every changed save is a version; diffs between versions.
    let created = app.ok("create_rubric", json!({"name": "Notes", "source": "# Notes\n- Has a title\n"}));
    let id = created["id"].as_str().unwrap().to_owned();
    let saved = app
        .ok("save_rubric", json!({"id": id, "name": "Notes", "source": "# Notes\n- Has a title\n- Has a summary\n"}));
    assert_eq!(saved["latest"]["version"], 2);
    let same = app.ok(
        "save_rubric",
        json!({"id": id, "name": "Release notes", "source": "# Notes\n- Has a title\n- Has a summary\n"}),
    );
    assert_eq!(
        (same["latest"]["version"].as_u64(), same["name"].as_str()),
        (Some(2), Some("Release notes")),
        "a rename alone is no new version"
    );
    let versions = app.ok("rubric_versions", json!({"id": id}));
    assert_eq!(versions.as_array().unwrap().iter().map(|v| v["version"].as_u64().unwrap()).collect::<Vec<_>>(), [2, 1]);
    let diff = app.ok("rubric_diff", json!({"id": id, "from": 1, "to": 2})).to_string();
    assert!(diff.contains("- Has a summary") && diff.contains("\"added\""), "{diff}");

    // Templates; import and export of .md files.
    let templates = app.ok("rubric_templates", json!({}));
    assert_eq!(templates.as_array().unwrap().len(), 3);
    let from_template = app.ok("create_rubric_from_template", json!({"template": "Code change"}));
    assert!(from_template["latest"]["criteria"].as_array().unwrap().len() >= 4);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("Release notes.md");
    std::fs::write(&file, "# Imported\n- Says what changed\n").unwrap();
    let imported = app.ok("import_rubric", json!({"path": file}));
    assert_eq!(imported["name"], "Release notes 2", "the name is made unique");
    let out = dir.path().join("out.md");
    app.ok("export_rubric", json!({"id": id, "version": 1, "path": out}));
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "# Notes\n- Has a title\n");
    std::fs::write(&file, [0xff, 0xfe, 0x00]).unwrap();
    let err = app.err("import_rubric", json!({"path": file}));
    assert!(err["message"].as_str().unwrap().contains("not UTF-8"), "{err}");

    // Deleted: out of the library, its versions kept for the outcomes that used them.
    app.ok("delete_rubric", json!({"id": id}));
    assert_eq!(app.ok("list_rubrics", json!({})).as_array().unwrap().len(), 2);
    assert_eq!(app.ok("rubric_versions", json!({"id": id})).as_array().unwrap().len(), 2);
}

#[test]
fn the_example_team_is_made_in_one_call_and_a_thread_that_is_not_running_cannot_be_cancelled() {
    let app = mock_app(UpdateSource::default());
    let provider = app.ok("create_provider", provider("Fake", "https://api.anthropic.com", None));
    let team = app.ok("create_example_team", json!({"provider_id": provider["id"]}));
    let names: Vec<&str> = team.as_array().unwrap().iter().map(|a| a["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Coordinator", "Researcher", "Writer", "Reviewer"]);
    let roster: Vec<&Value> = team[0]["roster"].as_array().unwrap().iter().collect();
    assert_eq!(roster, [&team[1]["id"], &team[2]["id"], &team[3]["id"]]);
    let again = app.ok("create_example_team", json!({"provider_id": provider["id"]}));
    assert_eq!(again[0]["name"], "Coordinator 2", "a second team gets numbered names");
    assert_eq!(app.ok("list_agents", json!({})).as_array().unwrap().len(), 8);
    let err = app.err("cancel_thread", json!({"id": "ses_none", "thread_id": "thr_none"}));
    assert_eq!(err["code"], "not_found");
}

#[test]
fn a_dream_through_ipc_proposes_after_two_runs_and_applies_the_accepted_hunk() {
    use reverie_testkit::{Reply, Script};
    let rt = tokio::runtime::Runtime::new().unwrap();
    let extraction = |seq: u64, quote: &str| {
        Reply::new().tool_use("submit_result", json!({"findings": [{"kind": "lesson", "text": "Use make test.", "evidence": [{"seq": seq, "quote": quote}]}]}))
    };
    let script = Script::new()
        .conversation("agent", [Reply::new().text("Ran make test."), Reply::new().text("Ran it again.")])
        .conversation(
            "dream",
            [
                extraction(3, "Ran make test."),
                extraction(3, "Ran it again."),
                Reply::new().tool_use(
                    "submit_result",
                    json!({"operations": [
                        {"op": "update", "path": "testing.md", "content": "# Testing\n\nRun make test.\n\nIt builds the UI first.\n", "rationale": "Both runs used make test."}
                    ]}),
                ),
            ],
        );
    let fake = rt
        .block_on(FakeProvider::start_with_script(
            FakeProviderConfig { keys: vec![KEY.into()], models: vec!["fake-model".into()], open: false },
            script,
        ))
        .unwrap();
    let app = mock_app(UpdateSource::default());
    let workspace = tempfile::tempdir().unwrap();
    let provider = app.ok("create_provider", provider("Fake", &fake.base_url(), Some(KEY)));
    let store = app.ok("create_memory_store", json!({"input": {"name": "Notes"}}));
    app.ok(
        "write_memory_file",
        json!({"store": store["id"], "write": {"path": "testing.md", "content": "# Testing\n\nRun cargo test.\n"}}),
    );
    let agent = app.ok(
        "create_agent",
        json!({"input": {"name": "Tester", "instructions": "[[script:agent]]", "provider_id": provider["id"], "memory": [{"store_id": store["id"], "access": "read_write"}]}}),
    );
    assert_eq!(
        app.err("start_dream", json!({"input": {"store_id": store["id"]}}))["field"],
        "sessions",
        "nothing to dream about yet"
    );
    for task in ["Run the tests", "Run them again"] {
        let run = app.ok("start_run", json!({"input": {"agent_id": agent["id"], "workspace": workspace.path().display().to_string(), "task": task}}));
        wait_idle(&app, &rt, run["id"].as_str().unwrap(), 0);
    }
    assert_eq!(app.ok("new_dream_sessions", json!({"store_id": store["id"]})).as_array().unwrap().len(), 2);
    let settings = app.ok(
        "set_dream_settings",
        json!({"store_id": store["id"], "settings": {"mode": "review", "after_sessions": 5}}),
    );
    assert_eq!(settings["after_sessions"], 5);
    assert_eq!(
        app.err(
            "set_dream_settings",
            json!({"store_id": store["id"], "settings": {"mode": "review", "daily_at": "7pm"}})
        )["field"],
        "daily_at"
    );

    let dream = app.ok("start_dream", json!({"input": {"store_id": store["id"], "instructions": "[[script:dream]]"}}));
    let id = dream["id"].as_str().unwrap().to_owned();
    {
        use tauri::Manager;
        let dreams = app._app.state::<reverie_lib::AppState>().dreams.clone();
        let mut updates = dreams.subscribe();
        let dream_id = reverie_protocol::DreamId(id.clone());
        rt.block_on(async {
            tokio::time::timeout(std::time::Duration::from_secs(30), async {
                while !matches!(
                    dreams.get(&dream_id).unwrap().status,
                    reverie_protocol::DreamStatus::Completed | reverie_protocol::DreamStatus::Failed
                ) {
                    let _ = updates.recv().await;
                }
            })
            .await
            .expect("the dream ended");
        });
    }
    let listed = app.ok("list_dreams", json!({"store_id": store["id"]}));
    assert_eq!(
        (listed[0]["status"].as_str(), listed[0]["proposal"].as_str(), listed[0]["processed"].as_u64()),
        (Some("completed"), Some("ready"), Some(2)),
        "{listed}"
    );
    let proposal = app.ok("dream_proposal", json!({"id": id}));
    let hunks: Vec<String> = proposal["files"][0]["hunks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(hunks, ["0.0"]);
    assert_eq!(
        app.err("decide_hunks", json!({"id": id, "hunks": ["9.9"], "decision": "accepted", "edited": null}))["code"],
        "not_found"
    );
    app.ok("decide_hunks", json!({"id": id, "hunks": ["0.0"], "decision": "accepted", "edited": null}));
    let (applied, report) = {
        let reply = app.ok("apply_proposal", json!({"id": id}));
        (reply[0].clone(), reply[1].clone())
    };
    assert_eq!((applied["status"].as_str(), report["versions"].as_array().unwrap().len()), (Some("applied"), 1));
    let file = app.ok("read_memory_file", json!({"store": store["id"], "path": "testing.md"}));
    assert_eq!(file["content"], "# Testing\n\nRun make test.\n\nIt builds the UI first.\n");
    let history = app.ok("memory_history", json!({"store": store["id"], "path": "testing.md"}));
    assert_eq!(history[0]["actor"], format!("dream:{id}"));
    let reverted = app.ok("revert_proposal", json!({"id": id}));
    assert_eq!(reverted[0]["status"], "reverted");
    assert_eq!(
        app.ok("read_memory_file", json!({"store": store["id"], "path": "testing.md"}))["content"],
        "# Testing\n\nRun cargo test.\n"
    );
}

#[test]
fn closing_with_a_run_in_progress_asks_first_and_quitting_records_the_quit() {
    use reverie_testkit::{Fault, Reply, Script};
    use tauri::Manager;
    let rt = tokio::runtime::Runtime::new().unwrap();
    let script = Script::from_replies([Reply::new()
        .text("Thinking")
        .fault(Fault::Stall { after_events: 2, max_secs: Some(60) })]);
    let fake = rt
        .block_on(FakeProvider::start_with_script(
            FakeProviderConfig { keys: vec![KEY.into()], models: vec!["fake-model".into()], open: false },
            script,
        ))
        .unwrap();
    let app = mock_app(UpdateSource::default());
    let workspace = tempfile::tempdir().unwrap();
    assert!(reverie_lib::closing::work_in_progress(app._app.handle()).is_none(), "nothing to ask about yet");

    let provider = app.ok("create_provider", provider("Fake", &fake.base_url(), Some(KEY)));
    let agent = app.ok("create_agent", json!({"input": {"name": "Thinker", "provider_id": provider["id"]}}));
    let ws = workspace.path().display().to_string();
    let started =
        app.ok("start_run", json!({"input": {"agent_id": agent["id"], "workspace": ws, "task": "Think hard"}}));
    let id = started["id"].as_str().unwrap().to_owned();
    rt.block_on(fake.wait_for_open_streams(1));

    // The close button asks: a run is working. Keeping it working with no tray to come back
    // from is refused with what to do.
    let asked = reverie_lib::closing::work_in_progress(app._app.handle()).expect("a run works");
    assert_eq!((asked.runs, asked.dreams, asked.can_hide), (1, 0, false));
    let refused = app.err("answer_close_request", json!({"choice": "background"}));
    assert_eq!((refused["code"].as_str(), refused["field"].as_str()), (Some("invalid_input"), Some("choice")));
    assert!(refused["message"].as_str().unwrap().contains("stop the work and quit"), "{refused}");

    // Stop and quit: what the exit handler does before the process ends.
    app._app.state::<reverie_lib::AppState>().shutdown();
    let summary = app.ok("get_session", json!({"id": id}));
    assert_eq!((summary["status"].as_str(), summary["stop_reason"].as_str()), (Some("idle"), Some("app_quit")));
    let events = app.ok("session_events", json!({"id": id, "after": 0, "limit": 100}));
    let last = events.as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["payload"], json!({"type": "session.status_idle", "reason": "app_quit"}));
    assert!(reverie_lib::closing::work_in_progress(app._app.handle()).is_none(), "nothing works any more");
}
