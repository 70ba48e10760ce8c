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

const SELECT: &str = "SELECT u.id, u.username, u.display_name, u.unit_id, un.code AS unit_code, \
    un.path AS unit_path, u.locale, u.active, u.password_hash FROM users u JOIN units un ON un.id = u.unit_id";

async fn from_row(ex: &mut impl AsExec, r: &Row) -> Result<UserRecord> {
    let id = UserId(r.uuid("id")?);
    let roles = query("SELECT role FROM user_roles WHERE user_id = $1 ORDER BY role")
        .bind(id.0)
        .fetch_all(ex)
        .await?
        .iter()
        .map(|r| r.code::<Role>("role"))
        .collect::<Result<Vec<_>>>()?;
    Ok(UserRecord {
        id,
        username: r.text("username")?,
        display_name: r.text("display_name")?,
        unit_id: UnitId(r.uuid("unit_id")?),
        unit_code: r.text("unit_code")?,
        unit_path: r.text("unit_path")?,
        roles,
        locale: r.opt_text("locale")?,
        active: r.bool("active")?,
    })
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
    let r = query(format!("{SELECT} WHERE u.id = $1"))
        .bind(id.0)
        .fetch_one(ex)
        .await?;
    from_row(ex, &r).await
}

/// A user and their password hash, by login name.
pub async fn by_username(
    ex: &mut impl AsExec,
    username: &str,
) -> Result<Option<(UserRecord, String)>> {
    let Some(r) = query(format!("{SELECT} WHERE u.username = $1"))
        .bind(username.trim().to_ascii_lowercase())
        .fetch_optional(ex)
        .await?
    else {
        return Ok(None);
    };
    let hash = r.text("password_hash")?;
    Ok(Some((from_row(ex, &r).await?, hash)))
}

/// The users of the units under a path prefix, by name.
pub async fn in_subtree(ex: &mut impl AsExec, prefix: &str) -> Result<Vec<UserRecord>> {
    let rows = query(format!(
        "{SELECT} WHERE un.path LIKE $1 ORDER BY u.username"
    ))
    .bind(format!("{prefix}%"))
    .fetch_all(ex)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        out.push(from_row(ex, r).await?);
    }
    Ok(out)
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
    let Some(r) =
        query("SELECT user_id, csrf_token, expires_at FROM sessions WHERE token_hash = $1")
            .bind(token_hash.to_vec())
            .fetch_optional(ex)
            .await?
    else {
        return Ok(None);
    };
    if r.timestamp("expires_at")? <= now() {
        return Ok(None);
    }
    let csrf = r.text("csrf_token")?;
    let user = get(ex, UserId(r.uuid("user_id")?)).await?;
    Ok(user.active.then_some((user, csrf)))
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
    let Some(r) = query(
        "SELECT user_id, created_at, expires_at FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL",
    )
    .bind(token_hash.to_vec())
    .fetch_optional(ex)
    .await?
    else {
        return Ok(None);
    };
    if expiry(&r)? <= now() {
        return Ok(None);
    }
    let user = get(ex, UserId(r.uuid("user_id")?)).await?;
    Ok(user.active.then_some(user))
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
