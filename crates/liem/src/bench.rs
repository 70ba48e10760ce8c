//! `liem bench`: generates a national-scale data set straight into the
//! database (34 provinces, 3,321 communes, a million letters with their
//! matters, 50,000 cases with their events, defendants, assets and
//! monitoring, reception sessions) and times what leaders wait for: every
//! national annual form, and a province's dashboard page through the real
//! router. The rows are written in bulk, without the audit trail: this is a
//! measurement, not a register.

use anyhow::{Context, Result};
use jiff::civil::{date, Date};
use jiff::ToSpan;
use liem_domain::ids::UnitId;
use liem_domain::role::{Role, Username};
use liem_domain::unit::{UnitCode, UnitKind};
use liem_server::crypto::{random_token, token_hash, PasswordPolicy, SecretKey};
use liem_store::audit::Actor;
use liem_store::db::{query, Value};
use liem_store::{units, users, Store};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// What to generate.
pub struct Plan {
    /// Letters (each with one matter, some with two).
    pub petitions: u64,
    /// Cases and incidents.
    pub cases: u64,
    /// Repetitions of each timing.
    pub runs: usize,
    /// Time a data set generated before instead of generating one.
    pub reuse: bool,
}

const FIRST: Date = date(2023, 1, 1);
const LAST: Date = date(2026, 10, 31);

fn day(rng: &mut ChaCha8Rng) -> Date {
    let span = (LAST - FIRST).get_days();
    FIRST
        .checked_add(rng.gen_range(0..span).days())
        .expect("in range")
}

fn later(d: Date, rng: &mut ChaCha8Rng, max: i64) -> Option<Date> {
    let x = d.checked_add(rng.gen_range(0..max).days()).ok()?;
    (x <= LAST).then_some(x)
}

fn pick<'a>(rng: &mut ChaCha8Rng, v: &[&'a str]) -> &'a str {
    v[rng.gen_range(0..v.len())]
}

/// Rows of one table, inserted a few hundred at a time.
struct Batch {
    table: &'static str,
    cols: &'static [&'static str],
    rows: Vec<Vec<Value>>,
}

impl Batch {
    fn new(table: &'static str, cols: &'static [&'static str]) -> Batch {
        Batch {
            table,
            cols,
            rows: Vec::new(),
        }
    }

    async fn push(&mut self, _store: &Store, row: Vec<Value>) -> Result<()> {
        debug_assert_eq!(row.len(), self.cols.len());
        self.rows.push(row);
        Ok(())
    }

    /// Whether the next statement should go now (parameters stay well below
    /// both databases' limits).
    fn full(&self) -> bool {
        self.rows.len() * self.cols.len() >= 16_000
    }

    async fn flush(&mut self, store: &Store) -> Result<()> {
        if self.rows.is_empty() {
            return Ok(());
        }
        let n = self.cols.len();
        let mut sql = format!(
            "INSERT INTO {} ({}) VALUES ",
            self.table,
            self.cols.join(", ")
        );
        for (i, _) in self.rows.iter().enumerate() {
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push('(');
            for j in 0..n {
                if j > 0 {
                    sql.push_str(", ");
                }
                sql.push_str(&format!("${}", i * n + j + 1));
            }
            sql.push(')');
        }
        let mut q = query(sql);
        for row in self.rows.drain(..) {
            for v in row {
                q = q.bind(v);
            }
        }
        let mut tx = store.begin().await?;
        q.execute(&mut tx).await?;
        tx.commit().await?;
        Ok(())
    }
}

struct Tree {
    root: UnitId,
    provinces: Vec<(UnitId, String)>,
    /// Every unit that registers things: (id, code, province index).
    registering: Vec<(UnitId, String, usize)>,
}

async fn tree(store: &Store) -> Result<Tree> {
    let sys = Actor::system("bench");
    let mut tx = store.begin().await?;
    let mk = |code: &str, kind, parent: Option<UnitId>| units::NewUnit {
        code: UnitCode::parse(code).expect("valid code"),
        name: format!("Đơn vị {code}"),
        kind,
        parent,
        valid_from: date(2020, 1, 1),
    };
    let root = units::create(&mut tx, &sys, &mk("TW", UnitKind::CentralCommittee, None)).await?;
    let mut provinces = Vec::new();
    let mut registering = Vec::new();
    // 34 provinces and 3,321 communes (97 or 98 each).
    for p in 0..34usize {
        let code = format!("P{p:02}");
        let u = units::create(&mut tx, &sys, &mk(&code, UnitKind::Province, Some(root.id))).await?;
        registering.push((u.id, code.clone(), p));
        let communes = 3_321 / 34 + usize::from(p < 3_321 % 34);
        for c in 0..communes {
            let cc = format!("{code}-X{c:03}");
            let cu = units::create(&mut tx, &sys, &mk(&cc, UnitKind::Commune, Some(u.id))).await?;
            registering.push((cu.id, cc, p));
        }
        provinces.push((u.id, code));
    }
    tx.commit().await?;
    Ok(Tree {
        root: root.id,
        provinces,
        registering,
    })
}

const LETTER_COLS: &[&str] = &[
    "id",
    "unit_id",
    "reference",
    "ref_year",
    "ref_seq",
    "kinds",
    "channel",
    "field_code",
    "received_on",
    "sender_kind",
    "sealed",
    "signatories",
    "collective",
    "summary",
    "content",
    "search_text",
    "created_at",
    "processed_on",
    "eligible",
    "competent",
];
const MATTER_COLS: &[&str] = &[
    "id",
    "unit_id",
    "reference",
    "kind",
    "state",
    "field_code",
    "received_on",
    "due_on",
    "facts",
    "summary",
    "version",
    "created_at",
    "updated_at",
    "classified_on",
    "eligible",
    "competent",
    "round",
    "accepted_on",
    "concluded_on",
    "outcome",
    "late",
    "closed_on",
];

async fn petitions(store: &Store, t: &Tree, n: u64, rng: &mut ChaCha8Rng) -> Result<()> {
    let mut letters = Batch::new("letters", LETTER_COLS);
    let mut matters = Batch::new("matters", MATTER_COLS);
    let mut links = Batch::new("letter_matters", &["letter_id", "matter_id"]);
    let mut seq: HashMap<(usize, i16, bool), i64> = HashMap::new();
    let now = jiff::Timestamp::now();
    let kinds = ["complaint", "denunciation", "recommendation", "reflection"];
    let fields = [
        "admin_land",
        "admin_policy",
        "admin_other",
        "judicial",
        "party",
        "corruption",
        "other",
    ];
    let channels = [
        "reception_desk",
        "post",
        "drop_box",
        "web",
        "hotline",
        "forwarded",
        "press",
        "leader_referral",
    ];
    let started = Instant::now();
    let mut shown = crate::progress::Progress::new("bench letters", n);
    for i in 0..n {
        // Provinces take a third, communes the rest.
        let u = if rng.gen_bool(0.33) {
            rng.gen_range(0..34) * (t.registering.len() / 34)
        } else {
            rng.gen_range(0..t.registering.len())
        };
        let (unit, code, _) = &t.registering[u];
        let received = day(rng);
        let mut held = vec![pick(rng, &kinds)];
        if rng.gen_bool(0.08) {
            let k = pick(rng, &kinds);
            if !held.contains(&k) {
                held.push(k);
            }
        }
        let anonymous = rng.gen_bool(0.1);
        let field = pick(rng, &fields);
        let letter_id = uuid::Uuid::now_v7();
        let s = {
            let s = seq.entry((u, received.year(), false)).or_insert(0);
            *s += 1;
            *s
        };
        let reference = format!("{code}-{}-{:06}", received.year(), s);
        let (mut processed, mut any_eligible, mut any_competent, mut all_classified) =
            (None::<Date>, false, false, true);
        for kind in &held {
            let classified = if rng.gen_bool(0.85) {
                later(received, rng, 20)
            } else {
                None
            };
            let eligible = classified.map(|_| rng.gen_bool(0.75));
            let competent = classified.map(|_| rng.gen_bool(0.75));
            let can_accept = eligible == Some(true)
                && competent == Some(true)
                && !(anonymous && *kind == "denunciation");
            let accepted = match classified {
                Some(c) if can_accept && rng.gen_bool(0.8) => later(c, rng, 10),
                _ => None,
            };
            let round = if *kind == "complaint" && rng.gen_bool(0.2) {
                2
            } else {
                1
            };
            let (mut concluded, mut closed, mut outcome, mut late) = (None, None, None, None);
            if let Some(a) = accepted {
                if rng.gen_bool(0.7) {
                    concluded = later(a, rng, 90);
                    if let Some(c) = concluded {
                        closed = if rng.gen_bool(0.5) {
                            later(c, rng, 20)
                        } else {
                            None
                        };
                        outcome = Some(match *kind {
                            "complaint" if round == 1 => {
                                pick(rng, &["right", "partly_right", "wrong"])
                            }
                            "complaint" => pick(rng, &["upheld", "annulled_or_amended"]),
                            "denunciation" => pick(rng, &["true", "partly_true", "false"]),
                            _ => "answered",
                        });
                        late = Some(rng.gen_bool(0.2));
                    }
                }
            }
            let state = match (classified, accepted, concluded, closed) {
                (None, ..) => "received",
                (Some(_), None, ..) => "classified",
                (_, Some(_), None, _) => "verifying",
                (_, _, Some(_), None) => "concluded",
                _ => "closed",
            };
            let due = match accepted {
                Some(a) => a.checked_add(30.days()).ok(),
                None => received.checked_add(14.days()).ok(),
            };
            match classified {
                Some(c) => processed = Some(processed.map_or(c, |p: Date| p.max(c))),
                None => all_classified = false,
            }
            any_eligible |= eligible == Some(true);
            any_competent |= eligible == Some(true) && competent == Some(true);
            let matter_id = uuid::Uuid::now_v7();
            let ms = seq.entry((u, received.year(), true)).or_insert(0);
            *ms += 1;
            matters
                .push(
                    store,
                    vec![
                        matter_id.into(),
                        unit.0.into(),
                        format!("{code}-VV-{}-{:06}", received.year(), ms).into(),
                        (*kind).into(),
                        state.into(),
                        field.into(),
                        received.into(),
                        due.into(),
                        "{}".into(),
                        "Vụ việc".into(),
                        1i64.into(),
                        now.into(),
                        now.into(),
                        classified.into(),
                        eligible.into(),
                        competent.into(),
                        classified.map(|_| round).into(),
                        accepted.into(),
                        concluded.into(),
                        outcome.map(str::to_owned).into(),
                        late.into(),
                        closed.into(),
                    ],
                )
                .await?;
            links
                .push(store, vec![letter_id.into(), matter_id.into()])
                .await?;
        }
        let processed = if all_classified {
            processed.map(|p| p.max(received))
        } else {
            None
        };
        let signatories: i64 = if rng.gen_bool(0.05) { 6 } else { 1 };
        letters
            .push(
                store,
                vec![
                    letter_id.into(),
                    unit.0.into(),
                    reference.clone().into(),
                    i64::from(received.year()).into(),
                    s.into(),
                    held.join(",").into(),
                    pick(rng, &channels).into(),
                    field.into(),
                    received.into(),
                    if anonymous { "anonymous" } else { "person" }.into(),
                    false.into(),
                    signatories.into(),
                    (signatories >= 5).into(),
                    "Đơn".into(),
                    "Nội dung".into(),
                    reference.to_lowercase().into(),
                    now.into(),
                    processed.into(),
                    processed.map(|_| any_eligible).into(),
                    processed.map(|_| any_competent).into(),
                ],
            )
            .await?;
        if letters.full() || matters.full() || links.full() {
            // Parents first: the links reference letters and matters.
            letters.flush(store).await?;
            matters.flush(store).await?;
            links.flush(store).await?;
        }
        if (i + 1) % 10_000 == 0 {
            shown.advance(10_000);
        }
    }
    // Letters first: the links reference them and the matters.
    letters.flush(store).await?;
    matters.flush(store).await?;
    links.flush(store).await?;
    shown.finish(&format!(
        "  {n} letters ({:.0} s)",
        started.elapsed().as_secs_f64()
    ));
    Ok(())
}

const CASE_COLS: &[&str] = &[
    "id",
    "unit_id",
    "kind",
    "reference",
    "title",
    "summary",
    "source",
    "field_code",
    "restricted",
    "opened_on",
    "prosecuted_on",
    "closed_on",
    "holder_id",
    "stage",
    "facts",
    "search_text",
    "created_at",
    "updated_at",
];

async fn cases(store: &Store, t: &Tree, n: u64, rng: &mut ChaCha8Rng) -> Result<()> {
    let mut cases = Batch::new("cases", CASE_COLS);
    let mut events = Batch::new(
        "case_events",
        &[
            "id",
            "case_id",
            "on_date",
            "action",
            "stage_from",
            "stage_to",
            "holder_id",
            "at",
        ],
    );
    let mut parties = Batch::new(
        "case_parties",
        &[
            "id",
            "case_id",
            "role",
            "prosecuted_on",
            "added",
            "created_at",
        ],
    );
    let mut assets = Batch::new(
        "asset_events",
        &[
            "id",
            "case_id",
            "kind",
            "route",
            "on_date",
            "amount_vnd",
            "land_m2",
            "created_at",
        ],
    );
    let mut monitorings = Batch::new(
        "monitorings",
        &[
            "id",
            "case_id",
            "committee_id",
            "session",
            "added_on",
            "removed_on",
        ],
    );
    let mut targets = Batch::new(
        "monitoring_targets",
        &["id", "monitoring_id", "milestone", "due_on", "met_on"],
    );
    let now = jiff::Timestamp::now();
    let mut seq: HashMap<usize, i64> = HashMap::new();
    let mut pending_targets = Vec::new();
    for _ in 0..n {
        let u = rng.gen_range(0..t.registering.len());
        let (unit, code, p) = &t.registering[u];
        let id = uuid::Uuid::now_v7();
        let opened = day(rng);
        let is_case = rng.gen_bool(0.8);
        let prosecuted = if is_case {
            later(opened, rng, 60)
        } else {
            None
        };
        let s = seq.entry(u).or_insert(0);
        *s += 1;
        let reference = format!(
            "{code}-{}-{}-{:06}",
            if is_case { "VA" } else { "SV" },
            opened.year(),
            s
        );
        let mut stage = if is_case {
            "prosecution"
        } else {
            "verification"
        };
        if let Some(pd) = prosecuted {
            events
                .push(
                    store,
                    vec![
                        uuid::Uuid::now_v7().into(),
                        id.into(),
                        pd.into(),
                        "prosecute".into(),
                        "crime_report".into(),
                        "investigation".into(),
                        unit.0.into(),
                        now.into(),
                    ],
                )
                .await?;
            for k in 0..rng.gen_range(1..5) {
                let on = if k > 0 && rng.gen_bool(0.2) {
                    later(pd, rng, 120).unwrap_or(pd)
                } else {
                    pd
                };
                parties
                    .push(
                        store,
                        vec![
                            uuid::Uuid::now_v7().into(),
                            id.into(),
                            "accused".into(),
                            on.into(),
                            (on > pd).into(),
                            now.into(),
                        ],
                    )
                    .await?;
            }
            let mut d = pd;
            for (action, to) in [
                ("conclude_investigation", "indictment"),
                ("indict", "trial_preparation"),
                ("judge", "appeal_window"),
            ] {
                let Some(next) = later(d, rng, 150).filter(|_| rng.gen_bool(0.6)) else {
                    break;
                };
                d = next;
                stage = to;
                events
                    .push(
                        store,
                        vec![
                            uuid::Uuid::now_v7().into(),
                            id.into(),
                            d.into(),
                            action.into(),
                            "x".into(),
                            to.into(),
                            unit.0.into(),
                            now.into(),
                        ],
                    )
                    .await?;
            }
        }
        for _ in 0..rng.gen_range(0..4) {
            let on = later(opened, rng, 300).unwrap_or(opened);
            assets
                .push(
                    store,
                    vec![
                        uuid::Uuid::now_v7().into(),
                        id.into(),
                        pick(rng, &["damage", "to_recover", "seized", "recovered"]).into(),
                        pick(
                            rng,
                            &["inspection", "investigation", "court", "enforcement"],
                        )
                        .into(),
                        on.into(),
                        rng.gen_range(0..50_000_000_000i64).into(),
                        if rng.gen_bool(0.1) {
                            rng.gen_range(0..10_000i64)
                        } else {
                            0
                        }
                        .into(),
                        now.into(),
                    ],
                )
                .await?;
        }
        if rng.gen_bool(0.03) {
            let m = uuid::Uuid::now_v7();
            let added = later(opened, rng, 60).unwrap_or(opened);
            monitorings
                .push(
                    store,
                    vec![
                        m.into(),
                        id.into(),
                        t.provinces[*p].0 .0.into(),
                        "Phiên họp".into(),
                        added.into(),
                        later(added, rng, 900).filter(|_| rng.gen_bool(0.3)).into(),
                    ],
                )
                .await?;
            pending_targets.push((m, added));
        }
        cases
            .push(
                store,
                vec![
                    id.into(),
                    unit.0.into(),
                    if is_case { "case" } else { "incident" }.into(),
                    reference.clone().into(),
                    "Vụ án".into(),
                    "Tóm tắt".into(),
                    "inspection".into(),
                    "corruption".into(),
                    rng.gen_bool(0.05).into(),
                    opened.into(),
                    prosecuted.into(),
                    Option::<Date>::None.into(),
                    unit.0.into(),
                    stage.into(),
                    "{}".into(),
                    reference.to_lowercase().into(),
                    now.into(),
                    now.into(),
                ],
            )
            .await?;
        if cases.full() || events.full() || parties.full() || assets.full() || monitorings.full() {
            cases.flush(store).await?;
            events.flush(store).await?;
            parties.flush(store).await?;
            assets.flush(store).await?;
            monitorings.flush(store).await?;
        }
    }
    cases.flush(store).await?;
    events.flush(store).await?;
    parties.flush(store).await?;
    assets.flush(store).await?;
    monitorings.flush(store).await?;
    for (m, added) in pending_targets {
        for milestone in ["conclude_investigation", "indict", "first_instance_trial"] {
            let due = later(added, rng, 400).unwrap_or(added);
            targets
                .push(
                    store,
                    vec![
                        uuid::Uuid::now_v7().into(),
                        m.into(),
                        milestone.into(),
                        due.into(),
                        later(added, rng, 500).filter(|_| rng.gen_bool(0.5)).into(),
                    ],
                )
                .await?;
            if targets.full() {
                targets.flush(store).await?;
            }
        }
    }
    targets.flush(store).await?;
    Ok(())
}

async fn reception(store: &Store, t: &Tree, n: u64, rng: &mut ChaCha8Rng) -> Result<()> {
    let mut sessions = Batch::new(
        "reception_sessions",
        &[
            "id",
            "unit_id",
            "held_on",
            "kind",
            "host",
            "host_name",
            "created_at",
        ],
    );
    let mut visits = Batch::new(
        "reception_visits",
        &[
            "id",
            "session_id",
            "people",
            "delegation",
            "representatives",
            "outcome",
        ],
    );
    let mut raised = Batch::new(
        "reception_matters",
        &["visit_id", "position", "kind", "repeat"],
    );
    let now = jiff::Timestamp::now();
    for _ in 0..n {
        let (unit, _, _) = &t.registering[rng.gen_range(0..t.registering.len())];
        let id = uuid::Uuid::now_v7();
        let (kind, host) = match rng.gen_range(0..3) {
            0 => ("regular", "office"),
            1 => ("periodic", pick(rng, &["head_in_person", "delegated"])),
            _ => ("ad_hoc", pick(rng, &["head_in_person", "delegated"])),
        };
        sessions
            .push(
                store,
                vec![
                    id.into(),
                    unit.0.into(),
                    day(rng).into(),
                    kind.into(),
                    host.into(),
                    "Chủ tịch".into(),
                    now.into(),
                ],
            )
            .await?;
        for _ in 0..rng.gen_range(1..4) {
            let v = uuid::Uuid::now_v7();
            let people: i64 = if rng.gen_bool(0.1) {
                rng.gen_range(5..40)
            } else {
                rng.gen_range(1..3)
            };
            visits
                .push(
                    store,
                    vec![
                        v.into(),
                        id.into(),
                        people.into(),
                        (people >= 5).into(),
                        i64::from(people >= 5).into(),
                        "guided".into(),
                    ],
                )
                .await?;
            for pos in 0..rng.gen_range(1..3i64) {
                raised
                    .push(
                        store,
                        vec![
                            v.into(),
                            pos.into(),
                            pick(
                                rng,
                                &["complaint", "denunciation", "recommendation", "reflection"],
                            )
                            .into(),
                            rng.gen_bool(0.3).into(),
                        ],
                    )
                    .await?;
            }
        }
        if sessions.full() || visits.full() || raised.full() {
            sessions.flush(store).await?;
            visits.flush(store).await?;
            raised.flush(store).await?;
        }
    }
    sessions.flush(store).await?;
    visits.flush(store).await?;
    raised.flush(store).await?;
    Ok(())
}

fn summarise(name: &str, mut times: Vec<Duration>) -> String {
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    format!(
        "{name}: min {:.1} ms, median {:.1} ms, max {:.1} ms ({} runs)",
        ms(times[0]),
        ms(times[times.len() / 2]),
        ms(times[times.len() - 1]),
        times.len()
    )
}

fn peak_rss_mib() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let kb: f64 = s
        .lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()?;
    Some(kb / 1024.0)
}

/// Generates the data set into an empty database and prints the timings.
pub async fn run(store: Store, plan: &Plan) -> Result<()> {
    let mut c = store.conn().await?;
    let existing = units::list(&mut c).await?;
    drop(c);
    let started = Instant::now();
    let t = match (existing.is_empty(), plan.reuse) {
        (true, _) => {
            let mut rng = ChaCha8Rng::seed_from_u64(2026);
            let t = tree(&store).await?;
            eprintln!("generating {} letters …", plan.petitions);
            petitions(&store, &t, plan.petitions, &mut rng).await?;
            eprintln!("generating {} cases …", plan.cases);
            cases(&store, &t, plan.cases, &mut rng).await?;
            reception(&store, &t, plan.petitions / 50, &mut rng).await?;
            let mut tx = store.begin().await?;
            query("ANALYZE").execute(&mut tx).await?;
            tx.commit().await?;
            t
        }
        (false, true) => {
            let root = existing
                .iter()
                .find(|u| u.parent_id.is_none())
                .context("no root unit")?
                .id;
            let mut provinces: Vec<(UnitId, String)> = existing
                .iter()
                .filter(|u| u.kind == UnitKind::Province && u.parent_id == Some(root))
                .map(|u| (u.id, u.code.clone()))
                .collect();
            provinces.sort_by(|a, b| a.1.cmp(&b.1));
            Tree {
                root,
                provinces,
                registering: Vec::new(),
            }
        }
        (false, false) => anyhow::bail!(
            "liem bench needs an empty database (a new --data-dir or schema), or --reuse to time a data set it made before"
        ),
    };
    let generated = started.elapsed();
    let mut c = store.conn().await?;
    let counts = {
        let mut v = Vec::new();
        for table in [
            "letters",
            "matters",
            "cases",
            "case_events",
            "case_parties",
            "asset_events",
            "reception_visits",
        ] {
            let n = query(format!("SELECT COUNT(*) AS n FROM {table}"))
                .fetch_one(&mut c)
                .await?
                .i64("n")?;
            v.push(format!("{table} {n}"));
        }
        v.join(", ")
    };
    println!("generated in {:.1} s: {counts}", generated.as_secs_f64());

    // Every national annual form, all at once as `liem report` and the API
    // compute them (one aggregate query per fact source).
    let tree = liem_report::load_tree(&mut c).await?;
    let req = liem_report::Request {
        period: liem_domain::stats::Period::parse("2025").expect("valid"),
        scope: t.root,
        mode: liem_report::TreeMode::AsOf,
        today: liem_server::clock::today(),
        committee: None,
    };
    // Before the model is loaded (a first start with no snapshot), the
    // database counts the forms.
    let cold = liem_report::Model::new();
    let f = liem_report::form("02-XLD-KN")?;
    let mut times = Vec::new();
    for _ in 0..plan.runs {
        let s = Instant::now();
        liem_report::compute(&mut c, &cold, &tree, &[f], &req).await?;
        times.push(s.elapsed());
    }
    anyhow::ensure!(
        !cold.is_loaded(),
        "counting from the database loaded the model"
    );
    println!(
        "{}",
        summarise(
            "one national form counted by the database, model not loaded (02-XLD-KN, 2025)",
            times
        )
    );
    drop(cold);
    // The model loads on first use (at server start, in the background).
    let model = liem_report::Model::new();
    let s = Instant::now();
    model.refresh(&mut c).await?;
    let ms = model.stats();
    let mib = |b: u64| b as f64 / (1024.0 * 1024.0);
    println!(
        "statistics model loaded from the database in {:.1} s: {:.0} MiB in memory \
         ({} cells; {:.0} MiB were each eight bytes)",
        s.elapsed().as_secs_f64(),
        mib(ms.bytes),
        ms.cells,
        mib(ms.bytes - ms.column_bytes + ms.cells * 8)
    );
    let mut times = Vec::new();
    let mut failures = 0;
    for _ in 0..plan.runs {
        let s = Instant::now();
        let reports = liem_report::compute_all(&mut c, &model, &tree, &req).await?;
        times.push(s.elapsed());
        failures = reports.iter().map(|r| r.failures.len()).sum::<usize>();
    }
    println!(
        "{}",
        summarise("all national annual forms (8 forms, 2025)", times)
    );
    if failures > 0 {
        println!("warning: {failures} arithmetic failures in the national forms");
    }
    // One form alone.
    let mut times = Vec::new();
    for _ in 0..plan.runs {
        let s = Instant::now();
        liem_report::compute(&mut c, &model, &tree, &[f], &req).await?;
        times.push(s.elapsed());
    }
    println!(
        "{}",
        summarise("one national form (02-XLD-KN, 2025)", times)
    );
    // Its snapshot, as a server writes it after loading.
    let files = tempfile::tempdir()?;
    let snapshot = files.path().join("model.snapshot");
    let s = Instant::now();
    model.save(&snapshot, &mut c).await?;
    println!(
        "statistics model snapshot written in {:.1} s: {:.0} MiB on disk",
        s.elapsed().as_secs_f64(),
        mib(std::fs::metadata(&snapshot)?.len())
    );
    drop(c);
    // The server below loads its own: one model in memory at a time.
    drop(model);

    // A province leader's dashboard page, through the router.
    let policy = PasswordPolicy {
        memory_kib: 1024,
        iterations: 1,
    };
    let sys = Actor::system("bench");
    let mut tx = store.begin().await?;
    let (province, code) = &t.provinces[0];
    let known = users::by_username(&mut store.conn().await?, "lanhdao.bench").await?;
    let uid = match known {
        Some(u) => u.0.id,
        None => {
            users::create(
                &mut tx,
                &sys,
                &users::NewUser {
                    username: Username::parse("lanhdao.bench").expect("valid"),
                    display_name: "Lãnh đạo".into(),
                    unit_id: *province,
                    password_hash: policy.hash("not used by the bench"),
                    roles: vec![Role::Leader],
                    locale: None,
                },
            )
            .await?
        }
    };
    // A browser session, as a login makes it.
    let session = random_token();
    users::create_session(
        &mut tx,
        &sys,
        uid,
        &token_hash(&session),
        &random_token(),
        jiff::Timestamp::now() + jiff::SignedDuration::from_hours(1),
    )
    .await?;
    tx.commit().await?;
    let state = liem_server::AppState::new(
        store.clone(),
        &SecretKey::generate(),
        policy,
        liem_server::Settings {
            files_dir: files.path().to_owned(),
            ..Default::default()
        },
    );
    let router = liem_server::router(state.clone());
    let dashboard = || -> Result<axum::http::Request<axum::body::Body>> {
        Ok(axum::http::Request::builder()
            .uri(format!("/dashboard?period=2025&unit={code}"))
            .header("cookie", format!("liem_session={session}"))
            .header("accept-language", "vi")
            .body(axum::body::Body::empty())?)
    };
    // As `liem serve` does, the load is claimed for the node's own loader
    // (here the restore below), so that the first request does not start
    // one in the background.
    state.model.claim_load();
    // A first start, no snapshot: the page is counted by the database
    // while the model is not loaded.
    {
        use tower::ServiceExt;
        let s = Instant::now();
        let resp = router.clone().oneshot(dashboard()?).await?;
        anyhow::ensure!(resp.status().is_success(), "dashboard: {}", resp.status());
        http_body_util::BodyExt::collect(resp.into_body()).await?;
        anyhow::ensure!(!state.model.is_loaded(), "the dashboard loaded the model");
        println!(
            "first dashboard request on a first start (no snapshot; counted by the database): {:.2} s",
            s.elapsed().as_secs_f64()
        );
    }
    // A restart: the server takes its model from the snapshot (as `liem
    // serve` does at start), then answers its first request.
    let restarted = Instant::now();
    let restored = state
        .model
        .restore(&snapshot, &mut store.conn().await?)
        .await?;
    anyhow::ensure!(
        matches!(restored, liem_report::Restored::Taken { .. }),
        "the snapshot was not taken: {restored:?}"
    );
    println!(
        "statistics model restored from its snapshot in {:.2} s",
        restarted.elapsed().as_secs_f64()
    );
    let mut times = Vec::new();
    let mut size = 0;
    // The first request after the restart; then it is warm.
    for warm in [true]
        .into_iter()
        .chain(std::iter::repeat_n(false, plan.runs))
    {
        use tower::ServiceExt;
        let s = Instant::now();
        let resp = router.clone().oneshot(dashboard()?).await?;
        let status = resp.status();
        let body = http_body_util::BodyExt::collect(resp.into_body())
            .await?
            .to_bytes();
        if warm {
            println!(
                "first dashboard request after a restart: {:.2} s ({:.2} s from the restart)",
                s.elapsed().as_secs_f64(),
                restarted.elapsed().as_secs_f64()
            );
        } else {
            times.push(s.elapsed());
        }
        anyhow::ensure!(status.is_success(), "dashboard: {status}");
        anyhow::ensure!(
            body.windows(4).any(|w| w == b"<svg"),
            "the dashboard has no chart"
        );
        size = body.len();
    }
    println!(
        "{} — page of {} KiB",
        summarise(
            &format!("province dashboard page ({code}, 2025 vs 2024)"),
            times
        ),
        size / 1024
    );
    if let Some(m) = peak_rss_mib() {
        println!("peak resident memory: {m:.0} MiB");
    }
    Ok(())
}
