//! Writes the TypeScript declarations into `ui/src/bindings/` (run from the workspace root).

use std::path::Path;

fn main() -> std::io::Result<()> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../..");
    let dir = root.join(reverie_protocol::bindings::BINDINGS_DIR);
    std::fs::create_dir_all(&dir)?;
    for entry in std::fs::read_dir(&dir)? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "ts") {
            std::fs::remove_file(path)?;
        }
    }
    let files = reverie_protocol::bindings::files();
    for (name, body) in &files {
        std::fs::write(dir.join(name), body)?;
    }
    println!("wrote {} files to {}", files.len(), reverie_protocol::bindings::BINDINGS_DIR);
    Ok(())
}
