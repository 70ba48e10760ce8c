//! Server-rendered HTML pages (askama, auto-escaped), working without
//! JavaScript. They call the same service functions as the JSON API; all
//! text comes from the translation files.

use crate::api::LetterQuery;
use crate::auth::{self, Principal, Via};
use crate::error::AppError;
use crate::files::Upload;
use crate::i18n::{Lang, Tr};
use crate::service::{self, LetterView};
use crate::AppState;
use askama::Template;
use axum::extract::{Form, FromRequestParts, Multipart, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use liem_domain::ids::{LetterId, MatterId};
use liem_domain::petition::{
    Channel, LetterInput, PetitionKind, SealedPayload, SenderInput, SenderKind,
};
use liem_domain::workflow::{
    ActionInput, ClassificationInput, CompetentBody, IneligibilityReason, MatterState, Outcome,
};
use liem_domain::FieldError;
use liem_store::petitions;
use liem_store::users::{self, UserRecord};
use serde::Deserialize;

const LANG_COOKIE: &str = "liem_lang";

/// The page router.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(|| async { Redirect::to("/petitions") }))
        .route("/static/app.css", get(css))
        .route("/login", get(login_form).post(login))
        .route("/logout", post(logout))
        .route("/language", post(language))
        .route("/petitions", get(list).post(create))
        .route("/petitions/new", get(new_form))
        .route("/petitions/{id}", get(show))
        .route("/petitions/{id}/unseal-request", post(request_unseal))
        .route("/petitions/{id}/identity", post(view_identity))
        .route("/petitions/{id}/acknowledge", post(acknowledge))
        .route("/custody", get(custody))
        .route("/custody/{id}", post(decide))
        .route("/custody/reseal/{id}", post(reseal))
        .route("/petitions/{id}/messages", post(send_message))
        .route("/matters/{id}/actions", post(act))
        .route("/calendar", get(calendar))
        .route("/operator", get(operator_form).post(operator_submit))
}

async fn css() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../static/app.css"),
    )
        .into_response()
}

/// What every page needs: the language, the user, the CSRF token.
pub struct Page {
    tr: Tr,
    user: Option<UserRecord>,
    csrf: String,
    principal: Option<Principal>,
}

impl FromRequestParts<AppState> for Page {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let principal = auth::authenticate(parts, state)
            .await
            .ok()
            .flatten()
            .filter(|p| p.via == Via::Session);
        let asked = parts
            .uri
            .query()
            .and_then(|q| q.split('&').find_map(|kv| kv.strip_prefix("lang=")))
            .and_then(Lang::from_tag);
        let lang = asked
            .or_else(|| {
                principal
                    .as_ref()
                    .and_then(|p| p.user.locale.as_deref())
                    .and_then(Lang::from_tag)
            })
            .or_else(|| auth::cookie(parts, LANG_COOKIE).and_then(|c| Lang::from_tag(&c)))
            .unwrap_or_else(|| {
                Lang::negotiate(
                    parts
                        .headers
                        .get(header::ACCEPT_LANGUAGE)
                        .and_then(|v| v.to_str().ok()),
                )
            });
        Ok(Page {
            tr: Tr::new(state.i18n.clone(), lang),
            user: principal.as_ref().map(|p| p.user.clone()),
            csrf: principal
                .as_ref()
                .and_then(|p| p.csrf.clone())
                .unwrap_or_default(),
            principal,
        })
    }
}

impl Page {
    /// The signed-in user, if any.
    pub fn principal(&self) -> Option<&Principal> {
        self.principal.as_ref()
    }

    /// The translator of this page.
    pub fn tr(&self) -> &Tr {
        &self.tr
    }

    /// Renders an error as a page.
    pub fn error_page(&self, e: AppError) -> Response {
        self.error(e)
    }

    /// The signed-in user of a posted form whose CSRF token checks out, or
    /// the response to send instead (a redirect to log in, or an error page).
    pub(crate) fn posted(&self, csrf: &str) -> Result<&Principal, Box<Response>> {
        let who = self.who().map_err(|r| Box::new(r.into_response()))?;
        who.check_csrf(Some(csrf))
            .map_err(|e| Box::new(self.error(e)))?;
        Ok(who)
    }

    /// The signed-in user, or a redirect to the login page.
    fn who(&self) -> Result<&Principal, Redirect> {
        self.principal
            .as_ref()
            .ok_or_else(|| Redirect::to("/login"))
    }

    /// Renders an error as a page (unauthenticated: to the login page).
    fn error(&self, e: AppError) -> Response {
        let status = e.status();
        let message = match &e {
            AppError::Unauthenticated => return Redirect::to("/login").into_response(),
            AppError::NotFound => self.tr.t("err-not-found"),
            AppError::Forbidden(_) => self.tr.t("err-forbidden"),
            AppError::Csrf => self.tr.t("err-csrf"),
            AppError::TooManyRequests => self.tr.t("pub-follow-slow"),
            AppError::Internal(cause) => {
                tracing::error!(error = %cause, "internal error on a page");
                self.tr.t("err-generic")
            }
            other => self.tr.t1("err-conflict", "detail", other.to_string()),
        };
        let t = ErrorTpl {
            tr: self.tr.clone(),
            user: self.user.clone(),
            csrf: self.csrf.clone(),
            message,
        };
        (status, render(&t)).into_response()
    }
}

pub(crate) fn render(t: &impl Template) -> Response {
    match t.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "template error").into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorTpl {
    tr: Tr,
    user: Option<UserRecord>,
    csrf: String,
    message: String,
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginTpl {
    tr: Tr,
    user: Option<UserRecord>,
    csrf: String,
    failed: bool,
    username: String,
}

async fn login_form(page: Page) -> Response {
    if page.principal.is_some() {
        return Redirect::to("/petitions").into_response();
    }
    render(&LoginTpl {
        tr: page.tr,
        user: None,
        csrf: String::new(),
        failed: false,
        username: String::new(),
    })
}

#[derive(Deserialize)]
struct LoginForm {
    username: String,
    password: String,
}

async fn login(
    State(state): State<AppState>,
    page: Page,
    crate::auth::ClientSource(source): crate::auth::ClientSource,
    Form(f): Form<LoginForm>,
) -> Response {
    match service::login(&state, &f.username, &f.password, &source).await {
        Ok((cookie, _csrf)) => {
            ([(header::SET_COOKIE, cookie)], Redirect::to("/petitions")).into_response()
        }
        Err(AppError::Unauthenticated) => (
            StatusCode::UNAUTHORIZED,
            render(&LoginTpl {
                tr: page.tr,
                user: None,
                csrf: String::new(),
                failed: true,
                username: f.username,
            }),
        )
            .into_response(),
        Err(e) => page.error(e),
    }
}

#[derive(Deserialize)]
struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

async fn logout(
    State(state): State<AppState>,
    page: Page,
    headers: HeaderMap,
    Form(f): Form<CsrfForm>,
) -> Response {
    let who = match page.posted(&f.csrf) {
        Ok(w) => w,
        Err(r) => return *r,
    };
    match service::logout(&state, who, &headers).await {
        Ok(cookie) => ([(header::SET_COOKIE, cookie)], Redirect::to("/login")).into_response(),
        Err(e) => page.error(e),
    }
}

#[derive(Deserialize)]
struct LangForm {
    lang: String,
    #[serde(default)]
    csrf: String,
}

async fn language(State(state): State<AppState>, page: Page, Form(f): Form<LangForm>) -> Response {
    let Some(lang) = Lang::from_tag(&f.lang) else {
        return page.error(AppError::BadRequest("unknown language".into()));
    };
    let cookie = format!(
        "{LANG_COOKIE}={}; Path=/; SameSite=Lax; Max-Age=31536000",
        lang.tag()
    );
    if let Some(who) = &page.principal {
        if let Err(e) = who.check_csrf(Some(&f.csrf)) {
            return page.error(e);
        }
        let result = async {
            let mut tx = state.store.begin().await?;
            users::set_locale(&mut tx, &who.actor(), who.user.id, Some(lang.tag())).await?;
            tx.commit().await
        }
        .await;
        if let Err(e) = result {
            return page.error(e.into());
        }
        return ([(header::SET_COOKIE, cookie)], Redirect::to("/petitions")).into_response();
    }
    ([(header::SET_COOKIE, cookie)], Redirect::to("/login")).into_response()
}

struct Row {
    id: LetterId,
    reference: String,
    received_on: String,
    kinds: String,
    sender: String,
    summary: String,
    states: String,
    due: String,
    overdue: bool,
}

#[derive(Template)]
#[template(path = "list.html")]
struct ListTpl {
    tr: Tr,
    user: Option<UserRecord>,
    csrf: String,
    q: LetterQuery,
    states: Vec<String>,
    kinds: Vec<String>,
    fields: Vec<(String, String)>,
    total: i64,
    rows: Vec<Row>,
    next_link: Option<String>,
}

fn sender_label(tr: &Tr, sealed: bool, kind: SenderKind, name: Option<&str>) -> String {
    if sealed {
        tr.t("sender-sealed")
    } else if kind == SenderKind::Anonymous {
        tr.t("sender-anonymous-label")
    } else {
        name.unwrap_or_default().to_owned()
    }
}

async fn field_names(state: &AppState, tr: &Tr) -> Result<Vec<(String, String)>, AppError> {
    let mut c = state.store.conn().await?;
    Ok(petitions::fields(&mut c)
        .await?
        .into_iter()
        .map(|(code, vi, en)| {
            let fallback = if tr.lang == Lang::Vi { vi } else { en };
            let label = tr.t_or(&format!("field-{code}"), &fallback);
            (code, label)
        })
        .collect())
}

async fn list(State(state): State<AppState>, page: Page, Query(q): Query<LetterQuery>) -> Response {
    let who = match page.who() {
        Ok(w) => w,
        Err(r) => return r.into_response(),
    };
    let result = async {
        let (filter, cursor) = q.to_filter(&state, who).await?;
        let (p, total) =
            service::list_letters(&state, who, &filter, cursor, q.limit.unwrap_or(50).min(200))
                .await?;
        let fields = field_names(&state, &page.tr).await?;
        Ok::<_, AppError>((p, total, fields))
    }
    .await;
    let (p, total, fields) = match result {
        Ok(v) => v,
        Err(e) => return page.error(e),
    };
    let tr = &page.tr;
    let today = service::today();
    let rows = p
        .items
        .iter()
        .map(|l| {
            let due = l.matters.iter().filter_map(|m| m.due_on).min();
            Row {
                id: l.id,
                reference: l.reference.clone(),
                received_on: l.received_on.to_string(),
                kinds: l
                    .kinds
                    .iter()
                    .map(|k| tr.code("kind", k))
                    .collect::<Vec<_>>()
                    .join(", "),
                sender: sender_label(tr, l.sealed, l.sender_kind, l.sender_name.as_deref()),
                summary: l.summary.clone(),
                states: l
                    .matters
                    .iter()
                    .map(|m| tr.code("state", m.state))
                    .collect::<Vec<_>>()
                    .join(", "),
                due: due.map(|d| d.to_string()).unwrap_or_default(),
                overdue: due.is_some_and(|d| d < today),
            }
        })
        .collect();
    let next_link = p.next_cursor.map(|c| {
        let mut params: Vec<(String, String)> = Vec::new();
        let mut push = |k: &str, v: Option<String>| {
            if let Some(v) = v.filter(|v| !v.is_empty()) {
                params.push((k.to_owned(), v));
            }
        };
        push("q", q.q.clone());
        push("status", q.status.clone());
        push("kind", q.kind.clone());
        push("field", q.field.clone());
        push("unit", q.unit.clone());
        push("due_within", q.due_within.map(|d| d.to_string()));
        push("overdue", q.overdue.filter(|o| *o).map(|_| "true".into()));
        push("cursor", Some(c));
        let qs: Vec<String> = params
            .iter()
            .map(|(k, v)| format!("{k}={}", urlencode(v)))
            .collect();
        format!("/petitions?{}", qs.join("&"))
    });
    render(&ListTpl {
        tr: page.tr.clone(),
        user: page.user.clone(),
        csrf: page.csrf.clone(),
        q,
        states: MatterState::ALL
            .iter()
            .map(|s| s.as_str().to_owned())
            .collect(),
        kinds: PetitionKind::ALL
            .iter()
            .map(|s| s.as_str().to_owned())
            .collect(),
        fields,
        total,
        rows,
        next_link,
    })
}

/// Percent-encodes a query value.
pub(crate) fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "new.html")]
struct NewTpl {
    tr: Tr,
    user: Option<UserRecord>,
    csrf: String,
    input: LetterInput,
    errors: Vec<FieldError>,
    kinds: Vec<String>,
    channels: Vec<String>,
    sender_kinds: Vec<String>,
    fields: Vec<(String, String)>,
    max_mb: usize,
}

impl NewTpl {
    fn has_kind(&self, k: &str) -> bool {
        self.input.kinds.iter().any(|x| x == k)
    }
}

async fn new_page(
    state: &AppState,
    page: &Page,
    input: LetterInput,
    errors: Vec<FieldError>,
) -> Response {
    let fields = match field_names(state, &page.tr).await {
        Ok(f) => f,
        Err(e) => return page.error(e),
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let t = NewTpl {
        tr: page.tr.clone(),
        user: page.user.clone(),
        csrf: page.csrf.clone(),
        input,
        errors,
        kinds: PetitionKind::ALL
            .iter()
            .map(|s| s.as_str().to_owned())
            .collect(),
        channels: Channel::ALL.iter().map(|s| s.as_str().to_owned()).collect(),
        sender_kinds: SenderKind::ALL
            .iter()
            .map(|s| s.as_str().to_owned())
            .collect(),
        fields,
        max_mb: state.settings.max_upload_bytes / (1024 * 1024),
    };
    (status, render(&t)).into_response()
}

async fn new_form(State(state): State<AppState>, page: Page) -> Response {
    if let Err(r) = page.who() {
        return r.into_response();
    }
    let input = LetterInput {
        received_on: Some(service::today().to_string()),
        sender: SenderInput {
            kind: Some("person".into()),
            ..Default::default()
        },
        ..Default::default()
    };
    new_page(&state, &page, input, Vec::new()).await
}

/// Reads the intake form (multipart, because of attachments).
async fn read_intake(
    mp: Multipart,
    max: usize,
) -> Result<(LetterInput, String, Vec<Upload>), AppError> {
    let (fields, uploads) = crate::public::read_form(mp, max).await?;
    let mut input = LetterInput::default();
    let mut csrf = String::new();
    for (name, text) in fields {
        let opt = || Some(text.clone()).filter(|t| !t.trim().is_empty());
        match name.as_str() {
            "csrf" => csrf = text,
            "kinds" => input.kinds.push(text),
            "channel" => input.channel = opt(),
            "field" => input.field = opt(),
            "received_on" => input.received_on = opt(),
            "place" => input.place = opt(),
            "sender_kind" => input.sender.kind = opt(),
            "sender_name" => input.sender.name = opt(),
            "sender_id_number" => input.sender.id_number = opt(),
            "sender_address" => input.sender.address = opt(),
            "sender_phone" => input.sender.phone = opt(),
            "sender_email" => input.sender.email = opt(),
            "signatories" => input.signatories = text.trim().parse().ok(),
            "subject" => input.subject = opt(),
            "summary" => input.summary = opt(),
            "content" => input.content = opt(),
            "forwarded_by" => input.forwarded_by = opt(),
            "seal_identity" => input.seal_identity = text == "true",
            _ => {}
        }
    }
    Ok((input, csrf, uploads))
}

async fn create(State(state): State<AppState>, page: Page, mp: Multipart) -> Response {
    let who = match page.who() {
        Ok(w) => w,
        Err(r) => return r.into_response(),
    };
    let (input, csrf, uploads) = match read_intake(mp, state.settings.max_upload_bytes).await {
        Ok(v) => v,
        Err(e) => return page.error(e),
    };
    if let Err(e) = who.check_csrf(Some(&csrf)) {
        return page.error(e);
    }
    match service::register_letter(&state, who, &input, uploads).await {
        Ok(v) => Redirect::to(&format!("/petitions/{}?created=1", v.letter.id)).into_response(),
        Err(AppError::Validation(errs)) => new_page(&state, &page, input, errs.errors).await,
        Err(e) => page.error(e),
    }
}

struct MatterBlock {
    id: MatterId,
    reference: String,
    kind: String,
    state: String,
    handler: String,
    deadline: String,
    overdue: bool,
    events: Vec<String>,
    actions: Vec<String>,
}

#[derive(Template)]
#[template(path = "letter.html")]
struct LetterTpl {
    tr: Tr,
    user: Option<UserRecord>,
    csrf: String,
    v: LetterView,
    kinds: String,
    sender: String,
    field_name: String,
    matters: Vec<MatterBlock>,
    identity: Option<SealedPayload>,
    notice: Option<String>,
    action_error: Option<String>,
    today: String,
    /// The conversation, for letters that came through the public channel.
    messages: Option<Vec<liem_store::public::Message>>,
    /// Requests to unseal the identity.
    requests: Vec<RequestRow>,
    /// Whether the caller holds an approved request.
    my_approved: bool,
    ineligibility: Vec<&'static str>,
    bodies: Vec<&'static str>,
    outcomes: Vec<&'static str>,
}

async fn letter_page(
    state: &AppState,
    page: &Page,
    who: &Principal,
    id: LetterId,
    identity: Option<SealedPayload>,
    notice: Option<String>,
    action_error: Option<String>,
) -> Result<LetterTpl, AppError> {
    let v = service::letter_view(state, who, id).await?;
    let messages = {
        let mut c = state.store.conn().await?;
        if liem_store::public::has_receipt(&mut c, id).await? {
            Some(liem_store::public::messages(&mut c, id).await?)
        } else {
            None
        }
    };
    let reqs = {
        let mut c = state.store.conn().await?;
        liem_store::keys::unseal_requests_of_letter(&mut c, id).await?
    };
    let my_approved = reqs
        .iter()
        .any(|r| r.requester_id == who.user.id && r.status == "approved");
    let requests = request_rows(state, reqs).await?;
    let tr = &page.tr;
    let fields = field_names(state, tr).await?;
    let field_name = fields
        .iter()
        .find(|f| f.0 == v.letter.field_code)
        .map_or(v.letter.field_code.clone(), |f| f.1.clone());
    let today = service::today();
    let mut c = state.store.conn().await?;
    let mut matters = Vec::new();
    for mv in &v.matter_views {
        let handler = match mv.matter.handler_id {
            Some(h) => users::get(&mut c, h)
                .await
                .map(|u| u.display_name)
                .unwrap_or_default(),
            None => tr.t("d-unassigned"),
        };
        let (deadline, overdue) = match &mv.deadline {
            Some(d) => {
                let left = d.days_left(today);
                let when = if left < 0 {
                    tr.t1("d-overdue", "days", -left)
                } else {
                    tr.t1("d-days-left", "days", left)
                };
                (
                    format!(
                        "{} ({when}) — {} · {}",
                        d.due,
                        tr.code("rule", d.code),
                        d.citation
                    ),
                    left < 0,
                )
            }
            None => (tr.t("d-no-deadline"), false),
        };
        let events = mv
            .events
            .iter()
            .map(|e| {
                let mut s = format!(
                    "{} — {}: {} → {}",
                    e.on_date,
                    tr.code("action", &e.action),
                    tr.code("state", &e.from_state),
                    tr.code("state", &e.to_state)
                );
                for key in ["reason", "note", "to_body", "summary"] {
                    if let Some(t) = e.detail.get(key).and_then(|v| v.as_str()) {
                        s.push_str(&format!(" · {t}"));
                    }
                }
                if let Some(o) = e.detail.get("outcome").and_then(|v| v.as_str()) {
                    s.push_str(&format!(" · {}", tr.code("outcome", o)));
                }
                s
            })
            .collect();
        matters.push(MatterBlock {
            id: mv.matter.id,
            reference: mv.matter.reference.clone(),
            kind: mv.matter.facts.kind.as_str().to_owned(),
            state: mv.matter.facts.state.as_str().to_owned(),
            handler,
            deadline,
            overdue,
            events,
            actions: mv
                .allowed_actions
                .iter()
                .map(|a| a.as_str().to_owned())
                .collect(),
        });
    }
    Ok(LetterTpl {
        tr: page.tr.clone(),
        user: page.user.clone(),
        csrf: page.csrf.clone(),
        kinds: v
            .letter
            .kinds
            .iter()
            .map(|k| tr.code("kind", k))
            .collect::<Vec<_>>()
            .join(", "),
        sender: sender_label(
            tr,
            v.letter.sealed,
            v.letter.sender_kind,
            v.letter.sender_name.as_deref(),
        ),
        field_name,
        matters,
        identity,
        notice,
        action_error,
        today: today.to_string(),
        messages,
        requests,
        my_approved,
        ineligibility: IneligibilityReason::ALL
            .iter()
            .map(|x| x.as_str())
            .collect(),
        bodies: CompetentBody::ALL.iter().map(|x| x.as_str()).collect(),
        outcomes: Outcome::ALL.iter().map(|x| x.as_str()).collect(),
        v,
    })
}

#[derive(Deserialize)]
struct ShowQuery {
    created: Option<String>,
}

async fn show(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<LetterId>,
    Query(sq): Query<ShowQuery>,
) -> Response {
    let who = match page.who() {
        Ok(w) => w,
        Err(r) => return r.into_response(),
    };
    match letter_page(&state, &page, who, id, None, None, None).await {
        Ok(mut t) => {
            if sq.created.is_some() {
                t.notice = Some(t.tr.t1("created-notice", "reference", &t.v.letter.reference));
            }
            render(&t)
        }
        Err(e) => page.error(e),
    }
}

#[derive(Deserialize)]
struct UnsealForm {
    reason: String,
    #[serde(default)]
    csrf: String,
}

async fn request_unseal(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<LetterId>,
    Form(f): Form<UnsealForm>,
) -> Response {
    let who = match page.posted(&f.csrf) {
        Ok(w) => w,
        Err(r) => return *r,
    };
    match crate::custody::request_unseal(&state, who, id, &f.reason).await {
        Ok(_) => Redirect::to(&format!("/petitions/{id}#identity")).into_response(),
        Err(e) => page.error(e),
    }
}

#[derive(Deserialize)]
struct PasswordForm {
    password: String,
    #[serde(default)]
    csrf: String,
}

async fn view_identity(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<LetterId>,
    Form(f): Form<PasswordForm>,
) -> Response {
    let who = match page.posted(&f.csrf) {
        Ok(w) => w,
        Err(r) => return *r,
    };
    let identity = match crate::custody::view_identity(&state, who, id, &f.password).await {
        Ok(i) => i,
        Err(e) => return page.error(e),
    };
    match letter_page(&state, &page, who, id, Some(identity), None, None).await {
        Ok(t) => ([(header::CACHE_CONTROL, "no-store")], render(&t)).into_response(),
        Err(e) => page.error(e),
    }
}

struct RequestRow {
    id: uuid::Uuid,
    letter_id: LetterId,
    reference: String,
    requester: String,
    reason: String,
    status: String,
}

#[derive(Template)]
#[template(path = "custody.html")]
struct CustodyTpl {
    tr: Tr,
    user: Option<UserRecord>,
    csrf: String,
    rows: Vec<RequestRow>,
    /// Transfers to re-seal: id, letter reference, receiving unit code.
    reseals: Vec<(uuid::Uuid, String, String)>,
}

async fn request_rows(
    state: &AppState,
    reqs: Vec<liem_store::keys::UnsealRequest>,
) -> Result<Vec<RequestRow>, AppError> {
    let mut c = state.store.conn().await?;
    let mut rows = Vec::new();
    for r in reqs {
        let l = petitions::get_letter(&mut c, r.letter_id).await?;
        let requester = users::get(&mut c, r.requester_id)
            .await
            .map(|u| u.display_name)
            .unwrap_or_default();
        rows.push(RequestRow {
            id: r.id,
            letter_id: r.letter_id,
            reference: l.reference,
            requester,
            reason: r.reason,
            status: r.status,
        });
    }
    Ok(rows)
}

async fn custody(State(state): State<AppState>, page: Page) -> Response {
    let who = match page.who() {
        Ok(w) => w,
        Err(r) => return r.into_response(),
    };
    let rows = match crate::custody::requests_for_custodian(&state, who, Some("pending")).await {
        Ok(r) => request_rows(&state, r).await,
        Err(e) => Err(e),
    };
    let reseals = async {
        let mut out = Vec::new();
        let mut c = state.store.conn().await?;
        for t in crate::custody::pending_reseals(&state, who).await? {
            let l = petitions::get_letter(&mut c, t.letter_id).await?;
            let to = liem_store::units::get(&mut c, t.to_unit_id).await?;
            out.push((t.id, l.reference, to.code));
        }
        Ok::<_, AppError>(out)
    }
    .await;
    match (rows, reseals) {
        (Ok(rows), Ok(reseals)) => render(&CustodyTpl {
            tr: page.tr.clone(),
            user: page.user.clone(),
            csrf: page.csrf.clone(),
            rows,
            reseals,
        }),
        (Err(e), _) | (_, Err(e)) => page.error(e),
    }
}

#[derive(Deserialize)]
struct DecisionForm {
    approve: String,
    #[serde(default)]
    password: String,
    note: Option<String>,
    #[serde(default)]
    csrf: String,
}

async fn decide(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<uuid::Uuid>,
    Form(f): Form<DecisionForm>,
) -> Response {
    let who = match page.posted(&f.csrf) {
        Ok(w) => w,
        Err(r) => return *r,
    };
    match crate::custody::decide_unseal(
        &state,
        who,
        id,
        f.approve == "true",
        &f.password,
        f.note.as_deref(),
    )
    .await
    {
        Ok(_) => Redirect::to("/custody").into_response(),
        Err(e) => page.error(e),
    }
}

#[derive(Deserialize)]
struct MessageForm {
    body: String,
    #[serde(default)]
    csrf: String,
}

async fn send_message(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<LetterId>,
    Form(f): Form<MessageForm>,
) -> Response {
    let who = match page.posted(&f.csrf) {
        Ok(w) => w,
        Err(r) => return *r,
    };
    match crate::public::staff_message(&state, who, id, &f.body).await {
        Ok(_) => Redirect::to(&format!("/petitions/{id}#messages")).into_response(),
        Err(e) => page.error(e),
    }
}

#[derive(Deserialize)]
struct ActionForm {
    action: String,
    letter: LetterId,
    #[serde(default)]
    csrf: String,
    on: Option<String>,
    reason: Option<String>,
    note: Option<String>,
    to_body: Option<String>,
    outcome: Option<String>,
    summary: Option<String>,
    eligible: Option<String>,
    ineligibility: Option<String>,
    competent: Option<String>,
    competent_body: Option<String>,
    round: Option<u8>,
    has_originals: Option<String>,
    bypass_level: Option<String>,
    repeated: Option<String>,
    complex: Option<String>,
    remote_area: Option<String>,
    multi_place: Option<String>,
}

impl ActionForm {
    fn input(&self) -> ActionInput {
        let nonempty = |s: &Option<String>| s.clone().filter(|v| !v.trim().is_empty());
        let flag = |s: &Option<String>| s.as_deref() == Some("true");
        let classification = (self.action == "classify").then(|| ClassificationInput {
            eligible: self.eligible.as_deref().map(|v| v == "true"),
            ineligibility: nonempty(&self.ineligibility),
            competent: self.competent.as_deref().map(|v| v == "true"),
            competent_body: nonempty(&self.competent_body),
            has_originals: flag(&self.has_originals),
            bypass_level: flag(&self.bypass_level),
            repeated: flag(&self.repeated),
            complex: flag(&self.complex),
            remote_area: flag(&self.remote_area),
            multi_place: flag(&self.multi_place),
            round: self.round,
        });
        ActionInput {
            action: Some(self.action.clone()),
            on: nonempty(&self.on),
            reason: nonempty(&self.reason),
            note: nonempty(&self.note),
            to_body: nonempty(&self.to_body),
            outcome: nonempty(&self.outcome),
            summary: nonempty(&self.summary),
            classification,
        }
    }
}

async fn act(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<MatterId>,
    Form(f): Form<ActionForm>,
) -> Response {
    let who = match page.posted(&f.csrf) {
        Ok(w) => w,
        Err(r) => return *r,
    };
    match service::act(&state, who, id, &f.input()).await {
        Ok(_) => Redirect::to(&format!("/petitions/{}#matter-{id}", f.letter)).into_response(),
        Err(
            e @ (AppError::Validation(_)
            | AppError::Workflow(_)
            | AppError::Conflict(_)
            | AppError::Forbidden(_)),
        ) => {
            let status = e.status();
            let message = match &e {
                AppError::Validation(v) => v.to_string(),
                other => other.to_string(),
            };
            match letter_page(&state, &page, who, f.letter, None, None, Some(message)).await {
                Ok(t) => (status, render(&t)).into_response(),
                Err(e) => page.error(e),
            }
        }
        Err(e) => page.error(e),
    }
}

#[derive(Template)]
#[template(path = "calendar.html")]
struct CalendarTpl {
    tr: Tr,
    user: Option<UserRecord>,
    csrf: String,
    year: i16,
    days: Vec<(String, String)>,
}

#[derive(Deserialize)]
struct YearQuery {
    year: Option<i16>,
}

async fn calendar(
    State(state): State<AppState>,
    page: Page,
    Query(q): Query<YearQuery>,
) -> Response {
    if let Err(r) = page.who() {
        return r.into_response();
    }
    let year = q.year.unwrap_or_else(|| service::today().year());
    if let Err(e) = crate::api::check_year(year) {
        return page.error(e);
    }
    let cal = match state.store.conn().await {
        Ok(mut c) => liem_store::calendar::load(&mut c)
            .await
            .map_err(AppError::from),
        Err(e) => Err(e.into()),
    };
    let cal = match cal {
        Ok(c) => c,
        Err(e) => return page.error(e),
    };
    let days = cal
        .days_off(year)
        .into_iter()
        .map(|d| {
            (
                d.date.to_string(),
                if d.code == "announced" {
                    d.name
                } else {
                    holiday_name(&page.tr, &d.code)
                },
            )
        })
        .collect();
    render(&CalendarTpl {
        tr: page.tr.clone(),
        user: page.user.clone(),
        csrf: page.csrf.clone(),
        year,
        days,
    })
}

fn holiday_name(tr: &Tr, code: &str) -> String {
    tr.code("holiday", code)
}

#[derive(Template)]
#[template(path = "operator.html")]
struct OperatorTpl {
    tr: Tr,
    user: Option<UserRecord>,
    csrf: String,
    kinds: Vec<String>,
    errors: Vec<FieldError>,
    code: Option<String>,
    reference: String,
    input: crate::public::OperatorInput,
}

fn operator_page(
    page: &Page,
    input: crate::public::OperatorInput,
    errors: Vec<FieldError>,
    code: Option<String>,
    reference: String,
) -> OperatorTpl {
    OperatorTpl {
        input,
        tr: page.tr.clone(),
        user: page.user.clone(),
        csrf: page.csrf.clone(),
        kinds: PetitionKind::ALL
            .iter()
            .map(|k| k.as_str().to_owned())
            .collect(),
        errors,
        code,
        reference,
    }
}

async fn operator_form(page: Page) -> Response {
    if let Err(r) = page.who() {
        return r.into_response();
    }
    render(&operator_page(
        &page,
        Default::default(),
        Vec::new(),
        None,
        String::new(),
    ))
}

#[derive(Deserialize)]
struct OperatorForm {
    #[serde(default)]
    csrf: String,
    channel: Option<String>,
    kind: Option<String>,
    who: Option<String>,
    what: Option<String>,
    when: Option<String>,
    place: Option<String>,
    evidence: Option<String>,
    anonymous: Option<String>,
    name: Option<String>,
    id_number: Option<String>,
    phone: Option<String>,
    address: Option<String>,
    confirmed_by_reporter: Option<String>,
    seal_content: Option<String>,
}

async fn operator_submit(
    State(state): State<AppState>,
    page: Page,
    Form(f): Form<OperatorForm>,
) -> Response {
    let who = match page.posted(&f.csrf) {
        Ok(w) => w,
        Err(r) => return *r,
    };
    let nonempty = |v: &Option<String>| v.clone().filter(|t| !t.trim().is_empty());
    let input = crate::public::OperatorInput {
        report: liem_domain::report::ReportInput {
            kind: nonempty(&f.kind),
            unit: None,
            who: nonempty(&f.who),
            what: nonempty(&f.what),
            when: nonempty(&f.when),
            place: nonempty(&f.place),
            evidence: nonempty(&f.evidence),
            request: None,
            anonymous: f.anonymous.as_deref() == Some("true"),
            name: nonempty(&f.name),
            id_number: nonempty(&f.id_number),
            address: nonempty(&f.address),
            phone: nonempty(&f.phone),
            email: None,
            lang: Some(page.tr.tag().to_owned()),
            seal_content: f.seal_content.as_deref() == Some("true"),
        },
        channel: nonempty(&f.channel),
        confirmed_by_reporter: f.confirmed_by_reporter.as_deref() == Some("true"),
    };
    match crate::public::operator_report(&state, who, &input).await {
        Ok((id, code)) => {
            let reference = match service::letter(&state, who, id).await {
                Ok(l) => l.reference,
                Err(e) => return page.error(e),
            };
            (
                [(header::CACHE_CONTROL, "no-store")],
                render(&operator_page(
                    &page,
                    Default::default(),
                    Vec::new(),
                    Some(code.grouped()),
                    reference,
                )),
            )
                .into_response()
        }
        Err(AppError::Validation(e)) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            render(&operator_page(&page, input, e.errors, None, String::new())),
        )
            .into_response(),
        Err(e) => page.error(e),
    }
}

async fn acknowledge(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<LetterId>,
    Form(f): Form<CsrfForm>,
) -> Response {
    let who = match page.posted(&f.csrf) {
        Ok(w) => w,
        Err(r) => return *r,
    };
    match service::acknowledge(&state, who, id).await {
        Ok(_) => Redirect::to(&format!("/petitions/{id}")).into_response(),
        Err(e) => page.error(e),
    }
}

async fn reseal(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<uuid::Uuid>,
    Form(f): Form<PasswordForm>,
) -> Response {
    let who = match page.posted(&f.csrf) {
        Ok(w) => w,
        Err(r) => return *r,
    };
    match crate::custody::reseal(&state, who, id, &f.password).await {
        Ok(()) => Redirect::to("/custody").into_response(),
        Err(e) => page.error(e),
    }
}
