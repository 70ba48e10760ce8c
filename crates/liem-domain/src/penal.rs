//! The highest penalty of each clause of the Penal Code that the register
//! charges, and the crime class it makes (Penal Code 2015, amended 2017,
//! art. 9: less serious — at most 3 years' imprisonment; serious — more than
//! 3, at most 7; very serious — more than 7, at most 15; especially serious
//! — more than 15, life imprisonment or death).
//!
//! A charge of a clause in this table takes its class from it, and a class
//! sent with it that says otherwise is refused. A clause not in the table
//! (an article not yet transcribed) keeps the class its sender gives. Each
//! row was read in the text of the article; the articles of Chapter XXIII
//! whose every clause could not be read are left out rather than guessed
//! (see the note of the change that added this table).

use crate::case::CrimeClass;

/// The highest penalty a clause sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MaxPenalty {
    /// Imprisonment of at most this many years (or a lighter penalty).
    Years(u32),
    /// Life imprisonment or death.
    Life,
}

impl MaxPenalty {
    /// The class it makes (art. 9).
    pub fn class(self) -> CrimeClass {
        match self {
            MaxPenalty::Years(y) => CrimeClass::from_max_penalty(Some(y)),
            MaxPenalty::Life => CrimeClass::from_max_penalty(None),
        }
    }
}

use MaxPenalty::{Life, Years};

/// Article, clause, highest penalty.
const CLAUSES: &[(u32, u32, MaxPenalty)] = &[
    // Art. 219 Breaching the rules on managing and using State property,
    // causing loss or waste: non-custodial reform up to 3 years or 1–5
    // years; 3–12; 10–20 (clause 4: additional penalties).
    (219, 1, Years(5)),
    (219, 2, Years(12)),
    (219, 3, Years(20)),
    // Art. 222 Breaching the rules on bidding, causing serious
    // consequences: the same ladder, 1–5 years; 3–12; 10–20.
    (222, 1, Years(5)),
    (222, 2, Years(12)),
    (222, 3, Years(20)),
    // Art. 353 Embezzlement: 2–7 years; 7–15; 15–20; 20 years, life or death.
    (353, 1, Years(7)),
    (353, 2, Years(15)),
    (353, 3, Years(20)),
    (353, 4, Life),
    // Art. 354 Taking bribes: 2–7 years; 7–15; 15–20; 20 years, life or death.
    (354, 1, Years(7)),
    (354, 2, Years(15)),
    (354, 3, Years(20)),
    (354, 4, Life),
    // Art. 355 Abuse of position or power to appropriate property: 1–6
    // years; 6–13; 13–20; clause 4 heavier than clause 3 (its text was not
    // read in full: its class, especially serious, follows from clause 3's
    // 20 years already).
    (355, 1, Years(6)),
    (355, 2, Years(13)),
    (355, 3, Years(20)),
    (355, 4, Life),
    // Art. 356 Abuse of position or power in the performance of duties:
    // non-custodial reform up to 3 years or 1–5 years; 5–10; 10–15.
    (356, 1, Years(5)),
    (356, 2, Years(10)),
    (356, 3, Years(15)),
    // Art. 357 Exceeding one's powers in the performance of duties: 1–7
    // years; 5–10; 10–15.
    (357, 1, Years(7)),
    (357, 2, Years(10)),
    (357, 3, Years(15)),
    // Art. 359 Forgery in office: 1–5 years; 3–10; 7–15; 12–20.
    (359, 1, Years(5)),
    (359, 2, Years(10)),
    (359, 3, Years(15)),
    (359, 4, Years(20)),
    // Art. 360 Negligence causing serious consequences: non-custodial
    // reform up to 3 years or 6 months–5 years; 3–7.
    (360, 1, Years(5)),
    (360, 2, Years(7)),
    // Art. 362 Unintentionally disclosing work secrets; losing documents
    // containing work secrets: a warning or non-custodial reform up to 2
    // years; non-custodial reform 2–3 years or 3 months–2 years (clause 3
    // is the additional penalty). No imprisonment above 3 years in either:
    // less serious.
    (362, 1, Years(2)),
    (362, 2, Years(2)),
    // Art. 363 Desertion of office: non-custodial reform up to 3 years or
    // 6 months–3 years; 2–7 (clause 3 is the additional penalty).
    (363, 1, Years(3)),
    (363, 2, Years(7)),
    // Art. 364 Offering bribes: a fine, non-custodial reform up to 3 years
    // or 6 months–3 years; 2–7; 7–12; 12–20.
    (364, 1, Years(3)),
    (364, 2, Years(7)),
    (364, 3, Years(12)),
    (364, 4, Years(20)),
    // Art. 365 Acting as an intermediary in bribery: a fine, non-custodial
    // reform up to 3 years or 6 months–3 years; 2–7; 5–10; 8–15.
    (365, 1, Years(3)),
    (365, 2, Years(7)),
    (365, 3, Years(10)),
    (365, 4, Years(15)),
];

/// The highest penalty of an article's clause, when the table holds it.
pub fn max_penalty(article: u32, clause: u32) -> Option<MaxPenalty> {
    CLAUSES
        .iter()
        .find(|(a, c, _)| *a == article && *c == clause)
        .map(|(_, _, m)| *m)
}

/// Whether the table holds the article (then only its penalty clauses can
/// be charged).
pub fn knows_article(article: u32) -> bool {
    CLAUSES.iter().any(|(a, _, _)| *a == article)
}

/// The class of an article's clause (art. 9), when the table holds it.
pub fn class_of(article: u32, clause: u32) -> Option<CrimeClass> {
    max_penalty(article, clause).map(MaxPenalty::class)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Worked out from art. 9 and each article's text, not from the table.
    #[test]
    fn classes_follow_the_highest_penalty_of_the_clause() {
        let cases = [
            // 2–7 years: more than 3, at most 7 → serious.
            (353, 1, CrimeClass::Serious),
            // 7–15: very serious.
            (353, 2, CrimeClass::VerySerious),
            // 15–20: more than 15 → especially serious.
            (354, 3, CrimeClass::EspeciallySerious),
            (354, 4, CrimeClass::EspeciallySerious),
            // 1–6 → serious; 6–13 → very serious.
            (355, 1, CrimeClass::Serious),
            (355, 2, CrimeClass::VerySerious),
            // Up to 5 years: serious, not less serious.
            (356, 1, CrimeClass::Serious),
            // 5–10: very serious, not serious.
            (356, 2, CrimeClass::VerySerious),
            (357, 3, CrimeClass::VerySerious),
            (359, 4, CrimeClass::EspeciallySerious),
            // 6 months–5 years: serious.
            (360, 1, CrimeClass::Serious),
            // 6 months–3 years: at most 3 → less serious.
            (364, 1, CrimeClass::LessSerious),
            (364, 3, CrimeClass::VerySerious),
            (365, 1, CrimeClass::LessSerious),
            (365, 4, CrimeClass::VerySerious),
            // 1–5 → serious; 3–12 → very serious; 10–20 → especially.
            (219, 1, CrimeClass::Serious),
            // Non-custodial reform up to 2 years: less serious.
            (362, 1, CrimeClass::LessSerious),
            // 3 months–2 years: less serious.
            (362, 2, CrimeClass::LessSerious),
            // Desertion: up to 3 years → less serious; 2–7 → serious.
            (363, 1, CrimeClass::LessSerious),
            (363, 2, CrimeClass::Serious),
            (219, 2, CrimeClass::VerySerious),
            (222, 3, CrimeClass::EspeciallySerious),
        ];
        for (a, c, want) in cases {
            assert_eq!(class_of(a, c), Some(want), "art. {a} cl. {c}");
        }
        assert_eq!(
            class_of(353, 5),
            None,
            "clause 5 sets an additional penalty"
        );
        assert!(knows_article(353) && !knows_article(366));
        assert_eq!(
            class_of(363, 3),
            None,
            "clause 3 sets an additional penalty"
        );
        assert_eq!(class_of(219, 4), None, "clause 4 sets additional penalties");
    }
}
