//! Citizen reception (tiếp công dân): sessions, the people and delegations
//! received, the matters they raised, and the figures of the reception
//! report (form 01/TCD). Law on Citizen Reception 2013 (42/2013/QH13).

use crate::calendar::Calendar;
use crate::petition::PetitionKind;
use crate::unit::UnitKind;
use crate::validation::{
    optional_text, required_code, required_date, required_text, ValidationErrors,
};
use jiff::civil::{Date, Weekday};
use serde::{Deserialize, Serialize};

code_enum!(
    /// What kind of reception session.
    SessionKind {
        /// Regular reception by the reception office, every working day.
        Regular = "regular",
        /// The head's periodic reception day (art. 12–15).
        Periodic = "periodic",
        /// An ad hoc reception when a matter is heated or involves many people.
        AdHoc = "ad_hoc",
    }
);

code_enum!(
    /// Who hosted a session.
    HostMode {
        /// The head in person.
        HeadInPerson = "head_in_person",
        /// A deputy or official delegated by the head.
        Delegated = "delegated",
        /// Staff of the reception office (regular reception).
        Office = "office",
    }
);

code_enum!(
    /// What came out of a visit.
    VisitOutcome {
        /// A letter was registered on the spot.
        LetterRegistered = "letter_registered",
        /// The citizen was guided to the competent body.
        Guided = "guided",
        /// A written reply is due (10 working days).
        ReplyDue = "reply_due",
        /// Answered during the reception.
        AnsweredOnSpot = "answered_on_spot",
    }
);

/// One matter raised during a visit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RaisedMatter {
    /// Its kind.
    pub kind: PetitionKind,
    /// Raised before (a repeat visit about it), or raised for the first time.
    pub repeat: bool,
}

/// One visit: a person, or a delegation (đoàn đông người), received.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Visit {
    /// How many people came.
    pub people: u32,
    /// Whether they came as a delegation of five or more.
    pub delegation: bool,
    /// The delegation's representatives (1–2 for 5–10 people, at most 5 above).
    pub representatives: u32,
    /// The matters raised.
    pub matters: Vec<RaisedMatter>,
    /// What came out of it.
    pub outcome: VisitOutcome,
}

/// A session with its visits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Session {
    /// The day.
    pub held_on: Date,
    /// The kind.
    pub kind: SessionKind,
    /// Who hosted it.
    pub host: HostMode,
    /// The visits received.
    pub visits: Vec<Visit>,
}

/// The people of a delegation: five or more (Decree 124/2020 and the Law on
/// Citizen Reception, art. 30).
pub const DELEGATION_FROM: u32 = 5;

/// The representatives a delegation must choose: 1–2 for 5–10 people, at most
/// 5 above ten (Law on Complaints 2011, art. 8; Law on Citizen Reception, art. 30).
pub fn representatives_allowed(people: u32) -> std::ops::RangeInclusive<u32> {
    if people <= 10 {
        1..=2
    } else {
        1..=5
    }
}

/// A visit as a client sends it.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VisitInput {
    /// How many people came (1 when absent).
    pub people: Option<u32>,
    /// Representatives of a delegation.
    pub representatives: Option<u32>,
    /// Kinds of the matters raised for the first time.
    #[serde(default)]
    pub first_matters: Vec<String>,
    /// Kinds of the matters raised again.
    #[serde(default)]
    pub repeat_matters: Vec<String>,
    /// `letter_registered`, `guided`, `reply_due` or `answered_on_spot`.
    pub outcome: Option<String>,
    /// A short note (no identity: people received are not named here).
    pub note: Option<String>,
}

/// A session as a client sends it.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionInput {
    /// `YYYY-MM-DD`.
    pub held_on: Option<String>,
    /// `regular`, `periodic` or `ad_hoc`.
    pub kind: Option<String>,
    /// `head_in_person`, `delegated` or `office`.
    pub host: Option<String>,
    /// The host's name and position.
    pub host_name: Option<String>,
    /// The visits.
    #[serde(default)]
    pub visits: Vec<VisitInput>,
    /// When the session was held online (Law on Citizen Reception, art. 3a
    /// as added by Law 136/2025/QH15), what it was held through.
    #[serde(default)]
    pub online: Option<OnlineInput>,
}

/// An online session's particulars, as a client sends them.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OnlineInput {
    /// The system or platform it was held on.
    pub platform: Option<String>,
    /// How many connection points (điểm cầu) took part (1 to 1,000).
    pub connection_points: Option<u32>,
    /// Where its recording is kept (a file or archive reference).
    pub recording: Option<String>,
    /// How the citizens' identity was checked (e.g. VNeID).
    pub identity_check: Option<String>,
}

/// An online session's particulars. Law 136/2025/QH15 adds online
/// reception to the Law on Citizen Reception (art. 3a); its implementing
/// decree could not be read, so what is recorded is this reading of what a
/// record of an online reception needs: the platform, the connection
/// points, where the recording is kept and how identity was checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Online {
    /// The system or platform.
    pub platform: String,
    /// Connection points.
    pub connection_points: u32,
    /// Where the recording is kept.
    pub recording: String,
    /// How identity was checked.
    pub identity_check: String,
}

/// The day online reception becomes lawful: Law 136/2025/QH15 in force.
pub const ONLINE_FROM: Date = Date::constant(2026, 7, 1);

/// A validated session, with the notes of its visits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSession {
    /// The session.
    pub session: Session,
    /// The host's name and position.
    pub host_name: String,
    /// One note per visit.
    pub notes: Vec<Option<String>>,
    /// Held online: its particulars.
    pub online: Option<Online>,
}

impl SessionInput {
    /// Validates, naming each broken rule.
    pub fn parse(&self, today: Date) -> Result<NewSession, ValidationErrors> {
        let mut errs = ValidationErrors::new();
        let held_on = required_date(&mut errs, "held_on", self.held_on.as_deref());
        if held_on.is_some_and(|d| d > today) {
            errs.add("held_on", "not_in_future", "must not be after today");
        }
        let kind = required_code::<SessionKind>(&mut errs, "kind", self.kind.as_deref());
        let host = required_code::<HostMode>(&mut errs, "host", self.host.as_deref());
        if kind == Some(SessionKind::Regular) && host.is_some_and(|h| h != HostMode::Office) {
            errs.add(
                "host",
                "regular_is_office",
                "a regular reception is hosted by the reception office",
            );
        }
        if kind.is_some_and(|k| k != SessionKind::Regular) && host == Some(HostMode::Office) {
            errs.add(
                "host",
                "head_or_delegate",
                "a periodic or ad hoc reception is hosted by the head or a delegate",
            );
        }
        let host_name = required_text(
            &mut errs,
            "host_name",
            self.host_name.as_deref().unwrap_or(""),
            200,
        );
        let mut visits = Vec::new();
        let mut notes = Vec::new();
        for (i, v) in self.visits.iter().enumerate() {
            let f = |name: &str| format!("visits[{i}].{name}");
            let people = v.people.unwrap_or(1);
            if !(1..=10_000).contains(&people) {
                errs.add(&f("people"), "range", "must be between 1 and 10000");
            }
            let delegation = people >= DELEGATION_FROM;
            let representatives = v.representatives.unwrap_or(0);
            if delegation && !representatives_allowed(people).contains(&representatives) {
                let r = representatives_allowed(people);
                errs.add(
                    &f("representatives"),
                    "delegation_representatives",
                    format!(
                        "a delegation of {people} must choose {} to {} representatives",
                        r.start(),
                        r.end()
                    ),
                );
            }
            let mut matters = Vec::new();
            for (list, repeat) in [(&v.first_matters, false), (&v.repeat_matters, true)] {
                for (j, k) in list.iter().enumerate() {
                    let field = f(if repeat {
                        "repeat_matters"
                    } else {
                        "first_matters"
                    });
                    match k.parse::<PetitionKind>() {
                        Ok(kind) => matters.push(RaisedMatter { kind, repeat }),
                        Err(e) => {
                            errs.add(&format!("{field}[{j}]"), "unknown_value", e.to_string())
                        }
                    }
                }
            }
            if matters.is_empty() {
                errs.add(
                    &f("first_matters"),
                    "required",
                    "a visit raises at least one matter",
                );
            }
            let outcome =
                required_code::<VisitOutcome>(&mut errs, &f("outcome"), v.outcome.as_deref());
            notes.push(optional_text(
                &mut errs,
                &f("note"),
                v.note.as_deref(),
                2000,
            ));
            if let Some(outcome) = outcome {
                visits.push(Visit {
                    people,
                    delegation,
                    representatives,
                    matters,
                    outcome,
                });
            }
        }
        if self.visits.is_empty() {
            errs.add("visits", "required", "a session records at least one visit");
        }
        let online = self.online.as_ref().map(|o| {
            if held_on.is_some_and(|d| d < ONLINE_FROM) {
                errs.add(
                    "online",
                    "before_law",
                    "online reception is lawful from 1 July 2026 (Law 136/2025/QH15)",
                );
            }
            let points = o.connection_points.unwrap_or(0);
            if !(1..=1000).contains(&points) {
                errs.add("online.connection_points", "range", "must be 1 to 1000");
            }
            Online {
                platform: required_text(
                    &mut errs,
                    "online.platform",
                    o.platform.as_deref().unwrap_or(""),
                    200,
                ),
                connection_points: points,
                recording: required_text(
                    &mut errs,
                    "online.recording",
                    o.recording.as_deref().unwrap_or(""),
                    500,
                ),
                identity_check: required_text(
                    &mut errs,
                    "online.identity_check",
                    o.identity_check.as_deref().unwrap_or(""),
                    500,
                ),
            }
        });
        let (Some(held_on), Some(kind), Some(host)) = (held_on, kind, host) else {
            return Err(errs);
        };
        errs.into_result(NewSession {
            session: Session {
                held_on,
                kind,
                host,
                visits,
            },
            host_name,
            notes,
            online,
        })
    }
}

/// One row of the reception report: a group of sessions counted together.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReceptionRow {
    /// Sessions (reception days).
    pub sessions: u32,
    /// Visits (lượt).
    pub visits: u32,
    /// People received.
    pub people: u32,
    /// Matters raised for the first time.
    pub matters_first: u32,
    /// Matters raised again.
    pub matters_repeat: u32,
    /// Delegations.
    pub delegations: u32,
    /// People in delegations.
    pub delegation_people: u32,
    /// Matters raised by delegations, first time.
    pub delegation_matters_first: u32,
    /// Matters raised by delegations, again.
    pub delegation_matters_repeat: u32,
}

impl ReceptionRow {
    fn add(&mut self, s: &Session) {
        self.sessions += 1;
        for v in &s.visits {
            self.visits += 1;
            self.people += v.people;
            let first = v.matters.iter().filter(|m| !m.repeat).count() as u32;
            let repeat = v.matters.len() as u32 - first;
            self.matters_first += first;
            self.matters_repeat += repeat;
            if v.delegation {
                self.delegations += 1;
                self.delegation_people += v.people;
                self.delegation_matters_first += first;
                self.delegation_matters_repeat += repeat;
            }
        }
    }

    /// The sum of two rows (for roll-ups and totals).
    pub fn plus(&self, o: &ReceptionRow) -> ReceptionRow {
        ReceptionRow {
            sessions: self.sessions + o.sessions,
            visits: self.visits + o.visits,
            people: self.people + o.people,
            matters_first: self.matters_first + o.matters_first,
            matters_repeat: self.matters_repeat + o.matters_repeat,
            delegations: self.delegations + o.delegations,
            delegation_people: self.delegation_people + o.delegation_people,
            delegation_matters_first: self.delegation_matters_first + o.delegation_matters_first,
            delegation_matters_repeat: self.delegation_matters_repeat + o.delegation_matters_repeat,
        }
    }
}

/// The figures of form 01/TCD for a period: regular reception, the head's
/// receptions in person, and those delegated, with the total; and the
/// matters by kind.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReceptionFigures {
    /// Regular reception by the office.
    pub regular: ReceptionRow,
    /// Periodic and ad hoc receptions by the head in person.
    pub head_in_person: ReceptionRow,
    /// Periodic and ad hoc receptions delegated by the head.
    pub delegated: ReceptionRow,
    /// All of them.
    pub total: ReceptionRow,
    /// Ad hoc sessions among the head's and delegated ones.
    pub ad_hoc_sessions: u32,
    /// Matters by kind: complaint, denunciation, recommendation, reflection.
    pub matters_by_kind: [u32; 4],
}

/// Counts sessions held between `from` and `to` (inclusive).
pub fn figures(sessions: &[Session], from: Date, to: Date) -> ReceptionFigures {
    let mut f = ReceptionFigures::default();
    for s in sessions
        .iter()
        .filter(|s| s.held_on >= from && s.held_on <= to)
    {
        match (s.kind, s.host) {
            (SessionKind::Regular, _) | (_, HostMode::Office) => f.regular.add(s),
            (_, HostMode::HeadInPerson) => f.head_in_person.add(s),
            (_, HostMode::Delegated) => f.delegated.add(s),
        }
        if s.kind == SessionKind::AdHoc {
            f.ad_hoc_sessions += 1;
        }
        for m in s.visits.iter().flat_map(|v| &v.matters) {
            let i = PetitionKind::ALL
                .iter()
                .position(|k| *k == m.kind)
                .expect("every kind is listed");
            f.matters_by_kind[i] += 1;
        }
    }
    f.total = f.regular.plus(&f.head_in_person).plus(&f.delegated);
    f
}

/// How often the head of a unit must receive citizens in person (Law on
/// Citizen Reception 2013, art. 12–15): commune chairs at least one day a
/// week, provincial chairs and heads of agencies at least one day a month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Frequency {
    /// At least one day in every ISO week.
    Weekly,
    /// At least one day in every month.
    Monthly,
}

/// A head's planned reception days.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Schedule {
    /// The head's title, e.g. "Chủ tịch UBND xã".
    pub head: String,
    /// How often.
    pub frequency: ScheduleFrequency,
}

/// When a head receives citizens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "every", rename_all = "snake_case")]
pub enum ScheduleFrequency {
    /// Every week on a weekday (1 = Monday … 7 = Sunday).
    Week {
        /// ISO weekday number.
        weekday: u8,
    },
    /// Every month on a day of the month (the next working day if it is off).
    Month {
        /// Day of the month, 1–28.
        day: u8,
    },
}

/// A schedule as a client sends it.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ScheduleInput {
    /// The head's title.
    pub head: Option<String>,
    /// `weekly` or `monthly`.
    pub frequency: Option<String>,
    /// For weekly: 1 = Monday … 5 = Friday.
    pub weekday: Option<u8>,
    /// For monthly: 1–28.
    pub day: Option<u8>,
}

impl ScheduleInput {
    /// Validates a schedule for a kind of unit: it must be at least as often
    /// as the law requires of that unit's head.
    pub fn parse(&self, unit: UnitKind) -> Result<Schedule, ValidationErrors> {
        let mut errs = ValidationErrors::new();
        let head = required_text(&mut errs, "head", self.head.as_deref().unwrap_or(""), 200);
        let frequency = match self.frequency.as_deref().map(str::trim) {
            Some("weekly") => match self.weekday {
                Some(w @ 1..=5) => Some(ScheduleFrequency::Week { weekday: w }),
                _ => {
                    errs.add("weekday", "weekday", "must be 1 (Monday) to 5 (Friday)");
                    None
                }
            },
            Some("monthly") => match self.day {
                Some(d @ 1..=28) => Some(ScheduleFrequency::Month { day: d }),
                _ => {
                    errs.add("day", "day_of_month", "must be 1 to 28");
                    None
                }
            },
            Some(_) => {
                errs.add(
                    "frequency",
                    "unknown_value",
                    "must be one of: weekly, monthly",
                );
                None
            }
            None => {
                errs.add("frequency", "required", "must not be empty");
                None
            }
        };
        if matches!(frequency, Some(ScheduleFrequency::Month { .. }))
            && statutory_frequency(unit) == Frequency::Weekly
        {
            errs.add(
                "frequency",
                "below_statutory",
                "a commune chair receives citizens at least one day a week (Law on Citizen Reception 2013, art. 15)",
            );
        }
        let Some(frequency) = frequency else {
            return Err(errs);
        };
        errs.into_result(Schedule { head, frequency })
    }
}

/// The statutory frequency for a kind of unit.
pub fn statutory_frequency(kind: UnitKind) -> Frequency {
    match kind {
        UnitKind::Commune => Frequency::Weekly,
        _ => Frequency::Monthly,
    }
}

/// A week or month in which the head did not receive citizens as required.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ScheduleGap {
    /// First day of the period missed.
    pub from: Date,
    /// Last day of the period missed.
    pub to: Date,
}

/// The periods between `from` and `to` (whole weeks or months only) with no
/// periodic session held by the head in person. A week entirely off work
/// (e.g. Tết) is not counted as missed.
pub fn schedule_gaps(
    sessions: &[Session],
    freq: Frequency,
    from: Date,
    to: Date,
    cal: &Calendar,
) -> Vec<ScheduleGap> {
    let held = |a: Date, b: Date| {
        sessions.iter().any(|s| {
            s.kind == SessionKind::Periodic
                && s.host == HostMode::HeadInPerson
                && s.held_on >= a
                && s.held_on <= b
        })
    };
    let mut gaps = Vec::new();
    let mut start = match freq {
        Frequency::Weekly => {
            let mut d = from;
            while d.weekday() != Weekday::Monday {
                d = d.tomorrow().expect("in range");
            }
            d
        }
        Frequency::Monthly => {
            if from.day() == 1 {
                from
            } else {
                from.last_of_month().tomorrow().expect("in range")
            }
        }
    };
    loop {
        let end = match freq {
            Frequency::Weekly => start
                .checked_add(jiff::Span::new().days(6))
                .expect("in range"),
            Frequency::Monthly => start.last_of_month(),
        };
        if end > to {
            break;
        }
        let mut any_working = false;
        let mut d = start;
        while d <= end {
            any_working |= cal.is_working_day(d);
            d = d.tomorrow().expect("in range");
        }
        if any_working && !held(start, end) {
            gaps.push(ScheduleGap {
                from: start,
                to: end,
            });
        }
        start = end.tomorrow().expect("in range");
    }
    gaps
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn visit(people: u32, first: &[PetitionKind], repeat: &[PetitionKind]) -> Visit {
        let mut matters: Vec<RaisedMatter> = first
            .iter()
            .map(|k| RaisedMatter {
                kind: *k,
                repeat: false,
            })
            .collect();
        matters.extend(repeat.iter().map(|k| RaisedMatter {
            kind: *k,
            repeat: true,
        }));
        Visit {
            people,
            delegation: people >= DELEGATION_FROM,
            representatives: if people >= DELEGATION_FROM { 2 } else { 0 },
            matters,
            outcome: VisitOutcome::AnsweredOnSpot,
        }
    }

    /// A fixed data set whose figures were counted by hand.
    fn fixed() -> Vec<Session> {
        use PetitionKind::*;
        vec![
            // Regular reception, two days.
            Session {
                held_on: date(2026, 3, 2),
                kind: SessionKind::Regular,
                host: HostMode::Office,
                visits: vec![
                    visit(1, &[Complaint], &[]),
                    visit(2, &[Reflection], &[Complaint]),
                ],
            },
            Session {
                held_on: date(2026, 3, 3),
                kind: SessionKind::Regular,
                host: HostMode::Office,
                visits: vec![
                    visit(12, &[Complaint], &[]), // a delegation of 12
                ],
            },
            // The head's periodic day in person.
            Session {
                held_on: date(2026, 3, 10),
                kind: SessionKind::Periodic,
                host: HostMode::HeadInPerson,
                visits: vec![
                    visit(1, &[Denunciation], &[]),
                    visit(6, &[], &[Complaint, Recommendation]), // a delegation of 6, two repeat matters
                ],
            },
            // Ad hoc, delegated.
            Session {
                held_on: date(2026, 3, 20),
                kind: SessionKind::AdHoc,
                host: HostMode::Delegated,
                visits: vec![visit(30, &[Complaint], &[])],
            },
            // Outside the period.
            Session {
                held_on: date(2026, 4, 1),
                kind: SessionKind::Regular,
                host: HostMode::Office,
                visits: vec![visit(1, &[Complaint], &[])],
            },
        ]
    }

    #[test]
    fn form_01_tcd_figures_match_the_hand_count() {
        let f = figures(&fixed(), date(2026, 3, 1), date(2026, 3, 31));
        assert_eq!(
            f.regular,
            ReceptionRow {
                sessions: 2,
                visits: 3,
                people: 15,
                matters_first: 3,
                matters_repeat: 1,
                delegations: 1,
                delegation_people: 12,
                delegation_matters_first: 1,
                delegation_matters_repeat: 0,
            }
        );
        assert_eq!(
            f.head_in_person,
            ReceptionRow {
                sessions: 1,
                visits: 2,
                people: 7,
                matters_first: 1,
                matters_repeat: 2,
                delegations: 1,
                delegation_people: 6,
                delegation_matters_first: 0,
                delegation_matters_repeat: 2,
            }
        );
        assert_eq!(
            f.delegated,
            ReceptionRow {
                sessions: 1,
                visits: 1,
                people: 30,
                matters_first: 1,
                matters_repeat: 0,
                delegations: 1,
                delegation_people: 30,
                delegation_matters_first: 1,
                delegation_matters_repeat: 0,
            }
        );
        assert_eq!(f.total.people, 52);
        assert_eq!(f.total.visits, 6);
        assert_eq!(f.total.delegations, 3);
        assert_eq!(f.ad_hoc_sessions, 1);
        // complaint, denunciation, recommendation, reflection
        assert_eq!(f.matters_by_kind, [5, 1, 1, 1]);
        // Column arithmetic: total = regular + head in person + delegated.
        assert_eq!(
            f.total,
            f.regular.plus(&f.head_in_person).plus(&f.delegated)
        );
    }

    #[test]
    fn a_commune_chair_who_skips_a_week_is_flagged() {
        let sessions = vec![
            Session {
                held_on: date(2026, 3, 3),
                kind: SessionKind::Periodic,
                host: HostMode::HeadInPerson,
                visits: vec![],
            },
            Session {
                held_on: date(2026, 3, 17),
                kind: SessionKind::Periodic,
                host: HostMode::HeadInPerson,
                visits: vec![],
            },
            // Delegated: does not count as the chair in person.
            Session {
                held_on: date(2026, 3, 11),
                kind: SessionKind::Periodic,
                host: HostMode::Delegated,
                visits: vec![],
            },
        ];
        let gaps = schedule_gaps(
            &sessions,
            Frequency::Weekly,
            date(2026, 3, 1),
            date(2026, 3, 22),
            &Calendar::new(),
        );
        assert_eq!(
            gaps,
            vec![ScheduleGap {
                from: date(2026, 3, 9),
                to: date(2026, 3, 15)
            }]
        );
    }

    #[test]
    fn tet_week_is_not_a_missed_week() {
        // 16–20 February 2026 is Tết: no working day that week.
        let gaps = schedule_gaps(
            &[],
            Frequency::Weekly,
            date(2026, 2, 16),
            date(2026, 2, 22),
            &Calendar::new(),
        );
        assert!(gaps.is_empty());
    }

    #[test]
    fn a_province_chair_must_receive_monthly() {
        assert_eq!(statutory_frequency(UnitKind::Province), Frequency::Monthly);
        assert_eq!(statutory_frequency(UnitKind::Commune), Frequency::Weekly);
        let sessions = vec![Session {
            held_on: date(2026, 1, 15),
            kind: SessionKind::Periodic,
            host: HostMode::HeadInPerson,
            visits: vec![],
        }];
        let gaps = schedule_gaps(
            &sessions,
            Frequency::Monthly,
            date(2026, 1, 1),
            date(2026, 3, 31),
            &Calendar::new(),
        );
        assert_eq!(
            gaps.iter().map(|g| g.from).collect::<Vec<_>>(),
            vec![date(2026, 2, 1), date(2026, 3, 1)]
        );
    }

    #[test]
    fn a_commune_may_not_schedule_monthly_receptions() {
        let monthly = ScheduleInput {
            head: Some("Chủ tịch UBND xã".into()),
            frequency: Some("monthly".into()),
            day: Some(10),
            weekday: None,
        };
        let e = monthly.parse(UnitKind::Commune).unwrap_err();
        assert_eq!(e.errors[0].rule, "below_statutory");
        assert_eq!(
            monthly.parse(UnitKind::Province).unwrap().frequency,
            ScheduleFrequency::Month { day: 10 }
        );
        let weekly = ScheduleInput {
            head: Some("Chủ tịch UBND xã".into()),
            frequency: Some("weekly".into()),
            weekday: Some(4),
            day: None,
        };
        assert_eq!(
            weekly.parse(UnitKind::Commune).unwrap().frequency,
            ScheduleFrequency::Week { weekday: 4 }
        );
        let bad = ScheduleInput {
            frequency: Some("weekly".into()),
            weekday: Some(6),
            ..Default::default()
        };
        let fields: Vec<_> = bad
            .parse(UnitKind::Commune)
            .unwrap_err()
            .errors
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, vec!["head", "weekday"]);
    }

    #[test]
    fn session_input_names_broken_rules() {
        let i = SessionInput {
            online: None,
            held_on: Some("2026-03-10".into()),
            kind: Some("regular".into()),
            host: Some("head_in_person".into()),
            host_name: Some("Chủ tịch UBND xã".into()),
            visits: vec![VisitInput {
                people: Some(12),
                representatives: Some(7),
                first_matters: vec!["gossip".into()],
                outcome: Some("guided".into()),
                ..Default::default()
            }],
        };
        let e = i.parse(date(2026, 11, 23)).unwrap_err();
        let got: Vec<(&str, &str)> = e
            .errors
            .iter()
            .map(|e| (e.field.as_str(), e.rule.as_str()))
            .collect();
        assert!(got.contains(&("host", "regular_is_office")), "{got:?}");
        assert!(
            got.contains(&("visits[0].representatives", "delegation_representatives")),
            "{got:?}"
        );
        assert!(
            got.contains(&("visits[0].first_matters[0]", "unknown_value")),
            "{got:?}"
        );
    }
}
