//! ISO 8601 durations as protocols write deadlines (`PT24H`, `PT0S`, `P1M`), added in UTC.

use std::fmt;

use serde::Serialize;
use time::{Date, Duration, OffsetDateTime, UtcOffset};

/// A deadline offset: calendar months first, then a fixed duration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Due {
    pub months: u32,
    #[serde(serialize_with = "ser_seconds")]
    pub fixed: Duration,
    #[serde(skip)]
    text: String,
}

fn ser_seconds<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_i64(d.whole_seconds())
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{0:?} is not a duration like PT24H, PT0S, P3D or P1M (ISO 8601: P[nY][nM][nW][nD][T[nH][nM][nS]])"
)]
pub struct BadDuration(pub String);

impl Due {
    pub fn parse(s: &str) -> Result<Due, BadDuration> {
        let bad = || BadDuration(s.to_string());
        let rest = s.strip_prefix('P').ok_or_else(bad)?;
        let (date, time) = match rest.split_once('T') {
            Some((d, t)) if !t.is_empty() => (d, Some(t)),
            Some(_) => return Err(bad()),
            None => (rest, None),
        };
        if date.is_empty() && time.is_none() {
            return Err(bad());
        }
        let mut months: u64 = 0;
        let mut seconds: i64 = 0;
        for (part, units) in [(date, "YMWD"), (time.unwrap_or(""), "HMS")] {
            let mut number = String::new();
            let mut last_unit = None;
            for c in part.chars() {
                if c.is_ascii_digit() {
                    number.push(c);
                    continue;
                }
                let pos = units.find(c).ok_or_else(bad)?;
                // Units in order, each at most once, each with a number.
                if number.is_empty() || last_unit.is_some_and(|l| pos <= l) {
                    return Err(bad());
                }
                last_unit = Some(pos);
                let n: i64 = number.parse().map_err(|_| bad())?;
                number.clear();
                let in_time = units == "HMS";
                match (in_time, c) {
                    (false, 'Y') => months += (n as u64) * 12,
                    (false, 'M') => months += n as u64,
                    (false, 'W') => seconds += n * 7 * 86_400,
                    (false, 'D') => seconds += n * 86_400,
                    (true, 'H') => seconds += n * 3_600,
                    (true, 'M') => seconds += n * 60,
                    (true, 'S') => seconds += n,
                    _ => return Err(bad()),
                }
                if seconds > 100 * 365 * 86_400 || months > 1200 {
                    return Err(bad());
                }
            }
            if !number.is_empty() {
                return Err(bad());
            }
        }
        Ok(Due {
            months: months as u32,
            fixed: Duration::seconds(seconds),
            text: s.to_string(),
        })
    }

    pub fn is_zero(&self) -> bool {
        self.months == 0 && self.fixed.is_zero()
    }

    /// `t + self` in UTC. A calendar month keeps the day of month, clamped to the month's last
    /// day (31 Jan + P1M = 28 or 29 Feb), and the time of day.
    pub fn after(&self, t: OffsetDateTime) -> OffsetDateTime {
        add_months(t.to_offset(UtcOffset::UTC), self.months) + self.fixed
    }
}

impl fmt::Display for Due {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

fn add_months(t: OffsetDateTime, months: u32) -> OffsetDateTime {
    if months == 0 {
        return t;
    }
    let zero_based = t.year() as i64 * 12 + (u8::from(t.month()) as i64 - 1) + i64::from(months);
    let year = (zero_based / 12) as i32;
    let month = time::Month::try_from((zero_based % 12 + 1) as u8).expect("1..=12");
    let day = t.day().min(month.length(year));
    let date = Date::from_calendar_date(year, month, day).expect("clamped day is valid");
    t.replace_date(date)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn parses() {
        let cases = [
            ("PT24H", Some((0, 86_400))),
            ("PT72H", Some((0, 259_200))),
            ("PT0S", Some((0, 0))),
            ("P1M", Some((1, 0))),
            ("P1Y2M", Some((14, 0))),
            ("P3D", Some((0, 259_200))),
            ("P1DT1H30M", Some((0, 91_800))),
            ("P1W", Some((0, 604_800))),
            ("24h", None),
            ("P", None),
            ("PT", None),
            ("PTH", None),
            ("P1H", None),
            ("PT1D", None),
            ("PT1H1H", None),
            ("PT1M1H", None),
            ("P1MT", None),
            ("-PT1H", None),
            ("PT99999999999H", None),
        ];
        for (s, expected) in cases {
            let got = Due::parse(s)
                .ok()
                .map(|d| (d.months, d.fixed.whole_seconds()));
            assert_eq!(got, expected, "{s}");
        }
        assert_eq!(Due::parse("PT24H").unwrap().to_string(), "PT24H");
    }

    #[test]
    fn adds_in_utc_with_month_clamping() {
        let cases = [
            (
                "PT24H",
                datetime!(2026-03-08 01:30 UTC),
                datetime!(2026-03-09 01:30 UTC),
            ),
            (
                "PT72H",
                datetime!(2026-12-30 12:00 UTC),
                datetime!(2027-01-02 12:00 UTC),
            ),
            (
                "P1M",
                datetime!(2026-01-31 10:00 UTC),
                datetime!(2026-02-28 10:00 UTC),
            ),
            (
                "P1M",
                datetime!(2028-01-31 10:00 UTC),
                datetime!(2028-02-29 10:00 UTC),
            ),
            (
                "P1M",
                datetime!(2026-12-15 23:59 UTC),
                datetime!(2027-01-15 23:59 UTC),
            ),
            (
                "P1M",
                datetime!(2026-03-31 00:00 UTC),
                datetime!(2026-04-30 00:00 UTC),
            ),
            // Offsets are converted to UTC first: 20:00 at UTC-6 is 02:00 UTC next day.
            (
                "PT24H",
                datetime!(2026-04-05 20:00 -6),
                datetime!(2026-04-07 02:00 UTC),
            ),
            (
                "P1M",
                datetime!(2026-01-30 20:00 -6),
                datetime!(2026-02-28 02:00 UTC),
            ),
        ];
        for (due, from, expected) in cases {
            assert_eq!(
                Due::parse(due).unwrap().after(from),
                expected,
                "{due} after {from}"
            );
        }
    }
}
