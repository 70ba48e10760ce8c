//! The state of the registers' records, as the audit trail attests it.
//!
//! Each audit record carries, for every register record its transaction
//! changed, a digest of that record's state as the transaction left it: the
//! record's own row and the rows it owns (a case's stage events, parties,
//! charges and asset events; a letter's sealed identity, keys and messages),
//! each row read in full. [`deep_check`] recomputes the digest of every
//! current record and names each one whose state no audit record explains:
//! edited, inserted or deleted outside Liêm.

use super::Chain;
use crate::db::{query, AsExec, Dialect};
use crate::Result;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};

/// A register record kind: the audit entity, and the tables its state is
/// read from, each with the expression (over alias `t`) that names the
/// record a row belongs to and, where that expression is a subquery, the
/// condition (over `t`, `{}` the list of records) that finds a few
/// records' rows through an index rather than by evaluating it on every
/// row. The first table holds the record itself.
pub(crate) struct Spec {
    pub entity: &'static str,
    pub parts: &'static [(&'static str, &'static str, Option<&'static str>)],
}

/// The registers whose records the trail attests.
pub(crate) const SPECS: &[Spec] = &[
    Spec {
        entity: "letter",
        parts: &[
            ("letters", "t.id", None),
            ("sealed_identities", "t.letter_id", None),
            ("sealed_keys", "t.letter_id", None),
            ("messages", "t.letter_id", None),
            ("unseal_requests", "t.letter_id", None),
            ("letter_transfers", "t.letter_id", None),
            ("reports", "t.letter_id", None),
            ("letter_departures", "t.letter_id", None),
            ("letter_subjects", "t.letter_id", None),
            ("letter_senders", "t.letter_id", None),
        ],
    },
    Spec {
        entity: "attachment",
        parts: &[("attachments", "t.id", None)],
    },
    Spec {
        entity: "matter",
        parts: &[
            ("matters", "t.id", None),
            ("matter_events", "t.matter_id", None),
            ("letter_matters", "t.matter_id", None),
            ("matter_departures", "t.matter_id", None),
            ("matter_duties", "t.matter_id", None),
        ],
    },
    Spec {
        entity: "case",
        parts: &[
            ("cases", "t.id", None),
            ("case_events", "t.case_id", None),
            ("case_parties", "t.case_id", None),
            (
                "charges",
                "(SELECT cp.case_id FROM case_parties cp WHERE cp.id = t.party_id)",
                Some("t.party_id IN (SELECT cp.id FROM case_parties cp WHERE cp.case_id IN ({}))"),
            ),
            ("asset_events", "t.case_id", None),
            ("case_letters", "t.case_id", None),
            ("case_access", "t.case_id", None),
        ],
    },
    Spec {
        entity: "case_transfer",
        parts: &[("case_transfers", "t.id", None)],
    },
    Spec {
        entity: "monitoring",
        parts: &[
            ("monitorings", "t.id", None),
            ("monitoring_targets", "t.monitoring_id", None),
        ],
    },
    Spec {
        entity: "person",
        parts: &[("persons", "t.id", None)],
    },
    Spec {
        entity: "organisation",
        parts: &[("organisations", "t.id", None)],
    },
    Spec {
        entity: "party_link",
        parts: &[("party_links", "t.id", None)],
    },
    Spec {
        entity: "sanction",
        parts: &[("sanctions", "t.id", None)],
    },
    Spec {
        entity: "reception_session",
        parts: &[
            ("reception_sessions", "t.id", None),
            ("reception_visits", "t.session_id", None),
            (
                "reception_matters",
                "(SELECT v.session_id FROM reception_visits v WHERE v.id = t.visit_id)",
                Some("t.visit_id IN (SELECT v.id FROM reception_visits v WHERE v.session_id IN ({}))"),
            ),
            ("reception_online", "t.session_id", None),
        ],
    },
    Spec {
        entity: "report",
        parts: &[("issued_reports", "t.id", None)],
    },
    Spec {
        entity: "hotspot_run",
        parts: &[("hotspot_runs", "t.id", None)],
    },
    Spec {
        entity: "hotspot_alert",
        parts: &[("hotspot_alerts", "t.id", None)],
    },
    Spec {
        entity: "screening_round",
        parts: &[
            ("screening_rounds", "t.id", None),
            ("screening_candidates", "t.round_id", None),
        ],
    },
    Spec {
        entity: "committee_meeting",
        parts: &[
            ("committee_meetings", "t.id", None),
            ("committee_agenda", "t.meeting_id", None),
            ("committee_meeting_documents", "t.meeting_id", None),
        ],
    },
    Spec {
        entity: "committee_conclusion",
        parts: &[
            ("committee_conclusions", "t.id", None),
            ("committee_directions", "t.conclusion_id", None),
        ],
    },
    Spec {
        entity: "committee_inspection",
        parts: &[("committee_inspections", "t.id", None)],
    },
    Spec {
        entity: "committee_task",
        parts: &[
            ("committee_tasks", "t.id", None),
            ("committee_task_events", "t.task_id", None),
            ("committee_task_items", "t.task_id", None),
        ],
    },
];

/// Tables added to a register's parts after records were attested: while
/// one holds no row of a record it is left out of the record's digest, so
/// that the digests recorded before it existed still hold.
const ADDED_LATER: &[&str] = &[
    "letter_departures",
    "matter_departures",
    "reception_online",
    "matter_duties",
    "letter_subjects",
    "committee_task_items",
    "committee_meeting_documents",
];

fn counts(table: &str, rows: &[String]) -> bool {
    !(rows.is_empty() && ADDED_LATER.contains(&table))
}

/// The digest recorded for a record that does not exist (deleted).
pub const ABSENT: &str = "-";

pub(crate) fn spec(entity: &str) -> Option<&'static Spec> {
    SPECS.iter().find(|s| s.entity == entity)
}

/// The expression that reads a whole row of `table` (alias `t`) as text,
/// the same way every time on the same database.
pub(crate) async fn row_text(
    chain: &Chain,
    ex: &mut impl AsExec,
    table: &'static str,
) -> Result<String> {
    if chain.dialect == Dialect::Postgres {
        return Ok("row_to_json(t)::text".to_owned());
    }
    if let Some(e) = chain.columns.lock().expect("not poisoned").get(table) {
        return Ok(e.clone());
    }
    let cols: Vec<String> = query(format!(
        "SELECT name FROM pragma_table_info('{table}') ORDER BY cid"
    ))
    .fetch_all(ex)
    .await?
    .iter()
    .map(|r| r.text("name"))
    .collect::<Result<_>>()?;
    let expr = if cols.is_empty() {
        "''".to_owned()
    } else {
        cols.iter()
            .map(|c| format!("quote(t.\"{c}\")"))
            .collect::<Vec<_>>()
            .join(" || ',' || ")
    };
    chain
        .columns
        .lock()
        .expect("not poisoned")
        .insert(table, expr.clone());
    Ok(expr)
}

fn part_digest(table: &str, mut rows: Vec<String>) -> [u8; 32] {
    rows.sort_unstable();
    let mut h = Sha256::new();
    h.update(table.as_bytes());
    h.update([0x1e]);
    for r in rows {
        h.update(r.as_bytes());
        h.update([0x1f]);
    }
    h.finalize().into()
}

fn entity_digest(parts: &[[u8; 32]]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p);
    }
    hex::encode(h.finalize())
}

/// The digest of a record's state from its rows as written (table, row as
/// `row_to_json` gives it), computed as [`digests`] computes it from the
/// rows read; `None` for an entity that is not a register's.
pub(crate) fn digest_of_rows(entity: &str, rows: &[(&'static str, String)]) -> Option<String> {
    let spec = spec(entity)?;
    let parts: Vec<Vec<String>> = spec
        .parts
        .iter()
        .map(|(table, _, _)| {
            rows.iter()
                .filter(|(t, _)| t == table)
                .map(|(_, r)| r.clone())
                .collect()
        })
        .collect();
    Some(record_digest(spec, parts))
}

/// The digest of a record's state from the rows of each of its parts (in
/// its spec's order): [`ABSENT`] when it has no row of its own.
fn record_digest(spec: &Spec, rows: Vec<Vec<String>>) -> String {
    if rows.first().is_none_or(Vec::is_empty) {
        return ABSENT.to_owned();
    }
    let parts: Vec<[u8; 32]> = spec
        .parts
        .iter()
        .zip(rows)
        .filter(|((table, _, _), rows)| counts(table, rows))
        .map(|((table, _, _), rows)| part_digest(table, rows))
        .collect();
    entity_digest(&parts)
}

/// The digests of these records' states now ([`ABSENT`] for one that does
/// not exist; `None` for an entity that is not a register's), in the order
/// given. The parts are read one arm per table, each arm naming up to 16
/// records in one `IN` list, up to four such blocks a statement: a
/// transaction's few records cost one round trip, and the list is padded
/// to a few lengths (1, 2, 4, 8, 16) so that the statement's text, and so
/// its prepared plan, repeats.
pub(crate) async fn digests(
    chain: &Chain,
    ex: &mut impl AsExec,
    records: &[(String, String)],
) -> Result<Vec<Option<String>>> {
    let mut out: Vec<Option<String>> = vec![None; records.len()];
    // The records of each register, by spec (in SPECS order), with their
    // places in `records`.
    let mut by_spec: Vec<(&'static Spec, Vec<(usize, uuid::Uuid)>)> = Vec::new();
    for (i, (entity, id)) in records.iter().enumerate() {
        let (Some(spec), Ok(id)) = (spec(entity), id.parse::<uuid::Uuid>()) else {
            continue;
        };
        match by_spec.iter_mut().find(|(s, _)| s.entity == spec.entity) {
            Some((_, v)) => v.push((i, id)),
            None => by_spec.push((spec, vec![(i, id)])),
        }
    }
    by_spec.sort_by_key(|(s, _)| SPECS.iter().position(|x| x.entity == s.entity));
    // Blocks of at most 16 records of one register.
    let blocks: Vec<(&'static Spec, &[(usize, uuid::Uuid)])> = by_spec
        .iter()
        .flat_map(|(s, v)| v.chunks(16).map(move |c| (*s, c)))
        .collect();
    if blocks.is_empty() {
        return Ok(out);
    }
    // A few blocks a statement: a transaction's records in one round trip,
    // a bulk one's (the demo's thousands) in statements of bounded size.
    for chunk in blocks.chunks(4) {
        let mut selects = Vec::new();
        let mut binds: Vec<uuid::Uuid> = Vec::new();
        // Per arm: the block and the part it reads.
        let mut arms: Vec<(usize, usize)> = Vec::new();
        for (b, (spec, block)) in chunk.iter().enumerate() {
            let padded = block.len().next_power_of_two();
            let first = binds.len() + 1;
            binds.extend((0..padded).map(|j| block[j.min(block.len() - 1)].1));
            let list = (first..first + padded)
                .map(|n| format!("${n}"))
                .collect::<Vec<_>>()
                .join(", ");
            for (p, (table, key, within)) in spec.parts.iter().enumerate() {
                let text = row_text(chain, ex, table).await?;
                let filter = match within {
                    Some(w) => w.replace("{}", &list),
                    None => format!("{key} IN ({list})"),
                };
                selects.push(format!(
                    "SELECT CAST({arm} AS BIGINT) AS arm, {key} AS k, {text} AS r \
                     FROM {table} t WHERE {filter}",
                    arm = arms.len()
                ));
                arms.push((b, p));
            }
        }
        let mut q = query(selects.join(" UNION ALL "));
        for id in &binds {
            q = q.bind(*id);
        }
        // Per block, per record, per part: the rows read.
        let mut rows: Vec<Vec<Vec<Vec<String>>>> = chunk
            .iter()
            .map(|(spec, block)| vec![vec![Vec::new(); spec.parts.len()]; block.len()])
            .collect();
        for r in q.fetch_all(&mut *ex).await? {
            let arm = usize::try_from(r.i64("arm")?).unwrap_or(usize::MAX);
            let Some(&(b, p)) = arms.get(arm) else {
                continue;
            };
            let Some(k) = r.opt_uuid("k")? else {
                continue;
            };
            if let Some(at) = chunk[b].1.iter().position(|(_, id)| *id == k) {
                rows[b][at][p].push(r.text("r")?);
            }
        }
        for ((spec, block), rows) in chunk.iter().zip(rows) {
            for ((i, _), rows) in block.iter().zip(rows) {
                out[*i] = Some(record_digest(spec, rows));
            }
        }
    }
    Ok(out)
}

/// A register record whose state no audit record explains.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Finding {
    /// The kind of record (`letter`, `case`, …).
    pub entity: String,
    /// Its id.
    pub id: String,
    /// What is wrong: `edited`, `inserted` or `deleted` outside Liêm.
    pub finding: &'static str,
    /// The last audit record about it, if any.
    pub last_record: Option<i64>,
}

/// Every record of every register, against the state the trail attests
/// for it (the last digest recorded), in entity order.
pub async fn deep_check(chain: &Chain, ex: &mut impl AsExec) -> Result<Vec<Finding>> {
    // What the trail says: the last recorded digest of each record.
    let mut attested: HashMap<(String, String), (String, i64)> = HashMap::new();
    let mut after = 0i64;
    loop {
        let rows = query(
            "SELECT seq, state FROM audit_log WHERE seq > $1 AND state <> '' ORDER BY seq LIMIT 5000",
        )
        .bind(after)
        .fetch_all(ex)
        .await?;
        if rows.is_empty() {
            break;
        }
        for r in &rows {
            let seq = r.i64("seq")?;
            after = seq;
            let state: BTreeMap<String, String> =
                serde_json::from_str(&r.text("state")?).unwrap_or_default();
            for (k, d) in state {
                if let Some((e, id)) = k.split_once(':') {
                    attested.insert((e.to_owned(), id.to_owned()), (d, seq));
                }
            }
        }
    }
    let mut findings = Vec::new();
    for spec in SPECS {
        // Each record's part digests, table by table.
        let mut current: BTreeMap<uuid::Uuid, Vec<[u8; 32]>> = BTreeMap::new();
        for (i, (table, key, _)) in spec.parts.iter().enumerate() {
            let text = row_text(chain, ex, table).await?;
            let mut by_id: HashMap<uuid::Uuid, Vec<String>> = HashMap::new();
            for r in query(format!("SELECT {key} AS k, {text} AS r FROM {table} t"))
                .fetch_all(ex)
                .await?
            {
                let Ok(k) = r.uuid("k") else { continue };
                by_id.entry(k).or_default().push(r.text("r")?);
            }
            if i == 0 {
                for id in by_id.keys() {
                    current.insert(*id, Vec::with_capacity(spec.parts.len()));
                }
            }
            for (id, parts) in current.iter_mut() {
                let rows = by_id.remove(id).unwrap_or_default();
                if counts(table, &rows) {
                    parts.push(part_digest(table, rows));
                }
            }
        }
        for (id, parts) in &current {
            let key = (spec.entity.to_owned(), id.to_string());
            let now = entity_digest(parts);
            match attested.remove(&key) {
                None => findings.push(Finding {
                    entity: key.0,
                    id: key.1,
                    finding: "inserted",
                    last_record: None,
                }),
                Some((d, seq)) if d != now => findings.push(Finding {
                    entity: key.0,
                    id: key.1,
                    finding: "edited",
                    last_record: Some(seq),
                }),
                Some(_) => {}
            }
        }
        // Records the trail knows that are gone without a record saying so.
        let mut gone: Vec<_> = attested
            .iter()
            .filter(|((e, _), (d, _))| e == spec.entity && d != ABSENT)
            .map(|((e, id), (_, seq))| Finding {
                entity: e.clone(),
                id: id.clone(),
                finding: "deleted",
                last_record: Some(*seq),
            })
            .collect();
        gone.sort_by(|a, b| a.id.cmp(&b.id));
        findings.extend(gone);
    }
    Ok(findings)
}
