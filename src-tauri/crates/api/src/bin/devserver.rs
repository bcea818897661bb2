//! `reverie-devserver [DATA_DIR]`: the engine on a data folder (default `REVERIE_DATA_DIR`),
//! its commands over HTTP and its streams over WebSocket on 127.0.0.1, until Ctrl-C. Prints
//! the URL with the token every request needs.

use std::path::PathBuf;
use std::sync::Arc;

use reverie_engine::Secrets;

#[tokio::main]
async fn main() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let Some(data_dir) = std::env::args_os()
        .nth(1)
        .or_else(|| std::env::var_os("REVERIE_DATA_DIR"))
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
    else {
        eprintln!("usage: reverie-devserver DATA_DIR (or set REVERIE_DATA_DIR). Use a folder of its own, not the app's while the app runs.");
        std::process::exit(2);
    };
    let opened =
        tokio::task::spawn_blocking(move || reverie_api::server::open(&data_dir, Arc::new(Secrets::detect()))).await;
    let (ctx, _mirror_watch) = match opened {
        Ok(Ok(opened)) => opened,
        Ok(Err(e)) => {
            eprintln!("reverie-devserver: {e}");
            std::process::exit(1);
        }
        Err(e) => {
            eprintln!("reverie-devserver: start-up failed ({e})");
            std::process::exit(1);
        }
    };
    let server = match reverie_api::server::start(Arc::new(ctx)).await {
        Ok(server) => server,
        Err(e) => {
            eprintln!("reverie-devserver: couldn't listen on 127.0.0.1 ({e})");
            std::process::exit(1);
        }
    };
    println!("{}", server.url());
    let _ = tokio::signal::ctrl_c().await;
}
