//! The updater against a signed `latest.json` served on loopback, with a throwaway key pair:
//! a good signature is offered, a tampered one is refused, and no server is a quiet "offline".

use std::net::SocketAddr;

use axum::routing::get;
use axum::Router;
use base64::Engine;
use reverie_lib::state::UpdateSource;
use serde_json::json;

use crate::support::mock_app;

const PACKAGE: &[u8] = b"pretend this is reverie_9.9.9_amd64.deb";

struct Release {
    pubkey_b64: String,
    signature_b64: String,
}

/// A minisign key pair and a signature over `PACKAGE`, encoded as Tauri expects them
/// (base64 of the minisign text files), with the version in the trusted comment like the CLI.
fn sign_release(version: &str) -> Release {
    let kp = minisign::KeyPair::generate_unencrypted_keypair().unwrap();
    let pk_box = kp.pk.to_box().unwrap().to_string();
    let trusted = format!("timestamp:1763683200\tfile:reverie_{version}_amd64.deb\tversion:{version}");
    let sig = minisign::sign(Some(&kp.pk), &kp.sk, PACKAGE, Some(&trusted), None).unwrap();
    let b64 = base64::engine::general_purpose::STANDARD;
    Release { pubkey_b64: b64.encode(pk_box), signature_b64: b64.encode(sig.to_string()) }
}

fn latest(addr: SocketAddr, signature: &str) -> serde_json::Value {
    json!({
        "version": "9.9.9",
        "notes": "Dreams now run while the window is closed.",
        "pub_date": "2026-11-20T10:00:00Z",
        "platforms": { tauri_plugin_updater::target().unwrap(): { "signature": signature, "url": format!("http://{addr}/reverie.deb") } }
    })
}

fn source(addr: SocketAddr, pubkey: &str) -> UpdateSource {
    UpdateSource {
        endpoints: Some(vec![format!("http://{addr}/latest.json").parse().unwrap()]),
        pubkey: Some(pubkey.into()),
    }
}

#[test]
fn a_signed_update_is_reported_as_available() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let release = sign_release("9.9.9");
    let addr = rt.block_on(serve_signed(&release.signature_b64));
    let app = mock_app(source(addr, &release.pubkey_b64));
    let status = app.ok("check_for_updates", json!({}));
    assert_eq!(status["type"], "available", "{status}");
    assert_eq!(status["version"], "9.9.9");
    assert_eq!(status["current_version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(status["notes"], "Dreams now run while the window is closed.");
}

#[test]
fn a_tampered_signature_is_rejected() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let release = sign_release("9.9.9");
    // A signature made by another key: what an attacker who does not hold ours can produce.
    let forged = sign_release("9.9.9");
    let addr = rt.block_on(serve_signed(&forged.signature_b64));
    let app = mock_app(source(addr, &release.pubkey_b64));
    let status = app.ok("check_for_updates", json!({}));
    assert_eq!(status["type"], "failed", "{status}");
    assert!(status["message"].as_str().unwrap().contains("signature"), "{status}");
    let err = app.err("install_update", json!({}));
    assert_eq!(err["code"], "not_found", "nothing unverified is installable");
}

#[test]
fn an_unreachable_update_server_is_a_quiet_offline() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let release = sign_release("9.9.9");
    let app = mock_app(source(closed, &release.pubkey_b64));
    let status = app.ok("check_for_updates", json!({}));
    assert_eq!(status, json!({"type": "offline", "current_version": env!("CARGO_PKG_VERSION")}));
}

/// Serves `/latest.json` (naming `signature`) and `/reverie.deb`; returns the address.
async fn serve_signed(signature: &str) -> SocketAddr {
    // The package URL needs the server's own address, so bind first, then build the manifest.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let manifest = latest(addr, signature);
    let app = Router::new()
        .route("/latest.json", get(move || async move { axum::Json(manifest) }))
        .route("/reverie.deb", get(|| async { PACKAGE }));
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}
