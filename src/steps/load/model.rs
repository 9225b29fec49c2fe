//! The load model in time: how long the warmup lasts, when the measured part ends,
//! how many closed-model workers are active at a moment, and when the k-th
//! open-model request is due. Pure: no clock and no IO; every time here is an offset
//! from the moment the load started. It must not import the transports or the stats.

use std::time::Duration;

use super::LoadSpec;

/// The bound on requests in flight in the open model when `concurrency` is not
/// given: high enough that a healthy service never meets it at the rates a single
/// machine can send, low enough that a stalled one cannot exhaust file descriptors.
pub const DEFAULT_OPEN_IN_FLIGHT: u64 = 1000;

/// A `load` step's model, checked and in numbers.
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    /// Sent first and not recorded.
    pub warmup: Duration,
    pub model: Model,
    /// `ramp from A to B over D`, which starts when the warmup ends.
    pub ramp: Option<Ramp>,
    /// The length of the measured part (`duration D`), ramp included.
    pub duration: Option<Duration>,
    /// The number of requests of the measured part (`requests N`), ramp included.
    pub requests: Option<u64>,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Model {
    /// `concurrency N` workers, each sending when its last request has been answered.
    Closed { concurrency: u64 },
    /// Requests due at fixed intervals; `in_flight` bounds those not yet answered.
    Open {
        /// Requests per second when the ramp (if any) is over.
        rate: f64,
        /// The length of the `rate`'s period: a ramp's levels are per this period.
        period: Duration,
        in_flight: u64,
    },
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Ramp {
    pub from: u64,
    pub to: u64,
    pub over: Duration,
}

/// Whether a closed-model worker may send now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Activation {
    Now,
    /// Not before this offset.
    At(Duration),
    Never,
}

impl Plan {
    /// Checks the spec; the error is a sentence for the user.
    pub fn from_spec(spec: &LoadSpec) -> Result<Plan, String> {
        let model = if let Some((count, period)) = spec.rate {
            if period.is_zero() {
                return Err("the `rate` period must be longer than 0s".to_string());
            }
            if spec.duration.is_none() {
                return Err("an open-model `load` (`rate N per D`) needs `duration D`".to_string());
            }
            let in_flight = spec.concurrency.unwrap_or(DEFAULT_OPEN_IN_FLIGHT);
            if in_flight == 0 {
                return Err("`concurrency` must be at least 1".to_string());
            }
            Model::Open {
                rate: count as f64 / period.as_secs_f64(),
                period,
                in_flight,
            }
        } else if let Some(concurrency) = spec.concurrency {
            if spec.requests.is_none() && spec.duration.is_none() {
                return Err(
                    "a `load` with `concurrency` needs `requests N` or `duration D`".to_string(),
                );
            }
            if concurrency == 0 && spec.ramp.is_none() {
                return Err("`concurrency` must be at least 1".to_string());
            }
            Model::Closed { concurrency }
        } else {
            return Err(
                "a `load` needs `concurrency N` (with `requests` or `duration`) or `rate N per D` (with `duration`)"
                    .to_string(),
            );
        };
        let ramp = spec.ramp.map(|(from, to, over)| Ramp { from, to, over });
        Ok(Plan {
            warmup: spec.warmup.unwrap_or_default(),
            model,
            ramp,
            duration: spec.duration,
            requests: spec.requests,
        })
    }

    /// Where the measured part ends, if it ends by time.
    pub fn measured_end(&self) -> Option<Duration> {
        self.duration.map(|duration| self.warmup + duration)
    }

    /// How many closed-model workers there are: the most that are ever active.
    pub fn closed_workers(&self) -> u64 {
        let Model::Closed { concurrency } = self.model else {
            return 0;
        };
        match self.ramp {
            Some(ramp) => concurrency.max(ramp.from).max(ramp.to),
            None => concurrency,
        }
    }

    /// How many closed-model workers are active at `at`: during the warmup the
    /// ramp's first level (or the full level when there is no ramp), then the ramp's
    /// level rounded down, then `concurrency`.
    pub fn closed_level(&self, at: Duration) -> u64 {
        let Model::Closed { concurrency } = self.model else {
            return 0;
        };
        let Some(ramp) = self.ramp else {
            return concurrency;
        };
        if at < self.warmup {
            return ramp.from;
        }
        let into_ramp = at - self.warmup;
        if into_ramp >= ramp.over {
            return concurrency;
        }
        let (elapsed, over) = (into_ramp.as_nanos(), ramp.over.as_nanos());
        if ramp.to >= ramp.from {
            let gained = u128::from(ramp.to - ramp.from) * elapsed / over;
            ramp.from + u64::try_from(gained).unwrap_or(u64::MAX)
        } else {
            let lost = (u128::from(ramp.from - ramp.to) * elapsed).div_ceil(over);
            ramp.from
                .saturating_sub(u64::try_from(lost).unwrap_or(u64::MAX))
        }
    }

    /// When worker `worker` (counted from 0) may send next, seen at `at`.
    pub fn closed_activation(&self, worker: u64, at: Duration) -> Activation {
        let Model::Closed { concurrency } = self.model else {
            return Activation::Never;
        };
        if worker < self.closed_level(at) {
            return Activation::Now;
        }
        let Some(ramp) = self.ramp else {
            return Activation::Never;
        };
        let ramp_end = self.warmup + ramp.over;
        if at < ramp_end && ramp.to > ramp.from && worker < ramp.to {
            // The ramp's level passes `worker` once (to - from) * elapsed / over
            // reaches worker + 1 - from.
            let needed = u128::from(worker + 1 - ramp.from.min(worker + 1));
            let over = ramp.over.as_nanos();
            let nanos = (needed * over).div_ceil(u128::from(ramp.to - ramp.from));
            let offset =
                self.warmup + Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX));
            return Activation::At(offset.max(at).min(ramp_end));
        }
        if at < ramp_end && worker < concurrency {
            return Activation::At(ramp_end);
        }
        Activation::Never
    }

    /// The offset at which the `ticket`-th open-model request (counted from 0, the
    /// warmup's included) is due, or `None` if the rate never gets there. Requests are
    /// spread evenly: the k-th is due when the rate's running total reaches k.
    pub fn open_due(&self, ticket: u64) -> Option<Duration> {
        let Model::Open { rate, period, .. } = self.model else {
            return None;
        };
        let per_second = |level: u64| level as f64 / period.as_secs_f64();
        let (warmup_rate, ramp_segment) = match self.ramp {
            Some(ramp) => (
                per_second(ramp.from),
                Some((
                    ramp.over.as_secs_f64(),
                    per_second(ramp.from),
                    per_second(ramp.to),
                )),
            ),
            None => (rate, None),
        };
        let mut segments: Vec<(f64, f64, f64)> = Vec::with_capacity(3);
        segments.push((self.warmup.as_secs_f64(), warmup_rate, warmup_rate));
        segments.extend(ramp_segment);
        segments.push((f64::INFINITY, rate, rate));
        let mut wanted = ticket as f64;
        let mut start = 0.0;
        for (length, from, to) in segments {
            if let Some(offset) = time_to_count(wanted, length, from, to) {
                return Some(Duration::from_secs_f64(start + offset));
            }
            if length.is_infinite() {
                return None;
            }
            wanted -= (from + to) / 2.0 * length;
            start += length;
        }
        None
    }
}

/// Within a segment of `length` seconds whose rate moves linearly from `from` to
/// `to` per second: the time at which `count` requests are due, if within it.
fn time_to_count(count: f64, length: f64, from: f64, to: f64) -> Option<f64> {
    const SLACK: f64 = 1e-9;
    if count <= 0.0 {
        // The first request is due as soon as the rate is above zero.
        return (length > 0.0 && (from > 0.0 || to > 0.0)).then_some(0.0);
    }
    if length <= 0.0 {
        return None;
    }
    if length.is_infinite() || (to - from).abs() < f64::EPSILON {
        if from <= 0.0 {
            return None;
        }
        let offset = count / from;
        return (offset <= length + SLACK).then_some(offset.min(length));
    }
    let total = (from + to) / 2.0 * length;
    if count > total + SLACK {
        return None;
    }
    // from * t + slope * t² / 2 = count
    let slope = (to - from) / length;
    let discriminant = (from * from + 2.0 * slope * count).max(0.0);
    let offset = (discriminant.sqrt() - from) / slope;
    Some(offset.clamp(0.0, length))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn closed(concurrency: u64, ramp: Option<(u64, u64, u64)>, warmup: u64) -> Plan {
        Plan::from_spec(&LoadSpec {
            concurrency: Some(concurrency),
            requests: Some(100),
            ramp: ramp.map(|(from, to, over)| (from, to, Duration::from_secs(over))),
            warmup: Some(Duration::from_secs(warmup)),
            ..LoadSpec::default()
        })
        .unwrap()
    }

    fn open(count: u64, per: u64, ramp: Option<(u64, u64, u64)>, warmup: u64) -> Plan {
        Plan::from_spec(&LoadSpec {
            rate: Some((count, Duration::from_secs(per))),
            duration: Some(Duration::from_secs(10)),
            ramp: ramp.map(|(from, to, over)| (from, to, Duration::from_secs(over))),
            warmup: Some(Duration::from_secs(warmup)),
            ..LoadSpec::default()
        })
        .unwrap()
    }

    fn secs(value: f64) -> Duration {
        Duration::from_secs_f64(value)
    }

    #[test]
    fn incomplete_models_are_refused_with_a_sentence() {
        let no_model = Plan::from_spec(&LoadSpec::default()).unwrap_err();
        assert!(no_model.contains("needs `concurrency N`"), "{no_model}");
        let no_duration = Plan::from_spec(&LoadSpec {
            rate: Some((10, Duration::from_secs(1))),
            ..LoadSpec::default()
        })
        .unwrap_err();
        assert!(no_duration.contains("needs `duration D`"), "{no_duration}");
        let zero_period = Plan::from_spec(&LoadSpec {
            rate: Some((10, Duration::ZERO)),
            duration: Some(Duration::from_secs(1)),
            ..LoadSpec::default()
        })
        .unwrap_err();
        assert!(zero_period.contains("period"), "{zero_period}");
    }

    #[test]
    fn the_open_model_bounds_in_flight_requests_by_default() {
        let plan = open(10, 1, None, 0);
        assert_eq!(
            plan.model,
            Model::Open {
                rate: 10.0,
                period: Duration::from_secs(1),
                in_flight: DEFAULT_OPEN_IN_FLIGHT
            }
        );
    }

    #[test]
    fn without_a_ramp_every_closed_worker_is_always_active() {
        let plan = closed(5, None, 2);
        assert_eq!(plan.closed_workers(), 5);
        assert_eq!(plan.closed_level(Duration::ZERO), 5);
        assert_eq!(plan.closed_activation(4, Duration::ZERO), Activation::Now);
        assert_eq!(plan.closed_activation(5, Duration::ZERO), Activation::Never);
    }

    #[test]
    fn a_closed_ramp_adds_workers_linearly_after_the_warmup() {
        // warmup 2s at 2 workers, then 2 → 10 over 4s, then 10.
        let plan = closed(10, Some((2, 10, 4)), 2);
        assert_eq!(plan.closed_workers(), 10);
        assert_eq!(plan.closed_level(secs(1.0)), 2);
        assert_eq!(plan.closed_level(secs(2.0)), 2);
        assert_eq!(plan.closed_level(secs(3.0)), 4);
        assert_eq!(plan.closed_level(secs(5.9)), 9);
        assert_eq!(plan.closed_level(secs(6.0)), 10);
        assert_eq!(plan.closed_activation(1, secs(0.0)), Activation::Now);
        // Worker 2 is the third: the level reaches 3 after a eighth of the ramp.
        assert_eq!(
            plan.closed_activation(2, secs(0.0)),
            Activation::At(secs(2.5))
        );
        assert_eq!(
            plan.closed_activation(9, secs(0.0)),
            Activation::At(secs(6.0))
        );
        assert_eq!(plan.closed_level(secs(2.5)), 3);
    }

    #[test]
    fn a_falling_closed_ramp_retires_workers_then_holds_the_concurrency() {
        let plan = closed(4, Some((8, 2, 6)), 0);
        assert_eq!(plan.closed_workers(), 8);
        assert_eq!(plan.closed_level(secs(0.0)), 8);
        assert_eq!(plan.closed_level(secs(3.0)), 5);
        assert_eq!(plan.closed_level(secs(6.0)), 4);
        assert_eq!(
            plan.closed_activation(3, secs(5.5)),
            Activation::At(secs(6.0))
        );
        assert_eq!(plan.closed_activation(6, secs(5.5)), Activation::Never);
    }

    #[test]
    fn open_requests_are_due_at_even_intervals() {
        let plan = open(4, 2, None, 0);
        assert_eq!(plan.open_due(0), Some(secs(0.0)));
        assert_eq!(plan.open_due(1), Some(secs(0.5)));
        assert_eq!(plan.open_due(10), Some(secs(5.0)));
    }

    #[test]
    fn an_open_ramp_integrates_the_rate() {
        // Warmup 1s at 0/s; then 0 → 10/s over 2s (10 requests); then 10/s.
        let plan = open(10, 1, Some((0, 10, 2)), 1);
        assert_eq!(plan.open_due(0), Some(secs(1.0)));
        // Within the ramp, count(t) = 10 t² / 4: 2.5 requests at 1s into it.
        let due = plan.open_due(1).unwrap().as_secs_f64();
        assert!((due - (1.0 + (0.4f64).sqrt())).abs() < 1e-6, "{due}");
        let end_of_ramp = plan.open_due(10).unwrap().as_secs_f64();
        assert!((end_of_ramp - 3.0).abs() < 1e-6, "{end_of_ramp}");
        let after = plan.open_due(15).unwrap().as_secs_f64();
        assert!((after - 3.5).abs() < 1e-6, "{after}");
    }

    #[test]
    fn a_zero_rate_never_comes_due() {
        let plan = open(0, 1, None, 0);
        assert_eq!(plan.open_due(0), None);
        assert_eq!(plan.open_due(1), None);
    }
}
