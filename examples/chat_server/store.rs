//! Durable state in SQLite: users (display name, case-folded name key,
//! argon2 PHC hash) and offline messages.
//!
//! Owns: the schema and every SQL statement. Does not own: threads or
//! hashing; only the worker thread (`worker.rs`) ever touches a `Store`,
//! because every call here may block on the disk.
//!
//! Durability: WAL with `synchronous=FULL` fsyncs the log on every commit,
//! so once `store_message` returns, the message survives `kill -9` and a
//! power cut. (`NORMAL`, SQLite's usual WAL pairing, may lose the last
//! commits on power loss, which would make `OK stored` a lie.)

use rusqlite::{params, Connection, OptionalExtension};
use std::path::Path;

/// A message waiting for its recipient.
#[derive(Debug, Clone)]
pub struct Offline {
    pub id: i64,
    pub from: String,
    pub text: String,
    /// Unix seconds when it was stored.
    pub at: i64,
}

pub struct Store {
    db: Connection,
}

pub type Result<T> = rusqlite::Result<T>;

impl Store {
    /// Open (creating if needed) `dir/chat.sqlite3`.
    pub fn open(dir: &Path) -> std::result::Result<Store, String> {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create data dir {}: {e}", dir.display()))?;
        let path = dir.join("chat.sqlite3");
        let fail = |e: rusqlite::Error| format!("cannot open {}: {e}", path.display());
        let db = Connection::open(&path).map_err(fail)?;
        // journal_mode returns a row, so it is a query, not an execute.
        let mode: String = db
            .query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))
            .map_err(fail)?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(format!("{}: WAL mode refused (got {mode})", path.display()));
        }
        db.execute_batch(
            "PRAGMA synchronous=FULL;
             PRAGMA foreign_keys=ON;
             CREATE TABLE IF NOT EXISTS users (
                 name TEXT PRIMARY KEY,
                 hash TEXT NOT NULL,
                 key TEXT
             );
             CREATE TABLE IF NOT EXISTS offline (
                 id INTEGER PRIMARY KEY AUTOINCREMENT,
                 recipient TEXT NOT NULL REFERENCES users(name),
                 sender TEXT NOT NULL,
                 text TEXT NOT NULL,
                 at INTEGER NOT NULL
             );
             CREATE INDEX IF NOT EXISTS offline_by_recipient ON offline(recipient, id);",
        )
        .map_err(fail)?;
        // `key` (the case-folded name) came later: add it to an older
        // database. Its names were ASCII, so SQLite's `lower` folds them.
        let has_key: bool = db
            .query_row(
                "SELECT count(*) FROM pragma_table_info('users') WHERE name = 'key'",
                [],
                |r| r.get(0),
            )
            .map_err(fail)?;
        if !has_key {
            db.execute_batch("ALTER TABLE users ADD COLUMN key TEXT")
                .map_err(fail)?;
        }
        db.execute_batch(
            "UPDATE users SET key = lower(name) WHERE key IS NULL;
             CREATE UNIQUE INDEX IF NOT EXISTS users_by_key ON users(key);",
        )
        .map_err(fail)?;
        Ok(Store { db })
    }

    /// Add user `name` (display form) with name key `key`; `Ok(false)` if
    /// the key is taken (by any case or normalisation variant).
    pub fn create_user(&self, name: &str, key: &str, hash: &str) -> Result<bool> {
        let n = self.db.execute(
            "INSERT OR IGNORE INTO users (name, key, hash) VALUES (?1, ?2, ?3)",
            params![name, key, hash],
        )?;
        Ok(n == 1)
    }

    /// The display name and PHC hash of the user with name key `key`.
    pub fn user(&self, key: &str) -> Result<Option<(String, String)>> {
        self.db
            .query_row("SELECT name, hash FROM users WHERE key = ?1", [key], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()
    }

    /// Store a message for the user with name key `to`; `Ok(None)` if there
    /// is none.
    pub fn store_message(&self, to: &str, from: &str, text: &str, at: i64) -> Result<Option<i64>> {
        let n = self.db.execute(
            "INSERT INTO offline (recipient, sender, text, at)
             SELECT name, ?2, ?3, ?4 FROM users WHERE key = ?1",
            params![to, from, text, at],
        )?;
        Ok((n == 1).then(|| self.db.last_insert_rowid()))
    }

    /// Every message waiting for `name` (display form), oldest first. They stay stored
    /// until [`delete`](Self::delete): delivery is confirmed by the loop.
    pub fn offline_for(&self, name: &str) -> Result<Vec<Offline>> {
        let mut stmt = self.db.prepare_cached(
            "SELECT id, sender, text, at FROM offline WHERE recipient = ?1 ORDER BY id",
        )?;
        let rows = stmt.query_map([name], |r| {
            Ok(Offline {
                id: r.get(0)?,
                from: r.get(1)?,
                text: r.get(2)?,
                at: r.get(3)?,
            })
        })?;
        rows.collect()
    }

    /// Forget delivered messages, in one transaction (one fsync).
    pub fn delete(&mut self, ids: &[i64]) -> Result<()> {
        let tx = self.db.transaction()?;
        {
            let mut stmt = tx.prepare_cached("DELETE FROM offline WHERE id = ?1")?;
            for id in ids {
                stmt.execute([id])?;
            }
        }
        tx.commit()
    }
}
