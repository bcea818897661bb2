//! Tracing to a daily rolling file in the log folder (and to the terminal in debug builds).
//! Keys never reach a log: they are `SecretString`s, whose `Debug` is `[REDACTED]`, and no
//! request body or header is logged.

use std::path::Path;

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{fmt, EnvFilter, Layer};

/// Log file prefix; files are `reverie.log.YYYY-MM-DD`.
pub const LOG_FILE_PREFIX: &str = "reverie.log";
/// Days of log files kept.
const LOG_FILES_KEPT: usize = 14;

/// Keeps the background log writer alive; dropping it flushes the file.
pub struct LogGuard(#[allow(dead_code)] Option<WorkerGuard>);

/// Installs the global subscriber. `RUST_LOG` overrides the default filter.
pub fn init(log_dir: &Path) -> LogGuard {
    let filter = || {
        EnvFilter::try_from_default_env()
            .unwrap_or_else(|_| EnvFilter::new("info,reverie=debug,reverie_engine=debug,reverie_llm=debug"))
    };
    // The appender prunes old files by listing the folder: it must exist first.
    if let Err(e) = std::fs::create_dir_all(log_dir) {
        eprintln!("Reverie can't create its log folder {}: {e}", log_dir.display());
    }
    let appender = tracing_appender::rolling::Builder::new()
        .rotation(tracing_appender::rolling::Rotation::DAILY)
        .filename_prefix(LOG_FILE_PREFIX)
        .max_log_files(LOG_FILES_KEPT)
        .build(log_dir);
    let (file_layer, guard) = match appender {
        Ok(appender) => {
            let (writer, guard) = tracing_appender::non_blocking(appender);
            (Some(fmt::layer().with_ansi(false).with_writer(writer).with_filter(filter())), Some(guard))
        }
        Err(e) => {
            eprintln!("Reverie can't write logs to {}: {e}", log_dir.display());
            (None, None)
        }
    };
    let terminal = cfg!(debug_assertions).then(|| fmt::layer().with_writer(std::io::stderr).with_filter(filter()));
    if tracing_subscriber::registry().with(file_layer).with(terminal).try_init().is_err() {
        eprintln!("a tracing subscriber was already installed; Reverie's log file is not used");
    }
    LogGuard(guard)
}
