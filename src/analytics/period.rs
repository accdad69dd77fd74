//! The periods figures are counted over.

use serde::Serialize;

/// Last day, week or month (rolling, ending now).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Period {
    /// The last 24 hours.
    Day,
    /// The last 7 days.
    Week,
    /// The last 30 days.
    Month,
}

/// A period name that is not `day`, `week` or `month`.
#[derive(Debug, thiserror::Error)]
#[error("period 只能是 day、week 或 month，收到“{0}”")]
pub struct PeriodError(pub String);

impl Period {
    /// Every period, shortest first.
    pub const ALL: [Period; 3] = [Period::Day, Period::Week, Period::Month];

    /// Its length in days.
    pub fn days(self) -> i64 {
        match self {
            Period::Day => 1,
            Period::Week => 7,
            Period::Month => 30,
        }
    }

    /// Its index in [`Period::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// `day`, `week` or `month`.
    pub fn name(self) -> &'static str {
        match self {
            Period::Day => "day",
            Period::Week => "week",
            Period::Month => "month",
        }
    }

    /// Parses `day`, `week` or `month`.
    pub fn parse(s: &str) -> Result<Period, PeriodError> {
        match s {
            "day" => Ok(Period::Day),
            "week" => Ok(Period::Week),
            "month" => Ok(Period::Month),
            other => Err(PeriodError(other.chars().take(20).collect())),
        }
    }
}
