//! Account management shared by the CLI, the admin API and tests: argon2id
//! password hashes (PHC strings), name and password rules.

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use chrono::Utc;

use super::Role;
use crate::api_error::{Code, ErrorCode};
use crate::store::{Store, StoreError, User};

/// Shortest accepted password, in characters.
pub const MIN_PASSWORD_CHARS: usize = 8;
/// Longest accepted user name, in characters.
pub const MAX_NAME_CHARS: usize = 64;
/// Conversations an agent serves at once unless changed.
pub const DEFAULT_MAX_CONCURRENT: u32 = 3;

/// Why an account change was refused.
#[derive(Debug, thiserror::Error)]
pub enum UserError {
    /// The password is too short.
    #[error("密码太短：至少需要 {MIN_PASSWORD_CHARS} 个字符")]
    WeakPassword,
    /// The name is empty, too long, padded with spaces or has control characters.
    #[error("用户名无效：不能为空、不能超过 {MAX_NAME_CHARS} 个字符，首尾不能有空格，也不能包含控制字符")]
    BadName,
    /// The name is taken.
    #[error("用户 {0} 已存在")]
    Duplicate(String),
    /// No such user.
    #[error("用户 {0} 不存在")]
    Unknown(String),
    /// Hashing failed.
    #[error("无法处理密码：{0}")]
    Hash(String),
    /// The store failed.
    #[error(transparent)]
    Store(StoreError),
}

impl ErrorCode for UserError {
    fn code(&self) -> Code {
        match self {
            UserError::WeakPassword => Code::WeakPassword,
            UserError::BadName => Code::InvalidName,
            UserError::Duplicate(_) => Code::Conflict,
            UserError::Unknown(_) => Code::NotFound,
            UserError::Hash(_) => Code::Internal,
            UserError::Store(e) => e.code(),
        }
    }
}

/// Hashes a password (argon2id, random salt) after checking its length.
pub fn hash_password(password: &str) -> Result<String, UserError> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(UserError::WeakPassword);
    }
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| UserError::Hash(e.to_string()))
}

/// Whether `password` matches the stored PHC string (false for a malformed hash).
pub fn verify_password(hash: &str, password: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

fn check_name(name: &str) -> Result<(), UserError> {
    let n = name.chars().count();
    if n == 0 || n > MAX_NAME_CHARS || name.trim() != name || name.chars().any(char::is_control) {
        return Err(UserError::BadName);
    }
    Ok(())
}

/// Creates an account.
pub async fn create(store: &dyn Store, name: &str, role: Role, password: &str) -> Result<User, UserError> {
    check_name(name)?;
    let password_hash = hash_password(password)?;
    let now = Utc::now();
    let user = User {
        id: 0,
        name: name.to_owned(),
        role: role.as_str().to_owned(),
        password_hash,
        max_concurrent: DEFAULT_MAX_CONCURRENT,
        disabled: false,
        created_at: now,
        updated_at: now,
    };
    store.create_user(&user).await.map_err(|e| match e {
        StoreError::Conflict(_) => UserError::Duplicate(name.to_owned()),
        other => UserError::Store(other),
    })
}

/// Sets a new password and ends the user's sessions.
pub async fn set_password(store: &dyn Store, name: &str, password: &str) -> Result<User, UserError> {
    let mut user =
        store.user_by_name(name).await.map_err(UserError::Store)?.ok_or_else(|| UserError::Unknown(name.into()))?;
    user.password_hash = hash_password(password)?;
    store.update_user(&user).await.map_err(UserError::Store)?;
    store.delete_user_sessions(user.id).await.map_err(UserError::Store)?;
    Ok(user)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_short_passwords_are_refused() {
        let h = hash_password("correct horse").expect("hashes");
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password(&h, "correct horse"));
        assert!(!verify_password(&h, "correct hors"));
        assert!(!verify_password("not a hash", "x"));
        assert!(matches!(hash_password("1234567"), Err(UserError::WeakPassword)));
        assert!(check_name("小王").is_ok());
        assert!(check_name("a b").is_ok(), "inner spaces are fine");
        assert!(check_name("").is_err() && check_name(" a").is_err() && check_name("a\nb").is_err());
    }
}
