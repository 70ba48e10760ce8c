//! The Vietnamese lunar calendar, computed astronomically.
//!
//! New moons and solar terms follow the algorithm of Hồ Ngọc Đức ("Âm lịch
//! Việt Nam"), after Jean Meeus, *Astronomical Algorithms*, evaluated at the
//! time zone of Vietnam (UTC+7). The Chinese calendar uses UTC+8, so the two
//! differ in some years (Tết 1985: 21 January in Vietnam, 20 February in China).

use jiff::civil::Date;
use std::f64::consts::PI;

/// Vietnam's offset from UTC, in hours, as the lunar calendar uses it.
pub const VIETNAM_TZ_HOURS: f64 = 7.0;

/// The Julian day number of 1970-01-01.
const JD_UNIX_EPOCH: i64 = 2_440_588;

/// Julian day number of a Gregorian date.
pub fn julian_day(date: Date) -> i64 {
    let epoch = Date::constant(1970, 1, 1);
    JD_UNIX_EPOCH + i64::from((date - epoch).get_days())
}

/// Gregorian date of a Julian day number.
pub fn date_from_julian_day(jd: i64) -> Date {
    let epoch = Date::constant(1970, 1, 1);
    epoch
        .checked_add(jiff::Span::new().days(jd - JD_UNIX_EPOCH))
        .expect("julian day within the supported range")
}

/// Day number (local) of the k-th new moon after 1900-01-01 13:52 UTC.
fn new_moon_day(k: i64, tz: f64) -> i64 {
    let k = k as f64;
    let t = k / 1236.85;
    let t2 = t * t;
    let t3 = t2 * t;
    let dr = PI / 180.0;
    let mut jd1 = 2_415_020.759_33 + 29.530_588_68 * k + 0.000_117_8 * t2 - 0.000_000_155 * t3;
    jd1 += 0.000_33 * ((166.56 + 132.87 * t - 0.009_173 * t2) * dr).sin();
    let m = 359.2242 + 29.105_356_08 * k - 0.000_033_3 * t2 - 0.000_003_47 * t3;
    let mpr = 306.0253 + 385.816_918_06 * k + 0.010_730_6 * t2 + 0.000_012_36 * t3;
    let f = 21.2964 + 390.670_506_46 * k - 0.001_652_8 * t2 - 0.000_002_39 * t3;
    let mut c1 = (0.1734 - 0.000_393 * t) * (m * dr).sin() + 0.0021 * (2.0 * dr * m).sin();
    c1 = c1 - 0.4068 * (mpr * dr).sin() + 0.0161 * (dr * 2.0 * mpr).sin();
    c1 -= 0.0004 * (dr * 3.0 * mpr).sin();
    c1 = c1 + 0.0104 * (dr * 2.0 * f).sin() - 0.0051 * (dr * (m + mpr)).sin();
    c1 = c1 - 0.0074 * (dr * (m - mpr)).sin() + 0.0004 * (dr * (2.0 * f + m)).sin();
    c1 = c1 - 0.0004 * (dr * (2.0 * f - m)).sin() - 0.0006 * (dr * (2.0 * f + mpr)).sin();
    c1 = c1 + 0.0010 * (dr * (2.0 * f - mpr)).sin() + 0.0005 * (dr * (2.0 * mpr + m)).sin();
    let deltat = if t < -11.0 {
        0.001 + 0.000_839 * t + 0.000_226_1 * t2 - 0.000_008_45 * t3 - 0.000_000_081 * t * t3
    } else {
        -0.000_278 + 0.000_265 * t + 0.000_262 * t2
    };
    let jd_new = jd1 + c1 - deltat;
    (jd_new + 0.5 + tz / 24.0).floor() as i64
}

/// Sun's longitude at local midnight starting day `jdn`, as a sector 0..=11
/// of 30° each (sector 9 holds the winter solstice).
fn sun_longitude_sector(jdn: i64, tz: f64) -> i64 {
    let t = (jdn as f64 - 2_451_545.5 - tz / 24.0) / 36525.0;
    let t2 = t * t;
    let dr = PI / 180.0;
    let m = 357.529_10 + 35_999.050_30 * t - 0.000_155_9 * t2 - 0.000_000_48 * t * t2;
    let l0 = 280.466_45 + 36_000.769_83 * t + 0.000_303_2 * t2;
    let mut dl = (1.914_600 - 0.004_817 * t - 0.000_014 * t2) * (dr * m).sin();
    dl += (0.019_993 - 0.000_101 * t) * (dr * 2.0 * m).sin() + 0.000_290 * (dr * 3.0 * m).sin();
    let mut l = (l0 + dl) * dr;
    l -= PI * 2.0 * (l / (PI * 2.0)).floor();
    (l / PI * 6.0).floor() as i64
}

/// Day number of the start of the 11th lunar month (the one holding the
/// winter solstice) of Gregorian year `year`.
fn lunar_month_11(year: i16, tz: f64) -> i64 {
    let off = julian_day(Date::constant(year, 12, 31)) - 2_415_021;
    let k = (off as f64 / 29.530_588_853).floor() as i64;
    let nm = new_moon_day(k, tz);
    if sun_longitude_sector(nm, tz) >= 9 {
        new_moon_day(k - 1, tz)
    } else {
        nm
    }
}

/// Offset (in months after month 11) of the leap month in a 13-month year.
fn leap_month_offset(a11: i64, tz: f64) -> i64 {
    let k = ((a11 as f64 - 2_415_021.076_998_695) / 29.530_588_853 + 0.5).floor() as i64;
    let mut i = 1;
    let mut arc = sun_longitude_sector(new_moon_day(k + i, tz), tz);
    loop {
        let last = arc;
        i += 1;
        arc = sun_longitude_sector(new_moon_day(k + i, tz), tz);
        if arc == last || i >= 14 {
            break;
        }
    }
    i - 1
}

/// The Gregorian date of a (non-leap) lunar day, month and year in Vietnam.
///
/// Returns `None` for a day or month out of range.
pub fn lunar_to_solar(day: u8, month: u8, lunar_year: i16) -> Option<Date> {
    if !(1..=30).contains(&day) || !(1..=12).contains(&month) {
        return None;
    }
    let tz = VIETNAM_TZ_HOURS;
    let (a11, b11) = if month < 11 {
        (
            lunar_month_11(lunar_year - 1, tz),
            lunar_month_11(lunar_year, tz),
        )
    } else {
        (
            lunar_month_11(lunar_year, tz),
            lunar_month_11(lunar_year + 1, tz),
        )
    };
    let k = (0.5 + (a11 as f64 - 2_415_021.076_998_695) / 29.530_588_853).floor() as i64;
    let mut off = i64::from(month) - 11;
    if off < 0 {
        off += 12;
    }
    if b11 - a11 > 365 {
        let leap_off = leap_month_offset(a11, tz);
        if off >= leap_off {
            off += 1;
        }
    }
    let month_start = new_moon_day(k + off, tz);
    Some(date_from_julian_day(month_start + i64::from(day) - 1))
}

/// The first day of the lunar year that begins in Gregorian year `year` (Tết).
pub fn tet(year: i16) -> Date {
    lunar_to_solar(1, 1, year).expect("1/1 is a valid lunar date")
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn tet_matches_published_vietnamese_dates() {
        let known = [
            (2020, date(2020, 1, 25)),
            (2021, date(2021, 2, 12)),
            (2022, date(2022, 2, 1)),
            (2023, date(2023, 1, 22)),
            (2024, date(2024, 2, 10)),
            (2025, date(2025, 1, 29)),
            (2026, date(2026, 2, 17)),
            (2027, date(2027, 2, 6)),
        ];
        for (year, expected) in known {
            assert_eq!(tet(year), expected, "Tết {year}");
        }
    }

    #[test]
    fn tet_1985_differs_from_the_chinese_new_year() {
        // Vietnam (UTC+7) celebrated on 21 January 1985, China on 20 February.
        assert_eq!(tet(1985), date(1985, 1, 21));
        // The new moon of 2 February 2030 falls at 23:07 in Hà Nội but 00:07
        // on 3 February in Beijing.
        assert_eq!(tet(2030), date(2030, 2, 2));
    }

    #[test]
    fn hung_kings_day_is_the_tenth_of_the_third_lunar_month() {
        assert_eq!(lunar_to_solar(10, 3, 2024), Some(date(2024, 4, 18)));
        assert_eq!(lunar_to_solar(10, 3, 2025), Some(date(2025, 4, 7)));
        assert_eq!(lunar_to_solar(10, 3, 2026), Some(date(2026, 4, 26)));
    }

    #[test]
    fn lunar_dates_out_of_range_are_refused() {
        assert_eq!(lunar_to_solar(0, 1, 2026), None);
        assert_eq!(lunar_to_solar(1, 13, 2026), None);
    }

    #[test]
    fn julian_day_round_trips() {
        let d = date(2026, 11, 23);
        assert_eq!(date_from_julian_day(julian_day(d)), d);
        assert_eq!(julian_day(date(2000, 1, 1)), 2_451_545);
    }
}
