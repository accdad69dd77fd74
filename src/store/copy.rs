//! Copying a whole SQLite store into an empty PostgreSQL store (`taxbot
//! migrate`), table by table in one PostgreSQL transaction, keeping every id,
//! and checked afterwards by counting the rows on both sides.
//!
//! The two schemas have the same tables and columns; only times (Unix
//! milliseconds → `timestamptz`) and flags (0/1 → `boolean`) change type.
//! PostgreSQL's `seq` columns (SQLite's rowid order) follow the copy order,
//! which is rowid order. A NUL character in SQLite text (PostgreSQL `text`
//! cannot hold it) becomes U+FFFD, as the PostgreSQL store writes it.

use chrono::{DateTime, Utc};
use sqlx::postgres::Postgres;
use sqlx::sqlite::SqliteRow;
use sqlx::{QueryBuilder, Row};

use super::rows::time;
use super::{PostgresStore, SqliteStore, StoreError};

/// How a column is stored on SQLite and what it becomes on PostgreSQL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Text on both.
    Text,
    /// An integer on both.
    Int,
    /// A float on both.
    Float,
    /// Milliseconds → `timestamptz`.
    Time,
    /// 0/1 → `boolean`.
    Flag,
}

use Kind::{Flag, Float, Int, Text, Time};

/// One table: its name, columns, and whether it has a `bigserial id` whose
/// sequence must continue after the copied ids.
struct Table {
    name: &'static str,
    columns: &'static [(&'static str, Kind)],
    serial_id: bool,
}

/// Every table, parents before children (foreign keys hold at every insert).
const TABLES: &[Table] = &[
    Table { name: "visitors", columns: &[("key", Text), ("created_at", Time), ("last_seen", Time)], serial_id: false },
    Table {
        name: "conversations",
        columns: &[
            ("id", Text),
            ("visitor", Text),
            ("channel", Text),
            ("state", Text),
            ("agent_id", Text),
            ("served_by", Text),
            ("awaiting_rating", Flag),
            ("resolution", Text),
            ("created_at", Time),
            ("updated_at", Time),
        ],
        serial_id: false,
    },
    Table {
        name: "messages",
        columns: &[
            ("id", Int),
            ("conversation_id", Text),
            ("sender", Text),
            ("text", Text),
            ("decision", Text),
            ("entry_id", Text),
            ("confidence", Float),
            ("agent_id", Text),
            ("created_at", Time),
        ],
        serial_id: true,
    },
    Table {
        name: "feedback",
        columns: &[
            ("id", Int),
            ("message_id", Int),
            ("conversation_id", Text),
            ("helpful", Flag),
            ("comment", Text),
            ("created_at", Time),
        ],
        serial_id: true,
    },
    Table {
        name: "ratings",
        columns: &[
            ("id", Int),
            ("conversation_id", Text),
            ("agent_id", Text),
            ("stars", Int),
            ("comment", Text),
            ("created_at", Time),
        ],
        serial_id: true,
    },
    Table { name: "queue_entries", columns: &[("conversation_id", Text), ("enqueued_at", Time)], serial_id: false },
    Table {
        name: "tickets",
        columns: &[
            ("id", Int),
            ("conversation_id", Text),
            ("visitor", Text),
            ("text", Text),
            ("contact", Text),
            ("status", Text),
            ("answer", Text),
            ("agent_id", Text),
            ("created_at", Time),
            ("answered_at", Time),
        ],
        serial_id: true,
    },
    Table {
        name: "agents",
        columns: &[("id", Text), ("name", Text), ("max_concurrent", Int), ("updated_at", Time)],
        serial_id: false,
    },
    Table {
        name: "users",
        columns: &[
            ("id", Int),
            ("name", Text),
            ("role", Text),
            ("password_hash", Text),
            ("max_concurrent", Int),
            ("disabled", Flag),
            ("created_at", Time),
            ("updated_at", Time),
        ],
        serial_id: true,
    },
    Table {
        name: "admin_sessions",
        columns: &[
            ("token_hash", Text),
            ("user_id", Int),
            ("csrf", Text),
            ("created_at", Time),
            ("expires_at", Time),
            ("last_seen", Time),
        ],
        serial_id: false,
    },
    Table {
        name: "audit_log",
        columns: &[
            ("id", Int),
            ("at", Time),
            ("actor", Text),
            ("action", Text),
            ("target", Text),
            ("detail", Text),
            ("ip", Text),
        ],
        serial_id: true,
    },
    Table {
        name: "knowledge_versions",
        columns: &[
            ("id", Int),
            ("kind", Text),
            ("key", Text),
            ("version", Int),
            ("content", Text),
            ("state", Text),
            ("author", Text),
            ("created_at", Time),
            ("reviewed_by", Text),
            ("summary", Text),
        ],
        serial_id: true,
    },
    Table {
        name: "handoffs",
        columns: &[
            ("id", Int),
            ("conversation_id", Text),
            ("channel", Text),
            ("requested_at", Time),
            ("accepted_at", Time),
            ("agent_id", Text),
            ("outcome", Text),
        ],
        serial_id: true,
    },
    Table {
        name: "dismissed_questions",
        columns: &[("text", Text), ("dismissed_by", Text), ("dismissed_at", Time)],
        serial_id: false,
    },
    Table {
        name: "api_keys",
        columns: &[("id", Int), ("name", Text), ("key_hash", Text), ("created_at", Time), ("revoked_at", Time)],
        serial_id: true,
    },
    Table { name: "scans", columns: &[("id", Int), ("entry_id", Text), ("scanned_at", Time)], serial_id: true },
    Table {
        name: "canned_replies",
        columns: &[
            ("id", Int),
            ("team", Text),
            ("title", Text),
            ("text", Text),
            ("updated_by", Text),
            ("updated_at", Time),
        ],
        serial_id: true,
    },
    Table {
        name: "visitor_identities",
        columns: &[
            ("conversation_id", Text),
            ("verified", Flag),
            ("name", Text),
            ("masked_id", Text),
            ("updated_at", Time),
        ],
        serial_id: false,
    },
    Table { name: "starter_questions", columns: &[("position", Int), ("entry_id", Text)], serial_id: false },
];

/// Rows per multi-row `INSERT` (PostgreSQL takes at most 65535 parameters).
const BATCH_ROWS: usize = 500;

/// Why a copy failed; nothing is written to the target then.
#[derive(Debug, thiserror::Error)]
pub enum CopyError {
    /// Reading the SQLite store failed.
    #[error("读取 SQLite 数据失败（{table}）：{cause}")]
    Source {
        /// The table.
        table: &'static str,
        /// The cause.
        cause: StoreError,
    },
    /// Writing the PostgreSQL store failed.
    #[error("写入 PostgreSQL 失败（{table}）：{cause}")]
    Target {
        /// The table.
        table: &'static str,
        /// The cause.
        cause: StoreError,
    },
    /// The target already holds data: a copy would mix two histories.
    #[error("目标数据库不是空的：表 {table} 已有 {rows} 行（只能迁移到新建的空数据库）")]
    NotEmpty {
        /// The first non-empty table.
        table: &'static str,
        /// Its rows.
        rows: i64,
    },
    /// The row counts differ after the copy.
    #[error("迁移后行数不一致：表 {table} 源 {source_rows} 行，目标 {target_rows} 行")]
    Mismatch {
        /// The table.
        table: &'static str,
        /// Rows in SQLite.
        source_rows: i64,
        /// Rows in PostgreSQL.
        target_rows: i64,
    },
}

/// Rows copied per table, in copy order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CopyReport {
    /// (table, rows) — the same count on both sides.
    pub tables: Vec<(&'static str, i64)>,
}

/// One value read from SQLite, typed for PostgreSQL.
enum Value {
    Text(Option<String>),
    Int(Option<i64>),
    Float(Option<f64>),
    Time(Option<DateTime<Utc>>),
    Flag(Option<bool>),
}

fn read(row: &SqliteRow, col: &str, kind: Kind) -> Result<Value, sqlx::Error> {
    Ok(match kind {
        Text => Value::Text(row.try_get::<Option<String>, _>(col)?.map(|t| super::postgres::text(&t).into_owned())),
        Int => Value::Int(row.try_get(col)?),
        Float => Value::Float(row.try_get(col)?),
        Time => Value::Time(row.try_get::<Option<i64>, _>(col)?.map(time)),
        Flag => Value::Flag(row.try_get::<Option<i64>, _>(col)?.map(|v| v != 0)),
    })
}

/// `SELECT COUNT(*) FROM <table>`: table names come from [`TABLES`] only.
fn count_sql(table: &Table) -> sqlx::AssertSqlSafe<String> {
    sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {}", table.name))
}

/// Copies every row of `from` into `to`, which must be empty (its migrations
/// applied), in one transaction; then compares the row counts of every table.
pub async fn copy_sqlite_to_postgres(from: &SqliteStore, to: &PostgresStore) -> Result<CopyReport, CopyError> {
    let target = |table: &'static str| move |e: sqlx::Error| CopyError::Target { table, cause: e.into() };
    let source = |table: &'static str| move |e: sqlx::Error| CopyError::Source { table, cause: e.into() };
    for table in TABLES {
        let rows: i64 = sqlx::query_scalar(count_sql(table)).fetch_one(to.pool()).await.map_err(target(table.name))?;
        if rows > 0 {
            return Err(CopyError::NotEmpty { table: table.name, rows });
        }
    }
    let mut tx = to.pool().begin().await.map_err(target("-"))?;
    for table in TABLES {
        let names: Vec<&str> = table.columns.iter().map(|(c, _)| *c).collect();
        let select = sqlx::AssertSqlSafe(format!("SELECT {} FROM {} ORDER BY rowid", names.join(", "), table.name));
        let rows = sqlx::query(select).fetch_all(from.pool()).await.map_err(source(table.name))?;
        for chunk in rows.chunks(BATCH_ROWS) {
            let mut values = Vec::with_capacity(chunk.len());
            for row in chunk {
                let one: Vec<Value> = table
                    .columns
                    .iter()
                    .map(|(col, kind)| read(row, col, *kind))
                    .collect::<Result<_, _>>()
                    .map_err(source(table.name))?;
                values.push(one);
            }
            let mut insert: QueryBuilder<Postgres> =
                QueryBuilder::new(format!("INSERT INTO {} ({}) ", table.name, names.join(", ")));
            insert.push_values(values, |mut b, row| {
                for v in row {
                    match v {
                        Value::Text(v) => b.push_bind(v),
                        Value::Int(v) => b.push_bind(v),
                        Value::Float(v) => b.push_bind(v),
                        Value::Time(v) => b.push_bind(v),
                        Value::Flag(v) => b.push_bind(v),
                    };
                }
            });
            insert.build().execute(&mut *tx).await.map_err(target(table.name))?;
        }
        if table.serial_id {
            // The next id continues after the copied ones (false: an empty
            // table starts at 1).
            let reset = sqlx::AssertSqlSafe(format!(
                "SELECT setval(pg_get_serial_sequence('{0}', 'id'), COALESCE(MAX(id), 1), MAX(id) IS NOT NULL) \
                 FROM {0}",
                table.name
            ));
            sqlx::query(reset).execute(&mut *tx).await.map_err(target(table.name))?;
        }
    }
    tx.commit().await.map_err(target("-"))?;

    let mut report = CopyReport::default();
    for table in TABLES {
        let source_rows: i64 =
            sqlx::query_scalar(count_sql(table)).fetch_one(from.pool()).await.map_err(source(table.name))?;
        let target_rows: i64 =
            sqlx::query_scalar(count_sql(table)).fetch_one(to.pool()).await.map_err(target(table.name))?;
        if source_rows != target_rows {
            return Err(CopyError::Mismatch { table: table.name, source_rows, target_rows });
        }
        report.tables.push((table.name, source_rows));
    }
    Ok(report)
}
