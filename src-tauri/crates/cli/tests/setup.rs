//! Providers and agents: adding, listing (text and JSON), and what bad input says.

use reverie_protocol::{Agent, Permission, Provider, ProviderKind};

use crate::support::Cli;

#[tokio::test]
async fn providers_and_agents_are_added_and_listed() {
    let cli = Cli::empty(vec![]).await;
    let empty = cli.ok(&["agents", "list"]).await;
    assert!(empty.stdout.contains("No agents yet"), "{empty:?}");
    let url = cli.fake.openai_base_url();
    let added = cli
        .ok(&["providers", "add", "--name", "Local", "--kind", "openai", "--base-url", &url, "--model", "fake-model"])
        .await;
    assert!(added.stdout.contains("Added provider “Local”"), "{added:?}");
    let providers: Vec<Provider> =
        serde_json::from_str(&cli.ok(&["providers", "list", "--json"]).await.stdout).unwrap();
    assert_eq!(providers.len(), 1);
    assert_eq!((providers[0].kind, providers[0].key.configured), (ProviderKind::OpenaiCompatible, false));
    let listed = cli.ok(&["providers", "list"]).await;
    assert!(listed.stdout.contains("Local") && listed.stdout.contains(&url), "{listed:?}");

    let instructions = cli.workspace.path().join("instructions.md");
    std::fs::write(&instructions, "You review notes.\n").unwrap();
    let file = instructions.display().to_string();
    let args = ["agents", "add", "--name", "Reviewer", "--provider", "local", "--description", "Reviews notes"];
    let added = cli
        .ok(&[
            &args[..],
            &["--instructions-file", &file, "--deny", "write_file", "--allow", "run_command", "--max-turns", "7"],
        ]
        .concat())
        .await;
    assert!(added.stdout.contains("Added agent “Reviewer”"), "{added:?}");
    cli.ok(&[
        "agents",
        "add",
        "--name",
        "Writer",
        "--provider",
        "Local",
        "--model",
        "other-model",
        "--ask",
        "edit_file",
    ])
    .await;

    let text = cli.ok(&["agents", "list"]).await.stdout;
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "a header and two agents: {text}");
    assert!(lines[0].starts_with("NAME") && lines[0].contains("PROVIDER"), "{text}");
    let reviewer = lines.iter().find(|l| l.starts_with("Reviewer")).unwrap();
    for shown in ["Local", "fake-model", "7", "write_file✗", "Reviews notes"] {
        assert!(reviewer.contains(shown), "{shown:?} in {reviewer}");
    }
    assert!(!reviewer.contains("run_command?"), "run_command was allowed: {reviewer}");
    assert!(
        lines.iter().any(|l| l.starts_with("Writer") && l.contains("other-model") && l.contains("edit_file?")),
        "{text}"
    );

    let agents: Vec<Agent> = serde_json::from_str(&cli.ok(&["agents", "list", "--json"]).await.stdout).unwrap();
    let reviewer = agents.iter().find(|a| a.name == "Reviewer").unwrap();
    assert_eq!(reviewer.instructions, "You review notes.");
    assert_eq!(reviewer.max_turns, 7);
    assert_eq!(reviewer.provider_id, providers[0].id);
    let rule = |tool: &str| reviewer.tools.iter().find(|r| r.tool == tool).unwrap().permission;
    assert_eq!(
        (rule("write_file"), rule("run_command"), rule("read_file")),
        (Permission::Deny, Permission::Allow, Permission::Allow)
    );
}

#[tokio::test]
async fn bad_setup_input_exits_1_with_the_engines_sentence() {
    let cli = Cli::with_agent(vec![], &[]).await;
    let cases: [(&[&str], &str); 7] = [
        (
            &["agents", "add", "--name", "x", "--provider", "Nope"],
            "There is no provider named “Nope”. `reverie providers list` shows the providers.",
        ),
        (
            &["agents", "add", "--name", "x", "--provider", "Fake", "--memory", "Nope"],
            "There is no memory store named “Nope”.",
        ),
        (
            &["agents", "add", "--name", "x", "--provider", "Fake", "--allow", "rm_rf"],
            "There is no tool named “rm_rf”. The tools are:",
        ),
        (
            &["agents", "add", "--name", "CODER", "--provider", "Fake"],
            "An agent named “CODER” already exists. Choose another name.",
        ),
        (
            &["agents", "add", "--name", "x", "--provider", "Fake", "--max-turns", "0"],
            "The turn limit is between 1 and",
        ),
        (
            &[
                "providers",
                "add",
                "--name",
                "fake",
                "--kind",
                "openai",
                "--base-url",
                "http://127.0.0.1:1/v1",
                "--model",
                "m",
            ],
            "already exists",
        ),
        (
            &[
                "providers",
                "add",
                "--name",
                "K",
                "--kind",
                "anthropic",
                "--base-url",
                "http://127.0.0.1:1",
                "--model",
                "m",
                "--api-key-env",
                "REVERIE_TEST_UNSET_VAR",
            ],
            "REVERIE_TEST_UNSET_VAR is not set",
        ),
    ];
    for (args, sentence) in cases {
        let ran = cli.run(args).await;
        assert_eq!(ran.code, 1, "{args:?}: {ran:?}");
        assert!(ran.stderr.starts_with("reverie: ") && ran.stderr.contains(sentence), "{args:?}: {}", ran.stderr);
        assert_eq!(ran.stderr.lines().count(), 1, "one clear sentence: {}", ran.stderr);
        assert!(ran.stdout.is_empty(), "{ran:?}");
    }
    let agents: Vec<Agent> = serde_json::from_str(&cli.ok(&["agents", "list", "--json"]).await.stdout).unwrap();
    assert_eq!(agents.len(), 1, "nothing was added");

    // Usage errors are clap's, with exit code 2; help documents the exit codes.
    let usage = cli.run(&["run", "do it"]).await;
    assert_eq!(usage.code, 2, "{usage:?}");
    assert!(usage.stderr.contains("--agent"), "{usage:?}");
    let help = cli.ok(&["run", "--help"]).await;
    for shown in ["--workspace", "--json", "--yes", "--max-turns", "Exit codes", "3  the run was cancelled"] {
        assert!(help.stdout.contains(shown), "{shown:?} in {}", help.stdout);
    }
}
