use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use reverie_engine::clock::{ManualClock, SequentialIds};
use reverie_engine::providers::EnvLookup;
use reverie_engine::{Database, Error, Providers, Secrets};
use reverie_protocol::{ErrorCode, KeySource, ProviderInput, ProviderKind};
use reverie_testkit::{FakeProvider, FakeProviderConfig};

struct Fixture {
    providers: Providers,
    env: Arc<Mutex<HashMap<String, String>>>,
}

fn fixture() -> Fixture {
    let env: Arc<Mutex<HashMap<String, String>>> = Arc::default();
    let lookup_env = env.clone();
    let lookup: EnvLookup = Arc::new(move |k| lookup_env.lock().unwrap().get(k).cloned());
    let providers = Providers::new(
        Arc::new(Database::in_memory().unwrap()),
        Arc::new(Secrets::memory_only()),
        Arc::new(ManualClock::new(1_000)),
        Arc::new(SequentialIds::default()),
        lookup,
    );
    Fixture { providers, env }
}

fn input(name: &str, kind: ProviderKind, base_url: &str, model: &str, key: Option<&str>) -> ProviderInput {
    ProviderInput {
        name: name.into(),
        kind,
        base_url: base_url.into(),
        model: model.into(),
        api_key: key.map(Into::into),
    }
}

#[test]
fn create_list_update_delete() {
    let f = fixture();
    let p = f
        .providers
        .create(input(" Claude ", ProviderKind::Anthropic, "https://api.anthropic.com/", "claude-x", Some("sk-1")))
        .unwrap();
    assert_eq!(p.name, "Claude");
    assert_eq!(p.base_url, "https://api.anthropic.com");
    assert!(p.key.configured);
    assert_eq!(p.key.source, KeySource::Memory);
    assert_eq!(
        f.providers.api_key(&p.id).unwrap().map(|k| secrecy::ExposeSecret::expose_secret(&k).to_owned()),
        Some("sk-1".into())
    );

    // Edit without a key keeps the key; an empty key removes it.
    let kept = f
        .providers
        .update(&p.id, input("Claude 2", ProviderKind::Anthropic, "https://api.anthropic.com", "claude-y", None))
        .unwrap();
    assert_eq!((kept.name.as_str(), kept.model.as_str(), kept.key.configured), ("Claude 2", "claude-y", true));
    let removed = f
        .providers
        .update(&p.id, input("Claude 2", ProviderKind::Anthropic, "https://api.anthropic.com", "claude-y", Some("")))
        .unwrap();
    assert!(!removed.key.configured);
    assert!(f.providers.api_key(&p.id).unwrap().is_none());

    assert_eq!(f.providers.list().unwrap().len(), 1);
    f.providers.delete(&p.id).unwrap();
    assert!(f.providers.list().unwrap().is_empty());
    let err = f.providers.delete(&p.id).unwrap_err();
    assert!(matches!(err, Error::NotFound(_)));
}

#[test]
fn duplicate_names_are_a_conflict_on_the_name_field_ignoring_case() {
    let f = fixture();
    f.providers
        .create(input("Local", ProviderKind::OpenaiCompatible, "http://127.0.0.1:11434/v1", "llama3.2", None))
        .unwrap();
    let err = f
        .providers
        .create(input("local", ProviderKind::OpenaiCompatible, "http://127.0.0.1:1/v1", "m", None))
        .unwrap_err();
    let app: reverie_protocol::AppError = err.into();
    assert_eq!(app.code, ErrorCode::Conflict);
    assert_eq!(app.field.as_deref(), Some("name"));
    assert!(app.message.contains("already exists"), "{}", app.message);
    assert_eq!(f.providers.list().unwrap().len(), 1, "nothing else was saved");
}

#[test]
fn bad_input_names_the_field_and_saves_nothing() {
    let f = fixture();
    for (i, field) in [
        (input("", ProviderKind::Anthropic, "https://api.anthropic.com", "m", None), "name"),
        (input("a", ProviderKind::Anthropic, "api.anthropic.com", "m", None), "base_url"),
        (input("a", ProviderKind::Anthropic, "https://api.anthropic.com", "", None), "model"),
        (input("a", ProviderKind::Anthropic, "https://api.anthropic.com", "m", Some("two words")), "api_key"),
    ] {
        let app: reverie_protocol::AppError = f.providers.create(i).unwrap_err().into();
        assert_eq!((app.code, app.field.as_deref()), (ErrorCode::InvalidInput, Some(field)));
    }
    assert!(f.providers.list().unwrap().is_empty());
}

#[test]
fn environment_keys_apply_only_to_the_vendor_host() {
    let f = fixture();
    f.env.lock().unwrap().insert("OPENAI_API_KEY".into(), "sk-env".into());
    let vendor = f
        .providers
        .create(input("OpenAI", ProviderKind::OpenaiCompatible, "https://api.openai.com/v1", "gpt-4o-mini", None))
        .unwrap();
    let local = f
        .providers
        .create(input("Ollama", ProviderKind::OpenaiCompatible, "http://127.0.0.1:11434/v1", "llama3.2", None))
        .unwrap();
    assert_eq!(vendor.key.source, KeySource::Environment);
    assert!(vendor.key.configured);
    assert_eq!(local.key.source, KeySource::None);
    assert!(f.providers.api_key(&local.id).unwrap().is_none(), "an OpenAI key is never sent to another host");
}

#[tokio::test]
async fn test_connection_reports_success_bad_key_wrong_model_and_unreachable() {
    let fake = FakeProvider::start(FakeProviderConfig {
        models: vec!["claude-fake".into(), "gpt-fake".into()],
        ..Default::default()
    })
    .await
    .unwrap();
    let f = fixture();
    let create = |name: &str, kind, url: String, model: &str, key: Option<&str>| {
        f.providers.create(input(name, kind, &url, model, key)).unwrap().id
    };
    let good_a = create("A good", ProviderKind::Anthropic, fake.base_url(), "claude-fake", Some("sk-test-good"));
    let good_o =
        create("O good", ProviderKind::OpenaiCompatible, fake.openai_base_url(), "gpt-fake", Some("sk-test-good"));
    let bad_key = create("A bad key", ProviderKind::Anthropic, fake.base_url(), "claude-fake", Some("sk-wrong"));
    let bad_model_a =
        create("A bad model", ProviderKind::Anthropic, fake.base_url(), "claude-nope", Some("sk-test-good"));
    let bad_model_o =
        create("O bad model", ProviderKind::OpenaiCompatible, fake.openai_base_url(), "gpt-nope", Some("sk-test-good"));
    let wrong_path = create(
        "O wrong path",
        ProviderKind::OpenaiCompatible,
        format!("{}/nothing", fake.base_url()),
        "gpt-fake",
        Some("sk-test-good"),
    );
    let no_key = create("A no key", ProviderKind::Anthropic, fake.base_url(), "claude-fake", None);
    // A port that was just free: nothing listens there.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let unreachable = create("Unreachable", ProviderKind::OpenaiCompatible, format!("http://{closed}/v1"), "m", None);

    let report = |id| {
        let p = f.providers.clone();
        async move { p.test_connection(&id).await.unwrap() }
    };
    for ok in [good_a, good_o] {
        let r = report(ok).await;
        assert!(r.ok, "{}", r.message);
    }
    let code = |r: reverie_protocol::ConnectionReport| (r.ok, r.error.map(|e| e.code));
    assert_eq!(code(report(bad_key).await), (false, Some(ErrorCode::Auth)));
    let r = report(bad_model_a).await;
    assert!(r.message.contains("claude-fake"), "lists what is available: {}", r.message);
    assert_eq!(code(r), (false, Some(ErrorCode::ModelNotFound)));
    assert_eq!(code(report(bad_model_o).await), (false, Some(ErrorCode::ModelNotFound)));
    let r = report(wrong_path).await;
    assert!(r.message.contains("base URL"), "{}", r.message);
    assert_eq!(code(report(no_key).await), (false, Some(ErrorCode::Auth)));
    assert_eq!(code(report(unreachable).await), (false, Some(ErrorCode::Network)));

    // The adapters sent the vendor headers.
    let sent = fake.requests();
    let anthropic = sent.iter().find(|r| r.path == "/v1/models/claude-fake").unwrap();
    assert!(anthropic.headers.iter().any(|(k, v)| k == "anthropic-version" && v == "2023-06-01"));
    assert!(sent.iter().any(|r| r.headers.iter().any(|(k, v)| k == "authorization" && v == "Bearer sk-test-good")));
}
