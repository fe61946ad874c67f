//! The project's one SQLite database (`.vtcode/vtcode.db`).
//!
//! `Store` owns a single connection behind a mutex: vtcode's writes are
//! small and rare, so one connection in WAL mode is simpler than a pool and
//! never deadlocks with itself. Opening brings the schema up to date through
//! the numbered [`migrations`]; a database from a newer vtcode, or a file
//! that is not a healthy SQLite database, is refused untouched, so nothing a
//! user saved is ever lost to a downgrade or an overwrite. Other modules add
//! typed APIs in their own files on top of [`Store::with_conn`].

mod catalog;
mod embeddings;
mod metrics;
pub mod migrations;
mod pii;
mod skills;

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use rusqlite::{Connection, ErrorCode, TransactionBehavior};

pub use catalog::{ToolChange, ToolChangeKind, ToolVersion, VersionChange};
pub use metrics::{InsightRow, StoredEvent};
pub use migrations::{MIGRATIONS, Migration};
pub use pii::PiiAuditRow;
pub use skills::{SkillRow, SkillUpsert};

/// How long a write waits for another vtcode process holding the lock.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The first 16 bytes of every SQLite database file.
const SQLITE_HEADER: &[u8; 16] = b"SQLite format 3\0";

/// Why the database could not be opened or used.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot create the directory for the database {}: {source}", path.display())]
    CreateDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "{} is not a usable vtcode database ({detail}); it was left untouched. Move it aside (for example `mv {0} {0}.bak`, using the path above) and run vtcode again to start a fresh database",
        path.display()
    )]
    NotADatabase { path: PathBuf, detail: String },
    #[error(
        "the database {} has schema version {found}, but this vtcode only knows versions up to {supported}; it was written by a newer vtcode. Upgrade vtcode (the database was not changed)",
        path.display()
    )]
    TooNew {
        path: PathBuf,
        found: u32,
        supported: u32,
    },
    #[error("migration {version} ({name}) failed on {}: {source}", path.display())]
    Migration {
        path: PathBuf,
        version: u32,
        name: &'static str,
        #[source]
        source: rusqlite::Error,
    },
    #[error("database error on {}: {source}", path.display())]
    Sqlite {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
}

/// The project database.
#[derive(Debug)]
pub struct Store {
    conn: Mutex<Connection>,
    /// `:memory:` for an in-memory store; used in error messages.
    path: PathBuf,
}

impl Store {
    /// Opens (creating if needed) the database at `path` and migrates it.
    pub fn open(path: impl AsRef<Path>) -> Result<Store, StoreError> {
        let path = path.as_ref();
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|source| StoreError::CreateDir {
                path: parent.to_path_buf(),
                source,
            })?;
        }
        check_header(path)?;
        let conn = Connection::open(path).map_err(|err| classify(path, err))?;
        Self::init(conn, path.to_path_buf(), true)
    }

    /// A private, throwaway database with the full schema (tests, `--catalog`).
    pub fn open_in_memory() -> Result<Store, StoreError> {
        let path = PathBuf::from(":memory:");
        let conn = Connection::open_in_memory().map_err(|err| classify(&path, err))?;
        Self::init(conn, path, false)
    }

    fn init(mut conn: Connection, path: PathBuf, on_disk: bool) -> Result<Store, StoreError> {
        let fail = |err| classify(&path, err);
        conn.busy_timeout(BUSY_TIMEOUT).map_err(fail)?;
        // Read the version before changing anything, so a newer database
        // is refused exactly as it was found.
        let found: u32 = conn
            .pragma_query_value(None, "user_version", |row| row.get(0))
            .map_err(fail)?;
        let supported = migrations::latest_version();
        if found > supported {
            return Err(StoreError::TooNew {
                path,
                found,
                supported,
            });
        }
        if on_disk {
            use_wal(&conn).map_err(fail)?;
            conn.pragma_update(None, "synchronous", "NORMAL")
                .map_err(fail)?;
        }
        conn.pragma_update(None, "foreign_keys", true)
            .map_err(fail)?;
        migrate(&mut conn, &path, found)?;
        Ok(Store {
            conn: Mutex::new(conn),
            path,
        })
    }

    /// Where the database lives (`:memory:` for an in-memory store).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The schema version of the open database.
    pub fn schema_version(&self) -> Result<u32, StoreError> {
        self.with_conn(|conn| conn.pragma_query_value(None, "user_version", |row| row.get(0)))
    }

    /// Runs `f` with the connection held exclusively; the building block
    /// for every typed API on the store.
    pub fn with_conn<T>(
        &self,
        f: impl FnOnce(&Connection) -> rusqlite::Result<T>,
    ) -> Result<T, StoreError> {
        let conn = self.lock();
        f(&conn).map_err(|err| classify(&self.path, err))
    }

    /// A panic inside another caller's closure leaves the connection itself
    /// intact (SQLite rolls back an unfinished transaction), so a poisoned
    /// lock is safe to reuse.
    fn lock(&self) -> MutexGuard<'_, Connection> {
        self.conn
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Refuses a file that exists but does not start like a SQLite database,
/// before SQLite gets a chance to touch it.
fn check_header(path: &Path) -> Result<(), StoreError> {
    use std::io::Read;
    let Ok(mut file) = std::fs::File::open(path) else {
        return Ok(());
    };
    let mut header = Vec::with_capacity(SQLITE_HEADER.len());
    let read = file
        .by_ref()
        .take(SQLITE_HEADER.len() as u64)
        .read_to_end(&mut header);
    match read {
        Ok(0) => Ok(()),
        Ok(_) if header == SQLITE_HEADER => Ok(()),
        Ok(_) => Err(StoreError::NotADatabase {
            path: path.to_path_buf(),
            detail: "the file is not an SQLite database".to_owned(),
        }),
        Err(err) => Err(StoreError::NotADatabase {
            path: path.to_path_buf(),
            detail: format!("cannot read it: {err}"),
        }),
    }
}

fn classify(path: &Path, err: rusqlite::Error) -> StoreError {
    match err.sqlite_error_code() {
        Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => StoreError::NotADatabase {
            path: path.to_path_buf(),
            detail: format!("SQLite reports: {err}"),
        },
        _ => StoreError::Sqlite {
            path: path.to_path_buf(),
            source: err,
        },
    }
}

/// Applies each pending migration in its own transaction, together with
/// the `user_version` bump, so a failure leaves the previous version intact.
/// The transaction takes the write lock before re-reading the version, so
/// two vtcode processes opening a fresh database never both apply a step.
/// Switches the database to WAL. The switch needs the file to itself for a
/// moment, a lock SQLite does not wait for with the busy handler: several
/// processes opening a new database at once get "database is locked" at
/// once. So wait here, as long as the busy timeout.
fn use_wal(conn: &Connection) -> rusqlite::Result<()> {
    let deadline = std::time::Instant::now() + BUSY_TIMEOUT;
    loop {
        match conn
            .pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get::<_, String>(0))
        {
            Err(rusqlite::Error::SqliteFailure(err, _))
                if err.code == ErrorCode::DatabaseBusy && std::time::Instant::now() < deadline =>
            {
                std::thread::sleep(Duration::from_millis(5));
            }
            other => return other.map(drop),
        }
    }
}

fn migrate(conn: &mut Connection, path: &Path, found: u32) -> Result<(), StoreError> {
    for migration in MIGRATIONS.iter().filter(|m| m.version > found) {
        let fail = |source| match classify(path, source) {
            StoreError::Sqlite { source, .. } => StoreError::Migration {
                path: path.to_path_buf(),
                version: migration.version,
                name: migration.name,
                source,
            },
            other => other,
        };
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(fail)?;
        let current: u32 = tx
            .pragma_query_value(None, "user_version", |row| row.get(0))
            .map_err(fail)?;
        if current >= migration.version {
            continue;
        }
        tx.execute_batch(migration.sql).map_err(fail)?;
        tx.pragma_update(None, "user_version", migration.version)
            .map_err(fail)?;
        tx.commit().map_err(fail)?;
    }
    Ok(())
}
