//! Binding, the "listening on" line, and graceful shutdown, shared by both services.
//! It knows nothing of routes: it serves whatever router it is given.

use std::io::Write;
use std::time::Duration;

use axum::Router;
use tokio::net::TcpListener;

/// How long open connections may take to finish once a shutdown signal came; after
/// that the process exits anyway, so that a stuck client cannot keep it alive.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// Serves `router` on 127.0.0.1:`port` until SIGTERM or Ctrl-C.
pub async fn run(port: u16, router: Router) -> Result<(), String> {
    let listener = TcpListener::bind(("127.0.0.1", port))
        .await
        .map_err(|error| format!("cannot listen on 127.0.0.1:{port}: {error}"))?;
    let address = listener
        .local_addr()
        .map_err(|error| format!("cannot read the bound address: {error}"))?;
    // Whoever started us waits for this exact line, often through a pipe or a file,
    // so it must not sit in a buffer.
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "listening on {address}");
    let _ = stdout.flush();
    drop(stdout);

    let app = router.layer(axum::middleware::from_fn(crate::request_log::log_request));
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await
        .map_err(|error| format!("server error: {error}"))
}

/// Resolves on the first SIGTERM or Ctrl-C, and arms a timer that ends the process
/// if the graceful part takes too long.
async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            // Without a handler we can only wait for the other signal.
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut stream) => {
                stream.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();

    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tokio::spawn(async {
        tokio::time::sleep(SHUTDOWN_GRACE).await;
        std::process::exit(0);
    });
}
