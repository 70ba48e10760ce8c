//! The due dates stored beside the facts (a matter's running deadline, a
//! letter's acknowledgement and feedback timers) are derived: the rules and
//! the calendar make them. When an administrator changes a calendar day or a
//! rule, [`recompute`] brings every open one up to date in the same
//! transaction, so that lists and counts that read the stored dates agree
//! with what the pages compute from the facts.

use crate::db::query;
use crate::{audit, outbox, Result, StoreError, Tx};
use jiff::civil::Date;
use liem_domain::calendar::Calendar;
use liem_domain::deadline::{current_deadline, RuleBook};
use liem_domain::limits::next_duty;
use liem_domain::timers::{timers, ChannelPolicy};
use liem_domain::workflow::{MatterFacts, MatterState};

/// How many stored due dates a recomputation changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Recomputed {
    /// Matters whose running deadline moved.
    pub matters: usize,
    /// Letters whose acknowledgement or feedback timer moved.
    pub letters: usize,
}

/// Recomputes the due dates of open matters and of letters still waiting
/// for an acknowledgement or feedback, under `cal` and `book`. One audit
/// record says what was recomputed and why; each changed matter or letter
/// gets its change-feed entry (the statistics model reloads it).
pub async fn recompute(
    tx: &mut Tx,
    actor: &audit::Actor,
    cal: &Calendar,
    book: &RuleBook,
) -> Result<Recomputed> {
    let mut done = Recomputed::default();
    // The final states, from the domain's own codes.
    let finals: Vec<String> = MatterState::ALL
        .iter()
        .filter(|s| s.is_final())
        .map(|s| format!("'{}'", s.as_str()))
        .collect();
    let rows = query(format!(
        "SELECT m.id, m.facts, m.due_on, m.due_rule, d.due_on AS duty_on, d.rule AS duty_rule \
         FROM matters m LEFT JOIN matter_duties d ON d.matter_id = m.id WHERE m.state NOT IN ({})",
        finals.join(", ")
    ))
    .fetch_all(&mut *tx)
    .await?;
    for r in rows {
        let facts: MatterFacts = serde_json::from_str(&r.text("facts")?)
            .map_err(|e| StoreError::Corrupt(format!("matter facts: {e}")))?;
        let due = current_deadline(&facts, cal, book);
        let (on, rule) = (
            due.as_ref().map(|d| d.due),
            due.as_ref().map(|d| d.code.as_str()),
        );
        let duty = next_duty(&facts, cal);
        let duty_same = duty.as_ref().map(|l| l.on) == r.opt_date("duty_on")?
            && duty.as_ref().map(|l| l.code.as_str()) == r.opt_text("duty_rule")?.as_deref();
        if on == r.opt_date("due_on")? && rule == r.opt_text("due_rule")?.as_deref() && duty_same {
            continue;
        }
        let id = r.uuid("id")?;
        audit::touch(tx, "matter", &id.to_string());
        if !duty_same {
            crate::petitions::write_duty(tx, liem_domain::ids::MatterId(id), duty.as_ref()).await?;
        }
        query("UPDATE matters SET due_on = $1, due_rule = $2 WHERE id = $3")
            .bind(on)
            .bind(rule)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        outbox::append(
            tx,
            "matter",
            &id.to_string(),
            "deadline",
            serde_json::json!({
                "due_on": on,
                "due_rule": rule,
                "duty_on": duty.as_ref().map(|l| l.on),
                "duty_rule": duty.as_ref().map(|l| l.code.as_str()),
            }),
        )
        .await?;
        done.matters += 1;
    }
    let rows = query(
        "SELECT l.id, l.received_on, l.ack_on, l.ack_due, l.feedback_due, u.feedback_policy \
         FROM letters l JOIN units u ON u.id = l.unit_id WHERE l.feedback_on IS NULL",
    )
    .fetch_all(&mut *tx)
    .await?;
    for r in rows {
        let policy: ChannelPolicy = r.code("feedback_policy")?;
        let received: Date = r.date("received_on")?;
        let t = timers(policy, received, r.opt_date("ack_on")?, cal);
        if t.ack_due == r.opt_date("ack_due")? && t.feedback_due == r.opt_date("feedback_due")? {
            continue;
        }
        let id = r.uuid("id")?;
        audit::touch(tx, "letter", &id.to_string());
        query("UPDATE letters SET ack_due = $1, feedback_due = $2 WHERE id = $3")
            .bind(t.ack_due)
            .bind(t.feedback_due)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        outbox::append(
            tx,
            "letter",
            &id.to_string(),
            "timers",
            serde_json::json!({ "ack_due": t.ack_due, "feedback_due": t.feedback_due }),
        )
        .await?;
        done.letters += 1;
    }
    audit::append(
        tx,
        actor,
        "deadlines.recompute",
        "deadlines",
        "all",
        serde_json::to_value(done).unwrap_or_default(),
    )
    .await?;
    Ok(done)
}
