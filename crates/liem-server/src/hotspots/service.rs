//! Hot spots: the scan of the map (nightly, and on demand), the alerts of
//! the units in the reader's reach, and their acknowledgement.
//!
//! A cell is a unit and a field; its weekly count is the letters received
//! there (collective petitions among them) and the reception delegations
//! it received, each week a rolling seven days ending on the scan's day.
//! The scoring is `liem_domain::hotspot`'s (Kulldorff's prospective scan
//! against each cell's own history, Monte Carlo p-value over the whole
//! map); the scan always covers the whole map, so an alert means the same
//! whoever reads it, and each reader sees the alerts of their reach only.

use crate::auth::gate::Permit;
use crate::auth::Principal;
use crate::state::AppState;
use crate::web::error::{AppError, AppResult};
use crate::web::write::Writer;
use jiff::civil::Date;
use liem_domain::hotspot::{scan, Cell, Scan, Tally, Weeks};
use liem_domain::role::Right;
use liem_domain::ValidationErrors;
use liem_store::hotspots::{self as store, AlertFilter, AlertRecord, Found, RunFacts, RunOutcome};

/// Weeks of history each cell's rate is read from, before the window.
pub const HISTORY_WEEKS: usize = 52;

/// The scan's settings.
pub fn settings() -> Scan {
    Scan::default()
}

/// Scans the map as of `as_of` and records the run and its alerts.
/// `None` when it is the nightly scan and that day's is already recorded.
pub async fn run(
    state: &AppState,
    permit: &Permit,
    as_of: Date,
    nightly: bool,
) -> AppResult<Option<RunOutcome>> {
    // One scan at a time on a node: a second asked while one runs is refused.
    let _one = state
        .hotspot_scan
        .try_lock()
        .map_err(|_| AppError::Conflict("a hot-spot scan is already running".into()))?;
    let s = settings();
    let weeks = Weeks {
        as_of,
        weeks: HISTORY_WEEKS + s.max_window,
    };
    let started = std::time::Instant::now();
    let mut c = state.store.conn().await?;
    let days = store::day_counts(&mut c, weeks.first_day(), as_of).await?;
    drop(c);
    let (cells, counted, found) = tokio::task::spawn_blocking(move || score(&weeks, &s, days))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let facts = RunFacts {
        as_of,
        nightly,
        weeks: weeks.weeks as u32,
        max_window: s.max_window as u32,
        replicas: s.replicas as u32,
        cells,
        counted,
        millis: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        requested_by: permit.actor().user,
    };
    let mut tx = permit.begin(&state.store).await?;
    let out = store::record_run(&mut tx, permit.actor(), &facts, &found).await?;
    tx.commit().await?;
    Ok(out)
}

/// Gathers the days into cells, scans them, and keeps the alerts: the
/// number of cells, what was counted, and the raised cells.
pub fn score(weeks: &Weeks, s: &Scan, days: Vec<store::DayCount>) -> (u64, u64, Vec<Found>) {
    let gathered = weeks.gather(days.into_iter().map(|d| {
        (
            (d.unit, d.field),
            d.day,
            Tally {
                letters: d.letters,
                collective: d.collective,
                delegations: d.delegations,
            },
        )
    }));
    let counted: u64 = gathered
        .iter()
        .flat_map(|(_, w)| w.iter())
        .map(|t| u64::from(t.counted()))
        .sum();
    let cells: Vec<Cell<usize>> = gathered
        .iter()
        .enumerate()
        .map(|(i, (_, w))| Cell {
            key: i,
            weeks: w.iter().map(Tally::counted).collect(),
        })
        .collect();
    let found = scan(&cells, s)
        .into_iter()
        .filter(|c| c.alerts(s))
        .map(|c| {
            let ((unit, field), w) = &gathered[c.key];
            let t = Weeks::window(w, c.weeks);
            Found {
                unit: *unit,
                field: field.clone(),
                window_from: weeks.start_of(c.weeks),
                window_to: weeks.as_of,
                observed: c.observed,
                letters: t.letters,
                collective: t.collective,
                delegations: t.delegations,
                expected_milli: (c.expected * 1000.0).round() as i64,
                llr_milli: (c.llr * 1000.0).round() as i64,
                p_micro: (c.p_value * 1_000_000.0).round() as i64,
            }
        })
        .collect();
    (cells.len() as u64, counted, found)
}

/// Runs the nightly scan once a day (the first node to finish records it;
/// the others find it done), checking every `every`.
pub fn spawn_nightly(state: AppState, every: std::time::Duration) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut done_for: Option<Date> = None;
        loop {
            tick.tick().await;
            let day = crate::clock::today();
            if done_for == Some(day) {
                continue;
            }
            let permit = Permit::unattended(liem_store::audit::Actor::system("hotspots nightly"));
            match run(&state, &permit, day, true).await {
                Ok(Some(o)) => {
                    tracing::info!(
                        opened = o.opened,
                        continued = o.continued,
                        ended = o.ended,
                        "hot-spot scan"
                    );
                    done_for = Some(day);
                }
                Ok(None) => done_for = Some(day),
                Err(AppError::Conflict(_)) => {}
                Err(e) => tracing::error!(error = %e, "the nightly hot-spot scan failed"),
            }
        }
    });
}

/// Runs a scan now, for a caller who may watch hot spots.
pub async fn run_now(state: &AppState, who: &Writer) -> AppResult<RunOutcome> {
    let permit = who.permit_own(Right::WatchHotSpots)?;
    run(state, &permit, crate::clock::today(), false)
        .await?
        .ok_or_else(|| AppError::Internal("an asked-for scan is always recorded".into()))
}

/// The alerts of the units in the caller's reach (optionally under one
/// unit), open first.
pub async fn alerts(
    state: &AppState,
    who: &Principal,
    within: Option<&str>,
    open_only: bool,
    since: Option<Date>,
) -> AppResult<Vec<AlertRecord>> {
    let g = who.grant(Right::ReadStatistics)?;
    let within = match within.filter(|c| !c.is_empty()) {
        Some(code) => {
            let mut c = state.store.conn().await?;
            let u = liem_store::units::by_code(&mut c, code)
                .await
                .map_err(|_| AppError::NotFound)?;
            g.reach(&u.path)?;
            Some(u.path)
        }
        None => None,
    };
    let mut c = state.store.conn().await?;
    Ok(store::alerts(
        &mut c,
        g.scope(),
        &AlertFilter {
            open_only,
            since,
            within,
        },
        500,
    )
    .await?)
}

/// One alert in the caller's reach; 404 otherwise.
pub async fn alert(state: &AppState, who: &Principal, id: uuid::Uuid) -> AppResult<AlertRecord> {
    let g = who.grant(Right::ReadStatistics)?;
    let mut c = state.store.conn().await?;
    store::alert(&mut c, g.scope(), id)
        .await?
        .ok_or(AppError::NotFound)
}

/// The longest note.
pub const NOTE_MAX: usize = 2000;

/// Acknowledges an alert with a note (what the unit will do about it).
pub async fn acknowledge(
    state: &AppState,
    who: &Writer,
    id: uuid::Uuid,
    note: &str,
) -> AppResult<AlertRecord> {
    let a = alert(state, who, id).await?;
    let note = note.trim();
    let n = note.chars().count();
    if n < 3 {
        return Err(AppError::Validation(ValidationErrors::single(
            "note",
            "min_length",
            "say in a few words what will be done (at least 3 characters)",
        )));
    }
    if n > NOTE_MAX {
        return Err(AppError::Validation(ValidationErrors::single(
            "note",
            "max_length",
            format!("at most {NOTE_MAX} characters"),
        )));
    }
    if note.contains('\0') {
        return Err(AppError::Validation(ValidationErrors::single(
            "note",
            "characters",
            "no NUL characters",
        )));
    }
    let permit = who.permit(
        Right::WatchHotSpots,
        &a.unit_path,
        "your roles do not let you acknowledge hot-spot alerts",
    )?;
    let mut tx = permit.begin(&state.store).await?;
    if !store::acknowledge(&mut tx, permit.actor(), id, note).await? {
        return Err(AppError::Conflict(
            "the alert was already acknowledged".into(),
        ));
    }
    tx.commit().await?;
    alert(state, who, id).await
}

/// The unit an alert's letters were received at, for the drill-down.
pub fn drill_down(a: &AlertRecord) -> String {
    let mut q = format!(
        "/petitions?unit={}&from={}&to={}&sort=received",
        crate::web::page::urlencode(&a.unit),
        a.window_from,
        a.window_to
    );
    if !a.field.is_empty() {
        q.push_str(&format!("&field={}", crate::web::page::urlencode(&a.field)));
    }
    q
}
