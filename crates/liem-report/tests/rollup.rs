//! Roll-up and merger properties of the reports, on random facts.
//!
//! For random trees and random (but internally consistent) facts: every
//! province's form equals the sum of its communes' forms and its own row,
//! cell by cell; the nation's equals the sum of the provinces'; every row of
//! every form passes the form's own arithmetic; and a report over a period
//! before a merger has the same national totals on the tree as it stood and
//! mapped onto today's tree.

use jiff::civil::{date, Date};
use liem_domain::case::{CaseRecord, DefendantFacts, StageAction};
use liem_domain::forms::all_forms;
use liem_domain::ids::UnitId;
use liem_domain::stats::{Form, Period, Source, Val};
use liem_domain::unit::UnitKind;
use liem_report::{assemble, per_unit_from_rows, Tree, TreeMode};
use liem_store::stats::Merger;
use liem_store::units::UnitRecord;
use proptest::prelude::*;

/// A small deterministic generator (xorshift), seeded by proptest.
struct Gen(u64);

impl Gen {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn chance(&mut self, pct: u64) -> bool {
        self.below(100) < pct
    }
    fn pick<'a>(&mut self, v: &[&'a str]) -> &'a str {
        v[self.below(v.len() as u64) as usize]
    }
    fn day(&mut self, from: Date, span: i64) -> Date {
        from.checked_add(jiff::Span::new().days(self.below(span as u64) as i64))
            .expect("in range")
    }
    fn after(&mut self, d: Date, max: i64) -> Date {
        d.checked_add(jiff::Span::new().days(self.below(max as u64) as i64))
            .expect("in range")
    }
}

fn unit(
    code: &str,
    kind: UnitKind,
    parent: Option<&UnitRecord>,
    from: Date,
    to: Option<Date>,
) -> UnitRecord {
    let path = match parent {
        Some(p) => format!("{}{code}/", p.path),
        None => format!("/{code}/"),
    };
    UnitRecord {
        id: UnitId::new(),
        code: code.into(),
        name: format!("Unit {code}"),
        kind,
        parent_id: parent.map(|p| p.id),
        path,
        valid_from: from,
        valid_to: to,
    }
}

struct World {
    units: Vec<UnitRecord>,
    mergers: Vec<Merger>,
    root: UnitId,
    provinces: Vec<UnitId>,
    facts: Vec<(Source, UnitId, Vec<Val>)>,
    cases: Vec<(UnitId, CaseRecord)>,
}

const START: Date = date(2023, 6, 1);

/// Old provinces (ceasing 30 June 2025) merged pairwise into new ones, each
/// with communes; facts spread over 2023–2026 on every unit.
fn world(g: &mut Gen) -> World {
    let root = unit(
        "TW",
        UnitKind::CentralCommittee,
        None,
        date(2020, 1, 1),
        None,
    );
    let mut units = vec![root.clone()];
    let mut mergers = Vec::new();
    let mut provinces = Vec::new();
    let merge_day = date(2025, 7, 1);
    let n_new = 1 + g.below(3);
    for p in 0..n_new {
        let new = unit(
            &format!("N{p}"),
            UnitKind::Province,
            Some(&root),
            merge_day,
            None,
        );
        units.push(new.clone());
        provinces.push(new.id);
        for c in 0..g.below(3) {
            units.push(unit(
                &format!("N{p}-X{c}"),
                UnitKind::Commune,
                Some(&new),
                merge_day,
                None,
            ));
        }
        for o in 0..(1 + g.below(2)) {
            let old = unit(
                &format!("O{p}{o}"),
                UnitKind::Province,
                Some(&root),
                date(2020, 1, 1),
                Some(date(2025, 6, 30)),
            );
            units.push(old.clone());
            provinces.push(old.id);
            mergers.push(Merger {
                from: old.id,
                to: new.id,
                on: merge_day,
            });
            for c in 0..(1 + g.below(3)) {
                let oc = unit(
                    &format!("O{p}{o}-X{c}"),
                    UnitKind::Commune,
                    Some(&old),
                    date(2020, 1, 1),
                    Some(date(2025, 6, 30)),
                );
                units.push(oc.clone());
                // Old communes merge into the new province's first commune,
                // or into the province itself when it has none.
                let target = units
                    .iter()
                    .find(|u| u.parent_id == Some(new.id))
                    .map_or(new.id, |u| u.id);
                mergers.push(Merger {
                    from: oc.id,
                    to: target,
                    on: merge_day,
                });
            }
        }
    }
    let mut facts = Vec::new();
    let mut cases = Vec::new();
    let ids: Vec<UnitId> = units.iter().map(|u| u.id).collect();
    let n = 20 + g.below(120);
    for _ in 0..n {
        let u = ids[g.below(ids.len() as u64) as usize];
        let rec = units.iter().find(|x| x.id == u).expect("unit");
        let lo = rec.valid_from.max(START);
        let hi = rec.valid_to.unwrap_or(date(2026, 12, 31));
        let span = (hi - lo).get_days().max(1) as i64;
        let day = g.day(lo, span);
        facts.push((Source::Letter, u, letter(g, day)));
        facts.push((Source::Matter, u, matter(g, day)));
        if g.chance(30) {
            facts.push((Source::Session, u, session(g, day)));
            facts.push((Source::Visit, u, visit(g, day)));
        }
        if g.chance(25) {
            facts.push((Source::Asset, u, asset(g, day)));
        }
        if g.chance(15) {
            facts.push((Source::Monitoring, u, monitoring(g, day)));
            facts.push((Source::Target, u, target(g, day)));
        }
        if g.chance(15) {
            facts.push((
                Source::Sanction,
                u,
                vec![
                    Val::Date(day),
                    Val::Text(g.pick(&["party", "administrative", "criminal"]).into()),
                    Val::Text("warning".into()),
                ],
            ));
        }
        if g.chance(20) {
            cases.push((u, case(g, day)));
        }
    }
    World {
        root: root.id,
        units,
        mergers,
        provinces,
        facts,
        cases,
    }
}

fn opt(d: Option<Date>) -> Val {
    d.map_or(Val::Null, Val::Date)
}

fn letter(g: &mut Gen, received: Date) -> Vec<Val> {
    let kinds = ["complaint", "denunciation", "recommendation", "reflection"];
    let mut held = vec![g.pick(&kinds)];
    if g.chance(20) {
        let k = g.pick(&kinds);
        if !held.contains(&k) {
            held.push(k);
        }
    }
    let processed = g.chance(75).then(|| g.after(received, 60));
    let eligible = processed.map(|_| g.chance(70));
    let competent = eligible.map(|e| e && g.chance(70));
    vec![
        Val::Date(received),
        Val::Text(held.join(",")),
        Val::Text(
            g.pick(&[
                "reception_desk",
                "post",
                "drop_box",
                "web",
                "hotline",
                "forwarded",
                "press",
                "leader_referral",
            ])
            .into(),
        ),
        Val::Text(
            g.pick(&[
                "admin_land",
                "admin_policy",
                "admin_other",
                "judicial",
                "party",
                "corruption",
                "other",
                "custom_x",
            ])
            .into(),
        ),
        Val::Bool(g.chance(10)),
        Val::Bool(g.chance(10)),
        opt(processed),
        eligible.map_or(Val::Null, Val::Bool),
        competent.map_or(Val::Null, Val::Bool),
    ]
}

fn matter(g: &mut Gen, received: Date) -> Vec<Val> {
    let kind = g.pick(&["complaint", "denunciation", "recommendation", "reflection"]);
    let classified = g.chance(80).then(|| g.after(received, 20));
    let eligible = classified.map(|_| g.chance(75));
    let competent = eligible.map(|_| g.chance(75));
    let accepted = match (classified, eligible, competent) {
        (Some(c), Some(true), Some(true)) if g.chance(80) => Some(g.after(c, 10)),
        _ => None,
    };
    let round = if kind == "complaint" {
        1 + g.below(2) as i64
    } else {
        1
    };
    let (mut concluded, mut closed, mut outcome, mut late) = (None, None, None, None);
    if let Some(a) = accepted {
        if g.chance(65) {
            let c = g.after(a, 90);
            concluded = Some(c);
            closed = g.chance(60).then(|| g.after(c, 20));
            outcome = Some(match kind {
                "complaint" if round == 1 => g.pick(&["right", "partly_right", "wrong"]),
                "complaint" => g.pick(&["upheld", "annulled_or_amended"]),
                "denunciation" => g.pick(&["true", "partly_true", "false"]),
                _ => "answered",
            });
            late = Some(g.chance(25));
        } else if g.chance(15) {
            closed = Some(g.after(a, 60)); // withdrawn
        }
    }
    let due = accepted.map(|a| g.after(a, 60));
    let state = if concluded.is_some() {
        "concluded"
    } else if closed.is_some() {
        "withdrawn"
    } else {
        "verifying"
    };
    vec![
        Val::Text(kind.into()),
        Val::Text("admin_land".into()),
        Val::Text(state.into()),
        Val::Date(received),
        opt(classified),
        eligible.map_or(Val::Null, Val::Bool),
        competent.map_or(Val::Null, Val::Bool),
        classified.map_or(Val::Null, |_| Val::Int(round)),
        opt(accepted),
        opt(concluded),
        outcome.map_or(Val::Null, |o| Val::Text(o.into())),
        late.map_or(Val::Null, Val::Bool),
        opt(closed),
        opt(due),
    ]
}

fn session(g: &mut Gen, day: Date) -> Vec<Val> {
    vec![
        Val::Date(day),
        Val::Text(g.pick(&["regular", "periodic", "ad_hoc"]).into()),
        Val::Text(g.pick(&["head_in_person", "delegated", "office"]).into()),
    ]
}

fn visit(g: &mut Gen, day: Date) -> Vec<Val> {
    let kinds: Vec<i64> = (0..4).map(|_| g.below(3) as i64).collect();
    let matters: i64 = kinds.iter().sum();
    let repeat = g.below(matters as u64 + 1) as i64;
    vec![
        Val::Date(day),
        Val::Text(g.pick(&["regular", "periodic", "ad_hoc"]).into()),
        Val::Text(g.pick(&["head_in_person", "delegated", "office"]).into()),
        Val::Int(1 + g.below(30) as i64),
        Val::Bool(g.chance(20)),
        Val::Int(matters - repeat),
        Val::Int(repeat),
        Val::Int(matters),
        Val::Int(kinds[0]),
        Val::Int(kinds[1]),
        Val::Int(kinds[2]),
        Val::Int(kinds[3]),
    ]
}

fn asset(g: &mut Gen, day: Date) -> Vec<Val> {
    vec![
        Val::Date(day),
        Val::Text(
            g.pick(&["damage", "to_recover", "seized", "recovered"])
                .into(),
        ),
        Val::Text(
            g.pick(&["inspection", "investigation", "court", "enforcement"])
                .into(),
        ),
        Val::Int(g.below(1_000_000_000) as i64),
        Val::Int(g.below(5_000) as i64),
    ]
}

fn monitoring(g: &mut Gen, day: Date) -> Vec<Val> {
    vec![
        Val::Date(day),
        opt(g.chance(30).then(|| g.after(day, 300))),
        Val::Text(g.pick(&["case", "incident"]).into()),
    ]
}

fn target(g: &mut Gen, day: Date) -> Vec<Val> {
    let due = g.after(day, 200);
    vec![
        Val::Date(due),
        opt(g.chance(50).then(|| g.after(day, 250))),
        opt(g.chance(20).then(|| g.after(day, 300))),
    ]
}

fn case(g: &mut Gen, day: Date) -> CaseRecord {
    let id = uuid::Uuid::from_u64_pair(g.next(), g.next());
    let prosecuted = g.chance(80).then_some(day);
    let mut events = Vec::new();
    let mut defendants = Vec::new();
    if let Some(p) = prosecuted {
        events.push((p, StageAction::Prosecute));
        for k in 0..(1 + g.below(4)) {
            defendants.push(DefendantFacts {
                id: uuid::Uuid::from_u64_pair(g.next(), k),
                prosecuted_on: if k > 0 && g.chance(30) {
                    g.after(p, 100)
                } else {
                    p
                },
                added: k > 0 && g.chance(30),
            });
        }
        let mut d = p;
        for a in [
            StageAction::ConcludeInvestigation,
            StageAction::Indict,
            StageAction::Judge,
        ] {
            if !g.chance(60) {
                break;
            }
            d = g.after(d, 120);
            events.push((d, a));
        }
    }
    CaseRecord {
        id,
        prosecuted_on: prosecuted,
        closed_on: None,
        defendants,
        events,
    }
}

fn periods(g: &mut Gen) -> Period {
    let labels = [
        "2024",
        "2025",
        "2026",
        "2025-Q3",
        "2026-H1",
        "2026-RY",
        "2024-12-15..2025-12-14",
    ];
    Period::parse(labels[g.below(labels.len() as u64) as usize]).expect("valid")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn provinces_are_the_sum_of_their_communes_and_every_form_adds_up(seed in 1u64..u64::MAX) {
        let mut g = Gen(seed);
        let w = world(&mut g);
        let tree = Tree::new(w.units.clone(), &w.mergers);
        let period = periods(&mut g);
        let today = date(2026, 11, 23);
        for mode in [TreeMode::AsOf, TreeMode::Current] {
            for form in all_forms() {
                let per_unit = per_unit_from_rows(form, &w.facts, &w.cases, period.span());
                let nation = assemble(form, &tree, mode, w.root, &period, today, &per_unit, 0);
                prop_assert!(nation.failures.is_empty(), "{} {:?}: {:?}", form.code, mode, nation.failures);
                // The nation's total is every unit's figures added up.
                let mut all = vec![0i64; form.columns.len()];
                for cells in per_unit.values() {
                    for (a, v) in all.iter_mut().zip(cells) { *a += v; }
                }
                prop_assert_eq!(&nation.total, &all);
                for p in &w.provinces {
                    let Some(row) = nation.rows.iter().find(|r| r.unit.id == *p) else { continue };
                    let province = assemble(form, &tree, mode, *p, &period, today, &per_unit, 0);
                    prop_assert!(province.failures.is_empty(), "{:?}", province.failures);
                    // The province's row in the nation's report is its own report's total.
                    prop_assert_eq!(&row.cells, &province.total);
                    // Which is its own row plus each commune's report, cell by cell.
                    let mut sum = province.rows.iter().find(|r| r.own).map(|r| r.cells.clone()).unwrap_or_default();
                    for r in province.rows.iter().filter(|r| !r.own) {
                        let commune = assemble(form, &tree, mode, r.unit.id, &period, today, &per_unit, 0);
                        prop_assert_eq!(&commune.total, &r.cells);
                        for (a, v) in sum.iter_mut().zip(&commune.total) { *a += v; }
                    }
                    prop_assert_eq!(&sum, &province.total);
                }
            }
        }
    }

    #[test]
    fn a_report_before_the_merger_has_the_same_national_totals_on_both_trees(seed in 1u64..u64::MAX) {
        let mut g = Gen(seed);
        let w = world(&mut g);
        let tree = Tree::new(w.units.clone(), &w.mergers);
        let period = Period::parse("2024").expect("valid");
        let today = date(2026, 11, 23);
        for form in all_forms() {
            let per_unit = per_unit_from_rows(form, &w.facts, &w.cases, period.span());
            let old = assemble(form, &tree, TreeMode::AsOf, w.root, &period, today, &per_unit, 0);
            let new = assemble(form, &tree, TreeMode::Current, w.root, &period, today, &per_unit, 0);
            prop_assert_eq!(&old.total, &new.total, "{}", form.code);
            // The old tree's rows are the old provinces, the new tree's the new ones.
            prop_assert!(old.rows.iter().filter(|r| !r.own).all(|r| r.unit.code.starts_with('O')));
            prop_assert!(new.rows.iter().filter(|r| !r.own).all(|r| r.unit.code.starts_with('N')));
        }
    }
}

/// `n` letters of random units received over `days` days from `from`, and
/// a matter for three in five of them.
fn letters_and_matters(
    g: &mut Gen,
    units: &[UnitId],
    n: usize,
    from: Date,
    days: i64,
) -> Vec<(Source, UnitId, Vec<Val>)> {
    let mut facts = Vec::new();
    for _ in 0..n {
        let u = units[g.below(units.len() as u64) as usize];
        let received = g.day(from, days);
        facts.push((Source::Letter, u, letter(g, received)));
        if g.chance(60) {
            facts.push((Source::Matter, u, matter(g, received)));
        }
    }
    facts
}

/// The in-memory model counts many rows (several blocks of them on each
/// core, with rows of every unit mixed) exactly as the rules evaluated row
/// by row do, for the nation and for one province's units, on every form.
#[test]
fn the_model_counts_many_rows_as_the_rules_do() {
    use liem_report::per_unit_of_facts;
    let mut g = Gen(0x5EED_2026);
    let w = world(&mut g);
    let units: Vec<UnitId> = w.units.iter().map(|u| u.id).collect();
    let facts = letters_and_matters(&mut g, &units, 21_000, date(2024, 10, 1), 800);
    let forms: Vec<&Form> = all_forms().iter().collect();
    let some: Vec<UnitId> = units.iter().copied().step_by(2).collect();
    let mut counted = 0i64;
    for label in ["2025", "2025-Q3", "2026-H1"] {
        let span = Period::parse(label).expect("valid").span();
        for within in [None, Some(some.as_slice())] {
            let rows: Vec<(Source, UnitId, Vec<Val>)> = facts
                .iter()
                .filter(|(_, u, _)| within.is_none_or(|w| w.contains(u)))
                .cloned()
                .collect();
            let model = per_unit_of_facts(&forms, &facts, span, within);
            for (form, got) in forms.iter().zip(model) {
                let mut want = per_unit_from_rows(form, &rows, &[], span);
                want.retain(|_, v| v.iter().any(|x| *x != 0));
                let mut got = got;
                got.retain(|_, v| v.iter().any(|x| *x != 0));
                counted += want.values().flatten().sum::<i64>();
                assert_eq!(
                    got,
                    want,
                    "{} over {label}, within {:?}",
                    form.code,
                    within.map(<[UnitId]>::len)
                );
            }
        }
    }
    assert!(counted > 100_000, "the forms count the rows: {counted}");
}

/// A dashboard's figures asked together (the key form for two periods and
/// the monthly trends, one aggregate per source) equal the same figures
/// asked one call at a time, for the nation and for half the units.
#[test]
fn figures_asked_together_equal_figures_asked_apart() {
    use liem_domain::forms::{key_rule, letters_by_field};
    use liem_report::periods_of_facts;
    let mut g = Gen(0xDA5B_2026);
    let w = world(&mut g);
    let units: Vec<UnitId> = w.units.iter().map(|u| u.id).collect();
    let facts = letters_and_matters(&mut g, &units, 9_000, date(2024, 1, 1), 900);
    let key = &all_forms()[0];
    let now = Period::parse("2025").expect("valid");
    let spans = [now.span(), now.year_before().span()];
    let months = now.months();
    let by_month = |code: &str| {
        let r = key_rule(code).expect("a key figure");
        months
            .iter()
            .map(|m| (r, m.span()))
            .chain(months.iter().map(|m| (r, m.year_before().span())))
            .collect::<Vec<_>>()
    };
    let mut letters = by_month("letters_received");
    letters.extend(letters_by_field().iter().map(|(_, r)| (r, now.span())));
    let matters = by_month("matters_resolved");
    let asked = [
        (Source::Letter, letters.as_slice()),
        (Source::Matter, matters.as_slice()),
    ];
    let some: Vec<UnitId> = units.iter().copied().step_by(2).collect();
    for within in [None, Some(some.as_slice())] {
        let ((forms, figures), (forms_apart, figures_apart)) =
            periods_of_facts(key, &facts, &spans, &asked, within);
        assert_eq!(forms, forms_apart, "the key form, within {within:?}");
        assert_eq!(figures, figures_apart, "the trends, within {within:?}");
        let counted: i64 = forms.iter().flat_map(|m| m.values().flatten()).sum();
        let trend: i64 = figures.iter().flat_map(|m| m.values().flatten()).sum();
        assert!(counted > 1_000 && trend > 1_000, "{counted} {trend}");
    }
}
