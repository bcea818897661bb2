//! Writes the TypeScript command table (`ui/src/bindings/api/commands.ts`).

use std::path::Path;

fn main() -> std::io::Result<()> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../..").join(reverie_api::bindings::COMMANDS_FILE);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(&path, reverie_api::bindings::render())?;
    println!("wrote {}", reverie_api::bindings::COMMANDS_FILE);
    Ok(())
}
