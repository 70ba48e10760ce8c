//! The pages of the cases register and the watch list.

use crate::auth::Principal;
use crate::cases::api::WatchQuery;
use crate::cases::service::acknowledge;
use crate::cases::service::add_asset;
use crate::cases::service::add_charge;
use crate::cases::service::add_party;
use crate::cases::service::add_target;
use crate::cases::service::bad;
use crate::cases::service::case_view;
use crate::cases::service::create_case;
use crate::cases::service::grant;
use crate::cases::service::list;
use crate::cases::service::monitor;
use crate::cases::service::send_file;
use crate::cases::service::take_stage;
use crate::cases::service::unmonitor;
use crate::cases::service::viewer;
use crate::cases::service::watch_list;
use crate::cases::service::CaseQuery;
use crate::cases::service::CaseTransferInput;
use crate::cases::service::CaseView;
use crate::cases::service::GrantInput;
use crate::cases::service::PartyInput;
use crate::cases::service::RemovalInput;
use crate::cases::service::TransferView;
use crate::cases::service::WatchRow;
use crate::clock::today;
use crate::state::AppState;
use crate::web::error::AppError;
use crate::web::error::AppResult;
use crate::web::write::PostedForm;
use axum::extract::Path;
use axum::extract::Query;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::response::Redirect;
use axum::response::Response;
use jiff::civil::Date;
use liem_domain::assets::AssetInput;
use liem_domain::case::CrimeClass;
use liem_domain::case::Stage;
use liem_domain::people::ChargeInput;
use liem_domain::people::PartyRole;
use liem_domain::people::PersonInput;
use liem_domain::register::CaseInput;
use liem_domain::register::CaseKind;
use liem_domain::register::Milestone;
use liem_domain::register::MonitoringInput;
use liem_domain::register::StageInput;
use liem_domain::register::TargetInput;
use liem_domain::role::Right;
use liem_domain::unit::UnitKind;
use liem_store::cases::CaseRow;
use liem_store::petitions;
use liem_store::units;
use liem_store::units::UnitRecord;
use std::collections::HashMap;

pub(super) fn codes<T: Copy + std::fmt::Display>(all: &[T]) -> Vec<String> {
    all.iter().map(|c| c.to_string()).collect()
}

#[derive(askama::Template)]
#[template(path = "cases.html")]
pub(super) struct ListTpl {
    tr: crate::i18n::Tr,
    user: Option<liem_store::users::UserRecord>,
    csrf: String,
    /// Each entry, whether its stage limit has passed, and then which limit
    /// and by how many days.
    items: Vec<(CaseRow, bool, String)>,
    total: i64,
    q: String,
    kind: String,
    stage: String,
    overdue: bool,
    kinds: Vec<String>,
    stages: Vec<String>,
    csv: String,
    next: Option<String>,
}

pub(super) async fn list_page(
    State(state): State<AppState>,
    page: crate::web::page::Page,
    Query(q): Query<CaseQuery>,
) -> Response {
    let Some(who) = page.principal() else {
        return Redirect::to("/login").into_response();
    };
    let r = async {
        let (p, total) = list(&state, who, &q).await?;
        let cal = {
            let mut c = state.store.conn().await?;
            liem_store::calendar::load(&mut c).await?
        };
        let today = today();
        let tr = page.tr();
        let mut csv = vec!["format=csv".to_owned()];
        for (k, v) in [("q", &q.q), ("kind", &q.kind), ("stage", &q.stage)] {
            if let Some(v) = v.as_ref().filter(|v| !v.is_empty()) {
                csv.push(format!("{k}={}", crate::web::page::urlencode(v)));
            }
        }
        if q.overdue == Some(true) {
            csv.push("overdue=true".into());
        }
        let next = p.next_cursor.as_ref().map(|c| {
            let mut n = csv[1..].to_vec();
            n.push(format!("cursor={c}"));
            n.join("&")
        });
        Ok::<_, AppError>(ListTpl {
            tr: page.tr().clone(),
            user: Some(who.user.clone()),
            csrf: who.csrf.clone().unwrap_or_default(),
            items: p
                .items
                .into_iter()
                .map(|c| {
                    let late = c
                        .stage_due
                        .is_some_and(|d| liem_domain::deadline::overdue(d, today));
                    // Which limit it passed, and by how many days.
                    let why = match (late, liem_domain::case::stage_limit(&c.facts, &cal)) {
                        (true, Some(l)) => format!(
                            "{} · {}",
                            tr.citation(l.citation),
                            tr.t1("d-overdue", "days", (today - l.due).get_days())
                        ),
                        _ => String::new(),
                    };
                    (c, late, why)
                })
                .collect(),
            total,
            q: q.q.clone().unwrap_or_default(),
            kind: q.kind.clone().unwrap_or_default(),
            stage: q.stage.clone().unwrap_or_default(),
            overdue: q.overdue == Some(true),
            kinds: codes(CaseKind::ALL),
            stages: codes(Stage::ALL),
            csv: format!("/api/v1/cases?{}&lang={}", csv.join("&"), tr.tag()),
            next,
        })
    }
    .await;
    match r {
        Ok(t) => crate::web::page::render(&t),
        Err(e) => page.error(e),
    }
}

#[derive(askama::Template)]
#[template(path = "case_new.html")]
pub(super) struct NewTpl {
    tr: crate::i18n::Tr,
    user: Option<liem_store::users::UserRecord>,
    csrf: String,
    errors: Vec<liem_domain::FieldError>,
    form: HashMap<String, String>,
    kinds: Vec<String>,
    sources: Vec<String>,
    classes: Vec<String>,
    fields: Vec<(String, String)>,
    agencies: Vec<(String, String)>,
    today: Date,
}

impl NewTpl {
    fn v(&self, k: &str) -> String {
        self.form.get(k).cloned().unwrap_or_default()
    }
}

pub(super) async fn agencies(state: &AppState) -> AppResult<Vec<UnitRecord>> {
    let mut c = state.store.conn().await?;
    Ok(units::list(&mut c)
        .await?
        .into_iter()
        .filter(|u| u.valid_to.is_none() && u.kind != UnitKind::Commune)
        .collect())
}

pub(super) async fn render_new(
    state: &AppState,
    page: &crate::web::page::Page,
    who: &Principal,
    form: HashMap<String, String>,
    errors: Vec<liem_domain::FieldError>,
) -> AppResult<Response> {
    let mut c = state.store.conn().await?;
    let fields = petitions::fields(&mut c).await?;
    drop(c);
    let vi = page.tr().tag() == "vi";
    let t = NewTpl {
        tr: page.tr().clone(),
        user: Some(who.user.clone()),
        csrf: who.csrf.clone().unwrap_or_default(),
        errors,
        form,
        kinds: codes(CaseKind::ALL),
        sources: codes(liem_domain::register::CaseSource::ALL),
        classes: codes(CrimeClass::ALL),
        fields: fields
            .into_iter()
            .map(|(c, v, e)| (c, if vi { v } else { e }))
            .collect(),
        agencies: agencies(state)
            .await?
            .into_iter()
            .map(|u| (u.code, u.name))
            .collect(),
        today: today(),
    };
    Ok(crate::web::page::render(&t))
}

pub(super) async fn new_page(
    State(state): State<AppState>,
    page: crate::web::page::Page,
) -> Response {
    let Some(who) = page.principal() else {
        return Redirect::to("/login").into_response();
    };
    if let Err(e) = who.grant(Right::HandleCases) {
        return page.error(e);
    }
    render_new(&state, &page, who, HashMap::new(), Vec::new())
        .await
        .unwrap_or_else(|e| page.error(e))
}

pub(super) async fn create_page(
    State(state): State<AppState>,
    PostedForm { page, who, form }: PostedForm<HashMap<String, String>>,
) -> Response {
    let who = &who;
    let g = |k: &str| form.get(k).cloned().filter(|v| !v.trim().is_empty());
    let input = CaseInput {
        kind: g("kind"),
        title: g("title"),
        summary: g("summary"),
        source: g("source"),
        field: g("field"),
        place: g("place"),
        opened_on: g("opened_on"),
        class: g("class"),
        holder: g("holder"),
        restricted: form.get("restricted").is_some_and(|v| v == "on"),
        letters: g("letters")
            .map(|l| {
                l.split([',', ' ', '\n'])
                    .filter(|s| !s.trim().is_empty())
                    .map(|s| s.trim().to_owned())
                    .collect()
            })
            .unwrap_or_default(),
        complex: form.get("complex").is_some_and(|v| v == "on"),
    };
    match create_case(&state, who, &input).await {
        Ok((id, _)) => Redirect::to(&format!("/cases/{id}")).into_response(),
        Err(AppError::Validation(e)) => {
            match render_new(&state, &page, who, form, e.errors).await {
                Ok(r) => (StatusCode::UNPROCESSABLE_ENTITY, r).into_response(),
                Err(e) => page.error(e),
            }
        }
        Err(e) => page.error(e),
    }
}

#[derive(askama::Template)]
#[template(path = "case.html")]
pub(super) struct CaseTpl {
    tr: crate::i18n::Tr,
    user: Option<liem_store::users::UserRecord>,
    csrf: String,
    v: CaseView,
    errors: Vec<liem_domain::FieldError>,
    agencies: Vec<(String, String)>,
    committees: Vec<(String, String)>,
    milestones: Vec<String>,
    roles: Vec<String>,
    classes: Vec<String>,
    asset_kinds: Vec<String>,
    routes: Vec<String>,
    can_monitor: bool,
    can_screen: bool,
    transfers: Vec<(TransferView, bool)>,
    today: Date,
}

pub(super) async fn render_case(
    state: &AppState,
    page: &crate::web::page::Page,
    who: &Principal,
    id: uuid::Uuid,
    errors: Vec<liem_domain::FieldError>,
) -> AppResult<Response> {
    let v = case_view(state, who, id).await?;
    let all = agencies(state).await?;
    let handle = who.scope(Right::HandleCases);
    let decide = who.scope(Right::DecideMonitoring);
    let t = CaseTpl {
        tr: page.tr().clone(),
        user: Some(who.user.clone()),
        csrf: who.csrf.clone().unwrap_or_default(),
        errors,
        committees: all
            .iter()
            .filter(|u| u.kind.steers() && decide.contains(&u.path))
            .map(|u| (u.code.clone(), u.name.clone()))
            .collect(),
        transfers: v
            .transfers
            .iter()
            .map(|t| {
                let mine = all
                    .iter()
                    .any(|u| u.id == t.transfer.to_id && handle.contains(&u.path));
                (t.clone(), mine && t.transfer.acknowledged_on.is_none())
            })
            .collect(),
        agencies: all.into_iter().map(|u| (u.code, u.name)).collect(),
        milestones: codes(Milestone::ALL),
        roles: codes(PartyRole::ALL),
        classes: codes(CrimeClass::ALL),
        asset_kinds: codes(liem_domain::assets::AssetKind::ALL),
        routes: codes(liem_domain::assets::AssetRoute::ALL),
        can_monitor: who.can(Right::DecideMonitoring),
        can_screen: who.can(Right::ScreenPersons),
        today: today(),
        v,
    };
    Ok(crate::web::page::render(&t))
}

pub(super) async fn case_page(
    State(state): State<AppState>,
    page: crate::web::page::Page,
    Path(id): Path<uuid::Uuid>,
) -> Response {
    let Some(who) = page.principal() else {
        return Redirect::to("/login").into_response();
    };
    render_case(&state, &page, who, id, Vec::new())
        .await
        .unwrap_or_else(|e| page.error(e))
}

pub(super) async fn case_form(
    State(state): State<AppState>,
    Path((id, form_name)): Path<(uuid::Uuid, String)>,
    PostedForm { page, who, form }: PostedForm<HashMap<String, String>>,
) -> Response {
    let who = &who;
    let g = |k: &str| form.get(k).cloned().filter(|v| !v.trim().is_empty());
    let num = |k: &str| g(k).and_then(|v| v.trim().replace(['.', ' '], "").parse::<i64>().ok());
    let r: AppResult<()> = match form_name.as_str() {
        "stage" => take_stage(
            &state,
            who,
            id,
            &StageInput {
                action: g("action"),
                on: g("on"),
                note: g("note"),
                send_to: g("send_to"),
            },
        )
        .await
        .map(drop),
        "transfer" => send_file(
            &state,
            who,
            id,
            &CaseTransferInput {
                to: g("to"),
                kind: g("kind"),
                sent_on: g("sent_on"),
                note: g("note"),
            },
        )
        .await
        .map(drop),
        "monitoring" => {
            let targets = if g("milestone").is_some() || g("due_on").is_some() {
                vec![TargetInput {
                    milestone: g("milestone"),
                    due_on: g("due_on"),
                    note: g("target_note"),
                }]
            } else {
                Vec::new()
            };
            monitor(
                &state,
                who,
                id,
                &MonitoringInput {
                    committee: g("committee"),
                    session: g("session"),
                    decided_on: g("decided_on"),
                    targets,
                },
            )
            .await
            .map(drop)
        }
        "target" => match g("monitoring").and_then(|m| m.parse().ok()) {
            Some(m) => add_target(
                &state,
                who,
                m,
                &TargetInput {
                    milestone: g("milestone"),
                    due_on: g("due_on"),
                    note: g("target_note"),
                },
            )
            .await
            .map(drop),
            None => Err(bad("monitoring", "required", "must not be empty")),
        },
        "removal" => match g("monitoring").and_then(|m| m.parse().ok()) {
            Some(m) => {
                unmonitor(
                    &state,
                    who,
                    m,
                    &RemovalInput {
                        session: g("session"),
                        on: g("on"),
                    },
                )
                .await
            }
            None => Err(bad("monitoring", "required", "must not be empty")),
        },
        "party" => {
            let person = PersonInput {
                full_name: g("full_name"),
                birth_year: g("birth_year").and_then(|y| y.trim().parse().ok()),
                id_number: g("id_number"),
                position: g("position"),
                workplace: g("workplace"),
                managed_level: g("managed_level"),
                party_member: form.get("party_member").is_some_and(|v| v == "on"),
            };
            add_party(
                &state,
                who,
                id,
                &PartyInput {
                    person: Some(person),
                    role: g("role"),
                    prosecuted_on: g("prosecuted_on"),
                    ..Default::default()
                },
            )
            .await
            .map(drop)
        }
        "charge" => match g("party").and_then(|m| m.parse().ok()) {
            Some(p) => add_charge(
                &state,
                who,
                p,
                &ChargeInput {
                    article: num("article").map(|n| n as u32),
                    clause: num("clause").map(|n| n as u32),
                    class: g("class"),
                },
            )
            .await
            .map(drop),
            None => Err(bad("party", "required", "must not be empty")),
        },
        "asset" => add_asset(
            &state,
            who,
            id,
            &AssetInput {
                kind: g("kind"),
                route: g("route"),
                on: g("on"),
                amount_vnd: num("amount_vnd"),
                land_m2: num("land_m2"),
                item: g("item"),
            },
        )
        .await
        .map(drop),
        "access" => {
            grant(
                &state,
                who,
                id,
                &GrantInput {
                    username: g("username"),
                    role: g("role"),
                },
            )
            .await
        }
        _ => Err(AppError::NotFound),
    };
    match r {
        Ok(()) => Redirect::to(&format!("/cases/{id}")).into_response(),
        Err(AppError::Validation(e)) => match render_case(&state, &page, who, id, e.errors).await {
            Ok(r) => (StatusCode::UNPROCESSABLE_ENTITY, r).into_response(),
            Err(e) => page.error(e),
        },
        Err(e) => page.error(e),
    }
}

pub(super) async fn ack_form(
    State(state): State<AppState>,
    Path(id): Path<uuid::Uuid>,
    PostedForm { page, who, form: _ }: PostedForm<HashMap<String, String>>,
) -> Response {
    let who = &who;
    match acknowledge(&state, who, id).await {
        Ok(case) => Redirect::to(&format!("/cases/{case}")).into_response(),
        Err(e) => page.error(e),
    }
}

#[derive(askama::Template)]
#[template(path = "watchlist.html")]
pub(super) struct WatchTpl {
    tr: crate::i18n::Tr,
    user: Option<liem_store::users::UserRecord>,
    csrf: String,
    committee: UnitRecord,
    committees: Vec<(String, String)>,
    rows: Vec<WatchRow>,
}

pub(super) async fn watch_page(
    State(state): State<AppState>,
    page: crate::web::page::Page,
    Query(q): Query<WatchQuery>,
) -> Response {
    let Some(who) = page.principal() else {
        return Redirect::to("/login").into_response();
    };
    let r = async {
        let scope = viewer(who)?.scope;
        let committees: Vec<(String, String)> = agencies(&state)
            .await?
            .into_iter()
            .filter(|u| u.kind.steers() && scope.contains(&u.path))
            .map(|u| (u.code, u.name))
            .collect();
        let default = committees.first().map(|c| c.0.clone());
        let code = q.committee.clone().filter(|c| !c.is_empty()).or(default);
        let (committee, rows) = watch_list(&state, who, code.as_deref()).await?;
        Ok::<_, AppError>(WatchTpl {
            tr: page.tr().clone(),
            user: Some(who.user.clone()),
            csrf: who.csrf.clone().unwrap_or_default(),
            committee,
            committees,
            rows,
        })
    }
    .await;
    match r {
        Ok(t) => crate::web::page::render(&t),
        Err(e) => page.error(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use liem_domain::case::StageAction;
    use liem_domain::people::LinkKind;
    use liem_domain::register::TransferKind;

    #[test]
    fn every_case_code_is_translated_in_every_language() {
        use liem_domain::{assets, people, register};
        let i = crate::i18n::I18n::load();
        let groups = [
            ("cs-kind", codes(CaseKind::ALL)),
            ("cs-source", codes(register::CaseSource::ALL)),
            ("cs-class", codes(CrimeClass::ALL)),
            ("cs-stage", codes(Stage::ALL)),
            ("cs-act", codes(StageAction::ALL)),
            ("cs-ms", codes(Milestone::ALL)),
            ("cs-tk", codes(TransferKind::ALL)),
            ("cs-role", codes(PartyRole::ALL)),
            ("cs-asset", codes(assets::AssetKind::ALL)),
            ("cs-route", codes(assets::AssetRoute::ALL)),
            ("cs-level", codes(people::ManagedLevel::ALL)),
            ("cs-link", codes(LinkKind::ALL)),
            ("cs-track", codes(people::SanctionTrack::ALL)),
            ("cs-measure", codes(people::Measure::ALL)),
        ];
        let mut missing = Vec::new();
        for lang in crate::i18n::Lang::ALL {
            for (prefix, cs) in &groups {
                for c in cs {
                    let key = format!("{prefix}-{c}");
                    if !i.has(lang, &key) {
                        missing.push(format!("{lang:?} {key}"));
                    }
                }
            }
        }
        assert_eq!(missing, Vec::<String>::new());
    }
}
