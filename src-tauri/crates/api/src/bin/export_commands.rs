//! Writes the TypeScript command table (`ui/src/bindings/api/commands.ts`) and the engine's
//! limits (`ui/src/bindings/api/limits.ts`).

use std::path::Path;

fn main() -> std::io::Result<()> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../..");
    for (file, text) in [
        (reverie_api::bindings::COMMANDS_FILE, reverie_api::bindings::render()),
        (reverie_api::limits::LIMITS_FILE, reverie_api::limits::render()),
    ] {
        let path = root.join(file);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(&path, text)?;
        println!("wrote {file}");
    }
    Ok(())
}
