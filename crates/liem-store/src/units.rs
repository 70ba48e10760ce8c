//! The unit tree.

use crate::db::{query, AsExec, Row};
use crate::{audit, outbox, Result, StoreError, Tx};
use jiff::civil::Date;
use liem_domain::ids::UnitId;
use liem_domain::unit::{child_path, UnitCode, UnitKind};
use serde::Serialize;

/// A unit as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UnitRecord {
    /// Id.
    pub id: UnitId,
    /// Short code (prefixes references).
    pub code: String,
    /// Full name.
    pub name: String,
    /// Kind of body.
    pub kind: UnitKind,
    /// Parent unit.
    pub parent_id: Option<UnitId>,
    /// Materialised path, `/CENTRAL/HNI/`.
    pub path: String,
    /// First day of existence.
    pub valid_from: Date,
    /// Last day of existence (merged, split or dissolved).
    pub valid_to: Option<Date>,
}

/// A unit to create.
#[derive(Debug, Clone)]
pub struct NewUnit {
    /// Code.
    pub code: UnitCode,
    /// Name.
    pub name: String,
    /// Kind.
    pub kind: UnitKind,
    /// Parent.
    pub parent: Option<UnitId>,
    /// First day of existence.
    pub valid_from: Date,
}

const COLS: &str = "id, code, name, kind, parent_id, path, valid_from, valid_to";

fn from_row(r: &Row) -> Result<UnitRecord> {
    Ok(UnitRecord {
        id: UnitId(r.uuid("id")?),
        code: r.text("code")?,
        name: r.text("name")?,
        kind: r.code("kind")?,
        parent_id: r.opt_uuid("parent_id")?.map(UnitId),
        path: r.text("path")?,
        valid_from: r.date("valid_from")?,
        valid_to: r.opt_date("valid_to")?,
    })
}

/// Creates a unit under its parent.
pub async fn create(tx: &mut Tx, actor: &audit::Actor, u: &NewUnit) -> Result<UnitRecord> {
    let parent_path = match u.parent {
        Some(p) => Some(get(tx, p).await?.path),
        None => None,
    };
    let rec = UnitRecord {
        id: UnitId::new(),
        code: u.code.as_str().to_owned(),
        name: u.name.clone(),
        kind: u.kind,
        parent_id: u.parent,
        path: child_path(parent_path.as_deref(), &u.code),
        valid_from: u.valid_from,
        valid_to: None,
    };
    query("INSERT INTO units (id, code, name, kind, parent_id, path, valid_from) VALUES ($1, $2, $3, $4, $5, $6, $7)")
        .bind(rec.id.0)
        .bind(rec.code.as_str())
        .bind(rec.name.as_str())
        .bind(rec.kind.as_str())
        .bind(rec.parent_id.map(|p| p.0))
        .bind(rec.path.as_str())
        .bind(rec.valid_from)
        .execute(tx)
        .await?;
    let detail = serde_json::json!({"code": rec.code, "kind": rec.kind, "parent": rec.parent_id});
    audit::append(
        tx,
        actor,
        "unit.create",
        "unit",
        &rec.id.to_string(),
        detail.clone(),
    )
    .await?;
    outbox::append(tx, "unit", &rec.id.to_string(), "create", detail).await?;
    Ok(rec)
}

/// A unit by id.
pub async fn get(ex: &mut impl AsExec, id: UnitId) -> Result<UnitRecord> {
    let r = query(format!("SELECT {COLS} FROM units WHERE id = $1"))
        .bind(id.0)
        .fetch_one(ex)
        .await?;
    from_row(&r)
}

/// What registering a letter in a unit reads before its transaction, in
/// one statement: the unit, its timer policy, whether the letter's field is
/// an active code of the reference list, and the settings version (which
/// tells whether the calendar and rules held in memory are current).
#[derive(Debug, Clone)]
pub struct IntakeContext {
    /// The unit.
    pub unit: UnitRecord,
    /// Its acknowledgement and feedback timers.
    pub policy: liem_domain::timers::ChannelPolicy,
    /// Whether the field code is active in the reference list.
    pub field_active: bool,
    /// The settings version ([`crate::calendar::settings_version`]).
    pub settings_version: i64,
}

/// Reads the [`IntakeContext`] of a unit and a field code.
pub async fn intake_context(
    ex: &mut impl AsExec,
    id: UnitId,
    field: &str,
) -> Result<IntakeContext> {
    let r = query(format!(
        "SELECT {COLS}, feedback_policy, \
           (SELECT version FROM settings_version WHERE id = 1) AS settings_version, \
           CAST(CASE WHEN EXISTS (SELECT 1 FROM fields WHERE code = $2 AND active = $3) THEN 1 ELSE 0 END AS BIGINT) AS field_active \
         FROM units WHERE id = $1"
    ))
    .bind(id.0)
    .bind(field)
    .bind(true)
    .fetch_one(ex)
    .await?;
    Ok(IntakeContext {
        unit: from_row(&r)?,
        policy: r.code("feedback_policy")?,
        field_active: r.i64("field_active")? == 1,
        settings_version: r
            .get::<Option<i64>>("settings_version")?
            .ok_or_else(|| StoreError::Corrupt("the settings version row is missing".into()))?,
    })
}

/// A unit by code.
pub async fn by_code(ex: &mut impl AsExec, code: &str) -> Result<UnitRecord> {
    let r = query(format!("SELECT {COLS} FROM units WHERE code = $1"))
        .bind(code.trim().to_ascii_uppercase())
        .fetch_optional(ex)
        .await?
        .ok_or(StoreError::NotFound)?;
    from_row(&r)
}

/// Every unit, in tree order (by path).
pub async fn list(ex: &mut impl AsExec) -> Result<Vec<UnitRecord>> {
    query(format!("SELECT {COLS} FROM units ORDER BY path"))
        .fetch_all(ex)
        .await?
        .iter()
        .map(from_row)
        .collect()
}

/// The units whose path starts with `prefix` (a subtree), in tree order.
pub async fn subtree(ex: &mut impl AsExec, prefix: &str) -> Result<Vec<UnitRecord>> {
    let (cond, value) = crate::db::path_scope(
        &liem_domain::role::Scope::Subtree(prefix.to_owned()),
        "path",
        1,
    )
    .expect("a subtree");
    query(format!(
        "SELECT {COLS} FROM units WHERE {cond} ORDER BY path"
    ))
    .bind_some(value)
    .fetch_all(ex)
    .await?
    .iter()
    .map(from_row)
    .collect()
}

/// The timer policy a unit follows.
pub async fn policy(
    ex: &mut impl AsExec,
    unit: UnitId,
) -> Result<liem_domain::timers::ChannelPolicy> {
    query("SELECT feedback_policy FROM units WHERE id = $1")
        .bind(unit.0)
        .fetch_one(ex)
        .await?
        .code("feedback_policy")
}

/// Sets the timer policy of a unit.
pub async fn set_policy(
    tx: &mut Tx,
    actor: &audit::Actor,
    unit: UnitId,
    policy: liem_domain::timers::ChannelPolicy,
) -> Result<()> {
    let n = query("UPDATE units SET feedback_policy = $1 WHERE id = $2")
        .bind(policy.as_str())
        .bind(unit.0)
        .execute(tx)
        .await?;
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    audit::record_change(
        tx,
        actor,
        "unit.set_policy",
        "unit",
        &unit.to_string(),
        serde_json::json!({"policy": policy}),
    )
    .await
}
