//! Connecting, timed, on both HTTP clients, so that a slow step's evidence
//! tells connecting apart from the service's time to answer (docs/reports.md,
//! "Suggestions").
//!
//! The plain path's connector is hyper-util's `HttpConnector`, timed. Each
//! connection it opens remembers when opening began and how long it took, and
//! hyper puts that in the extensions of every response on the connection; a
//! response whose connection was opened after its request was sent opened it
//! (`Connecting::Opened`), any other went on a kept-alive one
//! (`Connecting::Reused`).
//!
//! The full client (reqwest: HTTPS, redirects, multipart) keeps its connections
//! to itself, so its connector is wrapped instead (`TimedLayer`, given to
//! reqwest's `connector_layer`): each connection it opens (resolving, TCP, the
//! TLS handshake) is timed for the request whose task asked for it
//! (`timed_request`, a task-local the connector reads when the pool calls it
//! from that request's future). A request that opened none went on a kept-alive
//! connection. A redirect that opens a connection per hop adds them up.

use crate::evidence::Connecting;
use hyper::Uri;
use hyper::rt::{Read, ReadBufCursor, Write};
use hyper_util::client::legacy::connect::{Connected, Connection, HttpConnector};
use hyper_util::rt::TokioIo;
use std::future::Future;
use std::io::IoSlice;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tokio::net::TcpStream;

/// When a connection began to be opened and how long opening it took.
#[derive(Clone, Copy, Debug)]
pub struct Opened {
    began: Instant,
    took: Duration,
}

impl Opened {
    /// How the request sent at `sent_at` got this connection: it opened it when
    /// opening began after it was sent (a pooled client opens a connection for
    /// the request that finds none idle).
    pub fn for_request(self, sent_at: Instant) -> Connecting {
        if self.began >= sent_at {
            Connecting::Opened(self.took)
        } else {
            Connecting::Reused
        }
    }
}

#[derive(Clone)]
pub struct TimedConnector(pub HttpConnector);

type OpeningFuture = Pin<
    Box<dyn Future<Output = Result<TimedStream, Box<dyn std::error::Error + Send + Sync>>> + Send>,
>;

impl tower_service::Service<Uri> for TimedConnector {
    type Response = TimedStream;
    type Error = Box<dyn std::error::Error + Send + Sync>;
    type Future = OpeningFuture;

    fn poll_ready(&mut self, context: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.0.poll_ready(context).map_err(Into::into)
    }

    fn call(&mut self, uri: Uri) -> Self::Future {
        let began = Instant::now();
        let connecting = self.0.call(uri);
        Box::pin(async move {
            let stream = connecting.await?;
            Ok(TimedStream {
                inner: stream,
                opened: Opened {
                    began,
                    took: began.elapsed(),
                },
            })
        })
    }
}

/// A connection of the plain client, with when it was opened.
pub struct TimedStream {
    inner: TokioIo<TcpStream>,
    opened: Opened,
}

impl Connection for TimedStream {
    fn connected(&self) -> Connected {
        self.inner.connected().extra(self.opened)
    }
}

impl Read for TimedStream {
    fn poll_read(
        self: Pin<&mut Self>,
        context: &mut Context<'_>,
        buffer: ReadBufCursor<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_read(context, buffer)
    }
}

impl Write for TimedStream {
    fn poll_write(
        self: Pin<&mut Self>,
        context: &mut Context<'_>,
        bytes: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(context, bytes)
    }

    fn poll_flush(self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(context)
    }

    fn poll_shutdown(self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(context)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        context: &mut Context<'_>,
        buffers: &[IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write_vectored(context, buffers)
    }
}

tokio::task_local! {
    /// The time spent opening connections for the request this task is
    /// sending on the full client (`timed_request`), `None` until one opens.
    static OPENED_FOR_REQUEST: Arc<Mutex<Option<Duration>>>;
}

/// Sends a request on the full client (`sending`, reqwest's future) and tells
/// how it got its connection: opened (in how long, all hops of a redirect
/// together) or kept alive.
pub async fn timed_request<F: Future>(sending: F) -> (F::Output, Connecting) {
    let opened = Arc::new(Mutex::new(None));
    let output = OPENED_FOR_REQUEST.scope(Arc::clone(&opened), sending).await;
    let took = *opened.lock().unwrap_or_else(PoisonError::into_inner);
    (output, took.map_or(Connecting::Reused, Connecting::Opened))
}

/// The layer that times the full client's connections (`Timed`).
#[derive(Clone, Copy, Debug, Default)]
pub struct TimedLayer;

impl<S> tower_layer::Layer<S> for TimedLayer {
    type Service = Timed<S>;

    fn layer(&self, inner: S) -> Timed<S> {
        Timed(inner)
    }
}

/// reqwest's connector, timed for the request that is waiting on it.
#[derive(Clone, Debug)]
pub struct Timed<S>(S);

type TimedFuture<R, E> = Pin<Box<dyn Future<Output = Result<R, E>> + Send>>;

impl<S, Target> tower_service::Service<Target> for Timed<S>
where
    S: tower_service::Service<Target>,
    S::Future: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = TimedFuture<S::Response, S::Error>;

    fn poll_ready(&mut self, context: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.0.poll_ready(context)
    }

    fn call(&mut self, target: Target) -> Self::Future {
        // The pool calls the connector from the future of the request that
        // needs a connection: that task's slot, if it asked (a `load`'s
        // requests do not).
        let opened = OPENED_FOR_REQUEST.try_with(Arc::clone).ok();
        let began = Instant::now();
        let connecting = self.0.call(target);
        Box::pin(async move {
            let connection = connecting.await?;
            if let Some(opened) = opened {
                let mut total = opened.lock().unwrap_or_else(PoisonError::into_inner);
                *total = Some(total.unwrap_or_default() + began.elapsed());
            }
            Ok(connection)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_connection_opened_after_the_request_was_sent_is_the_requests_own() {
        let sent_at = Instant::now();
        let opened = Opened {
            began: sent_at + Duration::from_micros(5),
            took: Duration::from_micros(300),
        };
        assert_eq!(
            opened.for_request(sent_at),
            Connecting::Opened(Duration::from_micros(300))
        );
        // The next request on the same connection reused it.
        let later = sent_at + Duration::from_millis(10);
        assert_eq!(opened.for_request(later), Connecting::Reused);
    }

    /// A connector that takes 20 ms to open a connection.
    #[derive(Clone)]
    struct Slow;

    impl tower_service::Service<()> for Slow {
        type Response = ();
        type Error = ();
        type Future = TimedFuture<(), ()>;

        fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), ()>> {
            Poll::Ready(Ok(()))
        }

        fn call(&mut self, (): ()) -> Self::Future {
            Box::pin(async {
                tokio::time::sleep(Duration::from_millis(20)).await;
                Ok(())
            })
        }
    }

    #[tokio::test]
    async fn the_full_clients_connections_are_timed_for_the_request_that_opened_them() {
        use tower_layer::Layer;
        use tower_service::Service;
        let mut connector = TimedLayer.layer(Slow);
        // The pool calls the connector while the request's future is polled.
        let (_, connecting) = timed_request(async { connector.call(()).await }).await;
        assert!(
            matches!(connecting, Connecting::Opened(took) if took >= Duration::from_millis(20)),
            "{connecting:?}"
        );
        // Two hops of a redirect, each on a connection of its own: both count.
        let (_, connecting) = timed_request(async {
            let _ = connector.call(()).await;
            connector.call(()).await
        })
        .await;
        assert!(
            matches!(connecting, Connecting::Opened(took) if took >= Duration::from_millis(40)),
            "{connecting:?}"
        );
        // A request that opened nothing went on a kept-alive connection.
        let (_, connecting) = timed_request(async {}).await;
        assert_eq!(connecting, Connecting::Reused);
        // A connection opened for another task (a `load`'s, or one the pool
        // opens while this request takes an idle one) is not this request's.
        let elsewhere = connector.call(());
        let (_, connecting) = timed_request(elsewhere).await;
        assert_eq!(connecting, Connecting::Reused);
    }
}
