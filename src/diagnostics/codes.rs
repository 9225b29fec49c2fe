//! Every diagnostic code, with its title and the long explanation that
//! `ritc explain CODE` prints. Codes are stable and never reused: E00xx internal
//! errors (a bug in ritc, never in the file), E01xx syntax, E02xx names and modules,
//! E03xx types, E04xx steps and options, W0xxx warnings.

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Code {
    pub id: &'static str,
}

pub struct CodeInfo {
    pub code: Code,
    pub title: &'static str,
    pub explanation: &'static str,
}

macro_rules! codes {
    ($($name:ident = $id:literal, $title:literal, $explanation:literal;)*) => {
        $(pub const $name: Code = Code { id: $id };)*
        pub const ALL: &[CodeInfo] = &[
            $(CodeInfo { code: $name, title: $title, explanation: $explanation },)*
        ];
    };
}

codes! {
    INTERNAL_PARSER_SHAPE = "E0001", "internal: the parser met an unexpected shape",
"A bug in ritc, not in your file. The grammar accepted this part of the file, but
the step that turns the grammar's tree into ritc's syntax tree did not find the parts
it expects there (the grammar and that step disagree). Rather than drop the part in
silence, ritc stops with this error and checks nothing further.

Please report it with the smallest file that shows it. Rewording the statement
nearby (another form of the same thing) usually works around it meanwhile.";

    SYNTAX = "E0101", "syntax error",
"The parser met a token it did not expect. The message says what it expected at that
point in plain words.

    test \"login\" {
      POST \"{{base}}/login\" json { email: email
    }                                  # the object is not closed

Statements begin with a keyword (`expect`, `let`, `GET`, `run`, …) or with a name
followed by `=` or `(`. A step's clauses follow it, on the same line or the next.";

    UNTERMINATED_STRING = "E0102", "unterminated string",
"A `\"…\"` string must end on the line where it starts. For text over several lines,
use a block string:

    let body = \"\"\"
      {\"name\": \"{{name}}\"}
      \"\"\"";

    INVALID_ESCAPE = "E0103", "invalid escape",
"Strings know the escapes `\\n`, `\\t`, `\\\"`, `\\\\` and `\\{` (a literal `{`, so that
`\"\\{{x}}\"` is the text `{{x}}`). Any other backslash is an error: write `\\\\` for a
backslash.";

    UNKNOWN_UNIT = "E0104", "unknown unit",
"A number directly followed by letters or `%` is a unit literal. Units are
case-sensitive: durations `ms s m h`, sizes `B KB MB GB` (powers of 1024), and `%`.

    timeout 5sec     # error: write `5s`
    max 10mb         # error: write `10MB`";

    NUMBER_OUT_OF_RANGE = "E0105", "number out of range",
"Integers are 64-bit and signed; this literal does not fit. Durations, sizes and
percentages must also be finite and in range.";

    CHAINED_COMPARISON = "E0106", "comparisons do not chain",
"`a < b < c` does not mean what it does in mathematics. Comparisons (`== != < <= > >=
contains matches in is conforms exists`) are non-associative: write
`a < b and b < c`.";

    NESTING_TOO_DEEP = "E0107", "nesting too deep",
"The file nests brackets, blocks or strings deeper than ritc accepts (128 levels), or
one expression holds more than 256 operators. Such input is almost certainly generated
by mistake; flatten it, or split a long expression with `let`.";

    PERCENT_OVER_100 = "E0108", "percentage over 100%",
"A percentage is a fraction from 0% to 100%. `101%` has no meaning as a success rate;
to compare with a ratio above one, use a plain number.";

    CONTROL_CHARACTER = "E0109", "control character in the source",
"A `.rit` file is text: it may hold tabs and line endings, but no other control
character (NUL, escape, the C1 controls, …). Such a byte usually means the file is
not a `.rit` module at all (a binary, `/proc/…`), or that a tool corrupted it. The
diagnostic shows the character escaped (`\\u{0}`) and the file is not checked
further. Delete the character; in a string, write what you mean with an escape
(`\\n`, `\\t`) or build the value with a function.

A byte order mark (U+FEFF) at the very start of a file is accepted and ignored.";

    BIDI_CONTROL = "E0110", "bidirectional control character",
"The file holds a character that reorders how text is displayed (U+202A to U+202E,
U+2066 to U+2069: embeddings, overrides and isolates). An editor or a review tool then
shows the source in a different order from the one ritc reads, so a line can look like
a comment or a harmless string while it is code (the \"Trojan Source\" attack). The
diagnostic names the character escaped and the file is not checked further. Delete
it; a check that needs such a character in a value can read it from a file with
`read()`.";

    UNKNOWN_NAME = "E0201", "unknown name",
"The name is not declared in this scope. Names come from `let`, `param`, `secret`,
`fn`, `service`, `for` loop variables, `fn` parameters, imports, and the fields of the
last step (`status`, `json`, …). A test cannot see what another test declared: share
values through a top-level `let` that `setup` assigns.";

    DUPLICATE_DEFINITION = "E0202", "duplicate definition",
"Two top-level definitions in one file (or one module and what it imports without
`as`) have the same name. Rename one of them, or import the module with
`import \"./x.rit\" as x`.";

    DUPLICATE_TEST = "E0203", "duplicate test name",
"Two tests of one suite have the same name. Reports, `--test` and checkpoints refer to
tests by name, so each must be unique within its file.";

    IMPORT_CYCLE = "E0204", "import cycle",
"A module imports itself, directly or through others. Move what both need into a third
module that neither imports back.";

    MODULE_NOT_FOUND = "E0205", "module not found",
"The imported file does not exist. Relative imports (`./helpers.rit`) resolve against
the folder of the importing file; `std/…` names a module of the embedded standard
library (`std/http`, `std/wait`, `std/webhooks`).";

    IMPORT_NOT_ALLOWED = "E0206", "import path not allowed",
"`import` takes a path relative to the importing file (`./x.rit`, `../lib/x.rit`) or a
standard module (`std/http`). A URL or an absolute path would make a suite depend on
the machine it runs on.";

    INVALID_ASSIGNMENT = "E0207", "invalid assignment",
"`x = value` assigns to a name declared with `let` in an enclosing block or at the top
level. Parameters, secrets, loop variables, functions and the fields of a step cannot
be assigned: declare a new name with `let`.";

    RETURN_OUTSIDE_FN = "E0208", "`return` outside a function",
"`return` ends a `fn` and gives its value. In a test, the test simply ends at its last
statement.";

    STATEMENT_OUTSIDE_ITS_BLOCK = "E0209", "statement outside its kind's block",
"Some statements belong to one kind of step and stand only inside the `{ … }` of
one of its steps: `send`, `receive` and `close` talk to the WebSocket a
`ws URL { … }` step opened.

    test \"t\" {
      send \"hello\"                  # error: no WebSocket is open here
      ws \"ws://127.0.0.1:3000/chat\" {
        send \"hello\"                # fine
      }
    }";

    UNKNOWN_FUNCTION = "E0210", "unknown function",
"The called name is not a core function, a `fn` of this file, or a `fn` of an imported
module. Core functions: len lower upper trim replace keys sort join int float string
json env uuid now temp_dir base64 hex hmac_sha256 hmac_sha1 file read schema database
redis logs.";

    KEYWORD_AS_NAME = "E0211", "a keyword cannot be a name",
"Keywords are reserved: `let json = …` or `fn test()` cannot declare them. After `.`,
as an object key and as a named argument any word is a plain name, so `json.json` and
`{ timeout: 5 }` are fine. An import's alias is a name too: `import \"std/http\" as http`
is refused, `as web` is fine.

The keywords (grammar/rit.pest's `keyword` rule; a test keeps this list equal to it):

and as body check checkpoint close concurrency conforms contains continue cwd
defaults duration else env eventually every exists expect failure false fn follow for
form headers http if import in insecure is jetstream json let load log mandatory
matches multipart not null on or param per persistent qos query ramp rate ready receive
redirects redis requests retain retry return run secret send service setup skip sql
stage start stdin stop suite tags tcp teardown test timeout true until warmup warn
within ws
DELETE GET HEAD OPTIONS PATCH POST PUT";

    SECOND_SUITE_LINE = "E0212", "a second `suite` line",
"A file is one suite, named by its `suite \"name\"` line (or by the file's stem). A
second `suite` line would silently rename it: keep one.";

    SKIP_OUTSIDE_TEST = "E0213", "`skip` outside a test's body",
"`skip \"why\"` ends the test it stands in, which is reported as skipped with the
reason (as with the test attribute `skip \"why\"`). It stands in a test's own
statements, usually under an `if`:

    test \"orders reach NATS\" {
      if not reachable(bus) { skip \"NATS is not running\" }
      …
    }

It is refused in a `fn`, `setup` and `teardown` (there is no test to skip: return a
value the test can check) and inside the `{ … }` of a step, whose kind runs the
block and could not tell a skip from a failure: write it before the step.";

    MISMATCHED_TYPES = "E0301", "mismatched types",
"The two sides of a comparison or an operator have types that do not meet: `status` is
an int, so `status == \"200\"` can never hold. Write `status == 200`. Values read from
JSON (`json`, SQL rows, Redis replies) are checked when the test runs.";

    MISMATCHED_UNITS = "E0302", "mismatched units",
"A duration, a percentage or a size meets only its own kind: `duration < 200` is an
error (write `200ms`), and so is `success_rate >= 0.99` (write `99%`). Multiplying or
dividing by a plain number is allowed: `latency.p50 * 2`.";

    FIELD_NOT_IN_SCOPE = "E0303", "field not yielded by the last step",
"After a step, the fields of its result are in scope as bare names until the next step.
The field named here is not one that the last step yields, or there is no step before
it. `status` belongs to HTTP steps; `exit`, `stdout` and `stderr` to `run`; `rows`
and `count` to `sql`. Keep an earlier result with `let r = GET …` and read `r.status`.";

    UNKNOWN_FIELD = "E0304", "unknown field",
"The record has no field of that name. The message lists the fields it has.";

    WRONG_ARGUMENT_COUNT = "E0305", "wrong number of arguments",
"The function takes a different number of arguments. Positional arguments come first,
then named ones (`file(\"a.txt\", type: \"text/plain\")`).";

    ARGUMENT_TYPE = "E0306", "argument of the wrong type",
"An argument does not have the type that the function's parameter declares.";

    UNKNOWN_ARGUMENT = "E0307", "unknown named argument",
"The function has no parameter of that name, or it was given twice.";

    RETURN_TYPE = "E0308", "wrong return type",
"The value returned does not have the type after `->` in the function's signature, or
a function without `->` returns a value.";

    NOT_CALLABLE = "E0309", "not a function",
"Only functions can be called: a core function, a `fn`, or `module.fn` of an import
made with `as`.";

    BYTES_INTERPOLATION = "E0310", "bytes cannot be interpolated",
"`bytes` (from `hmac_sha256`, a binary WebSocket frame, a blob column) has no text
form. Write `{{ hex(x) }}` or `{{ base64(x) }}`.";

    NOT_A_CONDITION = "E0311", "condition is not a bool",
"`expect`, `if`, `until` and `check` need a condition: a comparison, `x exists`,
`x is string`, or a bool value.";

    UNKNOWN_TYPE = "E0312", "unknown type name",
"Types: string int float number bool null duration percent size bytes json list object
map record database redis file schema (`list<T>` for a list of T). After `is`:
string int float number bool null object array iso_date empty collection.";

    ASSIGNMENT_TYPE = "E0313", "assigned value has a different type",
"A name keeps the type it was declared with. Declare a new name with `let` to hold a
value of another type.";

    CLAUSE_TYPE = "E0314", "value of the wrong type",
"A clause, option or attribute takes a value of a particular type: `timeout` a duration
(`5s`), `headers` and `query` an object, `retry` an int, `tags` a list of strings.";

    SQL_INTERPOLATION_IN_QUOTES = "E0315", "interpolation inside SQL quotes",
"In `sql` text each `{{ }}` becomes a bound parameter, which SQL does not look for
inside a quoted literal. Put it where a value stands, and build patterns in SQL:

    sql db \"SELECT * FROM users WHERE email LIKE '%' || {{domain}}\"";

    SHELL_INTERPOLATION_IN_QUOTES = "E0317", "interpolation inside shell quotes",
"In a `run` command or a service's command, ritc writes each `{{ }}` as one
single-quoted shell word, so that the value arrives verbatim whatever it holds
(`'`, `\"`, `$(…)`, backticks, newlines). That is exact only where the shell reads
a bare word. Inside quotes you wrote, the value's own quoting would end yours and
the rest of the value would run as code; so the checker refuses `{{ }}` inside
`'…'`, `\"…\"`, `$'…'`, backticks, `${…}`, `$((…))`, a `#` comment, right after a
backslash or a `$`, and after a here-document's `<<`.

    run \"echo '{{name}}'\"        # error: remove the quotes
    run \"echo {{name}}\"          # the value is one word, verbatim
    run \"echo \\\"Hello, \\\" {{name}}\"  # quote only your own text

A word may still join your text and a value: `--name={{name}}`, `{{dir}}/file`.";

    INTERPOLATION_IN_RAW_BODY = "E0318", "interpolation inside a raw JSON or form body",
"A raw `body` (or a WebSocket `send` of text) is sent as written, so a `{{ }}` in it
is spliced into the JSON or form text as it is: a value holding `\"` or `&` would end
its string or add a field. ritc refuses an interpolation in a raw body that is JSON
(it starts with `{` or `[`, or `headers` set a JSON `Content-Type`) or a form
(`application/x-www-form-urlencoded`). Send the structure instead; ritc encodes each
value:

    POST url body \"{\\\"name\\\": \\\"{{name}}\\\"}\"   # error
    POST url json { name: name }           # the value is one JSON string
    POST url form { name: name }           # the value is one form field
    send { type: \"hello\", name: name }      # in a `ws` block";

    NOT_ITERABLE = "E0316", "not a list",
"`for x in …` walks a list (or, for a json value, a JSON array, checked when it runs).";

    MISSING_RETURN = "E0319", "function can end without returning",
"A function that declares a return type (`-> int`) must return a value of it on every
path. Its body can reach its end without a `return`: after an `if` without `else`, a
loop (which may run zero times), or a branch that does not return. A call would then
give `null`, which is not what the signature promises.

    fn sign(x: int) -> int {
      if x > 0 { return 1 }
      return 0                 # the path the `if` did not take
    }";

    PARAM_TYPE = "E0320", "param of a type the command line cannot give",
"A `param` can be given with `--param NAME=VALUE` or `RIT_PARAM_NAME`, and that text is
read as the param's type: a string as it is; an int, a float, a bool; a duration, a
percent or a size written as in a script (`5s`, `99%`, `64KB`); json, a list or a map
written as JSON (`[1, 2]`). A database, a Redis connection, a file, a schema or bytes
cannot come from text: take the text and make the value from it.

    param db_url: string = \"sqlite://test.db\"
    let db = database(db_url)";

    DUPLICATE_KEY = "E0321", "duplicate key in an object",
"An object literal gives the same key twice (`{ name: \"a\", name: \"b\" }`). Only one
of the values could be sent, so the other is a mistake: keep one.";

    CONSTANT_FAILS = "E0322", "an operation on constants that always fails",
"The operands are constants, and the operation fails whatever happens when the test
runs: `int(\"abc\")` or `float(\"x\")` (the text is not a number, by the same rule
`int()` and `float()` apply at run time), `json(\"{\")` (the text is not JSON, by the
rule of `json()`), a division by zero, or `schema(\"file.json\")` of a file that is
not JSON or not a valid JSON Schema (by the rule `schema()` applies at run time; the
files its `$ref`s name are checked when the test runs). An operand held by a
top-level `let` or a `param`'s default that no `setup` assigns counts as a constant.";

    INVALID_JSON_PATH = "E0323", "invalid JSONPath",
"The path given to `jsonpath(value, path)` is not an RFC 9535 JSONPath. A path starts
at `$`; `.name` or `['name']` selects a member, `[0]` and `[-1]` an item, `[*]` every
item, `..name` every descendant named so, and `[?@.id == 'x']` the items a filter keeps
(strings in a filter are quoted with `'`, so the path needs no escaping in a `\"…\"`
string). The label points at where the path stops making sense.

    expect jsonpath(json, \"$.items[?@.id == 'x'].name\") == [\"Apple\"]";

    INVALID_XPATH = "E0324", "invalid XPath expression",
"The expression given to `xpath(document, expression)` is not XPath 1.0: a path
(`//book/title`, `//li[@class='x']/text()`) or a function of one (`count(//li)`,
`string(//title)`, `normalize-space(//h1)`).

    expect xpath(body, \"string(//title)\") == \"Home\"";

    INVALID_DATE_FORMAT = "E0325", "invalid date format",
"The format given to `date(text, format)` or `format_date(seconds, format)` is not a
format description: components in brackets (`[year]`, `[month]`, `[day]`, `[hour]`,
`[minute]`, `[second]`, `[subsecond]`, `[offset_hour]`, `[weekday]`,
`[month repr:short]`…) and literal text between them. `[[` writes a `[`.

    let issued = date(headers[\"x-issued\"], \"[day]/[month]/[year]\")";

    UNKNOWN_ENCODING = "E0326", "unknown character encoding",
"The label given to `decode(bytes, encoding)` names no encoding. Labels are the
WHATWG Encoding Standard's, as browsers read a `charset`: `utf-8`, `latin1` (which is
windows-1252), `iso-8859-15`, `utf-16le`, `shift_jis`, `gbk`, `euc-kr`…";

    UNKNOWN_CLAUSE = "E0401", "unknown clause",
"This step kind does not take that clause. HTTP steps take `headers query json form
multipart body graphql variables timeout follow redirects insecure user delay max
redirects version proxy resolve connect to path as is cacert cert key netrc` (a
`load`'s request: those before `user`); `run` takes `timeout env cwd
stdin`; `sql` and `redis` take `timeout`; `ws` takes `headers timeout`.";

    DUPLICATE_CLAUSE = "E0402", "clause given twice",
"Each clause, option or attribute may appear once.";

    EXCLUSIVE_BODY = "E0403", "more than one request body",
"`json`, `form`, `multipart`, `body` and `graphql` each set the request body; a step
takes one of them.";

    UNKNOWN_OPTION = "E0404", "unknown option or attribute",
"Test attributes: `timeout retry tags skip`. `load` options: `concurrency requests
duration rate ramp warmup check timeout` and any HTTP clause. `service` options: `env
cwd ready`. Checkpoint failure actions: `stop warn continue`.";

    MISSING_OPTION = "E0405", "missing option",
"A `load` step needs a model: `concurrency N` with `requests N` or `duration D`
(closed), or `rate N per D` with `duration D` (open). `ready` needs `http`, `tcp` or
`log`.";

    INVALID_REGEX = "E0406", "invalid regular expression",
"The pattern after `matches`, or given to `capture(text, pattern)`, is not a valid
regular expression (Rust `regex` syntax).
Backslashes in a `\"…\"` string must be doubled: `\"\\\\d+\"`.";

    INVALID_URL = "E0407", "invalid URL",
"A literal URL must be absolute, with a scheme and a host: `http://127.0.0.1:3000/x`.
WebSocket URLs use `ws://` or `wss://`. A literal URL given to a function that makes
a connection value (`nats(url)`) is read as the run would read it.";

    INVALID_HEADER_NAME = "E0408", "invalid header name",
"HTTP header names are tokens: letters, digits and ``!#$%&'*+-.^_`|~``, no spaces or
colons.";

    UNSUPPORTED_DATABASE = "E0409", "unsupported connection URL",
"A function that makes a connection value takes the URL schemes its step kind
declares, which the message lists: `database(url)` takes `postgres://`,
`postgresql://`, `mysql://`, `mariadb://` or `sqlite:` URLs, `redis(url)` takes
`redis://` or `rediss://`, `nats(url)` `nats://` or `tls://`, `mqtt(url)` `mqtt://`.";

    STEP_IN_INITIALIZER = "E0410", "step in a top-level value",
"Top-level `param`, `let` and `secret` are computed before any test, once per run;
they cannot perform a step. Do it in `setup` and assign a top-level `let` there.";

    STATEMENT_NOT_ALLOWED = "E0411", "statement not allowed here",
"Only calls can stand alone as statements; a bare value does nothing.";

    REDIS_COMMAND = "E0412", "invalid Redis command",
"A `redis` step takes a string literal with the command and its arguments, split at
spaces: `redis conn \"SET session:{{id}} {{value}}\"`.";

    VALUE_OUT_OF_RANGE = "E0413", "value out of range",
"A constant given to an option, clause, attribute or statement is outside what it
accepts, and the run would refuse it (or, worse, do nothing and pass). The limits are
one table that the checker and the runtime share:

    concurrency, requests, rate N,
    limit rate                        at least 1
    retry                             at least 0
    timeout, within, duration,
    rate … per D, ramp … over D       longer than zero
    close CODE                        1000–1003, 1007–1014 or 3000–4999

A value computed when the test runs is held to the same limits there.";

    SQL_STATEMENTS = "E0414", "more than one SQL statement",
"A `sql` step runs one statement: its rows, `count` and failures are those of that
statement. A text with several (`SELECT 1; SELECT 2`) would run some of them or all,
depending on the driver, and report only one. Semicolons inside quotes, dollar quotes
and comments do not count. Write one `sql` step per statement; a text computed when the
test runs is refused then, naming how many statements it holds.";

    STEP_IN_LOAD_CHECK = "E0415", "step inside a `load` check",
"A `load` step's `check { … }` is evaluated on every response, many times a second,
while the load runs; it reads that response's `status`, `headers`, `body` and `json`.
A function that performs a step (a request, a command) cannot run there. Check the
response's fields directly, and perform other steps before or after the `load`.";

    UNKNOWN_STEP_KIND = "E0416", "unknown step kind",
"A statement that begins with a name followed, on the same line, by a value is a
step of a kind with no form of its own (docs/ARCHITECTURE.md, \"Adding a step
kind\"), and no kind of step begins with that name.

    test \"t\" {
      fetch \"http://127.0.0.1:3000/health\"   # error: no step kind `fetch`
    }

A step begins with an HTTP method (`GET POST PUT PATCH DELETE HEAD OPTIONS`), `run`,
`sql`, `redis`, `ws` or `load`. A misspelt statement word (`expcet x`) reads as such a
step too: check its spelling. To call a function, write its parentheses: `f(x)`.";

    INVALID_CLAUSE_VALUE = "E0417", "invalid clause value",
"A constant given to a clause is not one it takes, and the step would fail when it
runs: an HTTP step's `version` is \"HTTP/1.0\", \"HTTP/1.1\" or \"HTTP/2\"; a `resolve` entry is
\"host:port:address\" (the host as the URL names it, the URL's port, an IP address),
or a list of them; a `connect to` entry is \"host:port:other-host:other-port\"; a
`proxy` is the proxy's URL with its scheme (`http`, `https`,
`socks5`); `key` is the key of the client certificate `cert` gives; `variables` are
those of the query `graphql` gives. The same rules hold for the clauses of a
`defaults { … }` block. A value computed when the test runs is held to the same
rules there.";

    UNKNOWN_OPERATION = "E0418", "unknown operation",
"Some kinds of step take a word right after their own that says what the step does
(its operation, as a message broker's `publish` or `subscribe`). The word must be
one the kind declares, and a kind whose every step names one refuses a step
without it. The help lists the kind's operations or the nearest one.";

    STEP_SHAPE = "E0419", "a part the step does not take, or lacks",
"Besides its target and clauses, a step may take a string right after the target
(a subject, a topic, a command) and a `{ … }` block of statements that the step
runs, as its kind declares for each of its operations. A string or a block the
kind does not take there is refused, and so is a step without one it requires;
the help shows how the kind's steps read. A statement of a kind's own takes one
value and nothing else.";

    CANNOT_LOAD = "E0420", "a step a load cannot repeat",
"A `load` sends HTTP requests (`load GET url { … }`) or the messages of a kind that
offers a load of one of its operations: `load nats publish BUS \"subject\" { … }`,
`load nats request`, `load mqtt publish`, `load amqp publish`. A kind whose steps
do not send (`sql`, `redis`), or an operation that waits for messages instead of
sending them (`subscribe`, `silent`), cannot be loaded; the help lists what can.";

    DATA_FILE_MISSING = "W0007", "a constant path names a file that cannot be read",
"`read(\"x\")`, `file(\"x\")` or `schema(\"x\")` with a constant path (written there, or
held by a top-level `let p = \"x\"` or a `param`'s default) names a file, beside the
`.rit` file, that cannot be read now (it does not exist, is a folder, or is not
readable), or one outside the suite's folder, which the run reads only with
--allow-read. A step may create it before it is read, so this is a warning; when no
step does, the test fails there. Fix the path, or create the file first.";

    SECRET_IN_QUERY = "W0004", "secret in a URL query",
"A secret interpolated into a URL's query string ends up in server access logs and
proxies. Send it in a header or the request body instead.";

    SHORT_SECRET = "W0005", "secret too short to mask",
"A `secret` shorter than 4 characters is not masked in output: masking \"20\" would turn
every status 200 into `***0` and every port 2000 into `***00`. Such a secret is shown
wherever it appears. Use a longer secret (a real credential is much longer).";

    COALESCE_PRECEDENCE = "W0006", "`??` next to a comparison without parentheses",
"`??` binds tighter than comparisons, `not`, `and` and `or`, as in Swift:
`x ?? \"d\" == \"d\"` is `(x ?? \"d\") == \"d\"`. Older versions of ritc read `??` last,
as `x ?? (\"d\" == \"d\")`, which gave vacuous passes and misleading messages. A file
written for that reading now means something else, so ritc warns wherever `??` stands
without parentheses next to such an operator, shows both readings, and suggests the
parentheses: with them the warning goes away.

The precedence, tightest first: `-x`; `* /`; `+ -`; `??`; comparisons (`== != < <=
> >= contains matches in conforms`, `exists`, `is`); `not`; `and`; `or`.";

    UNUSED_CAPTURE = "W0001", "unused capture",
"A `let` inside a test, block or function whose value is never read. Remove it, or use
it in an expectation.";

    TEST_WITHOUT_EXPECTATION = "W0002", "test without expectations",
"A test with no `expect`, `warn expect` or load `check` proves only that its steps
ran. Add an expectation (`expect status == 200`). `run` steps fail on a non-zero exit
by themselves, so such a test still checks something; say so with `expect exit == 0`.";

    LITERAL_EXPECTATION = "W0003", "expectation on literals only",
"Every operand is a literal, so the expectation always holds (or never does). Compare
a field, a captured value or a call with the literal.";
}

pub fn lookup(id: &str) -> Option<&'static CodeInfo> {
    ALL.iter()
        .find(|info| info.code.id.eq_ignore_ascii_case(id))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_are_unique_and_well_formed() {
        let mut seen = HashSet::new();
        for info in ALL {
            assert!(
                seen.insert(info.code.id),
                "{} is defined twice",
                info.code.id
            );
            assert_eq!(info.code.id.len(), 5);
            assert!(info.code.id.starts_with('E') || info.code.id.starts_with('W'));
            assert!(!info.explanation.is_empty());
        }
    }

    #[test]
    fn lookup_ignores_case() {
        assert_eq!(lookup("e0201").map(|info| info.title), Some("unknown name"));
        assert!(lookup("E9999").is_none());
    }
}
