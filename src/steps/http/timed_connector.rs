//! The plain path's connector: hyper-util's `HttpConnector`, timed. Each
//! connection it opens remembers when opening began and how long it took, and
//! hyper puts that in the extensions of every response on the connection; a
//! response whose connection was opened after its request was sent opened it
//! (`Connecting::Opened`), any other went on a kept-alive one
//! (`Connecting::Reused`). So a slow step's evidence tells connecting apart from
//! the service's time to answer (docs/reports.md, "Suggestions").

use crate::evidence::Connecting;
use hyper::Uri;
use hyper::rt::{Read, ReadBufCursor, Write};
use hyper_util::client::legacy::connect::{Connected, Connection, HttpConnector};
use hyper_util::rt::TokioIo;
use std::future::Future;
use std::io::IoSlice;
use std::pin::Pin;
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
}
