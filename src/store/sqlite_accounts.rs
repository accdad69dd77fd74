//! [`AccountStore`] for the SQLite store.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::accounts::{AccountStore, AdminSession, AuditEntry, AuditFilter, User};
use super::rows::{admin_session, audit_entry, millis, user};
use super::{Result, SqliteStore, StoreError};

#[async_trait]
impl AccountStore for SqliteStore {
    async fn create_user(&self, u: &User) -> Result<User> {
        let now = Utc::now();
        let done = sqlx::query(
            "INSERT INTO users (name, role, password_hash, max_concurrent, disabled, created_at, updated_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&u.name)
        .bind(&u.role)
        .bind(&u.password_hash)
        .bind(i64::from(u.max_concurrent))
        .bind(i64::from(u.disabled))
        .bind(millis(now))
        .bind(millis(now))
        .execute(self.writer())
        .await;
        match done {
            Ok(r) => Ok(User { id: r.last_insert_rowid(), created_at: now, updated_at: now, ..u.clone() }),
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                Err(StoreError::Conflict(format!("用户名 {} 已存在", u.name)))
            }
            Err(e) => Err(e.into()),
        }
    }

    async fn user(&self, id: i64) -> Result<User> {
        let r = sqlx::query("SELECT * FROM users WHERE id = ?").bind(id).fetch_one(self.pool()).await?;
        user(&r)
    }

    async fn user_by_name(&self, name: &str) -> Result<Option<User>> {
        let r = sqlx::query("SELECT * FROM users WHERE name = ?").bind(name).fetch_optional(self.pool()).await?;
        r.as_ref().map(user).transpose()
    }

    async fn users(&self) -> Result<Vec<User>> {
        let rows = sqlx::query("SELECT * FROM users ORDER BY name").fetch_all(self.pool()).await?;
        rows.iter().map(user).collect()
    }

    async fn update_user(&self, u: &User) -> Result<()> {
        let done = sqlx::query(
            "UPDATE users SET role = ?, password_hash = ?, max_concurrent = ?, disabled = ?, updated_at = ? \
             WHERE id = ?",
        )
        .bind(&u.role)
        .bind(&u.password_hash)
        .bind(i64::from(u.max_concurrent))
        .bind(i64::from(u.disabled))
        .bind(millis(Utc::now()))
        .bind(u.id)
        .execute(self.writer())
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    async fn create_session(&self, s: &AdminSession) -> Result<()> {
        sqlx::query(
            "INSERT INTO admin_sessions (token_hash, user_id, csrf, created_at, expires_at, last_seen) \
             VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(&s.token_hash)
        .bind(s.user_id)
        .bind(&s.csrf)
        .bind(millis(s.created_at))
        .bind(millis(s.expires_at))
        .bind(millis(s.last_seen))
        .execute(self.writer())
        .await?;
        Ok(())
    }

    async fn session(&self, token_hash: &str) -> Result<Option<AdminSession>> {
        let r = sqlx::query("SELECT * FROM admin_sessions WHERE token_hash = ?")
            .bind(token_hash)
            .fetch_optional(self.pool())
            .await?;
        r.as_ref().map(admin_session).transpose()
    }

    async fn touch_session(&self, token_hash: &str, now: DateTime<Utc>) -> Result<()> {
        sqlx::query("UPDATE admin_sessions SET last_seen = ? WHERE token_hash = ?")
            .bind(millis(now))
            .bind(token_hash)
            .execute(self.writer())
            .await?;
        Ok(())
    }

    async fn delete_session(&self, token_hash: &str) -> Result<()> {
        sqlx::query("DELETE FROM admin_sessions WHERE token_hash = ?").bind(token_hash).execute(self.writer()).await?;
        Ok(())
    }

    async fn delete_user_sessions(&self, user_id: i64) -> Result<u64> {
        let done =
            sqlx::query("DELETE FROM admin_sessions WHERE user_id = ?").bind(user_id).execute(self.writer()).await?;
        Ok(done.rows_affected())
    }

    async fn add_audit(&self, e: &AuditEntry) -> Result<i64> {
        let done =
            sqlx::query("INSERT INTO audit_log (at, actor, action, target, detail, ip) VALUES (?, ?, ?, ?, ?, ?)")
                .bind(millis(e.at))
                .bind(&e.actor)
                .bind(&e.action)
                .bind(&e.target)
                .bind(e.detail.to_string())
                .bind(&e.ip)
                .execute(self.writer())
                .await?;
        Ok(done.last_insert_rowid())
    }

    async fn audit(&self, f: &AuditFilter) -> Result<Vec<AuditEntry>> {
        let action_prefix = f.action.as_ref().filter(|a| a.ends_with('.')).map(|a| format!("{a}%"));
        let rows = sqlx::query(
            "SELECT * FROM audit_log WHERE (? IS NULL OR actor = ?) \
             AND (? IS NULL OR action = ? OR action LIKE ?) \
             AND (? IS NULL OR at >= ?) AND (? IS NULL OR at < ?) ORDER BY at DESC, id DESC LIMIT ?",
        )
        .bind(&f.actor)
        .bind(&f.actor)
        .bind(&f.action)
        .bind(&f.action)
        .bind(action_prefix)
        .bind(f.from.map(millis))
        .bind(f.from.map(millis))
        .bind(f.until.map(millis))
        .bind(f.until.map(millis))
        .bind(i64::from(f.limit.max(1)))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(audit_entry).collect()
    }
}
