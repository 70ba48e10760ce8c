//! Sessions and the caller's own settings: logging in and out, API tokens,
//! the language.

use crate::auth::gate::Permit;
use crate::auth::SESSION_COOKIE;
use crate::crypto::{random_token, token_hash};
use crate::guard::Verdict;
use crate::i18n::Lang;
use crate::state::AppState;
use crate::web::client::Client;
use crate::web::cookies;
use crate::web::error::{AppError, AppResult};
use crate::web::write::Writer;
use liem_store::audit::Actor;
use liem_store::users;

/// A new session: the `Set-Cookie` value and the session's CSRF token.
pub struct Session {
    /// The `Set-Cookie` header value.
    pub cookie: String,
    /// The token cookie-authenticated writes must carry.
    pub csrf: String,
}

/// Checks credentials and opens a session.
pub async fn login(
    state: &AppState,
    username: &str,
    password: &str,
    client: &Client,
) -> AppResult<Session> {
    // Attempts are counted before they run, three ways: per address and
    // account (guessing one password from one place stops), per address
    // (spraying many accounts from one place stops), and per account from
    // anywhere (slowed only: nobody can lock the right password out from
    // another address).
    let name = username.trim().to_ascii_lowercase();
    let pair = format!("{}|{name}", client.key());
    let address = client.key();
    let mut wait = std::time::Duration::ZERO;
    for (limiter, key, refuses) in [
        (&state.login_limiter, pair.as_str(), true),
        (&state.login_address_limiter, address.as_str(), true),
        (&state.login_account_limiter, name.as_str(), false),
    ] {
        match limiter.attempt(key) {
            Verdict::Refused if refuses => return Err(AppError::TooManyRequests),
            Verdict::Refused => {}
            Verdict::Proceed(d) => wait = wait.max(d),
        }
    }
    if !wait.is_zero() {
        tokio::time::sleep(wait).await;
    }
    let mut conn = state.store.conn().await?;
    let found = users::by_username(&mut conn, username).await?;
    drop(conn);
    let ok = match &found {
        Some((u, hash)) => state.verify_secret(password, Some(hash)).await? && u.active,
        None => state.verify_secret(password, None).await?,
    };
    let user = match found {
        Some((u, _)) if ok => u,
        _ => return Err(AppError::Unauthenticated),
    };
    // The right password: this client and account start afresh.
    state.login_limiter.clear(&pair);
    state.login_address_limiter.forgive(&address);
    state.login_account_limiter.clear(&name);
    let token = random_token();
    let csrf = random_token();
    let hours = state.settings.session_hours;
    let expires = jiff::Timestamp::now()
        .checked_add(jiff::SignedDuration::from_hours(hours))
        .map_err(|e| AppError::Internal(e.to_string()))?;
    // The password was just verified.
    let permit = Permit::unattended(Actor {
        user: Some(user.id),
        unit: Some(user.unit_id),
        source: client.source(),
    });
    let mut tx = permit.begin(&state.store).await?;
    users::create_session(
        &mut tx,
        permit.actor(),
        user.id,
        &token_hash(&token),
        &csrf,
        expires,
    )
    .await?;
    tx.commit().await?;
    let cookie = cookies::set(
        SESSION_COOKIE,
        &token,
        hours * 3600,
        true,
        state.settings.secure_cookies,
    );
    Ok(Session { cookie, csrf })
}

/// Ends the caller's session (`token`, from its cookie); returns the
/// `Set-Cookie` that clears it.
pub async fn logout(state: &AppState, who: &Writer, token: Option<&str>) -> AppResult<String> {
    if let Some(t) = token {
        let permit = who.permit_self();
        let mut tx = permit.begin(&state.store).await?;
        users::delete_session(&mut tx, permit.actor(), &token_hash(t)).await?;
        tx.commit().await?;
    }
    Ok(cookies::set(
        SESSION_COOKIE,
        "",
        0,
        true,
        state.settings.secure_cookies,
    ))
}

/// A new API token for the caller, valid `days` days (1 to 366): its id,
/// the token (shown once) and when it expires.
pub async fn create_token(
    state: &AppState,
    who: &Writer,
    days: i64,
) -> AppResult<(uuid::Uuid, String, jiff::Timestamp)> {
    let expires = users::token_expiry(days)?;
    let token = random_token();
    let permit = who.permit_self();
    let mut tx = permit.begin(&state.store).await?;
    let id = users::create_token(
        &mut tx,
        permit.actor(),
        who.user.id,
        "api",
        &token_hash(&token),
        expires,
    )
    .await?;
    tx.commit().await?;
    Ok((id, token, expires))
}

/// The caller's own API tokens (never the tokens themselves).
pub async fn own_tokens(
    state: &AppState,
    who: &crate::auth::Principal,
) -> AppResult<Vec<users::TokenRecord>> {
    let mut c = state.store.conn().await?;
    Ok(users::tokens(&mut c, Some(who.user.id)).await?)
}

/// Revokes one of the caller's tokens; another's is not found.
pub async fn revoke_own_token(state: &AppState, who: &Writer, id: uuid::Uuid) -> AppResult<()> {
    let permit = who.permit_self();
    let mut tx = permit.begin(&state.store).await?;
    users::revoke_token(&mut tx, permit.actor(), id, Some(who.user.id)).await?;
    tx.commit().await?;
    Ok(())
}

/// Keeps the caller's choice of language.
pub async fn set_language(state: &AppState, who: &Writer, lang: Lang) -> AppResult<()> {
    let permit = who.permit_self();
    let mut tx = permit.begin(&state.store).await?;
    users::set_locale(&mut tx, permit.actor(), who.user.id, Some(lang.tag())).await?;
    tx.commit().await?;
    Ok(())
}
