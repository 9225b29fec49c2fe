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
    /// The levels after the warmup, in order: `stages { … }`, or `ramp from A to B
    /// over D` as one segment. After the last, the model's level holds
    /// (`concurrency`, `rate`).
    pub stages: Vec<Segment>,
    /// The length of the measured part (`duration D`, else the stages' total),
    /// stages included.
    pub duration: Option<Duration>,
    /// The number of requests of the measured part (`requests N`), stages included.
    pub requests: Option<u64>,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Model {
    /// Workers, each sending when its last request has been answered;
    /// `concurrency` of them after the stages.
    Closed { concurrency: u64 },
    /// Requests due at fixed intervals; `in_flight` bounds those not yet answered.
    Open {
        /// Requests per second after the stages.
        rate: f64,
        /// The length of the `rate`'s period: a stage's levels are per this period.
        period: Duration,
        in_flight: u64,
    },
}

/// A stretch of time over which the level moves linearly from `from` to `to`
/// (a hold when they are equal).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Segment {
    pub from: u64,
    pub to: u64,
    pub over: Duration,
}

impl Segment {
    /// The level `into` the segment: rounded down while it rises, up while it
    /// falls, so that a worker joins once the level has passed it and leaves
    /// as soon as it drops below.
    fn level_at(&self, into: Duration) -> u64 {
        let (elapsed, over) = (into.as_nanos(), self.over.as_nanos().max(1));
        if self.to >= self.from {
            let gained = u128::from(self.to - self.from) * elapsed / over;
            self.from + u64::try_from(gained).unwrap_or(u64::MAX)
        } else {
            let lost = (u128::from(self.from - self.to) * elapsed).div_ceil(over);
            self.from
                .saturating_sub(u64::try_from(lost).unwrap_or(u64::MAX))
        }
    }

    /// How far into the segment its level first passes `worker` (is at least
    /// `worker + 1`), if it does.
    fn first_above(&self, worker: u64) -> Option<Duration> {
        let wanted = worker + 1;
        if self.from >= wanted {
            return Some(Duration::ZERO);
        }
        if self.to < wanted {
            return None;
        }
        let needed = u128::from(wanted - self.from);
        let nanos = (needed * self.over.as_nanos()).div_ceil(u128::from(self.to - self.from));
        Some(Duration::from_nanos(
            u64::try_from(nanos).unwrap_or(u64::MAX),
        ))
    }
}

/// Where a moment falls in a plan's stages (`Plan::stage_at`).
enum StageAt<'a> {
    /// In the warmup, before this first stage.
    Warmup(&'a Segment),
    /// This far into this stage.
    In(&'a Segment, Duration),
    /// After the stages, or a plan without any.
    After,
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
        let staged = !spec.stages.is_empty();
        if staged && spec.ramp.is_some() {
            return Err("a `load` takes `ramp` or `stages`, not both".to_string());
        }
        if staged && spec.warmup.is_some() {
            return Err(
                "a `load` with `stages` takes no `warmup`: its first stage starts from 0 (make the first stage the warmup's level)"
                    .to_string(),
            );
        }
        let mut stages = Vec::with_capacity(spec.stages.len());
        let mut level = 0;
        for stage in &spec.stages {
            let from = if stage.hold { stage.level } else { level };
            stages.push(Segment {
                from,
                to: stage.level,
                over: stage.over,
            });
            level = stage.level;
        }
        if let Some((from, to, over)) = spec.ramp {
            stages.push(Segment { from, to, over });
        }
        let staged_length: Duration = spec.stages.iter().map(|stage| stage.over).sum();
        let duration = spec.duration.or(staged.then_some(staged_length));
        let model = if let Some((count, period)) = spec.rate {
            if period.is_zero() {
                return Err("the `rate` period must be longer than 0s".to_string());
            }
            if duration.is_none() {
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
        } else if let Some(concurrency) = spec.concurrency.or(staged.then_some(level)) {
            if spec.requests.is_none() && duration.is_none() {
                return Err(
                    "a `load` with `concurrency` needs `requests N` or `duration D`".to_string(),
                );
            }
            if concurrency == 0 && stages.is_empty() {
                return Err("`concurrency` must be at least 1".to_string());
            }
            Model::Closed { concurrency }
        } else {
            return Err(
                "a `load` needs `concurrency N` (with `requests` or `duration`), `stages { … }`, or `rate N per D` (with `duration`)"
                    .to_string(),
            );
        };
        Ok(Plan {
            warmup: spec.warmup.unwrap_or_default(),
            model,
            stages,
            duration,
            requests: spec.requests,
        })
    }

    /// Where the measured part ends, if it ends by time.
    pub fn measured_end(&self) -> Option<Duration> {
        self.duration.map(|duration| self.warmup + duration)
    }

    /// Whether the level changes in time (a `ramp` or `stages`).
    pub fn staged(&self) -> bool {
        !self.stages.is_empty()
    }

    /// How many closed-model workers there are: the most that are ever active.
    pub fn closed_workers(&self) -> u64 {
        let Model::Closed { concurrency } = self.model else {
            return 0;
        };
        self.stages
            .iter()
            .map(|segment| segment.from.max(segment.to))
            .fold(concurrency, u64::max)
    }

    /// How many closed-model workers are active at `at`: during the warmup the
    /// first stage's starting level (or the full level when there is none), then
    /// each stage's level, then `concurrency`.
    pub fn closed_level(&self, at: Duration) -> u64 {
        let Model::Closed { concurrency } = self.model else {
            return 0;
        };
        match self.stage_at(at) {
            StageAt::Warmup(first) => first.from,
            StageAt::In(segment, into) => segment.level_at(into),
            StageAt::After => concurrency,
        }
    }

    /// Where `at` falls: in the warmup before the first stage, `into` a stage, or
    /// after the stages (also when there are none).
    fn stage_at(&self, at: Duration) -> StageAt<'_> {
        let Some(first) = self.stages.first() else {
            return StageAt::After;
        };
        if at < self.warmup {
            return StageAt::Warmup(first);
        }
        let mut into = at - self.warmup;
        for segment in &self.stages {
            if into < segment.over {
                return StageAt::In(segment, into);
            }
            into -= segment.over;
        }
        StageAt::After
    }

    /// When worker `worker` (counted from 0) may send next, seen at `at`.
    pub fn closed_activation(&self, worker: u64, at: Duration) -> Activation {
        let Model::Closed { concurrency } = self.model else {
            return Activation::Never;
        };
        if worker < self.closed_level(at) {
            return Activation::Now;
        }
        if self.stages.is_empty() {
            return Activation::Never;
        }
        // The first moment from `at` on at which a stage's level passes the worker.
        // The stage under way has its level at or below the worker now: if it
        // falls, it never passes the worker again.
        let mut start = self.warmup;
        for segment in &self.stages {
            let end = start + segment.over;
            let falling_now = start <= at && segment.to < segment.from;
            if end > at
                && !falling_now
                && let Some(into) = segment.first_above(worker)
            {
                let when = (start + into).max(at);
                if when < end {
                    return Activation::At(when);
                }
            }
            start = end;
        }
        if worker < concurrency {
            return Activation::At(start.max(at));
        }
        Activation::Never
    }

    /// Open model: requests due per second at `at` (the warmup at the first
    /// stage's starting level, each stage's level, then the `rate`).
    pub fn open_rate(&self, at: Duration) -> f64 {
        let Model::Open { rate, period, .. } = self.model else {
            return 0.0;
        };
        let per_second = |level: f64| level / period.as_secs_f64();
        match self.stage_at(at) {
            StageAt::Warmup(first) => per_second(first.from as f64),
            StageAt::In(segment, into) => {
                let share = into.as_secs_f64() / segment.over.as_secs_f64();
                per_second(segment.from as f64 + (segment.to as f64 - segment.from as f64) * share)
            }
            StageAt::After => rate,
        }
    }

    /// The offset at which the `ticket`-th open-model request (counted from 0, the
    /// warmup's included) is due, or `None` if the rate never gets there. Requests are
    /// spread evenly: the k-th is due when the rate's running total reaches k.
    pub fn open_due(&self, ticket: u64) -> Option<Duration> {
        let Model::Open { rate, period, .. } = self.model else {
            return None;
        };
        let per_second = |level: u64| level as f64 / period.as_secs_f64();
        let warmup_rate = self
            .stages
            .first()
            .map_or(rate, |first| per_second(first.from));
        let mut segments: Vec<(f64, f64, f64)> = Vec::with_capacity(self.stages.len() + 2);
        segments.push((self.warmup.as_secs_f64(), warmup_rate, warmup_rate));
        segments.extend(self.stages.iter().map(|segment| {
            (
                segment.over.as_secs_f64(),
                per_second(segment.from),
                per_second(segment.to),
            )
        }));
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

    /// A spec of `stages`, each `(seconds, level, hold)`.
    fn stages(stages: &[(u64, u64, bool)]) -> Vec<crate::steps::load::spec::Stage> {
        stages
            .iter()
            .map(|&(over, level, hold)| crate::steps::load::spec::Stage {
                over: Duration::from_secs(over),
                level,
                hold,
            })
            .collect()
    }

    fn closed_stages(spec: &[(u64, u64, bool)]) -> Plan {
        Plan::from_spec(&LoadSpec {
            stages: stages(spec),
            ..LoadSpec::default()
        })
        .unwrap()
    }

    #[test]
    fn closed_stages_rise_from_zero_hold_and_fall_and_last_their_total() {
        // 4s to 8, 2s at 8, 4s to 0.
        let plan = closed_stages(&[(4, 8, false), (2, 8, true), (4, 0, false)]);
        assert_eq!(plan.duration, Some(secs(10.0)));
        assert_eq!(plan.closed_workers(), 8);
        let levels: Vec<u64> = [0.0, 1.0, 3.9, 4.0, 5.0, 6.0, 8.0, 8.5, 10.0]
            .into_iter()
            .map(|at| plan.closed_level(secs(at)))
            .collect();
        assert_eq!(levels, [0, 2, 7, 8, 8, 8, 4, 3, 0]);
        assert_eq!(
            plan.closed_activation(0, secs(0.0)),
            Activation::At(secs(0.5))
        );
        assert_eq!(
            plan.closed_activation(7, secs(0.0)),
            Activation::At(secs(4.0))
        );
        assert_eq!(plan.closed_activation(7, secs(5.0)), Activation::Now);
        // Falling, and nothing after to raise it again: the worker is done.
        assert_eq!(plan.closed_activation(3, secs(8.5)), Activation::Never);
    }

    #[test]
    fn a_hold_sets_its_level_at_once_and_a_later_stage_raises_it_again() {
        // 2s at 4, 2s to 0, 2s to 4: the level falls, then rises.
        let plan = closed_stages(&[(2, 4, true), (2, 0, false), (2, 4, false)]);
        let levels: Vec<u64> = [0.0, 1.9, 2.0, 3.0, 4.0, 5.0, 6.0]
            .into_iter()
            .map(|at| plan.closed_level(secs(at)))
            .collect();
        assert_eq!(levels, [4, 4, 4, 2, 0, 2, 4]);
        // Worker 3 leaves as the level falls and is back once the rise passes it.
        assert_eq!(
            plan.closed_activation(3, secs(3.0)),
            Activation::At(secs(6.0))
        );
        assert_eq!(plan.closed_activation(0, secs(3.4)), Activation::Now);
        assert_eq!(
            plan.closed_activation(0, secs(3.9)),
            Activation::At(secs(4.5))
        );
        assert_eq!(
            plan.closed_activation(1, secs(4.0)),
            Activation::At(secs(5.0))
        );
    }

    #[test]
    fn open_stages_integrate_each_stages_rate() {
        // rate 100 per 1s; 1s to 100 (50 due), then 1s at 50 (50 more): 2s in all.
        let plan = Plan::from_spec(&LoadSpec {
            rate: Some((100, Duration::from_secs(1))),
            stages: stages(&[(1, 100, false), (1, 50, true)]),
            ..LoadSpec::default()
        })
        .unwrap();
        assert_eq!(plan.duration, Some(secs(2.0)));
        let due = |ticket| plan.open_due(ticket).unwrap().as_secs_f64();
        assert!((due(50) - 1.0).abs() < 1e-6, "{}", due(50));
        assert!((due(51) - 1.02).abs() < 1e-6, "{}", due(51));
        assert!((due(99) - 1.98).abs() < 1e-6, "{}", due(99));
        assert!((due(100) - 2.0).abs() < 1e-6, "{}", due(100));
    }

    #[test]
    fn the_open_rate_follows_the_stages_then_holds_the_rate() {
        let plan = Plan::from_spec(&LoadSpec {
            rate: Some((30, Duration::from_secs(1))),
            duration: Some(Duration::from_secs(5)),
            stages: stages(&[(2, 100, false), (1, 40, true)]),
            ..LoadSpec::default()
        })
        .unwrap();
        let rates: Vec<f64> = [0.0, 1.0, 2.5, 4.0]
            .into_iter()
            .map(|at| plan.open_rate(secs(at)))
            .collect();
        assert_eq!(rates, [0.0, 50.0, 40.0, 30.0]);
    }

    #[test]
    fn stages_with_a_ramp_or_a_warmup_are_refused_with_a_sentence() {
        let both = Plan::from_spec(&LoadSpec {
            stages: stages(&[(1, 2, false)]),
            ramp: Some((0, 2, Duration::from_secs(1))),
            ..LoadSpec::default()
        })
        .unwrap_err();
        assert!(both.contains("`ramp` or `stages`"), "{both}");
        let warmed = Plan::from_spec(&LoadSpec {
            stages: stages(&[(1, 2, false)]),
            warmup: Some(Duration::from_secs(1)),
            ..LoadSpec::default()
        })
        .unwrap_err();
        assert!(warmed.contains("no `warmup`"), "{warmed}");
    }

    #[test]
    fn a_zero_rate_never_comes_due() {
        let plan = open(0, 1, None, 0);
        assert_eq!(plan.open_due(0), None);
        assert_eq!(plan.open_due(1), None);
    }
}
