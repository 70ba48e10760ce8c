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
use liem_domain::ValidationErrors;
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
    code: Option<&str>,
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
        match limiter.attempt(&state.store, key).await {
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
    // A person with a second factor gives its current code too; the step
    // it was for is recorded with the session, so it opens no other.
    let factor_step = {
        let mut conn = state.store.conn().await?;
        match users::totp(&mut conn, user.id).await? {
            Some(f) if f.confirmed => {
                let secret = state
                    .totp
                    .open(user.id, &f.nonce, &f.ciphertext)
                    .ok_or_else(|| AppError::Internal("a second factor does not open".into()))?;
                let now = jiff::Timestamp::now().as_second();
                match code.and_then(|c| crate::totp::check(&secret, c, now, f.last_step)) {
                    Some(step) => Some(step),
                    None => return Err(second_factor_error()),
                }
            }
            _ => None,
        }
    };
    // The right password: this client and account start afresh.
    state.login_limiter.clear(&state.store, &pair).await;
    state
        .login_address_limiter
        .forgive(&state.store, &address)
        .await;
    state.login_account_limiter.clear(&state.store, &name).await;
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
    if let Some(step) = factor_step {
        // Another login with the same code got there first.
        if !users::accept_totp_step(&mut tx, permit.actor(), user.id, step).await? {
            return Err(second_factor_error());
        }
    }
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

/// A login or a change whose second-factor code is missing, wrong, late or
/// used already (422 naming the field `code`).
fn second_factor_error() -> AppError {
    AppError::Validation(ValidationErrors::single(
        "code",
        "second_factor",
        "must be the current six-digit code of your authenticator",
    ))
}

/// What a password change was given.
pub struct PasswordChange<'a> {
    /// The password now.
    pub current: &'a str,
    /// The new one.
    pub new: &'a str,
    /// The new one again.
    pub repeat: &'a str,
}

/// Changes the caller's password: the current one checked, the new one's
/// rules (length, typed twice, not the same), the key pair that opens
/// sealed identities protected anew under it, and every other session of
/// the caller ended — in one transaction. `keep` is the hash of the
/// session making the change (`None` from a token: every session ends).
pub async fn change_password(
    state: &AppState,
    who: &Writer,
    change: &PasswordChange<'_>,
    keep: Option<&[u8]>,
) -> AppResult<()> {
    let mut errs = ValidationErrors::new();
    // The domain's rule for every password, reported on this form's field.
    if let Err(e) = liem_domain::role::check_password(change.new) {
        for fe in e.errors {
            errs.add("new_password", &fe.rule, fe.message);
        }
    }
    if change.new != change.repeat {
        errs.add(
            "repeat_password",
            "mismatch",
            "must repeat the new password",
        );
    }
    if change.new == change.current {
        errs.add(
            "new_password",
            "unchanged",
            "must differ from the current password",
        );
    }
    if change.new.contains('\0') {
        errs.add(
            "new_password",
            "no_nul",
            "must not contain the NUL character",
        );
    }
    let mut conn = state.store.conn().await?;
    let hash = users::by_username(&mut conn, who.user.username.as_str())
        .await?
        .map(|(_, h)| h);
    let key = liem_store::keys::user_key(&mut conn, who.user.id).await?;
    drop(conn);
    if !state.verify_secret(change.current, hash.as_deref()).await? {
        errs.add(
            "current_password",
            "wrong_password",
            "is not your current password",
        );
    }
    errs.into_result(())?;
    // Hashing and the key pair's protection are Argon2id: off the async
    // threads. The key pair is opened with the old password and protected
    // with the new.
    let owner = who.user.id.0.as_bytes().to_vec();
    let (policy, current, new) = (
        state.passwords,
        change.current.to_owned(),
        change.new.to_owned(),
    );
    let (new_hash, reprotected) = tokio::task::spawn_blocking(move || {
        let reprotected = match key {
            Some(k) => {
                let private = crate::keys::open_protected(&k, &current, &owner)
                    .map_err(|e| AppError::Internal(format!("the key pair does not open: {e}")))?;
                Some(crate::keys::protect(&private, &new, &owner, policy))
            }
            None => None,
        };
        Ok::<_, AppError>((policy.hash(&new), reprotected))
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))??;
    let permit = who.permit_self();
    let mut tx = permit.begin(&state.store).await?;
    users::set_password(&mut tx, permit.actor(), who.user.id, &new_hash).await?;
    if let Some(k) = reprotected {
        liem_store::keys::set_user_key(&mut tx, permit.actor(), who.user.id, &k).await?;
    }
    users::end_sessions(&mut tx, permit.actor(), who.user.id, None, keep).await?;
    tx.commit().await?;
    Ok(())
}

/// The caller's second factor: none, begun (waiting for a first code), or
/// on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FactorState {
    /// No second factor.
    Off,
    /// A secret given, not yet confirmed with a code.
    Pending,
    /// Asked at every login.
    On,
}

/// The state of the caller's second factor.
pub async fn factor_state(
    state: &AppState,
    who: &crate::auth::Principal,
) -> AppResult<FactorState> {
    let mut c = state.store.conn().await?;
    Ok(match users::totp(&mut c, who.user.id).await? {
        None => FactorState::Off,
        Some(f) if f.confirmed => FactorState::On,
        Some(_) => FactorState::Pending,
    })
}

/// A new second-factor secret for the caller (replacing a pending one; one
/// already on must be removed first, with a code): the secret in base32
/// and its `otpauth://` address, shown once.
pub async fn begin_factor(state: &AppState, who: &Writer) -> AppResult<(String, String)> {
    if factor_state(state, who).await? == FactorState::On {
        return Err(AppError::Conflict(
            "a second factor is on already: remove it first".into(),
        ));
    }
    let secret = crate::totp::new_secret();
    let (nonce, ct) = state.totp.seal(who.user.id, &secret);
    let permit = who.permit_self();
    let mut tx = permit.begin(&state.store).await?;
    users::begin_totp(&mut tx, permit.actor(), who.user.id, &nonce, &ct).await?;
    tx.commit().await?;
    Ok((
        crate::totp::base32(&secret),
        crate::totp::otpauth_uri("Liêm", who.user.username.as_str(), &secret),
    ))
}

/// Checks a code of the caller's second factor and records its step: a
/// pending factor is then on.
pub async fn confirm_factor(state: &AppState, who: &Writer, code: &str) -> AppResult<()> {
    let mut c = state.store.conn().await?;
    let Some(f) = users::totp(&mut c, who.user.id).await? else {
        return Err(AppError::Conflict("no second factor was begun".into()));
    };
    drop(c);
    let secret = state
        .totp
        .open(who.user.id, &f.nonce, &f.ciphertext)
        .ok_or_else(|| AppError::Internal("a second factor does not open".into()))?;
    let now = jiff::Timestamp::now().as_second();
    let step =
        crate::totp::check(&secret, code, now, f.last_step).ok_or_else(second_factor_error)?;
    let permit = who.permit_self();
    let mut tx = permit.begin(&state.store).await?;
    if !users::accept_totp_step(&mut tx, permit.actor(), who.user.id, step).await? {
        return Err(second_factor_error());
    }
    tx.commit().await?;
    Ok(())
}

/// Removes the caller's second factor, given a current code.
pub async fn remove_factor(state: &AppState, who: &Writer, code: &str) -> AppResult<()> {
    confirm_factor(state, who, code).await?;
    let permit = who.permit_self();
    let mut tx = permit.begin(&state.store).await?;
    users::remove_totp(&mut tx, permit.actor(), who.user.id).await?;
    tx.commit().await?;
    Ok(())
}

/// The caller's live sessions.
pub async fn own_sessions(
    state: &AppState,
    who: &crate::auth::Principal,
) -> AppResult<Vec<users::SessionRecord>> {
    let mut c = state.store.conn().await?;
    Ok(users::sessions(&mut c, who.user.id).await?)
}

/// Ends one of the caller's sessions (by its id from the list). Ending is
/// idempotent: a session already ended, or another person's (which the
/// query never touches), ends nothing; how many ended (0 or 1).
pub async fn end_own_session(state: &AppState, who: &Writer, id: &str) -> AppResult<u64> {
    let Ok(hash) = hex::decode(id.trim()) else {
        return Ok(0);
    };
    let permit = who.permit_self();
    let mut tx = permit.begin(&state.store).await?;
    let n = users::end_sessions(&mut tx, permit.actor(), who.user.id, Some(&hash), None).await?;
    tx.commit().await?;
    Ok(n)
}
