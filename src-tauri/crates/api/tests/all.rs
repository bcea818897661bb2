//! reverie-api's tests: the dev server against the fake provider (and its shell double), its
//! seeds, and the generated table.

mod devserver;
mod seed;
mod table;
