//! The keywords of `.rit` (the `keyword` rule of
//! grammar/rit.pest) with one line each, for hover and completion, and where each
//! may begin something.

/// Where a keyword is offered by completion.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// Begins a top-level item.
    Item,
    /// Begins a statement in a block.
    Statement,
    /// Stands in an expression (`true`, `not`, …).
    Expression,
    /// Anything else: clause, option and attribute names, operators, parts of forms.
    Other,
}

pub struct Keyword {
    pub word: &'static str,
    pub role: Role,
    pub summary: &'static str,
}

const fn keyword(word: &'static str, role: Role, summary: &'static str) -> Keyword {
    Keyword {
        word,
        role,
        summary,
    }
}

pub const KEYWORDS: &[Keyword] = &[
    keyword(
        "suite",
        Role::Item,
        "`suite \"Name\"`: the suite's name (default: the file's stem).",
    ),
    keyword(
        "import",
        Role::Item,
        "`import \"./x.rit\" [as name]` or `import \"std/http\"`: brings a module's `fn`, `let`, `param` and services.",
    ),
    keyword(
        "as",
        Role::Other,
        "`import \"./x.rit\" as name`: keeps the module's names under `name.`.",
    ),
    keyword(
        "param",
        Role::Item,
        "`param name [: type] [= default]`: a value set by `--param name=V` or `RIT_PARAM_NAME`.",
    ),
    keyword(
        "let",
        Role::Statement,
        "`let name [: type] = value`: a constant at the top level, a capture in a block.",
    ),
    keyword(
        "secret",
        Role::Item,
        "`secret name = value`: a value replaced by `***` in every output.",
    ),
    keyword(
        "fn",
        Role::Item,
        "`fn name(p: type, …) [-> type] { … }`: a function; may perform steps.",
    ),
    keyword(
        "return",
        Role::Statement,
        "`return [value]`: leaves a `fn` (the value only on the same line).",
    ),
    keyword(
        "service",
        Role::Item,
        "`service name = \"command\" { env {…} cwd \"dir\" ready http|tcp|log … }`: a process started before `setup`.",
    ),
    keyword(
        "setup",
        Role::Item,
        "`setup { … }`: runs once before any test; may assign top-level `let`s.",
    ),
    keyword(
        "teardown",
        Role::Item,
        "`teardown { … }`: runs once after the tests, always.",
    ),
    keyword(
        "test",
        Role::Item,
        "`test \"name\" [timeout D] [retry N [every D]] [tags […]] [skip \"why\"] { … }`: one test.",
    ),
    keyword(
        "checkpoint",
        Role::Item,
        "`checkpoint \"name\" [stage \"S\"] [on failure stop|warn|continue] { test … }`: a group of tests.",
    ),
    keyword(
        "defaults",
        Role::Item,
        "`defaults { headers {…} user \"a:b\" insecure … }`: clauses every HTTP step of the file takes unless it gives its own.",
    ),
    keyword(
        "stage",
        Role::Other,
        "`checkpoint \"N\" stage \"S\"`: the stage `--stage S` selects.",
    ),
    keyword(
        "on",
        Role::Other,
        "`on failure stop|warn|continue`: what a checkpoint's failure does.",
    ),
    keyword(
        "failure",
        Role::Other,
        "`on failure stop|warn|continue`: what a checkpoint's failure does.",
    ),
    keyword(
        "stop",
        Role::Other,
        "`on failure stop`: no further test starts (teardown still runs).",
    ),
    keyword(
        "warn",
        Role::Statement,
        "`warn expect condition`: reported as a warning, never fails the test; `on failure warn` on a checkpoint.",
    ),
    keyword(
        "continue",
        Role::Other,
        "`on failure continue` (the default): record the failure and go on.",
    ),
    keyword(
        "expect",
        Role::Statement,
        "`expect condition`: fails the test when the condition does not hold (explained operand by operand).",
    ),
    keyword(
        "run",
        Role::Statement,
        "`run \"command\" [timeout D] [env {…}] [cwd \"dir\"] [stdin x]`: runs a command by `sh -c`; yields `exit`, `stdout`, `stderr`, `duration`.",
    ),
    keyword("start", Role::Other, "Reserved."),
    keyword(
        "ready",
        Role::Other,
        "`ready http URL | tcp \"host:port\" | log \"text\" [within D]`: when a service is ready.",
    ),
    keyword(
        "within",
        Role::Other,
        "`eventually within D every D`, `ready … within D`: a time limit.",
    ),
    keyword(
        "every",
        Role::Other,
        "`eventually within D every D`, `retry N every D`: the wait between attempts.",
    ),
    keyword(
        "eventually",
        Role::Statement,
        "`eventually within D every D { … }`: re-runs the block until its expectations hold or time runs out.",
    ),
    keyword(
        "retry",
        Role::Statement,
        "`retry N [every D] { … }`: up to N attempts after the first; a test attribute too.",
    ),
    keyword(
        "timeout",
        Role::Other,
        "`timeout D`: bounds a step, a test, or a `receive`.",
    ),
    keyword(
        "for",
        Role::Statement,
        "`for x in list { … }`: runs the block for each item.",
    ),
    keyword(
        "in",
        Role::Expression,
        "`x in list`: membership (an element, a substring, a key); `for x in list`.",
    ),
    keyword("if", Role::Statement, "`if condition { … } [else { … }]`."),
    keyword("else", Role::Other, "`if condition { … } else { … }`."),
    keyword(
        "sql",
        Role::Statement,
        "`sql database(url) \"SELECT …\"`: one SQL statement, each `{{ }}` a bound parameter; yields `rows`, `count`, `duration`.",
    ),
    keyword(
        "ws",
        Role::Statement,
        "`ws url [headers {…}] { send …; receive …; close }`: a WebSocket conversation.",
    ),
    keyword(
        "send",
        Role::Statement,
        "`send value`: sends a frame (objects and lists as JSON text, bytes as binary) in a `ws` block.",
    ),
    keyword(
        "receive",
        Role::Statement,
        "`receive [until condition] [timeout D]`: waits for the next frame; yields `message`, `json`, `binary`, `closed`, `close_code`.",
    ),
    keyword(
        "close",
        Role::Statement,
        "`close [code]`: closes the WebSocket (1000 by default).",
    ),
    keyword(
        "redis",
        Role::Statement,
        "`redis conn \"CMD …\"`: one Redis command, each `{{ }}` one argument; yields `value`, `ok`, `duration`. `redis(url)` makes a connection.",
    ),
    keyword(
        "load",
        Role::Statement,
        "`load GET url { concurrency N requests N | rate N per D duration D … check { … } }`: a load test.",
    ),
    keyword(
        "concurrency",
        Role::Other,
        "`concurrency N`: workers of a closed-model `load` (or the in-flight bound of an open one).",
    ),
    keyword(
        "requests",
        Role::Other,
        "`requests N`: how many requests a closed-model `load` sends; a field of its result.",
    ),
    keyword(
        "duration",
        Role::Other,
        "`duration D`: how long a `load` runs; the `duration` field of a step's result.",
    ),
    keyword("rate", Role::Other, "`rate N per D`: an open-model `load`."),
    keyword("per", Role::Other, "`rate N per D`."),
    keyword(
        "ramp",
        Role::Other,
        "`ramp from A to B over D`: moves a `load`'s level linearly.",
    ),
    keyword(
        "stages",
        Role::Other,
        "`stages { D to N  D at N … }`: a `load`'s levels in time, from 0: `to` moves the level linearly, `at` sets it and holds it.",
    ),
    keyword(
        "abort",
        Role::Other,
        "`abort when CONDITION [after D]`: stops a `load` early once the condition holds on its figures so far (read every second).",
    ),
    keyword(
        "warmup",
        Role::Other,
        "`warmup D`: runs a `load` for D first and records nothing of it.",
    ),
    keyword(
        "check",
        Role::Other,
        "`check { condition … }`: when a `load` request counts as a success.",
    ),
    keyword(
        "headers",
        Role::Other,
        "`headers {…}`: request headers; the `headers` field of an HTTP result (case-insensitive keys).",
    ),
    keyword(
        "query",
        Role::Other,
        "`query {…}`: query parameters, encoded for you.",
    ),
    keyword(
        "json",
        Role::Other,
        "`json value`: a JSON body; the `json` field of a result; `json(text)` parses text.",
    ),
    keyword("form", Role::Other, "`form {…}`: a URL-encoded form body."),
    keyword(
        "multipart",
        Role::Other,
        "`multipart {…}`: a multipart body (`file(…)` for files).",
    ),
    keyword(
        "body",
        Role::Other,
        "`body text`: a raw body; the `body` field of an HTTP result.",
    ),
    keyword(
        "follow",
        Role::Other,
        "`follow redirects`: follow HTTP redirects (off by default).",
    ),
    keyword(
        "redirects",
        Role::Other,
        "`follow redirects`: follow HTTP redirects (off by default).",
    ),
    keyword(
        "insecure",
        Role::Other,
        "`insecure`: do not verify TLS certificates.",
    ),
    keyword(
        "env",
        Role::Other,
        "`env {…}`: environment of a `run` or `service`; `env(name[, default])` reads a variable.",
    ),
    keyword(
        "cwd",
        Role::Other,
        "`cwd \"dir\"`: working directory of a `run` or `service`.",
    ),
    keyword(
        "stdin",
        Role::Other,
        "`stdin value`: standard input of a `run`.",
    ),
    keyword(
        "jetstream",
        Role::Other,
        "`jetstream`: a `nats publish` stored by the JetStream stream that takes its subject, whose ack yields `stream` and `sequence`.",
    ),
    keyword(
        "persistent",
        Role::Other,
        "`persistent`: an `amqp` message the broker writes to disk (delivery mode 2), kept across its restart in a durable queue.",
    ),
    keyword(
        "mandatory",
        Role::Other,
        "`mandatory`: an `amqp publish` fails when no queue takes the message (the broker returns it).",
    ),
    keyword(
        "qos",
        Role::Other,
        "`qos 0|1|2`: an `mqtt` message's quality of service (at most, at least, exactly once); the `qos` field of a received one.",
    ),
    keyword(
        "retain",
        Role::Other,
        "`retain`: the MQTT broker keeps the message for later subscribers; the `retain` field says a received one was kept.",
    ),
    keyword(
        "until",
        Role::Other,
        "`until condition`: the message a `nats subscribe` waits for (or `silent` refuses), with the message's fields in scope; in a `ws` block, the frame `receive` waits for.",
    ),
    keyword(
        "tcp",
        Role::Other,
        "`ready tcp \"host:port\"`: ready once a connection is accepted.",
    ),
    keyword(
        "log",
        Role::Other,
        "`ready log \"text\"`: ready once a line of the service's output contains the text.",
    ),
    keyword(
        "http",
        Role::Other,
        "`ready http URL`: ready once the URL answers 2xx.",
    ),
    keyword(
        "is",
        Role::Expression,
        "`x is type`: string int float number bool null object array iso_date empty collection.",
    ),
    keyword(
        "exists",
        Role::Expression,
        "`x exists`: the path is present (even as `null`).",
    ),
    keyword(
        "contains",
        Role::Expression,
        "`a contains b`: a substring, an element, a key.",
    ),
    keyword(
        "matches",
        Role::Expression,
        "`text matches \"regex\"`: Rust regex syntax, unanchored.",
    ),
    keyword(
        "conforms",
        Role::Expression,
        "`json conforms schema(\"file.json\")`: JSON Schema validation.",
    ),
    keyword("and", Role::Expression, "`a and b`."),
    keyword("or", Role::Expression, "`a or b`."),
    keyword("not", Role::Expression, "`not condition`."),
    keyword("true", Role::Expression, "The bool `true`."),
    keyword("false", Role::Expression, "The bool `false`."),
    keyword(
        "null",
        Role::Expression,
        "`null`: compares only with `json` values.",
    ),
    keyword(
        "tags",
        Role::Other,
        "`test \"x\" tags [\"smoke\"]`: selected with `--tag`.",
    ),
    keyword(
        "skip",
        Role::Statement,
        "`skip \"why\"` in a test's body (usually under `if not reachable(…)`), or the attribute `test \"x\" skip \"why\"`: the test ends and is reported as skipped with the reason.",
    ),
    keyword(
        "GET",
        Role::Statement,
        "`GET url [clauses]`: an HTTP request; yields `status`, `headers`, `body`, `json`, `duration`, `url`, `cookies`.",
    ),
    keyword(
        "POST",
        Role::Statement,
        "`POST url [json …|form …|multipart …|body …] [clauses]`: an HTTP request.",
    ),
    keyword(
        "PUT",
        Role::Statement,
        "`PUT url [json …|form …|multipart …|body …] [clauses]`: an HTTP request.",
    ),
    keyword(
        "PATCH",
        Role::Statement,
        "`PATCH url [json …|form …|multipart …|body …] [clauses]`: an HTTP request.",
    ),
    keyword(
        "DELETE",
        Role::Statement,
        "`DELETE url [clauses]`: an HTTP request.",
    ),
    keyword(
        "HEAD",
        Role::Statement,
        "`HEAD url [clauses]`: an HTTP request without a body in the answer.",
    ),
    keyword(
        "OPTIONS",
        Role::Statement,
        "`OPTIONS url [clauses]`: an HTTP request.",
    ),
];

/// Words that are keywords only in their form (`receive until`, `ramp from … to … over`).
pub const CONTEXTUAL: &[Keyword] = &[
    keyword(
        "until",
        Role::Other,
        "`receive until condition`: skips frames until the condition holds.",
    ),
    keyword("from", Role::Other, "`ramp from A to B over D`."),
    keyword("to", Role::Other, "`ramp from A to B over D`."),
    keyword("over", Role::Other, "`ramp from A to B over D`."),
    keyword("when", Role::Other, "`abort when CONDITION [after D]`."),
    keyword(
        "at",
        Role::Other,
        "`D at N`: a stage that holds the level N for D.",
    ),
    keyword("after", Role::Other, "`abort when CONDITION [after D]`."),
    keyword(
        "starts",
        Role::Expression,
        "`text starts with \"ab\"`: strings (json strings) or bytes, a string counting as its UTF-8 bytes.",
    ),
    keyword(
        "ends",
        Role::Expression,
        "`text ends with \"yz\"`: strings (json strings) or bytes, a string counting as its UTF-8 bytes.",
    ),
    keyword(
        "with",
        Role::Other,
        "`a starts with b`, `a ends with b`: the operators of a prefix and a suffix.",
    ),
];

/// The operators of two words (`starts with`), which are no keywords: `starts`
/// and `ends` stay names, and the pair is read only after an operand.
pub const TWO_WORD_OPERATORS: &[(&str, &str)] = &[("starts with", "starts"), ("ends with", "ends")];

pub fn lookup(word: &str) -> Option<&'static Keyword> {
    KEYWORDS
        .iter()
        .chain(CONTEXTUAL)
        .find(|keyword| keyword.word == word)
}
