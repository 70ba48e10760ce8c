//! The counting rules of the statistical reports, defined once.
//!
//! Every figure of every form is a [`Rule`]: either a count or sum over the
//! rows of one fact [`Source`] (letters, matters, reception visits, asset
//! events …) that satisfy a [`Cond`], or one of the case figures that
//! [`crate::case::count`] computes (cases and defendants are counted once
//! each, which no per-row rule can do).
//!
//! A [`Cond`] is data, not code, so that the same definition is evaluated
//! twice: here, on fact rows, by [`Cond::eval`] (which the property tests
//! use), and by the store, which renders it to SQL with [`Cond::to_sql`] and
//! lets the database aggregate a million rows. Both follow SQL's
//! three-valued logic — a comparison with NULL is unknown, and an unknown
//! condition does not count — so they agree row for row; a conformance test
//! checks that they do on both databases.

use jiff::civil::Date;
use serde::Serialize;
use std::fmt::Write as _;

/// A table of facts that figures are counted over. Each row belongs to one
/// unit: the one that registered it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// Letters (đơn), one row each.
    Letter,
    /// Matters (vụ việc), one row each.
    Matter,
    /// Reception sessions.
    Session,
    /// Visits received in reception sessions.
    Visit,
    /// Asset events of cases.
    Asset,
    /// Placements of cases under a committee's monitoring (attributed to
    /// the committee).
    Monitoring,
    /// Milestone targets of monitored cases (attributed to the committee).
    Target,
    /// Party, administrative and criminal sanctions.
    Sanction,
}

impl Source {
    /// Every source.
    pub const ALL: &'static [Source] = &[
        Source::Letter,
        Source::Matter,
        Source::Session,
        Source::Visit,
        Source::Asset,
        Source::Monitoring,
        Source::Target,
        Source::Sanction,
    ];

    /// Its columns, in the order fact rows carry them.
    pub fn columns(self) -> &'static [Col] {
        use Col::*;
        match self {
            Source::Letter => &[
                LetterReceived,
                LetterKinds,
                LetterChannel,
                LetterField,
                LetterCollective,
                LetterAnonymous,
                LetterProcessed,
                LetterEligible,
                LetterCompetent,
            ],
            Source::Matter => &[
                MatterKind,
                MatterField,
                MatterState,
                MatterReceived,
                MatterClassified,
                MatterEligible,
                MatterCompetent,
                MatterRound,
                MatterAccepted,
                MatterConcluded,
                MatterOutcome,
                MatterLate,
                MatterClosed,
                MatterDue,
            ],
            Source::Session => &[SessionHeld, SessionKind, SessionHost],
            Source::Visit => &[
                VisitHeld,
                VisitSessionKind,
                VisitHost,
                VisitPeople,
                VisitDelegation,
                VisitFirst,
                VisitRepeat,
                VisitMatters,
                VisitComplaints,
                VisitDenunciations,
                VisitRecommendations,
                VisitReflections,
            ],
            Source::Asset => &[AssetOn, AssetKind, AssetRoute, AssetVnd, AssetM2],
            Source::Monitoring => &[MonitoringAdded, MonitoringRemoved, MonitoringCaseKind],
            Source::Target => &[TargetDue, TargetMet, TargetRemoved],
            Source::Sanction => &[SanctionDecided, SanctionTrack, SanctionMeasure],
        }
    }
}

/// The type of a column's values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ty {
    /// A civil date.
    Date,
    /// A code.
    Text,
    /// A comma-separated list of codes.
    List,
    /// A boolean.
    Bool,
    /// An integer.
    Int,
}

macro_rules! columns {
    ($($(#[$doc:meta])* $variant:ident = ($source:ident, $name:literal, $ty:ident)),+ $(,)?) => {
        /// A column of a fact source.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Col {
            $($(#[$doc])* $variant),+
        }

        impl Col {
            /// The source the column belongs to.
            pub fn source(self) -> Source {
                match self { $(Col::$variant => Source::$source),+ }
            }
            /// The column's name, as the store's fact views name it.
            pub fn name(self) -> &'static str {
                match self { $(Col::$variant => $name),+ }
            }
            /// The type of its values.
            pub fn ty(self) -> Ty {
                match self { $(Col::$variant => Ty::$ty),+ }
            }
        }
    };
}

columns! {
    /// Day the letter was received.
    LetterReceived = (Letter, "received_on", Date),
    /// Kinds the letter holds.
    LetterKinds = (Letter, "kinds", List),
    /// Channel.
    LetterChannel = (Letter, "channel", Text),
    /// Field.
    LetterField = (Letter, "field_code", Text),
    /// Five or more signatories.
    LetterCollective = (Letter, "collective", Bool),
    /// Sent by nobody named.
    LetterAnonymous = (Letter, "anonymous", Bool),
    /// Day the last of its matters was classified, or its own day of receipt
    /// when it joined a matter classified before (the letter processed).
    LetterProcessed = (Letter, "processed_on", Date),
    /// At least one of its matters eligible.
    LetterEligible = (Letter, "eligible", Bool),
    /// At least one of its matters eligible and within competence.
    LetterCompetent = (Letter, "competent", Bool),
    /// Kind of the matter.
    MatterKind = (Matter, "kind", Text),
    /// Field.
    MatterField = (Matter, "field_code", Text),
    /// Workflow state now.
    MatterState = (Matter, "state", Text),
    /// Day its first letter was received.
    MatterReceived = (Matter, "received_on", Date),
    /// Day it was (last) classified.
    MatterClassified = (Matter, "classified_on", Date),
    /// Eligible.
    MatterEligible = (Matter, "eligible", Bool),
    /// Within competence.
    MatterCompetent = (Matter, "competent", Bool),
    /// Complaint round (1 or 2).
    MatterRound = (Matter, "round", Int),
    /// Day it was accepted for resolution.
    MatterAccepted = (Matter, "accepted_on", Date),
    /// Day it was concluded.
    MatterConcluded = (Matter, "concluded_on", Date),
    /// Outcome code.
    MatterOutcome = (Matter, "outcome", Text),
    /// Concluded after its deadline.
    MatterLate = (Matter, "late", Bool),
    /// Day it reached a final state (closed, filed, guided, withdrawn …).
    MatterClosed = (Matter, "closed_on", Date),
    /// The deadline running now.
    MatterDue = (Matter, "due_on", Date),
    /// Day the session was held.
    SessionHeld = (Session, "held_on", Date),
    /// Regular, periodic or ad hoc.
    SessionKind = (Session, "kind", Text),
    /// Office, head in person, or delegated.
    SessionHost = (Session, "host", Text),
    /// Day the visit's session was held.
    VisitHeld = (Visit, "held_on", Date),
    /// The session's kind.
    VisitSessionKind = (Visit, "session_kind", Text),
    /// The session's host.
    VisitHost = (Visit, "host", Text),
    /// People received.
    VisitPeople = (Visit, "people", Int),
    /// A delegation (đoàn đông người).
    VisitDelegation = (Visit, "delegation", Bool),
    /// Matters raised for the first time.
    VisitFirst = (Visit, "matters_first", Int),
    /// Matters raised again.
    VisitRepeat = (Visit, "matters_repeat", Int),
    /// Matters raised, first time or again.
    VisitMatters = (Visit, "matters", Int),
    /// Complaints raised.
    VisitComplaints = (Visit, "complaints", Int),
    /// Denunciations raised.
    VisitDenunciations = (Visit, "denunciations", Int),
    /// Recommendations raised.
    VisitRecommendations = (Visit, "recommendations", Int),
    /// Reflections raised.
    VisitReflections = (Visit, "reflections", Int),
    /// Day of the asset event.
    AssetOn = (Asset, "on_date", Date),
    /// Damage, to recover, seized, recovered.
    AssetKind = (Asset, "kind", Text),
    /// Inspection, investigation, court, enforcement.
    AssetRoute = (Asset, "route", Text),
    /// Money, VND.
    AssetVnd = (Asset, "amount_vnd", Int),
    /// Land, m².
    AssetM2 = (Asset, "land_m2", Int),
    /// Day the case was placed under monitoring.
    MonitoringAdded = (Monitoring, "added_on", Date),
    /// Day it was removed from the list.
    MonitoringRemoved = (Monitoring, "removed_on", Date),
    /// `case` or `incident`.
    MonitoringCaseKind = (Monitoring, "case_kind", Text),
    /// Day the target is due.
    TargetDue = (Target, "due_on", Date),
    /// Day it was met.
    TargetMet = (Target, "met_on", Date),
    /// Day its case left the monitored list.
    TargetRemoved = (Target, "removed_on", Date),
    /// Day the sanction was decided.
    SanctionDecided = (Sanction, "decided_on", Date),
    /// Party, administrative, criminal.
    SanctionTrack = (Sanction, "track", Text),
    /// Measure code.
    SanctionMeasure = (Sanction, "measure", Text),
}

/// A value of a fact row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Val {
    /// SQL NULL.
    Null,
    /// A date.
    Date(Date),
    /// A code, or a comma-separated list of codes.
    Text(String),
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i64),
}

/// A condition on a fact row, evaluated with SQL's three-valued logic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cond {
    /// Always true.
    True,
    /// The code equals.
    Is(Col, &'static str),
    /// The code is one of.
    In(Col, &'static [&'static str]),
    /// The list holds the code.
    Has(Col, &'static str),
    /// The boolean is true.
    Yes(Col),
    /// The boolean is false.
    No(Col),
    /// The integer equals.
    IntIs(Col, i64),
    /// The value is NULL.
    Null(Col),
    /// The date falls within the period.
    InPeriod(Col),
    /// The date is before the period's first day.
    Before(Col),
    /// The date is on or before the period's last day.
    ByEnd(Col),
    /// The date is after the period's last day.
    AfterEnd(Col),
    /// The date is before the period's last day.
    BeforeEnd(Col),
    /// All of them.
    And(Vec<Cond>),
    /// Any of them.
    Or(Vec<Cond>),
    /// Not.
    Not(Box<Cond>),
}

/// Shorthands to write rules compactly.
pub mod c {
    use super::{Col, Cond};
    /// All of.
    pub fn all(v: impl IntoIterator<Item = Cond>) -> Cond {
        Cond::And(v.into_iter().collect())
    }
    /// Any of.
    pub fn any(v: impl IntoIterator<Item = Cond>) -> Cond {
        Cond::Or(v.into_iter().collect())
    }
    /// Not.
    pub fn not(c: Cond) -> Cond {
        Cond::Not(Box::new(c))
    }
    /// Not yet by the period's start: NULL or on or after its first day.
    pub fn open_at_start(col: Col) -> Cond {
        any([Cond::Null(col), not(Cond::Before(col))])
    }
    /// Not yet by the period's end: NULL or after its last day.
    pub fn open_at_end(col: Col) -> Cond {
        any([Cond::Null(col), Cond::AfterEnd(col)])
    }
}

/// A period: its first and last days, inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    /// First day.
    pub from: Date,
    /// Last day.
    pub to: Date,
}

/// SQL's AND: false if any is false, else unknown if any is unknown.
fn and_all(values: impl Iterator<Item = Option<bool>>) -> Option<bool> {
    let mut unknown = false;
    for v in values {
        match v {
            Some(false) => return Some(false),
            None => unknown = true,
            Some(true) => {}
        }
    }
    if unknown {
        None
    } else {
        Some(true)
    }
}

/// SQL's OR: true if any is true, else unknown if any is unknown.
fn or_all(values: impl Iterator<Item = Option<bool>>) -> Option<bool> {
    let mut unknown = false;
    for v in values {
        match v {
            Some(true) => return Some(true),
            None => unknown = true,
            Some(false) => {}
        }
    }
    if unknown {
        None
    } else {
        Some(false)
    }
}

impl Cond {
    /// Evaluates on a fact row of `source` (values in [`Source::columns`]
    /// order). `None` is SQL's unknown.
    pub fn eval(&self, source: Source, row: &[Val], p: Span) -> Option<bool> {
        let get = |col: Col| -> &Val {
            let i = source
                .columns()
                .iter()
                .position(|c| *c == col)
                .unwrap_or_else(|| panic!("{col:?} is not a column of {source:?}"));
            &row[i]
        };
        let date = |col: Col| match get(col) {
            Val::Date(d) => Some(*d),
            _ => None,
        };
        match self {
            Cond::True => Some(true),
            Cond::Is(col, v) => match get(*col) {
                Val::Text(t) => Some(t == v),
                _ => None,
            },
            Cond::In(col, vs) => match get(*col) {
                Val::Text(t) => Some(vs.contains(&t.as_str())),
                _ => None,
            },
            Cond::Has(col, v) => match get(*col) {
                Val::Text(t) => Some(t.split(',').any(|k| k == *v)),
                _ => None,
            },
            Cond::Yes(col) => match get(*col) {
                Val::Bool(b) => Some(*b),
                _ => None,
            },
            Cond::No(col) => match get(*col) {
                Val::Bool(b) => Some(!*b),
                _ => None,
            },
            Cond::IntIs(col, v) => match get(*col) {
                Val::Int(i) => Some(i == v),
                _ => None,
            },
            Cond::Null(col) => Some(*get(*col) == Val::Null),
            Cond::InPeriod(col) => date(*col).map(|d| d >= p.from && d <= p.to),
            Cond::Before(col) => date(*col).map(|d| d < p.from),
            Cond::ByEnd(col) => date(*col).map(|d| d <= p.to),
            Cond::AfterEnd(col) => date(*col).map(|d| d > p.to),
            Cond::BeforeEnd(col) => date(*col).map(|d| d < p.to),
            Cond::And(v) => and_all(v.iter().map(|c| c.eval(source, row, p))),
            Cond::Or(v) => or_all(v.iter().map(|c| c.eval(source, row, p))),
            Cond::Not(c) => c.eval(source, row, p).map(|b| !b),
        }
    }

    /// Renders as a SQL boolean expression valid in SQLite and PostgreSQL.
    /// `col` gives each column's SQL expression. Codes and dates are
    /// inlined as literals: codes are compile-time constants of this crate
    /// (checked to be plain identifiers) and dates are printed by `jiff`, so
    /// nothing a user typed reaches the SQL.
    pub fn to_sql(&self, p: Span, col: &dyn Fn(Col) -> String) -> String {
        let mut s = String::new();
        self.write_sql(&mut s, p, col);
        s
    }

    fn write_sql(&self, s: &mut String, p: Span, col: &dyn Fn(Col) -> String) {
        let lit = |v: &str| {
            assert!(
                v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'),
                "code {v:?} is not a plain identifier"
            );
            format!("'{v}'")
        };
        match self {
            Cond::True => s.push_str("1 = 1"),
            Cond::Is(c, v) => {
                let _ = write!(s, "{} = {}", col(*c), lit(v));
            }
            Cond::In(c, vs) => {
                let list: Vec<String> = vs.iter().map(|v| lit(v)).collect();
                let _ = write!(s, "{} IN ({})", col(*c), list.join(", "));
            }
            Cond::Has(c, v) => {
                lit(v);
                let _ = write!(s, "(',' || {} || ',') LIKE '%,{v},%'", col(*c));
            }
            Cond::Yes(c) => {
                let _ = write!(s, "{} = TRUE", col(*c));
            }
            Cond::No(c) => {
                let _ = write!(s, "{} = FALSE", col(*c));
            }
            Cond::IntIs(c, v) => {
                let _ = write!(s, "{} = {v}", col(*c));
            }
            Cond::Null(c) => {
                let _ = write!(s, "{} IS NULL", col(*c));
            }
            Cond::InPeriod(c) => {
                let _ = write!(s, "({0} >= '{1}' AND {0} <= '{2}')", col(*c), p.from, p.to);
            }
            Cond::Before(c) => {
                let _ = write!(s, "{} < '{}'", col(*c), p.from);
            }
            Cond::ByEnd(c) => {
                let _ = write!(s, "{} <= '{}'", col(*c), p.to);
            }
            Cond::AfterEnd(c) => {
                let _ = write!(s, "{} > '{}'", col(*c), p.to);
            }
            Cond::BeforeEnd(c) => {
                let _ = write!(s, "{} < '{}'", col(*c), p.to);
            }
            Cond::And(v) | Cond::Or(v) => {
                if v.is_empty() {
                    s.push_str(if matches!(self, Cond::And(_)) {
                        "1 = 1"
                    } else {
                        "1 = 0"
                    });
                    return;
                }
                let op = if matches!(self, Cond::And(_)) {
                    " AND "
                } else {
                    " OR "
                };
                s.push('(');
                for (i, c) in v.iter().enumerate() {
                    if i > 0 {
                        s.push_str(op);
                    }
                    c.write_sql(s, p, col);
                }
                s.push(')');
            }
            Cond::Not(c) => {
                s.push_str("NOT (");
                c.write_sql(s, p, col);
                s.push(')');
            }
        }
    }

    /// Compiles into a [`Prog`] over numbered leaves: `leaf` numbers each
    /// leaf condition (anything but `And`, `Or`, `Not`, `True`), so that
    /// evaluating many rules over many rows tests each leaf once per row.
    pub fn compile(&self, leaf: &mut impl FnMut(&Cond) -> usize) -> Prog {
        match self {
            Cond::True => Prog::True,
            Cond::And(v) => Prog::And(v.iter().map(|c| c.compile(leaf)).collect()),
            Cond::Or(v) => Prog::Or(v.iter().map(|c| c.compile(leaf)).collect()),
            Cond::Not(c) => Prog::Not(Box::new(c.compile(leaf))),
            other => Prog::Leaf(leaf(other)),
        }
    }

    /// The columns it reads.
    pub fn columns(&self, out: &mut Vec<Col>) {
        match self {
            Cond::True => {}
            Cond::Is(c, _)
            | Cond::In(c, _)
            | Cond::Has(c, _)
            | Cond::Yes(c)
            | Cond::No(c)
            | Cond::IntIs(c, _)
            | Cond::Null(c)
            | Cond::InPeriod(c)
            | Cond::Before(c)
            | Cond::ByEnd(c)
            | Cond::AfterEnd(c)
            | Cond::BeforeEnd(c) => out.push(*c),
            Cond::And(v) | Cond::Or(v) => v.iter().for_each(|c| c.columns(out)),
            Cond::Not(c) => c.columns(out),
        }
    }
}

/// A condition compiled over numbered leaves ([`Cond::compile`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Prog {
    /// Always true.
    True,
    /// The value of leaf `i`.
    Leaf(usize),
    /// All of them.
    And(Vec<Prog>),
    /// Any of them.
    Or(Vec<Prog>),
    /// Not.
    Not(Box<Prog>),
}

impl Prog {
    /// Evaluates with SQL's three-valued logic, `leaf(i)` giving leaf `i`.
    pub fn eval(&self, leaf: &impl Fn(usize) -> Option<bool>) -> Option<bool> {
        match self {
            Prog::True => Some(true),
            Prog::Leaf(i) => leaf(*i),
            Prog::And(v) => and_all(v.iter().map(|p| p.eval(leaf))),
            Prog::Or(v) => or_all(v.iter().map(|p| p.eval(leaf))),
            Prog::Not(p) => p.eval(leaf).map(|b| !b),
        }
    }
}

/// What a rule adds up over the rows that satisfy its condition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    /// One per row.
    Count,
    /// The column's value (NULL adds nothing).
    Sum(Col),
}

/// The case figures a rule can take (from [`crate::case::count`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseCell {
    /// Cases newly prosecuted.
    NewCases,
    /// Their defendants.
    NewDefendants,
    /// Cases carried over.
    CarriedCases,
    /// Their defendants.
    CarriedDefendants,
    /// Cases handled (new + carried over).
    HandledCases,
    /// Their defendants.
    HandledDefendants,
    /// Cases with defendants added.
    AddedCases,
    /// Defendants added.
    AddedDefendants,
    /// Cases whose investigation was concluded.
    ConcludedCases,
    /// Their defendants.
    ConcludedDefendants,
    /// Cases indicted.
    IndictedCases,
    /// Their defendants.
    IndictedDefendants,
    /// Cases tried at first instance.
    TriedCases,
    /// Their defendants (bị cáo).
    TriedDefendants,
    /// Cases appealed.
    AppealedCases,
    /// Their defendants.
    AppealedDefendants,
}

impl CaseCell {
    /// The figure out of a period's case figures.
    pub fn of(self, f: &crate::case::CaseFigures) -> i64 {
        use CaseCell::*;
        let v = match self {
            NewCases => f.newly_prosecuted.cases,
            NewDefendants => f.newly_prosecuted.defendants,
            CarriedCases => f.carried_over.cases,
            CarriedDefendants => f.carried_over.defendants,
            HandledCases => f.handled.cases,
            HandledDefendants => f.handled.defendants,
            AddedCases => f.added.cases,
            AddedDefendants => f.added.defendants,
            ConcludedCases => f.investigation_concluded.cases,
            ConcludedDefendants => f.investigation_concluded.defendants,
            IndictedCases => f.indicted.cases,
            IndictedDefendants => f.indicted.defendants,
            TriedCases => f.tried_first_instance.cases,
            TriedDefendants => f.tried_first_instance.defendants,
            AppealedCases => f.appealed.cases,
            AppealedDefendants => f.appealed.defendants,
        };
        i64::from(v)
    }
}

/// How one column of a form is computed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rule {
    /// Over the rows of a fact source.
    Facts {
        /// The source.
        source: Source,
        /// What is added up.
        measure: Measure,
        /// Which rows.
        cond: Cond,
    },
    /// A case figure.
    Case(CaseCell),
}

impl Rule {
    /// The value this rule adds for one fact row (0 when the condition is
    /// not true).
    pub fn value_of(&self, source: Source, row: &[Val], p: Span) -> i64 {
        match self {
            Rule::Facts {
                source: s,
                measure,
                cond,
            } if *s == source => {
                if cond.eval(source, row, p) != Some(true) {
                    return 0;
                }
                match measure {
                    Measure::Count => 1,
                    Measure::Sum(col) => {
                        let i = source
                            .columns()
                            .iter()
                            .position(|c| c == col)
                            .expect("a column of the source");
                        match row[i] {
                            Val::Int(v) => v,
                            _ => 0,
                        }
                    }
                }
            }
            _ => 0,
        }
    }
}

/// One column of a form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    /// Stable code, used in JSON, CSV headers and translation keys.
    pub code: &'static str,
    /// How it is computed.
    pub rule: Rule,
}

/// One of a form's arithmetic checks: `total` equals the sum of `parts`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    /// The column that holds the total.
    pub total: &'static str,
    /// The columns that add up to it.
    pub parts: Vec<&'static str>,
}

/// A statistical form: its columns and its arithmetic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Form {
    /// Code, e.g. `01-TCD`.
    pub code: &'static str,
    /// The legal basis of its layout.
    pub basis: &'static str,
    /// Columns in order.
    pub columns: Vec<Column>,
    /// Arithmetic every row must satisfy.
    pub checks: Vec<Check>,
}

/// A broken arithmetic rule, naming the cell.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CheckFailure {
    /// The row (a unit code, or `total`).
    pub row: String,
    /// The total's column.
    pub column: String,
    /// Its value.
    pub value: i64,
    /// The sum of the parts.
    pub expected: i64,
    /// The rule, as `total = a + b`.
    pub rule: String,
}

impl std::fmt::Display for CheckFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "row {} column {}: {} but {} gives {}",
            self.row, self.column, self.value, self.rule, self.expected
        )
    }
}

impl Form {
    /// The index of a column.
    pub fn index(&self, code: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.code == code)
    }

    /// Checks one row's arithmetic.
    pub fn check_row(&self, row: &str, cells: &[i64]) -> Vec<CheckFailure> {
        let mut out = Vec::new();
        for ch in &self.checks {
            let at = |c: &str| cells[self.index(c).expect("checks name columns of the form")];
            let expected: i64 = ch.parts.iter().map(|p| at(p)).sum();
            let value = at(ch.total);
            if value != expected {
                out.push(CheckFailure {
                    row: row.to_owned(),
                    column: ch.total.to_owned(),
                    value,
                    expected,
                    rule: format!("{} = {}", ch.total, ch.parts.join(" + ")),
                });
            }
        }
        out
    }

    /// The sources its columns read.
    pub fn sources(&self) -> Vec<Source> {
        let mut v: Vec<Source> = self
            .columns
            .iter()
            .filter_map(|c| match &c.rule {
                Rule::Facts { source, .. } => Some(*source),
                Rule::Case(_) => None,
            })
            .collect();
        v.sort();
        v.dedup();
        v
    }

    /// Whether the form can be counted over a steering committee's
    /// monitored list: only one about cases (the anti-corruption form); a
    /// committee's list holds no petitions.
    pub fn counts_monitored_lists(&self) -> bool {
        self.needs_cases()
            && self.sources().iter().all(|s| {
                !matches!(
                    s,
                    Source::Letter | Source::Matter | Source::Session | Source::Visit
                )
            })
    }

    /// Whether a column needs the case figures.
    pub fn needs_cases(&self) -> bool {
        self.columns.iter().any(|c| matches!(c.rule, Rule::Case(_)))
    }
}

/// A report period, as `liem report --period` and the API take it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Period {
    /// What the user wrote, normalised (`2026-Q1`).
    pub label: String,
    /// First day.
    pub from: Date,
    /// Last day.
    pub to: Date,
}

/// The period syntax, for help texts.
pub const PERIOD_SYNTAX: &str = "YYYY (calendar year) | YYYY-Qn (quarter) | YYYY-H1, YYYY-H2 (half year) | \
YYYY-6M, YYYY-9M (first 6 or 9 months) | YYYY-MM (month) | YYYY-RY, YYYY-R6M, YYYY-R9M (reporting year \
from 15 December of the year before: whole, 6 or 9 months) | YYYY-MM-DD..YYYY-MM-DD (custom)";

fn ymd(y: i16, m: i8, d: i8) -> Option<Date> {
    Date::new(y, m, d).ok()
}

fn last_of(y: i16, m: i8) -> Option<Date> {
    ymd(y, m, 1).map(|d| d.last_of_month())
}

impl Period {
    /// Parses the period syntax ([`PERIOD_SYNTAX`]).
    pub fn parse(raw: &str) -> Result<Period, String> {
        let s = raw.trim().to_ascii_uppercase();
        let bad = || format!("period {raw:?} is not understood; use {PERIOD_SYNTAX}");
        if let Some((a, b)) = s.split_once("..") {
            let from: Date = a.trim().parse().map_err(|_| bad())?;
            let to: Date = b.trim().parse().map_err(|_| bad())?;
            if to < from {
                return Err(format!("period {raw:?} ends before it begins"));
            }
            if i32::from(to.year()) - i32::from(from.year()) > 10 {
                return Err(format!("period {raw:?} is longer than ten years"));
            }
            return Ok(Period {
                label: format!("{from}..{to}"),
                from,
                to,
            });
        }
        let (year, rest) = match s.split_once('-') {
            Some((y, r)) => (y, Some(r)),
            None => (s.as_str(), None),
        };
        if year.len() != 4 {
            return Err(bad());
        }
        let y: i16 = year.parse().map_err(|_| bad())?;
        if !(1990..=2100).contains(&y) {
            return Err(format!(
                "period {raw:?}: the year must be between 1990 and 2100"
            ));
        }
        let reporting_start = ymd(y - 1, 12, 15).ok_or_else(bad)?;
        let (from, to) = match rest {
            None => (ymd(y, 1, 1), ymd(y, 12, 31)),
            Some("Q1") => (ymd(y, 1, 1), last_of(y, 3)),
            Some("Q2") => (ymd(y, 4, 1), last_of(y, 6)),
            Some("Q3") => (ymd(y, 7, 1), last_of(y, 9)),
            Some("Q4") => (ymd(y, 10, 1), last_of(y, 12)),
            Some("H1") | Some("6M") => (ymd(y, 1, 1), last_of(y, 6)),
            Some("H2") => (ymd(y, 7, 1), last_of(y, 12)),
            Some("9M") => (ymd(y, 1, 1), last_of(y, 9)),
            Some("RY") => (Some(reporting_start), ymd(y, 12, 14)),
            Some("R6M") => (Some(reporting_start), ymd(y, 6, 14)),
            Some("R9M") => (Some(reporting_start), ymd(y, 9, 14)),
            Some(m) if m.len() == 2 && m.bytes().all(|b| b.is_ascii_digit()) => {
                let m: i8 = m.parse().map_err(|_| bad())?;
                if !(1..=12).contains(&m) {
                    return Err(bad());
                }
                (ymd(y, m, 1), last_of(y, m))
            }
            Some(_) => return Err(bad()),
        };
        let (Some(from), Some(to)) = (from, to) else {
            return Err(bad());
        };
        Ok(Period { label: s, from, to })
    }

    /// The same days one year earlier (29 February becomes the 28th).
    pub fn year_before(&self) -> Period {
        let back = |d: Date| {
            Date::new(d.year() - 1, d.month(), d.day())
                .unwrap_or_else(|_| Date::new(d.year() - 1, d.month(), 28).expect("valid"))
        };
        Period {
            label: format!("{}..{}", back(self.from), back(self.to)),
            from: back(self.from),
            to: back(self.to),
        }
    }

    /// The span.
    pub fn span(&self) -> Span {
        Span {
            from: self.from,
            to: self.to,
        }
    }

    /// The calendar months the period touches, each clipped to it.
    pub fn months(&self) -> Vec<Period> {
        let mut out = Vec::new();
        let mut first = self.from.first_of_month();
        while first <= self.to && out.len() < 240 {
            let from = first.max(self.from);
            let to = first.last_of_month().min(self.to);
            out.push(Period {
                label: format!("{:04}-{:02}", first.year(), first.month()),
                from,
                to,
            });
            first = first.last_of_month().tomorrow().expect("dates before 9999");
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn periods_parse_to_their_days() {
        let p = |s: &str| Period::parse(s).map(|p| (p.from, p.to));
        assert_eq!(p("2026"), Ok((date(2026, 1, 1), date(2026, 12, 31))));
        assert_eq!(p("2026-q2"), Ok((date(2026, 4, 1), date(2026, 6, 30))));
        assert_eq!(p("2026-H2"), Ok((date(2026, 7, 1), date(2026, 12, 31))));
        assert_eq!(p("2026-9M"), Ok((date(2026, 1, 1), date(2026, 9, 30))));
        assert_eq!(p("2024-02"), Ok((date(2024, 2, 1), date(2024, 2, 29))));
        assert_eq!(p("2026-RY"), Ok((date(2025, 12, 15), date(2026, 12, 14))));
        assert_eq!(p("2026-R6M"), Ok((date(2025, 12, 15), date(2026, 6, 14))));
        assert_eq!(
            p("2025-12-15..2026-12-14"),
            Ok((date(2025, 12, 15), date(2026, 12, 14)))
        );
        assert!(p("2026-Q5").unwrap_err().contains("not understood"));
        assert!(p("2026-13").is_err());
        assert!(p("2026-03-01..2026-02-01")
            .unwrap_err()
            .contains("ends before"));
        let leap = Period::parse("2024-02").unwrap().year_before();
        assert_eq!((leap.from, leap.to), (date(2023, 2, 1), date(2023, 2, 28)));
        let months = Period::parse("2025-12-15..2026-02-10").unwrap().months();
        let got: Vec<_> = months
            .iter()
            .map(|m| (m.label.as_str(), m.from, m.to))
            .collect();
        assert_eq!(
            got,
            vec![
                ("2025-12", date(2025, 12, 15), date(2025, 12, 31)),
                ("2026-01", date(2026, 1, 1), date(2026, 1, 31)),
                ("2026-02", date(2026, 2, 1), date(2026, 2, 10)),
            ]
        );
    }

    #[test]
    fn unknown_is_not_counted_and_matches_sql_logic() {
        let p = Period::parse("2026").unwrap().span();
        let src = Source::Target;
        let row = [Val::Date(date(2026, 3, 1)), Val::Null, Val::Null];
        // met_on NULL: "met before the start" is unknown, and so is its negation.
        assert_eq!(Cond::Before(Col::TargetMet).eval(src, &row, p), None);
        assert_eq!(
            Cond::Not(Box::new(Cond::Before(Col::TargetMet))).eval(src, &row, p),
            None
        );
        assert_eq!(
            c::open_at_start(Col::TargetMet).eval(src, &row, p),
            Some(true)
        );
        assert_eq!(
            c::all([Cond::InPeriod(Col::TargetDue), Cond::Null(Col::TargetMet)]).eval(src, &row, p),
            Some(true)
        );
        let sql = c::all([
            Cond::InPeriod(Col::TargetDue),
            Cond::Has(Col::LetterKinds, "complaint"),
        ])
        .to_sql(p, &|c| format!("t.{}", c.name()));
        assert_eq!(
            sql,
            "((t.due_on >= '2026-01-01' AND t.due_on <= '2026-12-31') AND (',' || t.kinds || ',') LIKE '%,complaint,%')"
        );
    }
}
