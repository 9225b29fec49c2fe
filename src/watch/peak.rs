//! The highest reading of one figure against its limit while a run went, and
//! when it was first reached: what a sampler keeps of each figure it watches.

use std::time::Duration;

#[derive(Clone, Debug, PartialEq)]
pub struct Peak {
    pub used: u64,
    pub limit: u64,
    /// Since the run started.
    pub at: Duration,
}

impl Peak {
    /// `used` of `limit` in percent.
    pub fn percent(&self) -> f64 {
        if self.limit == 0 {
            0.0
        } else {
            self.used as f64 * 100.0 / self.limit as f64
        }
    }
}

/// Keeps `reading` when it is a higher share of its limit than `peak` (a
/// limit of 0 means none: nothing to compare with).
pub fn keep_highest(peak: &mut Option<Peak>, used: u64, limit: u64, at: Duration) {
    if limit == 0 {
        return;
    }
    let reading = Peak { used, limit, at };
    if peak
        .as_ref()
        .is_none_or(|known| reading.percent() > known.percent())
    {
        *peak = Some(reading);
    }
}

/// A time since the run started, in whole milliseconds (`at_ms`).
pub fn millis(at: Duration) -> f64 {
    (at.as_secs_f64() * 1000.0).round()
}

/// "at 1.4s into the run"
pub fn when(at: Duration) -> String {
    format!("at {} into the run", crate::units::short_duration(at))
}

/// "85%": whole percents, as the seed writes them; never rounded up to a
/// threshold it did not reach.
pub fn whole_percent(percent: f64) -> String {
    format!("{}%", percent.floor() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_highest_share_and_its_first_time_are_kept() {
        let mut peak = None;
        keep_highest(&mut peak, 5, 10, Duration::from_millis(100));
        keep_highest(&mut peak, 9, 10, Duration::from_millis(200));
        keep_highest(&mut peak, 9, 10, Duration::from_millis(300));
        keep_highest(&mut peak, 1, 0, Duration::from_millis(400));
        let peak = peak.unwrap();
        assert_eq!((peak.used, peak.at), (9, Duration::from_millis(200)));
        assert_eq!(whole_percent(peak.percent()), "90%");
        assert_eq!(whole_percent(79.99), "79%");
        assert_eq!(when(Duration::from_millis(1400)), "at 1.4s into the run");
    }
}
