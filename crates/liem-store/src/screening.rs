//! The screening of candidates: rounds, their candidates, what the
//! registers hold about each one, and the answers given; and the explicit
//! link between a letter and the person its subject is.

use crate::cases::{get_case, sanctions_of, Viewer};
use crate::db::{query, AsExec, Filter, Row};
use crate::{audit, now, Result, StoreError, Tx};
use jiff::civil::Date;
use liem_domain::case::Stage;
use liem_domain::ids::{LetterId, UnitId};
use liem_domain::people::PartyRef;
use liem_domain::role::Scope;
use liem_domain::screening::{
    Findings, HeldCase, HeldLetter, HeldSanction, NewCandidate, NewRound, RoundKind,
};
use liem_domain::workflow::MatterState;
use serde::Serialize;
use uuid::Uuid;

/// Links a letter to the person its subject is (idempotent).
pub async fn link_subject(
    tx: &mut Tx,
    actor: &audit::Actor,
    letter: LetterId,
    person: Uuid,
) -> Result<()> {
    let there =
        query("SELECT 1 AS one FROM letter_subjects WHERE letter_id = $1 AND person_id = $2")
            .bind(letter.0)
            .bind(person)
            .fetch_optional(&mut *tx)
            .await?;
    if there.is_none() {
        query("INSERT INTO letter_subjects (letter_id, person_id, linked_by, linked_at) VALUES ($1, $2, $3, $4)")
            .bind(letter.0)
            .bind(person)
            .bind(actor.user.map(|u| u.0))
            .bind(now())
            .execute(&mut *tx)
            .await?;
    }
    audit::record_change(
        tx,
        actor,
        "letter.link_subject",
        "letter",
        &letter.to_string(),
        serde_json::json!({"person": person}),
    )
    .await
}

/// The persons a letter's subject is linked to: (id, full name).
pub async fn subjects_of(ex: &mut impl AsExec, letter: LetterId) -> Result<Vec<(Uuid, String)>> {
    query(
        "SELECT p.id, p.full_name FROM letter_subjects ls JOIN persons p ON p.id = ls.person_id \
         WHERE ls.letter_id = $1 ORDER BY p.full_name, p.id",
    )
    .bind(letter.0)
    .fetch_all(ex)
    .await?
    .iter()
    .map(|r| Ok((r.uuid("id")?, r.text("full_name")?)))
    .collect()
}

/// Records a round of the unit and its candidates.
pub async fn insert_round(
    tx: &mut Tx,
    actor: &audit::Actor,
    unit: UnitId,
    r: &NewRound,
    candidates: &[NewCandidate],
) -> Result<Uuid> {
    let id = Uuid::now_v7();
    query("INSERT INTO screening_rounds (id, unit_id, kind, title, level, requested_by, deadline, created_by, created_at) \
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
        .bind(id)
        .bind(unit.0)
        .bind(r.kind.as_str())
        .bind(r.title.as_str())
        .bind(r.level.as_str())
        .bind(r.requested_by.as_str())
        .bind(r.deadline)
        .bind(actor.user.map(|u| u.0))
        .bind(now())
        .execute(&mut *tx)
        .await?;
    insert_candidates(tx, id, 0, candidates).await?;
    audit::record_change(
        tx,
        actor,
        "screening.round.create",
        "screening_round",
        &id.to_string(),
        serde_json::json!({"unit": unit, "kind": r.kind, "candidates": candidates.len()}),
    )
    .await?;
    Ok(id)
}

/// Writes a round's candidates, numbered after `last`.
async fn insert_candidates(
    tx: &mut Tx,
    round: Uuid,
    last: i64,
    candidates: &[NewCandidate],
) -> Result<()> {
    for (i, c) in candidates.iter().enumerate() {
        query("INSERT INTO screening_candidates (id, round_id, position, full_name, birth_year, post, person_id) \
               VALUES ($1, $2, $3, $4, $5, $6, $7)")
            .bind(Uuid::now_v7())
            .bind(round)
            .bind(last + i as i64 + 1)
            .bind(c.full_name.as_str())
            .bind(c.birth_year.map(i64::from))
            .bind(c.position.as_str())
            .bind(c.person)
            .execute(&mut *tx)
            .await?;
    }
    Ok(())
}

/// A round in a list.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RoundBrief {
    /// Its id.
    pub id: Uuid,
    /// The screening unit's code.
    pub unit: String,
    /// What it is for.
    pub kind: RoundKind,
    /// The congress or appointment.
    pub title: String,
    /// Its level.
    pub level: String,
    /// Who asked.
    pub requested_by: String,
    /// The day the answer is due.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub deadline: Date,
    /// How many candidates it holds.
    pub candidate_count: i64,
    /// How many of them were answered.
    pub answered: i64,
}

/// A candidate as stored, with the answer given, if any.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CandidateRecord {
    /// Its id.
    pub id: Uuid,
    /// Its place in the list, from 1.
    pub position: i64,
    /// Full name.
    pub full_name: String,
    /// Year of birth.
    pub birth_year: Option<i64>,
    /// Current post.
    pub post: String,
    /// The person record, when identified.
    pub person_id: Option<Uuid>,
    /// The answer given.
    pub answer: Option<String>,
    /// Whether the answer amends the draft.
    pub amended: Option<bool>,
    /// Why the draft was amended.
    pub reason: Option<String>,
    /// The instant the data the answer rests on stood at.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub data_as_of: Option<jiff::Timestamp>,
}

/// A round with its candidates.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RoundRecord {
    /// What a list shows of it.
    #[serde(flatten)]
    pub brief: RoundBrief,
    /// The screening unit.
    #[serde(skip)]
    pub unit_id: UnitId,
    /// Its unit's path (for the gate).
    #[serde(skip)]
    pub unit_path: String,
    /// Its candidates, in order (shown with their findings by the view
    /// that holds the round).
    #[serde(skip)]
    pub candidate_list: Vec<CandidateRecord>,
}

const ROUND_COLS: &str = "r.id, un.code AS unit_code, un.path AS unit_path, r.unit_id, r.kind, r.title, r.level, r.requested_by, r.deadline, \
     (SELECT COUNT(*) FROM screening_candidates c WHERE c.round_id = r.id) AS candidates, \
     (SELECT COUNT(*) FROM screening_candidates c WHERE c.round_id = r.id AND c.answer IS NOT NULL) AS answered";

fn brief(r: &Row) -> Result<RoundBrief> {
    Ok(RoundBrief {
        id: r.uuid("id")?,
        unit: r.text("unit_code")?,
        kind: r.code("kind")?,
        title: r.text("title")?,
        level: r.text("level")?,
        requested_by: r.text("requested_by")?,
        deadline: r.date("deadline")?,
        candidate_count: r.i64("candidates")?,
        answered: r.i64("answered")?,
    })
}

/// The rounds of the units in `scope`, latest deadline first.
pub async fn rounds(ex: &mut impl AsExec, scope: &Scope) -> Result<Vec<RoundBrief>> {
    let Some((cond, path)) = crate::db::path_scope(scope, "un.path", 1) else {
        return Ok(Vec::new());
    };
    query(format!(
        "SELECT {ROUND_COLS} FROM screening_rounds r JOIN units un ON un.id = r.unit_id WHERE {cond} \
         ORDER BY r.deadline DESC, r.id DESC LIMIT 500"
    ))
    .bind_some(path)
    .fetch_all(ex)
    .await?
    .iter()
    .map(brief)
    .collect()
}

/// A round, or `NotFound`.
pub async fn round(ex: &mut impl AsExec, id: Uuid) -> Result<RoundRecord> {
    let r = query(format!(
        "SELECT {ROUND_COLS} FROM screening_rounds r JOIN units un ON un.id = r.unit_id WHERE r.id = $1"
    ))
    .bind(id)
    .fetch_optional(&mut *ex)
    .await?
    .ok_or(StoreError::NotFound)?;
    let candidate_list = query(
        "SELECT id, position, full_name, birth_year, post, person_id, answer, amended, reason, data_as_of \
         FROM screening_candidates WHERE round_id = $1 ORDER BY position",
    )
    .bind(id)
    .fetch_all(&mut *ex)
    .await?
    .iter()
    .map(|c| {
        Ok(CandidateRecord {
            id: c.uuid("id")?,
            position: c.i64("position")?,
            full_name: c.text("full_name")?,
            birth_year: c.get::<Option<i64>>("birth_year")?,
            post: c.text("post")?,
            person_id: c.opt_uuid("person_id")?,
            answer: c.opt_text("answer")?,
            amended: c.get::<Option<bool>>("amended")?,
            reason: c.opt_text("reason")?,
            data_as_of: c.opt_timestamp("data_as_of")?,
        })
    })
    .collect::<Result<Vec<_>>>()?;
    Ok(RoundRecord {
        brief: brief(&r)?,
        unit_id: UnitId(r.uuid("unit_id")?),
        unit_path: r.text("unit_path")?,
        candidate_list,
    })
}

/// What the registers hold about a person that `v` (for cases) and
/// `petition_scope` (for letters) may see: letters linked to them whose
/// matters are still being handled, cases in which they are a party,
/// their sanctions.
pub async fn findings(
    ex: &mut impl AsExec,
    v: &Viewer,
    petition_scope: &Scope,
    person: Uuid,
) -> Result<Findings> {
    let mut f = Filter::default();
    crate::petitions::scope_condition(&mut f, petition_scope, "l.unit_id");
    f.and("ls.person_id = ?", vec![person.into()]);
    let finals: Vec<&str> = MatterState::ALL
        .iter()
        .filter(|s| s.is_final())
        .map(|s| s.as_str())
        .collect();
    f.and(
        &format!("m.state NOT IN ({})", vec!["?"; finals.len()].join(", ")),
        finals.iter().map(|s| (*s).into()).collect(),
    );
    let sql = format!(
        "SELECT l.reference, l.received_on, m.kind, m.state FROM letter_subjects ls \
         JOIN letters l ON l.id = ls.letter_id JOIN letter_matters lm ON lm.letter_id = l.id \
         JOIN matters m ON m.id = lm.matter_id{} ORDER BY l.received_on, l.reference, m.kind",
        f.where_clause()
    );
    let letters = f
        .query(sql)
        .fetch_all(&mut *ex)
        .await?
        .iter()
        .map(|r| {
            Ok(HeldLetter {
                reference: r.text("reference")?,
                received_on: r.date("received_on")?,
                kind: r.text("kind")?,
                state: r.text("state")?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let parties = query(
        "SELECT case_id, role FROM case_parties WHERE person_id = $1 ORDER BY created_at, id",
    )
    .bind(person)
    .fetch_all(&mut *ex)
    .await?
    .iter()
    .map(|r| Ok((r.uuid("case_id")?, r.code("role")?)))
    .collect::<Result<Vec<(Uuid, liem_domain::people::PartyRole)>>>()?;
    let mut cases = Vec::new();
    for (case_id, role) in parties {
        match get_case(&mut *ex, v, case_id).await {
            Ok(c) => cases.push(HeldCase {
                reference: c.reference.clone(),
                role,
                stage: c.facts.stage.as_str().to_owned(),
                closed: c.facts.stage == Stage::Closed,
                monitored: !c.monitored_by.is_empty(),
            }),
            Err(StoreError::NotFound) => {}
            Err(e) => return Err(e),
        }
    }
    let sanctions = sanctions_of(&mut *ex, PartyRef::Person(person))
        .await?
        .into_iter()
        .map(|s| HeldSanction {
            track: s.sanction.track,
            measure: s.sanction.measure,
            decided_on: s.sanction.decided_on,
        })
        .collect();
    Ok(Findings {
        letters,
        cases,
        sanctions,
    })
}

/// Records the answer given for a candidate of a round: the text, whether
/// it amends the draft and why, the findings it rests on and the instant
/// they stood at.
#[allow(clippy::too_many_arguments)]
pub async fn answer(
    tx: &mut Tx,
    actor: &audit::Actor,
    round: Uuid,
    candidate: Uuid,
    answer: &str,
    amended: bool,
    reason: Option<&str>,
    findings: &Findings,
    as_of: jiff::Timestamp,
) -> Result<()> {
    let n = query("UPDATE screening_candidates SET answer = $1, amended = $2, reason = $3, findings = $4, data_as_of = $5, \
                   answered_by = $6, answered_at = $7 WHERE id = $8 AND round_id = $9")
        .bind(answer)
        .bind(amended)
        .bind(reason)
        .bind(serde_json::to_string(findings).map_err(|e| StoreError::Corrupt(e.to_string()))?)
        .bind(as_of)
        .bind(actor.user.map(|u| u.0))
        .bind(now())
        .bind(candidate)
        .bind(round)
        .execute(&mut *tx)
        .await?;
    if n != 1 {
        return Err(StoreError::NotFound);
    }
    audit::record_change(
        tx,
        actor,
        "screening.answer",
        "screening_round",
        &round.to_string(),
        serde_json::json!({"candidate": candidate, "amended": amended}),
    )
    .await
}

/// Adds candidates to a round, after those it holds; how many were added.
pub async fn add_candidates(
    tx: &mut Tx,
    actor: &audit::Actor,
    round: Uuid,
    candidates: &[NewCandidate],
) -> Result<usize> {
    let last = query(
        "SELECT COALESCE(MAX(position), 0) AS last FROM screening_candidates WHERE round_id = $1",
    )
    .bind(round)
    .fetch_one(&mut *tx)
    .await?
    .i64("last")?;
    insert_candidates(tx, round, last, candidates).await?;
    audit::record_change(
        tx,
        actor,
        "screening.candidates.add",
        "screening_round",
        &round.to_string(),
        serde_json::json!({"added": candidates.len()}),
    )
    .await?;
    Ok(candidates.len())
}
