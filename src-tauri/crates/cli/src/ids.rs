//! Ids for the engine, with one twist: the CLI can take a session's id before the run starts,
//! so it subscribes to the session's log first and sees every live text delta from the start
//! (a subscriber that joins late gets the stored events but misses deltas already sent).

use std::collections::HashMap;
use std::sync::Mutex;

use reverie_engine::{Ids, UuidIds};

#[derive(Default)]
pub struct ReservedIds {
    reserved: Mutex<HashMap<String, String>>,
}

impl ReservedIds {
    /// A new id with `prefix` that the next `new_id(prefix)` will hand out.
    pub fn reserve(&self, prefix: &str) -> String {
        let id = UuidIds.new_id(prefix);
        self.lock().insert(prefix.to_owned(), id.clone());
        id
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, String>> {
        self.reserved.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Ids for ReservedIds {
    fn new_id(&self, prefix: &str) -> String {
        self.lock()
            .remove(prefix)
            .unwrap_or_else(|| UuidIds.new_id(prefix))
    }
}
