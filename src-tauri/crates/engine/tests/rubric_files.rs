//! Reading a rubric file (`--rubric FILE`, the Rubrics page's import): bounded, UTF-8, a
//! regular file, with what to do otherwise.

use reverie_engine::outcome::{read_rubric_file, MAX_RUBRIC_FILE_BYTES};
use reverie_engine::Error;

fn refused(path: &std::path::Path) -> String {
    match read_rubric_file(path) {
        Err(Error::Invalid { field: "path", message }) => message,
        other => panic!("{} should be refused for its path, got {other:?}", path.display()),
    }
}

#[test]
fn a_markdown_file_is_read_whole() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rubric.md");
    std::fs::write(&path, "# Done\n\n- The tests pass\n- Café is spelt right\n").unwrap();
    assert_eq!(read_rubric_file(&path).unwrap(), "# Done\n\n- The tests pass\n- Café is spelt right\n");
}

#[test]
fn a_file_larger_than_a_rubric_can_be_is_refused_before_it_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge.md");
    std::fs::File::create(&path).unwrap().set_len(MAX_RUBRIC_FILE_BYTES + 1).unwrap();
    let message = refused(&path);
    assert!(
        message.contains(&format!("{} bytes", MAX_RUBRIC_FILE_BYTES + 1)) && message.contains("Choose a smaller file"),
        "{message}"
    );
}

#[test]
fn a_file_that_is_not_utf8_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("latin1.md");
    std::fs::write(&path, b"- caf\xe9\n").unwrap();
    assert!(refused(&path).contains("is not UTF-8 text; a rubric is a Markdown (.md) file"));
}

#[test]
fn a_folder_a_fifo_or_a_missing_file_is_refused_without_waiting() {
    let dir = tempfile::tempdir().unwrap();
    assert!(refused(dir.path()).contains("is not a file"));
    let fifo = dir.path().join("pipe.md");
    let c_path = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) }, 0);
    assert!(refused(&fifo).contains("is not a file"), "a FIFO with no writer is never waited on");
    assert!(refused(&dir.path().join("missing.md")).starts_with("Couldn't open"));
}
