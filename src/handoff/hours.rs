//! Business hours: when agents are expected, in the office's time zone.

use crate::config::handoff::Hours;
use chrono::{DateTime, Datelike, FixedOffset, NaiveTime, Utc};

/// Hours parsed once at startup.
#[derive(Debug, Clone)]
pub struct Schedule {
    offset: FixedOffset,
    days: Vec<u8>,
    open: u32,
    close: u32,
    text: String,
}

fn minutes(s: &str) -> Option<u32> {
    if s == "24:00" {
        return Some(24 * 60);
    }
    let t = NaiveTime::parse_from_str(s, "%H:%M").ok()?;
    Some(chrono::Timelike::hour(&t) * 60 + chrono::Timelike::minute(&t))
}

impl Schedule {
    /// Parses the configured hours; the error says which value is wrong.
    pub fn parse(h: &Hours) -> Result<Schedule, String> {
        let offset = FixedOffset::east_opt(h.utc_offset_hours * 3600)
            .ok_or_else(|| format!("utc_offset_hours 无效：{}", h.utc_offset_hours))?;
        let open = minutes(&h.open).ok_or_else(|| format!("open 时间无效：{}", h.open))?;
        let close = minutes(&h.close).ok_or_else(|| format!("close 时间无效：{}", h.close))?;
        if let Some(d) = h.days.iter().find(|d| !(1..=7).contains(*d)) {
            return Err(format!("days 只能是 1-7，而不是 {d}"));
        }
        const NAMES: [&str; 7] = ["一", "二", "三", "四", "五", "六", "日"];
        let days: Vec<&str> = h.days.iter().map(|d| NAMES[usize::from(*d - 1)]).collect();
        let text = format!("周{} {}-{}", days.join("、"), h.open, h.close);
        Ok(Schedule { offset, days: h.days.clone(), open, close, text })
    }

    /// Whether agents are on duty at `at`.
    pub fn is_open(&self, at: DateTime<Utc>) -> bool {
        let local = at.with_timezone(&self.offset);
        let day = u8::try_from(local.weekday().number_from_monday()).unwrap_or(0);
        let minute = chrono::Timelike::hour(&local) * 60 + chrono::Timelike::minute(&local);
        self.days.contains(&day) && minute >= self.open && minute < self.close
    }

    /// The hours for people, e.g. `周一、周二 09:00-18:00`.
    pub fn describe(&self) -> &str {
        &self.text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn weekday_office_hours_in_china_time() {
        let s = Schedule::parse(&Hours::default()).expect("valid");
        // 2026-11-23 is a Monday; 02:00 UTC = 10:00 in Beijing.
        let monday_10 = Utc.with_ymd_and_hms(2026, 11, 23, 2, 0, 0).single().expect("t");
        let monday_20 = Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).single().expect("t");
        let sunday_10 = Utc.with_ymd_and_hms(2026, 11, 22, 2, 0, 0).single().expect("t");
        assert!(s.is_open(monday_10));
        assert!(!s.is_open(monday_20));
        assert!(!s.is_open(sunday_10));
        let always = Hours { days: (1..=7).collect(), open: "00:00".into(), close: "24:00".into(), ..Hours::default() };
        assert!(Schedule::parse(&always).expect("valid").is_open(sunday_10));
        let bad = Hours { open: "9点".into(), ..Hours::default() };
        assert!(Schedule::parse(&bad).is_err());
    }
}
