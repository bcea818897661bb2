//! "Check for updates": asks the update server, downloads an available package and verifies
//! its minisign signature against the public key in `tauri.conf.json` before offering it.
//! Offline is not an error: the answer says so quietly.

use std::sync::Mutex;
use std::time::Duration;

use reverie_protocol::{AppError, ErrorCode, UpdateStatus};
use tauri::{AppHandle, Runtime};
use tauri_plugin_updater::{Update, UpdaterExt};
use url::Url;

/// Overrides the update endpoint (tests point it at loopback).
pub const UPDATE_ENDPOINT_ENV: &str = "REVERIE_UPDATE_ENDPOINT";

/// How long one check (and the package download) may take.
const CHECK_TIMEOUT: Duration = Duration::from_secs(30);

/// Where to look for updates and which key signs them. `None` means "as in tauri.conf.json".
#[derive(Debug, Clone, Default)]
pub struct UpdateSource {
    pub endpoints: Option<Vec<Url>>,
    pub pubkey: Option<String>,
}

impl UpdateSource {
    /// The configured source, with `REVERIE_UPDATE_ENDPOINT` replacing the endpoints if set.
    /// The public key is never taken from the environment.
    pub fn from_env() -> Self {
        let endpoints = std::env::var(UPDATE_ENDPOINT_ENV).ok().and_then(|raw| match Url::parse(&raw) {
            Ok(url) => Some(vec![url]),
            Err(e) => {
                tracing::warn!(%raw, error = %e, "ignoring an invalid {UPDATE_ENDPOINT_ENV}");
                None
            }
        });
        Self { endpoints, pubkey: None }
    }
}

/// A downloaded, verified package waiting for "Install".
struct Ready {
    update: Update,
    bytes: Vec<u8>,
}

pub struct Updates {
    source: UpdateSource,
    ready: Mutex<Option<Ready>>,
}

impl Updates {
    pub fn new(source: UpdateSource) -> Self {
        Self { source, ready: Mutex::new(None) }
    }

    pub async fn check<R: Runtime>(&self, app: &AppHandle<R>) -> UpdateStatus {
        let current_version = app.package_info().version.to_string();
        let failed = |message: String| UpdateStatus::Failed { current_version: current_version.clone(), message };
        let updater = match self.updater(app) {
            Ok(u) => u,
            Err(e) => return failed(format!("Reverie's update settings are invalid ({e}).")),
        };
        let update = match updater.check().await {
            Ok(Some(update)) => update,
            Ok(None) => return UpdateStatus::UpToDate { current_version },
            Err(e) if is_offline(&e) => {
                tracing::info!(error = %e, "update server unreachable");
                return UpdateStatus::Offline { current_version };
            }
            Err(e) => {
                tracing::warn!(error = %e, "update check failed");
                return failed(format!("The update server's answer couldn't be used ({e}). Try again later."));
            }
        };
        // `download` verifies the signature; a package that fails is never offered.
        let bytes = match update.download(|_, _| {}, || {}).await {
            Ok(bytes) => bytes,
            Err(e) if is_offline(&e) => return UpdateStatus::Offline { current_version },
            Err(e) if is_signature_error(&e) => {
                tracing::error!(version = %update.version, error = %e, "update signature rejected");
                return failed(format!(
                    "Reverie {} was found, but its signature doesn't match Reverie's signing key, so it was not offered ({e}).",
                    update.version
                ));
            }
            Err(e) => return failed(format!("Downloading Reverie {} failed ({e}). Try again later.", update.version)),
        };
        let status = UpdateStatus::Available {
            current_version,
            version: update.version.clone(),
            notes: update.body.clone(),
            date: update.date.map(|d| d.to_string()),
        };
        *self.ready.lock().unwrap_or_else(|p| p.into_inner()) = Some(Ready { update, bytes });
        status
    }

    /// Installs the package the last check verified.
    pub fn install(&self) -> Result<(), AppError> {
        let guard = self.ready.lock().unwrap_or_else(|p| p.into_inner());
        let Some(ready) = guard.as_ref() else {
            return Err(AppError::new(ErrorCode::NotFound, "No update is ready. Check for updates first."));
        };
        ready.update.install(&ready.bytes).map_err(|e| {
            AppError::new(
                ErrorCode::Internal,
                format!("Installing Reverie {} failed ({e}). Nothing was changed.", ready.update.version),
            )
        })
    }

    fn updater<R: Runtime>(&self, app: &AppHandle<R>) -> tauri_plugin_updater::Result<tauri_plugin_updater::Updater> {
        let mut builder = app.updater_builder().timeout(CHECK_TIMEOUT);
        if let Some(endpoints) = &self.source.endpoints {
            builder = builder.endpoints(endpoints.clone())?;
        }
        if let Some(pubkey) = &self.source.pubkey {
            builder = builder.pubkey(pubkey.clone());
        }
        builder.build()
    }
}

fn is_offline(e: &tauri_plugin_updater::Error) -> bool {
    match e {
        tauri_plugin_updater::Error::Reqwest(e) => e.is_connect() || e.is_timeout() || e.is_request(),
        tauri_plugin_updater::Error::Network(_) => true,
        _ => false,
    }
}

fn is_signature_error(e: &tauri_plugin_updater::Error) -> bool {
    matches!(
        e,
        tauri_plugin_updater::Error::Minisign(_)
            | tauri_plugin_updater::Error::Base64(_)
            | tauri_plugin_updater::Error::SignatureUtf8(_)
    )
}
