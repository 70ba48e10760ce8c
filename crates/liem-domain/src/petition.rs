//! Letters (đơn thư) as they arrive: kinds, channels, senders, fields, and
//! the validation of an intake. Circular 05/2021/TT-TTCP governs intake.

use crate::ids::MatterId;
use crate::validation::{
    optional_text, required_code, required_date, required_text, ValidationErrors,
};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

code_enum!(
    /// What a letter asks for; one letter may hold several kinds.
    PetitionKind {
        /// Khiếu nại: asks to review an administrative decision or act.
        Complaint = "complaint",
        /// Tố cáo: reports a violation of law by an agency or person.
        Denunciation = "denunciation",
        /// Kiến nghị: a recommendation.
        Recommendation = "recommendation",
        /// Phản ánh: a reflection, a report of a situation.
        Reflection = "reflection",
    }
);

code_enum!(
    /// How a letter reached the unit.
    Channel {
        /// Handed in at the citizen reception desk.
        ReceptionDesk = "reception_desk",
        /// By post.
        Post = "post",
        /// Through a drop box.
        DropBox = "drop_box",
        /// Through the public web form.
        Web = "web",
        /// By telephone hotline.
        Hotline = "hotline",
        /// Forwarded by a deputy, the Fatherland Front or another body.
        Forwarded = "forwarded",
        /// Raised by the press.
        Press = "press",
        /// Passed on by a leader.
        LeaderReferral = "leader_referral",
        /// Reported by an official of the unit to its head, as the
        /// Anti-Corruption Law 2018 art. 66(1) requires of one who finds
        /// corruption where they work: handled within 15 days (art. 66(2)).
        InternalReport = "internal_report",
    }
);

code_enum!(
    /// Who sent a letter.
    SenderKind {
        /// A named person.
        Person = "person",
        /// An organisation.
        Organisation = "organisation",
        /// Nobody named.
        Anonymous = "anonymous",
    }
);

/// The default reference list of fields (lĩnh vực): code, Vietnamese name,
/// English name. Administrators can extend the list in the database.
pub const DEFAULT_FIELDS: &[(&str, &str, &str)] = &[
    (
        "admin_land",
        "Hành chính: đất đai, nhà ở",
        "Administrative: land and housing",
    ),
    (
        "admin_policy",
        "Hành chính: chế độ, chính sách",
        "Administrative: civil-servant policy",
    ),
    (
        "admin_other",
        "Hành chính: lĩnh vực khác",
        "Administrative: other",
    ),
    ("judicial", "Tư pháp", "Judicial"),
    ("party", "Đảng, đoàn thể", "Party and mass organisations"),
    ("corruption", "Tham nhũng", "Corruption"),
    ("other", "Lĩnh vực khác", "Other"),
];

/// The number of signatories from which a letter is collective (Circular
/// 05/2021/TT-TTCP: five or more people).
pub const COLLECTIVE_FROM: u32 = 5;

/// A letter as submitted by a client, before validation. Every field is
/// optional here so that validation can name each missing one.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LetterInput {
    /// One or more of `complaint`, `denunciation`, `recommendation`, `reflection`.
    #[serde(default)]
    pub kinds: Vec<String>,
    /// The channel code.
    pub channel: Option<String>,
    /// The field code from the reference list.
    pub field: Option<String>,
    /// The date of receipt, `YYYY-MM-DD`.
    pub received_on: Option<String>,
    /// Where the matter took place (commune, province).
    pub place: Option<String>,
    /// Who sent it.
    #[serde(default)]
    pub sender: SenderInput,
    /// How many people signed it (1 when absent).
    pub signatories: Option<u32>,
    /// The person or body complained about or denounced.
    pub subject: Option<String>,
    /// A one-line summary.
    pub summary: Option<String>,
    /// The content of the letter.
    pub content: Option<String>,
    /// Who forwarded it, when the channel is `forwarded`.
    pub forwarded_by: Option<String>,
    /// Seal the sender's identity even when the letter holds no denunciation.
    #[serde(default)]
    pub seal_identity: bool,
    /// Seal the summary and content too (only approved staff read them).
    #[serde(default)]
    pub seal_content: bool,
    /// Join an existing matter (the same thing sent again) instead of opening one.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = "uuid"))]
    pub join_matter: Option<uuid::Uuid>,
}

/// The sender part of a [`LetterInput`].
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SenderInput {
    /// `person`, `organisation` or `anonymous`.
    pub kind: Option<String>,
    /// Full name (person) or registered name (organisation).
    pub name: Option<String>,
    /// Identity-card (CCCD) or passport number.
    pub id_number: Option<String>,
    /// Postal address.
    pub address: Option<String>,
    /// Telephone.
    pub phone: Option<String>,
    /// E-mail address.
    pub email: Option<String>,
}

/// Who a sender is. For a sealed letter this whole value is encrypted and
/// stored apart from the letter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Identity {
    /// Full or registered name.
    pub name: String,
    /// Identity-card or passport number.
    pub id_number: Option<String>,
    /// Postal address.
    pub address: Option<String>,
    /// Telephone.
    pub phone: Option<String>,
    /// E-mail address.
    pub email: Option<String>,
}

/// From this share of word shingles in common (Jaccard, after the
/// formulas every petition holds are cut out) on, a letter is proposed as
/// repeating another: a letter retyped with a tenth of its words changed
/// keeps about half its three-word shingles.
pub const PROPOSE_AT: f64 = 0.4;

/// From the same sender, a smaller share will do: a citizen who writes
/// again about the same matter rewords it more than a copy does, and one
/// who writes about another matter shares little beyond the place.
pub const SAME_SENDER_AT: f64 = 0.15;

/// Whether a letter repeats an earlier one: its text's share in common,
/// and whether the two share a sender mark ([`sender_marks`]).
pub fn repeats(similarity: f64, same_sender: bool) -> bool {
    similarity >= PROPOSE_AT || (same_sender && similarity >= SAME_SENDER_AT)
}

/// Letters sharing at least this much of their text are one text sent by
/// several (a campaign, or a collective petition signed and sent one by
/// one).
pub const CAMPAIGN_AT: f64 = 0.7;

/// From this many senders on, one text is flagged as a campaign.
pub const CAMPAIGN_SENDERS: usize = 3;

/// How many senders a set of letters has, each letter given by its
/// sender digests: letters sharing a digest are one sender, and a letter
/// without any (anonymous, or too little given) is a sender of its own.
pub fn distinct_senders(letters: &[&[String]]) -> usize {
    // Union of letters through shared digests.
    let mut parent: Vec<usize> = (0..letters.len()).collect();
    fn root(p: &mut [usize], mut i: usize) -> usize {
        while p[i] != i {
            p[i] = p[p[i]];
            i = p[i];
        }
        i
    }
    let mut first: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for (i, keys) in letters.iter().enumerate() {
        for k in keys.iter() {
            match first.get(k.as_str()) {
                Some(&j) => {
                    let (a, b) = (root(&mut parent, i), root(&mut parent, j));
                    parent[a] = b;
                }
                None => {
                    first.insert(k, i);
                }
            }
        }
    }
    (0..letters.len())
        .filter(|&i| root(&mut parent, i) == i)
        .count()
}

/// What identifies a sender, as plain marks to be hashed under a secret
/// key before they are stored (never stored as they are): the ID number's
/// digits (nine or more), the last nine digits of the telephone, and the
/// name with the address, folded (tones, case and spacing do not matter).
/// Two letters with a mark in common are from the same sender, whatever
/// else differs; a letter whose identity is sealed is compared by these
/// marks' digests without its identity being opened.
pub fn sender_marks(
    name: Option<&str>,
    id_number: Option<&str>,
    address: Option<&str>,
    phone: Option<&str>,
) -> Vec<String> {
    let digits = |s: &str| -> String { s.chars().filter(char::is_ascii_digit).collect() };
    let mut out = Vec::new();
    if let Some(d) = id_number.map(digits).filter(|d| d.len() >= 9) {
        out.push(format!("id:{d}"));
    }
    if let Some(d) = phone.map(digits).filter(|d| d.len() >= 9) {
        out.push(format!("ph:{}", &d[d.len() - 9..]));
    }
    let name = name
        .map(crate::text::fold)
        .filter(|n| n.split(' ').count() >= 2);
    let address = address.map(crate::text::fold).filter(|a| !a.is_empty());
    if let (Some(n), Some(a)) = (name, address) {
        out.push(format!("na:{n}|{a}"));
    }
    out
}

impl Identity {
    /// This identity's marks ([`sender_marks`]).
    pub fn marks(&self) -> Vec<String> {
        sender_marks(
            Some(&self.name),
            self.id_number.as_deref(),
            self.address.as_deref(),
            self.phone.as_deref(),
        )
    }
}

/// A validated letter, ready to register.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLetter {
    /// Distinct kinds, in a stable order.
    pub kinds: Vec<PetitionKind>,
    /// The channel.
    pub channel: Channel,
    /// The field code (existence is checked against the reference list by the store).
    pub field: String,
    /// The date of receipt.
    pub received_on: Date,
    /// Where the matter took place.
    pub place: Option<String>,
    /// The sender's kind.
    pub sender_kind: SenderKind,
    /// The sender's identity; `None` when anonymous.
    pub identity: Option<Identity>,
    /// Number of signatories.
    pub signatories: u32,
    /// The person or body complained about or denounced.
    pub subject: Option<String>,
    /// One-line summary.
    pub summary: String,
    /// The content.
    pub content: String,
    /// Who forwarded it.
    pub forwarded_by: Option<String>,
    /// Whether the sender asked for sealing beyond the legal default.
    pub seal_requested: bool,
    /// Whether the summary and content are sealed too.
    pub seal_content: bool,
    /// The matter to join.
    pub join_matter: Option<MatterId>,
}

impl NewLetter {
    /// Validates an input received on `today`, naming every broken rule.
    pub fn parse(input: &LetterInput, today: Date) -> Result<NewLetter, ValidationErrors> {
        let mut errs = ValidationErrors::new();

        let mut kinds = Vec::new();
        if input.kinds.is_empty() {
            errs.add("kinds", "required", "must list at least one kind");
        }
        for (i, k) in input.kinds.iter().enumerate() {
            match k.trim().parse::<PetitionKind>() {
                Ok(k) if kinds.contains(&k) => {
                    errs.add(&format!("kinds[{i}]"), "duplicate", "is listed twice")
                }
                Ok(k) => kinds.push(k),
                Err(e) => errs.add(&format!("kinds[{i}]"), "unknown_value", e.to_string()),
            }
        }
        kinds.sort();

        let channel = required_code::<Channel>(&mut errs, "channel", input.channel.as_deref());
        let field = required_text(&mut errs, "field", input.field.as_deref().unwrap_or(""), 64);
        let received_on = required_date(&mut errs, "received_on", input.received_on.as_deref());
        if let Some(d) = received_on {
            if d > today {
                errs.add("received_on", "not_in_future", "must not be after today");
            } else if d < Date::constant(1990, 1, 1) {
                errs.add("received_on", "too_old", "must not be before 1990-01-01");
            }
        }
        let place = optional_text(&mut errs, "place", input.place.as_deref(), 200);
        let subject = optional_text(&mut errs, "subject", input.subject.as_deref(), 300);
        let summary = required_text(
            &mut errs,
            "summary",
            input.summary.as_deref().unwrap_or(""),
            300,
        );
        let content = required_text(
            &mut errs,
            "content",
            input.content.as_deref().unwrap_or(""),
            20_000,
        );
        let forwarded_by = optional_text(
            &mut errs,
            "forwarded_by",
            input.forwarded_by.as_deref(),
            200,
        );
        if channel == Some(Channel::Forwarded) && forwarded_by.is_none() {
            errs.add(
                "forwarded_by",
                "required_for_forwarded",
                "must name who forwarded the letter when the channel is forwarded",
            );
        }
        let signatories = input.signatories.unwrap_or(1);
        if !(1..=100_000).contains(&signatories) {
            errs.add("signatories", "range", "must be between 1 and 100000");
        }

        let (sender_kind, identity) = match parse_sender(&input.sender) {
            Ok(v) => v,
            Err(e) => {
                errs.merge_prefixed("sender", e);
                (SenderKind::Anonymous, None)
            }
        };

        let (Some(channel), Some(received_on)) = (channel, received_on) else {
            return Err(errs);
        };
        errs.into_result(NewLetter {
            kinds,
            channel,
            field,
            received_on,
            place,
            sender_kind,
            identity,
            signatories,
            subject,
            summary,
            content,
            forwarded_by,
            seal_requested: input.seal_identity,
            seal_content: input.seal_content,
            join_matter: input.join_matter.map(MatterId),
        })
    }

    /// Whether the sender's identity must be sealed: always for a named
    /// denouncer (Law on Denunciations 2018, art. 47–48: the denouncer's
    /// identity is kept secret), and on request for the other kinds.
    pub fn sealed(&self) -> bool {
        self.identity.is_some()
            && (self.kinds.contains(&PetitionKind::Denunciation) || self.seal_requested)
    }

    /// Whether the letter is collective (five or more signatories).
    pub fn collective(&self) -> bool {
        self.signatories >= COLLECTIVE_FROM
    }
}

fn parse_sender(s: &SenderInput) -> Result<(SenderKind, Option<Identity>), ValidationErrors> {
    let mut errs = ValidationErrors::new();
    let kind = required_code::<SenderKind>(&mut errs, "kind", s.kind.as_deref());
    if kind == Some(SenderKind::Anonymous) {
        for (field, v) in [
            ("name", &s.name),
            ("id_number", &s.id_number),
            ("address", &s.address),
            ("phone", &s.phone),
            ("email", &s.email),
        ] {
            if v.as_deref().is_some_and(|v| !v.trim().is_empty()) {
                errs.add(
                    field,
                    "empty_when_anonymous",
                    "must be empty for an anonymous sender",
                );
            }
        }
        return errs.into_result((SenderKind::Anonymous, None));
    }
    let name = required_text(&mut errs, "name", s.name.as_deref().unwrap_or(""), 200);
    let id_number = optional_text(&mut errs, "id_number", s.id_number.as_deref(), 20);
    if let Some(n) = &id_number {
        if n.len() < 6 || !n.chars().all(|c| c.is_ascii_alphanumeric()) {
            errs.add(
                "id_number",
                "id_number_format",
                "must be 6-20 letters or digits",
            );
        }
    }
    let address = optional_text(&mut errs, "address", s.address.as_deref(), 300);
    let phone = optional_text(&mut errs, "phone", s.phone.as_deref(), 20);
    if let Some(p) = &phone {
        let digits = p.chars().filter(char::is_ascii_digit).count();
        let allowed = p
            .chars()
            .all(|c| c.is_ascii_digit() || " +-.()".contains(c));
        if !allowed || !(8..=15).contains(&digits) {
            errs.add(
                "phone",
                "phone_format",
                "must be 8-15 digits, optionally with + - . ( ) and spaces",
            );
        }
    }
    let email = optional_text(&mut errs, "email", s.email.as_deref(), 200);
    if let Some(e) = &email {
        let ok = e
            .split_once('@')
            .is_some_and(|(l, d)| !l.is_empty() && d.contains('.'));
        if !ok || e.contains(char::is_whitespace) {
            errs.add("email", "email_format", "must be an e-mail address");
        }
    }
    let Some(kind) = kind else {
        return Err(errs);
    };
    errs.into_result((
        kind,
        Some(Identity {
            name,
            id_number,
            address,
            phone,
            email,
        }),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn valid() -> LetterInput {
        LetterInput {
            kinds: vec!["denunciation".into()],
            channel: Some("post".into()),
            field: Some("corruption".into()),
            received_on: Some("2026-11-02".into()),
            place: Some("Phường Ba Đình, Hà Nội".into()),
            sender: SenderInput {
                kind: Some("person".into()),
                name: Some("Nguyễn Văn An".into()),
                id_number: Some("001085012345".into()),
                address: Some("12 Phố Huế".into()),
                phone: Some("0912 345 678".into()),
                email: None,
            },
            signatories: None,
            subject: Some("Chủ tịch UBND phường".into()),
            summary: Some("Tố cáo nhận hối lộ".into()),
            content: Some("Nội dung tố cáo".into()),
            forwarded_by: None,
            seal_identity: false,
            seal_content: false,
            join_matter: None,
        }
    }

    #[test]
    fn a_named_denunciation_is_sealed() {
        let l = NewLetter::parse(&valid(), date(2026, 11, 23)).unwrap();
        assert!(l.sealed());
        assert!(!l.collective());
        assert_eq!(l.identity.unwrap().name, "Nguyễn Văn An");
    }

    #[test]
    fn a_complaint_is_not_sealed_unless_asked() {
        let mut i = valid();
        i.kinds = vec!["complaint".into()];
        assert!(!NewLetter::parse(&i, date(2026, 11, 23)).unwrap().sealed());
        i.seal_identity = true;
        assert!(NewLetter::parse(&i, date(2026, 11, 23)).unwrap().sealed());
    }

    #[test]
    fn every_missing_field_is_named() {
        let i = LetterInput::default();
        let e = NewLetter::parse(&i, date(2026, 11, 23)).unwrap_err();
        let fields: Vec<&str> = e.errors.iter().map(|e| e.field.as_str()).collect();
        for f in [
            "kinds",
            "channel",
            "field",
            "received_on",
            "summary",
            "content",
            "sender.kind",
        ] {
            assert!(fields.contains(&f), "{f} missing from {fields:?}");
        }
    }

    #[test]
    fn bad_values_name_the_field_and_rule() {
        let mut i = valid();
        i.kinds = vec!["complaint".into(), "gossip".into(), "complaint".into()];
        i.received_on = Some("2026-12-01".into());
        i.sender.phone = Some("12".into());
        i.channel = Some("forwarded".into());
        let e = NewLetter::parse(&i, date(2026, 11, 23)).unwrap_err();
        let got: Vec<(&str, &str)> = e
            .errors
            .iter()
            .map(|e| (e.field.as_str(), e.rule.as_str()))
            .collect();
        assert!(got.contains(&("kinds[1]", "unknown_value")));
        assert!(got.contains(&("kinds[2]", "duplicate")));
        assert!(got.contains(&("received_on", "not_in_future")));
        assert!(got.contains(&("sender.phone", "phone_format")));
        assert!(got.contains(&("forwarded_by", "required_for_forwarded")));
    }

    #[test]
    fn anonymous_senders_carry_no_identity() {
        let mut i = valid();
        i.sender = SenderInput {
            kind: Some("anonymous".into()),
            ..Default::default()
        };
        let l = NewLetter::parse(&i, date(2026, 11, 23)).unwrap();
        assert_eq!(l.identity, None);
        assert!(!l.sealed());
        i.sender.name = Some("X".into());
        let e = NewLetter::parse(&i, date(2026, 11, 23)).unwrap_err();
        assert_eq!(e.errors[0].field, "sender.name");
        assert_eq!(e.errors[0].rule, "empty_when_anonymous");
    }

    #[test]
    fn five_signatories_make_a_collective_letter() {
        let mut i = valid();
        i.signatories = Some(5);
        assert!(NewLetter::parse(&i, date(2026, 11, 23))
            .unwrap()
            .collective());
    }
}

/// The day a letter is transferred to another unit, as a client gives it
/// (`on`; today when absent): not after today, and not before the day the
/// sending unit received the letter (`arrival`). Errors are added to `errs`
/// under the field `on`.
pub fn transfer_day(
    errs: &mut ValidationErrors,
    on: Option<&str>,
    today: Date,
    arrival: Date,
) -> Option<Date> {
    let on = match on.map(str::trim).filter(|s| !s.is_empty()) {
        None => Some(today),
        Some(v) => required_date(errs, "on", Some(v)),
    }?;
    if on > today {
        errs.add("on", "not_in_future", "must not be after today");
    } else if on < arrival {
        errs.add(
            "on",
            "before_receipt",
            format!("must not be before the unit received the letter ({arrival})"),
        );
    }
    Some(on)
}

#[cfg(test)]
mod transfer_day_tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn a_transfer_is_dated_today_or_before_but_not_before_receipt() {
        let (today, arrival) = (date(2026, 12, 2), date(2026, 3, 1));
        let mut e = ValidationErrors::new();
        assert_eq!(transfer_day(&mut e, None, today, arrival), Some(today));
        assert_eq!(
            transfer_day(&mut e, Some("2026-03-01"), today, arrival),
            Some(arrival)
        );
        assert!(e.is_empty());
        for (on, rule) in [
            ("2026-12-03", "not_in_future"),
            ("2026-02-28", "before_receipt"),
            ("1/3/2026", "date"),
        ] {
            let mut e = ValidationErrors::new();
            transfer_day(&mut e, Some(on), today, arrival);
            assert_eq!(
                (e.errors[0].field.as_str(), e.errors.len()),
                ("on", 1),
                "{on}"
            );
            if rule != "date" {
                assert_eq!(e.errors[0].rule, rule, "{on}");
            }
        }
    }
}

/// The folded text a letter is found by: reference, summary and content
/// (unless sealed), subject, place, who forwarded it, and — only when not
/// sealed — the sender's name and identity number. Sealed data is never
/// searchable.
pub fn search_text(letter: &NewLetter, reference: &str) -> String {
    let mut parts: Vec<&str> = vec![reference];
    if !letter.seal_content {
        parts.push(&letter.summary);
        parts.push(&letter.content);
    }
    parts.extend(letter.subject.as_deref());
    parts.extend(letter.place.as_deref());
    parts.extend(letter.forwarded_by.as_deref());
    if !letter.sealed() {
        if let Some(id) = &letter.identity {
            parts.push(&id.name);
            parts.extend(id.id_number.as_deref());
        }
    }
    crate::text::fold(&parts.join(" "))
}

#[cfg(test)]
mod search_tests {
    use super::*;

    #[test]
    fn sealed_identities_are_not_searchable() {
        let input = LetterInput {
            kinds: vec!["denunciation".into()],
            channel: Some("post".into()),
            field: Some("corruption".into()),
            received_on: Some("2026-11-02".into()),
            sender: SenderInput {
                kind: Some("person".into()),
                name: Some("Trần Thị Bích".into()),
                id_number: Some("079190001234".into()),
                ..Default::default()
            },
            summary: Some("Tố cáo tham nhũng".into()),
            content: Some("Nội dung".into()),
            ..Default::default()
        };
        let sealed = NewLetter::parse(&input, Date::constant(2026, 11, 23)).unwrap();
        let t = search_text(&sealed, "HNI-2026-000001");
        assert!(t.contains("tham nhung"));
        assert!(!t.contains("bich"));
        assert!(!t.contains("079190001234"));
        let mut open = sealed.clone();
        open.kinds = vec![PetitionKind::Complaint];
        let t = search_text(&open, "HNI-2026-000001");
        assert!(t.contains("tran thi bich") && t.contains("079190001234"));
    }
}

/// What a letter's sealed blob holds: the sender's identity (when sealed)
/// and the summary and content (when the sender asked to seal them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SealedPayload {
    /// The sender's identity.
    pub identity: Option<Identity>,
    /// The summary, when sealed.
    pub summary: Option<String>,
    /// The content, when sealed.
    pub content: Option<String>,
}

impl SealedPayload {
    /// What a validated letter seals, if anything.
    pub fn of(letter: &NewLetter) -> Option<SealedPayload> {
        let identity = letter.identity.clone().filter(|_| letter.sealed());
        let (summary, content) = if letter.seal_content {
            (Some(letter.summary.clone()), Some(letter.content.clone()))
        } else {
            (None, None)
        };
        (identity.is_some() || content.is_some()).then_some(SealedPayload {
            identity,
            summary,
            content,
        })
    }

    /// Reads a sealed blob's plaintext; the first release sealed a bare identity.
    pub fn from_json(bytes: &[u8]) -> Option<SealedPayload> {
        serde_json::from_slice::<SealedPayload>(bytes)
            .ok()
            .or_else(|| {
                serde_json::from_slice::<Identity>(bytes)
                    .ok()
                    .map(|i| SealedPayload {
                        identity: Some(i),
                        summary: None,
                        content: None,
                    })
            })
    }
}

#[cfg(test)]
mod mark_tests {
    use super::*;

    #[test]
    fn a_senders_marks_ignore_tones_case_spacing_and_formatting() {
        let a = sender_marks(
            Some("Nguyễn Văn  Hùng"),
            Some("001 085 012345"),
            Some("Số 12, Phố Huế"),
            Some("+84 912 345 678"),
        );
        let b = sender_marks(
            Some("NGUYEN VAN HUNG"),
            Some("001085012345"),
            Some("so 12 pho hue"),
            Some("0912.345.678"),
        );
        assert_eq!(a, b);
        assert_eq!(
            a,
            [
                "id:001085012345",
                "ph:912345678",
                "na:nguyen van hung|so 12 pho hue"
            ]
        );
        // Too little to tell a person apart: no mark.
        assert!(sender_marks(Some("Hùng"), Some("1234"), Some("Hà Nội"), Some("113")).is_empty());
        assert!(sender_marks(Some("Nguyễn Văn Hùng"), None, None, None).is_empty());
    }

    #[test]
    fn senders_are_counted_through_any_shared_mark() {
        let k = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let (a, b, c, d, anon) = (k(&["x", "y"]), k(&["y"]), k(&["z"]), k(&["w", "x"]), k(&[]));
        assert_eq!(distinct_senders(&[&a, &b, &c]), 2);
        assert_eq!(
            distinct_senders(&[&b, &c, &d, &a]),
            2,
            "b–a–d through y and x"
        );
        assert_eq!(distinct_senders(&[&anon, &anon, &c]), 3);
        assert_eq!(distinct_senders(&[]), 0);
    }

    #[test]
    fn the_same_sender_repeats_with_less_text_in_common() {
        assert!(repeats(0.4, false));
        assert!(!repeats(0.39, false));
        assert!(repeats(0.15, true));
        assert!(!repeats(0.14, true));
        assert!(!repeats(0.0, true), "a sender's letter on another matter");
    }
}
