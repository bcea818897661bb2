//! What a memory path and a store name may be. A path is relative, `/`-separated, made of safe
//! characters, never `..`, and names a Markdown file; the same path is a file in the mirror.

use crate::{Error, Result};

/// Longest accepted path, in bytes.
pub const MAX_PATH_BYTES: usize = 200;
/// Longest store name, in characters.
pub const MAX_STORE_NAME_CHARS: usize = 64;

/// The path, trimmed, or an error that says what a path may be. `field` names the input.
pub fn check_path(path: &str, field: &'static str) -> Result<String> {
    let path = path.trim().trim_start_matches("./");
    let bad = |why: &str| Err(Error::invalid(field, format!("“{}” is not a memory path: {why}", shown(path))));
    if path.is_empty() {
        return Err(Error::invalid(field, "Give the file's path, like notes/testing.md."));
    }
    if path.len() > MAX_PATH_BYTES {
        return bad(&format!("keep it to {MAX_PATH_BYTES} bytes"));
    }
    if path.starts_with('/') || path.starts_with('\\') {
        return bad("it must be relative to the store, like notes/testing.md");
    }
    for segment in path.split('/') {
        if segment.is_empty() {
            return bad("it has an empty folder name (//)");
        }
        if segment == ".." || segment == "." {
            return bad("“..” and “.” are not allowed");
        }
        if segment.starts_with('.') {
            return bad("names can't start with a dot");
        }
        if !segment.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ' ')) {
            return bad("use letters, digits, spaces, - _ . and / only");
        }
    }
    if !path.ends_with(".md") {
        return bad("memory files are Markdown: end the name with .md");
    }
    Ok(path.to_owned())
}

/// A store name: also the mirror's folder name.
pub fn check_store_name(name: &str) -> Result<String> {
    let name = name.trim();
    if name.is_empty() {
        return Err(Error::invalid("name", "Give the store a name."));
    }
    if name.chars().count() > MAX_STORE_NAME_CHARS {
        return Err(Error::invalid("name", format!("Keep the name to {MAX_STORE_NAME_CHARS} characters or fewer.")));
    }
    if name.starts_with('.') || !name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ' ')) {
        return Err(Error::invalid(
            "name",
            "Use letters, digits, spaces and - _ . in a store name (it is also a folder name).",
        ));
    }
    Ok(name.to_owned())
}

/// The path as quoted back: control characters made visible, cut when very long.
fn shown(path: &str) -> String {
    let clean: String = path.chars().map(|c| if c.is_control() { '�' } else { c }).collect();
    match clean.char_indices().nth(80) {
        Some((at, _)) => format!("{}…", &clean[..at]),
        None => clean,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn safe_relative_markdown_paths_only() {
        assert_eq!(check_path(" ./notes/testing.md ", "path").unwrap(), "notes/testing.md");
        for bad in [
            "",
            "../../etc/passwd.md",
            "/etc/x.md",
            "a//b.md",
            "a/./b.md",
            ".hidden.md",
            "a\0b.md",
            "notes.txt",
            "a\\b.md",
            "é.md",
        ] {
            assert!(check_path(bad, "path").is_err(), "{bad:?}");
        }
        assert!(check_path(&format!("{}.md", "a".repeat(300)), "path").is_err());
        assert!(check_store_name("Project notes").is_ok());
        assert!(check_store_name("../x").is_err());
    }
}
