//! API keys in the OS keychain, with a fallback chain that says plainly where keys went.
//!
//! Order (TAURI-NOTES §7): the desktop secret service over D-Bus (persistent) → the Linux
//! kernel keyring, joining a session keyring first if the process has none (kept until
//! reboot) → memory only, with a visible warning. Each candidate is proved with a canary
//! set/get/delete before it is chosen, because the stores fail in odd ways (keyutils answers
//! `NoEntry` from `set_password` when it really means "permission denied").
//!
//! Keys are `SecretString`s: their `Debug` prints `[REDACTED]`, so a key never reaches a log
//! through formatting.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use keyring::credential::CredentialBuilder;
use keyring::Entry;
use reverie_protocol::SecretBackend;
pub use secrecy::{ExposeSecret, SecretString};

use crate::{Error, Result};

/// The keychain "service" every Reverie secret is filed under (the app identifier).
pub const SERVICE: &str = crate::APP_ID;

const CANARY_ACCOUNT: &str = "reverie-canary";
const CANARY_VALUE: &str = "canary";

/// One store to try: which backend it is, how to build its credentials, and an optional
/// preparation step that may make a failing store usable (joining a session keyring).
pub struct Candidate {
    pub backend: SecretBackend,
    pub builder: Box<CredentialBuilder>,
    pub prepare: Option<Box<dyn Fn() -> bool + Send + Sync>>,
}

/// The secret store. Probing a keychain can take a second (D-Bus round trips), so `detect`
/// defers it to first use; the shell warms it on a background thread at start-up.
pub struct Secrets {
    candidates: Mutex<Option<Vec<Candidate>>>,
    chosen: OnceLock<Chosen>,
    /// Read-through cache for keychain backends; the only store for `MemoryOnly`.
    cache: Mutex<HashMap<String, SecretString>>,
}

struct Chosen {
    backend: SecretBackend,
    builder: Option<Box<CredentialBuilder>>,
}

impl Secrets {
    /// This platform's stores, probed in order on first use; the first that works is kept.
    pub fn detect() -> Self {
        Self::lazy(platform_candidates())
    }

    /// Keys in memory only (tests, and systems without a keychain).
    pub fn memory_only() -> Self {
        Self::lazy(Vec::new())
    }

    /// Probes `candidates` now.
    pub fn probe(candidates: Vec<Candidate>) -> Self {
        let secrets = Self::lazy(candidates);
        secrets.backend();
        secrets
    }

    fn lazy(candidates: Vec<Candidate>) -> Self {
        Self { candidates: Mutex::new(Some(candidates)), chosen: OnceLock::new(), cache: Mutex::default() }
    }

    fn chosen(&self) -> &Chosen {
        self.chosen.get_or_init(|| {
            let candidates = self.candidates.lock().unwrap_or_else(|p| p.into_inner()).take().unwrap_or_default();
            choose(candidates)
        })
    }

    /// Where keys go. The first call probes the stores (and blocks until that is done).
    pub fn backend(&self) -> SecretBackend {
        self.chosen().backend
    }

    /// Stores `secret` under `account`; returns where it went.
    pub fn set(&self, account: &str, secret: &SecretString) -> Result<SecretBackend> {
        if let Some(entry) = self.entry(account)? {
            entry.set_password(secret.expose_secret()).map_err(|e| keychain_error("save", &e))?;
        }
        self.cache().insert(account.to_owned(), secret.clone());
        Ok(self.backend())
    }

    /// The secret under `account`, if one is stored.
    pub fn get(&self, account: &str) -> Result<Option<SecretString>> {
        if let Some(found) = self.cache().get(account) {
            return Ok(Some(found.clone()));
        }
        let Some(entry) = self.entry(account)? else { return Ok(None) };
        match entry.get_password() {
            Ok(value) => {
                let secret = SecretString::from(value);
                self.cache().insert(account.to_owned(), secret.clone());
                Ok(Some(secret))
            }
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(keychain_error("read", &e)),
        }
    }

    /// Whether this process holds `account` in memory (the only way a memory-only key exists).
    pub fn has_in_memory(&self, account: &str) -> bool {
        self.cache().contains_key(account)
    }

    /// Removes the secret under `account`; removing what is not there is fine.
    pub fn delete(&self, account: &str) -> Result<()> {
        self.cache().remove(account);
        let Some(entry) = self.entry(account)? else { return Ok(()) };
        match entry.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(keychain_error("remove", &e)),
        }
    }

    fn entry(&self, account: &str) -> Result<Option<Entry>> {
        let Some(builder) = &self.chosen().builder else { return Ok(None) };
        let credential = builder.build(None, SERVICE, account).map_err(|e| keychain_error("open", &e))?;
        Ok(Some(Entry::new_with_credential(credential)))
    }

    fn cache(&self) -> std::sync::MutexGuard<'_, HashMap<String, SecretString>> {
        self.cache.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// How long the desktop secret service may take to answer the probe. A D-Bus client with no
/// session bus address but a `DISPLAY` tries to autolaunch a bus through X11 and can wait
/// forever; the app must start anyway (on the next store in the chain).
pub const SECRET_SERVICE_PROBE_LIMIT: std::time::Duration = std::time::Duration::from_secs(5);

/// Keeps the first candidate whose canary round trip succeeds; memory only if none does.
fn choose(candidates: Vec<Candidate>) -> Chosen {
    for candidate in candidates {
        if candidate.backend == SecretBackend::SecretService {
            // Over D-Bus, on a thread of its own so a bus that never answers is given up on. (The
            // kernel keyring is probed on this thread: its session keyring is per thread.)
            match bounded_canary(candidate.builder, SECRET_SERVICE_PROBE_LIMIT) {
                (Some(builder), Ok(())) => {
                    tracing::info!(backend = ?candidate.backend, "secret store chosen");
                    return Chosen { backend: candidate.backend, builder: Some(builder) };
                }
                (_, Err(e)) => {
                    tracing::warn!(backend = ?candidate.backend, error = %e, "secret store unavailable");
                    continue;
                }
                (None, Ok(())) => continue,
            }
        }
        let mut outcome = canary(&*candidate.builder);
        if let (Err(first), Some(prepare)) = (&outcome, &candidate.prepare) {
            tracing::debug!(backend = ?candidate.backend, error = %first, "secret store failed; preparing and retrying");
            if prepare() {
                outcome = canary(&*candidate.builder);
            }
        }
        match outcome {
            Ok(()) => {
                tracing::info!(backend = ?candidate.backend, "secret store chosen");
                return Chosen { backend: candidate.backend, builder: Some(candidate.builder) };
            }
            Err(e) => tracing::warn!(backend = ?candidate.backend, error = %e, "secret store unavailable"),
        }
    }
    tracing::warn!("no keychain works on this system; API keys are kept in memory only");
    Chosen { backend: SecretBackend::MemoryOnly, builder: None }
}

fn keychain_error(action: &str, e: &keyring::Error) -> Error {
    Error::Keychain(format!(
        "Couldn't {action} the API key in the system keychain ({e}). Nothing else was changed; unlock your keychain and try again."
    ))
}

/// The canary on a thread of its own, waited for at most `limit`; the builder comes back with
/// the answer (a probe that never answers keeps it, and its thread, and is reported as failed).
fn bounded_canary(
    builder: Box<CredentialBuilder>,
    limit: std::time::Duration,
) -> (Option<Box<CredentialBuilder>>, std::result::Result<(), keyring::Error>) {
    let (tx, rx) = std::sync::mpsc::channel();
    let spawned = std::thread::Builder::new().name("keychain-probe".into()).spawn(move || {
        let outcome = canary(&*builder);
        let _ = tx.send((builder, outcome));
    });
    if let Err(e) = spawned {
        return (None, Err(keyring::Error::PlatformFailure(format!("couldn't start the probe: {e}").into())));
    }
    match rx.recv_timeout(limit) {
        Ok((builder, outcome)) => (Some(builder), outcome),
        Err(_) => {
            (None, Err(keyring::Error::PlatformFailure(format!("no answer within {} s", limit.as_secs()).into())))
        }
    }
}

/// Set, read back and delete a throwaway secret.
fn canary(builder: &CredentialBuilder) -> std::result::Result<(), keyring::Error> {
    let entry = Entry::new_with_credential(builder.build(None, SERVICE, CANARY_ACCOUNT)?);
    entry.set_password(CANARY_VALUE)?;
    let read = entry.get_password();
    let _ = entry.delete_credential();
    match read? {
        v if v == CANARY_VALUE => Ok(()),
        _ => Err(keyring::Error::PlatformFailure("the canary secret read back differently".into())),
    }
}

#[cfg(target_os = "linux")]
fn platform_candidates() -> Vec<Candidate> {
    vec![
        Candidate {
            backend: SecretBackend::SecretService,
            builder: keyring::secret_service::default_credential_builder(),
            prepare: None,
        },
        kernel_keyring(),
    ]
}

/// The Linux kernel keyring, joining a session keyring first when the process has none.
#[cfg(target_os = "linux")]
pub fn kernel_keyring() -> Candidate {
    Candidate {
        backend: SecretBackend::KernelKeyring,
        builder: keyring::keyutils::default_credential_builder(),
        prepare: Some(Box::new(join_session_keyring)),
    }
}

#[cfg(not(target_os = "linux"))]
fn platform_candidates() -> Vec<Candidate> {
    Vec::new()
}

/// Gives the process a session keyring of its own when it has only the kernel's fallback
/// user-session keyring (a process started outside a login session: a service, a scheduler, a
/// tool's shell). Call it first thing in `main`, before any thread exists: Linux keeps the
/// session keyring in each thread's credentials, so a keyring joined later, from the thread
/// that first probes the keychain, is that thread's alone, and the others' saves and reads
/// miss it ("No matching entry found"). Threads started afterwards inherit it. Does nothing
/// inside a login session or off Linux. Returns whether it joined one.
pub fn prepare_process() -> bool {
    #[cfg(target_os = "linux")]
    {
        const KEYCTL_GET_KEYRING_ID: libc::c_long = 0;
        const KEY_SPEC_SESSION_KEYRING: libc::c_long = -3;
        const KEY_SPEC_USER_SESSION_KEYRING: libc::c_long = -5;
        // SAFETY: keyctl(KEYCTL_GET_KEYRING_ID, id, create = 0) takes no pointers; it only
        // answers which keyring a special id stands for.
        let id = |special: libc::c_long| unsafe { libc::syscall(libc::SYS_keyctl, KEYCTL_GET_KEYRING_ID, special, 0) };
        let (session, fallback) = (id(KEY_SPEC_SESSION_KEYRING), id(KEY_SPEC_USER_SESSION_KEYRING));
        if session >= 0 && session != fallback {
            return false;
        }
        join_session_keyring()
    }
    #[cfg(not(target_os = "linux"))]
    false
}

/// Gives this process a session keyring of its own. Processes started outside a login
/// session only have the kernel's fallback user-session keyring, which they do not possess,
/// so every keyutils write fails until they join one.
#[cfg(target_os = "linux")]
fn join_session_keyring() -> bool {
    const KEYCTL_JOIN_SESSION_KEYRING: libc::c_long = 1;
    // SAFETY: keyctl(KEYCTL_JOIN_SESSION_KEYRING, NULL) takes no pointers to our memory
    // (a null name asks for a new anonymous keyring) and only changes this process's keyrings.
    let id = unsafe { libc::syscall(libc::SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, std::ptr::null::<libc::c_char>()) };
    id >= 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::any::Any;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;

    /// A store that cannot be reached (like secret-service without a D-Bus session).
    struct Unreachable;

    impl keyring::credential::CredentialBuilderApi for Unreachable {
        fn build(&self, _: Option<&str>, _: &str, _: &str) -> keyring::Result<Box<keyring::credential::Credential>> {
            Err(keyring::Error::PlatformFailure("no D-Bus session".into()))
        }
        fn as_any(&self) -> &dyn Any {
            self
        }
    }

    /// A store that works only after `prepare` (like keyutils before joining a session keyring).
    struct NeedsPreparation(Arc<AtomicBool>);

    impl keyring::credential::CredentialBuilderApi for NeedsPreparation {
        fn build(&self, t: Option<&str>, s: &str, u: &str) -> keyring::Result<Box<keyring::credential::Credential>> {
            if self.0.load(Ordering::SeqCst) {
                keyring::mock::default_credential_builder().build(t, s, u)
            } else {
                Err(keyring::Error::NoEntry)
            }
        }
        fn as_any(&self) -> &dyn Any {
            self
        }
    }

    fn candidate(backend: SecretBackend, builder: Box<CredentialBuilder>) -> Candidate {
        Candidate { backend, builder, prepare: None }
    }

    #[test]
    fn the_first_working_store_wins() {
        let secrets = Secrets::probe(vec![
            candidate(SecretBackend::SecretService, keyring::mock::default_credential_builder()),
            candidate(SecretBackend::KernelKeyring, keyring::mock::default_credential_builder()),
        ]);
        assert_eq!(secrets.backend(), SecretBackend::SecretService);
    }

    #[test]
    fn an_unreachable_secret_service_falls_back_to_the_kernel_keyring() {
        let secrets = Secrets::probe(vec![
            candidate(SecretBackend::SecretService, Box::new(Unreachable)),
            candidate(SecretBackend::KernelKeyring, keyring::mock::default_credential_builder()),
        ]);
        assert_eq!(secrets.backend(), SecretBackend::KernelKeyring);
    }

    #[test]
    fn a_store_that_needs_a_session_keyring_is_prepared_then_used() {
        let joined = Arc::new(AtomicBool::new(false));
        let flag = joined.clone();
        let secrets = Secrets::probe(vec![
            candidate(SecretBackend::SecretService, Box::new(Unreachable)),
            Candidate {
                backend: SecretBackend::KernelKeyring,
                builder: Box::new(NeedsPreparation(joined.clone())),
                prepare: Some(Box::new(move || {
                    flag.store(true, Ordering::SeqCst);
                    true
                })),
            },
        ]);
        assert!(joined.load(Ordering::SeqCst), "prepare must run when the first canary fails");
        assert_eq!(secrets.backend(), SecretBackend::KernelKeyring);
    }

    #[test]
    fn with_no_working_store_keys_stay_in_memory_and_say_so() {
        let secrets = Secrets::probe(vec![
            candidate(SecretBackend::SecretService, Box::new(Unreachable)),
            candidate(SecretBackend::KernelKeyring, Box::new(NeedsPreparation(Arc::default()))),
        ]);
        assert_eq!(secrets.backend(), SecretBackend::MemoryOnly);
        let key = SecretString::from("sk-memory".to_owned());
        assert_eq!(secrets.set("prv_1", &key).unwrap(), SecretBackend::MemoryOnly);
        assert_eq!(secrets.get("prv_1").unwrap().unwrap().expose_secret(), "sk-memory");
        secrets.delete("prv_1").unwrap();
        assert!(secrets.get("prv_1").unwrap().is_none());
    }

    #[test]
    fn a_secret_never_prints_through_debug() {
        let key = SecretString::from("sk-visible-nowhere".to_owned());
        assert!(!format!("{key:?}").contains("sk-visible-nowhere"));
    }
}
