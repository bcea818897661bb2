use reverie_engine::store::{Database, DB_FILE, MIGRATIONS};

#[test]
fn a_fresh_database_gets_every_migration_once() {
    let dir = tempfile::tempdir().unwrap();
    let (_db, report) = Database::open_in(dir.path(), 1).unwrap();
    assert_eq!(report.applied, MIGRATIONS.iter().map(|(id, _)| *id).collect::<Vec<_>>());
    assert!(report.recovered.is_none());
    drop(_db);
    let (db, again) = Database::open_in(dir.path(), 2).unwrap();
    assert!(again.applied.is_empty(), "reopening applies nothing");
    let n: i64 = db.conn().query_row("SELECT count(*) FROM schema_migrations", [], |r| r.get(0)).unwrap();
    assert_eq!(n as usize, MIGRATIONS.len());
    let mode: String = db.conn().query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
    assert_eq!(mode, "wal");
}

#[test]
fn an_old_database_is_migrated_and_keeps_its_rows() {
    let dir = tempfile::tempdir().unwrap();
    // A database as an earlier build left it: schema_migrations knows nothing yet, plus a stray user table.
    {
        let conn = rusqlite::Connection::open(dir.path().join(DB_FILE)).unwrap();
        conn.execute_batch("CREATE TABLE keep_me (v TEXT); INSERT INTO keep_me VALUES ('hello');").unwrap();
    }
    let (db, report) = Database::open_in(dir.path(), 5).unwrap();
    assert_eq!(report.applied.len(), MIGRATIONS.len());
    let v: String = db.conn().query_row("SELECT v FROM keep_me", [], |r| r.get(0)).unwrap();
    assert_eq!(v, "hello");
}

#[test]
fn a_database_from_a_newer_reverie_is_refused_not_damaged() {
    let dir = tempfile::tempdir().unwrap();
    drop(Database::open_in(dir.path(), 1).unwrap());
    {
        let conn = rusqlite::Connection::open(dir.path().join(DB_FILE)).unwrap();
        conn.execute("INSERT INTO schema_migrations VALUES ('29991231000000_future', 1)", []).unwrap();
    }
    let err = Database::open_in(dir.path(), 2).err().expect("a newer schema must be refused");
    assert!(err.to_string().contains("newer version of Reverie"), "{err}");
    assert!(dir.path().join(DB_FILE).exists(), "the file is left where it was");
}

#[test]
fn a_corrupt_file_is_moved_aside_and_a_new_database_works() {
    let dir = tempfile::tempdir().unwrap();
    let garbage = b"this is not an SQLite database, just bytes that look like nothing".repeat(200);
    std::fs::write(dir.path().join(DB_FILE), &garbage).unwrap();

    let (db, report) = Database::open_in(dir.path(), 42).unwrap();
    let recovery = report.recovered.expect("the damage is reported");
    assert_eq!(recovery.moved_to, dir.path().join(format!("{DB_FILE}.corrupt-42")));
    assert!(std::fs::read(&recovery.moved_to).unwrap() == garbage, "the old file is kept byte for byte");
    assert!(!recovery.reason.is_empty());
    db.conn().execute("INSERT INTO settings VALUES ('k', '1', 0)", []).unwrap();
}

#[test]
fn a_database_with_damaged_pages_is_moved_aside() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(DB_FILE);
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(
            "PRAGMA journal_mode=DELETE; CREATE TABLE t (x TEXT); CREATE INDEX tx ON t(x);
             WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 2000)
             INSERT INTO t SELECT hex(randomblob(64)) FROM n;",
        )
        .unwrap();
    }
    // Overwrite the middle of the file (past the header page) with garbage.
    let mut bytes = std::fs::read(&path).unwrap();
    let mid = bytes.len() / 2;
    for b in &mut bytes[mid..mid + 8192] {
        *b = 0xA5;
    }
    std::fs::write(&path, &bytes).unwrap();

    let (_db, report) = Database::open_in(dir.path(), 7).unwrap();
    let recovery = report.recovered.expect("page damage is found by integrity_check");
    assert!(std::fs::read(recovery.moved_to).unwrap() == bytes, "the damaged file is kept byte for byte");
}
