//! A report from the public page: a guided form per kind (who, what, when,
//! where, evidence), turned into a letter received through the web channel.

use crate::petition::{LetterInput, PetitionKind, SenderInput};
use crate::validation::{optional_text, required_code, required_text, ValidationErrors};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

/// What a reporter fills in on `/report`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReportInput {
    /// `complaint`, `denunciation`, `recommendation` or `reflection`.
    pub kind: Option<String>,
    /// The code of the province (or committee) the report goes to.
    pub unit: Option<String>,
    /// Who: the person or body concerned.
    pub who: Option<String>,
    /// What happened, or what is asked.
    pub what: Option<String>,
    /// When it happened.
    pub when: Option<String>,
    /// Where it happened.
    pub place: Option<String>,
    /// What evidence exists and where it can be checked.
    pub evidence: Option<String>,
    /// What the reporter asks for (complaint, recommendation).
    pub request: Option<String>,
    /// Stay anonymous (no identity fields).
    #[serde(default)]
    pub anonymous: bool,
    /// Full name.
    pub name: Option<String>,
    /// Identity-card number.
    pub id_number: Option<String>,
    /// Address.
    pub address: Option<String>,
    /// Telephone.
    pub phone: Option<String>,
    /// E-mail.
    pub email: Option<String>,
    /// The language the reporter wrote in.
    pub lang: Option<String>,
    /// Seal the content too: only staff a custodian approves read it.
    #[serde(default)]
    pub seal_content: bool,
}

/// The field a kind of report is first filed under; handlers refine it.
pub fn default_field(kind: PetitionKind) -> &'static str {
    match kind {
        PetitionKind::Denunciation => "corruption",
        PetitionKind::Complaint => "admin_other",
        PetitionKind::Recommendation | PetitionKind::Reflection => "other",
    }
}

impl ReportInput {
    /// Validates the report and builds the letter it becomes, with the code
    /// of the unit it goes to.
    pub fn to_letter(&self, today: Date) -> Result<(LetterInput, String), ValidationErrors> {
        let mut errs = ValidationErrors::new();
        let kind = required_code::<PetitionKind>(&mut errs, "kind", self.kind.as_deref());
        let unit = required_text(&mut errs, "unit", self.unit.as_deref().unwrap_or(""), 32);
        let what = required_text(
            &mut errs,
            "what",
            self.what.as_deref().unwrap_or(""),
            15_000,
        );
        if !what.is_empty() && what.chars().count() < 20 {
            errs.add(
                "what",
                "min_length",
                "must describe the matter in at least 20 characters",
            );
        }
        let who = optional_text(&mut errs, "who", self.who.as_deref(), 300);
        let when = optional_text(&mut errs, "when", self.when.as_deref(), 200);
        let place = optional_text(&mut errs, "place", self.place.as_deref(), 200);
        let evidence = optional_text(&mut errs, "evidence", self.evidence.as_deref(), 5_000);
        let request = optional_text(&mut errs, "request", self.request.as_deref(), 2_000);
        if kind == Some(PetitionKind::Denunciation) && who.is_none() {
            errs.add(
                "who",
                "required_for_denunciation",
                "must name the person or body denounced",
            );
        }
        let Some(kind) = kind else {
            return Err(errs);
        };
        errs.into_result(())?;
        let mut content = what.clone();
        for (label, v) in [
            ("Thời gian", &when),
            ("Địa điểm", &place),
            ("Chứng cứ", &evidence),
            ("Đề nghị", &request),
        ] {
            if let Some(v) = v {
                content.push_str(&format!("\n\n{label}: {v}"));
            }
        }
        let summary: String = what.chars().take(120).collect();
        let sender = if self.anonymous {
            SenderInput {
                kind: Some("anonymous".into()),
                ..Default::default()
            }
        } else {
            SenderInput {
                kind: Some("person".into()),
                name: self.name.clone(),
                id_number: self.id_number.clone(),
                address: self.address.clone(),
                phone: self.phone.clone(),
                email: self.email.clone(),
            }
        };
        let letter = LetterInput {
            kinds: vec![kind.as_str().to_owned()],
            channel: Some("web".into()),
            field: Some(default_field(kind).into()),
            received_on: Some(today.to_string()),
            place,
            sender,
            signatories: Some(1),
            subject: who,
            summary: Some(summary),
            content: Some(content),
            forwarded_by: None,
            // A public reporter may ask for sealing whatever the kind.
            seal_identity: !self.anonymous,
            seal_content: self.seal_content,
            join_matter: None,
        };
        Ok((letter, unit.to_ascii_uppercase()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::petition::NewLetter;
    use jiff::civil::date;

    fn report() -> ReportInput {
        ReportInput {
            kind: Some("denunciation".into()),
            unit: Some("hni".into()),
            who: Some("Trưởng phòng Tài nguyên".into()),
            what: Some("Nhận tiền để hợp thức hóa hồ sơ đất đai của nhiều hộ.".into()),
            when: Some("Tháng 3/2026".into()),
            evidence: Some("Có ghi âm".into()),
            anonymous: true,
            ..Default::default()
        }
    }

    #[test]
    fn an_anonymous_report_becomes_a_web_letter_without_identity() {
        let (l, unit) = report().to_letter(date(2026, 11, 23)).unwrap();
        assert_eq!(unit, "HNI");
        let n = NewLetter::parse(&l, date(2026, 11, 23)).unwrap();
        assert_eq!(n.identity, None);
        assert_eq!(n.channel.as_str(), "web");
        assert_eq!(n.field, "corruption");
        assert!(n.content.contains("Chứng cứ: Có ghi âm"));
        assert!(!n.sealed());
    }

    #[test]
    fn a_named_report_is_sealed_whatever_its_kind() {
        let mut r = report();
        r.kind = Some("reflection".into());
        r.anonymous = false;
        r.name = Some("Nguyễn Văn B".into());
        let (l, _) = r.to_letter(date(2026, 11, 23)).unwrap();
        assert!(NewLetter::parse(&l, date(2026, 11, 23)).unwrap().sealed());
    }

    #[test]
    fn missing_parts_are_named() {
        let r = ReportInput {
            kind: Some("denunciation".into()),
            what: Some("short".into()),
            ..Default::default()
        };
        let e = r.to_letter(date(2026, 11, 23)).unwrap_err();
        let f: Vec<_> = e
            .errors
            .iter()
            .map(|e| (e.field.as_str(), e.rule.as_str()))
            .collect();
        assert!(f.contains(&("unit", "required")));
        assert!(f.contains(&("what", "min_length")));
        assert!(f.contains(&("who", "required_for_denunciation")));
    }
}
