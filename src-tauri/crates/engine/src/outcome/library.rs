//! The rubric library: named rubrics, every save a new version. A save must parse (the errors
//! come back with their lines), so every version can be graded against.

use std::io::Read;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use std::sync::Arc;

use reverie_protocol::{Criterion, DiffHunk, Rubric, RubricId, RubricProblem, RubricVersion};
use rusqlite::{params, Connection, OptionalExtension};

use super::rubric::{parse, MAX_RUBRIC_CHARS, STARTERS};
use crate::memory::diff_lines;
use crate::store::providers::name_key;
use crate::{Clock, Database, Error, Ids, Result};

/// Longest rubric name, in characters.
pub const MAX_NAME_CHARS: usize = 80;

/// Largest rubric file read, in bytes: four a character at most, so anything larger can't be
/// within [`MAX_RUBRIC_CHARS`].
pub const MAX_RUBRIC_FILE_BYTES: u64 = (MAX_RUBRIC_CHARS * 4) as u64;

/// A rubric file's text, for an import (the app) or `--rubric FILE` (the CLI). A file that is
/// not a regular file, is larger than a rubric can be, or is not UTF-8 is refused (field
/// `path`) with what to do; no more than the limit is ever read, and a FIFO is never waited on.
pub fn read_rubric_file(path: &Path) -> Result<String> {
    let refuse = |message: String| Error::invalid("path", message);
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .map_err(|e| refuse(format!("Couldn't open {} ({e}).", path.display())))?;
    let meta = file.metadata().map_err(|e| refuse(format!("Couldn't read {} ({e}).", path.display())))?;
    if !meta.is_file() {
        return Err(refuse(format!(
            "{} is not a file. Give the path of a rubric's Markdown (.md) file.",
            path.display()
        )));
    }
    let too_large = |bytes: u64| {
        refuse(format!(
            "{} is {bytes} bytes; a rubric is at most {MAX_RUBRIC_CHARS} characters. Choose a smaller file.",
            path.display()
        ))
    };
    if meta.len() > MAX_RUBRIC_FILE_BYTES {
        return Err(too_large(meta.len()));
    }
    // Bounded again while reading: the file may grow after the size was looked at.
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(MAX_RUBRIC_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| refuse(format!("Couldn't read {} ({e}).", path.display())))?;
    if bytes.len() as u64 > MAX_RUBRIC_FILE_BYTES {
        return Err(too_large(bytes.len() as u64));
    }
    String::from_utf8(bytes)
        .map_err(|_| refuse(format!("{} is not UTF-8 text; a rubric is a Markdown (.md) file.", path.display())))
}

/// A save refused: the field, and every problem of the Markdown with its line.
#[derive(Debug)]
pub enum SaveError {
    Rubric(Vec<RubricProblem>),
    Other(Error),
}

impl From<Error> for SaveError {
    fn from(e: Error) -> Self {
        Self::Other(e)
    }
}

impl From<rusqlite::Error> for SaveError {
    fn from(e: rusqlite::Error) -> Self {
        Self::Other(e.into())
    }
}

impl From<SaveError> for Error {
    /// The first problem, naming its line, for callers that show one sentence.
    fn from(e: SaveError) -> Self {
        match e {
            SaveError::Other(e) => e,
            SaveError::Rubric(problems) => {
                let first = &problems[0];
                let at = if first.line > 0 { format!("Line {}: ", first.line) } else { String::new() };
                Error::invalid("source", format!("{at}{}", first.message))
            }
        }
    }
}

#[derive(Clone)]
pub struct Rubrics {
    db: Arc<Database>,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn Ids>,
}

impl Rubrics {
    pub fn new(db: Arc<Database>, clock: Arc<dyn Clock>, ids: Arc<dyn Ids>) -> Self {
        Self { db, clock, ids }
    }

    /// Live rubrics by name.
    pub fn list(&self) -> Result<Vec<Rubric>> {
        let ids: Vec<String> = self
            .db
            .conn()
            .prepare("SELECT id FROM rubrics WHERE deleted_at IS NULL ORDER BY name_key")?
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        ids.into_iter().map(|id| self.get(&RubricId(id))).collect()
    }

    /// A rubric with its latest version (a deleted one too: outcomes still refer to it).
    pub fn get(&self, id: &RubricId) -> Result<Rubric> {
        load(&self.db.conn(), id)
    }

    pub fn version(&self, id: &RubricId, version: u32) -> Result<RubricVersion> {
        version_row(&self.db.conn(), id, version)?
            .ok_or_else(|| Error::NotFound(format!("Rubric {} has no version {version}.", id.as_str())))
    }

    /// Every version, newest first.
    pub fn versions(&self, id: &RubricId) -> Result<Vec<RubricVersion>> {
        let conn = self.db.conn();
        let numbers: Vec<u32> = conn
            .prepare("SELECT version FROM rubric_versions WHERE rubric_id = ?1 ORDER BY version DESC")?
            .query_map([id.as_str()], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        numbers.into_iter().filter_map(|n| version_row(&conn, id, n).transpose()).collect()
    }

    /// What changed from version `from` to version `to` (either may be newer).
    pub fn diff(&self, id: &RubricId, from: u32, to: u32) -> Result<Vec<DiffHunk>> {
        Ok(diff_lines(&self.version(id, from)?.source, &self.version(id, to)?.source))
    }

    /// A new rubric, version 1.
    pub fn create(&self, name: &str, source: &str) -> Result<Rubric, SaveError> {
        let name = check_name(name)?;
        let criteria = parse(source).map_err(SaveError::Rubric)?;
        let id = RubricId(self.ids.new_id("rub"));
        let now = self.clock.now_ms();
        let conn = self.db.conn();
        let tx = crate::store::write_tx(&conn)?;
        tx.execute(
            "INSERT INTO rubrics (id, name, name_key, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?4)",
            params![id.as_str(), name, name_key(&name), now],
        )
        .map_err(|e| duplicate(e, &name))?;
        insert_version(&tx, &id, 1, source, &criteria, now)?;
        tx.commit()?;
        drop(conn);
        Ok(self.get(&id)?)
    }

    /// A starter rubric as a new rubric of the library (its name made unique).
    pub fn create_from_template(&self, template: &str) -> Result<Rubric> {
        let (name, source) = STARTERS
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(template.trim()))
            .ok_or_else(|| Error::invalid("template", format!("There is no starter rubric “{}”.", template.trim())))?;
        self.create_unique(name, source).map_err(Error::from)
    }

    /// A new rubric named `name`, or `name 2`, `name 3`… when that is taken (imports, templates).
    pub fn create_unique(&self, name: &str, source: &str) -> Result<Rubric, SaveError> {
        let base = cut_name(name.trim());
        let mut candidate = base.to_owned();
        let mut n = 1;
        loop {
            match self.create(&candidate, source) {
                Err(SaveError::Other(Error::Conflict { .. })) => {
                    n += 1;
                    candidate = format!("{base} {n}");
                }
                other => return other,
            }
        }
    }

    /// The live rubric of that name (ignoring case).
    pub fn by_name(&self, name: &str) -> Result<Rubric> {
        let id: Option<String> = self
            .db
            .conn()
            .query_row(
                "SELECT id FROM rubrics WHERE name_key = ?1 AND deleted_at IS NULL",
                [name_key(name.trim())],
                |r| r.get(0),
            )
            .optional()?;
        match id {
            Some(id) => self.get(&RubricId(id)),
            None => Err(Error::NotFound(format!("There is no rubric named “{}”.", name.trim()))),
        }
    }

    /// Saves `source` as the next version (nothing when it is unchanged) and renames.
    pub fn save(&self, id: &RubricId, name: &str, source: &str) -> Result<Rubric, SaveError> {
        let name = check_name(name)?;
        let conn = self.db.conn();
        let tx = crate::store::write_tx(&conn)?;
        // Read inside the write transaction, so two saves at once make versions n+1 and n+2.
        let current = load(&tx, id)?;
        let now = self.clock.now_ms();
        if current.latest.source != source {
            let criteria = parse(source).map_err(SaveError::Rubric)?;
            insert_version(&tx, id, current.latest.version + 1, source, &criteria, now)?;
        }
        tx.execute(
            "UPDATE rubrics SET name = ?2, name_key = ?3, updated_at = ?4 WHERE id = ?1 AND deleted_at IS NULL",
            params![id.as_str(), name, name_key(&name), now],
        )
        .map_err(|e| duplicate(e, &name))?;
        tx.commit()?;
        drop(conn);
        Ok(self.get(id)?)
    }

    /// Takes a rubric out of the library; its versions stay for the outcomes that used them.
    pub fn delete(&self, id: &RubricId) -> Result<()> {
        let n = self.db.conn().execute(
            "UPDATE rubrics SET deleted_at = ?2, name_key = NULL WHERE id = ?1 AND deleted_at IS NULL",
            params![id.as_str(), self.clock.now_ms()],
        )?;
        if n == 0 {
            return Err(not_found(id));
        }
        Ok(())
    }
}

fn load(conn: &Connection, id: &RubricId) -> Result<Rubric> {
    let (name, created_at, updated_at) = conn
        .query_row("SELECT name, created_at, updated_at FROM rubrics WHERE id = ?1", [id.as_str()], |r| {
            Ok((r.get::<_, String>(0)?, r.get(1)?, r.get(2)?))
        })
        .optional()?
        .ok_or_else(|| not_found(id))?;
    let latest: u32 =
        conn.query_row("SELECT MAX(version) FROM rubric_versions WHERE rubric_id = ?1", [id.as_str()], |r| r.get(0))?;
    let latest = version_row(conn, id, latest)?.ok_or_else(|| not_found(id))?;
    Ok(Rubric { id: id.clone(), name, latest, created_at, updated_at })
}

fn version_row(conn: &Connection, id: &RubricId, version: u32) -> Result<Option<RubricVersion>> {
    let row = conn
        .query_row(
            "SELECT source, criteria, created_at FROM rubric_versions WHERE rubric_id = ?1 AND version = ?2",
            params![id.as_str(), version],
            |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, i64>(2)?)),
        )
        .optional()?;
    let Some((source, criteria, created_at)) = row else { return Ok(None) };
    let criteria: Vec<Criterion> = serde_json::from_str(&criteria)
        .map_err(|e| Error::Internal(format!("rubric {} version {version} is unreadable: {e}", id.as_str())))?;
    Ok(Some(RubricVersion { rubric_id: id.clone(), version, source, criteria, created_at }))
}

fn insert_version(
    conn: &Connection,
    id: &RubricId,
    version: u32,
    source: &str,
    criteria: &[Criterion],
    now: i64,
) -> Result<()> {
    let json =
        serde_json::to_string(criteria).map_err(|e| Error::Internal(format!("criteria do not serialize: {e}")))?;
    conn.execute(
        "INSERT INTO rubric_versions (rubric_id, version, source, criteria, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![id.as_str(), version, source, json, now],
    )?;
    Ok(())
}

/// A name short enough to leave room for a number after it.
fn cut_name(name: &str) -> &str {
    match name.char_indices().nth(MAX_NAME_CHARS - 4) {
        Some((at, _)) => name[..at].trim_end(),
        None => name,
    }
}

fn check_name(name: &str) -> Result<String, SaveError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(Error::invalid("name", "Give the rubric a name.").into());
    }
    if name.chars().count() > MAX_NAME_CHARS || name.chars().any(char::is_control) {
        return Err(Error::invalid(
            "name",
            format!("Keep the name to one line of {MAX_NAME_CHARS} characters or fewer."),
        )
        .into());
    }
    Ok(name.to_owned())
}

fn duplicate(e: rusqlite::Error, name: &str) -> SaveError {
    match e {
        rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::ConstraintViolation => {
            SaveError::Other(Error::Conflict {
                field: Some("name"),
                message: format!("A rubric named “{name}” already exists."),
            })
        }
        other => SaveError::Other(other.into()),
    }
}

fn not_found(id: &RubricId) -> Error {
    Error::NotFound(format!("Rubric {} no longer exists.", id.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::{ManualClock, SequentialIds};

    fn library() -> Rubrics {
        Rubrics::new(
            Arc::new(Database::in_memory().unwrap()),
            Arc::new(ManualClock::new(10)),
            Arc::new(SequentialIds::default()),
        )
    }

    #[test]
    fn every_save_is_a_version_and_a_deleted_rubric_keeps_them() {
        let lib = library();
        let r = lib.create("Tests", "# T\n- Tests pass {#tests}\n").unwrap();
        assert_eq!((r.latest.version, r.latest.criteria.len()), (1, 1));
        let same = lib.save(&r.id, "Tests", "# T\n- Tests pass {#tests}\n").unwrap();
        assert_eq!(same.latest.version, 1, "an unchanged save makes no version");
        let v2 = lib.save(&r.id, "Tests", "# T\n- Tests pass {#tests}\n- Docs updated\n").unwrap();
        assert_eq!(v2.latest.version, 2);
        match lib.save(&r.id, "Tests", "# T\n- A {weight=zero}\n") {
            Err(SaveError::Rubric(problems)) => assert_eq!(problems[0].line, 2),
            other => panic!("{other:?}"),
        }
        assert_eq!(lib.get(&r.id).unwrap().latest.version, 2, "a malformed save changes nothing");
        assert!(matches!(lib.create("tests", "- x\n"), Err(SaveError::Other(Error::Conflict { .. }))));
        lib.delete(&r.id).unwrap();
        assert!(lib.list().unwrap().is_empty());
        assert_eq!(lib.version(&r.id, 1).unwrap().criteria[0].id, "tests", "versions outlive the rubric");
        assert!(lib.create("Tests", "- y\n").is_ok(), "the name is free again");
        let err = Error::from(lib.create("Empty", "just prose\n").unwrap_err());
        assert!(matches!(err, Error::Invalid { field: "source", .. }));
    }

    #[test]
    fn templates_become_rubrics_with_unique_names() {
        let lib = library();
        assert_eq!(lib.create_from_template("code change").unwrap().name, "Code change");
        assert_eq!(lib.create_from_template("Code change").unwrap().name, "Code change 2");
        assert!(lib.create_from_template("Poetry").is_err());
        assert_eq!(lib.list().unwrap().len(), 2);
    }
}
