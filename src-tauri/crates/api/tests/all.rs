//! reverie-api's tests: the dev server against the fake provider, and the generated table.

mod devserver;
mod table;
