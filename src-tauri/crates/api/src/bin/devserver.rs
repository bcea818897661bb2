//! `reverie-devserver DATA_DIR [--seed NAME]… [--model-script FILE] [--shell FILE]`: the
//! engine on a data folder (default `REVERIE_DATA_DIR`), its commands over HTTP and its streams
//! over WebSocket on 127.0.0.1, until Ctrl-C. Prints the URL with the token every request needs,
//! once the folder is seeded and the server listens.
//!
//! - `--seed NAME` (repeatable) fills a new, empty data folder with demo data made by the real
//!   engine (`reverie_api::seed`); the seeded providers point at a fake model this process
//!   serves on loopback (its URL is printed as `model: …`).
//! - `--model-script FILE` is what that fake model answers once seeding is done (the testkit's
//!   script format); without it, nothing more is scripted.
//! - `--shell FILE` stands in for the desktop shell (the updater, the shell's notices, which
//!   keychain there is): see `reverie_api::shell_double`.

use std::ffi::OsString;
use std::path::PathBuf;
use std::sync::Arc;

use reverie_api::seed::{self, FakeModel, SEEDS};
use reverie_api::shell_double::ShellDouble;
use reverie_testkit::Script;

struct Args {
    data_dir: PathBuf,
    seeds: Vec<String>,
    model_script: Option<PathBuf>,
    shell: Option<PathBuf>,
}

fn usage() -> String {
    let seeds: Vec<String> = SEEDS.iter().map(|s| format!("  {:<10} {}", s.name, s.summary)).collect();
    format!(
        "usage: reverie-devserver DATA_DIR [--seed NAME]... [--model-script FILE] [--shell FILE]\n\
         DATA_DIR defaults to REVERIE_DATA_DIR. Use a folder of its own, not the app's while the app runs.\n\
         Seeds (each brings the ones it builds on):\n{}",
        seeds.join("\n")
    )
}

fn parse(mut args: impl Iterator<Item = OsString>) -> Result<Args, String> {
    let mut data_dir = None;
    let mut seeds = Vec::new();
    let (mut model_script, mut shell) = (None, None);
    while let Some(arg) = args.next() {
        let mut value = |flag: &str| args.next().ok_or_else(|| format!("{flag} needs a value"));
        match arg.to_str() {
            Some("--seed") => {
                let name = value("--seed")?;
                seeds.push(name.into_string().map_err(|_| "--seed: a seed's name is plain text".to_owned())?);
            }
            Some("--model-script") => model_script = Some(PathBuf::from(value("--model-script")?)),
            Some("--shell") => shell = Some(PathBuf::from(value("--shell")?)),
            Some("-h" | "--help") => return Err(String::new()),
            Some(flag) if flag.starts_with("--") => return Err(format!("unknown option {flag}")),
            _ if data_dir.is_none() => data_dir = Some(PathBuf::from(arg)),
            _ => return Err(format!("one data folder only (also got {})", PathBuf::from(arg).display())),
        }
    }
    seed::plan(&seeds).map_err(|e| e.to_string())?;
    let data_dir = data_dir
        .or_else(|| std::env::var_os("REVERIE_DATA_DIR").filter(|d| !d.is_empty()).map(PathBuf::from))
        .ok_or_else(|| "name the data folder".to_owned())?;
    Ok(Args { data_dir, seeds, model_script, shell })
}

fn exit(message: &str) -> ! {
    eprintln!("reverie-devserver: {message}");
    std::process::exit(1);
}

fn main() {
    // Before any thread: a keyring joined later would be one thread's alone (engine::secrets).
    reverie_engine::secrets::prepare_process();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => exit(&format!("couldn't start the async runtime ({e})")),
    };
    runtime.block_on(serve());
}

async fn serve() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let args = match parse(std::env::args_os().skip(1)) {
        Ok(args) => args,
        Err(message) => {
            if !message.is_empty() {
                eprintln!("reverie-devserver: {message}");
            }
            eprintln!("{}", usage());
            std::process::exit(2);
        }
    };
    let Args { data_dir, seeds, model_script, shell } = args;
    let loaded = tokio::task::spawn_blocking(move || {
        let shell = shell.map(|path| ShellDouble::load(&path)).transpose().map_err(|e| e.to_string())?;
        let script = model_script.map(|path| Script::load(&path)).transpose().map_err(|e| e.to_string())?;
        Ok::<_, String>((shell.unwrap_or_default(), script))
    })
    .await;
    let (shell, script) = match loaded {
        Ok(Ok(loaded)) => loaded,
        Ok(Err(message)) => exit(&message),
        Err(e) => exit(&format!("start-up failed ({e})")),
    };
    // One store for both engines: keys kept in memory only must survive the seeding engine.
    let secrets = Arc::new(shell.secrets());
    // The fake model lives as long as the server: the seeded providers point at it.
    let model = if seeds.is_empty() && script.is_none() {
        None
    } else {
        match FakeModel::start().await {
            Ok(model) => Some(model),
            Err(e) => exit(&format!("couldn't start the fake model on 127.0.0.1 ({e})")),
        }
    };
    if let Some(model) = &model {
        if let Err(e) = seed::seed(&data_dir, secrets.clone(), &seeds, model).await {
            exit(&e.to_string());
        }
        model.set_script(script.unwrap_or_default());
        println!("model: {} (Anthropic), {} (OpenAI-compatible)", model.anthropic_url(), model.openai_url());
    }
    let opened = tokio::task::spawn_blocking(move || reverie_api::server::open(&data_dir, secrets)).await;
    let (ctx, _mirror_watch) = match opened {
        Ok(Ok(opened)) => opened,
        Ok(Err(e)) => exit(&e.to_string()),
        Err(e) => exit(&format!("start-up failed ({e})")),
    };
    let server = match reverie_api::server::start_with(Arc::new(ctx), shell).await {
        Ok(server) => server,
        Err(e) => exit(&format!("couldn't listen on 127.0.0.1 ({e})")),
    };
    println!("{}", server.url());
    let _ = tokio::signal::ctrl_c().await;
}
