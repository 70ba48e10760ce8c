//! The working-day calendar: weekends, public holidays (computed defaults,
//! including the lunar New Year) and the days administrators enter.
//!
//! Defaults follow the Labour Code 2019 (45/2019/QH14), art. 112 (public
//! holidays) and art. 111(3) (a holiday on a weekly rest day gives a
//! compensatory day off on the next working day). The government announces
//! the exact days each year; administrators enter them as [`DayOverride`]s,
//! which win over every computed default for that date.

use crate::lunar;
use jiff::civil::{Date, Weekday};
use jiff::ToSpan;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex, OnceLock};

/// The time zone legal dates are counted in: Vietnam, UTC+7 all year (no
/// daylight saving). Every unit is in it; a unit with its own zone would
/// carry it here.
pub fn legal_zone() -> jiff::tz::TimeZone {
    jiff::tz::TimeZone::fixed(jiff::tz::Offset::constant(7))
}

/// The civil date of an instant, as the law counts days: the one definition
/// of "today" (given the instant now) and of the day something happened.
pub fn civil_date(at: jiff::Timestamp) -> Date {
    at.to_zoned(legal_zone()).date()
}

code_enum!(
    /// Whether an administrator-entered day is worked or not.
    OverrideKind {
        /// A day off: an announced holiday, or a weekday swapped for a weekend.
        DayOff = "day_off",
        /// A working day: a weekend day swapped for a weekday off.
        WorkingDay = "working_day",
    }
);

/// A day entered by an administrator, overriding the computed calendar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DayOverride {
    /// The civil date.
    pub date: Date,
    /// Worked or not.
    pub kind: OverrideKind,
    /// What the announcement calls it.
    pub name: String,
}

/// Why a day is not worked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DayOff {
    /// The civil date.
    pub date: Date,
    /// The holiday's name (English key; pages translate by `code`).
    pub name: String,
    /// A stable code: `new_year`, `tet`, `hung_kings`, `reunification`,
    /// `labour`, `national`, `compensatory`, or `announced` for overrides.
    pub code: String,
}

/// A day the government announced for the state's bodies (cán bộ, công
/// chức, viên chức), departing from the computed calendar: a working day
/// swapped for a day off adjacent to a holiday, the Saturday worked in
/// exchange, a compensatory day moved. Announced each year by the
/// Government (through the Government Office, on the Ministry's proposal,
/// under Labour Code 2019 art. 112(3)); an administrator's entry for the
/// same day still wins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Announced {
    /// The civil date.
    pub date: Date,
    /// Worked or not.
    pub kind: OverrideKind,
    /// What the announcement makes of it.
    pub name: &'static str,
    /// The announcing document's number and date.
    pub notice: &'static str,
}

const VPCP_8726_2024: &str = "8726/VPCP-KGVX, 26/11/2024";
const VPCP_12729_2025: &str = "12729/VPCP-KGVX, 25/12/2025";

/// The announced departures of the years announced so far. Years not here
/// (and the parts of a year an announcement leaves alone) follow the
/// computed calendar: Tết 2026 (16–20 February, Monday to Friday, between
/// two weekends) needs no departure.
pub const ANNOUNCED: &[Announced] = &[
    // Tết Ất Tỵ: the fifth day (Saturday 1 February) is compensated before
    // the holiday, on Monday 27 January; Monday 3 February is worked.
    Announced {
        date: Date::constant(2025, 1, 27),
        kind: OverrideKind::DayOff,
        name: "Lunar New Year (Tết): compensatory day off",
        notice: VPCP_8726_2024,
    },
    Announced {
        date: Date::constant(2025, 2, 3),
        kind: OverrideKind::WorkingDay,
        name: "Working day (compensatory day taken on 27 January)",
        notice: VPCP_8726_2024,
    },
    // 30 April – 1 May: Friday 2 May off, worked on Saturday 26 April.
    Announced {
        date: Date::constant(2025, 5, 2),
        kind: OverrideKind::DayOff,
        name: "Day off swapped for Saturday 26 April",
        notice: VPCP_8726_2024,
    },
    Announced {
        date: Date::constant(2025, 4, 26),
        kind: OverrideKind::WorkingDay,
        name: "Working Saturday (swapped for Friday 2 May)",
        notice: VPCP_8726_2024,
    },
    // New Year 2026: Friday 2 January off, worked on Saturday 10 January.
    Announced {
        date: Date::constant(2026, 1, 2),
        kind: OverrideKind::DayOff,
        name: "Day off swapped for Saturday 10 January",
        notice: VPCP_12729_2025,
    },
    Announced {
        date: Date::constant(2026, 1, 10),
        kind: OverrideKind::WorkingDay,
        name: "Working Saturday (swapped for Friday 2 January)",
        notice: VPCP_12729_2025,
    },
];

/// The calendar of working days for one jurisdiction: the computed
/// holidays, the government's announced departures ([`ANNOUNCED`]), and
/// the days an administrator entered, each layer overriding the one before.
#[derive(Debug, Clone)]
pub struct Calendar {
    announced: BTreeMap<Date, Announced>,
    overrides: BTreeMap<Date, DayOverride>,
}

impl Default for Calendar {
    fn default() -> Self {
        Self {
            announced: ANNOUNCED.iter().map(|a| (a.date, *a)).collect(),
            overrides: BTreeMap::new(),
        }
    }
}

impl Calendar {
    /// A calendar with the computed defaults and the announced days.
    pub fn new() -> Self {
        Self::default()
    }

    /// The computed defaults only, without the announced days.
    pub fn computed() -> Self {
        Self {
            announced: BTreeMap::new(),
            overrides: BTreeMap::new(),
        }
    }

    /// A calendar with administrator-entered days.
    pub fn with_overrides(overrides: impl IntoIterator<Item = DayOverride>) -> Self {
        Self {
            overrides: overrides.into_iter().map(|o| (o.date, o)).collect(),
            ..Self::default()
        }
    }

    /// The announced departures of a year.
    pub fn announced_in(&self, year: i16) -> Vec<Announced> {
        self.announced
            .values()
            .filter(|a| a.date.year() == year)
            .copied()
            .collect()
    }

    /// True when the date is a working day.
    pub fn is_working_day(&self, date: Date) -> bool {
        if let Some(o) = self.overrides.get(&date) {
            return o.kind == OverrideKind::WorkingDay;
        }
        if let Some(a) = self.announced.get(&date) {
            return a.kind == OverrideKind::WorkingDay;
        }
        if is_weekend(date) {
            return false;
        }
        !default_off_dates(date.year()).contains(&date)
    }

    /// The public holidays and announced days off of a year, in date order
    /// (plain weekends are not listed; holidays falling on one are).
    pub fn days_off(&self, year: i16) -> Vec<DayOff> {
        let mut days: BTreeMap<Date, DayOff> = default_days_off(year)
            .into_iter()
            .map(|d| (d.date, d))
            .collect();
        for a in self.announced.values().filter(|a| a.date.year() == year) {
            match a.kind {
                OverrideKind::WorkingDay => {
                    days.remove(&a.date);
                }
                OverrideKind::DayOff => {
                    days.insert(
                        a.date,
                        DayOff {
                            date: a.date,
                            name: format!("{} ({})", a.name, a.notice),
                            code: "announced".into(),
                        },
                    );
                }
            }
        }
        for o in self.overrides.values().filter(|o| o.date.year() == year) {
            match o.kind {
                OverrideKind::WorkingDay => {
                    days.remove(&o.date);
                }
                OverrideKind::DayOff => {
                    days.insert(
                        o.date,
                        DayOff {
                            date: o.date,
                            name: o.name.clone(),
                            code: "announced".into(),
                        },
                    );
                }
            }
        }
        days.into_values().collect()
    }

    /// The administrator-entered days of a year.
    pub fn overrides_in(&self, year: i16) -> Vec<DayOverride> {
        self.overrides
            .values()
            .filter(|o| o.date.year() == year)
            .cloned()
            .collect()
    }

    /// The first working day on or after `date`.
    pub fn next_working_day_from(&self, date: Date) -> Date {
        let mut d = date;
        while !self.is_working_day(d) {
            d = d.tomorrow().expect("date within range");
        }
        d
    }

    /// The day on which a period of `n` working days that starts after
    /// `start` ends, skipping days for which `paused` is true.
    pub fn add_working_days(&self, start: Date, n: u32, paused: impl Fn(Date) -> bool) -> Date {
        let mut d = start;
        let mut counted = 0;
        while counted < n {
            d = d.tomorrow().expect("date within range");
            if self.is_working_day(d) && !paused(d) {
                counted += 1;
            }
        }
        d
    }

    /// The day on which a period of `n` calendar days that starts after
    /// `start` ends, skipping paused days; moved to the next working day when
    /// it falls on a day off.
    pub fn add_days(&self, start: Date, n: u32, paused: impl Fn(Date) -> bool) -> Date {
        let mut d = start;
        let mut counted = 0;
        while counted < n {
            d = d.tomorrow().expect("date within range");
            if !paused(d) {
                counted += 1;
            }
        }
        self.next_working_day_from(d)
    }

    /// The day on which a period of `n` months from `start` ends (same day
    /// number, or the month's last day), plus one day for each paused day
    /// in between; moved to the next working day when it falls on a day off.
    pub fn add_months(&self, start: Date, n: u32, paused: impl Fn(Date) -> bool) -> Date {
        let base = start
            .checked_add(i64::from(n).months())
            .expect("date within range");
        let mut extra = 0;
        let mut d = start;
        while d < base {
            d = d.tomorrow().expect("date within range");
            if paused(d) {
                extra += 1;
            }
        }
        let mut end = base;
        while extra > 0 {
            end = end.tomorrow().expect("date within range");
            if !paused(end) {
                extra -= 1;
            }
        }
        self.next_working_day_from(end)
    }
}

/// Saturday or Sunday.
pub fn is_weekend(date: Date) -> bool {
    matches!(date.weekday(), Weekday::Saturday | Weekday::Sunday)
}

/// The dates of [`default_days_off`], memoised per year: deadline counting
/// asks for them once per day it walks, and the lunar computation is costly.
fn default_off_dates(year: i16) -> Arc<BTreeSet<Date>> {
    static CACHE: OnceLock<Mutex<HashMap<i16, Arc<BTreeSet<Date>>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(hit) = cache.lock().unwrap_or_else(|e| e.into_inner()).get(&year) {
        return hit.clone();
    }
    let dates: Arc<BTreeSet<Date>> =
        Arc::new(compute_days_off(year).into_iter().map(|d| d.date).collect());
    cache
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(year, dates.clone());
    dates
}

/// The computed public holidays of a year, with compensatory days off for
/// those that fall on a weekend (Labour Code 2019, art. 111(3), 112).
pub fn default_days_off(year: i16) -> Vec<DayOff> {
    compute_days_off(year)
}

fn compute_days_off(year: i16) -> Vec<DayOff> {
    let mut named: Vec<(Date, &str, &str)> = Vec::new();
    named.push((Date::constant(year, 1, 1), "New Year's Day", "new_year"));
    // Tết: the last day of the old lunar year and the first four of the new.
    let tet = lunar::tet(year);
    let mut d = tet.yesterday().expect("date within range");
    for _ in 0..5 {
        named.push((d, "Lunar New Year (Tết)", "tet"));
        d = d.tomorrow().expect("date within range");
    }
    if let Some(hung) = lunar::lunar_to_solar(10, 3, year) {
        named.push((hung, "Hùng Kings' Commemoration Day", "hung_kings"));
    }
    named.push((
        Date::constant(year, 4, 30),
        "Reunification Day",
        "reunification",
    ));
    named.push((
        Date::constant(year, 5, 1),
        "International Labour Day",
        "labour",
    ));
    let national = Date::constant(year, 9, 2);
    named.push((national, "National Day", "national"));
    named.push((national_day_companion(national), "National Day", "national"));
    named.sort_by_key(|(d, _, _)| *d);
    named.dedup_by_key(|(d, _, _)| *d);

    let holiday_dates: Vec<Date> = named.iter().map(|(d, _, _)| *d).collect();
    let mut out: Vec<DayOff> = named
        .iter()
        .map(|(d, name, code)| DayOff {
            date: *d,
            name: (*name).to_owned(),
            code: (*code).to_owned(),
        })
        .collect();
    // Compensatory days: one for each holiday on a weekend, taken on the next
    // weekday that is neither a holiday nor already a compensatory day.
    let mut taken: Vec<Date> = holiday_dates.clone();
    for d in holiday_dates.iter().filter(|d| is_weekend(**d)) {
        let mut c = d.tomorrow().expect("date within range");
        while is_weekend(c) || taken.contains(&c) {
            c = c.tomorrow().expect("date within range");
        }
        taken.push(c);
        out.push(DayOff {
            date: c,
            name: "Compensatory day off".into(),
            code: "compensatory".into(),
        });
    }
    out.sort_by_key(|d| d.date);
    out
}

/// The day added to 2 September: the adjacent weekday that joins the
/// holiday to a weekend when there is one, else the day after.
fn national_day_companion(national: Date) -> Date {
    let before = national.yesterday().expect("date within range");
    let after = national.tomorrow().expect("date within range");
    match national.weekday() {
        Weekday::Tuesday | Weekday::Saturday => before,
        _ => after,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_legal_day_turns_at_midnight_in_vietnam_not_utc() {
        let late = jiff::Timestamp::from_second(1_764_608_400).unwrap(); // 2025-12-01 17:00 UTC
        assert_eq!(civil_date(late), jiff::civil::date(2025, 12, 2));
        let early = jiff::Timestamp::from_second(1_764_604_799).unwrap(); // 16:59:59 UTC
        assert_eq!(civil_date(early), jiff::civil::date(2025, 12, 1));
    }
    use jiff::civil::date;

    fn none(_: Date) -> bool {
        false
    }

    #[test]
    fn tet_2026_gives_five_days_off_around_the_new_year() {
        let cal = Calendar::new();
        for d in [16, 17, 18, 19, 20] {
            assert!(!cal.is_working_day(date(2026, 2, d)), "2026-02-{d}");
        }
        assert!(cal.is_working_day(date(2026, 2, 13)));
        assert!(cal.is_working_day(date(2026, 2, 23)));
    }

    #[test]
    fn weekend_holiday_gives_a_compensatory_day() {
        // 1 January 2028 is a Saturday: Monday 3 January is off.
        let days = default_days_off(2028);
        assert!(days
            .iter()
            .any(|d| d.date == date(2028, 1, 3) && d.code == "compensatory"));
        assert!(!Calendar::new().is_working_day(date(2028, 1, 3)));
    }

    #[test]
    fn administrator_overrides_win() {
        let cal = Calendar::with_overrides([
            DayOverride {
                date: date(2026, 1, 2),
                kind: OverrideKind::DayOff,
                name: "Swapped day off".into(),
            },
            DayOverride {
                date: date(2026, 1, 10),
                kind: OverrideKind::WorkingDay,
                name: "Swapped working Saturday".into(),
            },
        ]);
        assert!(!cal.is_working_day(date(2026, 1, 2)));
        assert!(cal.is_working_day(date(2026, 1, 10)));
        let offs = cal.days_off(2026);
        assert!(offs.iter().any(|d| d.date == date(2026, 1, 2)));
    }

    #[test]
    fn the_announced_swaps_of_2025_and_2026_are_the_calendar_and_an_administrator_still_wins() {
        let cal = Calendar::new();
        // Tết 2025: Monday 27 January off, Monday 3 February worked
        // (computed alone, the compensatory day would be 3 February).
        assert!(!cal.is_working_day(date(2025, 1, 27)));
        assert!(cal.is_working_day(date(2025, 2, 3)));
        assert!(Calendar::computed().is_working_day(date(2025, 1, 27)));
        assert!(!Calendar::computed().is_working_day(date(2025, 2, 3)));
        // 2 May 2025 off, Saturday 26 April worked; 2 January 2026 off,
        // Saturday 10 January worked.
        for (off, worked) in [
            (date(2025, 5, 2), date(2025, 4, 26)),
            (date(2026, 1, 2), date(2026, 1, 10)),
        ] {
            assert!(!cal.is_working_day(off), "{off}");
            assert!(cal.is_working_day(worked), "{worked}");
        }
        let listed = cal.days_off(2026);
        let jan2 = listed.iter().find(|d| d.date == date(2026, 1, 2)).unwrap();
        assert!(jan2.name.contains("12729/VPCP-KGVX"), "{jan2:?}");
        assert_eq!(cal.announced_in(2025).len(), 4);
        // An administrator's entry for the same day wins.
        let mine = Calendar::with_overrides([DayOverride {
            date: date(2026, 1, 2),
            kind: OverrideKind::WorkingDay,
            name: "Worked after all".into(),
        }]);
        assert!(mine.is_working_day(date(2026, 1, 2)));
        assert!(mine.is_working_day(date(2026, 1, 10)));
    }

    #[test]
    fn ten_working_days_skip_weekends_and_tet() {
        let cal = Calendar::new();
        // Friday 13 Feb 2026 + 10 working days: 16–20 Feb is Tết.
        let end = cal.add_working_days(date(2026, 2, 13), 10, none);
        assert_eq!(end, date(2026, 3, 6));
    }

    #[test]
    fn plain_days_ending_on_a_day_off_move_to_next_working_day() {
        let cal = Calendar::new();
        // 2026-01-01 + 30 days = Saturday 31 January -> Monday 2 February.
        assert_eq!(cal.add_days(date(2026, 1, 1), 30, none), date(2026, 2, 2));
    }

    #[test]
    fn paused_days_do_not_count() {
        let cal = Calendar::new();
        let paused = |d: Date| d >= date(2026, 3, 2) && d <= date(2026, 3, 11);
        // 30 days from 2026-03-01 with 10 paused days: 40 days -> 2026-04-10 (Friday).
        assert_eq!(
            cal.add_days(date(2026, 3, 1), 30, paused),
            date(2026, 4, 10)
        );
    }

    #[test]
    fn months_end_on_the_same_day_number_or_the_last_day() {
        let cal = Calendar::new();
        assert_eq!(cal.add_months(date(2026, 1, 31), 1, none), date(2026, 3, 2));
        assert_eq!(
            cal.add_months(date(2026, 6, 15), 2, none),
            date(2026, 8, 17)
        );
    }
}
