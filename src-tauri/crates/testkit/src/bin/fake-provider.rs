//! Serves a script file on loopback so Reverie can be demoed offline:
//! `fake-provider --script FILE [--port N] [--host IP] [--key K]... [--model M]... [--open]
//! [--quirks NAME]`.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;

use reverie_testkit::{FakeProvider, FakeProviderConfig, Quirks, Script};

const USAGE: &str = "\
usage: fake-provider --script FILE [--port N] [--host IP] [--key K]... [--model M]... [--open]
                     [--quirks NAME[,NAME]...]

Serves the Anthropic (POST /v1/messages) and OpenAI (POST /v1/chat/completions) streaming APIs
on loopback, answering with the replies in the script FILE (format: the crate's README).

  --script FILE  the JSON script to play (required)
  --port N       port to listen on (default 0: a free one)
  --host IP      address to listen on (default 127.0.0.1)
  --key K        an accepted API key; repeatable (default: sk-test-good)
  --model M      a served model; repeatable (default: fake-model)
  --open         accept requests that send no key at all (like a local Ollama)
  --quirks NAME  answer the way another server does: a profile (llamacpp, litellm, none) or
                 single quirks (tool_calls_without_index, no_usage, …), comma-separated";

struct Args {
    script: PathBuf,
    addr: SocketAddr,
    config: FakeProviderConfig,
    quirks: Quirks,
}

fn parse(mut args: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut script = None;
    let (mut host, mut port) = (IpAddr::V4(Ipv4Addr::LOCALHOST), 0u16);
    let (mut keys, mut models, mut open) = (Vec::new(), Vec::new(), false);
    let mut quirks = Quirks::none();
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or_else(|| format!("{name} needs a value"));
        match arg.as_str() {
            "--script" => script = Some(PathBuf::from(value("--script")?)),
            "--port" => port = value("--port")?.parse().map_err(|e| format!("--port: {e}"))?,
            "--host" => host = value("--host")?.parse().map_err(|e| format!("--host: {e}"))?,
            "--key" => keys.push(value("--key")?),
            "--model" => models.push(value("--model")?),
            "--open" => open = true,
            "--quirks" => quirks = Quirks::parse(&value("--quirks")?).map_err(|e| format!("--quirks: {e}"))?,
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument: {other}")),
        }
    }
    let defaults = FakeProviderConfig::default();
    let config = FakeProviderConfig {
        keys: if keys.is_empty() { defaults.keys } else { keys },
        models: if models.is_empty() { defaults.models } else { models },
        open,
    };
    let script = script.ok_or("--script FILE is required")?;
    Ok(Args { script, addr: SocketAddr::new(host, port), config, quirks })
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(message) if message.is_empty() => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("fake-provider: {message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let script = match Script::load(&args.script) {
        Ok(script) => script,
        Err(e) => {
            eprintln!("fake-provider: cannot read the script: {e}");
            return ExitCode::from(2);
        }
    };
    let summary: Vec<String> =
        script.conversations.iter().map(|(name, replies)| format!("{name} ({} replies)", replies.len())).collect();
    let (keys, models, open) = (args.config.keys.join(", "), args.config.models.join(", "), args.config.open);
    let fake = match FakeProvider::bind(args.addr, args.config, script).await {
        Ok(fake) => fake,
        Err(e) => {
            eprintln!("fake-provider: cannot listen on {}: {e}", args.addr);
            return ExitCode::FAILURE;
        }
    };
    fake.set_quirks(args.quirks.clone());
    println!("fake provider listening on {}", fake.addr());
    println!("  Anthropic base URL: {}", fake.base_url());
    println!("  OpenAI base URL:    {}", fake.openai_base_url());
    println!("  keys:   {keys}{}", if open { " (or none: --open)" } else { "" });
    println!("  models: {models}");
    println!("  quirks: {}", args.quirks);
    println!("  script: {}", summary.join(", "));
    println!("Ctrl-C to stop.");
    if let Err(e) = tokio::signal::ctrl_c().await {
        eprintln!("fake-provider: cannot wait for Ctrl-C: {e}");
        return ExitCode::FAILURE;
    }
    println!("stopping ({} requests served)", fake.requests().len());
    ExitCode::SUCCESS
}
