//! A committee's meetings as an iCalendar feed (RFC 5545), for calendar
//! programs: one all-day event per meeting.

use liem_store::committee::MeetingBrief;

/// Escapes a text value (RFC 5545, 3.3.11).
fn text(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for c in v.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Folds a content line at 75 octets, never inside a character (3.1).
fn fold(line: &str, out: &mut String) {
    let mut len = 0;
    for c in line.chars() {
        let n = c.len_utf8();
        if len + n > 75 {
            out.push_str("\r\n ");
            len = 1;
        }
        out.push(c);
        len += n;
    }
    out.push_str("\r\n");
}

/// The feed of a unit's meetings; `kind` names a meeting's kind in the
/// reader's language, `host` is the server's name for the events' ids.
pub fn feed(
    unit_name: &str,
    meetings: &[MeetingBrief],
    kind: impl Fn(&MeetingBrief) -> String,
    host: &str,
    stamp: jiff::Timestamp,
) -> String {
    let mut out = String::new();
    let stamp = stamp.strftime("%Y%m%dT%H%M%SZ").to_string();
    for l in [
        "BEGIN:VCALENDAR".to_owned(),
        "VERSION:2.0".to_owned(),
        "PRODID:-//Liem//committee meetings//VI".to_owned(),
        "CALSCALE:GREGORIAN".to_owned(),
        format!("X-WR-CALNAME:{}", text(unit_name)),
    ] {
        fold(&l, &mut out);
    }
    for m in meetings {
        let day = m.held_on.strftime("%Y%m%d").to_string();
        let next = m
            .held_on
            .tomorrow()
            .unwrap_or(m.held_on)
            .strftime("%Y%m%d")
            .to_string();
        for l in [
            "BEGIN:VEVENT".to_owned(),
            format!("UID:{}@{}", m.id, text(host)),
            format!("DTSTAMP:{stamp}"),
            format!("DTSTART;VALUE=DATE:{day}"),
            format!("DTEND;VALUE=DATE:{next}"),
            format!("SUMMARY:{}", text(&kind(m))),
            format!("LOCATION:{}", text(&m.place)),
            format!("DESCRIPTION:{}", text(&m.chair)),
            "END:VEVENT".to_owned(),
        ] {
            fold(&l, &mut out);
        }
    }
    fold("END:VCALENDAR", &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_fold_between_characters_and_text_is_escaped() {
        let mut out = String::new();
        fold(&format!("SUMMARY:{}", "ộ".repeat(40)), &mut out);
        for l in out.split("\r\n").filter(|l| !l.is_empty()) {
            assert!(l.len() <= 75, "{l}");
        }
        assert_eq!(
            out.replace("\r\n ", ""),
            format!("SUMMARY:{}\r\n", "ộ".repeat(40))
        );
        assert_eq!(text("a;b,c\\d\ne"), "a\\;b\\,c\\\\d\\ne");
    }
}
