//! [`AccountStore`] on PostgreSQL.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::accounts::{AccountStore, AdminSession, AuditEntry, AuditFilter, User};
use super::postgres::unique_conflict;
use super::rows::{admin_session, audit_entry, stored, user};
use super::{PostgresStore, Result, StoreError};

#[async_trait]
impl AccountStore for PostgresStore {
    async fn create_user(&self, u: &User) -> Result<User> {
        let now = stored(Utc::now());
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO users (name, role, password_hash, max_concurrent, disabled, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id",
        )
        .bind(&u.name)
        .bind(&u.role)
        .bind(&u.password_hash)
        .bind(i64::from(u.max_concurrent))
        .bind(u.disabled)
        .bind(now)
        .fetch_one(self.pool())
        .await
        .map_err(|e| unique_conflict(e, || format!("用户名 {} 已存在", u.name)))?;
        Ok(User { id, created_at: now, updated_at: now, ..u.clone() })
    }

    async fn user(&self, id: i64) -> Result<User> {
        let r = sqlx::query("SELECT * FROM users WHERE id = $1").bind(id).fetch_one(self.pool()).await?;
        user(&r)
    }

    async fn user_by_name(&self, name: &str) -> Result<Option<User>> {
        let r = sqlx::query("SELECT * FROM users WHERE name = $1").bind(name).fetch_optional(self.pool()).await?;
        r.as_ref().map(user).transpose()
    }

    async fn users(&self) -> Result<Vec<User>> {
        // COLLATE "C": byte order, as SQLite sorts text.
        let rows = sqlx::query("SELECT * FROM users ORDER BY name COLLATE \"C\"").fetch_all(self.pool()).await?;
        rows.iter().map(user).collect()
    }

    async fn update_user(&self, u: &User) -> Result<()> {
        let done = sqlx::query(
            "UPDATE users SET role = $1, password_hash = $2, max_concurrent = $3, disabled = $4, \
             updated_at = now() WHERE id = $5",
        )
        .bind(&u.role)
        .bind(&u.password_hash)
        .bind(i64::from(u.max_concurrent))
        .bind(u.disabled)
        .bind(u.id)
        .execute(self.pool())
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    async fn create_session(&self, s: &AdminSession) -> Result<()> {
        sqlx::query(
            "INSERT INTO admin_sessions (token_hash, user_id, csrf, created_at, expires_at, last_seen) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&s.token_hash)
        .bind(s.user_id)
        .bind(&s.csrf)
        .bind(stored(s.created_at))
        .bind(stored(s.expires_at))
        .bind(stored(s.last_seen))
        .execute(self.pool())
        .await?;
        Ok(())
    }

    async fn session(&self, token_hash: &str) -> Result<Option<AdminSession>> {
        let r = sqlx::query("SELECT * FROM admin_sessions WHERE token_hash = $1")
            .bind(token_hash)
            .fetch_optional(self.pool())
            .await?;
        r.as_ref().map(admin_session).transpose()
    }

    async fn touch_session(&self, token_hash: &str, now: DateTime<Utc>) -> Result<()> {
        sqlx::query("UPDATE admin_sessions SET last_seen = $1 WHERE token_hash = $2")
            .bind(stored(now))
            .bind(token_hash)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    async fn delete_session(&self, token_hash: &str) -> Result<()> {
        sqlx::query("DELETE FROM admin_sessions WHERE token_hash = $1").bind(token_hash).execute(self.pool()).await?;
        Ok(())
    }

    async fn delete_user_sessions(&self, user_id: i64) -> Result<u64> {
        let done =
            sqlx::query("DELETE FROM admin_sessions WHERE user_id = $1").bind(user_id).execute(self.pool()).await?;
        Ok(done.rows_affected())
    }

    async fn add_audit(&self, e: &AuditEntry) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "INSERT INTO audit_log (at, actor, action, target, detail, ip) VALUES ($1, $2, $3, $4, $5, $6) \
             RETURNING id",
        )
        .bind(stored(e.at))
        .bind(&e.actor)
        .bind(&e.action)
        .bind(&e.target)
        .bind(e.detail.to_string())
        .bind(&e.ip)
        .fetch_one(self.pool())
        .await?)
    }

    async fn audit(&self, f: &AuditFilter) -> Result<Vec<AuditEntry>> {
        // ILIKE: SQLite's LIKE ignores ASCII case, so the filter matches the same rows.
        let action_prefix = f.action.as_ref().filter(|a| a.ends_with('.')).map(|a| format!("{a}%"));
        let rows = sqlx::query(
            "SELECT * FROM audit_log WHERE ($1::text IS NULL OR actor = $1) \
             AND ($2::text IS NULL OR action = $2 OR action ILIKE $3) \
             AND ($4::timestamptz IS NULL OR at >= $4) AND ($5::timestamptz IS NULL OR at < $5) \
             ORDER BY at DESC, id DESC LIMIT $6",
        )
        .bind(&f.actor)
        .bind(&f.action)
        .bind(action_prefix)
        .bind(f.from)
        .bind(f.until)
        .bind(i64::from(f.limit.max(1)))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(audit_entry).collect()
    }
}
