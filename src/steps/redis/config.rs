//! The typed config of a `redis` step: its one clause, `timeout`, as every kind
//! with only that clause reads it (`TimeoutConfig`); the test below proves it is
//! all the schema declares.

pub use crate::steps::config::TimeoutConfig as RedisConfig;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::steps::config::{TIMEOUT, assert_reads_exactly};
    use crate::value::Value;

    #[test]
    fn reads_exactly_the_clauses_the_schema_declares() {
        assert_reads_exactly("redis", &super::super::kind::schema().clauses, |clauses| {
            let _ = RedisConfig::read(clauses);
        });
    }

    #[test]
    fn a_timeout_that_is_not_a_duration_is_an_error_at_its_clause() {
        let clauses = vec![(TIMEOUT.to_string(), Some(Value::Int(5)))];
        let error = RedisConfig::from_clauses(&clauses).expect_err("not a duration");
        assert_eq!(error.message, "expected a duration, found 5");
    }
}
