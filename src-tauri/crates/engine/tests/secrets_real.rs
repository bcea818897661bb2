//! One test against a real OS store. `make test` runs the suite inside a D-Bus session with an
//! unlocked gnome-keyring and sets `REVERIE_REAL_KEYCHAIN` to the backend it must find; run
//! alone without that variable, the test says why it did nothing.

use reverie_engine::secrets::{ExposeSecret, SecretString};
use reverie_engine::Secrets;
use reverie_protocol::SecretBackend;

#[test]
fn a_real_keychain_round_trips_a_key_across_instances() {
    let Ok(expected) = std::env::var("REVERIE_REAL_KEYCHAIN") else {
        eprintln!("REVERIE_REAL_KEYCHAIN is not set: skipping the real-keychain test (make test sets it)");
        return;
    };
    let expected = match expected.as_str() {
        "secret_service" => SecretBackend::SecretService,
        "kernel_keyring" => SecretBackend::KernelKeyring,
        other => panic!("REVERIE_REAL_KEYCHAIN={other}: expected secret_service or kernel_keyring"),
    };
    let account = format!("reverie-test-{}", std::process::id());
    let writer = Secrets::detect();
    assert_eq!(writer.backend(), expected, "the probe must choose the real store");
    writer.set(&account, &SecretString::from("sk-real-store".to_owned())).unwrap();

    // A fresh instance has no cache: the value must come from the store itself.
    let reader = Secrets::detect();
    assert_eq!(reader.get(&account).unwrap().unwrap().expose_secret(), "sk-real-store");
    reader.delete(&account).unwrap();
    assert!(Secrets::detect().get(&account).unwrap().is_none());
}

/// The kernel keyring needs no daemon, so this runs everywhere Linux does: it proves the
/// fallback store for real, including joining a session keyring when the process has none.
#[cfg(target_os = "linux")]
#[test]
fn the_kernel_keyring_fallback_works_for_real() {
    use reverie_engine::secrets::kernel_keyring;
    let account = format!("reverie-kernel-test-{}", std::process::id());
    let writer = Secrets::probe(vec![kernel_keyring()]);
    assert_eq!(writer.backend(), SecretBackend::KernelKeyring, "keyutils must work after joining a session keyring");
    writer.set(&account, &SecretString::from("sk-kernel".to_owned())).unwrap();
    let reader = Secrets::probe(vec![kernel_keyring()]);
    assert_eq!(reader.get(&account).unwrap().unwrap().expose_secret(), "sk-kernel");
    reader.delete(&account).unwrap();
    assert!(Secrets::probe(vec![kernel_keyring()]).get(&account).unwrap().is_none());
}
