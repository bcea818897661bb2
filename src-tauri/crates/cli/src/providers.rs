//! `reverie providers list | add`. A key is never taken on the command line (it would show in
//! `ps` and the shell's history): it comes from a named environment variable or stdin, and goes
//! to the keychain through `Providers::create`.

use std::io::{BufRead, IsTerminal, Write};

use reverie_engine::blocking::blocking;
use reverie_protocol::{KeySource, KeyStatus, ProviderInput, ProviderKind};

use crate::args::{Kind, ProviderAddArgs, ProvidersCommand};
use crate::engine::Engine;
use crate::exit::{self, Failure, Outcome};
use crate::sessions::{table, written};

pub async fn command(engine: &Engine, command: ProvidersCommand) -> Outcome {
    match command {
        ProvidersCommand::List { json } => list(engine, json).await,
        ProvidersCommand::Add(args) => add(engine, args).await,
    }
}

async fn list(engine: &Engine, json: bool) -> Outcome {
    let providers = engine.providers().await?;
    let mut out = std::io::stdout().lock();
    if json {
        let text = serde_json::to_string_pretty(&providers)
            .map_err(|e| Failure::new(format!("Couldn't write the list ({e}).")))?;
        return written(writeln!(out, "{text}"));
    }
    if providers.is_empty() {
        return written(writeln!(
            out,
            "No model providers yet. Add one with `reverie providers add --name NAME --kind anthropic|openai --base-url URL --model MODEL`."
        ));
    }
    let rows: Vec<[String; 5]> = providers
        .iter()
        .map(|p| {
            [p.name.clone(), kind_name(p.kind).to_owned(), p.base_url.clone(), p.model.clone(), key(p.key).to_owned()]
        })
        .collect();
    let header = ["NAME", "KIND", "BASE URL", "MODEL", "KEY"].map(str::to_owned);
    written(table(&mut out, &header, &rows))
}

fn kind_name(kind: ProviderKind) -> &'static str {
    match kind {
        ProviderKind::Anthropic => "anthropic",
        ProviderKind::OpenaiCompatible => "openai",
    }
}

fn key(status: KeyStatus) -> &'static str {
    match status.source {
        KeySource::Keychain => "keychain",
        KeySource::Memory => "memory only",
        KeySource::Environment => "environment",
        KeySource::None => "none",
    }
}

async fn add(engine: &Engine, args: ProviderAddArgs) -> Outcome {
    let api_key = match (&args.api_key_env, args.api_key_stdin) {
        (Some(var), _) => Some(std::env::var(var.trim()).ok().filter(|k| !k.trim().is_empty()).ok_or_else(|| {
            Failure::new(format!(
                "The environment variable {} is not set (or is empty); export it first, or use --api-key-stdin.",
                var.trim()
            ))
        })?),
        (None, true) => Some(key_from_stdin()?),
        (None, false) => None,
    };
    let kind = match args.kind {
        Kind::Anthropic => ProviderKind::Anthropic,
        Kind::Openai => ProviderKind::OpenaiCompatible,
    };
    let input = ProviderInput { name: args.name, kind, base_url: args.base_url, model: args.model, api_key };
    let providers = engine.providers.clone();
    let provider = blocking(move || providers.create(input)).await?;
    let mut out = std::io::stdout().lock();
    written(writeln!(
        out,
        "Added provider “{}” ({}): {} at {}, model {}; key: {}.",
        provider.name,
        provider.id.as_str(),
        kind_name(provider.kind),
        provider.base_url,
        provider.model,
        key(provider.key)
    ))?;
    if provider.key.source == KeySource::Memory {
        eprintln!(
            "reverie: no keychain works on this system, so the key is kept only until this command exits. \
             Start a keychain (secret service) or set {} when you run.",
            provider.kind.env_var()
        );
    }
    Ok(exit::OK)
}

/// One line of stdin, asked for when stdin is a terminal (the typed key is not hidden, so a pipe
/// is better: `pass show anthropic | reverie providers add … --api-key-stdin`).
fn key_from_stdin() -> Outcome<String> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprint!("API key (it is stored in the keychain): ");
        let _ = std::io::stderr().flush();
    }
    let mut line = String::new();
    stdin
        .lock()
        .read_line(&mut line)
        .map_err(|e| Failure::new(format!("Couldn't read the key from standard input ({e}).")))?;
    let key = line.trim().to_owned();
    if key.is_empty() {
        return Err(Failure::new("No key came on standard input; pipe it in, for example `printenv MY_KEY | reverie providers add … --api-key-stdin`."));
    }
    Ok(key)
}
