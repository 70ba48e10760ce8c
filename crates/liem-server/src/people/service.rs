//! People, organisations, the links between them and their sanctions; a
//! person's dossier; the FollowTheMoney interchange.

use crate::cases::service::{seen_party, viewer, workable};

fn bad(field: &str, rule: &str, message: &str) -> AppError {
    AppError::Validation(ValidationErrors::single(field, rule, message))
}
use crate::auth::gate::Permit;
use crate::auth::Principal;
use crate::clock::today;
use crate::state::AppState;
use crate::web::error::AppError;
use crate::web::error::AppResult;
use crate::web::write::Writer;
use liem_domain::people::check_link;
use liem_domain::people::parse_period;
use liem_domain::people::LinkKind;
use liem_domain::people::OrganisationInput;
use liem_domain::people::PartyRef;
use liem_domain::people::PersonInput;
use liem_domain::people::SanctionInput;
use liem_domain::role::Right;
use liem_domain::validation::required_code;
use liem_domain::ValidationErrors;
use liem_store::audit;
use liem_store::cases as store;
use liem_store::cases::Dossier;
use liem_store::cases::Viewer;
use serde::Deserialize;
use serde::Serialize;
use utoipa::ToSchema;

/// A sanction with its subject.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
pub struct SanctionRequest {
    /// On this person.
    pub person_id: Option<uuid::Uuid>,
    /// Or on this organisation.
    pub organisation_id: Option<uuid::Uuid>,
    /// In this entry.
    pub case_id: Option<uuid::Uuid>,
    /// The sanction.
    #[serde(flatten)]
    pub sanction: SanctionInput,
}

/// Records a sanction on one of the three tracks.
pub async fn add_sanction(
    state: &AppState,
    who: &Writer,
    input: &SanctionRequest,
) -> AppResult<uuid::Uuid> {
    let permit = who.permit_own(Right::HandleCases)?;
    let subject = match (input.person_id, input.organisation_id) {
        (Some(p), None) => PartyRef::Person(p),
        (None, Some(o)) => PartyRef::Organisation(o),
        _ => {
            return Err(bad(
                "person_id",
                "one_party",
                "give exactly one of person_id or organisation_id",
            ))
        }
    };
    let s = input
        .sanction
        .parse(matches!(subject, PartyRef::Organisation(_)), today())?;
    let v = viewer(who)?;
    let mut c = state.store.conn().await?;
    seen_party(&mut c, &v, subject, "person_id").await?;
    drop(c);
    if let Some(case) = input.case_id {
        workable(state, who, case).await?;
        // A sanction on a case is written by those who work on the case.
    }
    let mut tx = permit.begin(&state.store).await?;
    let id = store::add_sanction(&mut tx, permit.actor(), subject, input.case_id, &s).await?;
    tx.commit().await?;
    Ok(id)
}

/// Records a person.
pub async fn create_person(
    state: &AppState,
    who: &Writer,
    input: &PersonInput,
) -> AppResult<uuid::Uuid> {
    let permit = who.permit_own(Right::HandleCases)?;
    let p = input.parse(today())?;
    let mut tx = permit.begin(&state.store).await?;
    let id = store::insert_person(&mut tx, permit.actor(), who.user.unit_id, &p, None).await?;
    tx.commit().await?;
    Ok(id)
}

/// Records an organisation.
pub async fn create_organisation(
    state: &AppState,
    who: &Writer,
    input: &OrganisationInput,
) -> AppResult<uuid::Uuid> {
    let permit = who.permit_own(Right::HandleCases)?;
    let o = input.parse()?;
    let mut tx = permit.begin(&state.store).await?;
    let id =
        store::insert_organisation(&mut tx, permit.actor(), who.user.unit_id, &o, None).await?;
    tx.commit().await?;
    Ok(id)
}

/// A link between two parties.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
pub struct LinkInput {
    /// `director_of`, `shareholder_of`, `employed_by` or `related_to`.
    pub kind: Option<String>,
    /// The subject: a person …
    pub subject_person_id: Option<uuid::Uuid>,
    /// … or an organisation.
    pub subject_organisation_id: Option<uuid::Uuid>,
    /// The object: a person …
    pub object_person_id: Option<uuid::Uuid>,
    /// … or an organisation.
    pub object_organisation_id: Option<uuid::Uuid>,
    /// From, `YYYY-MM-DD`.
    pub start_date: Option<String>,
    /// Until, `YYYY-MM-DD`.
    pub end_date: Option<String>,
    /// Wording ("Chủ tịch HĐQT", "35%", "vợ").
    pub role: Option<String>,
}

/// Records a link.
pub async fn create_link(
    state: &AppState,
    who: &Writer,
    input: &LinkInput,
) -> AppResult<uuid::Uuid> {
    let permit = who.permit_own(Right::HandleCases)?;
    let mut e = ValidationErrors::new();
    let kind = required_code::<LinkKind>(&mut e, "kind", input.kind.as_deref());
    let end =
        |e: &mut ValidationErrors, f: &str, p: Option<uuid::Uuid>, o: Option<uuid::Uuid>| match (
            p, o,
        ) {
            (Some(p), None) => Some(PartyRef::Person(p)),
            (None, Some(o)) => Some(PartyRef::Organisation(o)),
            _ => {
                e.add(f, "one_party", "give exactly one person or organisation");
                None
            }
        };
    let subject = end(
        &mut e,
        "subject",
        input.subject_person_id,
        input.subject_organisation_id,
    );
    let object = end(
        &mut e,
        "object",
        input.object_person_id,
        input.object_organisation_id,
    );
    let (start, finish) = parse_period(
        &mut e,
        input.start_date.as_deref(),
        input.end_date.as_deref(),
    );
    e.into_result(())?;
    let (Some(kind), Some(subject), Some(object)) = (kind, subject, object) else {
        return Err(AppError::Internal(
            "a link passed its checks incomplete".into(),
        ));
    };
    let v = viewer(who)?;
    let mut c = state.store.conn().await?;
    seen_party(&mut c, &v, subject, "subject").await?;
    let object_kind = seen_party(&mut c, &v, object, "object").await?;
    drop(c);
    check_link(kind, subject, object, object_kind)?;
    let mut tx = permit.begin(&state.store).await?;
    let id = store::insert_link(
        &mut tx,
        permit.actor(),
        &store::NewLink {
            kind,
            subject,
            object,
            start,
            end: finish,
            role: input
                .role
                .as_deref()
                .map(str::trim)
                .filter(|r| !r.is_empty()),
            ftm_id: None,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// People by name or identity number (names only; the dossier needs the
/// screening right).
pub async fn find_persons(
    state: &AppState,
    who: &Principal,
    q: &str,
) -> AppResult<Vec<store::PersonRow>> {
    who.grant(Right::HandleCases)?;
    let v = viewer(who)?;
    let q = searched(q)?;
    let ids = crate::search::find_ids(state, liem_search::Kind::Person, &q, &v, 50).await?;
    let mut c = state.store.conn().await?;
    Ok(store::persons_by_ids(&mut c, &v, &ids).await?)
}

/// Organisations by name or tax code.
pub async fn find_organisations(
    state: &AppState,
    who: &Principal,
    q: &str,
) -> AppResult<Vec<store::OrganisationRow>> {
    who.grant(Right::HandleCases)?;
    let v = viewer(who)?;
    let q = searched(q)?;
    let ids = crate::search::find_ids(state, liem_search::Kind::Organisation, &q, &v, 50).await?;
    let mut c = state.store.conn().await?;
    Ok(store::organisations_by_ids(&mut c, &v, &ids).await?)
}

/// A search text within its bounds (`q`), or the refusal naming the rule.
fn searched(q: &str) -> AppResult<String> {
    let mut e = liem_domain::ValidationErrors::new();
    let q = liem_domain::validation::search(&mut e, "q", Some(q));
    e.into_result(())?;
    Ok(q.unwrap_or_default())
}

/// A person's dossier, for those who hold the screening right; the view is
/// audited in the same transaction that reads it.
pub async fn person_dossier(
    state: &AppState,
    who: &Principal,
    id: uuid::Uuid,
) -> AppResult<Dossier> {
    let screen = who.grant(Right::ScreenPersons)?;
    let v = Viewer {
        user: who.user.id,
        scope: who.scope(Right::ReadCases),
    };
    let permit = screen.audited_read();
    let mut tx = permit.begin(&state.store).await?;
    let d = store::dossier(&mut tx, &v, &who.scope(Right::ReadPetitions), id).await?;
    audit::append(
        &mut tx,
        permit.actor(),
        "person.view",
        "person",
        &id.to_string(),
        serde_json::json!({"cases": d.cases.len(), "letters": d.letters.len()}),
    )
    .await?;
    tx.commit().await?;
    Ok(d)
}

/// Every person, organisation and link as FollowTheMoney JSON lines, for a
/// holder of the screening right: what they see.
pub async fn export_ftm_for(state: &AppState, who: &Principal) -> AppResult<String> {
    let screen = who.grant(Right::ScreenPersons)?;
    export_ftm(&state.store, &screen.audited_read(), Some(&viewer(who)?)).await
}

/// Every person, organisation and link of the instance, for its operator
/// (the command line).
pub async fn export_ftm_all(store: &liem_store::Store) -> AppResult<String> {
    export_ftm(
        store,
        &Permit::unattended(audit::Actor::system("cli")),
        None,
    )
    .await
}

/// People, organisations and links as FollowTheMoney JSON lines — what
/// `viewer` sees, or everything — with the export audited.
async fn export_ftm(
    store: &liem_store::Store,
    permit: &Permit,
    viewer: Option<&Viewer>,
) -> AppResult<String> {
    use liem_domain::ftm;
    let mut c = store.conn().await?;
    let (persons, orgs, links) = store::all_for_export(&mut c, viewer).await?;
    let id_of = |p: PartyRef| match p {
        PartyRef::Person(u) => persons
            .iter()
            .find(|x| x.id == u)
            .and_then(|x| x.ftm_id.clone())
            .unwrap_or_else(|| ftm::person_id(u)),
        PartyRef::Organisation(u) => orgs
            .iter()
            .find(|x| x.id == u)
            .and_then(|x| x.ftm_id.clone())
            .unwrap_or_else(|| ftm::organisation_id(u)),
    };
    let mut out = String::new();
    for p in &persons {
        let id = p.ftm_id.clone().unwrap_or_else(|| ftm::person_id(p.id));
        out.push_str(&ftm::person_entity(&id, &p.person).to_string());
        out.push('\n');
    }
    for o in &orgs {
        let id = o
            .ftm_id
            .clone()
            .unwrap_or_else(|| ftm::organisation_id(o.id));
        out.push_str(&ftm::organisation_entity(&id, &o.organisation).to_string());
        out.push('\n');
    }
    for l in &links {
        let id = l.ftm_id.clone().unwrap_or_else(|| ftm::link_id(l.id));
        out.push_str(
            &ftm::link_entity(
                &id,
                l.kind,
                &id_of(l.subject),
                &id_of(l.object),
                l.start,
                l.end,
                l.role.as_deref(),
            )
            .to_string(),
        );
        out.push('\n');
    }
    let mut tx = permit.begin(store).await?;
    audit::append(
        &mut tx,
        permit.actor(),
        "export.ftm",
        "persons",
        "*",
        serde_json::json!({"lines": out.lines().count()}),
    )
    .await?;
    tx.commit().await?;
    Ok(out)
}

/// What an FtM import did.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct ImportReport {
    /// People recorded.
    pub persons: usize,
    /// Organisations recorded.
    pub organisations: usize,
    /// Links recorded.
    pub links: usize,
    /// Entities already present (same FtM id), left as they were.
    pub unchanged: usize,
    /// Entities of schemas Liêm does not keep.
    pub skipped: usize,
}

/// Imports FollowTheMoney JSON lines into `unit`'s register, in one
/// transaction: a bad line rejects the whole file, naming the line.
pub async fn import_ftm(
    store: &liem_store::Store,
    actor: &audit::Actor,
    unit: liem_domain::ids::UnitId,
    text: &str,
) -> AppResult<ImportReport> {
    use liem_domain::ftm::{parse_line, Imported};
    let mut parsed = Vec::new();
    let mut errs = ValidationErrors::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match parse_line(line) {
            Ok(e) => parsed.push(e),
            Err(m) => errs.add(&format!("line {}", i + 1), "ftm_entity", m),
        }
    }
    errs.into_result(())?;
    let mut r = ImportReport::default();
    // The command line, run by the instance's operator.
    let permit = Permit::unattended(actor.clone());
    let mut tx = permit.begin(store).await?;
    let mut links = Vec::new();
    for e in parsed {
        match e {
            Imported::Person { ftm_id, person } => {
                if store::party_by_ftm_id(&mut tx, &ftm_id).await?.is_some() {
                    r.unchanged += 1;
                } else {
                    store::insert_person(&mut tx, actor, unit, &person, Some(&ftm_id)).await?;
                    r.persons += 1;
                }
            }
            Imported::Organisation {
                ftm_id,
                organisation,
            } => {
                if store::party_by_ftm_id(&mut tx, &ftm_id).await?.is_some() {
                    r.unchanged += 1;
                } else {
                    store::insert_organisation(&mut tx, actor, unit, &organisation, Some(&ftm_id))
                        .await?;
                    r.organisations += 1;
                }
            }
            link @ Imported::Link { .. } => links.push(link),
            Imported::Skipped { .. } => r.skipped += 1,
        }
    }
    for (i, l) in links.into_iter().enumerate() {
        let Imported::Link {
            ftm_id,
            kind,
            subject,
            object,
            start,
            end,
            role,
        } = l
        else {
            continue;
        };
        let exists = liem_store::db::query("SELECT 1 AS one FROM party_links WHERE ftm_id = $1")
            .bind(ftm_id.as_str())
            .fetch_optional(&mut tx)
            .await?
            .is_some();
        if exists {
            r.unchanged += 1;
            continue;
        }
        let s = store::party_by_ftm_id(&mut tx, &subject).await?;
        let o = store::party_by_ftm_id(&mut tx, &object).await?;
        let (Some(s), Some(o)) = (s, o) else {
            r.skipped += 1;
            continue;
        };
        let object_kind = match o {
            PartyRef::Organisation(id) => Some(
                store::get_organisation(&mut tx, id)
                    .await?
                    .organisation
                    .kind,
            ),
            PartyRef::Person(_) => None,
        };
        if let Err(e) = check_link(kind, s, o, object_kind) {
            let mut v = ValidationErrors::new();
            v.merge_prefixed(&format!("link {} ({ftm_id}).", i + 1), e);
            return Err(AppError::Validation(v));
        }
        store::insert_link(
            &mut tx,
            actor,
            &store::NewLink {
                kind,
                subject: s,
                object: o,
                start,
                end,
                role: role.as_deref(),
                ftm_id: Some(&ftm_id),
            },
        )
        .await?;
        r.links += 1;
    }
    tx.commit().await?;
    Ok(r)
}
