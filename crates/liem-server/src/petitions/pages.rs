//! The register's pages: the list, intake, a letter with its matters and
//! the forms on it.

use crate::auth::Principal;
use crate::clock::today;
use crate::custody::service::RequestRow;
use crate::i18n::Tr;
use crate::petitions::api::LetterQuery;
use crate::petitions::present::{field_names, first_limit, sender_label};
use crate::petitions::service;
use crate::petitions::service::LetterView;
use crate::state::AppState;
use crate::web::error::AppError;
use crate::web::page::render;
use crate::web::page::urlencode;
use crate::web::page::Page;
use crate::web::write::{PostedForm, PostedMultipart};
use askama::Template;
use axum::extract::Path;
use axum::extract::Query;
use axum::extract::State;
use axum::http::header;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::response::Redirect;
use axum::response::Response;
use liem_domain::deadline::overdue;
use liem_domain::ids::LetterId;
use liem_domain::ids::MatterId;
use liem_domain::ids::UserId;
use liem_domain::petition::Channel;
use liem_domain::petition::LetterInput;
use liem_domain::petition::PetitionKind;
use liem_domain::petition::SealedPayload;
use liem_domain::petition::SenderInput;
use liem_domain::petition::SenderKind;
use liem_domain::workflow::ActionInput;
use liem_domain::workflow::ActionKind;
use liem_domain::workflow::ClassificationInput;
use liem_domain::workflow::CompetentBody;
use liem_domain::workflow::IneligibilityReason;
use liem_domain::workflow::MatterState;
use liem_domain::workflow::Outcome;
use liem_domain::FieldError;
use liem_store::users::UserRecord;
use serde::Deserialize;

pub(super) struct Row {
    id: LetterId,
    reference: String,
    received_on: String,
    kinds: String,
    sender: String,
    summary: String,
    states: String,
    due: String,
    overdue: bool,
    /// The limit passed and by how many days, when it has passed.
    late: String,
    /// Where a search's words are in the letter.
    snippet: Vec<liem_search::Part>,
}

/// One value of a search's facet: its label, count and the same search
/// narrowed to it.
pub(super) struct FacetLink {
    label: String,
    count: u64,
    href: String,
    current: bool,
}

#[derive(Template)]
#[template(path = "list.html")]
pub(super) struct ListTpl {
    tr: Tr,
    user: Option<UserRecord>,
    csrf: String,
    q: LetterQuery,
    states: Vec<String>,
    kinds: Vec<String>,
    fields: Vec<(String, String)>,
    /// The count, grouped as the language writes numbers.
    total: String,
    /// The count, for scripts and tests.
    total_n: i64,
    rows: Vec<Row>,
    next_link: Option<String>,
    /// The same filter as a CSV file.
    csv_link: String,
    sort_links: SortLinks,
    /// With words: the matches by state, kind and field.
    facets: Vec<(String, Vec<FacetLink>)>,
}

pub(super) async fn list(
    State(state): State<AppState>,
    page: Page,
    Query(q): Query<LetterQuery>,
) -> Response {
    let who = match page.who() {
        Ok(w) => w,
        Err(r) => return r.into_response(),
    };
    let result = async {
        let (filter, cursor) = q.to_filter(&state, who).await?;
        let p = service::list_letters(&state, who, &filter, cursor, q.limit.unwrap_or(50).min(200))
            .await?;
        let fields = field_names(&state, &page.tr).await?;
        Ok::<_, AppError>((p, fields))
    }
    .await;
    let (p, fields) = match result {
        Ok(v) => v,
        Err(e) => return page.error(e),
    };
    let tr = &page.tr;
    let today = today();
    let total = p.total;
    let snippets: std::collections::HashMap<LetterId, &Vec<liem_search::Part>> =
        p.highlights.iter().map(|h| (h.id, &h.parts)).collect();
    let rows = p
        .items
        .iter()
        .map(|l| {
            let (due, late) = first_limit(tr, l, today);
            Row {
                id: l.id,
                reference: l.reference.clone(),
                received_on: tr.date(l.received_on),
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
                due: tr.date_opt(due),
                overdue: due.is_some_and(|d| overdue(d, today)),
                late,
                snippet: snippets
                    .get(&l.id)
                    .map(|p| (*p).clone())
                    .unwrap_or_default(),
            }
        })
        .collect();
    let facets = facet_links(tr, &q, &p.facets, &fields);
    let filters = filter_query(&q);
    let next_link = p.next_cursor.map(|c| {
        let sep = if filters.is_empty() { "" } else { "&" };
        format!("/petitions?{filters}{sep}cursor={}", urlencode(&c))
    });
    let csv_link = {
        let sep = if filters.is_empty() { "" } else { "&" };
        format!("/api/v1/letters?{filters}{sep}format=csv&lang={}", tr.tag())
    };
    // The headings that sort: the same filters, another order.
    let words = q.q.as_deref().is_some_and(|t| !t.trim().is_empty());
    let sorted = |sort: &str| {
        let mut q2 = q.clone();
        q2.cursor = None;
        // Without words the register's default order is "registered"; with
        // words it is relevance, so "registered" is then said.
        q2.sort = Some(sort.to_owned()).filter(|s| words || s != "registered");
        let f = filter_query(&q2);
        if f.is_empty() {
            "/petitions".to_owned()
        } else {
            format!("/petitions?{f}")
        }
    };
    let current = q
        .sort
        .as_deref()
        .filter(|s| !s.is_empty())
        .unwrap_or(if words { "relevance" } else { "registered" });
    let sort_links = SortLinks {
        registered: sorted("registered"),
        received: sorted(if current == "-received" {
            "received"
        } else {
            "-received"
        }),
        current: current.to_owned(),
    };
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
        total: crate::i18n::grouped(total, tr.lang),
        total_n: total,
        rows,
        next_link,
        csv_link,
        sort_links,
        facets,
    })
}

/// A search's facets as links narrowing the same search (state, kind,
/// field), each labelled in the reader's language.
fn facet_links(
    tr: &Tr,
    q: &LetterQuery,
    facets: &[liem_search::FacetGroup],
    fields: &[(String, String)],
) -> Vec<(String, Vec<FacetLink>)> {
    let mut out = Vec::new();
    for (group, heading) in [
        ("state", "filter-status"),
        ("kind", "filter-kind"),
        ("field", "filter-field"),
    ] {
        let Some(g) = facets.iter().find(|g| g.name == group) else {
            continue;
        };
        let mut links: Vec<FacetLink> = g
            .values
            .iter()
            .map(|v| {
                let mut q2 = q.clone();
                q2.cursor = None;
                let slot = match group {
                    "state" => &mut q2.status,
                    "kind" => &mut q2.kind,
                    _ => &mut q2.field,
                };
                let current = slot.as_deref() == Some(v.value.as_str());
                *slot = Some(v.value.clone());
                let label = match group {
                    "field" => fields
                        .iter()
                        .find(|f| f.0 == v.value)
                        .map_or_else(|| v.value.clone(), |f| f.1.clone()),
                    _ => tr.code(group, &v.value),
                };
                FacetLink {
                    label,
                    count: v.count,
                    href: format!("/petitions?{}", filter_query(&q2)),
                    current,
                }
            })
            .collect();
        links.sort_by(|a, b| b.count.cmp(&a.count).then(a.label.cmp(&b.label)));
        out.push((tr.t(heading), links));
    }
    out
}

/// The register's sortable headings: where each leads, and the order now.
pub(super) struct SortLinks {
    /// Newest registered first.
    registered: String,
    /// By the day received (the other way round when sorted by it now).
    received: String,
    /// The order now: `registered`, `received` or `-received`.
    current: String,
}

/// The register's filters as a query string (without the cursor), so that
/// the next page and the CSV file keep them.
fn filter_query(q: &LetterQuery) -> String {
    let mut params: Vec<(&str, String)> = Vec::new();
    let mut push = |k: &'static str, v: Option<String>| {
        if let Some(v) = v.filter(|v| !v.is_empty()) {
            params.push((k, v));
        }
    };
    push("q", q.q.clone());
    push("status", q.status.clone());
    push("kind", q.kind.clone());
    push("field", q.field.clone());
    push("unit", q.unit.clone());
    push("due_within", q.due_within.map(|d| d.to_string()));
    push("overdue", q.overdue.filter(|o| *o).map(|_| "true".into()));
    push("mine", q.mine.filter(|o| *o).map(|_| "true".into()));
    push("handler", q.handler.map(|h| h.to_string()));
    push("from", q.from.clone());
    push("to", q.to.clone());
    push("sort", q.sort.clone());
    params
        .iter()
        .map(|(k, v)| format!("{k}={}", urlencode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

#[derive(Template)]
#[template(path = "new.html")]
pub(super) struct NewTpl {
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
    /// Earlier letters the one being registered may repeat (with the share
    /// of text in common, %): offered before it is saved.
    repeats: Vec<(service::Similar, u32)>,
    /// The campaign sentence, when the text comes from many senders.
    campaign: Option<String>,
}

impl NewTpl {
    fn has_kind(&self, k: &str) -> bool {
        self.input.kinds.iter().any(|x| x == k)
    }

    /// The message shown next to a control, when the last post was refused
    /// for it.
    fn err(&self, id: &str) -> Option<String> {
        self.tr.error_for(&self.errors, id)
    }

    /// The control's ARIA attributes: invalid, and described by its
    /// message, when it has one (`""` otherwise).
    fn aria(&self, id: &str) -> String {
        crate::web::page::aria_invalid(self.err(id).is_some(), id)
    }
}

pub(super) async fn new_page(
    state: &AppState,
    page: &Page,
    input: LetterInput,
    errors: Vec<FieldError>,
) -> Response {
    new_page_with(state, page, input, errors, service::Proposals::default()).await
}

/// The sentence that flags a campaign.
fn campaign_text(tr: &crate::i18n::Tr, c: &service::Campaign) -> String {
    tr.t_args(
        "campaign-flag",
        &[
            ("letters", c.letters.to_string()),
            ("senders", c.senders.to_string()),
        ],
    )
}

async fn new_page_with(
    state: &AppState,
    page: &Page,
    input: LetterInput,
    errors: Vec<FieldError>,
    proposals: service::Proposals,
) -> Response {
    let campaign = proposals
        .campaign
        .as_ref()
        .map(|c| campaign_text(&page.tr, c));
    let repeats = proposals.items.into_iter().map(percent).collect();
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
        repeats,
        campaign,
    };
    (status, render(&t)).into_response()
}

pub(super) async fn new_form(State(state): State<AppState>, page: Page) -> Response {
    if let Err(r) = page.who() {
        return r.into_response();
    }
    let input = LetterInput {
        received_on: Some(today().to_string()),
        sender: SenderInput {
            kind: Some("person".into()),
            ..Default::default()
        },
        ..Default::default()
    };
    new_page(&state, &page, input, Vec::new()).await
}

/// Reads the intake form (multipart, because of attachments).
/// The intake form's fields as the API's input.
fn intake_input(fields: Vec<(String, String)>) -> LetterInput {
    let mut input = LetterInput::default();
    for (name, text) in fields {
        let opt = || Some(text.clone()).filter(|t| !t.trim().is_empty());
        match name.as_str() {
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
            "join_matter" => input.join_matter = text.trim().parse().ok(),
            _ => {}
        }
    }
    input
}

/// The share of text in common, as a whole percentage.
fn percent(s: service::Similar) -> (service::Similar, u32) {
    let pct = (s.similarity * 100.0).round() as u32;
    (s, pct)
}

pub(super) async fn create(
    State(state): State<AppState>,
    PostedMultipart {
        page,
        who,
        fields,
        uploads,
    }: PostedMultipart,
) -> Response {
    // Asked once: does it repeat an earlier letter? The form comes back
    // with the earlier letters and a button to join each one's matter (or
    // to register it as a new matter).
    let checked = fields
        .iter()
        .any(|(k, v)| k == "repeat_checked" && v == "true");
    let input = intake_input(fields);
    if !checked && input.join_matter.is_none() && !input.seal_content {
        match service::repeats_of(&state, &who, &input).await {
            Ok(r) if !r.items.is_empty() || r.campaign.is_some() => {
                return new_page_with(&state, &page, input, Vec::new(), r).await;
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "repeats not looked for"),
        }
    }
    match service::register_letter(&state, &who, &input, uploads).await {
        Ok(v) => Redirect::to(&format!("/petitions/{}?created=1", v.letter.id)).into_response(),
        Err(AppError::Validation(errs)) => new_page(&state, &page, input, errs.errors).await,
        Err(e) => page.error(e),
    }
}

pub(super) struct MatterBlock {
    id: MatterId,
    reference: String,
    kind: String,
    state: String,
    handler: String,
    /// The current handler's id, for the assignment form's selection.
    handler_id: String,
    /// Whom the reader may assign it to (id, name); empty when the reader
    /// may not assign.
    handlers: Vec<(String, String)>,
    deadline: String,
    overdue: bool,
    /// The other limits, each "date — what · article".
    limits: Vec<String>,
    events: Vec<String>,
    actions: Vec<String>,
}

#[derive(Template)]
#[template(path = "letter.html")]
pub(super) struct LetterTpl {
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
    /// The actions that end a matter (confirmed before they are sent).
    final_actions: Vec<&'static str>,
    /// Earlier letters it may repeat, with the share of text in common (%).
    similar: Vec<(service::Similar, u32)>,
    /// The campaign sentence, when the text comes from many senders.
    campaign: Option<String>,
}

pub(super) async fn letter_page(
    state: &AppState,
    page: &Page,
    who: &Principal,
    id: LetterId,
    identity: Option<SealedPayload>,
    notice: Option<String>,
    action_error: Option<String>,
) -> Result<LetterTpl, AppError> {
    let v = service::letter_view(state, who, id).await?;
    // Proposed only to those who may join (and never worth failing the
    // page for: the letter shows without them).
    let proposals = if who.grant(liem_domain::role::Right::RegisterLetter).is_err() {
        service::Proposals::default()
    } else {
        match service::similar_letters(state, who, id).await {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!(error = %e, "similar letters not found");
                service::Proposals::default()
            }
        }
    };
    let campaign = proposals
        .campaign
        .as_ref()
        .map(|c| campaign_text(&page.tr, c));
    let similar = proposals.items.into_iter().map(percent).collect();
    let messages = {
        let mut c = state.store.conn().await?;
        if liem_store::public::has_receipt(&mut c, id).await? {
            Some(liem_store::public::messages(&mut c, id).await?)
        } else {
            None
        }
    };
    let requests = crate::custody::service::requests_of_letter(state, who, id).await?;
    let my_approved = requests
        .iter()
        .any(|r| r.requester_id == who.user.id && r.status == "approved");
    let tr = &page.tr;
    let fields = field_names(state, tr).await?;
    let field_name = fields
        .iter()
        .find(|f| f.0 == v.letter.field_code)
        .map_or(v.letter.field_code.clone(), |f| f.1.clone());
    let today = today();
    let mut people: Vec<UserId> = Vec::new();
    for mv in &v.matter_views {
        people.extend(mv.events.iter().filter_map(|e| e.actor_id));
        people.extend(mv.matter.handler_id);
    }
    let names = service::actor_names(state, people).await?;
    let mut matters = Vec::new();
    let mut offered: Vec<(liem_domain::ids::UnitId, Vec<(String, String)>)> = Vec::new();
    for mv in &v.matter_views {
        let handler = match mv.matter.handler_id {
            Some(h) => names.get(&h).cloned().unwrap_or_default(),
            None => tr.t("d-unassigned"),
        };
        // The unit's handlers are read once for the matters of one unit.
        let handlers = match offered.iter().find(|(u, _)| *u == mv.matter.unit_id) {
            Some((_, h)) => h.clone(),
            None => {
                let h: Vec<(String, String)> = service::assignable_handlers(state, who, &mv.matter)
                    .await?
                    .into_iter()
                    .map(|(id, name)| (id.to_string(), name))
                    .collect();
                offered.push((mv.matter.unit_id, h.clone()));
                h
            }
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
                        tr.date(d.due),
                        tr.code("rule", d.code),
                        tr.citation(&d.citation)
                    ),
                    d.is_overdue(today),
                )
            }
            None => (tr.t("d-no-deadline"), false),
        };
        let events = mv
            .events
            .iter()
            .map(|e| {
                // Who acted, and when it was recorded in the unit's time.
                let by = e
                    .actor_id
                    .and_then(|a| names.get(&a).cloned())
                    .unwrap_or_else(|| tr.t("d-by-system"));
                let mut s = format!(
                    "{} — {}: {} → {} — {} ({})",
                    tr.date(e.on_date),
                    tr.code("action", &e.action),
                    tr.code("state", &e.from_state),
                    tr.code("state", &e.to_state),
                    tr.t1("d-by", "name", by),
                    tr.instant(e.at)
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
            handler_id: mv
                .matter
                .handler_id
                .map(|h| h.to_string())
                .unwrap_or_default(),
            handlers,
            deadline,
            overdue,
            limits: mv
                .limits
                .iter()
                .map(|l| {
                    let mut line = format!(
                        "{}: {} · {}",
                        tr.code("limit", l.code),
                        tr.date(l.on),
                        tr.citation(l.citation)
                    );
                    if let Some(done) = l.done_on {
                        line.push_str(&format!(" — {}", tr.t1("limit-done", "on", tr.date(done))));
                    } else if mv.matter.facts.state.is_final() {
                        // Nothing is owed on a closed matter.
                    } else if let Some(days) = l.days_late(today) {
                        line.push_str(&format!(" — {}", tr.t1("d-overdue", "days", days)));
                    }
                    line
                })
                .collect(),
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
        final_actions: ActionKind::ALL
            .iter()
            .filter(|a| a.ends_matter())
            .map(|a| a.as_str())
            .collect(),
        similar,
        campaign,
        v,
    })
}

#[derive(Deserialize)]
pub(super) struct ShowQuery {
    created: Option<String>,
    assigned: Option<String>,
    joined: Option<String>,
}

pub(super) async fn show(
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
            } else if sq.assigned.is_some() {
                t.notice = Some(t.tr.t("d-assign-done"));
            } else if sq.joined.is_some() {
                t.notice = Some(t.tr.t("similar-joined"));
            }
            render(&t)
        }
        Err(e) => page.error(e),
    }
}

#[derive(Deserialize)]
pub(super) struct UnsealForm {
    reason: String,
}

pub(super) async fn request_unseal(
    State(state): State<AppState>,
    Path(id): Path<LetterId>,
    PostedForm { page, who, form: f }: PostedForm<UnsealForm>,
) -> Response {
    let who = &who;
    match crate::custody::service::request_unseal(&state, who, id, &f.reason).await {
        Ok(_) => Redirect::to(&format!("/petitions/{id}#identity")).into_response(),
        Err(e) => page.error(e),
    }
}

#[derive(Deserialize)]
pub(crate) struct PasswordForm {
    pub(crate) password: String,
}

pub(super) async fn view_identity(
    State(state): State<AppState>,
    Path(id): Path<LetterId>,
    PostedForm { page, who, form: f }: PostedForm<PasswordForm>,
) -> Response {
    let who = &who;
    let identity = match crate::custody::service::view_identity(&state, who, id, &f.password).await
    {
        Ok(i) => i,
        Err(e) => return page.error(e),
    };
    match letter_page(&state, &page, who, id, Some(identity), None, None).await {
        Ok(t) => ([(header::CACHE_CONTROL, "no-store")], render(&t)).into_response(),
        Err(e) => page.error(e),
    }
}

#[derive(Deserialize)]
pub(super) struct MessageForm {
    body: String,
}

pub(super) async fn send_message(
    State(state): State<AppState>,
    Path(id): Path<LetterId>,
    PostedForm { page, who, form: f }: PostedForm<MessageForm>,
) -> Response {
    let who = &who;
    match crate::petitions::service::staff_message(&state, who, id, &f.body).await {
        Ok(_) => Redirect::to(&format!("/petitions/{id}#messages")).into_response(),
        Err(e) => page.error(e),
    }
}

#[derive(Deserialize)]
pub(super) struct ActionForm {
    action: String,
    letter: LetterId,
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
    especially_complex: Option<String>,
    continued: Option<String>,
    remote_area: Option<String>,
    multi_place: Option<String>,
    decision_known_on: Option<String>,
    obstacle_days: Option<String>,
    /// Ticked to confirm an action that ends the matter.
    confirm: Option<String>,
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
            especially_complex: flag(&self.especially_complex),
            continued: flag(&self.continued),
            remote_area: flag(&self.remote_area),
            multi_place: flag(&self.multi_place),
            round: self.round,
            decision_known_on: nonempty(&self.decision_known_on),
            // Not a number: past the range, so the error names the field.
            obstacle_days: nonempty(&self.obstacle_days)
                .map(|v| v.trim().parse().unwrap_or(u32::MAX)),
        });
        ActionInput {
            action: Some(self.action.clone()),
            on: nonempty(&self.on),
            reason: nonempty(&self.reason),
            note: nonempty(&self.note),
            to_body: nonempty(&self.to_body),
            outcome: nonempty(&self.outcome),
            summary: nonempty(&self.summary),
            especially_complex: self.action == "extend" && flag(&self.especially_complex),
            classification,
        }
    }
}

pub(super) async fn act(
    State(state): State<AppState>,
    Path(id): Path<MatterId>,
    PostedForm { page, who, form: f }: PostedForm<ActionForm>,
) -> Response {
    let who = &who;
    // An action that ends the matter is confirmed on the page (a ticked
    // box the browser requires; checked here too, for a form sent without).
    let ends = f
        .action
        .parse::<ActionKind>()
        .is_ok_and(ActionKind::ends_matter);
    if ends && f.confirm.as_deref() != Some("true") {
        let message = page.tr.t("d-confirm-needed");
        return match letter_page(&state, &page, who, f.letter, None, None, Some(message)).await {
            Ok(t) => (StatusCode::UNPROCESSABLE_ENTITY, render(&t)).into_response(),
            Err(e) => page.error(e),
        };
    }
    match service::act(&state, who, id, &f.input()).await {
        Ok(_) => Redirect::to(&format!("/petitions/{}#matter-{id}", f.letter)).into_response(),
        Err(
            e @ (AppError::Validation(_)
            | AppError::Workflow(_)
            | AppError::Conflict(_)
            | AppError::Forbidden(_)),
        ) => refused_on_letter_page(&state, &page, who, f.letter, e).await,
        Err(e) => page.error(e),
    }
}

#[derive(Deserialize)]
pub(super) struct AssignForm {
    letter: LetterId,
    /// A user id, or empty to unassign.
    handler: Option<String>,
}

/// Assigns (or unassigns) a matter's handler from the letter's page.
pub(super) async fn assign(
    State(state): State<AppState>,
    Path(id): Path<MatterId>,
    PostedForm { page, who, form: f }: PostedForm<AssignForm>,
) -> Response {
    let handler = match f
        .handler
        .as_deref()
        .map(str::trim)
        .filter(|h| !h.is_empty())
    {
        None => None,
        Some(h) => match h.parse::<uuid::Uuid>() {
            Ok(u) => Some(UserId(u)),
            Err(_) => {
                let e = AppError::Validation(liem_domain::ValidationErrors::single(
                    "handler",
                    "unknown_value",
                    "must be a user",
                ));
                return refused_on_letter_page(&state, &page, &who, f.letter, e).await;
            }
        },
    };
    match service::assign(&state, &who, id, handler).await {
        Ok(_) => {
            Redirect::to(&format!("/petitions/{}?assigned=1#matter-{id}", f.letter)).into_response()
        }
        Err(e @ (AppError::Validation(_) | AppError::Forbidden(_))) => {
            refused_on_letter_page(&state, &page, &who, f.letter, e).await
        }
        Err(e) => page.error(e),
    }
}

/// The letter's page again, with the refusal of what was just asked (each
/// field's error in the reader's language), under the refusal's status.
async fn refused_on_letter_page(
    state: &AppState,
    page: &Page,
    who: &Principal,
    letter: LetterId,
    e: AppError,
) -> Response {
    let status = e.status();
    let message = match &e {
        AppError::Validation(v) => page.tr.field_errors(v),
        other => other.to_string(),
    };
    match letter_page(state, page, who, letter, None, None, Some(message)).await {
        Ok(t) => (status, render(&t)).into_response(),
        Err(e) => page.error(e),
    }
}

#[derive(Deserialize)]
pub(super) struct JoinForm {
    matter_id: String,
}

/// Joins the letter to an earlier letter's matter, then shows it.
pub(super) async fn join(
    State(state): State<AppState>,
    Path(id): Path<LetterId>,
    PostedForm { page, who, form }: PostedForm<JoinForm>,
) -> Response {
    let Ok(matter) = form.matter_id.trim().parse::<MatterId>() else {
        return page.error(AppError::Validation(liem_domain::ValidationErrors::single(
            "matter_id",
            "format",
            "must be a matter's id",
        )));
    };
    match service::join_matter(&state, &who, id, matter).await {
        Ok(_) => Redirect::to(&format!("/petitions/{id}?joined=1")).into_response(),
        Err(e) => page.error(e),
    }
}

pub(super) async fn acknowledge(
    State(state): State<AppState>,
    Path(id): Path<LetterId>,
    PostedForm { page, who, .. }: PostedForm<serde::de::IgnoredAny>,
) -> Response {
    let who = &who;
    match service::acknowledge(&state, who, id).await {
        Ok(_) => Redirect::to(&format!("/petitions/{id}")).into_response(),
        Err(e) => page.error(e),
    }
}

#[derive(Template)]
#[template(path = "import.html")]
pub(super) struct ImportTpl {
    tr: Tr,
    user: Option<UserRecord>,
    csrf: String,
    unit: String,
    map_lines: String,
    dry_run: bool,
    problem: Option<String>,
    report: Option<crate::petitions::import::ImportReport>,
    /// Each refusal: row, cell (`B — Ngày nhận`), why in the reader's words.
    refusals: Vec<(usize, String, String)>,
}

/// The form to import an old register.
pub(super) async fn import_form(page: Page) -> Response {
    let who = match page.who() {
        Ok(w) => w,
        Err(r) => return r.into_response(),
    };
    let t = ImportTpl {
        tr: page.tr.clone(),
        user: page.user.clone(),
        csrf: page.csrf.clone(),
        unit: who.user.unit_code.clone(),
        map_lines: String::new(),
        dry_run: true,
        problem: None,
        report: None,
        refusals: Vec::new(),
    };
    render(&t)
}

/// Checks (dry run) or imports an old register, and shows what it did.
pub(super) async fn import(
    State(state): State<AppState>,
    PostedMultipart {
        page,
        who,
        fields,
        uploads,
    }: PostedMultipart,
) -> Response {
    let text = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_owned())
            .unwrap_or_default()
    };
    let unit = Some(text("unit"))
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| who.user.unit_code.clone());
    let map_lines = text("map_lines");
    let dry_run = text("dry_run") == "true";
    let named: Vec<(String, String)> = map_lines
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(h, c)| (h.trim().to_owned(), c.trim().to_owned()))
        .collect();
    let tr = page.tr.clone();
    let result = async {
        let Some(file) = uploads.into_iter().next() else {
            return Err(AppError::Validation(liem_domain::ValidationErrors::single(
                "file",
                "required",
                "must be the register's file",
            )));
        };
        let sheet = crate::petitions::import::read_sheet(&file.filename, &file.bytes)?;
        crate::petitions::import::import_register(&state, &who, &unit, &sheet, &named, dry_run)
            .await
    }
    .await;
    let (status, report, problem) = match result {
        Ok(r) => (StatusCode::OK, Some(r), None),
        Err(AppError::Validation(v)) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            None,
            Some(tr.field_errors(&v)),
        ),
        Err(e) => return page.error(e),
    };
    let refusals = report
        .as_ref()
        .map(|r| {
            r.refused
                .iter()
                .map(|f| {
                    let cell = match (&f.column, &f.heading) {
                        (Some(c), Some(h)) => format!("{c} — {h}"),
                        _ => String::new(),
                    };
                    let e = FieldError {
                        field: f.field.clone(),
                        rule: f.rule.clone(),
                        message: f.message.clone(),
                    };
                    (f.row, cell, tr.field_error(&e))
                })
                .collect()
        })
        .unwrap_or_default();
    let t = ImportTpl {
        tr: page.tr.clone(),
        user: page.user.clone(),
        csrf: page.csrf.clone(),
        unit,
        map_lines,
        dry_run,
        problem,
        report,
        refusals,
    };
    (status, render(&t)).into_response()
}
