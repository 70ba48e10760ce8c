//! People and organisations: who they are, how they are linked, what role
//! they play in a case, the charges against them and the three separate
//! sanction tracks (Party discipline, administrative, criminal).

use crate::case::CrimeClass;
use crate::validation::{
    optional_code, optional_text, required_code, required_date, required_text, ValidationErrors,
};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

code_enum!(
    /// The level that manages an official (and decides their discipline).
    ManagedLevel {
        /// Managed by the Politburo or the Secretariat.
        Central = "central",
        /// Managed by a provincial Party committee.
        Province = "province",
        /// Managed at commune level.
        Commune = "commune",
        /// Not an official.
        None = "none",
    }
);

code_enum!(
    /// What kind of organisation.
    OrgKind {
        /// A company.
        Company = "company",
        /// A bank or credit institution.
        Bank = "bank",
        /// A state body or public service unit.
        StateBody = "state_body",
        /// Anything else (association, project board, …).
        Other = "other",
    }
);

code_enum!(
    /// How two parties are linked.
    LinkKind {
        /// Director, board member or manager of an organisation.
        DirectorOf = "director_of",
        /// Holds shares of a company.
        ShareholderOf = "shareholder_of",
        /// Works for an organisation.
        EmployedBy = "employed_by",
        /// Any other relation (family, associate, …).
        RelatedTo = "related_to",
    }
);

code_enum!(
    /// A party's role in a case.
    PartyRole {
        /// Suspected; named in a crime report (người bị tố giác).
        Suspect = "suspect",
        /// Prosecuted (bị can).
        Accused = "accused",
        /// On trial (bị cáo).
        Defendant = "defendant",
        /// Convicted by a final judgment.
        Convicted = "convicted",
        /// A witness.
        Witness = "witness",
        /// Has rights or obligations in the case (organisations that lost assets, …).
        Involved = "involved",
    }
);

code_enum!(
    /// The three sanction tracks, kept apart.
    SanctionTrack {
        /// Party discipline.
        Party = "party",
        /// Administrative discipline of an official.
        Administrative = "administrative",
        /// A criminal sentence.
        Criminal = "criminal",
    }
);

code_enum!(
    /// Sanction measures of every track.
    Measure {
        /// Party or administrative: reprimand (khiển trách).
        Reprimand = "reprimand",
        /// Party or administrative: warning (cảnh cáo).
        Warning = "warning",
        /// Party: removal from post (cách chức).
        RemovalFromPost = "removal_from_post",
        /// Party: expulsion (khai trừ).
        Expulsion = "expulsion",
        /// Party: dissolution of a Party organisation (giải tán).
        Dissolution = "dissolution",
        /// Administrative: demotion (giáng chức).
        Demotion = "demotion",
        /// Administrative: dismissal from post (cách chức).
        Dismissal = "dismissal",
        /// Administrative: forced resignation (buộc thôi việc).
        ForcedResignation = "forced_resignation",
        /// Criminal: a fine.
        Fine = "fine",
        /// Criminal: non-custodial reform (cải tạo không giam giữ).
        NonCustodialReform = "non_custodial_reform",
        /// Criminal: prison, suspended (án treo).
        SuspendedPrison = "suspended_prison",
        /// Criminal: prison for a term.
        Prison = "prison",
        /// Criminal: life imprisonment.
        LifeImprisonment = "life_imprisonment",
        /// Criminal: death.
        Death = "death",
    }
);

impl Measure {
    /// Whether the measure belongs to the track, for a person (`org` false)
    /// or an organisation.
    pub fn fits(self, track: SanctionTrack, org: bool) -> bool {
        use Measure::*;
        match track {
            SanctionTrack::Party if org => matches!(self, Reprimand | Warning | Dissolution),
            SanctionTrack::Party => {
                matches!(self, Reprimand | Warning | RemovalFromPost | Expulsion)
            }
            SanctionTrack::Administrative => {
                !org && matches!(
                    self,
                    Reprimand | Warning | Demotion | Dismissal | ForcedResignation
                )
            }
            // Penal Code art. 33 (persons), art. 74 (commercial legal persons: fines).
            SanctionTrack::Criminal if org => matches!(self, Fine),
            SanctionTrack::Criminal => matches!(
                self,
                Fine | NonCustodialReform | SuspendedPrison | Prison | LifeImprisonment | Death
            ),
        }
    }

    /// Whether the measure needs a term in months.
    pub fn needs_months(self) -> bool {
        matches!(
            self,
            Measure::Prison | Measure::SuspendedPrison | Measure::NonCustodialReform
        )
    }
}

impl PartyRole {
    /// Whether the role is one of a prosecuted person (bị can, bị cáo,
    /// convicted): counted as a defendant, and needing the day of prosecution.
    pub fn charged(self) -> bool {
        matches!(
            self,
            PartyRole::Accused | PartyRole::Defendant | PartyRole::Convicted
        )
    }
}

/// Whether a person prosecuted on `prosecuted_on` joins a case prosecuted on
/// `case_prosecuted` as an added defendant (khởi tố bổ sung): prosecuted
/// later than the case itself.
pub fn is_added(prosecuted_on: Option<Date>, case_prosecuted: Option<Date>) -> bool {
    matches!((prosecuted_on, case_prosecuted), (Some(p), Some(c)) if p > c)
}

/// A party's role in a case and the day they were prosecuted, checked
/// against the case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Standing {
    /// Role.
    pub role: PartyRole,
    /// Prosecuted on.
    pub prosecuted_on: Option<Date>,
    /// An added defendant.
    pub added: bool,
}

/// Validates a party's role and prosecution day for a case prosecuted on
/// `case_prosecuted` (if it was), recording broken rules in `e`.
pub fn standing(
    e: &mut ValidationErrors,
    role: Option<&str>,
    prosecuted_on: Option<&str>,
    case_prosecuted: Option<Date>,
    today: Date,
) -> Option<Standing> {
    let role = required_code::<PartyRole>(e, "role", role);
    let given = prosecuted_on.map(str::trim).filter(|s| !s.is_empty());
    let on = given.and_then(|_| required_date(e, "prosecuted_on", given));
    let charged = role.is_some_and(PartyRole::charged);
    if charged && given.is_none() {
        e.add(
            "prosecuted_on",
            "required",
            "an accused, defendant or convicted party needs the day of prosecution",
        );
    }
    if let (Some(p), Some(c)) = (on, case_prosecuted) {
        if p < c {
            e.add(
                "prosecuted_on",
                "after_case",
                "must not be before the case was prosecuted",
            );
        }
    }
    if on.is_some_and(|p| p > today) {
        e.add("prosecuted_on", "not_in_future", "must not be after today");
    }
    if charged && case_prosecuted.is_none() {
        e.add(
            "role",
            "case_not_prosecuted",
            "the case must be prosecuted before anyone in it",
        );
    }
    Some(Standing {
        role: role?,
        prosecuted_on: on,
        added: is_added(on, case_prosecuted),
    })
}

/// A person as a client sends it.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PersonInput {
    /// Full name.
    pub full_name: Option<String>,
    /// Year of birth.
    pub birth_year: Option<i32>,
    /// Citizen identity number (12 digits).
    pub id_number: Option<String>,
    /// Position held (e.g. "Giám đốc Sở Y tế").
    pub position: Option<String>,
    /// Where they work.
    pub workplace: Option<String>,
    /// The level that manages them.
    pub managed_level: Option<String>,
    /// A Party member.
    #[serde(default)]
    pub party_member: bool,
}

/// A validated person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Person {
    /// Full name.
    pub full_name: String,
    /// Year of birth.
    pub birth_year: Option<i32>,
    /// Identity number.
    pub id_number: Option<String>,
    /// Position.
    pub position: Option<String>,
    /// Workplace.
    pub workplace: Option<String>,
    /// Managing level.
    pub managed_level: ManagedLevel,
    /// Party member.
    pub party_member: bool,
}

impl PersonInput {
    /// Validates the fields.
    pub fn parse(&self, today: Date) -> Result<Person, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let full_name = required_text(
            &mut e,
            "full_name",
            self.full_name.as_deref().unwrap_or(""),
            200,
        );
        if let Some(y) = self.birth_year {
            if !(1900..=i32::from(today.year())).contains(&y) {
                e.add(
                    "birth_year",
                    "range",
                    format!("must be between 1900 and {}", today.year()),
                );
            }
        }
        let id_number = optional_text(&mut e, "id_number", self.id_number.as_deref(), 12);
        if let Some(n) = &id_number {
            if !(n.len() == 12 || n.len() == 9) || !n.bytes().all(|b| b.is_ascii_digit()) {
                e.add(
                    "id_number",
                    "id_number_format",
                    "must be a 12-digit citizen identity number (or a 9-digit old one)",
                );
            }
        }
        let position = optional_text(&mut e, "position", self.position.as_deref(), 300);
        let workplace = optional_text(&mut e, "workplace", self.workplace.as_deref(), 300);
        let managed_level =
            optional_code::<ManagedLevel>(&mut e, "managed_level", self.managed_level.as_deref())
                .unwrap_or(ManagedLevel::None);
        e.into_result(Person {
            full_name,
            birth_year: self.birth_year,
            id_number,
            position,
            workplace,
            managed_level,
            party_member: self.party_member,
        })
    }
}

/// An organisation as a client sends it.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrganisationInput {
    /// Name.
    pub name: Option<String>,
    /// `company`, `bank`, `state_body` or `other`.
    pub kind: Option<String>,
    /// Tax code (mã số thuế): 10 digits, or 10-3 for a branch.
    pub tax_code: Option<String>,
    /// Address.
    pub address: Option<String>,
}

/// A validated organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Organisation {
    /// Name.
    pub name: String,
    /// Kind.
    pub kind: OrgKind,
    /// Tax code.
    pub tax_code: Option<String>,
    /// Address.
    pub address: Option<String>,
}

/// Whether a tax code is 10 digits, or 10 digits, `-` and 3 digits.
pub fn valid_tax_code(code: &str) -> bool {
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    match code.split_once('-') {
        None => code.len() == 10 && digits(code),
        Some((a, b)) => a.len() == 10 && b.len() == 3 && digits(a) && digits(b),
    }
}

impl OrganisationInput {
    /// Validates the fields.
    pub fn parse(&self) -> Result<Organisation, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let name = required_text(&mut e, "name", self.name.as_deref().unwrap_or(""), 300);
        let kind = required_code::<OrgKind>(&mut e, "kind", self.kind.as_deref());
        let tax_code = optional_text(&mut e, "tax_code", self.tax_code.as_deref(), 14);
        if tax_code.as_deref().is_some_and(|t| !valid_tax_code(t)) {
            e.add(
                "tax_code",
                "tax_code_format",
                "must be 10 digits, or 10 digits, '-' and 3 digits",
            );
        }
        let address = optional_text(&mut e, "address", self.address.as_deref(), 500);
        match kind {
            Some(kind) if e.is_empty() => Ok(Organisation {
                name,
                kind,
                tax_code,
                address,
            }),
            _ => Err(e),
        }
    }
}

/// One end of a link: a person or an organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", content = "id", rename_all = "snake_case")]
pub enum PartyRef {
    /// A person.
    Person(uuid::Uuid),
    /// An organisation.
    Organisation(uuid::Uuid),
}

impl PartyRef {
    /// The id.
    pub fn id(self) -> uuid::Uuid {
        match self {
            PartyRef::Person(u) | PartyRef::Organisation(u) => u,
        }
    }
}

/// Checks that a link's kind fits its two ends: only organisations have
/// directors and employees, only companies and banks have shareholders,
/// only persons are employed.
pub fn check_link(
    kind: LinkKind,
    subject: PartyRef,
    object: PartyRef,
    object_kind: Option<OrgKind>,
) -> Result<(), ValidationErrors> {
    let mut e = ValidationErrors::new();
    if subject == object {
        e.add("object", "not_self", "a party cannot be linked to itself");
    }
    match kind {
        LinkKind::DirectorOf | LinkKind::EmployedBy => {
            if !matches!(object, PartyRef::Organisation(_)) {
                e.add("object", "organisation_required", "must be an organisation");
            }
            if kind == LinkKind::EmployedBy && !matches!(subject, PartyRef::Person(_)) {
                e.add("subject", "person_required", "must be a person");
            }
        }
        LinkKind::ShareholderOf => {
            if !matches!(object_kind, Some(OrgKind::Company | OrgKind::Bank)) {
                e.add("object", "company_required", "must be a company or a bank");
            }
        }
        LinkKind::RelatedTo => {}
    }
    e.into_result(())
}

/// A link's dates as a client sends them.
pub fn parse_period(
    e: &mut ValidationErrors,
    start: Option<&str>,
    end: Option<&str>,
) -> (Option<Date>, Option<Date>) {
    let mut date = |field: &str, v: Option<&str>| -> Option<Date> {
        let v = v.map(str::trim).filter(|v| !v.is_empty())?;
        match v.parse::<Date>() {
            Ok(d) => Some(d),
            Err(_) => {
                e.add(field, "date_format", "must be a date written YYYY-MM-DD");
                None
            }
        }
    };
    let s = date("start_date", start);
    let t = date("end_date", end);
    if let (Some(s), Some(t)) = (s, t) {
        if t < s {
            e.add("end_date", "after_start", "must not be before start_date");
        }
    }
    (s, t)
}

/// A charge as a client sends it.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChargeInput {
    /// Penal Code article (1–426).
    pub article: Option<u32>,
    /// Clause of the article (1–9).
    pub clause: Option<u32>,
    /// The crime class of that clause: derived from the clause where the
    /// Penal Code table holds it (then a different class is refused),
    /// required otherwise.
    pub class: Option<String>,
}

/// A validated charge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Charge {
    /// Article.
    pub article: u32,
    /// Clause.
    pub clause: u32,
    /// Class.
    pub class: CrimeClass,
}

impl ChargeInput {
    /// Validates the fields.
    pub fn parse(&self) -> Result<Charge, ValidationErrors> {
        let mut e = ValidationErrors::new();
        match self.article {
            None => e.add("article", "required", "must not be empty"),
            Some(a) if !(1..=426).contains(&a) => e.add(
                "article",
                "range",
                "must be an article of the Penal Code 2015 (1-426)",
            ),
            _ => {}
        }
        match self.clause {
            None => e.add("clause", "required", "must not be empty"),
            Some(c) if !(1..=9).contains(&c) => e.add("clause", "range", "must be 1-9"),
            _ => {}
        }
        // The class comes from the clause where the Penal Code table holds
        // it (art. 9); the sender's class only for clauses it does not.
        let known = match (self.article, self.clause) {
            (Some(a), Some(c)) if crate::penal::knows_article(a) => {
                let class = crate::penal::class_of(a, c);
                if class.is_none() {
                    e.add(
                        "clause",
                        "not_a_penalty_clause",
                        format!("must be a clause of art. {a} that sets a penalty"),
                    );
                }
                class
            }
            _ => None,
        };
        let class = match known {
            Some(derived) => match self.class.as_deref().map(str::trim) {
                None | Some("") => Some(derived),
                Some(sent) => match sent.parse::<CrimeClass>() {
                    Ok(c) if c == derived => Some(c),
                    Ok(_) => {
                        e.add(
                            "class",
                            "contradicts_clause",
                            format!(
                                "must be {} (Penal Code art. 9, by the highest penalty of the clause)",
                                derived.as_str()
                            ),
                        );
                        None
                    }
                    Err(err) => {
                        e.add("class", "unknown_value", err.to_string());
                        None
                    }
                },
            },
            None => required_code::<CrimeClass>(&mut e, "class", self.class.as_deref()),
        };
        match (self.article, self.clause, class) {
            (Some(article), Some(clause), Some(class)) if e.is_empty() => Ok(Charge {
                article,
                clause,
                class,
            }),
            _ => Err(e),
        }
    }
}

/// The most serious class among charges, if any.
pub fn most_serious(charges: impl IntoIterator<Item = CrimeClass>) -> Option<CrimeClass> {
    charges.into_iter().max()
}

/// A sanction as a client sends it.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SanctionInput {
    /// `party`, `administrative` or `criminal`.
    pub track: Option<String>,
    /// The measure code.
    pub measure: Option<String>,
    /// The day decided, `YYYY-MM-DD`.
    pub decided_on: Option<String>,
    /// Who decided (committee, authority, court).
    pub authority: Option<String>,
    /// Term in months (prison, suspended prison, non-custodial reform).
    pub months: Option<u32>,
    /// Fine in VND.
    pub fine_vnd: Option<i64>,
}

/// A validated sanction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Sanction {
    /// Track.
    pub track: SanctionTrack,
    /// Measure.
    pub measure: Measure,
    /// Decided on.
    pub decided_on: Date,
    /// Authority.
    pub authority: String,
    /// Months.
    pub months: Option<u32>,
    /// Fine.
    pub fine_vnd: Option<i64>,
}

impl SanctionInput {
    /// Validates the fields for a person (`org` false) or an organisation.
    pub fn parse(&self, org: bool, today: Date) -> Result<Sanction, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let track = required_code::<SanctionTrack>(&mut e, "track", self.track.as_deref());
        let measure = required_code::<Measure>(&mut e, "measure", self.measure.as_deref());
        if let (Some(t), Some(m)) = (track, measure) {
            if !m.fits(t, org) {
                e.add(
                    "measure",
                    "measure_of_track",
                    format!(
                        "{m} is not a {t} measure for {}",
                        if org { "an organisation" } else { "a person" }
                    ),
                );
            }
            if m.needs_months() && self.months.is_none_or(|n| n == 0 || n > 360) {
                e.add("months", "required", "a term of 1-360 months is required");
            }
            if m == Measure::Fine && self.fine_vnd.is_none_or(|f| f <= 0) {
                e.add(
                    "fine_vnd",
                    "required",
                    "a fine must be a positive VND amount",
                );
            }
        }
        let decided_on = required_date(&mut e, "decided_on", self.decided_on.as_deref());
        if decided_on.is_some_and(|d| d > today) {
            e.add("decided_on", "not_in_future", "must not be after today");
        }
        let authority = required_text(
            &mut e,
            "authority",
            self.authority.as_deref().unwrap_or(""),
            300,
        );
        match (track, measure, decided_on) {
            (Some(track), Some(measure), Some(decided_on)) if e.is_empty() => Ok(Sanction {
                track,
                measure,
                decided_on,
                authority,
                months: self.months.filter(|_| measure.needs_months()),
                fine_vnd: self.fine_vnd.filter(|_| measure == Measure::Fine),
            }),
            _ => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn tax_codes_are_ten_digits_or_a_branch() {
        assert!(valid_tax_code("0101234567"));
        assert!(valid_tax_code("0101234567-001"));
        assert!(!valid_tax_code("010123456"));
        assert!(!valid_tax_code("0101234567-01"));
        assert!(!valid_tax_code("01012345AB"));
    }

    #[test]
    fn dissolution_is_for_organisations_and_expulsion_for_persons() {
        assert!(Measure::Dissolution.fits(SanctionTrack::Party, true));
        assert!(!Measure::Dissolution.fits(SanctionTrack::Party, false));
        assert!(Measure::Expulsion.fits(SanctionTrack::Party, false));
        assert!(!Measure::Expulsion.fits(SanctionTrack::Party, true));
        assert!(!Measure::Prison.fits(SanctionTrack::Party, false));
        assert!(!Measure::Demotion.fits(SanctionTrack::Administrative, true));
        let s = SanctionInput {
            track: Some("party".into()),
            measure: Some("prison".into()),
            decided_on: Some("2026-01-05".into()),
            authority: Some("UBKT Trung ương".into()),
            ..Default::default()
        };
        let e = s.parse(false, date(2026, 11, 23)).unwrap_err();
        assert_eq!(e.errors[0].field, "measure");
        assert_eq!(e.errors[0].rule, "measure_of_track");
    }

    #[test]
    fn a_prison_sentence_needs_its_term() {
        let mut s = SanctionInput {
            track: Some("criminal".into()),
            measure: Some("prison".into()),
            decided_on: Some("2026-01-05".into()),
            authority: Some("TAND TP Hà Nội".into()),
            ..Default::default()
        };
        let e = s.parse(false, date(2026, 11, 23)).unwrap_err();
        assert_eq!(
            (e.errors[0].field.as_str(), e.errors[0].rule.as_str()),
            ("months", "required")
        );
        s.months = Some(96);
        assert_eq!(s.parse(false, date(2026, 11, 23)).unwrap().months, Some(96));
    }

    #[test]
    fn a_clause_of_at_most_three_years_cannot_make_a_charge_especially_serious() {
        let charge = |article, clause, class: Option<&str>| ChargeInput {
            article: Some(article),
            clause: Some(clause),
            class: class.map(str::to_owned),
        };
        // Art. 364(1), offering bribes: at most 3 years' imprisonment.
        let e = charge(364, 1, Some("especially_serious"))
            .parse()
            .unwrap_err();
        assert_eq!(
            (e.errors[0].field.as_str(), e.errors[0].rule.as_str()),
            ("class", "contradicts_clause")
        );
        assert_eq!(
            charge(364, 1, None).parse().unwrap().class,
            CrimeClass::LessSerious
        );
        assert_eq!(
            charge(364, 1, Some("less_serious")).parse().unwrap().class,
            CrimeClass::LessSerious
        );
        // Art. 356(1): up to 5 years → serious, whatever the sender thought.
        assert!(charge(356, 1, Some("less_serious")).parse().is_err());
        // A clause of a known article that sets no penalty.
        let e = charge(353, 6, None).parse().unwrap_err();
        assert_eq!(e.errors[0].rule, "not_a_penalty_clause");
        // Art. 222(3), bidding: 10-20 years, especially serious.
        assert!(charge(222, 3, Some("very_serious")).parse().is_err());
        // An article not in the table (art. 174, fraud) keeps the sender's
        // class, required.
        assert_eq!(
            charge(174, 3, Some("very_serious")).parse().unwrap().class,
            CrimeClass::VerySerious
        );
        assert_eq!(
            charge(174, 3, None).parse().unwrap_err().errors[0].field,
            "class"
        );
    }

    #[test]
    fn charges_are_checked_and_the_most_serious_wins() {
        let c = ChargeInput {
            article: Some(353),
            clause: Some(4),
            class: Some("especially_serious".into()),
        }
        .parse()
        .unwrap();
        assert_eq!(
            crate::case::office_crime_group(c.article),
            Some("corruption")
        );
        let e = ChargeInput {
            article: Some(999),
            clause: Some(0),
            class: None,
        }
        .parse()
        .unwrap_err();
        let fields: Vec<&str> = e.errors.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, vec!["article", "clause", "class"]);
        assert_eq!(
            most_serious([
                CrimeClass::Serious,
                CrimeClass::VerySerious,
                CrimeClass::LessSerious
            ]),
            Some(CrimeClass::VerySerious)
        );
    }

    #[test]
    fn links_must_fit_their_ends() {
        let p = PartyRef::Person(uuid::Uuid::from_u128(1));
        let o = PartyRef::Organisation(uuid::Uuid::from_u128(2));
        assert!(check_link(LinkKind::DirectorOf, p, o, Some(OrgKind::StateBody)).is_ok());
        assert!(check_link(LinkKind::ShareholderOf, p, o, Some(OrgKind::StateBody)).is_err());
        assert!(check_link(LinkKind::ShareholderOf, p, o, Some(OrgKind::Bank)).is_ok());
        assert!(check_link(LinkKind::EmployedBy, o, o, Some(OrgKind::Company)).is_err());
        assert!(check_link(LinkKind::DirectorOf, p, p, None).is_err());
        assert!(check_link(LinkKind::RelatedTo, p, o, None).is_ok());
    }

    #[test]
    fn identity_numbers_and_birth_years_are_checked() {
        let e = PersonInput {
            full_name: Some("Nguyễn Văn A".into()),
            birth_year: Some(1850),
            id_number: Some("12345".into()),
            ..Default::default()
        }
        .parse(date(2026, 11, 23))
        .unwrap_err();
        let rules: Vec<&str> = e.errors.iter().map(|f| f.rule.as_str()).collect();
        assert_eq!(rules, vec!["range", "id_number_format"]);
    }
}
