//! The shell's commands through Tauri's IPC on MockRuntime: argument names, reply shapes,
//! error codes, and that no key ever comes back.

use reverie_lib::state::UpdateSource;
use reverie_testkit::{FakeProvider, FakeProviderConfig};
use serde_json::json;

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
fn providers_round_trip_through_ipc_and_no_reply_carries_the_key() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let fake = rt
        .block_on(FakeProvider::start(FakeProviderConfig { keys: vec![KEY.into()], models: vec!["fake-model".into()], open: false }))
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
    let notice = status["notices"].as_array().unwrap().iter().find(|n| n["level"] == "warning" && n["id"].as_str().unwrap().starts_with("db-recovered")).cloned();
    let notice = notice.unwrap_or_else(|| panic!("a recovery notice: {status}"));
    assert!(notice["detail"].as_str().unwrap().contains("reverie.db.corrupt-"), "{notice}");
    app.ok("create_provider", provider("After recovery", "https://api.anthropic.com", None));
}
