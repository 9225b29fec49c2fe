//! One line per request on stdout: method, path, status and milliseconds.

use std::io::Write;
use std::time::Instant;

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;

/// Middleware that logs each request once its response is ready.
pub async fn log_request(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let response = next.run(request).await;
    let millis = started.elapsed().as_secs_f64() * 1000.0;
    // stdout is usually a file or a pipe that someone tails while the service runs:
    // flush so that each line is there as soon as its request is done.
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(
        stdout,
        "{method} {path} {} {millis:.1}ms",
        response.status().as_u16()
    );
    let _ = stdout.flush();
    response
}
