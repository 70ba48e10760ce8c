//! Users, their roles, sessions and API tokens.

use crate::db::{query, AsExec, Row};
use crate::{audit, now, outbox, Result, StoreError, Tx};
use liem_domain::ids::{UnitId, UserId};
use liem_domain::role::{Role, Username};
use serde::Serialize;

/// A user with their unit and roles: everything authorisation needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserRecord {
    /// Id.
    pub id: UserId,
    /// Login name.
    pub username: String,
    /// Name shown to others.
    pub display_name: String,
    /// The user's unit.
    pub unit_id: UnitId,
    /// The unit's code.
    pub unit_code: String,
    /// The unit's tree path (for scope checks).
    pub unit_path: String,
    /// Roles held in the unit.
    pub roles: Vec<Role>,
    /// Preferred language, if chosen.
    pub locale: Option<String>,
    /// Whether the account may log in.
    pub active: bool,
}

impl UserRecord {
    /// Whether the user holds a role, by its code (for templates).
    pub fn has_role(&self, code: &str) -> bool {
        self.roles.iter().any(|r| r.as_str() == code)
    }
}

/// A user to create.
#[derive(Debug, Clone)]
pub struct NewUser {
    /// Login name.
    pub username: Username,
    /// Display name.
    pub display_name: String,
    /// Unit.
    pub unit_id: UnitId,
    /// Argon2id PHC string.
    pub password_hash: String,
    /// Roles.
    pub roles: Vec<Role>,
    /// Preferred language.
    pub locale: Option<String>,
}

/// A user's row, one per role (a user without roles: one row, role NULL),
/// so that the user and their roles come in one statement.
const SELECT: &str = "SELECT u.id, u.username, u.display_name, u.unit_id, un.code AS unit_code, \
    un.path AS unit_path, u.locale, u.active, u.password_hash, r.role \
    FROM users u JOIN units un ON un.id = u.unit_id \
    LEFT JOIN user_roles r ON r.user_id = u.id";

/// The users in rows of [`SELECT`] ordered by user (then role): each user
/// once, with their roles.
fn users_of(rows: &[Row]) -> Result<Vec<UserRecord>> {
    let mut out: Vec<UserRecord> = Vec::new();
    for r in rows {
        let id = UserId(r.uuid("id")?);
        let role = r.opt_text("role")?.map(|c| c.parse::<Role>()).transpose();
        let role = role.map_err(|_| StoreError::Corrupt("an unknown role code".into()))?;
        if out.last().map(|u| u.id) != Some(id) {
            out.push(UserRecord {
                id,
                username: r.text("username")?,
                display_name: r.text("display_name")?,
                unit_id: UnitId(r.uuid("unit_id")?),
                unit_code: r.text("unit_code")?,
                unit_path: r.text("unit_path")?,
                roles: Vec::new(),
                locale: r.opt_text("locale")?,
                active: r.bool("active")?,
            });
        }
        if let (Some(role), Some(u)) = (role, out.last_mut()) {
            u.roles.push(role);
        }
    }
    Ok(out)
}

/// The one user in rows of [`SELECT`], if any.
fn user_of(rows: &[Row]) -> Result<Option<UserRecord>> {
    Ok(users_of(rows)?.into_iter().next())
}

/// Creates a user with roles.
pub async fn create(tx: &mut Tx, actor: &audit::Actor, u: &NewUser) -> Result<UserId> {
    let id = UserId::new();
    query(
        "INSERT INTO users (id, username, display_name, unit_id, password_hash, locale, active, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(id.0)
    .bind(u.username.as_str())
    .bind(u.display_name.as_str())
    .bind(u.unit_id.0)
    .bind(u.password_hash.as_str())
    .bind(u.locale.as_deref())
    .bind(true)
    .bind(now())
    .execute(tx)
    .await
    .map_err(|e| match e {
        StoreError::Conflict(_) => StoreError::Conflict("username".into()),
        e => e,
    })?;
    for role in &u.roles {
        query("INSERT INTO user_roles (user_id, role) VALUES ($1, $2)")
            .bind(id.0)
            .bind(role.as_str())
            .execute(tx)
            .await?;
    }
    let detail = serde_json::json!({"unit": u.unit_id, "roles": u.roles});
    audit::append(
        tx,
        actor,
        "user.create",
        "user",
        &id.to_string(),
        detail.clone(),
    )
    .await?;
    outbox::append(tx, "user", &id.to_string(), "create", detail).await?;
    Ok(id)
}

/// A user by id.
pub async fn get(ex: &mut impl AsExec, id: UserId) -> Result<UserRecord> {
    let rows = query(format!("{SELECT} WHERE u.id = $1 ORDER BY r.role"))
        .bind(id.0)
        .fetch_all(ex)
        .await?;
    user_of(&rows)?.ok_or(StoreError::NotFound)
}

/// A user and their password hash, by login name.
pub async fn by_username(
    ex: &mut impl AsExec,
    username: &str,
) -> Result<Option<(UserRecord, String)>> {
    let rows = query(format!("{SELECT} WHERE u.username = $1 ORDER BY r.role"))
        .bind(username.trim().to_ascii_lowercase())
        .fetch_all(ex)
        .await?;
    let Some(first) = rows.first() else {
        return Ok(None);
    };
    let hash = first.text("password_hash")?;
    Ok(user_of(&rows)?.map(|u| (u, hash)))
}

/// The users of the units under a path prefix, by name.
pub async fn in_subtree(ex: &mut impl AsExec, prefix: &str) -> Result<Vec<UserRecord>> {
    let (cond, value) = crate::db::path_scope(
        &liem_domain::role::Scope::Subtree(prefix.to_owned()),
        "un.path",
        1,
    )
    .expect("a subtree");
    let rows = query(format!("{SELECT} WHERE {cond} ORDER BY u.username, r.role"))
        .bind_some(value)
        .fetch_all(ex)
        .await?;
    users_of(&rows)
}

/// Sets a user's preferred language (`None`: follow the browser).
pub async fn set_locale(
    tx: &mut Tx,
    actor: &audit::Actor,
    id: UserId,
    locale: Option<&str>,
) -> Result<()> {
    let n = query("UPDATE users SET locale = $1 WHERE id = $2")
        .bind(locale)
        .bind(id.0)
        .execute(tx)
        .await?;
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    audit::record_change(
        tx,
        actor,
        "user.set_locale",
        "user",
        &id.to_string(),
        serde_json::json!({"locale": locale}),
    )
    .await
}

/// Lets a user log in again, or stops them (`active = false`): their
/// sessions end at once and their API tokens stop working, since both are
/// checked against `active` on every request.
pub async fn set_active(tx: &mut Tx, actor: &audit::Actor, id: UserId, active: bool) -> Result<()> {
    let n = query("UPDATE users SET active = $1 WHERE id = $2")
        .bind(active)
        .bind(id.0)
        .execute(&mut *tx)
        .await?;
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    if !active {
        query("DELETE FROM sessions WHERE user_id = $1")
            .bind(id.0)
            .execute(&mut *tx)
            .await?;
    }
    audit::record_change(
        tx,
        actor,
        if active {
            "user.activate"
        } else {
            "user.deactivate"
        },
        "user",
        &id.to_string(),
        serde_json::json!({"active": active}),
    )
    .await
}

/// Records a new session (a login).
pub async fn create_session(
    tx: &mut Tx,
    actor: &audit::Actor,
    user: UserId,
    token_hash: &[u8],
    csrf: &str,
    expires_at: jiff::Timestamp,
) -> Result<()> {
    query("INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(token_hash.to_vec())
        .bind(user.0)
        .bind(csrf)
        .bind(now())
        .bind(expires_at)
        .execute(tx)
        .await?;
    audit::record_change(
        tx,
        actor,
        "session.create",
        "user",
        &user.to_string(),
        serde_json::json!({}),
    )
    .await
}

/// The user and CSRF token of a live session.
pub async fn session_user(
    ex: &mut impl AsExec,
    token_hash: &[u8],
) -> Result<Option<(UserRecord, String)>> {
    let rows = query(format!(
        "SELECT s.csrf_token, s.expires_at AS s_expires_at, {} JOIN sessions s ON s.user_id = u.id \
         WHERE s.token_hash = $1 ORDER BY r.role",
        &SELECT["SELECT ".len()..]
    ))
    .bind(token_hash.to_vec())
    .fetch_all(ex)
    .await?;
    let Some(first) = rows.first() else {
        return Ok(None);
    };
    if first.timestamp("s_expires_at")? <= now() {
        return Ok(None);
    }
    let csrf = first.text("csrf_token")?;
    Ok(user_of(&rows)?.filter(|u| u.active).map(|u| (u, csrf)))
}

/// Ends a session (a logout).
pub async fn delete_session(tx: &mut Tx, actor: &audit::Actor, token_hash: &[u8]) -> Result<()> {
    let n = query("DELETE FROM sessions WHERE token_hash = $1")
        .bind(token_hash.to_vec())
        .execute(tx)
        .await?;
    if n > 0 {
        let user = actor.user.map(|u| u.to_string()).unwrap_or_default();
        audit::record_change(
            tx,
            actor,
            "session.delete",
            "user",
            &user,
            serde_json::json!({}),
        )
        .await?;
    }
    Ok(())
}

/// How long a token lives unless said otherwise, in days.
pub const TOKEN_DAYS: i64 = 90;

/// When a token made now for `days` days expires: 1 to 366 days, else the
/// field `days` is refused.
pub fn token_expiry(
    days: i64,
) -> std::result::Result<jiff::Timestamp, liem_domain::ValidationErrors> {
    if !(1..=366).contains(&days) {
        return Err(liem_domain::ValidationErrors::single(
            "days",
            "range",
            "must be 1 to 366 days",
        ));
    }
    Ok(now() + jiff::SignedDuration::from_hours(24 * days))
}

/// Records an API token for a user, valid until `expires_at`; only its hash
/// is kept.
pub async fn create_token(
    tx: &mut Tx,
    actor: &audit::Actor,
    user: UserId,
    name: &str,
    token_hash: &[u8],
    expires_at: jiff::Timestamp,
) -> Result<uuid::Uuid> {
    let id = uuid::Uuid::now_v7();
    query("INSERT INTO api_tokens (id, token_hash, user_id, name, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(id)
        .bind(token_hash.to_vec())
        .bind(user.0)
        .bind(name)
        .bind(now())
        .bind(expires_at)
        .execute(tx)
        .await?;
    audit::record_change(
        tx,
        actor,
        "token.create",
        "user",
        &user.to_string(),
        serde_json::json!({"token": id, "name": name, "expires_at": expires_at}),
    )
    .await?;
    Ok(id)
}

/// When a token expires: as recorded, or 90 days after it was made for one
/// made before expiry was recorded.
fn expiry(r: &Row) -> Result<jiff::Timestamp> {
    match r.opt_timestamp("expires_at")? {
        Some(t) => Ok(t),
        None => Ok(r
            .timestamp("created_at")?
            .checked_add(jiff::SignedDuration::from_hours(24 * TOKEN_DAYS))
            .unwrap_or(jiff::Timestamp::MIN)),
    }
}

/// The user holding a live API token (not revoked, not expired).
pub async fn token_user(ex: &mut impl AsExec, token_hash: &[u8]) -> Result<Option<UserRecord>> {
    // The token, its user and the user's roles in one statement: every
    // request that carries a token pays it.
    let rows = query(format!(
        "SELECT t.created_at, t.expires_at, {} JOIN api_tokens t ON t.user_id = u.id \
         WHERE t.token_hash = $1 AND t.revoked_at IS NULL ORDER BY r.role",
        &SELECT["SELECT ".len()..]
    ))
    .bind(token_hash.to_vec())
    .fetch_all(ex)
    .await?;
    match rows.first() {
        Some(first) if expiry(first)? > now() => Ok(user_of(&rows)?.filter(|u| u.active)),
        _ => Ok(None),
    }
}

/// An API token as listed (never the token itself).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TokenRecord {
    /// Id (what revoking names).
    pub id: uuid::Uuid,
    /// Whose.
    pub username: String,
    /// What it was made for.
    pub name: String,
    /// When it was made.
    pub created_at: jiff::Timestamp,
    /// When it stops working.
    pub expires_at: jiff::Timestamp,
    /// When it was revoked, if it was.
    pub revoked_at: Option<jiff::Timestamp>,
}

/// The tokens of one user (all users when `None`), newest first.
pub async fn tokens(ex: &mut impl AsExec, user: Option<UserId>) -> Result<Vec<TokenRecord>> {
    let sql = "SELECT t.id, u.username, t.name, t.created_at, t.expires_at, t.revoked_at \
               FROM api_tokens t JOIN users u ON u.id = t.user_id";
    let rows = match user {
        Some(u) => {
            query(format!(
                "{sql} WHERE t.user_id = $1 ORDER BY t.created_at DESC, t.id DESC"
            ))
            .bind(u.0)
            .fetch_all(ex)
            .await?
        }
        None => {
            query(format!(
                "{sql} ORDER BY u.username, t.created_at DESC, t.id DESC"
            ))
            .fetch_all(ex)
            .await?
        }
    };
    rows.iter()
        .map(|r| {
            Ok(TokenRecord {
                id: r.uuid("id")?,
                username: r.text("username")?,
                name: r.text("name")?,
                created_at: r.timestamp("created_at")?,
                expires_at: expiry(r)?,
                revoked_at: r.opt_timestamp("revoked_at")?,
            })
        })
        .collect()
}

/// Revokes a token — of `owner` only, when given: another's is not found.
/// Revoking a revoked token changes nothing.
pub async fn revoke_token(
    tx: &mut Tx,
    actor: &audit::Actor,
    id: uuid::Uuid,
    owner: Option<UserId>,
) -> Result<()> {
    let r = query("SELECT user_id, revoked_at FROM api_tokens WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StoreError::NotFound)?;
    let user = UserId(r.uuid("user_id")?);
    if owner.is_some_and(|o| o != user) {
        return Err(StoreError::NotFound);
    }
    if r.opt_timestamp("revoked_at")?.is_some() {
        return Ok(());
    }
    query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2")
        .bind(now())
        .bind(id)
        .execute(&mut *tx)
        .await?;
    audit::record_change(
        tx,
        actor,
        "token.revoke",
        "user",
        &user.to_string(),
        serde_json::json!({"token": id}),
    )
    .await
}

/// Replaces a user's password hash (Argon2id PHC string).
pub async fn set_password(
    tx: &mut Tx,
    actor: &audit::Actor,
    user: UserId,
    password_hash: &str,
) -> Result<()> {
    let n = query("UPDATE users SET password_hash = $1 WHERE id = $2")
        .bind(password_hash)
        .bind(user.0)
        .execute(tx)
        .await?;
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    audit::record_change(
        tx,
        actor,
        "user.password",
        "user",
        &user.to_string(),
        serde_json::json!({}),
    )
    .await
}

/// A live session of a user, as its owner sees it in the list of their
/// sessions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SessionRecord {
    /// The session's id: the hex of its token's hash (which opens nothing).
    pub id: String,
    /// When it began (the login).
    pub created_at: jiff::Timestamp,
    /// When it ends unless ended before.
    pub expires_at: jiff::Timestamp,
}

/// A user's live sessions, newest first.
pub async fn sessions(ex: &mut impl AsExec, user: UserId) -> Result<Vec<SessionRecord>> {
    let rows = query(
        "SELECT token_hash, created_at, expires_at FROM sessions WHERE user_id = $1 AND expires_at > $2 \
         ORDER BY created_at DESC",
    )
    .bind(user.0)
    .bind(now())
    .fetch_all(ex)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(SessionRecord {
                id: hex::encode(r.bytes("token_hash")?),
                created_at: r.timestamp("created_at")?,
                expires_at: r.timestamp("expires_at")?,
            })
        })
        .collect()
}

/// Ends sessions of a user: the one whose token hashes to `only`, or every
/// one but `keep` (after a password change). How many ended.
pub async fn end_sessions(
    tx: &mut Tx,
    actor: &audit::Actor,
    user: UserId,
    only: Option<&[u8]>,
    keep: Option<&[u8]>,
) -> Result<u64> {
    let n = match (only, keep) {
        (Some(h), _) => {
            query("DELETE FROM sessions WHERE user_id = $1 AND token_hash = $2")
                .bind(user.0)
                .bind(h.to_vec())
                .execute(tx)
                .await?
        }
        (None, Some(k)) => {
            query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
                .bind(user.0)
                .bind(k.to_vec())
                .execute(tx)
                .await?
        }
        (None, None) => {
            query("DELETE FROM sessions WHERE user_id = $1")
                .bind(user.0)
                .execute(tx)
                .await?
        }
    };
    audit::record_change(
        tx,
        actor,
        "session.end",
        "user",
        &user.to_string(),
        serde_json::json!({"ended": n}),
    )
    .await?;
    Ok(n)
}

/// A user's second factor as stored: the encrypted TOTP secret, whether a
/// first code confirmed it, and the last time step a code was accepted for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TotpRecord {
    /// The nonce the secret was encrypted with.
    pub nonce: Vec<u8>,
    /// The encrypted secret.
    pub ciphertext: Vec<u8>,
    /// Whether a code confirmed it (only a confirmed one is asked at login).
    pub confirmed: bool,
    /// The last time step a code was accepted for (0: none).
    pub last_step: i64,
}

/// A user's second factor, if one was begun.
pub async fn totp(ex: &mut impl AsExec, user: UserId) -> Result<Option<TotpRecord>> {
    query("SELECT nonce, ciphertext, confirmed_at, last_step FROM user_totp WHERE user_id = $1")
        .bind(user.0)
        .fetch_optional(ex)
        .await?
        .map(|r| {
            Ok(TotpRecord {
                nonce: r.bytes("nonce")?,
                ciphertext: r.bytes("ciphertext")?,
                confirmed: r.opt_timestamp("confirmed_at")?.is_some(),
                last_step: r.i64("last_step")?,
            })
        })
        .transpose()
}

/// Begins a second factor (replacing any): the secret, encrypted by the
/// caller, unconfirmed.
pub async fn begin_totp(
    tx: &mut Tx,
    actor: &audit::Actor,
    user: UserId,
    nonce: &[u8],
    ciphertext: &[u8],
) -> Result<()> {
    query("DELETE FROM user_totp WHERE user_id = $1")
        .bind(user.0)
        .execute(tx)
        .await?;
    query("INSERT INTO user_totp (user_id, nonce, ciphertext, last_step, created_at) VALUES ($1, $2, $3, 0, $4)")
        .bind(user.0)
        .bind(nonce.to_vec())
        .bind(ciphertext.to_vec())
        .bind(now())
        .execute(tx)
        .await?;
    audit::record_change(
        tx,
        actor,
        "user.totp_begin",
        "user",
        &user.to_string(),
        serde_json::json!({}),
    )
    .await
}

/// Records a code accepted for time step `step`: confirms the second
/// factor if it was not yet, and refuses (false) a step at or before the
/// last one accepted, so that no code is used twice.
pub async fn accept_totp_step(
    tx: &mut Tx,
    actor: &audit::Actor,
    user: UserId,
    step: i64,
) -> Result<bool> {
    let n = query(
        "UPDATE user_totp SET last_step = $1, confirmed_at = COALESCE(confirmed_at, $2) \
         WHERE user_id = $3 AND last_step < $1",
    )
    .bind(step)
    .bind(now())
    .bind(user.0)
    .execute(tx)
    .await?;
    if n == 0 {
        return Ok(false);
    }
    audit::record_change(
        tx,
        actor,
        "user.totp_step",
        "user",
        &user.to_string(),
        serde_json::json!({"step": step}),
    )
    .await?;
    Ok(true)
}

/// Removes a user's second factor.
pub async fn remove_totp(tx: &mut Tx, actor: &audit::Actor, user: UserId) -> Result<()> {
    query("DELETE FROM user_totp WHERE user_id = $1")
        .bind(user.0)
        .execute(tx)
        .await?;
    audit::record_change(
        tx,
        actor,
        "user.totp_remove",
        "user",
        &user.to_string(),
        serde_json::json!({}),
    )
    .await
}

/// Revokes every live API token of a user (a password reset). How many.
pub async fn revoke_all_tokens(tx: &mut Tx, actor: &audit::Actor, user: UserId) -> Result<u64> {
    let n =
        query("UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL")
            .bind(now())
            .bind(user.0)
            .execute(&mut *tx)
            .await?;
    audit::record_change(
        tx,
        actor,
        "token.revoke_all",
        "user",
        &user.to_string(),
        serde_json::json!({"revoked": n}),
    )
    .await?;
    Ok(n)
}
