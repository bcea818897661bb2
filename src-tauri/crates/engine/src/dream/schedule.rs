//! When a store dreams: its settings (a daily time, a cron schedule, after N new sessions, the
//! mode) and which stores are due now.

use chrono::{DateTime, NaiveTime, TimeZone};
use reverie_protocol::{DreamMode, DreamSettings, DreamStatus, MemoryStoreId};

use super::Dreams;
use crate::store::dreams as rows;
use crate::{Error, Result};

impl Dreams {
    pub fn settings(&self, store: &MemoryStoreId) -> Result<DreamSettings> {
        self.memory.check_store(store)?;
        rows::settings(&self.db.conn(), store)
    }

    pub fn set_settings(&self, store: &MemoryStoreId, settings: DreamSettings) -> Result<DreamSettings> {
        self.memory.check_store(store)?;
        if let Some(at) = &settings.daily_at {
            let ok = at.len() == 5
                && at.as_bytes()[2] == b':'
                && at[..2].parse::<u8>().is_ok_and(|h| h < 24)
                && at[3..].parse::<u8>().is_ok_and(|m| m < 60);
            if !ok {
                return Err(Error::invalid(
                    "daily_at",
                    format!("“{at}” is not a time of day; write it as HH:MM, like 03:30."),
                ));
            }
        }
        if let Some(expr) = &settings.cron {
            cron_schedule(expr).map_err(|e| Error::invalid("cron", format!("“{expr}” is not a cron schedule ({e}). Write minute hour day month weekday, like 30 3 * * 1-5.")))?;
        }
        if settings.after_sessions.is_some_and(|n| !(1..=1000).contains(&n)) {
            return Err(Error::invalid("after_sessions", "Dream after between 1 and 1,000 new sessions."));
        }
        rows::set_settings(&self.db.conn(), store, &settings)?;
        Ok(settings)
    }

    /// Whether any store dreams on a schedule (then closing the window keeps the app running).
    pub fn scheduled(&self) -> Result<bool> {
        // (The settings are read before the stores are checked: one connection at a time.)
        let all = rows::all_settings(&self.db.conn())?;
        Ok(all.iter().any(|(store, s)| {
            (s.daily_at.is_some() || s.cron.is_some() || s.after_sessions.is_some())
                && self.memory.check_store(store).is_ok()
        }))
    }

    /// Stores whose schedule says to dream now: a daily time or a cron time that has come since
    /// their last dream, or enough new sessions; `now` is in the user's time zone. Stores
    /// dreaming already, or with nothing new, are left out.
    pub fn due<Tz: TimeZone>(&self, now: DateTime<Tz>) -> Result<Vec<(MemoryStoreId, DreamMode)>> {
        let now_ms = now.timestamp_millis();
        let midnight_ms = now
            .timezone()
            .from_local_datetime(&now.date_naive().and_time(NaiveTime::MIN))
            .earliest()
            .map(|m| m.timestamp_millis());
        let mut due = Vec::new();
        let all = rows::all_settings(&self.db.conn())?;
        for (store, settings) in all {
            if self.memory.check_store(&store).is_err() {
                continue;
            }
            let latest = rows::list(&self.db.conn(), Some(&store), 1)?;
            let dreaming =
                latest.first().is_some_and(|d| matches!(d.status, DreamStatus::Pending | DreamStatus::Running));
            if dreaming {
                continue;
            }
            // The latest scheduled moment that has come: today's daily time, the cron's last one.
            let daily = settings.daily_at.as_deref().and_then(|at| {
                let minutes = at.get(..2)?.parse::<i64>().ok()? * 60 + at.get(3..)?.parse::<i64>().ok()?;
                Some(midnight_ms? + minutes * 60_000)
            });
            let by_cron = settings.cron.as_deref().and_then(|expr| {
                let schedule = cron_schedule(expr).ok()?;
                let from = now.clone() - chrono::Duration::days(2);
                schedule.after(&from).take_while(|t| *t <= now).last().map(|t| t.timestamp_millis())
            });
            let last = rows::last_started(&self.db.conn(), &store)?;
            let came = |at: Option<i64>| matches!(at, Some(at) if now_ms >= at && last.is_none_or(|last| last < at));
            let by_clock = came(daily) || came(by_cron);
            let wanted = match settings.after_sessions {
                Some(n) if !by_clock => self.new_sessions(&store, n as usize)?.len() >= n as usize,
                _ => by_clock && !self.new_sessions(&store, 1)?.is_empty(),
            };
            if wanted {
                due.push((store, settings.mode));
            }
        }
        Ok(due)
    }
}

/// A cron schedule from the usual five fields (minute hour day month weekday, with Sunday 0 or
/// 7 as in crontab); six or seven (seconds first, a year last) are taken as the `cron` crate
/// reads them.
pub fn cron_schedule(expr: &str) -> std::result::Result<cron::Schedule, String> {
    let fields: Vec<&str> = expr.split_whitespace().collect();
    let full = match fields.as_slice() {
        [minute, hour, day, month, weekday] => {
            format!("0 {minute} {hour} {day} {month} {}", crontab_weekdays(weekday)?)
        }
        [_, _, _, _, _, _] | [_, _, _, _, _, _, _] => expr.trim().to_owned(),
        other => return Err(format!("it has {} field{}, not 5", other.len(), if other.len() == 1 { "" } else { "s" })),
    };
    full.parse::<cron::Schedule>().map_err(|e| e.to_string())
}

/// crontab's weekday numbers (0–7, Sunday 0 and 7) as the `cron` crate's (1–7, Sunday 1);
/// names and steps stay as they are.
fn crontab_weekdays(field: &str) -> std::result::Result<String, String> {
    let day = |n: &str| -> std::result::Result<String, String> {
        match n.parse::<u8>() {
            Ok(d @ 0..=7) => Ok(((d % 7) + 1).to_string()),
            Ok(d) => Err(format!("weekday {d} is not between 0 and 7")),
            Err(_) => Ok(n.to_owned()),
        }
    };
    field
        .split(',')
        .map(|item| {
            let (range, step) = match item.split_once('/') {
                Some((range, step)) => (range, Some(step)),
                None => (item, None),
            };
            let range = match range.split_once('-') {
                Some((a, b)) => format!("{}-{}", day(a)?, day(b)?),
                None => day(range)?,
            };
            Ok(match step {
                Some(step) => format!("{range}/{step}"),
                None => range,
            })
        })
        .collect::<std::result::Result<Vec<_>, String>>()
        .map(|items| items.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crontab_weekdays_become_the_cron_crates() {
        assert_eq!(crontab_weekdays("0").unwrap(), "1");
        assert_eq!(crontab_weekdays("7").unwrap(), "1");
        assert_eq!(crontab_weekdays("1-5").unwrap(), "2-6");
        assert_eq!(crontab_weekdays("0,6").unwrap(), "1,7");
        assert_eq!(crontab_weekdays("*/2").unwrap(), "*/2");
        assert_eq!(crontab_weekdays("MON-FRI").unwrap(), "MON-FRI");
        assert!(crontab_weekdays("9").is_err());
        assert!(cron_schedule("30 3 * * 1-5").is_ok());
        assert_eq!(cron_schedule("every day").unwrap_err(), "it has 2 fields, not 5");
        assert_eq!(cron_schedule("30 3 * *").unwrap_err(), "it has 4 fields, not 5");
        assert_eq!(cron_schedule("daily").unwrap_err(), "it has 1 field, not 5");
        assert!(cron_schedule("0 30 3 * * *").is_ok(), "six fields, seconds first");
    }
}
