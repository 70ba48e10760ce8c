//! Assets lost and recovered: damage found → recommended or adjudged for
//! recovery → seized or frozen → recovered, each event with its route and
//! date. Money in integer VND, land in whole m², never floats.

use crate::validation::{optional_text, required_code, required_date, ValidationErrors};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

code_enum!(
    /// What an asset event records.
    AssetKind {
        /// Damage or loss found.
        Damage = "damage",
        /// Recommended (inspection) or adjudged (court) for recovery.
        ToRecover = "to_recover",
        /// Seized, frozen or distrained.
        Seized = "seized",
        /// Recovered to the State.
        Recovered = "recovered",
    }
);

code_enum!(
    /// The body whose work produced the event.
    AssetRoute {
        /// Inspection.
        Inspection = "inspection",
        /// Investigation.
        Investigation = "investigation",
        /// Court.
        Court = "court",
        /// Judgment enforcement.
        Enforcement = "enforcement",
    }
);

/// An asset event as a client sends it.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AssetInput {
    /// The kind code.
    pub kind: Option<String>,
    /// The route code.
    pub route: Option<String>,
    /// The day, `YYYY-MM-DD`.
    pub on: Option<String>,
    /// Money, whole VND.
    pub amount_vnd: Option<i64>,
    /// Land, whole square metres.
    pub land_m2: Option<i64>,
    /// Other items, described.
    pub item: Option<String>,
}

/// A validated asset event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AssetEvent {
    /// Kind.
    pub kind: AssetKind,
    /// Route.
    pub route: AssetRoute,
    /// Day.
    pub on: Date,
    /// VND.
    pub amount_vnd: i64,
    /// m².
    pub land_m2: i64,
    /// Items.
    pub item: Option<String>,
}

/// The largest amount accepted, 10¹⁸ VND: sums of many stay far from `i64::MAX`.
pub const MAX_VND: i64 = 1_000_000_000_000_000_000;

impl AssetInput {
    /// Validates the fields.
    pub fn parse(&self, today: Date) -> Result<AssetEvent, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let kind = required_code::<AssetKind>(&mut e, "kind", self.kind.as_deref());
        let route = required_code::<AssetRoute>(&mut e, "route", self.route.as_deref());
        let on = required_date(&mut e, "on", self.on.as_deref());
        if on.is_some_and(|d| d > today) {
            e.add("on", "not_in_future", "must not be after today");
        }
        let amount_vnd = self.amount_vnd.unwrap_or(0);
        if !(0..=MAX_VND).contains(&amount_vnd) {
            e.add(
                "amount_vnd",
                "range",
                "must be a whole VND amount, 0 or more",
            );
        }
        let land_m2 = self.land_m2.unwrap_or(0);
        if !(0..=1_000_000_000_000).contains(&land_m2) {
            e.add("land_m2", "range", "must be whole square metres, 0 or more");
        }
        let item = optional_text(&mut e, "item", self.item.as_deref(), 1000);
        if amount_vnd == 0 && land_m2 == 0 && item.is_none() {
            e.add(
                "amount_vnd",
                "something_required",
                "give an amount, an area of land or a described item",
            );
        }
        match (kind, route, on) {
            (Some(kind), Some(route), Some(on)) if e.is_empty() => Ok(AssetEvent {
                kind,
                route,
                on,
                amount_vnd,
                land_m2,
                item,
            }),
            _ => Err(e),
        }
    }
}

/// Sums of one kind of event.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Amounts {
    /// VND.
    pub vnd: i64,
    /// m².
    pub m2: i64,
}

/// The asset figures of a period.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AssetTotals {
    /// Damage found.
    pub damage: Amounts,
    /// To be recovered.
    pub to_recover: Amounts,
    /// Seized or frozen.
    pub seized: Amounts,
    /// Recovered.
    pub recovered: Amounts,
}

impl AssetTotals {
    /// Adds one event.
    pub fn add(&mut self, ev: &AssetEvent) {
        let a = match ev.kind {
            AssetKind::Damage => &mut self.damage,
            AssetKind::ToRecover => &mut self.to_recover,
            AssetKind::Seized => &mut self.seized,
            AssetKind::Recovered => &mut self.recovered,
        };
        a.vnd = a.vnd.saturating_add(ev.amount_vnd);
        a.m2 = a.m2.saturating_add(ev.land_m2);
    }

    /// The money recovery rate in basis points (1/100 of a percent), or
    /// `None` when nothing is to be recovered.
    pub fn rate_vnd(&self) -> Option<u32> {
        rate(self.recovered.vnd, self.to_recover.vnd)
    }

    /// The land recovery rate in basis points.
    pub fn rate_m2(&self) -> Option<u32> {
        rate(self.recovered.m2, self.to_recover.m2)
    }
}

/// `part / whole` in basis points, rounded half up; `None` when `whole` is 0.
pub fn rate(part: i64, whole: i64) -> Option<u32> {
    if whole <= 0 {
        return None;
    }
    let bp = (i128::from(part) * 10_000 * 2 + i128::from(whole)) / (i128::from(whole) * 2);
    Some(bp.clamp(0, i128::from(u32::MAX)) as u32)
}

/// A rate in basis points as a percentage with one decimal: `6250` → `62.5`.
pub fn percent(bp: u32) -> String {
    let tenths = (bp + 5) / 10;
    format!("{}.{}", tenths / 10, tenths % 10)
}

/// Totals of the events dated within `from..=to`.
pub fn totals<'a>(
    events: impl IntoIterator<Item = &'a AssetEvent>,
    from: Date,
    to: Date,
) -> AssetTotals {
    let mut t = AssetTotals::default();
    for ev in events {
        if ev.on >= from && ev.on <= to {
            t.add(ev);
        }
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;
    use proptest::prelude::*;

    fn ev(kind: AssetKind, on: Date, vnd: i64, m2: i64) -> AssetEvent {
        AssetEvent {
            kind,
            route: AssetRoute::Court,
            on,
            amount_vnd: vnd,
            land_m2: m2,
            item: None,
        }
    }

    #[test]
    fn totals_and_rate_of_a_period() {
        let evs = vec![
            ev(AssetKind::Damage, date(2026, 2, 1), 120_000_000_000, 0),
            ev(
                AssetKind::ToRecover,
                date(2026, 6, 1),
                80_000_000_000,
                5_000,
            ),
            ev(AssetKind::Seized, date(2026, 3, 1), 30_000_000_000, 0),
            ev(
                AssetKind::Recovered,
                date(2026, 9, 1),
                50_000_000_000,
                2_000,
            ),
            // Outside the period.
            ev(AssetKind::Recovered, date(2025, 12, 31), 7_000_000_000, 0),
        ];
        let t = totals(&evs, date(2026, 1, 1), date(2026, 12, 31));
        assert_eq!(t.recovered.vnd, 50_000_000_000);
        assert_eq!(t.rate_vnd(), Some(6_250));
        assert_eq!(percent(t.rate_vnd().unwrap()), "62.5");
        assert_eq!(t.rate_m2(), Some(4_000));
        assert_eq!(AssetTotals::default().rate_vnd(), None);
    }

    #[test]
    fn rates_round_half_up() {
        assert_eq!(rate(1, 3), Some(3_333));
        assert_eq!(rate(2, 3), Some(6_667));
        assert_eq!(percent(3_333), "33.3");
        assert_eq!(percent(6_667), "66.7");
        assert_eq!(percent(10_000), "100.0");
    }

    #[test]
    fn an_event_must_carry_something() {
        let e = AssetInput {
            kind: Some("recovered".into()),
            route: Some("enforcement".into()),
            on: Some("2026-05-05".into()),
            amount_vnd: Some(-5),
            ..Default::default()
        }
        .parse(date(2026, 11, 23))
        .unwrap_err();
        assert_eq!(e.errors[0].field, "amount_vnd");
        assert_eq!(e.errors[0].rule, "range");
        let e = AssetInput {
            kind: Some("recovered".into()),
            route: Some("enforcement".into()),
            on: Some("2026-05-05".into()),
            ..Default::default()
        }
        .parse(date(2026, 11, 23))
        .unwrap_err();
        assert_eq!(e.errors[0].rule, "something_required");
    }

    proptest! {
        /// Splitting a period in two splits every total exactly.
        #[test]
        fn totals_add_up_over_split_periods(
            evs in prop::collection::vec((0usize..4, 0i64..730, 0i64..1_000_000_000_000, 0i64..100_000), 0..50),
            cut in 1i64..729,
        ) {
            let base = date(2025, 1, 1);
            let day = |o: i64| base.checked_add(jiff::Span::new().days(o)).unwrap();
            let evs: Vec<AssetEvent> = evs.into_iter().map(|(k, o, v, m)| ev(AssetKind::ALL[k], day(o), v, m)).collect();
            let all = totals(&evs, day(0), day(729));
            let a = totals(&evs, day(0), day(cut - 1));
            let b = totals(&evs, day(cut), day(729));
            prop_assert_eq!(all.recovered.vnd, a.recovered.vnd + b.recovered.vnd);
            prop_assert_eq!(all.to_recover.m2, a.to_recover.m2 + b.to_recover.m2);
            prop_assert_eq!(all.damage.vnd, a.damage.vnd + b.damage.vnd);
        }
    }
}
