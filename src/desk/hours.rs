//! Business hours (`[hours]`): whether people answer now, and when they
//! next do, in the shop's own time zone.

use crate::config::HoursSettings;
use chrono::{DateTime, Datelike, Duration, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

/// When people answer, per weekday (Monday first).
#[derive(Debug, Clone)]
pub struct Hours {
    zone: Tz,
    /// Open ranges per weekday; `None`: no hours set, always open.
    days: Option<[Vec<(NaiveTime, NaiveTime)>; 7]>,
}

impl Hours {
    /// Read `[hours]`; a bad zone or range is a config error naming it.
    pub fn from_settings(settings: &HoursSettings) -> anyhow::Result<Self> {
        let zone: Tz = settings.timezone.trim().parse().map_err(|_| {
            anyhow::anyhow!(
                "hours.timezone: {:?} is not a time zone; use an IANA name such as \"Europe/Berlin\" or \"UTC\"",
                settings.timezone
            )
        })?;
        let raw = [
            ("mon", &settings.mon),
            ("tue", &settings.tue),
            ("wed", &settings.wed),
            ("thu", &settings.thu),
            ("fri", &settings.fri),
            ("sat", &settings.sat),
            ("sun", &settings.sun),
        ];
        if raw.iter().all(|(_, v)| v.trim().is_empty()) {
            return Ok(Self { zone, days: None });
        }
        let mut days: [Vec<(NaiveTime, NaiveTime)>; 7] = Default::default();
        for (day, (name, value)) in raw.iter().enumerate() {
            for range in value.split(',').filter(|r| !r.trim().is_empty()) {
                days[day].push(parse_range(range).ok_or_else(|| {
                    anyhow::anyhow!(
                        "hours.{name}: {range:?} is not a time range; write \"09:00-17:00\" (several with commas)"
                    )
                })?);
            }
        }
        Ok(Self {
            zone,
            days: Some(days),
        })
    }

    /// Whether people answer at `now`.
    pub fn open_at(&self, now: DateTime<Utc>) -> bool {
        let Some(days) = &self.days else {
            return true;
        };
        let local = now.with_timezone(&self.zone);
        let day = local.weekday().num_days_from_monday() as usize;
        let time = local.time();
        days[day]
            .iter()
            .any(|(from, to)| *from <= time && time < *to)
    }

    /// When people next answer after `now`, as the customer reads it
    /// ("Monday 09:00 (Europe/Berlin)"); `None` when no hours are set or
    /// none in the coming week.
    pub fn next_opening(&self, now: DateTime<Utc>) -> Option<String> {
        let days = self.days.as_ref()?;
        let local = now.with_timezone(&self.zone);
        for ahead in 0..8 {
            let date = local.date_naive() + Duration::days(ahead);
            let day = date.weekday().num_days_from_monday() as usize;
            let mut starts: Vec<NaiveTime> = days[day].iter().map(|(from, _)| *from).collect();
            starts.sort();
            for start in starts {
                let Some(at) = self
                    .zone
                    .from_local_datetime(&date.and_time(start))
                    .earliest()
                else {
                    continue;
                };
                if at > local {
                    let when = if ahead == 0 {
                        "today".to_string()
                    } else if ahead == 1 {
                        "tomorrow".to_string()
                    } else {
                        at.format("%A").to_string()
                    };
                    return Some(format!(
                        "{when} {} ({})",
                        at.format("%H:%M"),
                        self.zone.name()
                    ));
                }
            }
        }
        None
    }

    /// The day at `now` in the shop's zone (`2026-12-06`): a closed-hours
    /// notice goes out once per such day.
    pub fn day_of(&self, now: DateTime<Utc>) -> String {
        now.with_timezone(&self.zone).format("%Y-%m-%d").to_string()
    }
}

/// `"09:00-17:00"`; `24:00` ends a day.
fn parse_range(range: &str) -> Option<(NaiveTime, NaiveTime)> {
    let (from, to) = range.trim().split_once('-')?;
    let time = |t: &str| {
        let t = t.trim();
        if t == "24:00" {
            return NaiveTime::from_hms_nano_opt(23, 59, 59, 999_999_999);
        }
        NaiveTime::parse_from_str(t, "%H:%M").ok()
    };
    let (from, to) = (time(from)?, time(to)?);
    (from < to).then_some((from, to))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hours(zone: &str, mon: &str, sat: &str) -> Hours {
        Hours::from_settings(&HoursSettings {
            timezone: zone.into(),
            mon: mon.into(),
            sat: sat.into(),
            ..HoursSettings::default()
        })
        .unwrap()
    }

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn no_hours_means_always_open() {
        let h = hours("UTC", "", "");
        assert!(h.open_at(at("2026-12-06T03:00:00Z")));
        assert_eq!(h.next_opening(at("2026-12-06T03:00:00Z")), None);
    }

    #[test]
    fn ranges_apply_in_the_shops_zone() {
        // Monday 2026-12-07; Berlin is UTC+1 in December.
        let h = hours("Europe/Berlin", "09:00-12:00, 13:00-17:00", "");
        assert!(h.open_at(at("2026-12-07T08:30:00Z"))); // 09:30 Berlin
        assert!(!h.open_at(at("2026-12-07T11:30:00Z"))); // 12:30 lunch
        assert!(!h.open_at(at("2026-12-07T07:30:00Z"))); // 08:30
        assert!(!h.open_at(at("2026-12-08T09:00:00Z"))); // Tuesday: closed
        assert_eq!(
            h.next_opening(at("2026-12-06T20:00:00Z")).as_deref(), // Sunday 21:00
            Some("tomorrow 09:00 (Europe/Berlin)")
        );
        assert_eq!(
            h.next_opening(at("2026-12-07T11:30:00Z")).as_deref(),
            Some("today 13:00 (Europe/Berlin)")
        );
        assert_eq!(
            h.next_opening(at("2026-12-08T09:00:00Z")).as_deref(),
            Some("Monday 09:00 (Europe/Berlin)")
        );
    }

    #[test]
    fn bad_zones_and_ranges_are_named() {
        let zone = HoursSettings {
            timezone: "Mars/Olympus".into(),
            ..HoursSettings::default()
        };
        assert!(Hours::from_settings(&zone)
            .unwrap_err()
            .to_string()
            .contains("hours.timezone"));
        let range = HoursSettings {
            tue: "9-5".into(),
            ..HoursSettings::default()
        };
        assert!(Hours::from_settings(&range)
            .unwrap_err()
            .to_string()
            .contains("hours.tue"));
    }
}
