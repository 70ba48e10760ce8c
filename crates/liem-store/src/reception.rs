//! Citizen reception sessions, their visits and the matters raised.

use crate::db::{query, AsExec};
use crate::{audit, now, outbox, Result, Tx};
use jiff::civil::Date;
use liem_domain::ids::{LetterId, UnitId, UserId};
use liem_domain::reception::{NewSession, RaisedMatter, Session, Visit};
use liem_domain::role::Scope;

/// Records a session with its visits; `reply_due[i]` is the written-reply
/// deadline of visit `i`, and `letters[i]` the letter registered on the spot.
pub async fn insert_session(
    tx: &mut Tx,
    actor: &audit::Actor,
    unit: UnitId,
    s: &NewSession,
    reply_due: &[Option<Date>],
    letters: &[Option<LetterId>],
) -> Result<uuid::Uuid> {
    let id = uuid::Uuid::now_v7();
    query("INSERT INTO reception_sessions (id, unit_id, held_on, kind, host, host_name, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
        .bind(id)
        .bind(unit.0)
        .bind(s.session.held_on)
        .bind(s.session.kind.as_str())
        .bind(s.session.host.as_str())
        .bind(s.host_name.as_str())
        .bind(actor.user.map(|u| u.0))
        .bind(now())
        .execute(tx)
        .await?;
    for (i, v) in s.session.visits.iter().enumerate() {
        let vid = uuid::Uuid::now_v7();
        query("INSERT INTO reception_visits (id, session_id, people, delegation, representatives, outcome, reply_due, letter_id, note) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
            .bind(vid)
            .bind(id)
            .bind(i64::from(v.people))
            .bind(v.delegation)
            .bind(i64::from(v.representatives))
            .bind(v.outcome.as_str())
            .bind(reply_due.get(i).copied().flatten())
            .bind(letters.get(i).copied().flatten().map(|l| l.0))
            .bind(s.notes.get(i).cloned().flatten())
            .execute(tx)
            .await?;
        for (j, m) in v.matters.iter().enumerate() {
            query("INSERT INTO reception_matters (visit_id, position, kind, repeat) VALUES ($1, $2, $3, $4)")
                .bind(vid)
                .bind(j as i64)
                .bind(m.kind.as_str())
                .bind(m.repeat)
                .execute(tx)
                .await?;
        }
    }
    if let Some(o) = &s.online {
        query("INSERT INTO reception_online (session_id, platform, connection_points, recording, identity_check) VALUES ($1, $2, $3, $4, $5)")
            .bind(id)
            .bind(o.platform.as_str())
            .bind(i64::from(o.connection_points))
            .bind(o.recording.as_str())
            .bind(o.identity_check.as_str())
            .execute(&mut *tx)
            .await?;
    }
    let detail = serde_json::json!({
        "unit": unit, "held_on": s.session.held_on.to_string(), "kind": s.session.kind,
        "host": s.session.host, "visits": s.session.visits.len(), "online": s.online,
    });
    audit::append(
        tx,
        actor,
        "reception.create",
        "reception_session",
        &id.to_string(),
        detail.clone(),
    )
    .await?;
    outbox::append(tx, "reception_session", &id.to_string(), "create", detail).await?;
    Ok(id)
}

/// The sessions held in a scope between two dates, with their visits.
pub async fn sessions(
    ex: &mut impl AsExec,
    scope: &Scope,
    from: Date,
    to: Date,
) -> Result<Vec<Session>> {
    let Some((cond, path)) = crate::db::path_scope(scope, "un.path", 3) else {
        return Ok(Vec::new());
    };
    let rows = query(format!(
        "SELECT s.id AS session_id, s.held_on, s.kind, s.host, v.id AS visit_id, v.people, v.delegation, v.representatives, v.outcome, \
         m.kind AS matter_kind, m.repeat \
         FROM reception_sessions s JOIN units un ON un.id = s.unit_id \
         LEFT JOIN reception_visits v ON v.session_id = s.id \
         LEFT JOIN reception_matters m ON m.visit_id = v.id \
         WHERE s.held_on >= $1 AND s.held_on <= $2 AND {cond} \
         ORDER BY s.held_on, s.id, v.id, m.position"
    ))
    .bind(from)
    .bind(to)
    .bind_some(path)
    .fetch_all(ex)
    .await?;
    let mut out: Vec<(uuid::Uuid, Session, Vec<uuid::Uuid>)> = Vec::new();
    for r in &rows {
        let sid = r.uuid("session_id")?;
        if out.last().is_none_or(|(id, _, _)| *id != sid) {
            out.push((
                sid,
                Session {
                    held_on: r.date("held_on")?,
                    kind: r.code("kind")?,
                    host: r.code("host")?,
                    visits: Vec::new(),
                },
                Vec::new(),
            ));
        }
        let (_, session, visit_ids) = out.last_mut().expect("pushed above");
        let Some(vid) = r.opt_uuid("visit_id")? else {
            continue;
        };
        if visit_ids.last() != Some(&vid) {
            visit_ids.push(vid);
            session.visits.push(Visit {
                people: r.i64("people")? as u32,
                delegation: r.bool("delegation")?,
                representatives: r.i64("representatives")? as u32,
                matters: Vec::new(),
                outcome: r.code("outcome")?,
            });
        }
        if let Some(kind) = r.opt_text("matter_kind")? {
            let kind = kind
                .parse()
                .map_err(|_| crate::StoreError::Corrupt(format!("matter kind {kind}")))?;
            let v = session.visits.last_mut().expect("pushed above");
            v.matters.push(RaisedMatter {
                kind,
                repeat: r.bool("repeat")?,
            });
        }
    }
    Ok(out.into_iter().map(|(_, s, _)| s).collect())
}

/// Visits of a scope whose written reply is due on or before `by`.
pub async fn replies_due(
    ex: &mut impl AsExec,
    scope: &Scope,
    by: Date,
) -> Result<Vec<(uuid::Uuid, Date, String)>> {
    let Some((cond, path)) = crate::db::path_scope(scope, "un.path", 2) else {
        return Ok(Vec::new());
    };
    query(format!(
        "SELECT v.id, v.reply_due, un.code FROM reception_visits v JOIN reception_sessions s ON s.id = v.session_id \
         JOIN units un ON un.id = s.unit_id WHERE v.reply_due IS NOT NULL AND v.reply_due <= $1 AND {cond} ORDER BY v.reply_due"
    ))
    .bind(by)
    .bind_some(path)
    .fetch_all(ex)
    .await?
    .iter()
    .map(|r| Ok((r.uuid("id")?, r.date("reply_due")?, r.text("code")?)))
    .collect()
}

/// Who recorded a session (for tests and the audit view).
pub async fn session_author(ex: &mut impl AsExec, id: uuid::Uuid) -> Result<Option<UserId>> {
    Ok(
        query("SELECT created_by FROM reception_sessions WHERE id = $1")
            .bind(id)
            .fetch_one(ex)
            .await?
            .opt_uuid("created_by")?
            .map(UserId),
    )
}

/// Sets (or replaces) a head's reception schedule in a unit.
pub async fn set_schedule(
    tx: &mut Tx,
    actor: &audit::Actor,
    unit: UnitId,
    s: &liem_domain::reception::Schedule,
) -> Result<()> {
    let json = serde_json::to_string(&s.frequency)
        .map_err(|e| crate::StoreError::Corrupt(e.to_string()))?;
    query("DELETE FROM reception_schedules WHERE unit_id = $1 AND head = $2")
        .bind(unit.0)
        .bind(s.head.as_str())
        .execute(tx)
        .await?;
    query("INSERT INTO reception_schedules (unit_id, head, schedule, updated_at) VALUES ($1, $2, $3, $4)")
        .bind(unit.0)
        .bind(s.head.as_str())
        .bind(json.as_str())
        .bind(now())
        .execute(tx)
        .await?;
    let detail = serde_json::json!({"unit": unit, "head": s.head, "schedule": s.frequency});
    audit::append(
        tx,
        actor,
        "reception.set_schedule",
        "unit",
        &unit.to_string(),
        detail.clone(),
    )
    .await?;
    outbox::append(tx, "unit", &unit.to_string(), "reception_schedule", detail).await
}

/// The reception schedules of a unit.
pub async fn schedules(
    ex: &mut impl AsExec,
    unit: UnitId,
) -> Result<Vec<liem_domain::reception::Schedule>> {
    query("SELECT head, schedule FROM reception_schedules WHERE unit_id = $1 ORDER BY head")
        .bind(unit.0)
        .fetch_all(ex)
        .await?
        .iter()
        .map(|r| {
            Ok(liem_domain::reception::Schedule {
                head: r.text("head")?,
                frequency: serde_json::from_str(&r.text("schedule")?)
                    .map_err(|e| crate::StoreError::Corrupt(e.to_string()))?,
            })
        })
        .collect()
}

/// The particulars of a session held online, if it was.
pub async fn online_of(
    ex: &mut impl AsExec,
    session: uuid::Uuid,
) -> Result<Option<liem_domain::reception::Online>> {
    query(
        "SELECT platform, CAST(connection_points AS BIGINT) AS points, recording, identity_check \
         FROM reception_online WHERE session_id = $1",
    )
    .bind(session)
    .fetch_optional(ex)
    .await?
    .map(|r| {
        Ok(liem_domain::reception::Online {
            platform: r.text("platform")?,
            connection_points: u32::try_from(r.i64("points")?)
                .map_err(|_| crate::StoreError::Corrupt("connection points out of range".into()))?,
            recording: r.text("recording")?,
            identity_check: r.text("identity_check")?,
        })
    })
    .transpose()
}
