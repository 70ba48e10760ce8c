//! Administrator-entered calendar days and deadline-rule units.

use crate::db::{query, AsExec};
use crate::{audit, outbox, Result, Tx};
use jiff::civil::Date;
use liem_domain::calendar::{Calendar, DayOverride, OverrideKind};
use liem_domain::deadline::{PeriodUnit, RuleBook, RuleCode};

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

/// The deadline rules with administrators' unit changes.
pub async fn rule_book(ex: &mut impl AsExec) -> Result<RuleBook> {
    let mut book = RuleBook::default();
    for r in query("SELECT code, unit FROM rule_units")
        .fetch_all(ex)
        .await?
    {
        book.set_unit(r.code::<RuleCode>("code")?, r.code::<PeriodUnit>("unit")?);
    }
    Ok(book)
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
