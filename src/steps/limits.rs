//! The limits a value must keep beyond its type, one table for the checker and the
//! runtime so that they cannot drift: `concurrency` and `requests` at least 1, a
//! `rate` above zero, `retry` at least 0, timeouts and waits longer than zero, a
//! WebSocket close code in the protocol's ranges. The checker applies a limit to a
//! constant (a literal, or a negated one) and reports E0413; the runtime applies the
//! same limit to the value it computed and fails the step or statement with the same
//! words. Pure data and pure functions.

use std::time::Duration;

/// What a value must hold, beyond its type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Limit {
    /// An int of at least this.
    AtLeast(i64),
    /// A duration longer than zero.
    PositiveDuration,
    /// A close code an endpoint may send (RFC 6455 §7.4): 1000–1003, 1007–1014,
    /// 3000–4999.
    CloseCode,
}

/// Where a limit applies: the name of an option, clause, attribute or statement
/// part, as the user writes it.
pub const LIMITS: &[(&str, Limit)] = &[
    ("concurrency", Limit::AtLeast(1)),
    ("requests", Limit::AtLeast(1)),
    // `rate N per D`: N and D.
    ("rate", Limit::AtLeast(1)),
    ("rate per", Limit::PositiveDuration),
    ("duration", Limit::PositiveDuration),
    ("ramp over", Limit::PositiveDuration),
    // `stages { D to N }`: each D.
    ("stage", Limit::PositiveDuration),
    ("retry", Limit::AtLeast(0)),
    ("max redirects", Limit::AtLeast(0)),
    ("limit rate", Limit::AtLeast(1)),
    ("timeout", Limit::PositiveDuration),
    ("within", Limit::PositiveDuration),
    ("close", Limit::CloseCode),
];

/// The name a limit knows the `index`th value of a block option by: `rate N per
/// D` gives `rate` and `rate per`, `ramp from A to B over D` `ramp over` last.
pub fn part_name(option: &str, index: usize) -> &str {
    match (option, index) {
        ("rate", 1) => "rate per",
        ("ramp", 2) => "ramp over",
        ("ramp", _) => "ramp",
        // Three values a stage: its length, its level, whether it holds.
        ("stages", index) if index % 3 == 0 => "stage",
        _ => option,
    }
}

/// The limit on the value of `name`, if it has one.
pub fn limit_of(name: &str) -> Option<Limit> {
    LIMITS
        .iter()
        .find(|(known, _)| *known == name)
        .map(|(_, limit)| *limit)
}

/// A value as a limit reads it: the checker makes one from a literal, the runtime
/// from the value it computed.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Constant {
    Int(i64),
    /// A duration; `negative` when it was written `-5s` (a runtime value never is).
    Duration {
        length: Duration,
        negative: bool,
    },
}

impl Constant {
    /// The runtime's view of a value; `None` for a value no limit reads.
    pub fn of(value: &crate::value::Value) -> Option<Constant> {
        match value {
            crate::value::Value::Int(int) => Some(Constant::Int(*int)),
            crate::value::Value::Duration(length) => Some(Constant::Duration {
                length: *length,
                negative: false,
            }),
            _ => None,
        }
    }
}

/// Whether `value`, given to `name`, keeps its limit; the words of the failure
/// otherwise (the same at compile time and at run time).
pub fn check(name: &str, value: Constant) -> Result<(), String> {
    let Some(limit) = limit_of(name) else {
        return Ok(());
    };
    let shown = match value {
        Constant::Int(int) => int.to_string(),
        Constant::Duration { length, negative } => format!(
            "{}{}",
            if negative { "-" } else { "" },
            crate::units::literal_duration(length)
        ),
    };
    let held = match (limit, value) {
        (Limit::AtLeast(least), Constant::Int(int)) => int >= least,
        (Limit::PositiveDuration, Constant::Duration { length, negative }) => {
            !negative && !length.is_zero()
        }
        (Limit::CloseCode, Constant::Int(code)) => {
            matches!(code, 1000..=1003 | 1007..=1014 | 3000..=4999)
        }
        // A value of another type is the type check's to report.
        _ => true,
    };
    if held {
        return Ok(());
    }
    Err(match limit {
        Limit::AtLeast(least) => format!("`{name}` must be at least {least}, not {shown}"),
        Limit::PositiveDuration => format!("`{name}` must be longer than zero, not {shown}"),
        Limit::CloseCode => format!(
            "{shown} is not a close code an endpoint may send: use 1000 (normal), 1001–1003, 1007–1014, or 3000–4999"
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_hold_and_fail_with_their_words() {
        assert_eq!(check("concurrency", Constant::Int(1)), Ok(()));
        assert_eq!(
            check("concurrency", Constant::Int(0)),
            Err("`concurrency` must be at least 1, not 0".to_string())
        );
        assert!(check("requests", Constant::Int(-5)).is_err());
        assert_eq!(check("retry", Constant::Int(0)), Ok(()));
        assert!(check("retry", Constant::Int(-1)).is_err());
        let second = Duration::from_secs(1);
        assert!(
            check(
                "timeout",
                Constant::Duration {
                    length: second,
                    negative: true
                }
            )
            .is_err()
        );
        assert!(
            check(
                "timeout",
                Constant::Duration {
                    length: Duration::ZERO,
                    negative: false
                }
            )
            .is_err()
        );
        assert_eq!(
            check(
                "timeout",
                Constant::Duration {
                    length: second,
                    negative: false
                }
            ),
            Ok(())
        );
        assert_eq!(check("close", Constant::Int(1000)), Ok(()));
        assert_eq!(check("close", Constant::Int(4000)), Ok(()));
        assert!(check("close", Constant::Int(999)).is_err());
        assert!(check("close", Constant::Int(1005)).is_err());
        assert_eq!(check("unlimited", Constant::Int(-1)), Ok(()));
    }
}
