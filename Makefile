# Reverie: `make run` sets up, builds and opens the app; `make test` sets up and runs every test.
SHELL := /bin/bash
CARGO_FEATURES := --features reverie/custom-protocol

.PHONY: run test dev dev-browser setup ui bindings fixtures bench clean-e2e

setup:
	@scripts/setup

ui: setup
	npm --prefix ui run build

## Build the app (release, UI embedded) and open it.
run: ui
	cargo build --release $(CARGO_FEATURES)
	@if [ -z "$${DISPLAY:-}$${WAYLAND_DISPLAY:-}" ]; then \
	  echo "No display found: run this from a desktop session (or under Xvfb: xvfb-run make run)."; exit 1; fi
	./target/release/reverie

## Hot reload: Vite for the UI, the Rust app rebuilt on change.
dev: setup
	npx --prefix ui tauri dev

## The UI in a plain browser on the real engine (reverie-devserver + Vite): open the URL Vite
## prints. Pass dev-server options through ARGS, e.g. `make dev-browser ARGS="--seed runs"`.
dev-browser: setup
	scripts/dev-browser $(ARGS)

## Every test: UI unit tests, the UI in headless Chromium, clippy, then all Rust tests
## including the real app under Xvfb; closes with one "all: N passed, M failed" line.
test: ui
	scripts/run-tests

## Regenerate ui/src/bindings from the Rust protocol types.
bindings:
	cargo run -q -p reverie-protocol --bin export-bindings
	cargo run -q -p reverie-api --bin export-commands

## Re-record ui/src/fixtures/*.jsonl (the event logs the UI's tests read) from real runs of the engine.
fixtures:
	REVERIE_WRITE_FIXTURES=1 cargo test -q -p reverie-engine --test engine fixture_
