//! Asset events of a case: damage, to recover, seized, recovered.

use crate::audit;
use crate::db::query;
use crate::db::AsExec;
use crate::db::Row;
use crate::now;
use crate::outbox;
use crate::Result;
use crate::Tx;
use liem_domain::assets::AssetEvent;

/// Records an asset event.
pub async fn add_asset(
    tx: &mut Tx,
    actor: &audit::Actor,
    case: uuid::Uuid,
    a: &AssetEvent,
) -> Result<uuid::Uuid> {
    let id = uuid::Uuid::now_v7();
    query(
        "INSERT INTO asset_events (id, case_id, kind, route, on_date, amount_vnd, land_m2, item, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(id)
    .bind(case)
    .bind(a.kind.as_str())
    .bind(a.route.as_str())
    .bind(a.on)
    .bind(a.amount_vnd)
    .bind(a.land_m2)
    .bind(a.item.as_deref())
    .bind(now())
    .execute(tx)
    .await?;
    let detail = serde_json::json!({"event": a});
    audit::append(
        tx,
        actor,
        "case.asset",
        "case",
        &case.to_string(),
        detail.clone(),
    )
    .await?;
    outbox::append(tx, "case", &case.to_string(), "asset", detail).await?;
    Ok(id)
}

pub(super) const ASSET_COLS: &str = "kind, route, on_date, amount_vnd, land_m2, item";

pub(super) fn asset_from(r: &Row) -> Result<AssetEvent> {
    Ok(AssetEvent {
        kind: r.code("kind")?,
        route: r.code("route")?,
        on: r.date("on_date")?,
        amount_vnd: r.i64("amount_vnd")?,
        land_m2: r.i64("land_m2")?,
        item: r.opt_text("item")?,
    })
}

/// An entry's asset events, by date.
pub async fn assets_of(ex: &mut impl AsExec, case: uuid::Uuid) -> Result<Vec<AssetEvent>> {
    query(format!(
        "SELECT {ASSET_COLS} FROM asset_events WHERE case_id = $1 ORDER BY on_date, id"
    ))
    .bind(case)
    .fetch_all(ex)
    .await?
    .iter()
    .map(asset_from)
    .collect()
}
