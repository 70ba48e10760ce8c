//! Screening candidates before a congress, an election or an appointment:
//! the rounds a unit's leaders open, what the registers hold about each
//! candidate, the draft answer, and the answer confirmed or amended.
//!
//! Only holders of the screening right see a round — anyone else, or a
//! round of a unit outside their reach, finds nothing (404) — and every
//! view of a round's findings and every answer leaves an audit record, in
//! the transaction that reads or writes them. A denouncer's identity never
//! enters a finding: a letter is named by its reference.

use crate::auth::Principal;
use crate::petitions::service as petitions;
use crate::state::AppState;
use crate::web::error::{AppError, AppResult};
use crate::web::write::Writer;
use liem_domain::ids::LetterId;
use liem_domain::role::Right;
use liem_domain::screening::{draft, CandidateInput, DraftLine, Findings, RoundInput};
use liem_domain::ValidationErrors;
use liem_store::audit;
use liem_store::cases::Viewer;
use liem_store::screening::{self as store, CandidateRecord, RoundBrief, RoundRecord};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// A round and its candidates, as a client sends them.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
pub struct NewRoundInput {
    /// The round.
    #[serde(flatten)]
    pub round: RoundInput,
    /// Its candidates, in order.
    #[serde(default)]
    pub candidates: Vec<CandidateInput>,
}

fn viewer(who: &Principal) -> Viewer {
    Viewer {
        user: who.user.id,
        scope: who.scope(Right::ReadCases),
    }
}

/// Opens a round in the caller's unit with its candidates; each candidate's
/// person, when given, must be one the caller can see.
pub async fn open_round(state: &AppState, who: &Writer, input: &NewRoundInput) -> AppResult<Uuid> {
    let permit = who.permit_own(Right::ScreenPersons)?;
    let mut errs = ValidationErrors::new();
    let round = match input.round.parse() {
        Ok(r) => Some(r),
        Err(e) => {
            errs.merge(e);
            None
        }
    };
    if input.candidates.is_empty() {
        errs.add("candidates", "required", "must list at least one candidate");
    }
    if input.candidates.len() > 500 {
        errs.add(
            "candidates",
            "max_items",
            "must list at most 500 candidates",
        );
    }
    let candidates =
        checked_candidates(state, who, &input.candidates, "candidates", &mut errs).await?;
    let round = match (round, errs.is_empty()) {
        (Some(r), true) => r,
        _ => return Err(AppError::Validation(errs)),
    };
    let mut tx = permit.begin(&state.store).await?;
    let id = store::insert_round(
        &mut tx,
        permit.actor(),
        who.user.unit_id,
        &round,
        &candidates,
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// The candidates of a list, each checked (its person one the caller can
/// see); the errors name `{list}[i].field`.
async fn checked_candidates(
    state: &AppState,
    who: &Principal,
    list: &[CandidateInput],
    name: &str,
    errs: &mut ValidationErrors,
) -> AppResult<Vec<liem_domain::screening::NewCandidate>> {
    let v = viewer(who);
    let mut out = Vec::new();
    let mut c = state.store.conn().await?;
    for (i, ci) in list.iter().enumerate() {
        match ci.parse(&format!("{name}[{i}].")) {
            Ok(nc) => {
                if let Some(p) = nc.person {
                    match liem_store::cases::visible_person(&mut c, &v, p).await {
                        Ok(_) => {}
                        Err(liem_store::StoreError::NotFound) => errs.add(
                            &format!("{name}[{i}].person"),
                            "unknown_value",
                            "must be a person's id you can see",
                        ),
                        Err(e) => return Err(e.into()),
                    }
                }
                out.push(nc);
            }
            Err(e) => errs.merge(e),
        }
    }
    Ok(out)
}

/// Adds the candidates of a sheet (Excel or CSV) to a round of the caller's
/// reach; the errors name the sheet's rows (`rows[i]`, from the first row
/// after the headings). How many were added.
pub async fn import_candidates(
    state: &AppState,
    who: &Writer,
    round_id: Uuid,
    file: &crate::files::Upload,
) -> AppResult<usize> {
    let g = who
        .grant(Right::ScreenPersons)
        .map_err(|_| AppError::NotFound)?;
    let mut c = state.store.conn().await?;
    let r = store::round(&mut c, round_id).await?;
    drop(c);
    g.reach(&r.unit_path)?;
    let permit = who.permit(
        Right::ScreenPersons,
        &r.unit_path,
        "candidates are added by the round's unit",
    )?;
    let sheet = crate::web::sheet::read_sheet(&file.filename, &file.bytes)?;
    let list = liem_domain::screening::candidates_from_rows(&sheet.headings, &sheet.rows)?;
    let mut errs = ValidationErrors::new();
    if list.is_empty() {
        errs.add("file", "required", "must list at least one candidate");
    }
    if list.len() + r.candidate_list.len() > 500 {
        errs.add("file", "max_items", "a round holds at most 500 candidates");
    }
    let candidates = checked_candidates(state, who, &list, "rows", &mut errs).await?;
    errs.into_result(())?;
    let mut tx = permit.begin(&state.store).await?;
    let n = store::add_candidates(&mut tx, permit.actor(), round_id, &candidates).await?;
    tx.commit().await?;
    Ok(n)
}

/// The rounds of the units in the caller's reach.
pub async fn rounds(state: &AppState, who: &Principal) -> AppResult<Vec<RoundBrief>> {
    let g = who.grant(Right::ScreenPersons)?;
    let mut c = state.store.conn().await?;
    Ok(store::rounds(&mut c, g.scope()).await?)
}

/// A candidate with what the registers hold about them and the draft answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct CandidateView {
    /// The candidate and the answer given, if any.
    #[serde(flatten)]
    pub candidate: CandidateRecord,
    /// What the registers hold (none until the candidate's person is identified).
    pub findings: Option<Findings>,
    /// The draft answer's lines (empty until identified).
    pub draft: Vec<DraftLine>,
}

/// A round with every candidate's findings, as they stood at `as_of`.
#[derive(Debug, Serialize, ToSchema)]
pub struct RoundView {
    /// The round.
    #[serde(flatten)]
    pub round: RoundRecord,
    /// Its candidates.
    pub candidates: Vec<CandidateView>,
    /// The instant the findings were read.
    #[schema(value_type = String)]
    pub as_of: jiff::Timestamp,
}

/// A round in the caller's reach, every candidate's findings read and the
/// view audited in one transaction; not found otherwise (also for a caller
/// without the screening right).
pub async fn round(state: &AppState, who: &Principal, id: Uuid) -> AppResult<RoundView> {
    // Without the right, a round is not there at all: its existence says
    // that someone is being screened.
    let g = who
        .grant(Right::ScreenPersons)
        .map_err(|_| AppError::NotFound)?;
    let permit = g.audited_read();
    let mut tx = permit.begin(&state.store).await?;
    let round = store::round(&mut tx, id).await?;
    g.reach(&round.unit_path)?;
    let v = viewer(who);
    let petition_scope = who.scope(Right::ReadPetitions);
    let mut candidates = Vec::with_capacity(round.candidate_list.len());
    for c in &round.candidate_list {
        let findings = match c.person_id {
            Some(p) => Some(store::findings(&mut tx, &v, &petition_scope, p).await?),
            None => None,
        };
        candidates.push(CandidateView {
            draft: findings.as_ref().map(draft).unwrap_or_default(),
            findings,
            candidate: c.clone(),
        });
    }
    let as_of = jiff::Timestamp::now();
    audit::append(
        &mut tx,
        permit.actor(),
        "screening.view",
        "screening_round",
        &id.to_string(),
        serde_json::json!({"candidates": candidates.len()}),
    )
    .await?;
    tx.commit().await?;
    Ok(RoundView {
        round,
        candidates,
        as_of,
    })
}

/// An answer for a candidate, as a client sends it.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
pub struct AnswerInput {
    /// The answer's text; absent to confirm the draft as it stands.
    pub answer: Option<String>,
    /// Why the draft was amended (required when the text differs from it).
    pub reason: Option<String>,
}

/// Confirms a candidate's draft answer, or records an amended one with its
/// reason; `draft_text` renders a draft in the language of the reply. The
/// findings are read again in the transaction that records the answer, so
/// that the answer states the instant its data stood at.
pub async fn answer(
    state: &AppState,
    who: &Writer,
    round_id: Uuid,
    candidate_id: Uuid,
    input: &AnswerInput,
    draft_text: impl Fn(&[DraftLine]) -> String,
) -> AppResult<RoundView> {
    let g = who
        .grant(Right::ScreenPersons)
        .map_err(|_| AppError::NotFound)?;
    let mut c = state.store.conn().await?;
    let r = store::round(&mut c, round_id).await?;
    drop(c);
    g.reach(&r.unit_path)?;
    let Some(candidate) = r.candidate_list.iter().find(|c| c.id == candidate_id) else {
        return Err(AppError::NotFound);
    };
    let permit = who.permit(
        Right::ScreenPersons,
        &r.unit_path,
        "screening answers are given by the round's unit",
    )?;
    let Some(person) = candidate.person_id else {
        return Err(AppError::Validation(ValidationErrors::single(
            "candidate",
            "not_identified",
            "identify the candidate's person record before answering",
        )));
    };
    let mut errs = ValidationErrors::new();
    let given =
        liem_domain::validation::optional_text(&mut errs, "answer", input.answer.as_deref(), 5_000);
    let reason =
        liem_domain::validation::optional_text(&mut errs, "reason", input.reason.as_deref(), 2_000);
    errs.into_result(())?;
    let mut tx = permit.begin(&state.store).await?;
    let as_of = jiff::Timestamp::now();
    let findings = store::findings(
        &mut tx,
        &viewer(who),
        &who.scope(Right::ReadPetitions),
        person,
    )
    .await?;
    let (text, amended) =
        liem_domain::screening::settle(&draft_text(&draft(&findings)), given, reason.as_deref())?;
    store::answer(
        &mut tx,
        permit.actor(),
        round_id,
        candidate_id,
        &text,
        amended,
        reason.as_deref().filter(|_| amended),
        &findings,
        as_of,
    )
    .await?;
    tx.commit().await?;
    round(state, who, round_id).await
}

/// Links a letter in the caller's reach to the person its subject is (a
/// person the caller can see), for a handler or leader of the letter's unit.
pub async fn link_subject(
    state: &AppState,
    who: &Writer,
    letter: LetterId,
    person: &str,
) -> AppResult<()> {
    let l = petitions::letter(state, who, letter).await?;
    let permit = who.permit(
        Right::HandleMatter,
        &l.unit_path,
        "a letter's subject is linked by a handler of its unit",
    )?;
    let unknown = || {
        AppError::Validation(ValidationErrors::single(
            "person",
            "unknown_value",
            "must be a person's id you can see",
        ))
    };
    let person: Uuid = person.trim().parse().map_err(|_| unknown())?;
    let mut c = state.store.conn().await?;
    match liem_store::cases::visible_person(&mut c, &viewer(who), person).await {
        Ok(_) => {}
        Err(liem_store::StoreError::NotFound) => return Err(unknown()),
        Err(e) => return Err(e.into()),
    }
    drop(c);
    let mut tx = permit.begin(&state.store).await?;
    store::link_subject(&mut tx, permit.actor(), letter, person).await?;
    tx.commit().await?;
    Ok(())
}
