//! Process handling against real processes: `run_command` (exit codes, exact output,
//! stdin, env, cwd, timeouts that end the whole group, cancellation), `shell_quote`
//! through a real `sh`, and services (readiness over http, tcp and log, failing fast,
//! timing out, logs, stopping every process of the group).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use ritc::os::process::{
    CommandError, CommandSpec, MAX_OUTPUT_BYTES, kill_all_process_groups, run_command, shell_quote,
};
use ritc::run::services::{DEFAULT_READY_WITHIN, ReadyProbe, ServiceSpec, Services};

mod common;
use common::ports::free_port;

// ---- helpers ----

fn command(text: &str, cwd: &Path) -> CommandSpec {
    CommandSpec {
        command: text.to_string(),
        env: Vec::new(),
        cwd: cwd.to_path_buf(),
        stdin: None,
        timeout: Duration::from_secs(20),
    }
}

fn service(name: &str, text: &str, cwd: &Path, ready: Option<ReadyProbe>) -> ServiceSpec {
    ServiceSpec {
        name: name.to_string(),
        command: text.to_string(),
        env: Vec::new(),
        cwd: cwd.to_path_buf(),
        ready,
        ready_within: DEFAULT_READY_WITHIN,
    }
}

fn temp_dir() -> tempfile::TempDir {
    tempfile::tempdir().expect("a temporary folder")
}

/// Whether `pid` is a process that still runs (a zombie does not count: it only waits
/// for its parent, maybe an init that does not reap, to collect it).
fn is_running(pid: i32) -> bool {
    // SAFETY: signal 0 only checks that the process exists.
    if unsafe { libc::kill(pid, 0) } != 0 {
        return false;
    }
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => {
            let state = stat
                .rsplit_once(')')
                .and_then(|(_, rest)| rest.split_whitespace().next());
            !matches!(state, Some("Z" | "X"))
        }
        Err(_) => false,
    }
}

/// Kills these pids when dropped, so a failing test leaves nothing behind.
struct KillOnDrop(Vec<i32>);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        for &pid in &self.0 {
            if pid > 1 {
                // SAFETY: plain kill(2) of a pid this test started.
                unsafe { libc::kill(pid, libc::SIGKILL) };
            }
        }
    }
}

/// Waits until `path` holds `count` pids, one a line, and returns them.
async fn read_pids(path: &Path, count: usize) -> Vec<i32> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Ok(text) = std::fs::read_to_string(path) {
            let pids: Vec<i32> = text
                .lines()
                .filter_map(|line| line.trim().parse().ok())
                .collect();
            if pids.len() >= count && text.ends_with('\n') {
                return pids;
            }
        }
        assert!(
            Instant::now() < deadline,
            "{} never held {count} pids",
            path.display()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Waits up to `limit` for every pid to stop running.
async fn assert_all_end(pids: &[i32], limit: Duration) {
    let deadline = Instant::now() + limit;
    while pids.iter().any(|&pid| is_running(pid)) {
        assert!(
            Instant::now() < deadline,
            "still running after {limit:?}: {:?}",
            pids.iter()
                .filter(|&&pid| is_running(pid))
                .collect::<Vec<_>>()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Stops the services when dropped, even when an assertion failed first.
struct StopOnDrop(Services);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        let services = self.0.clone();
        let stopper = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build();
            if let Ok(runtime) = runtime {
                runtime.block_on(services.stop_all());
            }
        });
        let _ = stopper.join();
    }
}

// ---- run_command ----

#[tokio::test]
async fn exit_codes_are_reported() {
    let folder = temp_dir();
    let output = run_command(&command("exit 7", folder.path()))
        .await
        .expect("runs");
    assert_eq!(output.exit, 7);
    let output = run_command(&command("true", folder.path()))
        .await
        .expect("runs");
    assert_eq!(output.exit, 0);
    let output = run_command(&command("kill -TERM $$", folder.path()))
        .await
        .expect("runs");
    assert_eq!(output.exit, 128 + libc::SIGTERM);
}

#[tokio::test]
async fn output_is_kept_exactly() {
    let folder = temp_dir();
    let output = run_command(&command(
        r"printf '\n  out \n\n'; printf ' err\t' >&2; printf 'caf\303\251'",
        folder.path(),
    ))
    .await
    .expect("runs");
    assert_eq!(output.stdout, "\n  out \n\ncafé".as_bytes());
    assert_eq!(output.stderr, b" err\t");
    assert!(output.duration < Duration::from_secs(10));
}

#[tokio::test]
async fn stdin_is_written_then_closed() {
    let folder = temp_dir();
    let mut spec = command("cat", folder.path());
    spec.stdin = Some(b"hello\nworld".to_vec());
    let output = run_command(&spec).await.expect("runs");
    assert_eq!(output.stdout, b"hello\nworld");

    // Bigger than any pipe buffer both ways: writing and reading must overlap.
    let big: Vec<u8> = (0..3_000_000_u32)
        .map(|index| b'a' + (index % 26) as u8)
        .collect();
    spec.stdin = Some(big.clone());
    let output = run_command(&spec).await.expect("runs");
    assert_eq!(output.stdout.len(), big.len());
    assert!(output.stdout == big);

    // A command that never reads its stdin is not an error.
    spec.command = "echo ignored".to_string();
    let output = run_command(&spec).await.expect("runs");
    assert_eq!(
        (output.exit, output.stdout.as_slice()),
        (0, &b"ignored\n"[..])
    );
}

#[tokio::test]
async fn without_stdin_the_command_reads_end_of_file() {
    let folder = temp_dir();
    let output = run_command(&command("wc -c", folder.path()))
        .await
        .expect("runs");
    assert_eq!(String::from_utf8_lossy(&output.stdout).trim(), "0");
}

#[tokio::test]
async fn env_adds_to_the_inherited_environment() {
    let folder = temp_dir();
    let mut spec = command(
        r#"printf '%s|%s' "$RITC_TEST_VALUE" "${PATH:+has-path}""#,
        folder.path(),
    );
    spec.env = vec![(
        "RITC_TEST_VALUE".to_string(),
        "two words $x 'q'".to_string(),
    )];
    let output = run_command(&spec).await.expect("runs");
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "two words $x 'q'|has-path"
    );
}

#[tokio::test]
async fn cwd_is_where_the_command_runs() {
    let folder = temp_dir();
    let output = run_command(&command("pwd -P", folder.path()))
        .await
        .expect("runs");
    let expected = folder.path().canonicalize().expect("canonical path");
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        format!("{}\n", expected.display())
    );
}

#[tokio::test]
async fn a_missing_cwd_is_a_spawn_error() {
    let folder = temp_dir();
    let missing = folder.path().join("not-here");
    match run_command(&command("true", &missing)).await {
        Err(CommandError::Spawn(message)) => assert!(message.contains("not-here"), "{message}"),
        other => panic!("expected a spawn error, got {other:?}"),
    }
}

#[tokio::test]
async fn a_timeout_ends_the_whole_group() {
    let folder = temp_dir();
    let pid_file = folder.path().join("pids");
    let mut spec = command(
        &format!(
            "echo started; echo partial >&2; sleep 30 & echo $! > {file}; sleep 31 & echo $! >> {file}; wait",
            file = shell_quote(&pid_file.to_string_lossy())
        ),
        folder.path(),
    );
    spec.timeout = Duration::from_millis(700);
    let started = Instant::now();
    let result = run_command(&spec).await;
    let pids = read_pids(&pid_file, 2).await;
    let _cleanup = KillOnDrop(pids.clone());
    match result {
        Err(CommandError::TimedOut {
            after,
            stdout,
            stderr,
        }) => {
            assert_eq!(after, Duration::from_millis(700));
            assert_eq!(stdout, b"started\n");
            assert_eq!(stderr, b"partial\n");
        }
        other => panic!("expected a timeout, got {other:?}"),
    }
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );
    assert_all_end(&pids, Duration::from_millis(500)).await;
}

#[tokio::test]
async fn output_past_the_limit_fails_and_ends_the_whole_group_at_once() {
    // A background sleeper and `yes` in the foreground: when stdout passes the
    // limit, the step fails and both are ended before `run_command` returns.
    let folder = temp_dir();
    let pid_file = folder.path().join("pids");
    let mut spec = command(
        &format!(
            "sleep 30 & echo $! > {file}; echo $$ >> {file}; yes",
            file = shell_quote(&pid_file.to_string_lossy())
        ),
        folder.path(),
    );
    spec.timeout = Duration::from_secs(60);
    let result = run_command(&spec).await;
    let pids = read_pids(&pid_file, 2).await;
    let _cleanup = KillOnDrop(pids.clone());
    match result {
        Err(CommandError::OutputTooLarge {
            stream,
            stdout,
            stderr,
        }) => {
            assert_eq!(stream, "stdout");
            assert!(stdout.len() <= MAX_OUTPUT_BYTES, "{}", stdout.len());
            assert!(
                stdout.len() > MAX_OUTPUT_BYTES - 64 * 1024,
                "{}",
                stdout.len()
            );
            assert!(stdout.starts_with(b"y\ny\n"));
            assert!(stderr.is_empty());
        }
        other => panic!("expected the output limit, got {other:?}"),
    }
    for pid in &pids {
        assert!(
            !is_running(*pid),
            "process {pid} still runs after run_command returned"
        );
    }
}

#[tokio::test]
async fn a_timeout_kills_what_ignores_sigterm() {
    let folder = temp_dir();
    let pid_file = folder.path().join("pids");
    let mut spec = command(
        &format!(
            "trap '' TERM; sleep 30 & echo $! > {file}; wait",
            file = shell_quote(&pid_file.to_string_lossy())
        ),
        folder.path(),
    );
    spec.timeout = Duration::from_millis(300);
    let started = Instant::now();
    let result = run_command(&spec).await;
    let pids = read_pids(&pid_file, 1).await;
    let _cleanup = KillOnDrop(pids.clone());
    assert!(
        matches!(result, Err(CommandError::TimedOut { .. })),
        "{result:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );
    assert_all_end(&pids, Duration::from_millis(500)).await;
}

#[tokio::test]
async fn what_sh_leaves_in_the_background_is_ended_when_it_exits() {
    let folder = temp_dir();
    let pid_file = folder.path().join("pids");
    let spec = command(
        &format!(
            "sleep 30 & echo $! > {}; echo done",
            shell_quote(&pid_file.to_string_lossy())
        ),
        folder.path(),
    );
    let started = Instant::now();
    let output = run_command(&spec).await.expect("runs");
    let pids = read_pids(&pid_file, 1).await;
    let _cleanup = KillOnDrop(pids.clone());
    assert_eq!((output.exit, output.stdout.as_slice()), (0, &b"done\n"[..]));
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );
    assert_all_end(&pids, Duration::from_millis(500)).await;
}

#[tokio::test]
async fn a_dropped_command_future_ends_its_group() {
    let folder = temp_dir();
    let pid_file = folder.path().join("pids");
    let spec = command(
        &format!(
            "echo $$ > {file}; sleep 30 & echo $! >> {file}; wait",
            file = shell_quote(&pid_file.to_string_lossy())
        ),
        folder.path(),
    );
    let cancelled = tokio::time::timeout(Duration::from_millis(500), run_command(&spec)).await;
    assert!(cancelled.is_err(), "the command should have been cancelled");
    let pids = read_pids(&pid_file, 2).await;
    let _cleanup = KillOnDrop(pids.clone());
    assert_all_end(&pids, Duration::from_secs(3)).await;
}

// ---- shell_quote through a real sh ----

const HOSTILE: &[&str] = &[
    "",
    " ",
    "plain",
    "two words",
    "it's",
    "''",
    "'",
    "\"double\"",
    "$(touch pwned)",
    "`touch pwned`",
    "${HOME}",
    "$HOME",
    "; touch pwned",
    "a && touch pwned || b",
    "line one\nline two\n",
    "\n",
    "tab\there",
    "*",
    "?",
    "[a-z]*",
    "~",
    "~root",
    "A=b",
    "-n",
    "--",
    "!",
    "{a,b}",
    "back\\slash\\",
    "#not a comment",
    "<in >out | pipe &",
    "café ☃ 日本",
    "a'b\"c`d$e\\f",
];

#[tokio::test]
async fn shell_quote_round_trips_hostile_text() {
    let folder = temp_dir();
    for &text in HOSTILE {
        let quoted = shell_quote(text);
        let spec = command(&format!("printf '%s' {quoted}"), folder.path());
        let output = run_command(&spec).await.expect("runs");
        assert_eq!(
            output.exit,
            0,
            "{text:?} quoted as {quoted}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert_eq!(
            String::from_utf8_lossy(&output.stdout),
            text,
            "quoted as {quoted}"
        );

        // One word, whatever it holds.
        let spec = command(&format!("set -- {quoted}; printf '%s' $#"), folder.path());
        let output = run_command(&spec).await.expect("runs");
        assert_eq!(output.stdout, b"1", "{text:?} quoted as {quoted}");
    }
    assert!(
        !folder.path().join("pwned").exists(),
        "a quoted value ran a command"
    );
}

#[tokio::test]
async fn a_quoted_word_in_command_position_is_not_an_assignment() {
    let folder = temp_dir();
    let spec = command(
        &format!("{} 2>/dev/null; echo $?", shell_quote("A=b")),
        folder.path(),
    );
    let output = run_command(&spec).await.expect("runs");
    assert_eq!(output.stdout, b"127\n");
}

// ---- kill_all_process_groups, in a child process of its own ----

const KILL_ALL_CHILD: &str = "RITC_PROCESSES_KILL_ALL_CHILD";

#[test]
fn kill_all_process_groups_ends_every_registered_group() {
    // It ends every group of the whole test process, so it runs in a process of its own.
    let folder = temp_dir();
    let pid_file = folder.path().join("pids");
    let executable = std::env::current_exe().expect("the test executable");
    let child = std::process::Command::new(executable)
        .args([
            "kill_all_child",
            "--exact",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(KILL_ALL_CHILD, &pid_file)
        .output()
        .expect("the child test runs");
    let pids: Vec<i32> = std::fs::read_to_string(&pid_file)
        .unwrap_or_default()
        .lines()
        .filter_map(|line| line.parse().ok())
        .collect();
    let _cleanup = KillOnDrop(pids.clone());
    assert!(
        child.status.success(),
        "the child test failed: {}\n{}\n{}",
        child.status,
        String::from_utf8_lossy(&child.stdout),
        String::from_utf8_lossy(&child.stderr)
    );
    assert_eq!(pids.len(), 4, "{pids:?}");
    assert!(pids.iter().all(|&pid| !is_running(pid)), "{pids:?}");
}

#[test]
#[ignore = "run by kill_all_process_groups_ends_every_registered_group in a child process"]
fn kill_all_child() {
    let Some(pid_file) = std::env::var_os(KILL_ALL_CHILD).map(PathBuf::from) else {
        return;
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        let folder = pid_file.parent().expect("a folder").to_path_buf();
        let file = shell_quote(&pid_file.to_string_lossy());
        let spec = command(
            &format!("echo $$ >> {file}; sleep 30 & echo $! >> {file}; wait"),
            &folder,
        );
        let running = tokio::spawn(async move { run_command(&spec).await });
        read_pids(&pid_file, 2).await;
        let services = Services::new(folder.join("logs"));
        let spec = service(
            "sleeper",
            &format!("echo $$ >> {file}; sleep 30 & echo $! >> {file}; wait"),
            &folder,
            None,
        );
        services
            .start(spec, false)
            .await
            .expect("the service starts");
        let pids = read_pids(&pid_file, 4).await;

        tokio::task::spawn_blocking(kill_all_process_groups)
            .await
            .expect("kill_all");
        assert!(ritc::os::process::live_process_groups().is_empty());
        let output = tokio::time::timeout(Duration::from_secs(5), running)
            .await
            .expect("the command ends")
            .expect("its task")
            .expect("it ran");
        assert_eq!(output.exit, 128 + libc::SIGTERM);
        assert_all_end(&pids, Duration::from_secs(2)).await;
        // The service's exit is recorded by its own task once tokio has reaped
        // its `sh`, which may come a moment after the process is gone.
        let deadline = Instant::now() + Duration::from_secs(5);
        while services.exited().is_empty() {
            assert!(Instant::now() < deadline, "never noticed the exit");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert_eq!(
            services.exited(),
            vec![("sleeper".to_string(), 128 + libc::SIGTERM)]
        );
    });
}

// ---- services ----

fn http_server_command(port: u16) -> String {
    format!("exec python3 -u -m http.server {port} --bind 127.0.0.1")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ready_http_waits_for_a_real_server() {
    let folder = temp_dir();
    std::fs::write(folder.path().join("health"), "ok").expect("write a page");
    let services = Services::new(folder.path().join("logs"));
    let _stop = StopOnDrop(services.clone());
    let port = free_port();
    let spec = service(
        "web",
        &format!("sleep 0.3; {}", http_server_command(port)),
        folder.path(),
        Some(ReadyProbe::Http(format!("http://127.0.0.1:{port}/health"))),
    );
    let started = Instant::now();
    services.start(spec, false).await.expect("ready");
    assert!(started.elapsed() >= Duration::from_millis(300));
    let body = reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("a client")
        .get(format!("http://127.0.0.1:{port}/health"))
        .send()
        .await
        .expect("the server answers")
        .text()
        .await
        .expect("a body");
    assert_eq!(body, "ok");
    services.stop_all().await;
    assert!(
        std::net::TcpStream::connect(("127.0.0.1", port)).is_err(),
        "still listening"
    );
    let logs = services.logs("web").expect("logs");
    assert!(logs.contains("GET /health"), "{logs}");
    assert!(
        services.exited().is_empty(),
        "a stopped service did not die: {:?}",
        services.exited()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ready_http_needs_a_2xx() {
    let folder = temp_dir();
    let services = Services::new(folder.path().join("logs"));
    let _stop = StopOnDrop(services.clone());
    let port = free_port();
    let mut spec = service(
        "web",
        &http_server_command(port),
        folder.path(),
        Some(ReadyProbe::Http(format!("http://127.0.0.1:{port}/missing"))),
    );
    spec.ready_within = Duration::from_secs(2);
    let error = services
        .start(spec, false)
        .await
        .expect_err("404 is not ready");
    assert!(
        error.message.contains("not ready within 2s"),
        "{}",
        error.message
    );
    assert!(error.message.contains("404"), "{}", error.message);
    assert!(
        error
            .log_tail
            .iter()
            .any(|line| line.contains("GET /missing")),
        "{:?}",
        error.log_tail
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ready_tcp_waits_for_a_listener() {
    let folder = temp_dir();
    let services = Services::new(folder.path().join("logs"));
    let _stop = StopOnDrop(services.clone());
    let port = free_port();
    let spec = service(
        "tcp",
        &format!("sleep 0.3; {}", http_server_command(port)),
        folder.path(),
        Some(ReadyProbe::Tcp(format!("127.0.0.1:{port}"))),
    );
    services.start(spec, false).await.expect("ready");
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_ok());
    services.stop_all().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ready_log_waits_for_the_line() {
    let folder = temp_dir();
    let services = Services::new(folder.path().join("logs"));
    let _stop = StopOnDrop(services.clone());
    let spec = service(
        "logger",
        "echo starting; sleep 0.4; printf 'listen'; sleep 0.1; echo 'ing on 8080' >&2; exec sleep 30",
        folder.path(),
        Some(ReadyProbe::Log("listening on".to_string())),
    );
    let started = Instant::now();
    services.start(spec, false).await.expect("ready");
    assert!(
        started.elapsed() >= Duration::from_millis(500),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(
        services.log_tail("logger", 5),
        vec!["starting", "listening on 8080"]
    );
    services.stop_all().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_service_that_exits_before_ready_fails_at_once() {
    let folder = temp_dir();
    let services = Services::new(folder.path().join("logs"));
    let _stop = StopOnDrop(services.clone());
    let spec = service(
        "crash",
        "echo boom; echo 'bad config' >&2; exit 3",
        folder.path(),
        Some(ReadyProbe::Tcp(format!("127.0.0.1:{}", free_port()))),
    );
    let started = Instant::now();
    let error = services.start(spec, false).await.expect_err("it exited");
    // At once: far below the 60 s readiness limit, with room for a loaded machine.
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(error.service, "crash");
    assert!(
        error.message.contains("exited with status 3"),
        "{}",
        error.message
    );
    assert_eq!(error.log_tail, vec!["boom", "bad config"]);
    assert_eq!(services.exited(), vec![("crash".to_string(), 3)]);
    assert!(error.to_string().starts_with("service crash: "));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_service_that_never_becomes_ready_times_out_and_is_stopped() {
    let folder = temp_dir();
    let services = Services::new(folder.path().join("logs"));
    let _stop = StopOnDrop(services.clone());
    let pid_file = folder.path().join("pids");
    let port = free_port();
    let mut spec = service(
        "stuck",
        &format!(
            "echo waiting; echo $$ > {}; exec sleep 30",
            shell_quote(&pid_file.to_string_lossy())
        ),
        folder.path(),
        Some(ReadyProbe::Tcp(format!("127.0.0.1:{port}"))),
    );
    spec.ready_within = Duration::from_millis(600);
    let started = Instant::now();
    let error = services.start(spec, false).await.expect_err("never ready");
    let pids = read_pids(&pid_file, 1).await;
    let _cleanup = KillOnDrop(pids.clone());
    assert!(started.elapsed() >= Duration::from_millis(600));
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "{:?}",
        started.elapsed()
    );
    assert!(
        error.message.contains("not ready within 600ms"),
        "{}",
        error.message
    );
    assert!(error.message.contains("ready tcp"), "{}", error.message);
    assert_eq!(error.log_tail, vec!["waiting"]);
    assert_all_end(&pids, Duration::from_millis(500)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stop_all_ends_every_process_of_every_group_in_reverse_order() {
    let folder = temp_dir();
    let services = Services::new(folder.path().join("logs"));
    let _stop = StopOnDrop(services.clone());
    let order_file = shell_quote(&folder.path().join("order").to_string_lossy());
    let mut pids = Vec::new();
    for name in ["first", "second"] {
        let pid_file = folder.path().join(format!("{name}.pids"));
        let file = shell_quote(&pid_file.to_string_lossy());
        let text = format!(
            "trap 'echo {name} >> {order_file}; exit 0' TERM; \
             echo $$ > {file}; sleep 30 & echo $! >> {file}; \
             (sleep 31; true) & echo $! >> {file}; \
             while :; do sleep 0.05; done"
        );
        services
            .start(service(name, &text, folder.path(), None), false)
            .await
            .expect("started");
        pids.extend(read_pids(&pid_file, 3).await);
    }
    let _cleanup = KillOnDrop(pids.clone());
    assert!(pids.iter().all(|&pid| is_running(pid)));
    services.stop_all().await;
    assert!(
        pids.iter().all(|&pid| !is_running(pid)),
        "left running: {pids:?}"
    );
    let order = std::fs::read_to_string(folder.path().join("order")).expect("the order file");
    assert_eq!(order, "second\nfirst\n");
    assert!(services.exited().is_empty(), "{:?}", services.exited());
    // A second call has nothing left to do.
    let again = Instant::now();
    services.stop_all().await;
    // Nothing to wait for: no grace period (5 s) is spent, whatever the load.
    assert!(again.elapsed() < Duration::from_secs(2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stop_all_kills_a_service_that_ignores_sigterm() {
    let folder = temp_dir();
    let services = Services::new(folder.path().join("logs"));
    let _stop = StopOnDrop(services.clone());
    let pid_file = folder.path().join("pids");
    let file = shell_quote(&pid_file.to_string_lossy());
    let text = format!("trap '' TERM; echo $$ > {file}; sleep 30 & echo $! >> {file}; wait");
    services
        .start(service("stubborn", &text, folder.path(), None), false)
        .await
        .expect("started");
    let pids = read_pids(&pid_file, 2).await;
    let _cleanup = KillOnDrop(pids.clone());
    let started = Instant::now();
    services.stop_all().await;
    let took = started.elapsed();
    assert!(
        took >= Duration::from_secs(4) && took < Duration::from_secs(9),
        "{took:?}"
    );
    assert!(
        pids.iter().all(|&pid| !is_running(pid)),
        "left running: {pids:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logs_keep_stdout_and_stderr_in_order_in_memory_and_on_disk() {
    let folder = temp_dir();
    let services = Services::new(folder.path().join("logs"));
    let _stop = StopOnDrop(services.clone());
    let spec = service(
        "chatty",
        "echo out; echo err >&2; printf 'out2\\n'; echo done >&2; exec sleep 30",
        folder.path(),
        Some(ReadyProbe::Log("done".to_string())),
    );
    let started = std::time::SystemTime::now();
    services.start(spec, false).await.expect("ready");
    assert_eq!(
        services.logs("chatty").as_deref(),
        Some("out\nerr\nout2\ndone\n")
    );
    assert_eq!(services.log_tail("chatty", 2), vec!["out2", "done"]);
    // Each line with when ritc read it: after the start, in order.
    let tails = services.log_tails(4);
    let [(name, lines)] = &tails[..] else {
        panic!("{tails:?}")
    };
    assert_eq!(name, "chatty");
    let texts: Vec<&str> = lines.iter().map(|(text, _)| text.as_str()).collect();
    assert_eq!(texts, ["out", "err", "out2", "done"]);
    let times: Vec<std::time::SystemTime> = lines
        .iter()
        .map(|(_, read_at)| read_at.expect("a time for each line"))
        .collect();
    assert!(times[0] >= started, "{times:?}");
    assert!(times.windows(2).all(|pair| pair[0] <= pair[1]), "{times:?}");
    assert!(*times.last().unwrap() <= std::time::SystemTime::now());
    let path = services.log_path("chatty").expect("a log file");
    assert_eq!(path, folder.path().join("logs").join("chatty.log"));
    assert_eq!(
        std::fs::read_to_string(&path).expect("the log file"),
        "out\nerr\nout2\ndone\n"
    );
    assert_eq!(services.logs("unknown"), None);
    assert!(services.log_tail("unknown", 3).is_empty());
    services.stop_all().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn env_and_cwd_reach_the_service() {
    let folder = temp_dir();
    let services = Services::new(folder.path().join("logs"));
    let _stop = StopOnDrop(services.clone());
    let mut spec = service(
        "configured",
        "echo \"value=$RITC_SERVICE_VALUE\"; pwd -P; echo ready; exec sleep 30",
        folder.path(),
        Some(ReadyProbe::Log("ready".to_string())),
    );
    spec.env = vec![("RITC_SERVICE_VALUE".to_string(), "a b".to_string())];
    services.start(spec, false).await.expect("ready");
    let expected_folder = folder.path().canonicalize().expect("canonical path");
    assert_eq!(
        services.log_tail("configured", 3),
        vec![
            "value=a b".to_string(),
            expected_folder.display().to_string(),
            "ready".to_string()
        ]
    );
    services.stop_all().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_service_is_started_once_per_name() {
    let folder = temp_dir();
    let services = Services::new(folder.path().join("logs"));
    let _stop = StopOnDrop(services.clone());
    let count_file = shell_quote(&folder.path().join("starts").to_string_lossy());
    let spec = service(
        "shared",
        &format!("echo start >> {count_file}; sleep 0.3; echo ready; exec sleep 30"),
        folder.path(),
        Some(ReadyProbe::Log("ready".to_string())),
    );
    let other = services.clone();
    let (first, second) = tokio::join!(
        services.start(spec.clone(), false),
        other.start(spec.clone(), false)
    );
    first.expect("ready");
    second.expect("ready");
    services.start(spec, false).await.expect("still ready");
    assert_eq!(
        std::fs::read_to_string(folder.path().join("starts")).expect("starts"),
        "start\n"
    );
    services.stop_all().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_service_that_dies_later_is_reported() {
    let folder = temp_dir();
    let services = Services::new(folder.path().join("logs"));
    let _stop = StopOnDrop(services.clone());
    services
        .start(
            service("brief", "sleep 0.2; exit 5", folder.path(), None),
            false,
        )
        .await
        .expect("ready once spawned");
    let deadline = Instant::now() + Duration::from_secs(5);
    while services.exited().is_empty() {
        assert!(Instant::now() < deadline, "never noticed the exit");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(services.exited(), vec![("brief".to_string(), 5)]);
    services.stop_all().await;
    assert_eq!(services.exited(), vec![("brief".to_string(), 5)]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_start_only_awaits_readiness() {
    let folder = temp_dir();
    let services = Services::new(folder.path().join("logs"));
    let _stop = StopOnDrop(services.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address").to_string();
    let marker = folder.path().join("spawned");
    let spawn_marker = format!("touch {}", shell_quote(&marker.to_string_lossy()));

    let up = service(
        "up",
        &spawn_marker,
        folder.path(),
        Some(ReadyProbe::Tcp(address)),
    );
    services.start(up, true).await.expect("the listener is up");
    let log = service(
        "log",
        &spawn_marker,
        folder.path(),
        Some(ReadyProbe::Log("never".to_string())),
    );
    services
        .start(log, true)
        .await
        .expect("a log probe is skipped");
    let mut down = service(
        "down",
        &spawn_marker,
        folder.path(),
        Some(ReadyProbe::Http(format!(
            "http://127.0.0.1:{}/",
            free_port()
        ))),
    );
    down.ready_within = Duration::from_millis(400);
    let error = services
        .start(down, true)
        .await
        .expect_err("nothing listens");
    assert!(
        error.message.contains("not ready within 400ms"),
        "{}",
        error.message
    );
    assert!(error.log_tail.is_empty());

    assert!(!marker.exists(), "--no-start spawned a command");
    assert_eq!(services.logs("up"), None);
    assert_eq!(services.log_path("up"), None);
    assert!(services.log_tails(5).is_empty());
    services.stop_all().await;
    drop(listener);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_service_in_a_missing_folder_fails_to_start() {
    let folder = temp_dir();
    let services = Services::new(folder.path().join("logs"));
    let error = services
        .start(
            service("lost", "true", &folder.path().join("nope"), None),
            false,
        )
        .await
        .expect_err("no folder");
    assert!(
        error.message.contains("does not exist"),
        "{}",
        error.message
    );
}
