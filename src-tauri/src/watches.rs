//! The live session streams the UI has open, so each can be stopped by id.

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Mutex;

use tauri::async_runtime::JoinHandle;

#[derive(Default)]
pub struct Watches {
    next: AtomicU32,
    running: Mutex<HashMap<u32, JoinHandle<()>>>,
}

impl Watches {
    /// Spawns the stream; returns its id.
    pub fn start(&self, stream: impl Future<Output = ()> + Send + 'static) -> u32 {
        let id = self.next.fetch_add(1, Ordering::Relaxed) + 1;
        let handle = tauri::async_runtime::spawn(stream);
        let mut running = self.lock();
        running.retain(|_, h| !h.inner().is_finished());
        running.insert(id, handle);
        id
    }

    pub fn stop(&self, id: u32) {
        if let Some(handle) = self.lock().remove(&id) {
            handle.abort();
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u32, JoinHandle<()>>> {
        self.running.lock().unwrap_or_else(|p| p.into_inner())
    }
}
