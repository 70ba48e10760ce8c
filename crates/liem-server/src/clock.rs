//! Today's date, as the law counts it.

use jiff::civil::Date;

/// Today's civil date in the legal time zone (the domain's one definition).
pub fn today() -> Date {
    liem_domain::calendar::civil_date(jiff::Timestamp::now())
}
