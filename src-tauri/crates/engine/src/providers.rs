//! Model providers: validation, storage, where each key lives, and "Test connection".
//!
//! The key of a provider is filed in the keychain under the provider's id. The database only
//! records which backend holds it. When no key is stored, the vendor's environment variable
//! (`ANTHROPIC_API_KEY`, `OPENAI_API_KEY`) is used — but only for the vendor's own host, so an
//! OpenAI key is never sent to some other OpenAI-compatible server.

use std::sync::Arc;
use std::time::Instant;

use reverie_llm::Endpoint;
use reverie_protocol::{
    AppError, ConnectionReport, ErrorCode, KeySource, KeyStatus, Provider, ProviderId, ProviderInput, ProviderKind,
    SecretBackend,
};
use url::Url;

use crate::blocking::blocking;
use crate::error::model_error;
use crate::secrets::SecretString;
use crate::store::providers::{self as rows, ProviderRow};
use crate::{Clock, Database, Error, Ids, Result, Secrets};

/// Longest accepted provider name, in characters.
pub const MAX_NAME_CHARS: usize = 80;
/// Longest accepted model name.
pub const MAX_MODEL_CHARS: usize = 200;
/// Longest accepted API key; real keys are ~100–200 characters.
pub const MAX_KEY_CHARS: usize = 4096;

/// Reads an environment variable (injected so tests control it).
pub type EnvLookup = Arc<dyn Fn(&str) -> Option<String> + Send + Sync>;

pub fn process_env() -> EnvLookup {
    Arc::new(|name| std::env::var(name).ok().filter(|v| !v.trim().is_empty()))
}

/// A provider ready to be called. `Debug` never shows the key.
#[derive(Debug, Clone)]
pub struct ProviderConnection {
    pub endpoint: Endpoint,
    pub name: String,
    pub key: Option<SecretString>,
}

/// The provider registry. Cheap to clone; every method that touches SQLite or the keychain
/// runs on a blocking thread.
#[derive(Clone)]
pub struct Providers {
    db: Arc<Database>,
    secrets: Arc<Secrets>,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn Ids>,
    env: EnvLookup,
}

impl Providers {
    pub fn new(
        db: Arc<Database>,
        secrets: Arc<Secrets>,
        clock: Arc<dyn Clock>,
        ids: Arc<dyn Ids>,
        env: EnvLookup,
    ) -> Self {
        Self { db, secrets, clock, ids, env }
    }

    pub fn list(&self) -> Result<Vec<Provider>> {
        let rows = rows::list(&self.db.conn())?;
        Ok(rows.into_iter().map(|row| self.to_dto(row)).collect())
    }

    pub fn get(&self, id: &ProviderId) -> Result<Provider> {
        Ok(self.to_dto(self.row(id)?))
    }

    #[tracing::instrument(skip_all, fields(provider_id = tracing::field::Empty, kind = input.kind.as_str()))]
    pub fn create(&self, input: ProviderInput) -> Result<Provider> {
        let valid = validate(&input)?;
        if rows::id_by_name(&self.db.conn(), &valid.name)?.is_some() {
            return Err(duplicate_name(&valid.name));
        }
        let id = ProviderId(self.ids.new_id("prv"));
        tracing::Span::current().record("provider_id", id.as_str());
        let key_backend = match &valid.key {
            Some(KeyChange::Set(key)) => Some(self.secrets.set(id.as_str(), key)?),
            _ => None,
        };
        let now = self.clock.now_ms();
        let row = ProviderRow {
            id: id.clone(),
            name: valid.name,
            kind: valid.kind,
            base_url: valid.base_url,
            model: valid.model,
            key_backend,
            created_at: now,
            updated_at: now,
        };
        if let Err(e) = rows::insert(&self.db.conn(), &row) {
            // Don't leave an orphan key behind when the row could not be written.
            let _ = self.secrets.delete(id.as_str());
            return Err(unique_violation_as_duplicate(e, &row.name));
        }
        tracing::info!("provider created");
        Ok(self.to_dto(row))
    }

    #[tracing::instrument(skip_all, fields(provider_id = %id))]
    pub fn update(&self, id: &ProviderId, input: ProviderInput) -> Result<Provider> {
        let valid = validate(&input)?;
        let mut row = self.row(id)?;
        if let Some(other) = rows::id_by_name(&self.db.conn(), &valid.name)? {
            if &other != id {
                return Err(duplicate_name(&valid.name));
            }
        }
        match &valid.key {
            Some(KeyChange::Set(key)) => row.key_backend = Some(self.secrets.set(id.as_str(), key)?),
            Some(KeyChange::Remove) => {
                self.secrets.delete(id.as_str())?;
                row.key_backend = None;
            }
            None => {}
        }
        row.name = valid.name;
        row.kind = valid.kind;
        row.base_url = valid.base_url;
        row.model = valid.model;
        row.updated_at = self.clock.now_ms();
        let name = row.name.clone();
        if !rows::update(&self.db.conn(), &row).map_err(|e| unique_violation_as_duplicate(e, &name))? {
            return Err(not_found(id));
        }
        tracing::info!("provider updated");
        Ok(self.to_dto(row))
    }

    #[tracing::instrument(skip_all, fields(provider_id = %id))]
    pub fn delete(&self, id: &ProviderId) -> Result<()> {
        let row = self.row(id)?;
        if row.key_backend.is_some() {
            self.secrets.delete(id.as_str())?;
        }
        rows::delete(&self.db.conn(), id)?;
        tracing::info!("provider deleted");
        Ok(())
    }

    /// The key to send to this provider: the stored one, else the vendor's env var when the
    /// provider points at the vendor's own host.
    pub fn api_key(&self, id: &ProviderId) -> Result<Option<SecretString>> {
        let row = self.row(id)?;
        self.key_for(&row)
    }

    /// What a run needs to call this provider: where, which model, the key (if any), and the
    /// provider's name for messages.
    pub fn connection(&self, id: &ProviderId) -> Result<ProviderConnection> {
        let row = self.row(id)?;
        let key = self.key_for(&row)?;
        Ok(ProviderConnection {
            endpoint: Endpoint { kind: row.kind, base_url: row.base_url.clone(), model: row.model.clone() },
            name: row.name,
            key,
        })
    }

    /// Checks that the provider answers, accepts the key and serves the model. Never fails:
    /// every problem is a report the user can read.
    #[tracing::instrument(skip_all, fields(provider_id = %id))]
    pub async fn test_connection(&self, id: &ProviderId) -> Result<ConnectionReport> {
        let this = self.clone();
        let id2 = id.clone();
        let (row, key) = blocking(move || {
            let row = this.row(&id2)?;
            let key = this.key_for(&row)?;
            Ok((row, key))
        })
        .await?;
        if key.is_none() && row.kind == ProviderKind::Anthropic {
            let err = AppError::new(
                ErrorCode::Auth,
                format!("No API key is set for “{}”. Add one with Edit, or set ANTHROPIC_API_KEY.", row.name),
            );
            return Ok(ConnectionReport { ok: false, message: err.message.clone(), latency_ms: 0, error: Some(err) });
        }
        let endpoint = Endpoint { kind: row.kind, base_url: row.base_url.clone(), model: row.model.clone() };
        let started = Instant::now();
        let result = reverie_llm::check_connection(&endpoint, key.as_ref()).await;
        let latency_ms = u32::try_from(started.elapsed().as_millis()).unwrap_or(u32::MAX);
        Ok(match result {
            Ok(()) => ConnectionReport {
                ok: true,
                message: format!("Connected to “{}”: model {} is available.", row.name, row.model),
                latency_ms,
                error: None,
            },
            Err(e) => {
                tracing::info!(error = %e, "connection test failed");
                let err = model_error(&e);
                ConnectionReport { ok: false, message: err.message.clone(), latency_ms, error: Some(err) }
            }
        })
    }

    fn row(&self, id: &ProviderId) -> Result<ProviderRow> {
        rows::get(&self.db.conn(), id)?.ok_or_else(|| not_found(id))
    }

    fn key_for(&self, row: &ProviderRow) -> Result<Option<SecretString>> {
        if row.key_backend.is_some() {
            if let Some(key) = self.secrets.get(row.id.as_str())? {
                return Ok(Some(key));
            }
        }
        Ok(self.env_key(row).map(SecretString::from))
    }

    fn env_key(&self, row: &ProviderRow) -> Option<String> {
        if !is_vendor_host(row.kind, &row.base_url) {
            return None;
        }
        (self.env)(row.kind.env_var())
    }

    fn key_status(&self, row: &ProviderRow) -> KeyStatus {
        match row.key_backend {
            Some(SecretBackend::MemoryOnly) if self.secrets.has_in_memory(row.id.as_str()) => {
                return KeyStatus { configured: true, source: KeySource::Memory };
            }
            Some(SecretBackend::SecretService | SecretBackend::KernelKeyring) => {
                return KeyStatus { configured: true, source: KeySource::Keychain };
            }
            _ => {}
        }
        if self.env_key(row).is_some() {
            KeyStatus { configured: true, source: KeySource::Environment }
        } else {
            KeyStatus { configured: false, source: KeySource::None }
        }
    }

    fn to_dto(&self, row: ProviderRow) -> Provider {
        let key = self.key_status(&row);
        Provider {
            id: row.id,
            name: row.name,
            kind: row.kind,
            base_url: row.base_url,
            model: row.model,
            key,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

fn not_found(id: &ProviderId) -> Error {
    Error::NotFound(format!("Provider {id} no longer exists. Reload the list."))
}

fn duplicate_name(name: &str) -> Error {
    Error::Conflict {
        field: Some("name"),
        message: format!("A provider named “{name}” already exists. Choose another name."),
    }
}

fn unique_violation_as_duplicate(e: Error, name: &str) -> Error {
    match e {
        Error::Database(rusqlite::Error::SqliteFailure(f, _)) if f.code == rusqlite::ErrorCode::ConstraintViolation => {
            duplicate_name(name)
        }
        other => other,
    }
}

fn is_vendor_host(kind: ProviderKind, base_url: &str) -> bool {
    let vendor = match kind {
        ProviderKind::Anthropic => "api.anthropic.com",
        ProviderKind::OpenaiCompatible => "api.openai.com",
    };
    Url::parse(base_url).ok().and_then(|u| u.host_str().map(|h| h.eq_ignore_ascii_case(vendor))).unwrap_or(false)
}

enum KeyChange {
    Set(SecretString),
    Remove,
}

struct Valid {
    name: String,
    kind: ProviderKind,
    base_url: String,
    model: String,
    key: Option<KeyChange>,
}

/// Checks and normalises what the Settings form sent. Errors name the field and say what to do.
fn validate(input: &ProviderInput) -> Result<Valid> {
    let name = input.name.trim();
    if name.is_empty() {
        return Err(Error::invalid(
            "name",
            "Enter a name for this provider, for example “Anthropic” or “Local Ollama”.",
        ));
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(Error::invalid("name", format!("Use a name of at most {MAX_NAME_CHARS} characters.")));
    }
    if name.chars().any(char::is_control) {
        return Err(Error::invalid("name", "The name can't contain control characters such as tabs or line breaks."));
    }
    let base_url = validate_base_url(&input.base_url)?;
    let model = input.model.trim();
    if model.is_empty() {
        return Err(Error::invalid("model", "Enter the model to use, for example “claude-sonnet-4-5” or “llama3.2”."));
    }
    if model.chars().count() > MAX_MODEL_CHARS || model.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(Error::invalid("model", "A model name has no spaces and is at most 200 characters."));
    }
    let key = match input.api_key.as_deref().map(str::trim) {
        None => None,
        Some("") => Some(KeyChange::Remove),
        Some(key) if key.chars().count() > MAX_KEY_CHARS => {
            return Err(Error::invalid("api_key", "That key is too long to be an API key. Paste only the key."));
        }
        Some(key) if key.chars().any(|c| c.is_whitespace() || c.is_control()) => {
            return Err(Error::invalid("api_key", "An API key has no spaces or line breaks. Paste only the key."));
        }
        Some(key) => Some(KeyChange::Set(SecretString::from(key.to_owned()))),
    };
    Ok(Valid { name: name.to_owned(), kind: input.kind, base_url, model: model.to_owned(), key })
}

fn validate_base_url(raw: &str) -> Result<String> {
    let raw = raw.trim();
    let invalid = |msg: &str| Error::invalid("base_url", msg.to_owned());
    if raw.is_empty() {
        return Err(invalid("Enter the provider's base URL, for example https://api.anthropic.com."));
    }
    let url = Url::parse(raw)
        .map_err(|_| invalid("That isn't a valid URL. It should look like https://api.example.com/v1."))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid("The base URL must start with http:// or https://."));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(invalid("The base URL needs a host name, like https://api.example.com."));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid("Don't put credentials in the URL; use the API key field instead."));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid("The base URL can't have a query (?…) or fragment (#…)."));
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(name: &str, url: &str) -> ProviderInput {
        ProviderInput {
            name: name.into(),
            kind: ProviderKind::Anthropic,
            base_url: url.into(),
            model: "m".into(),
            api_key: None,
        }
    }

    fn field_of(r: Result<Valid>) -> &'static str {
        match r {
            Err(Error::Invalid { field, .. }) => field,
            Err(other) => panic!("expected a field error, got {other:?}"),
            Ok(_) => panic!("expected a field error, got Ok"),
        }
    }

    #[test]
    fn base_urls_are_checked_and_normalised() {
        assert_eq!(
            validate(&input("a", " https://api.anthropic.com/ ")).unwrap().base_url,
            "https://api.anthropic.com"
        );
        assert_eq!(validate(&input("a", "http://127.0.0.1:11434/v1")).unwrap().base_url, "http://127.0.0.1:11434/v1");
        for bad in
            ["", "api.anthropic.com", "ftp://x.org", "https://", "https://u:p@x.org", "https://x.org/?k=1", "not a url"]
        {
            assert_eq!(field_of(validate(&input("a", bad))), "base_url", "{bad:?} must be refused");
        }
    }

    #[test]
    fn names_models_and_keys_are_checked() {
        assert_eq!(field_of(validate(&input("   ", "https://x.org"))), "name");
        assert_eq!(field_of(validate(&input(&"n".repeat(81), "https://x.org"))), "name");
        assert_eq!(field_of(validate(&input("a\tb", "https://x.org"))), "name");
        let mut i = input("a", "https://x.org");
        i.model = "two words".into();
        assert_eq!(field_of(validate(&i)), "model");
        i.model = "m".into();
        i.api_key = Some("sk a".into());
        assert_eq!(field_of(validate(&i)), "api_key");
        i.api_key = Some("k".repeat(MAX_KEY_CHARS + 1));
        assert_eq!(field_of(validate(&i)), "api_key");
    }

    #[test]
    fn env_keys_go_only_to_the_vendors_own_host() {
        assert!(is_vendor_host(ProviderKind::Anthropic, "https://api.anthropic.com"));
        assert!(is_vendor_host(ProviderKind::OpenaiCompatible, "https://api.openai.com/v1"));
        assert!(!is_vendor_host(ProviderKind::OpenaiCompatible, "http://127.0.0.1:11434/v1"));
        assert!(!is_vendor_host(ProviderKind::Anthropic, "https://api.anthropic.com.evil.example"));
    }
}
