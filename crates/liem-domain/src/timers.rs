//! Acknowledgement and feedback timers of a letter, by the policy its unit
//! follows.
//!
//! - `vn` (default): the sender is told how the letter is handled within 10
//!   working days of receipt (Circular 05/2021/TT-TTCP); feedback on the
//!   substance runs on the matters' statutory deadlines.
//! - `eu`: Directive (EU) 2019/1937, art. 9(1)(b) and (f): acknowledge within
//!   7 days of receipt; give feedback within 3 months of the acknowledgement
//!   (or, without one, of the end of the 7 days).

use crate::calendar::Calendar;
use jiff::civil::Date;
use jiff::ToSpan;
use serde::Serialize;

code_enum!(
    /// Which timers a unit's letters run.
    ChannelPolicy {
        /// The Vietnamese rules.
        Vietnamese = "vn",
        /// The EU Whistleblowing Directive.
        EuDirective = "eu",
    }
);

code_enum!(
    /// A word from the handling unit to a letter's sender, as the timers count it.
    Contact {
        /// Acknowledges receipt (stops the acknowledgement timer).
        Acknowledgement = "acknowledgement",
        /// Feeds back on the follow-up (stops the feedback timer).
        Feedback = "feedback",
    }
);

impl Contact {
    /// What a message to the sender counts as: the first one acknowledges;
    /// once the letter is acknowledged, a message is feedback.
    pub fn of_message(acknowledged: bool) -> Contact {
        if acknowledged {
            Contact::Feedback
        } else {
            Contact::Acknowledgement
        }
    }
}

/// The timers of one letter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LetterTimers {
    /// Acknowledge by.
    pub ack_due: Option<Date>,
    /// Give feedback by.
    pub feedback_due: Option<Date>,
}

/// The timers of a letter received on `received`, acknowledged on `acked`.
pub fn timers(
    policy: ChannelPolicy,
    received: Date,
    acked: Option<Date>,
    cal: &Calendar,
) -> LetterTimers {
    match policy {
        ChannelPolicy::Vietnamese => LetterTimers {
            ack_due: Some(cal.add_working_days(received, 10, |_| false)),
            feedback_due: None,
        },
        ChannelPolicy::EuDirective => {
            let ack_due = received.checked_add(7.days()).expect("in range");
            let from = acked.unwrap_or(ack_due);
            LetterTimers {
                ack_due: Some(ack_due),
                feedback_due: Some(from.checked_add(3.months()).expect("in range")),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn eu_policy_acknowledges_in_seven_days_and_feeds_back_in_three_months() {
        let cal = Calendar::new();
        let t = timers(ChannelPolicy::EuDirective, date(2026, 3, 2), None, &cal);
        assert_eq!(t.ack_due, Some(date(2026, 3, 9)));
        assert_eq!(t.feedback_due, Some(date(2026, 6, 9)));
        let t = timers(
            ChannelPolicy::EuDirective,
            date(2026, 3, 2),
            Some(date(2026, 3, 4)),
            &cal,
        );
        assert_eq!(t.feedback_due, Some(date(2026, 6, 4)));
    }

    #[test]
    fn the_first_message_acknowledges_and_later_ones_feed_back() {
        assert_eq!(Contact::of_message(false), Contact::Acknowledgement);
        assert_eq!(Contact::of_message(true), Contact::Feedback);
    }

    #[test]
    fn vietnamese_policy_answers_in_ten_working_days() {
        let t = timers(
            ChannelPolicy::Vietnamese,
            date(2026, 2, 13),
            None,
            &Calendar::new(),
        );
        // Tết 16–20 February 2026 is skipped.
        assert_eq!(t.ack_due, Some(date(2026, 3, 6)));
        assert_eq!(t.feedback_due, None);
    }
}
