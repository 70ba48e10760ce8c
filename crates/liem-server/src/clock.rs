//! Today's date, as the law counts it.

use jiff::civil::Date;

/// Today's civil date in Vietnam (UTC+7 all year: no daylight saving).
pub fn today() -> Date {
    let vn = jiff::tz::TimeZone::fixed(jiff::tz::Offset::constant(7));
    jiff::Timestamp::now().to_zoned(vn).date()
}
