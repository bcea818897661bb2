//! A provider that echoes the key: `reverie run`, `sessions show` and `sessions export` print
//! the error with the key masked, and no file in the data folder holds it.

use reverie_testkit::{FakeProvider, FakeProviderConfig, Fault, Reply, Script};

use crate::support::{finish, Cli, Ran};

#[tokio::test]
async fn a_key_the_provider_echoes_is_in_no_output_export_or_file() {
    // Key-shaped, so it is masked even where no keychain keeps it for the run (memory only).
    let key = "sk-cli-echo-0123456789abcdef";
    let echo = Fault::http_message(
        401,
        format!("Incorrect API key provided: {key}. You can find your API key at the dashboard."),
    );
    let config = FakeProviderConfig { keys: vec![key.into()], open: true, ..FakeProviderConfig::default() };
    let script = Script::from_replies([Reply::new().fault(echo.clone()), Reply::new().fault(echo)]);
    let cli = Cli {
        data: tempfile::tempdir().unwrap(),
        workspace: tempfile::tempdir().unwrap(),
        fake: FakeProvider::start_with_script(config, script).await.unwrap(),
    };
    let url = cli.fake.openai_base_url();
    let mut add = cli.command(&[
        "providers",
        "add",
        "--name",
        "Echo",
        "--kind",
        "openai",
        "--base-url",
        &url,
        "--model",
        "fake-model",
        "--api-key-env",
        "REVERIE_TEST_ECHO_KEY",
    ]);
    add.env("REVERIE_TEST_ECHO_KEY", key);
    let added = finish(add.spawn().unwrap()).await;
    assert_eq!(added.code, 0, "{added:#?}");
    cli.ok(&["agents", "add", "--name", "coder", "--provider", "Echo", "--instructions", "You fix notes."]).await;

    let ran = cli.run(&["run", "--agent", "coder", "Fix the notes"]).await;
    assert_ne!(ran.code, 0, "{ran:#?}");
    assert!(
        format!("{}{}", ran.stdout, ran.stderr).contains("Incorrect API key provided: [REDACTED]"),
        "the error is shown, masked: {ran:#?}"
    );
    let json = cli.run(&["run", "--agent", "coder", "--json", "Fix the notes"]).await;
    let id = cli.sessions().await[0].id.as_str().to_owned();
    let show = cli.ok(&["sessions", "show", &id]).await;
    let export = cli.ok(&["sessions", "export", &id]).await;
    let list = cli.ok(&["sessions", "list", "--json"]).await;
    assert!(export.stdout.contains("[REDACTED]"), "{}", export.stdout);
    let outputs: [(&str, &Ran); 6] = [
        ("providers add", &added),
        ("run", &ran),
        ("run --json", &json),
        ("sessions show", &show),
        ("sessions export", &export),
        ("sessions list", &list),
    ];
    for (what, out) in outputs {
        assert!(!out.stdout.contains(key) && !out.stderr.contains(key), "{what}: {out:#?}");
    }
    drop(cli.fake);
    let mut stack = vec![cli.data.path().to_path_buf()];
    let mut files = 0;
    while let Some(path) = stack.pop() {
        if path.is_dir() {
            stack.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
            continue;
        }
        files += 1;
        let bytes = std::fs::read(&path).unwrap();
        assert!(!bytes.windows(key.len()).any(|w| w == key.as_bytes()), "the key is in {}", path.display());
    }
    assert!(files > 0, "the data folder holds the database");
}

#[tokio::test]
async fn a_provider_that_never_answers_ends_the_run_after_the_wait_the_environment_sets() {
    let cli = Cli::with_agent(vec![Reply::new().fault(Fault::NoHeaders { max_secs: Some(60) })], &[]).await;
    let run = cli
        .command(&["run", "--agent", "coder", "--workspace", &cli.ws(), "Say hello"])
        .env("REVERIE_PROVIDER_TIMEOUT_SECS", "1")
        .spawn()
        .unwrap();
    let ran: Ran = finish(run).await;
    assert_eq!(ran.code, 1, "{ran:#?}");
    let shown = format!("{}{}", ran.stdout, ran.stderr);
    assert!(
        shown.contains("accepted the connection but sent no response within 1 s")
            && shown.contains("REVERIE_PROVIDER_TIMEOUT_SECS=<seconds>"),
        "{shown}"
    );
    let sessions = cli.sessions().await;
    let events = cli.export(sessions[0].id.as_str()).await;
    assert!(
        events.iter().any(|e| matches!(&e.payload, reverie_protocol::EventPayload::Error { .. })),
        "the error is recorded"
    );
}
