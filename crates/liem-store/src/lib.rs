//! Liêm's storage: one interface over SQLite (embedded, one office) and
//! PostgreSQL (a province or the nation), each with its own migrations.
//!
//! Writes go through a [`Tx`]; every mutating function in this crate appends
//! its audit record ([`audit`]) and change-feed entry ([`outbox`]) inside that
//! same transaction, so a committed change is always audited and a rolled-back
//! one never is.

pub mod audit;
pub mod calendar;
pub mod cases;
pub mod committee;
pub mod counters;
pub mod db;
pub mod deadlines;
pub mod guards;
pub mod hotspots;
pub mod keys;
pub mod outbox;
pub mod petitions;
pub mod public;
pub mod reception;
pub mod screening;
pub mod stats;
pub mod testing;
pub mod units;
pub mod users;

use db::{AsExec, Dialect, Exec};
use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, Postgres, Sqlite, SqlitePool, Transaction};
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

/// A storage failure.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The record does not exist (or is outside the caller's scope).
    #[error("not found")]
    NotFound,
    /// A uniqueness rule was broken; names the constraint or field.
    #[error("conflict: {0}")]
    Conflict(String),
    /// A stored value could not be read back.
    #[error("corrupt data: {0}")]
    Corrupt(String),
    /// The database could not be opened or configured.
    #[error("configuration: {0}")]
    Config(String),
    /// A migration failed.
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A text value held the NUL character (refused on both databases).
    #[error("a text holds the NUL character")]
    Nul,
    /// The database reported an error.
    #[error("database error: {0}")]
    Database(sqlx::Error),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::RowNotFound => StoreError::NotFound,
            sqlx::Error::Database(d) if d.is_unique_violation() => {
                StoreError::Conflict(d.constraint().unwrap_or("unique").to_owned())
            }
            _ => StoreError::Database(e),
        }
    }
}

/// Shorthand for store results.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

#[derive(Clone)]
enum Pools {
    Sqlite {
        /// One connection: SQLite has one writer; serialising in the pool
        /// avoids busy errors between our own writers.
        write: SqlitePool,
        read: SqlitePool,
    },
    Postgres(PgPool),
}

/// A handle on the database; cheap to clone.
#[derive(Clone)]
pub struct Store {
    pools: Pools,
    chain: std::sync::Arc<audit::Chain>,
    counters: std::sync::Arc<counters::KnownCounters>,
}

/// A pooled read connection.
pub enum Conn {
    /// SQLite.
    Sqlite(PoolConnection<Sqlite>),
    /// PostgreSQL.
    Postgres(PoolConnection<Postgres>),
}

impl AsExec for Conn {
    fn as_exec(&mut self) -> Exec<'_> {
        match self {
            Conn::Sqlite(c) => Exec::Sqlite(c),
            Conn::Postgres(c) => Exec::Postgres(c),
        }
    }
}

/// Rows written, by the register record (entity, id) they belong to: the
/// table and the row as text.
type Captured = std::collections::BTreeMap<(String, String), Vec<(&'static str, String)>>;

/// The first columns of the row that says how many counters a group's
/// statement moved (`p` = -1, no record).
const GUARD_ROW: &str = "CAST(-1 AS BIGINT) AS p, NULL AS k";

/// Rows to insert into one table ([`Tx::insert_rows`]).
pub(crate) struct Insert {
    /// `INSERT INTO table (columns)`.
    pub into: &'static str,
    /// Columns a row.
    pub cols: usize,
    /// The rows' values, row after row.
    pub values: Vec<db::Value>,
    /// The register record kind the rows belong to.
    pub entity: &'static str,
    /// The table.
    pub table: &'static str,
    /// The column naming the record a row belongs to.
    pub key: &'static str,
}

/// A write transaction. Dropped without [`Tx::commit`], it rolls back.
///
/// The audit records of its changes are gathered as it runs and appended to
/// the chain at [`Tx::commit`], in one statement, with the digest of each
/// changed record's state as the transaction leaves it: the chain's head is
/// locked only for that append.
pub struct Tx {
    inner: TxInner,
    chain: std::sync::Arc<audit::Chain>,
    pending: Vec<audit::Pending>,
    touched: std::collections::BTreeSet<(String, String)>,
    changes: Vec<outbox::PendingChange>,
    /// The rows written while capturing ([`Tx::capture_rows`]), by the
    /// register record they belong to: the table and the row as text.
    captured: Option<Captured>,
    /// The records whose whole state the captured rows hold ([`Tx::vouch`]).
    vouched: std::collections::BTreeSet<(String, String)>,
    /// The chain's head once this transaction's records are appended: the
    /// node's known head after the commit.
    head_after: Option<(i64, String)>,
    /// The reference counters as this node last committed them.
    counters: std::sync::Arc<counters::KnownCounters>,
    /// Counters moved from their known values, not yet checked in the
    /// database: the next [`Tx::insert_rows`] checks them in its statement,
    /// or the commit before it appends ([`counters`]).
    guard: Option<counters::Guard>,
    /// Each counter's value once this transaction commits.
    counters_after: Vec<(counters::Key, i64)>,
}

enum TxInner {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
}

impl AsExec for Tx {
    fn as_exec(&mut self) -> Exec<'_> {
        match &mut self.inner {
            TxInner::Sqlite(t) => Exec::Sqlite(t),
            TxInner::Postgres(t) => Exec::Postgres(t),
        }
    }
}

impl Tx {
    /// Appends the transaction's audit records to the chain, then commits;
    /// the change and its records are durable when this returns.
    pub async fn commit(mut self) -> Result<()> {
        // Counters numbered from their known values and not checked yet.
        self.check_guard().await?;
        // The change feed and the chain (the head locked from its append
        // to the commit).
        audit::flush(&mut self).await?;
        let head = self.head_after.take();
        let counters = std::mem::take(&mut self.counters_after);
        match self.inner {
            TxInner::Sqlite(t) => t.commit().await?,
            TxInner::Postgres(t) => t.commit().await?,
        }
        if let Some(head) = head {
            self.chain.remember_head(head);
        }
        self.counters.remember(&counters);
        Ok(())
    }

    /// From here on, the statements that write a letter, its matters and
    /// their parts at intake return the rows they write, so that the state
    /// digests of records created whole in this transaction need no read at
    /// commit ([`Tx::vouch`]): that read is an index scan per part of each
    /// record (fifteen for a letter and its matter), and on PostgreSQL a
    /// round trip, while the group holds the counters.
    pub fn capture_rows(&mut self) {
        if self.captured.is_none() {
            self.captured = Some(Default::default());
        }
    }

    /// Whether the rows written are captured.
    pub(crate) fn capturing(&self) -> bool {
        self.captured.is_some()
    }

    /// A row written for a register record, while capturing.
    pub(crate) fn captured(&mut self, entity: &str, id: String, table: &'static str, row: String) {
        if let Some(c) = &mut self.captured {
            c.entry((entity.to_owned(), id))
                .or_default()
                .push((table, row));
        }
    }

    /// Runs inserts of rows, each row belonging to the register record of
    /// its part's `entity` named by the part's column `key`; while
    /// capturing, the rows as written are kept for their records. On
    /// PostgreSQL the parts go in one statement (data-modifying `WITH`
    /// parts, checked together at its end): one round trip instead of one
    /// a part while the group holds the counters; on SQLite in one run of
    /// statements.
    pub(crate) async fn insert_rows(&mut self, parts: Vec<Insert>) -> Result<()> {
        let mut parts: Vec<Insert> = parts.into_iter().filter(|p| !p.values.is_empty()).collect();
        if parts.is_empty() {
            return Ok(());
        }
        let total: usize = parts.iter().map(|p| p.values.len()).sum();
        let guard_params = self.guard.as_ref().map_or(0, |g| g.moves.len() * 5);
        if parts.len() == 1 || total + guard_params > db::MAX_PARAMS {
            self.check_guard().await?;
            for part in parts {
                self.insert_part(part).await?;
            }
            return Ok(());
        }
        let capturing = self.capturing();
        let dialect = self.dialect();
        // Counters numbered from their known values move in the same
        // statement (or run), checked there: first, so that its parameters
        // come first.
        let guard = self.guard.take();
        let mut values: Vec<db::Value> = Vec::new();
        let guard_sql = guard.as_ref().map(|g| {
            values.extend(g.values());
            g.sql(dialect, 1)
        });
        let mut sqls = Vec::with_capacity(parts.len());
        for (i, p) in parts.iter_mut().enumerate() {
            let rows = db::values_rows(p.values.len() / p.cols, p.cols, values.len() + 1);
            let returning = self.returning(p, i).await?;
            sqls.push(format!("{} VALUES {rows}{returning}", p.into));
            values.append(&mut p.values);
        }
        let sql = if dialect == Dialect::Sqlite {
            // One run of statements, handed to the connection's thread at
            // once: each statement is a hand-over between the async runtime
            // and that thread, which wakes the other side (on a virtual
            // machine, 0.1–0.2 ms a hand-over measured, against 0.2 ms for
            // the commit's sync). Numbered parameters are shared across the
            // statements. The counters' move says how many rows it changed
            // right after it.
            let mut run = Vec::with_capacity(sqls.len() + 2);
            if let Some(g) = guard_sql {
                run.push(g);
                run.push(format!("SELECT {GUARD_ROW}, CAST(changes() AS TEXT) AS r"));
            }
            run.extend(sqls);
            run.join(";\n")
        } else if capturing || guard_sql.is_some() {
            let mut with: Vec<String> = Vec::with_capacity(sqls.len() + 1);
            let mut select: Vec<String> = Vec::with_capacity(sqls.len() + 1);
            for (i, s) in sqls.iter().enumerate() {
                with.push(format!("p{i} AS ({s})"));
                if capturing {
                    select.push(format!("SELECT p, k, r FROM p{i}"));
                }
            }
            if let Some(g) = guard_sql {
                with.insert(0, format!("g AS ({g})"));
                select.push(format!(
                    "SELECT {GUARD_ROW}, CAST(COUNT(*) AS TEXT) AS r FROM g"
                ));
            }
            format!("WITH {} {}", with.join(", "), select.join(" UNION ALL "))
        } else {
            let with: Vec<String> = sqls[1..]
                .iter()
                .enumerate()
                .map(|(i, s)| format!("p{i} AS ({s})"))
                .collect();
            format!("WITH {} {}", with.join(", "), sqls[0])
        };
        self.run_parts(sql, values, &parts, guard).await
    }

    /// Moves the counters numbered from their known values, when some are
    /// pending, in a statement of its own (before the counters are taken
    /// in the database or the transaction commits).
    pub(crate) async fn check_guard(&mut self) -> Result<()> {
        let Some(guard) = self.guard.take() else {
            return Ok(());
        };
        let sql = guard.sql(self.dialect(), 1);
        match db::query(sql).bind_all(guard.values()).execute(self).await {
            Ok(n) => self.guard_held(&guard, n),
            Err(e) => {
                self.counters.miss(&guard.keys());
                Err(e)
            }
        }
    }

    /// Whether the statement that moved the counters moved each of them
    /// (`moved` rows changed): if not, another writer moved one since this
    /// node knew it, the rows numbered from it may carry numbers taken, and
    /// the transaction must not commit.
    fn guard_held(&mut self, guard: &counters::Guard, moved: u64) -> Result<()> {
        if moved == guard.moves.len() as u64 {
            self.counters.hit();
            return Ok(());
        }
        self.counters.miss(&guard.keys());
        Err(StoreError::Conflict(
            "the reference counters moved while the letters were numbered; try again".into(),
        ))
    }

    /// Each counter's value as this transaction leaves it so far, or as
    /// this node last committed it: `None` when one is not known (or a
    /// guess failed lately).
    pub(crate) fn known_counters(&self, keys: &[counters::Key]) -> Option<Vec<i64>> {
        let node = self.counters.known(keys);
        keys.iter()
            .enumerate()
            .map(|(i, k)| {
                self.counters_after
                    .iter()
                    .rev()
                    .find(|(key, _)| key == k)
                    .map(|(_, v)| *v)
                    .or_else(|| node.as_ref().map(|n| n[i]))
            })
            .collect()
    }

    /// Counters moved from the values [`Tx::known_counters`] gave (counter,
    /// value known, value after), to be checked in the next statement that
    /// writes rows ([`Tx::insert_rows`]) or before the commit.
    pub(crate) fn guard_counters(&mut self, moves: Vec<(counters::Key, i64, i64)>) {
        let guard = self.guard.get_or_insert_with(Default::default);
        for (key, known, after) in moves {
            self.counters_after.push((key, after));
            match guard.moves.iter_mut().find(|(k, _, _)| *k == key) {
                Some(m) => m.2 = after,
                None => guard.moves.push((key, known, after)),
            }
        }
    }

    /// Counters taken in the database, at the values they now hold.
    pub(crate) fn took_counters(&mut self, taken: Vec<(counters::Key, i64)>) {
        self.counters_after.extend(taken);
    }

    /// While capturing, what an insert of the `i`-th part returns: the
    /// part's index (`p`), its record (`k`) and the row's text as the
    /// state digests read it (`r`: over alias `t` there, the inserted row
    /// here); nothing otherwise.
    async fn returning(&mut self, p: &Insert, i: usize) -> Result<String> {
        if !self.capturing() {
            return Ok(String::new());
        }
        let text = match self.dialect() {
            Dialect::Postgres => format!("row_to_json({})::text", p.table),
            Dialect::Sqlite => {
                let chain = self.chain.clone();
                audit::state::row_text(&chain, self, p.table)
                    .await?
                    .replace("t.\"", "\"")
            }
        };
        Ok(format!(
            " RETURNING CAST({i} AS BIGINT) AS p, {} AS k, {text} AS r",
            p.key
        ))
    }

    /// Runs the parts' statement (or run of statements) and, while
    /// capturing, keeps each returned row for its record; checks the
    /// counters' move that went with it.
    async fn run_parts(
        &mut self,
        sql: String,
        values: Vec<db::Value>,
        parts: &[Insert],
        guard: Option<counters::Guard>,
    ) -> Result<()> {
        let q = db::query(sql).bind_all(values);
        if !self.capturing() && guard.is_none() {
            q.execute(self).await?;
            return Ok(());
        }
        let rows = match q.fetch_all(self).await {
            Ok(rows) => rows,
            Err(e) => {
                if let Some(g) = &guard {
                    self.counters.miss(&g.keys());
                }
                return Err(e);
            }
        };
        let mut moved = None;
        for r in rows {
            let p = r.i64("p")?;
            if p == -1 {
                moved = r.text("r")?.parse::<u64>().ok();
                continue;
            }
            let Some(part) = usize::try_from(p).ok().and_then(|i| parts.get(i)) else {
                continue;
            };
            let id = r.uuid("k")?.to_string();
            self.captured(part.entity, id, part.table, r.text("r")?);
        }
        match guard {
            Some(g) => self.guard_held(&g, moved.unwrap_or(0)),
            None => Ok(()),
        }
    }

    /// One part in a statement of its own.
    async fn insert_part(&mut self, mut p: Insert) -> Result<()> {
        let rows = db::values_rows(p.values.len() / p.cols, p.cols, 1);
        let returning = self.returning(&p, 0).await?;
        let sql = format!("{} VALUES {rows}{returning}", p.into);
        let values = std::mem::take(&mut p.values);
        self.run_parts(sql, values, std::slice::from_ref(&p), None)
            .await
    }

    /// Says that this transaction created the record and wrote every row
    /// of its state while capturing, and that nothing after changes it:
    /// its state digest is then computed from the rows captured. The caller
    /// vouches for it; debug builds read the record again at commit and
    /// stop on any difference, so every test checks the claim.
    pub fn vouch(&mut self, entity: &str, id: &str) {
        if self.captured.is_some() {
            self.vouched.insert((entity.to_owned(), id.to_owned()));
        }
    }

    /// The dialect.
    pub fn dialect(&self) -> Dialect {
        match self.inner {
            TxInner::Sqlite(_) => Dialect::Sqlite,
            TxInner::Postgres(_) => Dialect::Postgres,
        }
    }
}

/// Creates `path` empty with mode 0600 when it does not exist (on Unix).
fn private_file(path: &Path) -> Result<()> {
    if path.exists() {
        return Ok(());
    }
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    match opts.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(StoreError::Config(format!(
            "cannot create {}: {e}",
            path.display()
        ))),
    }
}

/// Where the database is.
#[derive(Debug, Clone)]
pub enum Location {
    /// An SQLite file.
    SqliteFile(std::path::PathBuf),
    /// A PostgreSQL URL, optionally with a schema to use as `search_path`.
    Postgres {
        /// `postgres://…`
        url: String,
        /// Schema (tests use a fresh one each).
        schema: Option<String>,
    },
}

/// The constraint a transfer clashed with: a letter's number was unique per
/// unit holding it, so a letter could not move to a unit that had a letter
/// of the same year and number (the reference, which names the registering
/// unit, is unique on its own). SQLite cannot drop a table constraint, nor
/// rebuild a table other tables refer to with foreign keys enforced, inside
/// a migration's transaction; so the store rebuilds the table here, once,
/// as SQLite's documentation prescribes: foreign keys off, the copy, the
/// indexes again, a foreign-key check, all in one transaction.
const LETTERS_UNIT_NUMBERING: &str = ",\n    UNIQUE (unit_id, ref_year, ref_seq)\n";

async fn drop_letters_unit_numbering(pool: &sqlx::SqlitePool) -> Result<()> {
    use sqlx::{Executor, Row as _};
    let mut c = pool.acquire().await?;
    let Some(sql): Option<String> = sqlx::query_scalar(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'letters'",
    )
    .fetch_optional(&mut *c)
    .await?
    else {
        return Ok(());
    };
    if !sql.contains(LETTERS_UNIT_NUMBERING) {
        return Ok(());
    }
    let rebuilt = sql.replacen(LETTERS_UNIT_NUMBERING, "\n", 1).replacen(
        "CREATE TABLE letters",
        "CREATE TABLE letters_rebuilt",
        1,
    );
    let indexes: Vec<String> = sqlx::query(
        "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'letters' AND sql IS NOT NULL",
    )
    .fetch_all(&mut *c)
    .await?
    .iter()
    .map(|r| r.get::<String, _>("sql"))
    .collect();
    c.execute("PRAGMA foreign_keys = OFF").await?;
    let done = async {
        c.execute("BEGIN IMMEDIATE").await?;
        c.execute(rebuilt.as_str()).await?;
        c.execute("INSERT INTO letters_rebuilt SELECT * FROM letters")
            .await?;
        c.execute("DROP TABLE letters").await?;
        c.execute("ALTER TABLE letters_rebuilt RENAME TO letters")
            .await?;
        for i in &indexes {
            c.execute(i.as_str()).await?;
        }
        let broken = sqlx::query("PRAGMA foreign_key_check")
            .fetch_all(&mut *c)
            .await?;
        if !broken.is_empty() {
            c.execute("ROLLBACK").await?;
            return Err(StoreError::Corrupt(format!(
                "rebuilding the letters table would break {} foreign keys",
                broken.len()
            )));
        }
        c.execute("COMMIT").await?;
        Ok(())
    }
    .await;
    if done.is_err() {
        let _ = c.execute("ROLLBACK").await;
    }
    c.execute("PRAGMA foreign_keys = ON").await?;
    done
}

impl Store {
    /// Opens the database; on SQLite, creates the file and applies
    /// migrations (PostgreSQL is migrated by `liem migrate` or
    /// [`Store::migrate`]). `keys` extend and check the audit chain: they
    /// come from the instance key and are never stored in the database.
    pub async fn open(loc: &Location, keys: audit::AuditKeys) -> Result<Store> {
        match loc {
            Location::SqliteFile(path) => Self::open_sqlite(path, keys).await,
            Location::Postgres { url, schema } => {
                Self::open_postgres(url, schema.as_deref(), keys).await
            }
        }
    }

    /// The keys of the audit chain.
    pub fn audit_keys(&self) -> &audit::AuditKeys {
        self.chain.keys()
    }

    /// The audit chain's keys and readers, for verification.
    pub fn chain(&self) -> &audit::Chain {
        &self.chain
    }

    /// The reference counters this node knows ([`counters`]).
    pub fn counters(&self) -> &counters::KnownCounters {
        &self.counters
    }

    async fn open_sqlite(path: &Path, keys: audit::AuditKeys) -> Result<Store> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| StoreError::Config(format!("cannot create {}: {e}", dir.display())))?;
        }
        // Readable by the owner only; SQLite gives its WAL and shared-memory
        // files the database file's mode.
        private_file(path)?;
        let opts = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // FULL: an acknowledged commit survives power loss, not only a crash.
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            .pragma("cache_size", "-32000");
        // No ping when a connection is handed out: the database is a file
        // in this process (the pool still pings it when taken back), and a
        // ping is a round trip to the connection's thread.
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            .test_before_acquire(false)
            .connect_with(opts.clone())
            .await?;
        SQLITE_MIGRATIONS.run(&write).await?;
        drop_letters_unit_numbering(&write).await?;
        let chain = std::sync::Arc::new(audit::Chain::new(keys, Dialect::Sqlite));
        let store = Store {
            pools: Pools::Sqlite {
                write: write.clone(),
                read: write.clone(),
            },
            chain: chain.clone(),
            counters: Default::default(),
        };
        store.seed_reference_lists().await?;
        // The readers keep a smaller page cache each (8 MB, the writer 32):
        // the statistics model and the search index answer the large reads,
        // and the operating system caches the file for all of them; four
        // 32 MB caches made a node at a million letters hold 400 MiB.
        let read = SqlitePoolOptions::new()
            .max_connections(4)
            .test_before_acquire(false)
            .connect_with(opts.read_only(true).pragma("cache_size", "-8000"))
            .await?;
        Ok(Store {
            pools: Pools::Sqlite { write, read },
            chain,
            counters: store.counters,
        })
    }

    async fn open_postgres(
        url: &str,
        schema: Option<&str>,
        keys: audit::AuditKeys,
    ) -> Result<Store> {
        if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
            return Err(StoreError::Config(
                "database URL must start with postgres:// or postgresql://".into(),
            ));
        }
        let mut opts = PgConnectOptions::from_str(url)
            .map_err(|e| StoreError::Config(format!("invalid PostgreSQL URL: {e}")))?;
        // UTC, so that a record's state reads the same from every session
        // (the audit chain's digests of the registers' rows).
        opts = opts.options([("TimeZone", "UTC")]);
        // No just-in-time compilation: at ten million letters the planner's
        // costs pass its threshold for a province's watch list, and
        // compiling the plan took 50 ms of an 86 ms query that runs in 3 ms
        // without it. Liêm's statements are short; the long counts run
        // only while a node loads its model.
        opts = opts.options([("jit", "off")]);
        if let Some(s) = schema {
            opts = opts.options([("search_path", s)]);
        }
        let pool = PgPoolOptions::new()
            .max_connections(10)
            .acquire_timeout(Duration::from_secs(10))
            // The pool pings every connection it takes back; pinging it
            // again when it is handed out cost one more round trip per
            // request. Only a connection idle for a while is tried first
            // (the server may have closed it meanwhile).
            .test_before_acquire(false)
            .before_acquire(|conn, meta| {
                Box::pin(async move {
                    if meta.idle_for > IDLE_BEFORE_PING {
                        sqlx::Connection::ping(conn).await?;
                    }
                    Ok(true)
                })
            })
            .connect_with(opts)
            .await?;
        let chain = std::sync::Arc::new(audit::Chain::new(keys, Dialect::Postgres));
        Ok(Store {
            pools: Pools::Postgres(pool),
            chain,
            counters: Default::default(),
        })
    }

    /// Applies pending migrations.
    pub async fn migrate(&self) -> Result<()> {
        match &self.pools {
            Pools::Sqlite { write, .. } => {
                SQLITE_MIGRATIONS.run(write).await?;
                drop_letters_unit_numbering(write).await?;
            }
            Pools::Postgres(p) => POSTGRES_MIGRATIONS.run(p).await?,
        }
        self.chain.forget_columns();
        self.seed_reference_lists().await
    }

    /// Inserts the default reference lists (fields) when they are empty.
    async fn seed_reference_lists(&self) -> Result<()> {
        let mut tx = self.begin().await?;
        let n = db::query("SELECT COUNT(*) AS n FROM fields")
            .fetch_one(&mut tx)
            .await?
            .i64("n")?;
        if n == 0 {
            let actor = audit::Actor::system("migrate");
            for (code, vi, en) in liem_domain::petition::DEFAULT_FIELDS {
                petitions::upsert_field(&mut tx, &actor, code, vi, en).await?;
            }
        }
        tx.commit().await
    }

    /// The dialect of this store.
    pub fn dialect(&self) -> Dialect {
        match &self.pools {
            Pools::Sqlite { .. } => Dialect::Sqlite,
            Pools::Postgres(_) => Dialect::Postgres,
        }
    }

    /// A connection for reads.
    pub async fn conn(&self) -> Result<Conn> {
        Ok(match &self.pools {
            Pools::Sqlite { read, .. } => Conn::Sqlite(read.acquire().await?),
            Pools::Postgres(p) => Conn::Postgres(p.acquire().await?),
        })
    }

    /// Starts a write transaction.
    pub async fn begin(&self) -> Result<Tx> {
        let inner = match &self.pools {
            Pools::Sqlite { write, .. } => TxInner::Sqlite(write.begin().await?),
            Pools::Postgres(p) => TxInner::Postgres(p.begin().await?),
        };
        Ok(Tx {
            inner,
            chain: self.chain.clone(),
            pending: Vec::new(),
            touched: Default::default(),
            changes: Vec::new(),
            captured: None,
            vouched: Default::default(),
            head_after: None,
            counters: self.counters.clone(),
            guard: None,
            counters_after: Vec::new(),
        })
    }

    /// Whether the database answers.
    pub async fn ping(&self) -> Result<()> {
        let mut c = self.conn().await?;
        db::query("SELECT 1").execute(&mut c).await?;
        Ok(())
    }

    /// Writes a consistent copy of an SQLite database to `dest`
    /// (`VACUUM INTO`); not available on PostgreSQL (use `pg_dump`).
    pub async fn backup_sqlite(&self, dest: &Path) -> Result<()> {
        match &self.pools {
            Pools::Sqlite { write, .. } => {
                let mut c = write.acquire().await?;
                // An empty file of the owner's only, which VACUUM INTO fills.
                if dest.exists() {
                    return Err(StoreError::Config(format!(
                        "{} exists; a backup is never written over a file",
                        dest.display()
                    )));
                }
                private_file(dest)?;
                let dest = dest.to_string_lossy().replace('\'', "''");
                sqlx::query(&format!("VACUUM INTO '{dest}'"))
                    .execute(&mut *c)
                    .await?;
                Ok(())
            }
            Pools::Postgres(_) => Err(StoreError::Config(
                "use pg_dump to back up a PostgreSQL database".into(),
            )),
        }
    }

    /// Closes every connection (checkpointing SQLite's WAL).
    pub async fn close(&self) {
        match &self.pools {
            Pools::Sqlite { write, read } => {
                read.close().await;
                write.close().await;
            }
            Pools::Postgres(p) => p.close().await,
        }
    }
}

/// How long a PostgreSQL connection may sit idle in the pool before it is
/// pinged when handed out.
const IDLE_BEFORE_PING: Duration = Duration::from_secs(30);

/// The current instant, truncated to microseconds: what PostgreSQL keeps,
/// so that a value reads back exactly as written (the audit hash needs it).
pub fn now() -> jiff::Timestamp {
    let micros = jiff::Timestamp::now().as_microsecond();
    jiff::Timestamp::from_microsecond(micros).expect("current time is in range")
}
