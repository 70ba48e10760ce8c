//! A steering committee's own work: its sessions and meetings, the
//! conclusions they issue, the directions in those conclusions, and the tasks
//! the directions give to agencies, followed up until the committee's
//! standing body accepts them as done.
//!
//! The follow-up loop of a task: the owner unit reports progress (with
//! evidence) and, when it has finished, reports it done; the standing body
//! accepts the report — the task is then done on the day it was reported —
//! or sends it back, and the owner goes on. A task is done on time when the
//! accepted report came no later than its due date; it is overdue while it
//! is open past its due date (a completion report made in time and waiting
//! for review does not make it overdue).
//!
//! Due dates are counted on the working-day calendar: a due date given as a
//! number of working days runs from the day the conclusion was issued, and a
//! due date that falls on a day off moves to the next working day (Civil
//! Code 2015, art. 148(5)).

use crate::calendar::Calendar;
use crate::unit::UnitCode;
use crate::validation::{
    optional_text, required_code, required_date, required_text, ValidationErrors,
};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

code_enum!(
    /// What kind of gathering a meeting is.
    MeetingKind {
        /// A session (phiên họp) of the steering committee itself.
        Session = "session",
        /// A meeting of the committee's standing body (Thường trực).
        Standing = "standing",
        /// A meeting of one of its working groups (tổ công tác).
        WorkingGroup = "working_group",
    }
);

code_enum!(
    /// What a session issued.
    ConclusionKind {
        /// A conclusion (kết luận) of the session.
        Conclusion = "conclusion",
        /// An announcement of the conclusion (thông báo kết luận).
        Announcement = "announcement",
        /// The year's key work programme (chương trình công tác trọng
        /// tâm), adopted by a session: its directions are the items.
        Programme = "programme",
    }
);

code_enum!(
    /// What a programme item (or any task) is.
    ItemKind {
        /// A key project (đề án) submitted upward.
        Project = "project",
        /// A report.
        Report = "report",
        /// An inspection (kiểm tra).
        Inspection = "inspection",
        /// A supervision (giám sát).
        Supervision = "supervision",
        /// A conference or review meeting.
        Conference = "conference",
        /// Anything else.
        Other = "other",
    }
);

code_enum!(
    /// Where a task is in its follow-up loop.
    TaskState {
        /// Given to its owner; nothing reported yet.
        Assigned = "assigned",
        /// The owner has reported progress, or a completion report was sent back.
        InProgress = "in_progress",
        /// The owner reports it done; the standing body has not yet decided.
        Reported = "reported",
        /// Accepted as done.
        Done = "done",
        /// Withdrawn by the committee.
        Cancelled = "cancelled",
    }
);

code_enum!(
    /// What can be done to a task.
    TaskAction {
        /// The owner reports progress.
        Progress = "progress",
        /// The owner reports the task done.
        ReportDone = "report_done",
        /// The standing body accepts the completion report.
        Accept = "accept",
        /// The standing body sends the completion report back.
        SendBack = "send_back",
        /// The committee moves the due date.
        Extend = "extend",
        /// The committee withdraws the task.
        Cancel = "cancel",
    }
);

impl TaskAction {
    /// Whether the owner unit takes this action (the others are the
    /// committee's standing body's).
    pub fn by_owner(self) -> bool {
        matches!(self, TaskAction::Progress | TaskAction::ReportDone)
    }

    /// Whether the action needs a note saying why or what (a progress
    /// report, a sending back, an extension, a withdrawal).
    pub fn needs_note(self) -> bool {
        !matches!(self, TaskAction::Accept | TaskAction::ReportDone)
    }
}

/// Working days before its due date from which an open task is "due soon".
pub const DUE_SOON_WORKING_DAYS: u32 = 5;

/// The most members a committee's meeting records.
pub const MAX_MEMBERS: u32 = 200;

/// The earliest day a meeting or conclusion is recorded with.
pub const EARLIEST: Date = Date::constant(1990, 1, 1);

/// The latest due date a task may have: ten years after its conclusion.
pub fn latest_due(issued: Date) -> Date {
    issued.saturating_add(jiff::Span::new().years(10))
}

/// A meeting as a client sends it.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MeetingInput {
    /// `session`, `standing` or `working_group`.
    pub kind: Option<String>,
    /// `YYYY-MM-DD`.
    pub held_on: Option<String>,
    /// Where it was held.
    pub place: Option<String>,
    /// Who chaired it (name and position).
    pub chair: Option<String>,
    /// How many members the body has.
    pub members_total: Option<u32>,
    /// The members present, by name.
    #[serde(default)]
    pub present: Vec<String>,
    /// The members excused, by name.
    #[serde(default)]
    pub excused: Vec<String>,
    /// Whether the minutes record the quorum the body's working rules set.
    pub quorum: Option<bool>,
    /// The agenda, in order.
    #[serde(default)]
    pub agenda: Vec<AgendaInput>,
    /// The minutes, as text.
    pub minutes: Option<String>,
}

/// An agenda item as a client sends it.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AgendaInput {
    /// What was discussed.
    pub title: Option<String>,
    /// The reference of a case or incident it concerns, if any.
    pub case: Option<String>,
}

/// A validated meeting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewMeeting {
    /// Its kind.
    pub kind: MeetingKind,
    /// The day it was held.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub held_on: Date,
    /// Where.
    pub place: String,
    /// Who chaired it.
    pub chair: String,
    /// How many members the body has.
    pub members_total: u32,
    /// The members present.
    pub present: Vec<String>,
    /// The members excused.
    pub excused: Vec<String>,
    /// Whether the quorum was met, as the minutes say.
    pub quorum: bool,
    /// The agenda, in order.
    pub agenda: Vec<AgendaItem>,
    /// The minutes.
    pub minutes: Option<String>,
}

/// An agenda item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AgendaItem {
    /// What was discussed.
    pub title: String,
    /// The case or incident it concerns (its reference), if any.
    pub case: Option<String>,
}

fn names(errs: &mut ValidationErrors, field: &str, given: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for (i, n) in given.iter().enumerate() {
        let n = required_text(errs, &format!("{field}[{i}]"), n, 200);
        if !n.is_empty() {
            out.push(n);
        }
    }
    out
}

impl MeetingInput {
    /// Checks the meeting; every broken rule, each naming its field.
    pub fn parse(&self, today: Date) -> Result<NewMeeting, ValidationErrors> {
        let mut errs = ValidationErrors::new();
        let kind = required_code::<MeetingKind>(&mut errs, "kind", self.kind.as_deref());
        let held_on = required_date(&mut errs, "held_on", self.held_on.as_deref());
        if held_on.is_some_and(|d| d > today) {
            errs.add("held_on", "not_in_future", "must not be after today");
        }
        if held_on.is_some_and(|d| d < EARLIEST) {
            errs.add("held_on", "too_old", "must not be before 1990-01-01");
        }
        let place = required_text(&mut errs, "place", self.place.as_deref().unwrap_or(""), 200);
        let chair = required_text(&mut errs, "chair", self.chair.as_deref().unwrap_or(""), 200);
        let present = names(&mut errs, "present", &self.present);
        let excused = names(&mut errs, "excused", &self.excused);
        let members_total = match self.members_total {
            None => {
                errs.add("members_total", "required", "must not be empty");
                0
            }
            Some(n) if !(1..=MAX_MEMBERS).contains(&n) => {
                errs.add(
                    "members_total",
                    "range",
                    format!("must be between 1 and {MAX_MEMBERS}"),
                );
                n
            }
            Some(n) => n,
        };
        if members_total > 0 && present.len() + excused.len() > members_total as usize {
            errs.add(
                "present",
                "more_than_members",
                "the members present and excused must not outnumber the body's members",
            );
        }
        if present.is_empty() {
            errs.add(
                "present",
                "required",
                "must name at least one member present",
            );
        }
        let quorum = self.quorum.unwrap_or_else(|| {
            errs.add("quorum", "required", "must say whether the quorum was met");
            false
        });
        let mut agenda = Vec::new();
        for (i, a) in self.agenda.iter().enumerate() {
            let title = required_text(
                &mut errs,
                &format!("agenda[{i}].title"),
                a.title.as_deref().unwrap_or(""),
                500,
            );
            let case = optional_text(
                &mut errs,
                &format!("agenda[{i}].case"),
                a.case.as_deref(),
                64,
            );
            agenda.push(AgendaItem { title, case });
        }
        if self.agenda.len() > 100 {
            errs.add("agenda", "max_items", "must hold at most 100 items");
        }
        let minutes = optional_text(&mut errs, "minutes", self.minutes.as_deref(), 100_000);
        match (kind, held_on) {
            (Some(kind), Some(held_on)) if errs.is_empty() => Ok(NewMeeting {
                kind,
                held_on,
                place,
                chair,
                members_total,
                present,
                excused,
                quorum,
                agenda,
                minutes,
            }),
            _ => Err(errs),
        }
    }
}

/// When a task is due, as given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Due {
    /// On a date (moved to the next working day when it is a day off).
    On(Date),
    /// Within a number of working days of the conclusion's issue.
    WorkingDays(u32),
    /// Within a month (its last day).
    Month {
        /// The year.
        year: i16,
        /// The month, 1–12.
        month: i8,
    },
    /// Within a quarter (its last day).
    Quarter {
        /// The year.
        year: i16,
        /// The quarter, 1–4.
        quarter: i8,
    },
}

impl Due {
    /// Parses a period a task is due within: `YYYY-MM` (a month) or
    /// `YYYY-Qn` (a quarter).
    pub fn period(raw: &str) -> Option<Due> {
        let (y, rest) = raw.trim().split_once('-')?;
        let year: i16 = y.parse().ok().filter(|y| (1990..=2100).contains(y))?;
        if let Some(q) = rest.strip_prefix('Q').or_else(|| rest.strip_prefix('q')) {
            let quarter: i8 = q.parse().ok().filter(|q| (1..=4).contains(q))?;
            return Some(Due::Quarter { year, quarter });
        }
        let month: i8 = rest.parse().ok().filter(|m| (1..=12).contains(m))?;
        (rest.len() == 2).then_some(Due::Month { year, month })
    }

    /// The period as written (`2026-06`, `2026-Q2`), for a due date given so.
    pub fn label(self) -> Option<String> {
        match self {
            Due::Month { year, month } => Some(format!("{year}-{month:02}")),
            Due::Quarter { year, quarter } => Some(format!("{year}-Q{quarter}")),
            _ => None,
        }
    }
}

impl Due {
    /// The due date, for a conclusion issued on `issued`: a date that falls
    /// on a day off moves to the next working day (Civil Code 2015,
    /// art. 148(5)); working days run from the day after the issue.
    pub fn date(self, cal: &Calendar, issued: Date) -> Date {
        match self {
            Due::On(d) => cal.next_working_day_from(d),
            Due::WorkingDays(n) => cal.add_working_days(issued, n, |_| false),
            Due::Month { year, month } => cal.next_working_day_from(
                Date::new(year, month, 1).map_or(issued, |d| d.last_of_month()),
            ),
            Due::Quarter { year, quarter } => cal.next_working_day_from(
                Date::new(year, quarter * 3, 1).map_or(issued, |d| d.last_of_month()),
            ),
        }
    }
}

/// A task as a client sends it, inside a direction.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TaskInput {
    /// The code of the unit that owns the task.
    pub owner: Option<String>,
    /// The codes of the units that co-ordinate.
    #[serde(default)]
    pub coordinating: Vec<String>,
    /// What is to be done (default: the direction's text).
    pub title: Option<String>,
    /// Due on this day, `YYYY-MM-DD`…
    pub due_on: Option<String>,
    /// …or within this many working days of the conclusion's issue…
    pub due_working_days: Option<u32>,
    /// …or within a month (`YYYY-MM`) or a quarter (`YYYY-Qn`).
    pub due_period: Option<String>,
    /// What it is: `project`, `report`, `inspection`, `supervision`,
    /// `conference` or `other` (a programme's items say).
    pub kind: Option<String>,
    /// The reference of a case or incident the task concerns.
    pub case: Option<String>,
}

/// A direction as a client sends it.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DirectionInput {
    /// The direction's text.
    pub text: Option<String>,
    /// The tasks it gives.
    #[serde(default)]
    pub tasks: Vec<TaskInput>,
}

/// A conclusion as a client sends it.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConclusionInput {
    /// `conclusion` or `announcement`.
    pub kind: Option<String>,
    /// Its number, e.g. `12-KL/BCĐ`.
    pub number: Option<String>,
    /// `YYYY-MM-DD`.
    pub issued_on: Option<String>,
    /// What it concludes, in brief.
    pub summary: Option<String>,
    /// Its numbered directions, in order.
    #[serde(default)]
    pub directions: Vec<DirectionInput>,
    /// The inspection or supervision it concludes (its id), whose
    /// recommendations the directions are.
    pub inspection: Option<String>,
}

/// A validated task, before its units are looked up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTask {
    /// The owner unit's code.
    pub owner: UnitCode,
    /// The co-ordinating units' codes.
    pub coordinating: Vec<UnitCode>,
    /// What is to be done.
    pub title: String,
    /// When it is due, as given.
    pub due: Due,
    /// What it is, when said.
    pub kind: Option<ItemKind>,
    /// The case or incident it concerns (its reference).
    pub case: Option<String>,
}

/// A validated direction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDirection {
    /// Its text.
    pub text: String,
    /// Its tasks.
    pub tasks: Vec<NewTask>,
}

/// A validated conclusion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewConclusion {
    /// Its kind.
    pub kind: ConclusionKind,
    /// Its number.
    pub number: String,
    /// The day it was issued.
    pub issued_on: Date,
    /// Its summary.
    pub summary: String,
    /// Its directions, numbered from 1 in this order.
    pub directions: Vec<NewDirection>,
    /// The inspection or supervision it concludes.
    pub inspection: Option<uuid::Uuid>,
}

fn unit_code(errs: &mut ValidationErrors, field: &str, raw: &str) -> Option<UnitCode> {
    match UnitCode::parse(raw) {
        Ok(c) => Some(c),
        Err(e) => {
            errs.merge(ValidationErrors {
                errors: e
                    .errors
                    .into_iter()
                    .map(|mut fe| {
                        fe.field = field.to_owned();
                        fe
                    })
                    .collect(),
            });
            None
        }
    }
}

impl ConclusionInput {
    /// Checks the conclusion issued by a meeting held on `held_on`; every
    /// broken rule, each naming its field.
    pub fn parse(&self, held_on: Date, today: Date) -> Result<NewConclusion, ValidationErrors> {
        let mut errs = ValidationErrors::new();
        let kind = required_code::<ConclusionKind>(&mut errs, "kind", self.kind.as_deref());
        let number = required_text(
            &mut errs,
            "number",
            self.number.as_deref().unwrap_or(""),
            64,
        );
        let issued_on = required_date(&mut errs, "issued_on", self.issued_on.as_deref());
        match issued_on {
            Some(d) if d > today => {
                errs.add("issued_on", "not_in_future", "must not be after today")
            }
            Some(d) if d < EARLIEST => {
                errs.add("issued_on", "too_old", "must not be before 1990-01-01")
            }
            Some(d) if d < held_on => errs.add(
                "issued_on",
                "after_meeting",
                format!("must not be before the meeting, held on {held_on}"),
            ),
            _ => {}
        }
        let summary = required_text(
            &mut errs,
            "summary",
            self.summary.as_deref().unwrap_or(""),
            20_000,
        );
        if self.directions.is_empty() {
            errs.add("directions", "required", "must hold at least one direction");
        }
        if self.directions.len() > 100 {
            errs.add(
                "directions",
                "max_items",
                "must hold at most 100 directions",
            );
        }
        let mut directions = Vec::new();
        for (i, d) in self.directions.iter().enumerate() {
            let f = |name: &str| format!("directions[{i}].{name}");
            let text = required_text(
                &mut errs,
                &f("text"),
                d.text.as_deref().unwrap_or(""),
                5_000,
            );
            if d.tasks.len() > 50 {
                errs.add(&f("tasks"), "max_items", "must hold at most 50 tasks");
            }
            let mut tasks = Vec::new();
            for (j, t) in d.tasks.iter().enumerate() {
                let g = |name: &str| format!("directions[{i}].tasks[{j}].{name}");
                let owner = match t.owner.as_deref().map(str::trim).filter(|o| !o.is_empty()) {
                    None => {
                        errs.add(
                            &g("owner"),
                            "required",
                            "must name the unit that owns the task",
                        );
                        None
                    }
                    Some(o) => unit_code(&mut errs, &g("owner"), o),
                };
                let mut coordinating = Vec::new();
                for (k, c) in t.coordinating.iter().enumerate() {
                    if let Some(c) = unit_code(&mut errs, &format!("{}[{k}]", g("coordinating")), c)
                    {
                        if Some(&c) == owner.as_ref() {
                            errs.add(
                                &format!("{}[{k}]", g("coordinating")),
                                "not_owner",
                                "must not be the task's owner",
                            );
                        } else if !coordinating.contains(&c) {
                            coordinating.push(c);
                        }
                    }
                }
                let title = match optional_text(&mut errs, &g("title"), t.title.as_deref(), 2_000) {
                    Some(t) => t,
                    None => text.chars().take(2_000).collect(),
                };
                let given_on = t.due_on.as_deref().map(str::trim).filter(|d| !d.is_empty());
                let given_period = t
                    .due_period
                    .as_deref()
                    .map(str::trim)
                    .filter(|d| !d.is_empty());
                let given = [
                    given_on.is_some(),
                    t.due_working_days.is_some(),
                    given_period.is_some(),
                ]
                .iter()
                .filter(|g| **g)
                .count();
                let due = if given > 1 {
                    errs.add(
                        &g("due_on"),
                        "one_due",
                        "give one of a due date, a number of working days or a month or quarter",
                    );
                    None
                } else if let Some(d) = given_on {
                    match d.parse::<Date>() {
                        Ok(d) if issued_on.is_some_and(|i| d < i) => {
                            errs.add(
                                &g("due_on"),
                                "after_issue",
                                "must not be before the conclusion's issue",
                            );
                            None
                        }
                        Ok(d) if issued_on.is_some_and(|i| d > latest_due(i)) => {
                            errs.add(
                                &g("due_on"),
                                "range",
                                "must be within 10 years of the conclusion's issue",
                            );
                            None
                        }
                        Ok(d) => Some(Due::On(d)),
                        Err(_) => {
                            errs.add(
                                &g("due_on"),
                                "date_format",
                                "must be a date written YYYY-MM-DD",
                            );
                            None
                        }
                    }
                } else if let Some(n) = t.due_working_days {
                    if (1..=1_000).contains(&n) {
                        Some(Due::WorkingDays(n))
                    } else {
                        errs.add(
                            &g("due_working_days"),
                            "range",
                            "must be between 1 and 1000",
                        );
                        None
                    }
                } else if let Some(p) = given_period {
                    match Due::period(p) {
                        Some(due) => Some(due),
                        None => {
                            errs.add(
                                &g("due_period"),
                                "period_format",
                                "must be a month written YYYY-MM or a quarter written YYYY-Qn",
                            );
                            None
                        }
                    }
                } else {
                    errs.add(
                        &g("due_on"),
                        "required",
                        "must give a due date, a number of working days or a month or quarter",
                    );
                    None
                };
                let item_kind = crate::validation::optional_code::<ItemKind>(
                    &mut errs,
                    &g("kind"),
                    t.kind.as_deref(),
                );
                let case = optional_text(&mut errs, &g("case"), t.case.as_deref(), 64);
                if let (Some(owner), Some(due)) = (owner, due) {
                    tasks.push(NewTask {
                        owner,
                        coordinating,
                        title,
                        due,
                        kind: item_kind,
                        case,
                    });
                }
            }
            directions.push(NewDirection { text, tasks });
        }
        let inspection = match self
            .inspection
            .as_deref()
            .map(str::trim)
            .filter(|i| !i.is_empty())
        {
            None => None,
            Some(i) => match i.parse::<uuid::Uuid>() {
                Ok(u) => Some(u),
                Err(_) => {
                    errs.add("inspection", "unknown_value", "must be an inspection's id");
                    None
                }
            },
        };
        match (kind, issued_on) {
            (Some(kind), Some(issued_on)) if errs.is_empty() => Ok(NewConclusion {
                kind,
                number,
                issued_on,
                summary,
                directions,
                inspection,
            }),
            _ => Err(errs),
        }
    }
}

/// A task's follow-up as it stands: what the loop needs to decide a move
/// and what the figures count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TaskFacts {
    /// Where it is in the loop.
    pub state: TaskState,
    /// The day it was given.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub assigned_on: Date,
    /// The day it is due.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub due_on: Date,
    /// The day of the completion report now standing (reported or accepted).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Date))]
    pub reported_on: Option<Date>,
    /// The day it closed: done (the accepted report's day) or withdrawn.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Date))]
    pub closed_on: Option<Date>,
    /// The last day anything was recorded on it.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub last_on: Date,
}

/// A move in a task's follow-up loop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TaskMove {
    /// The owner reports progress.
    Progress,
    /// The owner reports the task done.
    ReportDone,
    /// The standing body accepts the completion report.
    Accept,
    /// The standing body sends it back.
    SendBack,
    /// The committee moves the due date to this day.
    Extend(Date),
    /// The committee withdraws the task.
    Cancel,
}

impl TaskMove {
    /// Which action this is.
    pub fn action(&self) -> TaskAction {
        match self {
            TaskMove::Progress => TaskAction::Progress,
            TaskMove::ReportDone => TaskAction::ReportDone,
            TaskMove::Accept => TaskAction::Accept,
            TaskMove::SendBack => TaskAction::SendBack,
            TaskMove::Extend(_) => TaskAction::Extend,
            TaskMove::Cancel => TaskAction::Cancel,
        }
    }
}

/// Why a move was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TaskError {
    /// The move is not possible from the task's state.
    #[error("cannot {action} a task that is {state}")]
    IllegalMove {
        /// The task's state.
        state: TaskState,
        /// The move tried.
        action: TaskAction,
    },
    /// The move is dated before the last thing recorded on the task.
    #[error("the date {on} is before the task's last recorded date {last}")]
    DateBeforeLast {
        /// The date given.
        on: Date,
        /// The task's last date.
        last: Date,
    },
    /// An extension that does not move the due date later.
    #[error("the new due date {to} is not after the current one, {due}")]
    NotLater {
        /// The date given.
        to: Date,
        /// The current due date.
        due: Date,
    },
}

impl TaskFacts {
    /// A task given on `assigned_on`, due on `due_on`.
    pub fn assigned(assigned_on: Date, due_on: Date) -> TaskFacts {
        TaskFacts {
            state: TaskState::Assigned,
            assigned_on,
            due_on,
            reported_on: None,
            closed_on: None,
            last_on: assigned_on,
        }
    }

    /// Whether an open task's due date differs from the target a committee
    /// set on the case it concerns (`target`, when there is one): the two
    /// should not drift apart.
    pub fn drifts_from(&self, target: Option<Date>) -> bool {
        self.is_open() && target.is_some_and(|d| d != self.due_on)
    }

    /// Whether the task is still open (not done, not withdrawn).
    pub fn is_open(&self) -> bool {
        !matches!(self.state, TaskState::Done | TaskState::Cancelled)
    }

    /// The facts after `m`, taken on `on`; the move's state and action when
    /// the loop does not allow it.
    pub fn apply(&self, m: &TaskMove, on: Date) -> Result<TaskFacts, TaskError> {
        use TaskState::*;
        let illegal = || TaskError::IllegalMove {
            state: self.state,
            action: m.action(),
        };
        if on < self.last_on {
            return Err(TaskError::DateBeforeLast {
                on,
                last: self.last_on,
            });
        }
        let mut next = TaskFacts {
            last_on: on,
            ..*self
        };
        match (m, self.state) {
            (TaskMove::Progress, Assigned | InProgress) => next.state = InProgress,
            (TaskMove::ReportDone, Assigned | InProgress) => {
                next.state = Reported;
                next.reported_on = Some(on);
            }
            (TaskMove::Accept, Reported) => {
                next.state = Done;
                next.closed_on = self.reported_on.or(Some(on));
            }
            (TaskMove::SendBack, Reported) => {
                next.state = InProgress;
                next.reported_on = None;
            }
            (TaskMove::Extend(to), Assigned | InProgress) => {
                if *to <= self.due_on {
                    return Err(TaskError::NotLater {
                        to: *to,
                        due: self.due_on,
                    });
                }
                next.due_on = *to;
            }
            (TaskMove::Cancel, Assigned | InProgress | Reported) => {
                next.state = Cancelled;
                next.closed_on = Some(on);
            }
            _ => return Err(illegal()),
        }
        Ok(next)
    }

    /// How the task stands on `today`.
    pub fn standing(&self, cal: &Calendar, today: Date) -> Standing {
        match self.state {
            TaskState::Done => match self.closed_on {
                Some(d) if d <= self.due_on => Standing::DoneOnTime,
                _ => Standing::DoneLate,
            },
            TaskState::Cancelled => Standing::Cancelled,
            TaskState::Reported if self.reported_on.is_some_and(|r| r <= self.due_on) => {
                Standing::AwaitingReview
            }
            _ if today > self.due_on => Standing::Overdue {
                days: (today - self.due_on).get_days().max(0) as u32,
            },
            TaskState::Reported => Standing::AwaitingReview,
            _ if cal.add_working_days(today, DUE_SOON_WORKING_DAYS, |_| false) >= self.due_on => {
                Standing::DueSoon
            }
            _ => Standing::OnTrack,
        }
    }
}

/// How a task stands on a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "standing", rename_all = "snake_case")]
pub enum Standing {
    /// Open, due later than [`DUE_SOON_WORKING_DAYS`] working days from now.
    OnTrack,
    /// Open, due within [`DUE_SOON_WORKING_DAYS`] working days.
    DueSoon,
    /// Open past its due date.
    Overdue {
        /// Days past the due date.
        days: u32,
    },
    /// Reported done in time; the standing body has not decided yet.
    AwaitingReview,
    /// Accepted, reported on or before the due date.
    DoneOnTime,
    /// Accepted, reported after the due date.
    DoneLate,
    /// Withdrawn.
    Cancelled,
}

impl Standing {
    /// The stable code (`on_track`, `due_soon`, `overdue`…).
    pub fn code(self) -> &'static str {
        match self {
            Standing::OnTrack => "on_track",
            Standing::DueSoon => "due_soon",
            Standing::Overdue { .. } => "overdue",
            Standing::AwaitingReview => "awaiting_review",
            Standing::DoneOnTime => "done_on_time",
            Standing::DoneLate => "done_late",
            Standing::Cancelled => "cancelled",
        }
    }
}

code_enum!(
    /// An inspection or supervision the committee runs.
    InspectionKind {
        /// A regular inspection, in the year's programme.
        Regular = "regular",
        /// A periodic inspection.
        Periodic = "periodic",
        /// An ad hoc inspection, when signs of wrongdoing appear.
        AdHoc = "ad_hoc",
        /// A thematic supervision (giám sát chuyên đề).
        ThematicSupervision = "thematic_supervision",
    }
);

impl InspectionKind {
    /// Whether it is a supervision rather than an inspection.
    pub fn is_supervision(self) -> bool {
        self == InspectionKind::ThematicSupervision
    }
}

/// An inspection or supervision as a client plans it.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InspectionInput {
    /// `regular`, `periodic`, `ad_hoc` or `thematic_supervision`.
    pub kind: Option<String>,
    /// What it looks at.
    pub title: Option<String>,
    /// The codes of the units inspected or supervised.
    #[serde(default)]
    pub subjects: Vec<String>,
    /// The team, by name (its head first).
    #[serde(default)]
    pub team: Vec<String>,
    /// First day, `YYYY-MM-DD`.
    pub from: Option<String>,
    /// Last day, `YYYY-MM-DD`.
    pub to: Option<String>,
}

/// A validated inspection plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewInspection {
    /// Its kind.
    pub kind: InspectionKind,
    /// What it looks at.
    pub title: String,
    /// The units inspected.
    pub subjects: Vec<UnitCode>,
    /// The team.
    pub team: Vec<String>,
    /// First day.
    pub from: Date,
    /// Last day.
    pub to: Date,
}

impl InspectionInput {
    /// Checks the plan; every broken rule, each naming its field.
    pub fn parse(&self) -> Result<NewInspection, ValidationErrors> {
        let mut errs = ValidationErrors::new();
        let kind = required_code::<InspectionKind>(&mut errs, "kind", self.kind.as_deref());
        let title = required_text(&mut errs, "title", self.title.as_deref().unwrap_or(""), 500);
        let mut subjects = Vec::new();
        for (i, c) in self.subjects.iter().enumerate() {
            if let Some(c) = unit_code(&mut errs, &format!("subjects[{i}]"), c) {
                if !subjects.contains(&c) {
                    subjects.push(c);
                }
            }
        }
        if self.subjects.is_empty() {
            errs.add("subjects", "required", "must name at least one unit");
        }
        let team = names(&mut errs, "team", &self.team);
        if team.is_empty() {
            errs.add("team", "required", "must name at least the team's head");
        }
        let period =
            crate::validation::required_period(&mut errs, self.from.as_deref(), self.to.as_deref());
        if period.is_some_and(|(f, _)| f < EARLIEST) {
            errs.add("from", "too_old", "must not be before 1990-01-01");
        }
        match (kind, period) {
            (Some(kind), Some((from, to))) if errs.is_empty() => Ok(NewInspection {
                kind,
                title,
                subjects,
                team,
                from,
                to,
            }),
            _ => Err(errs),
        }
    }
}

/// An inspection as the figures count it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InspectionFact {
    /// Its kind.
    pub kind: InspectionKind,
    /// Its first day.
    pub from: Date,
    /// The recommendations its conclusion made (its directions), and the
    /// day that conclusion was issued.
    pub recommendations: Option<(u32, Date)>,
}

/// Counts a period's inspections and supervisions (by their first day) and
/// the recommendations of the conclusions issued on them in it:
/// (inspections, supervisions, recommendations).
pub fn inspection_counts(facts: &[InspectionFact], from: Date, to: Date) -> (u32, u32, u32) {
    let within = |d: Date| d >= from && d <= to;
    let mut out = (0, 0, 0);
    for f in facts {
        if within(f.from) {
            if f.kind.is_supervision() {
                out.1 += 1;
            } else {
                out.0 += 1;
            }
        }
        if let Some((n, on)) = f.recommendations {
            if within(on) {
                out.2 += n;
            }
        }
    }
    out
}

impl ConclusionKind {
    /// Whether the figures count it among conclusions and announcements (a
    /// work programme is not one).
    pub fn counts_as_conclusion(self) -> bool {
        self != ConclusionKind::Programme
    }
}

/// A conclusion as the figures count it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConclusionFact {
    /// Its kind.
    pub kind: ConclusionKind,
    /// The day it was issued.
    pub issued_on: Date,
}

/// A meeting as the figures count it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MeetingFact {
    /// Its kind.
    pub kind: MeetingKind,
    /// The day it was held.
    pub held_on: Date,
}

/// The committee's activity figures over a period.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ActivityFigures {
    /// Sessions of the committee held in the period.
    pub sessions: u32,
    /// Meetings of its standing body and working groups held in the period.
    pub meetings: u32,
    /// Conclusions and announcements issued in the period.
    pub conclusions: u32,
    /// Tasks given in the period.
    pub tasks_assigned: u32,
    /// Tasks due in the period, due before it and still open at its start,
    /// or done within it.
    pub tasks_due: u32,
    /// Of those, done on time.
    pub done_on_time: u32,
    /// Of those, done after their due date but within the period.
    pub done_late: u32,
    /// Of those, open past their due date at the period's end.
    pub overdue: u32,
    /// Of those, reported done in time and waiting for review at the period's end.
    pub awaiting_review: u32,
    /// Share of the tasks due that were done on time, in per mille (of
    /// `tasks_due`); `None` when none was due.
    pub on_time_per_mille: Option<u32>,
    /// Inspections begun in the period.
    pub inspections: u32,
    /// Thematic supervisions begun in the period.
    pub supervisions: u32,
    /// Recommendations made by the conclusions on inspections and
    /// supervisions issued in the period (each followed up as a task).
    pub recommendations: u32,
}

/// Counts the activity of a period `from..=to`: the meetings held, the
/// conclusions and announcements issued (not work programmes) and the tasks, as they stand at
/// the period's end. A task counts among those due when its due date falls
/// in the period, or fell before it while the task was still open at the
/// period's start, or when it was done within the period (early); withdrawn
/// tasks are not counted as due.
pub fn activity(
    meetings: &[MeetingFact],
    conclusions: &[ConclusionFact],
    tasks: &[TaskFacts],
    from: Date,
    to: Date,
) -> ActivityFigures {
    let within = |d: Date| d >= from && d <= to;
    let mut f = ActivityFigures::default();
    for m in meetings.iter().filter(|m| within(m.held_on)) {
        match m.kind {
            MeetingKind::Session => f.sessions += 1,
            MeetingKind::Standing | MeetingKind::WorkingGroup => f.meetings += 1,
        }
    }
    f.conclusions = conclusions
        .iter()
        .filter(|c| c.kind.counts_as_conclusion() && within(c.issued_on))
        .count() as u32;
    for t in tasks {
        if within(t.assigned_on) {
            f.tasks_assigned += 1;
        }
        if t.state == TaskState::Cancelled && t.closed_on.is_some_and(|c| c <= to) {
            continue;
        }
        // Closed (done) by the period's end, on the day of the accepted report.
        let done_by_end = t.state == TaskState::Done && t.closed_on.is_some_and(|c| c <= to);
        let open_at_start = t.closed_on.is_none_or(|c| c >= from);
        let done_within = t.state == TaskState::Done && t.closed_on.is_some_and(within);
        let due = t.assigned_on <= to
            && ((t.due_on <= to && (within(t.due_on) || open_at_start)) || done_within);
        if !due {
            continue;
        }
        f.tasks_due += 1;
        let reported_in_time = t.reported_on.is_some_and(|r| r <= t.due_on && r <= to);
        if done_by_end {
            if t.closed_on.is_some_and(|c| c <= t.due_on) {
                f.done_on_time += 1;
            } else {
                f.done_late += 1;
            }
        } else if reported_in_time {
            f.awaiting_review += 1;
        } else {
            f.overdue += u32::from(t.due_on < to);
            // Due on the period's last day and still open: neither late nor done.
        }
    }
    f.on_time_per_mille = (f.tasks_due > 0).then(|| f.done_on_time * 1000 / f.tasks_due);
    f
}

impl ActivityFigures {
    /// Adds another unit's figures (a roll-up); the share is recomputed.
    pub fn add(&mut self, o: &ActivityFigures) {
        self.sessions += o.sessions;
        self.meetings += o.meetings;
        self.conclusions += o.conclusions;
        self.tasks_assigned += o.tasks_assigned;
        self.tasks_due += o.tasks_due;
        self.done_on_time += o.done_on_time;
        self.done_late += o.done_late;
        self.overdue += o.overdue;
        self.awaiting_review += o.awaiting_review;
        self.inspections += o.inspections;
        self.supervisions += o.supervisions;
        self.recommendations += o.recommendations;
        self.on_time_per_mille =
            (self.tasks_due > 0).then(|| self.done_on_time * 1000 / self.tasks_due);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn cal() -> Calendar {
        Calendar::computed()
    }

    #[test]
    fn every_move_outside_the_loop_names_the_state_and_the_action() {
        let t = TaskFacts::assigned(date(2026, 3, 2), date(2026, 3, 31));
        let e = t.apply(&TaskMove::Accept, date(2026, 3, 3)).unwrap_err();
        assert_eq!(e.to_string(), "cannot accept a task that is assigned");
        let done = t
            .apply(&TaskMove::ReportDone, date(2026, 3, 10))
            .and_then(|t| t.apply(&TaskMove::Accept, date(2026, 3, 12)))
            .unwrap();
        for m in [
            TaskMove::Progress,
            TaskMove::ReportDone,
            TaskMove::Accept,
            TaskMove::SendBack,
            TaskMove::Extend(date(2026, 5, 1)),
            TaskMove::Cancel,
        ] {
            let e = done.apply(&m, date(2026, 3, 13)).unwrap_err();
            assert_eq!(
                e,
                TaskError::IllegalMove {
                    state: TaskState::Done,
                    action: m.action()
                }
            );
        }
        let e = t.apply(&TaskMove::SendBack, date(2026, 3, 3)).unwrap_err();
        assert_eq!(e.to_string(), "cannot send_back a task that is assigned");
    }

    #[test]
    fn the_loop_sends_back_then_accepts_on_the_day_of_the_accepted_report() {
        let t = TaskFacts::assigned(date(2026, 3, 2), date(2026, 3, 31));
        let t = t.apply(&TaskMove::Progress, date(2026, 3, 9)).unwrap();
        assert_eq!(t.state, TaskState::InProgress);
        let t = t.apply(&TaskMove::ReportDone, date(2026, 3, 20)).unwrap();
        assert_eq!(
            (t.state, t.reported_on),
            (TaskState::Reported, Some(date(2026, 3, 20)))
        );
        let t = t.apply(&TaskMove::SendBack, date(2026, 3, 23)).unwrap();
        assert_eq!((t.state, t.reported_on), (TaskState::InProgress, None));
        let t = t.apply(&TaskMove::ReportDone, date(2026, 4, 2)).unwrap();
        let t = t.apply(&TaskMove::Accept, date(2026, 4, 6)).unwrap();
        assert_eq!(t.state, TaskState::Done);
        // Done on the day of the report that was accepted, after the due date.
        assert_eq!(t.closed_on, Some(date(2026, 4, 2)));
        assert_eq!(t.standing(&cal(), date(2026, 4, 6)), Standing::DoneLate);
    }

    #[test]
    fn a_move_dated_before_the_last_one_is_refused() {
        let t = TaskFacts::assigned(date(2026, 3, 2), date(2026, 3, 31));
        let t = t.apply(&TaskMove::Progress, date(2026, 3, 9)).unwrap();
        assert_eq!(
            t.apply(&TaskMove::ReportDone, date(2026, 3, 5)),
            Err(TaskError::DateBeforeLast {
                on: date(2026, 3, 5),
                last: date(2026, 3, 9)
            })
        );
    }

    #[test]
    fn an_extension_moves_the_due_date_later_only() {
        let t = TaskFacts::assigned(date(2026, 3, 2), date(2026, 3, 31));
        assert_eq!(
            t.apply(&TaskMove::Extend(date(2026, 3, 31)), date(2026, 3, 9)),
            Err(TaskError::NotLater {
                to: date(2026, 3, 31),
                due: date(2026, 3, 31)
            })
        );
        let t = t
            .apply(&TaskMove::Extend(date(2026, 4, 30)), date(2026, 3, 9))
            .unwrap();
        assert_eq!(
            (t.state, t.due_on),
            (TaskState::Assigned, date(2026, 4, 30))
        );
    }

    #[test]
    fn due_dates_run_on_working_days_and_skip_tet() {
        let c = cal();
        // Tết 2026 (lunar New Year on 17 February): a conclusion issued on
        // Friday 13 February 2026 with 5 working days: the days off of Tết
        // (16–20 February) and two weekends pass: 23, 24, 25, 26, 27
        // February, so the fifth working day is Friday 27 February.
        assert!(!c.is_working_day(date(2026, 2, 17)));
        assert_eq!(
            Due::WorkingDays(5).date(&c, date(2026, 2, 13)),
            date(2026, 2, 27)
        );
        // A date that falls on a Sunday moves to Monday.
        assert_eq!(
            Due::On(date(2026, 5, 31)).date(&c, date(2026, 5, 1)),
            date(2026, 6, 1)
        );
        // A working day stays.
        assert_eq!(
            Due::On(date(2026, 6, 30)).date(&c, date(2026, 5, 1)),
            date(2026, 6, 30)
        );
    }

    #[test]
    fn a_programme_item_is_due_by_the_end_of_its_month_or_quarter() {
        let c = cal();
        assert_eq!(
            Due::period("2026-Q2"),
            Some(Due::Quarter {
                year: 2026,
                quarter: 2
            })
        );
        // 30 June 2026 is a Tuesday.
        assert_eq!(
            Due::period("2026-Q2").unwrap().date(&c, date(2026, 1, 10)),
            date(2026, 6, 30)
        );
        // 31 October 2026 is a Saturday: the next working day, Monday 2
        // November (Civil Code 2015, art. 148(5)).
        assert_eq!(
            Due::period("2026-10").unwrap().date(&c, date(2026, 1, 10)),
            date(2026, 11, 2)
        );
        for bad in ["2026-13", "2026-Q5", "2026-6", "26-06", "2026", "2026-Q0"] {
            assert_eq!(Due::period(bad), None, "{bad}");
        }
        assert_eq!(
            Due::period("2026-06").unwrap().label().as_deref(),
            Some("2026-06")
        );
    }

    #[test]
    fn standing_says_overdue_due_soon_and_awaiting_review() {
        let c = cal();
        let t = TaskFacts::assigned(date(2026, 3, 2), date(2026, 3, 31));
        assert_eq!(t.standing(&c, date(2026, 3, 2)), Standing::OnTrack);
        // 24 March (Tue) + 5 working days = 31 March: due soon.
        assert_eq!(t.standing(&c, date(2026, 3, 24)), Standing::DueSoon);
        assert_eq!(t.standing(&c, date(2026, 3, 23)), Standing::OnTrack);
        assert_eq!(
            t.standing(&c, date(2026, 4, 3)),
            Standing::Overdue { days: 3 }
        );
        let r = t.apply(&TaskMove::ReportDone, date(2026, 3, 30)).unwrap();
        assert_eq!(r.standing(&c, date(2026, 4, 10)), Standing::AwaitingReview);
        let late = t.apply(&TaskMove::ReportDone, date(2026, 4, 2)).unwrap();
        assert_eq!(
            late.standing(&c, date(2026, 4, 10)),
            Standing::Overdue { days: 10 }
        );
    }

    fn meeting(kind: MeetingKind, d: Date) -> MeetingFact {
        MeetingFact { kind, held_on: d }
    }

    // A province's first quarter of 2026, counted by hand:
    // - meetings: sessions on 15 Jan and 20 Mar (2), standing meetings on
    //   5 Feb and 12 Mar and a working group on 25 Mar (3); a session on
    //   2 Apr is outside the quarter.
    // - conclusions issued 16 Jan, 23 Mar (2); one on 3 Apr is outside.
    // - tasks (assigned, due, what happened):
    //   a. 16 Jan, due 27 Feb, reported 20 Feb, accepted → due, on time
    //   b. 16 Jan, due 13 Mar, reported 18 Mar, accepted → due, late
    //   c. 16 Jan, due 20 Mar, nothing → due, overdue at 31 Mar
    //   d. 23 Mar, due 30 Apr → not due in the quarter
    //   e. 23 Mar, due 27 Mar, reported 26 Mar, not yet reviewed → due,
    //      awaiting review
    //   f. 10 Dec 2025, due 15 Dec 2025, reported 5 Jan, accepted → open
    //      at the quarter's start, due, done late
    //   g. 16 Jan, due 31 Mar, withdrawn 10 Feb → not counted as due
    //   h. 1 Oct 2025, due 30 Nov 2025, done on time 25 Nov → closed
    //      before the quarter: not due in it
    //   i. 2 Mar, due 30 Apr, reported 20 Mar, accepted 25 Mar → done
    //      early, within the quarter: counted, on time
    //
    //   assigned in the quarter: a, b, c, d, e, g, i = 7; due: a, b, c, e,
    //   f, i = 6; on time 2 (a, i), late 2 (b, f), overdue 1 (c), awaiting
    //   1 (e); share on time 2/6 = 333 per mille.
    #[test]
    fn activity_figures_of_a_quarter_counted_by_hand() {
        let q = (date(2026, 1, 1), date(2026, 3, 31));
        let meetings = [
            meeting(MeetingKind::Session, date(2026, 1, 15)),
            meeting(MeetingKind::Session, date(2026, 3, 20)),
            meeting(MeetingKind::Standing, date(2026, 2, 5)),
            meeting(MeetingKind::Standing, date(2026, 3, 12)),
            meeting(MeetingKind::WorkingGroup, date(2026, 3, 25)),
            meeting(MeetingKind::Session, date(2026, 4, 2)),
        ];
        let conclusions =
            [date(2026, 1, 16), date(2026, 3, 23), date(2026, 4, 3)].map(|d| ConclusionFact {
                kind: ConclusionKind::Conclusion,
                issued_on: d,
            });
        let done = |a: Date, due: Date, rep: Date, acc: Date| {
            TaskFacts::assigned(a, due)
                .apply(&TaskMove::ReportDone, rep)
                .and_then(|t| t.apply(&TaskMove::Accept, acc))
                .unwrap()
        };
        let tasks = [
            done(
                date(2026, 1, 16),
                date(2026, 2, 27),
                date(2026, 2, 20),
                date(2026, 2, 23),
            ),
            done(
                date(2026, 1, 16),
                date(2026, 3, 13),
                date(2026, 3, 18),
                date(2026, 3, 19),
            ),
            TaskFacts::assigned(date(2026, 1, 16), date(2026, 3, 20)),
            TaskFacts::assigned(date(2026, 3, 23), date(2026, 4, 30)),
            TaskFacts::assigned(date(2026, 3, 23), date(2026, 3, 27))
                .apply(&TaskMove::ReportDone, date(2026, 3, 26))
                .unwrap(),
            done(
                date(2025, 12, 10),
                date(2025, 12, 15),
                date(2026, 1, 5),
                date(2026, 1, 6),
            ),
            TaskFacts::assigned(date(2026, 1, 16), date(2026, 3, 31))
                .apply(&TaskMove::Cancel, date(2026, 2, 10))
                .unwrap(),
            done(
                date(2025, 10, 1),
                date(2025, 11, 30),
                date(2025, 11, 25),
                date(2025, 11, 26),
            ),
            done(
                date(2026, 3, 2),
                date(2026, 4, 30),
                date(2026, 3, 20),
                date(2026, 3, 25),
            ),
        ];
        let f = activity(&meetings, &conclusions, &tasks, q.0, q.1);
        assert_eq!(
            f,
            ActivityFigures {
                sessions: 2,
                meetings: 3,
                conclusions: 2,
                tasks_assigned: 7,
                tasks_due: 6,
                done_on_time: 2,
                done_late: 2,
                overdue: 1,
                awaiting_review: 1,
                on_time_per_mille: Some(333),
                ..Default::default()
            }
        );
    }

    #[test]
    fn inspections_supervisions_and_their_recommendations_counted_by_hand() {
        // A regular inspection begun 10 Feb whose conclusion (3
        // recommendations) was issued 20 Apr; a thematic supervision begun
        // 1 Mar, concluded 30 Mar with 2; an ad hoc inspection begun 28 Dec
        // 2025, concluded 15 Jan with 4. First quarter of 2026: 1
        // inspection, 1 supervision, 2 + 4 = 6 recommendations.
        let facts = [
            InspectionFact {
                kind: InspectionKind::Regular,
                from: date(2026, 2, 10),
                recommendations: Some((3, date(2026, 4, 20))),
            },
            InspectionFact {
                kind: InspectionKind::ThematicSupervision,
                from: date(2026, 3, 1),
                recommendations: Some((2, date(2026, 3, 30))),
            },
            InspectionFact {
                kind: InspectionKind::AdHoc,
                from: date(2025, 12, 28),
                recommendations: Some((4, date(2026, 1, 15))),
            },
        ];
        assert_eq!(
            inspection_counts(&facts, date(2026, 1, 1), date(2026, 3, 31)),
            (1, 1, 6)
        );
    }

    #[test]
    fn a_conclusion_names_each_broken_rule() {
        let input = ConclusionInput {
            kind: Some("verdict".into()),
            number: Some("".into()),
            issued_on: Some("2026-03-01".into()),
            summary: Some("Kết luận phiên họp".into()),
            directions: vec![DirectionInput {
                text: Some("Đẩy nhanh điều tra vụ án".into()),
                tasks: vec![
                    TaskInput {
                        owner: None,
                        due_working_days: Some(10),
                        ..Default::default()
                    },
                    TaskInput {
                        owner: Some("HNI-CA".into()),
                        coordinating: vec!["HNI-CA".into()],
                        due_on: Some("2026-04-30".into()),
                        due_working_days: Some(3),
                        ..Default::default()
                    },
                ],
            }],
            inspection: None,
        };
        let e = input
            .parse(date(2026, 3, 5), date(2026, 3, 10))
            .unwrap_err();
        let got: Vec<(&str, &str)> = e
            .errors
            .iter()
            .map(|e| (e.field.as_str(), e.rule.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("kind", "unknown_value"),
                ("number", "required"),
                ("issued_on", "after_meeting"),
                ("directions[0].tasks[0].owner", "required"),
                ("directions[0].tasks[1].coordinating[0]", "not_owner"),
                ("directions[0].tasks[1].due_on", "one_due"),
            ]
        );
    }

    #[test]
    fn a_task_without_a_title_takes_its_directions_text() {
        let input = ConclusionInput {
            kind: Some("conclusion".into()),
            number: Some("12-KL/BCĐ".into()),
            issued_on: Some("2026-03-06".into()),
            summary: Some("Kết luận".into()),
            directions: vec![DirectionInput {
                text: Some("Hoàn thành rà soát".into()),
                tasks: vec![TaskInput {
                    owner: Some("hni-tt".into()),
                    due_working_days: Some(10),
                    ..Default::default()
                }],
            }],
            inspection: None,
        };
        let c = input.parse(date(2026, 3, 5), date(2026, 3, 10)).unwrap();
        let t = &c.directions[0].tasks[0];
        assert_eq!(t.title, "Hoàn thành rà soát");
        assert_eq!(t.owner.as_str(), "HNI-TT");
        assert_eq!(t.due, Due::WorkingDays(10));
    }

    #[test]
    fn a_meeting_needs_its_members_to_add_up() {
        let input = MeetingInput {
            kind: Some("session".into()),
            held_on: Some("2026-03-05".into()),
            place: Some("Hà Nội".into()),
            chair: Some("Bí thư Tỉnh ủy".into()),
            members_total: Some(2),
            present: vec!["A".into(), "B".into()],
            excused: vec!["C".into()],
            quorum: None,
            ..Default::default()
        };
        let e = input.parse(date(2026, 3, 10)).unwrap_err();
        let rules: Vec<&str> = e.errors.iter().map(|e| e.rule.as_str()).collect();
        assert_eq!(rules, vec!["more_than_members", "required"]);
        assert_eq!(e.errors[1].field, "quorum");
    }
}
