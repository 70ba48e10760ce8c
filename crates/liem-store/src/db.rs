//! One query layer over both databases.
//!
//! SQL is written once, with `$1, $2…` placeholders (both SQLite and
//! PostgreSQL accept them), and bound with native types on each side: UUIDs
//! as `uuid` in PostgreSQL and 16-byte blobs in SQLite, dates as `date` and
//! ISO text, and so on. Where the dialects differ, code asks
//! [`Exec::dialect`]. This keeps one implementation of every query while each
//! database keeps its own schema and migrations.

use crate::StoreError;
use jiff_sqlx::ToSqlx;
use sqlx::postgres::{PgArguments, PgRow};
use sqlx::sqlite::{SqliteArguments, SqliteRow};
use sqlx::{PgConnection, Postgres, Sqlite, SqliteConnection};
use std::borrow::Cow;
use uuid::Uuid;

/// Which SQL dialect a connection speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// SQLite 3.
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

/// A unit path (or a subtree's `LIKE` pattern) as an SQL literal, when it
/// is made only of what the system puts in paths (ASCII letters, digits,
/// `/`, `-`, `_`, and the pattern's `%`): the planner then estimates a
/// scope from the units' statistics, every time. Bound as a parameter, a
/// scope becomes, after five executions of a prepared statement on
/// PostgreSQL, a generic plan's guess (17 units for a province of 3,356).
/// Anything else is `None`, and is bound.
pub(crate) fn path_literal(value: &str) -> Option<String> {
    let safe = !value.is_empty()
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '-' | '_' | '%'));
    safe.then(|| format!("'{value}'"))
}

/// The condition that a unit path column (`col`) lies in a scope, and the
/// value to bind as `$n` when the path is not written into the condition
/// ([`path_literal`]); `None` for the empty scope.
pub(crate) fn path_scope(
    scope: &liem_domain::role::Scope,
    col: &str,
    n: usize,
) -> Option<(String, Option<String>)> {
    use liem_domain::role::Scope;
    let (op, value) = match scope {
        Scope::None => return None,
        Scope::Unit(p) => ("=", p.clone()),
        Scope::Subtree(p) => ("LIKE", format!("{p}%")),
    };
    Some(match path_literal(&value) {
        Some(lit) => (format!("{col} {op} {lit}"), None),
        None => (format!("{col} {op} ${n}"), Some(value)),
    })
}

/// A value to bind, typed so that NULLs carry their SQL type too.
#[derive(Debug, Clone)]
pub enum Value {
    /// A UUID.
    Uuid(Option<Uuid>),
    /// Text.
    Text(Option<String>),
    /// A 64-bit integer.
    I64(Option<i64>),
    /// A boolean.
    Bool(Option<bool>),
    /// A civil date.
    Date(Option<jiff::civil::Date>),
    /// An instant.
    Timestamp(Option<jiff::Timestamp>),
    /// Bytes.
    Bytes(Option<Vec<u8>>),
}

macro_rules! value_from {
    ($t:ty, $variant:ident) => {
        impl From<$t> for Value {
            fn from(v: $t) -> Self {
                Value::$variant(Some(v.into()))
            }
        }
        impl From<Option<$t>> for Value {
            fn from(v: Option<$t>) -> Self {
                Value::$variant(v.map(Into::into))
            }
        }
    };
}
value_from!(Uuid, Uuid);
value_from!(String, Text);
value_from!(&str, Text);
value_from!(i64, I64);
value_from!(bool, Bool);
value_from!(jiff::civil::Date, Date);
value_from!(jiff::Timestamp, Timestamp);
value_from!(Vec<u8>, Bytes);

impl From<&String> for Value {
    fn from(v: &String) -> Self {
        Value::Text(Some(v.clone()))
    }
}

impl From<Option<&String>> for Value {
    fn from(v: Option<&String>) -> Self {
        Value::Text(v.cloned())
    }
}

/// A statement and its bound values.
#[derive(Debug, Clone)]
pub struct Query {
    sql: Cow<'static, str>,
    params: Vec<Value>,
}

/// Parameters one statement (or, on SQLite, one run of statements) may
/// hold on both databases: SQLite's default limit (PostgreSQL's is 65,535).
pub const MAX_PARAMS: usize = 32_766;

/// The `VALUES` rows of a multi-row insert: `rows` rows of `cols`
/// placeholders each, numbered from `$first`.
pub fn values_rows(rows: usize, cols: usize, first: usize) -> String {
    (0..rows)
        .map(|r| {
            let marks: Vec<String> = (0..cols)
                .map(|c| format!("${}", first + r * cols + c))
                .collect();
            format!("({})", marks.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Starts a statement.
pub fn query(sql: impl Into<Cow<'static, str>>) -> Query {
    Query {
        sql: sql.into(),
        params: Vec::new(),
    }
}

/// A connection or transaction on one of the two databases.
pub enum Exec<'a> {
    /// SQLite.
    Sqlite(&'a mut SqliteConnection),
    /// PostgreSQL.
    Postgres(&'a mut PgConnection),
}

impl Exec<'_> {
    /// The dialect of this connection.
    pub fn dialect(&self) -> Dialect {
        match self {
            Exec::Sqlite(_) => Dialect::Sqlite,
            Exec::Postgres(_) => Dialect::Postgres,
        }
    }
}

/// Anything that can lend a connection for a statement.
pub trait AsExec: Send {
    /// Lends the connection.
    fn as_exec(&mut self) -> Exec<'_>;
}

fn bind_sqlite<'q>(
    mut q: sqlx::query::Query<'q, Sqlite, SqliteArguments<'q>>,
    params: Vec<Value>,
) -> sqlx::query::Query<'q, Sqlite, SqliteArguments<'q>> {
    for p in params {
        q = match p {
            Value::Uuid(v) => q.bind(v),
            Value::Text(v) => q.bind(v),
            Value::I64(v) => q.bind(v),
            Value::Bool(v) => q.bind(v),
            Value::Date(v) => q.bind(v.map(|d| d.to_sqlx())),
            Value::Timestamp(v) => q.bind(v.map(|t| t.to_sqlx())),
            Value::Bytes(v) => q.bind(v),
        };
    }
    q
}

fn bind_pg(
    mut q: sqlx::query::Query<'_, Postgres, PgArguments>,
    params: Vec<Value>,
) -> sqlx::query::Query<'_, Postgres, PgArguments> {
    for p in params {
        q = match p {
            Value::Uuid(v) => q.bind(v),
            Value::Text(v) => q.bind(v),
            Value::I64(v) => q.bind(v),
            Value::Bool(v) => q.bind(v),
            Value::Date(v) => q.bind(v.map(|d| d.to_sqlx())),
            Value::Timestamp(v) => q.bind(v.map(|t| t.to_sqlx())),
            Value::Bytes(v) => q.bind(v),
        };
    }
    q
}

impl Query {
    /// Refuses a text value holding NUL before it reaches either database:
    /// PostgreSQL cannot store it and SQLite would, so both refuse alike.
    fn checked(&self) -> Result<(), StoreError> {
        if self
            .params
            .iter()
            .any(|p| matches!(p, Value::Text(Some(t)) if t.contains('\0')))
        {
            return Err(StoreError::Nul);
        }
        Ok(())
    }

    /// Binds the next `$n`.
    pub fn bind(mut self, v: impl Into<Value>) -> Self {
        self.params.push(v.into());
        self
    }

    /// Binds the next `$n` when there is a value (a scope written into the
    /// statement has none: [`path_scope`]).
    pub fn bind_some(mut self, v: Option<impl Into<Value>>) -> Self {
        if let Some(v) = v {
            self.params.push(v.into());
        }
        self
    }

    /// Binds the next values in order.
    pub fn bind_all(mut self, values: Vec<Value>) -> Self {
        self.params.extend(values);
        self
    }

    /// Runs the statement; returns the number of rows affected.
    pub async fn execute(self, ex: &mut impl AsExec) -> Result<u64, StoreError> {
        self.checked()?;
        Ok(match ex.as_exec() {
            Exec::Sqlite(c) => bind_sqlite(sqlx::query(&sqlite_sql(&self.sql)), self.params)
                .execute(c)
                .await?
                .rows_affected(),
            Exec::Postgres(c) => bind_pg(sqlx::query(&self.sql), self.params)
                .execute(c)
                .await?
                .rows_affected(),
        })
    }

    /// Runs the statement and returns every row.
    pub async fn fetch_all(self, ex: &mut impl AsExec) -> Result<Vec<Row>, StoreError> {
        self.checked()?;
        Ok(match ex.as_exec() {
            Exec::Sqlite(c) => bind_sqlite(sqlx::query(&sqlite_sql(&self.sql)), self.params)
                .fetch_all(c)
                .await?
                .into_iter()
                .map(Row::Sqlite)
                .collect(),
            Exec::Postgres(c) => bind_pg(sqlx::query(&self.sql), self.params)
                .fetch_all(c)
                .await?
                .into_iter()
                .map(Row::Postgres)
                .collect(),
        })
    }

    /// Runs the statement and returns the first row, if any.
    pub async fn fetch_optional(self, ex: &mut impl AsExec) -> Result<Option<Row>, StoreError> {
        self.checked()?;
        Ok(match ex.as_exec() {
            Exec::Sqlite(c) => bind_sqlite(sqlx::query(&sqlite_sql(&self.sql)), self.params)
                .fetch_optional(c)
                .await?
                .map(Row::Sqlite),
            Exec::Postgres(c) => bind_pg(sqlx::query(&self.sql), self.params)
                .fetch_optional(c)
                .await?
                .map(Row::Postgres),
        })
    }

    /// Runs the statement and hands its rows to `each` as they arrive, up to
    /// `chunk` at a time: one pass over a large result (the statistics
    /// model's load), without holding it whole and without paging (a keyset
    /// page of a union evaluates the whole union again for every page).
    pub async fn fetch_chunks(
        self,
        ex: &mut impl AsExec,
        chunk: usize,
        mut each: impl FnMut(Vec<Row>) -> Result<(), StoreError> + Send,
    ) -> Result<(), StoreError> {
        use futures_util::TryStreamExt;
        self.checked()?;
        let chunk = chunk.max(1);
        let mut rows = Vec::with_capacity(chunk);
        match ex.as_exec() {
            Exec::Sqlite(c) => {
                let sql = sqlite_sql(&self.sql);
                let mut s = bind_sqlite(sqlx::query(&sql), self.params).fetch(c);
                while let Some(r) = s.try_next().await? {
                    rows.push(Row::Sqlite(r));
                    if rows.len() == chunk {
                        each(std::mem::replace(&mut rows, Vec::with_capacity(chunk)))?;
                    }
                }
            }
            Exec::Postgres(c) => {
                let mut s = bind_pg(sqlx::query(&self.sql), self.params).fetch(c);
                while let Some(r) = s.try_next().await? {
                    rows.push(Row::Postgres(r));
                    if rows.len() == chunk {
                        each(std::mem::replace(&mut rows, Vec::with_capacity(chunk)))?;
                    }
                }
            }
        }
        if !rows.is_empty() {
            each(rows)?;
        }
        Ok(())
    }

    /// Runs the statement and returns its one row, or `NotFound`.
    pub async fn fetch_one(self, ex: &mut impl AsExec) -> Result<Row, StoreError> {
        self.fetch_optional(ex).await?.ok_or(StoreError::NotFound)
    }
}

/// The statement as SQLite is given it: a long run of numbered
/// placeholders used once each in order (`$1, $2, …`, the many-row inserts)
/// becomes anonymous ones (`?`). SQLite looks a named placeholder up by a
/// walk of the statement's list of names, and the driver asks for every
/// placeholder's name when it binds, so binding a statement of n named
/// placeholders takes n² steps (a thousand-row insert of 29 columns: a
/// quarter of the demo's time); anonymous ones have no names to walk. Any
/// other statement is left as written. Quoted text and names are skipped.
pub(crate) fn sqlite_sql(sql: &str) -> Cow<'_, str> {
    if sql.bytes().filter(|b| *b == b'$').count() < 16 {
        return Cow::Borrowed(sql);
    }
    let b = sql.as_bytes();
    let mut out = String::with_capacity(sql.len());
    let (mut i, mut from, mut next) = (0, 0, 1u64);
    while i < b.len() {
        match b[i] {
            q @ (b'\'' | b'"') => {
                i += 1;
                while i < b.len() && b[i] != q {
                    i += 1;
                }
                i += 1;
            }
            b'$' => {
                let mut j = i + 1;
                let mut n = 0u64;
                while j < b.len() && b[j].is_ascii_digit() {
                    n = n * 10 + u64::from(b[j] - b'0');
                    j += 1;
                }
                if j == i + 1 || n != next {
                    return Cow::Borrowed(sql);
                }
                out.push_str(&sql[from..i]);
                out.push('?');
                next += 1;
                from = j;
                i = j;
            }
            _ => i += 1,
        }
    }
    out.push_str(&sql[from.min(sql.len())..]);
    Cow::Owned(out)
}

/// A result row from either database.
pub enum Row {
    /// From SQLite.
    Sqlite(SqliteRow),
    /// From PostgreSQL.
    Postgres(PgRow),
}

/// A Rust type that both drivers can decode.
pub trait Decodable:
    for<'r> sqlx::Decode<'r, Sqlite>
    + sqlx::Type<Sqlite>
    + for<'r> sqlx::Decode<'r, Postgres>
    + sqlx::Type<Postgres>
{
}

impl<T> Decodable for T where
    T: for<'r> sqlx::Decode<'r, Sqlite>
        + sqlx::Type<Sqlite>
        + for<'r> sqlx::Decode<'r, Postgres>
        + sqlx::Type<Postgres>
{
}

impl Row {
    /// Reads a column.
    pub fn get<T: Decodable>(&self, col: &str) -> Result<T, StoreError> {
        use sqlx::Row as _;
        match self {
            Row::Sqlite(r) => r.try_get(col),
            Row::Postgres(r) => r.try_get(col),
        }
        .map_err(|e| StoreError::Corrupt(format!("column {col}: {e}")))
    }

    /// Reads a UUID column.
    pub fn uuid(&self, col: &str) -> Result<Uuid, StoreError> {
        self.get(col)
    }

    /// Reads a nullable UUID column.
    pub fn opt_uuid(&self, col: &str) -> Result<Option<Uuid>, StoreError> {
        self.get(col)
    }

    /// Reads a text column.
    pub fn text(&self, col: &str) -> Result<String, StoreError> {
        self.get(col)
    }

    /// Reads a nullable text column.
    pub fn opt_text(&self, col: &str) -> Result<Option<String>, StoreError> {
        self.get(col)
    }

    /// Reads an integer column.
    pub fn i64(&self, col: &str) -> Result<i64, StoreError> {
        self.get(col)
    }

    /// Reads a boolean column.
    pub fn bool(&self, col: &str) -> Result<bool, StoreError> {
        self.get(col)
    }

    /// Reads a date column.
    pub fn date(&self, col: &str) -> Result<jiff::civil::Date, StoreError> {
        Ok(self.get::<jiff_sqlx::Date>(col)?.to_jiff())
    }

    /// Reads a nullable date column.
    pub fn opt_date(&self, col: &str) -> Result<Option<jiff::civil::Date>, StoreError> {
        Ok(self
            .get::<Option<jiff_sqlx::Date>>(col)?
            .map(|d| d.to_jiff()))
    }

    /// Reads an instant column.
    pub fn timestamp(&self, col: &str) -> Result<jiff::Timestamp, StoreError> {
        Ok(self.get::<jiff_sqlx::Timestamp>(col)?.to_jiff())
    }

    /// Reads a nullable instant column.
    pub fn opt_timestamp(&self, col: &str) -> Result<Option<jiff::Timestamp>, StoreError> {
        Ok(self
            .get::<Option<jiff_sqlx::Timestamp>>(col)?
            .map(|t| t.to_jiff()))
    }

    /// Reads a bytes column.
    pub fn bytes(&self, col: &str) -> Result<Vec<u8>, StoreError> {
        self.get(col)
    }

    /// Reads a text column and parses it as a code.
    pub fn code<T: std::str::FromStr>(&self, col: &str) -> Result<T, StoreError> {
        let s = self.text(col)?;
        s.parse()
            .map_err(|_| StoreError::Corrupt(format!("column {col}: unknown code {s:?}")))
    }
}

/// A SQL builder for dynamic filters: appends conditions and numbers the
/// placeholders.
#[derive(Debug, Default)]
pub struct Filter {
    conds: Vec<String>,
    params: Vec<Value>,
}

impl Filter {
    /// Adds a condition; each `?` in it becomes the next `$n` bound to the
    /// next value of `values`.
    pub fn and(&mut self, cond: &str, values: Vec<Value>) {
        let mut out = String::with_capacity(cond.len() + 8);
        let mut it = values.into_iter();
        for ch in cond.chars() {
            if ch == '?' {
                let v = it.next().expect("a value for each placeholder");
                self.params.push(v);
                out.push_str(&format!("${}", self.params.len()));
            } else {
                out.push(ch);
            }
        }
        self.conds.push(out);
    }

    /// Keeps rows whose `col` is one of `values` (none when empty).
    pub fn and_in(&mut self, col: &str, values: Vec<Value>) {
        if values.is_empty() {
            self.and("1 = 0", Vec::new());
            return;
        }
        let marks = vec!["?"; values.len()].join(", ");
        self.and(&format!("{col} IN ({marks})"), values);
    }

    /// The placeholder number the next bound value will get.
    pub fn next_placeholder(&self) -> usize {
        self.params.len() + 1
    }

    /// `WHERE a AND b …`, or empty.
    pub fn where_clause(&self) -> String {
        if self.conds.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", self.conds.join(" AND "))
        }
    }

    /// A query from `sql` (which must already contain this filter's clause)
    /// with this filter's values bound.
    pub fn query(&self, sql: String) -> Query {
        let mut q = query(sql);
        for p in &self.params {
            q = q.bind(p.clone());
        }
        q
    }
}

#[cfg(test)]
mod sqlite_sql_tests {
    use super::sqlite_sql;

    #[test]
    fn placeholders_in_order_become_anonymous_and_others_stay() {
        let many = format!(
            "INSERT INTO t (a, b) VALUES {}",
            super::values_rows(10, 2, 1)
        );
        let got = sqlite_sql(&many);
        assert_eq!(got.matches('?').count(), 20);
        assert!(!got.contains('$'));
        assert!(got.starts_with("INSERT INTO t (a, b) VALUES (?, ?), (?, ?)"));
        // A placeholder used twice, or out of order, keeps the names.
        let twice = format!("{many} ON CONFLICT (a) DO UPDATE SET b = $2");
        assert_eq!(sqlite_sql(&twice), twice.as_str());
        let skipped = many.replace("$7", "$70");
        assert_eq!(sqlite_sql(&skipped), skipped.as_str());
        // Quoted dollars are text, not placeholders.
        let quoted = format!("{many} WHERE json_extract(c, '$.x') = \"$y\"");
        let got = sqlite_sql(&quoted);
        assert!(got.ends_with("WHERE json_extract(c, '$.x') = \"$y\""));
        assert_eq!(got.matches('?').count(), 20);
        // Few placeholders: as written.
        assert_eq!(sqlite_sql("SELECT $1, $2"), "SELECT $1, $2");
    }
}
