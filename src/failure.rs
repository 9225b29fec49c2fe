//! What went wrong, as data: the kind of a failure (`FailureKind`, with a step's
//! `StepErrorKind`), its cause (`Cause`) and the cause of a problem outside the tests
//! (`ProblemCause`). Decided where the failure is produced (a step's executor, the
//! interpreter, the runner), carried by events into the report, and read by the
//! suggestions, so that rewording a message never changes what is suggested. The
//! words of each kind and cause are their serde names, stable snake_case strings of
//! the JSON report (docs/reference/reports.md). Imports nothing of the crate.

// A vocabulary is matched arm by arm, so a new cause is a compile error wherever
// it needs a decision (its suggestion, its default).
#![deny(clippy::wildcard_enum_match_arm)]

use serde::{Deserialize, Serialize};

/// What kind of trouble a step ran into.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepErrorKind {
    Connection,
    Timeout,
    Tls,
    Protocol,
    Database,
    Command,
    Usage,
    #[serde(other)]
    Other,
}

impl StepErrorKind {
    /// The cause a step error of this kind has until its producer says more.
    pub fn general_cause(self) -> Cause {
        match self {
            StepErrorKind::Connection => Cause::ConnectionFailed,
            StepErrorKind::Timeout => Cause::StepTimeout,
            StepErrorKind::Tls => Cause::TlsHandshake,
            StepErrorKind::Protocol => Cause::ProtocolError,
            StepErrorKind::Database => Cause::DatabaseError,
            StepErrorKind::Command => Cause::CommandFailed,
            StepErrorKind::Usage => Cause::InvalidStep,
            StepErrorKind::Other => Cause::Other,
        }
    }
}

/// Which part of running a test failed. In the JSON report it is one word: a
/// step's trouble is its `StepErrorKind`'s word (`connection`, `timeout`, …).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "&'static str", from = "String")]
pub enum FailureKind {
    /// An expectation did not hold.
    Expectation,
    /// A step could not be carried out.
    Step(StepErrorKind),
    /// A value could not be computed (a missing path, a json of the wrong kind).
    Evaluation,
    /// The test's own timeout.
    TestTimeout,
    /// A service stopped or never became ready.
    Service,
    /// The run was interrupted while the test ran.
    Interrupted,
}

impl FailureKind {
    /// The word of the JSON report: `expectation`, `connection`, `test_timeout`, …
    pub fn as_str(self) -> &'static str {
        match self {
            FailureKind::Expectation => "expectation",
            FailureKind::Evaluation => "evaluation",
            FailureKind::TestTimeout => "test_timeout",
            FailureKind::Service => "service",
            FailureKind::Interrupted => "interrupted",
            FailureKind::Step(StepErrorKind::Connection) => "connection",
            FailureKind::Step(StepErrorKind::Timeout) => "timeout",
            FailureKind::Step(StepErrorKind::Tls) => "tls",
            FailureKind::Step(StepErrorKind::Protocol) => "protocol",
            FailureKind::Step(StepErrorKind::Database) => "database",
            FailureKind::Step(StepErrorKind::Command) => "command",
            FailureKind::Step(StepErrorKind::Usage) => "usage",
            FailureKind::Step(StepErrorKind::Other) => "other",
        }
    }

    /// The cause a failure of this kind has until its producer says more.
    pub fn general_cause(self) -> Cause {
        match self {
            FailureKind::Expectation => Cause::ExpectationFailed,
            FailureKind::Step(step) => step.general_cause(),
            FailureKind::Evaluation => Cause::EvaluationError,
            FailureKind::TestTimeout => Cause::TestTimeout,
            FailureKind::Service => Cause::ServiceFailed,
            FailureKind::Interrupted => Cause::Interrupted,
        }
    }

    /// Every kind, for tests and docs.
    pub const ALL: [FailureKind; 13] = [
        FailureKind::Expectation,
        FailureKind::Evaluation,
        FailureKind::TestTimeout,
        FailureKind::Service,
        FailureKind::Interrupted,
        FailureKind::Step(StepErrorKind::Connection),
        FailureKind::Step(StepErrorKind::Timeout),
        FailureKind::Step(StepErrorKind::Tls),
        FailureKind::Step(StepErrorKind::Protocol),
        FailureKind::Step(StepErrorKind::Database),
        FailureKind::Step(StepErrorKind::Command),
        FailureKind::Step(StepErrorKind::Usage),
        FailureKind::Step(StepErrorKind::Other),
    ];
}

impl From<FailureKind> for &'static str {
    fn from(kind: FailureKind) -> &'static str {
        kind.as_str()
    }
}

/// A word this version does not know (a report of a newer ritc) reads as a step's
/// `other`, so `ritc merge` still reads the report.
impl From<String> for FailureKind {
    fn from(word: String) -> FailureKind {
        FailureKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == word)
            .unwrap_or(FailureKind::Step(StepErrorKind::Other))
    }
}

/// Why a failure happened, as precisely as its producer knows. Independent of the
/// kind: a `connection` failure may be caused by `connection_refused` or by
/// `sql_invalid_authorization`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Cause {
    // Reaching the other side.
    /// Nothing listens at the address (the server is down, or another port).
    ConnectionRefused,
    /// The host name does not resolve.
    HostNotFound,
    /// The connection could not be made for another reason.
    ConnectionFailed,
    /// An open connection broke or was dropped by the other side.
    ConnectionLost,
    /// The TLS handshake failed (an untrusted, expired or wrong-host certificate).
    TlsHandshake,
    /// The step's own timeout ran out.
    StepTimeout,
    // The exchange.
    /// The server closed a connection before its answer was complete (a crash, or a
    /// kept-alive connection closed as the request went out).
    ClosedBeforeAnswer,
    /// A response body past `--max-body`.
    BodyTooLarge,
    /// The exchange was not what the protocol expects.
    ProtocolError,
    // Databases, by the class of the SQLSTATE the server gave.
    /// SQLSTATE class 08.
    SqlConnectionException,
    /// SQLSTATE class 28: the server refused the credentials.
    SqlInvalidAuthorization,
    /// SQLSTATE class 23: unique, foreign key, not null, check.
    SqlIntegrityConstraint,
    /// SQLSTATE class 22: a value of the wrong form, too long, out of range, or a
    /// division by zero.
    SqlDataException,
    /// SQLSTATE class 42: a wrong statement, a missing table or column, no privilege.
    SqlSyntaxOrAccess,
    /// SQLSTATE class 40: a deadlock or serialization failure.
    SqlTransactionRollback,
    /// SQLSTATE class 53: the server is out of connections, disk or memory.
    SqlInsufficientResources,
    /// SQLSTATE class 57: cancelled, or the server is shutting down.
    SqlOperatorIntervention,
    /// Another database error (another class, no SQLSTATE, a Redis error reply, a
    /// value that could not be decoded).
    DatabaseError,
    // Commands.
    /// A command exited non-zero and no expectation reads its `exit`.
    ProcessExit,
    /// A command could not be started.
    ProcessSpawn,
    /// A command wrote more than ritc reads.
    OutputTooLarge,
    /// Another trouble of a command.
    CommandFailed,
    // The step itself.
    /// The step could not be built from its values (a URL, a header, an option).
    InvalidStep,
    // Expectations.
    /// An expectation on a `status` did not hold (the status is in `actual`).
    StatusMismatch,
    /// An expectation on a latency or duration did not hold.
    TooSlow,
    /// An expectation on the requests of a load that failed, succeeded or dropped.
    RequestsFailed,
    /// An expectation on a load's throughput did not hold.
    ThroughputLow,
    /// A load's `abort when` condition held while it ran: it was stopped early.
    LoadAborted,
    /// A `conforms` expectation did not hold.
    SchemaMismatch,
    /// Any other expectation (expected and actual are in the failure).
    ExpectationFailed,
    // Values.
    /// A `json` was read of a body or message that is not JSON, or `json()` of text
    /// that is not.
    NotJson,
    /// A `json` was read of a response with no body, or of a WebSocket frame that
    /// is not text.
    NoBody,
    /// A path that does not resolve (`body.user.id` is missing).
    MissingValue,
    /// Another value that could not be computed.
    EvaluationError,
    // The test and the run.
    /// The test's own `timeout` ran out.
    TestTimeout,
    /// A service never became ready.
    ServiceNotReady,
    /// A service could not be started, or stopped.
    ServiceFailed,
    /// The run was interrupted while the test ran.
    Interrupted,
    /// Nothing more precise is known (or a word of a newer ritc, or a report of an
    /// older one, which had no causes).
    #[default]
    #[serde(other)]
    Other,
}

impl Cause {
    /// Every cause, in declaration order (for tests and docs; a unit test keeps it
    /// whole).
    pub const ALL: [Cause; 39] = [
        Cause::ConnectionRefused,
        Cause::HostNotFound,
        Cause::ConnectionFailed,
        Cause::ConnectionLost,
        Cause::TlsHandshake,
        Cause::StepTimeout,
        Cause::ClosedBeforeAnswer,
        Cause::BodyTooLarge,
        Cause::ProtocolError,
        Cause::SqlConnectionException,
        Cause::SqlInvalidAuthorization,
        Cause::SqlIntegrityConstraint,
        Cause::SqlDataException,
        Cause::SqlSyntaxOrAccess,
        Cause::SqlTransactionRollback,
        Cause::SqlInsufficientResources,
        Cause::SqlOperatorIntervention,
        Cause::DatabaseError,
        Cause::ProcessExit,
        Cause::ProcessSpawn,
        Cause::OutputTooLarge,
        Cause::CommandFailed,
        Cause::InvalidStep,
        Cause::StatusMismatch,
        Cause::TooSlow,
        Cause::RequestsFailed,
        Cause::ThroughputLow,
        Cause::LoadAborted,
        Cause::SchemaMismatch,
        Cause::ExpectationFailed,
        Cause::NotJson,
        Cause::NoBody,
        Cause::MissingValue,
        Cause::EvaluationError,
        Cause::TestTimeout,
        Cause::ServiceNotReady,
        Cause::ServiceFailed,
        Cause::Interrupted,
        Cause::Other,
    ];

    /// The database cause of a SQLSTATE code (`23505` → `sql_integrity_constraint`).
    pub fn of_sqlstate(code: &str) -> Cause {
        match code.get(..2) {
            Some("08") => Cause::SqlConnectionException,
            Some("28") => Cause::SqlInvalidAuthorization,
            Some("23") => Cause::SqlIntegrityConstraint,
            Some("22") => Cause::SqlDataException,
            Some("42") => Cause::SqlSyntaxOrAccess,
            Some("40") => Cause::SqlTransactionRollback,
            Some("53") => Cause::SqlInsufficientResources,
            Some("57") => Cause::SqlOperatorIntervention,
            _ => Cause::DatabaseError,
        }
    }
}

/// Why a problem outside the tests happened.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProblemCause {
    /// A service never became ready (it exited, or its probe never answered).
    ServiceNotReady,
    /// A service could not be started (its folder, its log, its command).
    ServiceStartFailed,
    /// A service exited on its own while the tests ran.
    ServiceExited,
    /// A second interrupt killed services without their grace.
    ServicesKilled,
    /// A suite's setup failed.
    SetupFailed,
    /// A suite's teardown failed or was cut short.
    TeardownFailed,
    /// A secret too short to be masked.
    SecretNotMasked,
    /// Processes that outlived the run were ended.
    LeftoverProcesses,
    /// The run could not be recorded in its history (`.ritc/history`).
    HistoryNotRecorded,
    /// A word of a newer ritc, or a report of an older one.
    #[default]
    #[serde(other)]
    Other,
}

impl ProblemCause {
    /// Every problem cause, in declaration order.
    pub const ALL: [ProblemCause; 10] = [
        ProblemCause::ServiceNotReady,
        ProblemCause::ServiceStartFailed,
        ProblemCause::ServiceExited,
        ProblemCause::ServicesKilled,
        ProblemCause::SetupFailed,
        ProblemCause::TeardownFailed,
        ProblemCause::SecretNotMasked,
        ProblemCause::LeftoverProcesses,
        ProblemCause::HistoryNotRecorded,
        ProblemCause::Other,
    ];
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_read_back_from_their_words() {
        for kind in FailureKind::ALL {
            let json = serde_json::to_value(kind).unwrap();
            assert_eq!(json, serde_json::Value::from(kind.as_str()));
            assert_eq!(serde_json::from_value::<FailureKind>(json).unwrap(), kind);
        }
        assert_eq!(
            serde_json::from_str::<FailureKind>("\"carrier_pigeon\"").unwrap(),
            FailureKind::Step(StepErrorKind::Other)
        );
    }

    #[test]
    fn causes_are_snake_case_words_and_unknown_ones_read_as_other() {
        assert_eq!(
            serde_json::to_string(&Cause::SqlIntegrityConstraint).unwrap(),
            "\"sql_integrity_constraint\""
        );
        assert_eq!(
            serde_json::from_str::<Cause>("\"connection_refused\"").unwrap(),
            Cause::ConnectionRefused
        );
        assert_eq!(
            serde_json::from_str::<Cause>("\"a_cause_of_tomorrow\"").unwrap(),
            Cause::Other
        );
    }

    /// The variants of `name`'s enum in this file, by their lines.
    fn variants_declared(name: &str) -> usize {
        let source = include_str!("failure.rs");
        let body = source
            .split(&format!("pub enum {name} {{"))
            .nth(1)
            .and_then(|rest| rest.split("\n}").next())
            .unwrap();
        body.lines()
            .map(str::trim)
            .filter(|line| line.ends_with(',') && !line.starts_with("//") && !line.starts_with('#'))
            .count()
    }

    #[test]
    fn all_lists_every_variant_once() {
        assert_eq!(Cause::ALL.len(), variants_declared("Cause"));
        assert_eq!(ProblemCause::ALL.len(), variants_declared("ProblemCause"));
        let words: std::collections::BTreeSet<String> = Cause::ALL
            .iter()
            .map(|cause| serde_json::to_string(cause).unwrap())
            .collect();
        assert_eq!(words.len(), Cause::ALL.len());
    }

    #[test]
    fn sqlstate_classes() {
        assert_eq!(Cause::of_sqlstate("23505"), Cause::SqlIntegrityConstraint);
        assert_eq!(Cause::of_sqlstate("42P01"), Cause::SqlSyntaxOrAccess);
        assert_eq!(Cause::of_sqlstate("28P01"), Cause::SqlInvalidAuthorization);
        assert_eq!(Cause::of_sqlstate("HY000"), Cause::DatabaseError);
        assert_eq!(Cause::of_sqlstate(""), Cause::DatabaseError);
    }
}
