//! Fails when the checked-in TypeScript bindings differ from what the Rust types generate.

use std::collections::BTreeSet;
use std::path::Path;

#[test]
fn checked_in_bindings_match_the_rust_types() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../..").join(reverie_protocol::bindings::BINDINGS_DIR);
    let fix = "run `cargo run -p reverie-protocol --bin export-bindings` and commit ui/src/bindings";
    let expected = reverie_protocol::bindings::files();
    for (name, body) in &expected {
        let on_disk = std::fs::read_to_string(dir.join(name))
            .unwrap_or_else(|_| panic!("ui/src/bindings/{name} is missing: {fix}"));
        assert_eq!(&on_disk, body, "ui/src/bindings/{name} is stale: {fix}");
    }
    let expected_names: BTreeSet<_> = expected.iter().map(|(n, _)| n.clone()).collect();
    let stray: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".ts") && !expected_names.contains(n))
        .collect();
    assert!(stray.is_empty(), "ui/src/bindings has files no Rust type generates: {stray:?}; {fix}");
}

#[test]
fn enums_with_data_are_tagged_and_plain_enums_are_strings() {
    use reverie_protocol::*;
    let status = UpdateStatus::Offline { current_version: "0.1.0".into() };
    assert_eq!(serde_json::to_value(&status).unwrap()["type"], "offline");
    assert_eq!(serde_json::to_value(ProviderKind::OpenaiCompatible).unwrap(), "openai_compatible");
    let err = AppError::invalid("base_url", "Enter a URL");
    let json = serde_json::to_value(&err).unwrap();
    assert_eq!(json["code"], "invalid_input");
    assert_eq!(json["field"], "base_url");
}

#[test]
fn events_carry_their_fixed_names() {
    use reverie_protocol::*;
    let payload =
        EventPayload::AgentToolUse { tool_use_id: "t1".into(), name: "read_file".into(), input: serde_json::json!({}) };
    let json = serde_json::to_value(&payload).unwrap();
    assert_eq!(json["type"], "agent.tool_use");
    assert_eq!(json["type"], payload.name());
    let back: EventPayload =
        serde_json::from_value(serde_json::json!({"type": "session.status_idle", "reason": "end_turn"})).unwrap();
    assert_eq!(back, EventPayload::StatusIdle { reason: IdleReason::EndTurn });
}
