//! Administrator-entered calendar days and deadline-rule units.

use crate::db::{query, AsExec};
use crate::{audit, outbox, Result, StoreError, Tx};
use jiff::civil::Date;
use liem_domain::calendar::{Calendar, DayOverride, OverrideKind};
use liem_domain::deadline::{PeriodUnit, RuleBook, RuleCode, RuleVersion};

/// Every entered day.
pub async fn overrides(ex: &mut impl AsExec) -> Result<Vec<DayOverride>> {
    query("SELECT day, kind, name FROM calendar_days ORDER BY day")
        .fetch_all(ex)
        .await?
        .iter()
        .map(|r| {
            Ok(DayOverride {
                date: r.date("day")?,
                kind: r.code::<OverrideKind>("kind")?,
                name: r.text("name")?,
            })
        })
        .collect()
}

/// The working-day calendar with every entered day.
pub async fn load(ex: &mut impl AsExec) -> Result<Calendar> {
    Ok(Calendar::with_overrides(overrides(ex).await?))
}

/// The version of the calendar and the rules: moved by every change to
/// the entered days, the rules' units or their versions (triggers), so that
/// a copy held in memory is known to be current by reading this one number.
pub async fn settings_version(ex: &mut impl AsExec) -> Result<i64> {
    query("SELECT version FROM settings_version WHERE id = 1")
        .fetch_optional(ex)
        .await?
        .map(|r| r.i64("version"))
        .transpose()?
        .ok_or_else(|| StoreError::Corrupt("the settings version row is missing".into()))
}

/// The deadline rules with administrators' unit changes.
pub async fn rule_book(ex: &mut impl AsExec) -> Result<RuleBook> {
    let mut book = RuleBook::default();
    for r in query("SELECT code, unit FROM rule_units")
        .fetch_all(ex)
        .await?
    {
        book.set_unit(r.code::<RuleCode>("code")?, r.code::<PeriodUnit>("unit")?);
    }
    for r in query(
        "SELECT code, valid_from, CAST(amount AS BIGINT) AS amount, unit, citation FROM rule_versions \
         ORDER BY code, valid_from",
    )
    .fetch_all(ex)
    .await?
    {
        let amount = u32::try_from(r.i64("amount")?)
            .map_err(|_| StoreError::Corrupt("a rule version's amount out of range".into()))?;
        book.add_version(&RuleVersion {
            code: r.code::<RuleCode>("code")?,
            valid_from: r.date("valid_from")?,
            amount,
            unit: r.code::<PeriodUnit>("unit")?,
            citation: r.text("citation")?,
        })
        .map_err(|e| StoreError::Corrupt(format!("rule version: {e}")))?;
    }
    Ok(book)
}

/// Enters a new version of a rule (the caller checks it fits the book).
pub async fn add_rule_version(tx: &mut Tx, actor: &audit::Actor, v: &RuleVersion) -> Result<()> {
    query(
        "INSERT INTO rule_versions (code, valid_from, amount, unit, citation, entered_by, entered_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(v.code.as_str())
    .bind(v.valid_from)
    .bind(i64::from(v.amount))
    .bind(v.unit.as_str())
    .bind(v.citation.as_str())
    .bind(actor.user.map(|u| u.0))
    .bind(crate::now())
    .execute(&mut *tx)
    .await?;
    audit::record_change(
        tx,
        actor,
        "rule.add_version",
        "rule",
        v.code.as_str(),
        serde_json::json!({"valid_from": v.valid_from, "amount": v.amount, "unit": v.unit, "citation": v.citation}),
    )
    .await
}

/// Enters (or replaces) a day.
pub async fn set_day(tx: &mut Tx, actor: &audit::Actor, day: &DayOverride) -> Result<()> {
    query("DELETE FROM calendar_days WHERE day = $1")
        .bind(day.date)
        .execute(tx)
        .await?;
    query("INSERT INTO calendar_days (day, kind, name) VALUES ($1, $2, $3)")
        .bind(day.date)
        .bind(day.kind.as_str())
        .bind(day.name.as_str())
        .execute(tx)
        .await?;
    let detail =
        serde_json::json!({"day": day.date.to_string(), "kind": day.kind, "name": day.name});
    audit::append(
        tx,
        actor,
        "calendar.set_day",
        "calendar_day",
        &day.date.to_string(),
        detail.clone(),
    )
    .await?;
    outbox::append(tx, "calendar_day", &day.date.to_string(), "set", detail).await
}

/// Removes an entered day (the computed default applies again).
pub async fn remove_day(tx: &mut Tx, actor: &audit::Actor, day: Date) -> Result<bool> {
    let n = query("DELETE FROM calendar_days WHERE day = $1")
        .bind(day)
        .execute(tx)
        .await?;
    if n > 0 {
        audit::append(
            tx,
            actor,
            "calendar.remove_day",
            "calendar_day",
            &day.to_string(),
            serde_json::json!({}),
        )
        .await?;
        outbox::append(
            tx,
            "calendar_day",
            &day.to_string(),
            "remove",
            serde_json::json!({}),
        )
        .await?;
    }
    Ok(n > 0)
}

/// Sets the unit a deadline rule is counted in.
pub async fn set_rule_unit(
    tx: &mut Tx,
    actor: &audit::Actor,
    code: RuleCode,
    unit: PeriodUnit,
) -> Result<()> {
    query("DELETE FROM rule_units WHERE code = $1")
        .bind(code.as_str())
        .execute(tx)
        .await?;
    query("INSERT INTO rule_units (code, unit) VALUES ($1, $2)")
        .bind(code.as_str())
        .bind(unit.as_str())
        .execute(tx)
        .await?;
    audit::record_change(
        tx,
        actor,
        "rule.set_unit",
        "rule",
        code.as_str(),
        serde_json::json!({"unit": unit}),
    )
    .await
}
