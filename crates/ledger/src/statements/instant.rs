//! When a statement line happened, as a UTC instant, from the date, time and time-zone columns
//! a provider writes ("3/2/2026", "21:14:05", "PST"): the matching window then compares
//! instants, so an evening in California is the next morning in UTC. A zone the app does not
//! know gives no instant, and matching falls back to the widest reading of the day.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime, TimeZone, Utc};

/// The zone abbreviations PayPal writes in its activity exports, with their UTC offsets in
/// minutes. Ambiguous ones ("IST": India or Ireland) are left out on purpose.
const ZONES: [(&str, i32); 31] = [
    ("UTC", 0),
    ("GMT", 0),
    ("WET", 0),
    ("BST", 60),
    ("WEST", 60),
    ("CET", 60),
    ("MEZ", 60),
    ("CEST", 120),
    ("MESZ", 120),
    ("EET", 120),
    ("EEST", 180),
    ("MSK", 180),
    ("JST", 540),
    ("KST", 540),
    ("HKT", 480),
    ("SGT", 480),
    ("AWST", 480),
    ("AEST", 600),
    ("AEDT", 660),
    ("NZST", 720),
    ("NZDT", 780),
    ("BRT", -180),
    ("ART", -180),
    ("EST", -300),
    ("EDT", -240),
    ("CST", -360),
    ("CDT", -300),
    ("MST", -420),
    ("MDT", -360),
    ("PST", -480),
    ("PDT", -420),
];

/// The offset a zone column names: an abbreviation of [`ZONES`], or an offset written as
/// "+01:00", "-0800", "GMT+01:00" or "UTC-8".
pub(super) fn zone_offset(zone: &str) -> Option<FixedOffset> {
    let zone = zone.trim().to_uppercase();
    if let Some(&(_, minutes)) = ZONES.iter().find(|(name, _)| *name == zone) {
        return FixedOffset::east_opt(minutes * 60);
    }
    let offset = zone
        .strip_prefix("GMT")
        .or_else(|| zone.strip_prefix("UTC"))
        .unwrap_or(&zone);
    let (sign, rest) = match offset.as_bytes().first()? {
        b'+' => (1, &offset[1..]),
        b'-' => (-1, &offset[1..]),
        _ => return None,
    };
    let digits: String = rest.chars().filter(|c| *c != ':').collect();
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let (hours, minutes): (i32, i32) = match digits.len() {
        1 | 2 => (digits.parse().ok()?, 0),
        4 => (digits[..2].parse().ok()?, digits[2..].parse().ok()?),
        _ => return None,
    };
    if hours > 14 || minutes >= 60 {
        return None;
    }
    FixedOffset::east_opt(sign * (hours * 3600 + minutes * 60))
}

/// A time of day as PayPal writes it: "21:14:05", "21:14", "9:14:05 PM".
fn time_of_day(time: &str) -> Option<NaiveTime> {
    let time = time.trim();
    ["%H:%M:%S", "%H:%M", "%I:%M:%S %p", "%I:%M %p"]
        .iter()
        .find_map(|f| NaiveTime::parse_from_str(time, f).ok())
}

/// The UTC instant of `day` at `time` in `zone`, when both read.
pub(super) fn instant(day: NaiveDate, time: &str, zone: &str) -> Option<DateTime<Utc>> {
    let local = day.and_time(time_of_day(time)?);
    let at = zone_offset(zone)?.from_local_datetime(&local).single()?;
    Some(at.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn an_evening_in_california_is_the_next_morning_in_utc() {
        let at = instant(day(2026, 3, 2), "21:14:05", "PST").unwrap();
        assert_eq!(at.to_rfc3339(), "2026-03-03T05:14:05+00:00");
        let at = instant(day(2026, 7, 2), "9:14:05 PM", "PDT").unwrap();
        assert_eq!(at.to_rfc3339(), "2026-07-03T04:14:05+00:00");
    }

    #[test]
    fn zones_by_name_and_by_offset() {
        for (zone, minutes) in [
            ("CET", 60),
            ("cest", 120),
            ("GMT", 0),
            ("BRT", -180),
            ("+01:00", 60),
            ("-0800", -480),
            ("GMT+01:00", 60),
            ("UTC-8", -480),
            ("UTC+05:30", 330),
        ] {
            assert_eq!(
                zone_offset(zone).map(|o| o.local_minus_utc() / 60),
                Some(minutes),
                "{zone}"
            );
        }
        for unknown in ["IST", "", "Mars", "+25:00", "+1:5", "GMT+"] {
            assert_eq!(zone_offset(unknown), None, "{unknown}");
        }
        assert_eq!(instant(day(2026, 3, 2), "09:14:05", "IST"), None);
        assert_eq!(instant(day(2026, 3, 2), "late", "CET"), None);
    }
}
