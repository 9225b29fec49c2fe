//! Connecting, timed, on both HTTP clients, so that a slow step's evidence
//! tells connecting apart from the service's time to answer (docs/reports.md,
//! "Suggestions").
//!
//! Both clients pool their connections in hyper-util's legacy pool and open
//! them through a connector wrapped here (`Timed`: hyper-util's
//! `HttpConnector` for the plain path, given to reqwest's `connector_layer`
//! as `TimedLayer` for the full client: HTTPS, redirects, multipart). Each
//! connection it opens (resolving, TCP, the TLS handshake) is timed for the
//! request whose task asked for it (`timed_request`, a task-local the
//! connector reads when the pool calls it from that request's future), and
//! credited to it only if it was ready while that request's future polled it:
//! the pool hands such a connection to that request. Under `--jobs` the pool
//! may give a waiting request a connection another request freed while its
//! own was still opening; that opening then finishes in a task of the pool's
//! for whichever request comes next, and is credited to none: the request
//! that asked did not wait for it, and the one that gets it did not open it.
//! A request that opened none went on a kept-alive connection. A redirect that
//! opens a connection per hop adds them up.

use crate::evidence::Connecting;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

tokio::task_local! {
    /// The time spent opening connections for the request this task is
    /// sending (`timed_request`), `None` until one opens.
    static OPENED_FOR_REQUEST: Arc<Mutex<Option<Duration>>>;
}

/// Sends a request (`sending`, the client's future) and tells
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

/// A client's connector (hyper-util's `HttpConnector`, or reqwest's), timed
/// for the request that is waiting on it.
#[derive(Clone, Debug)]
pub struct Timed<S>(pub S);

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
            // Still the asking request's future that polls this one: the pool
            // gives it the connection. In a task of the pool's instead, the
            // request took another connection meanwhile.
            let polled_by_the_asker = opened.as_ref().is_some_and(|opened| {
                OPENED_FOR_REQUEST
                    .try_with(|polling| Arc::ptr_eq(polling, opened))
                    .unwrap_or(false)
            });
            if let Some(opened) = opened.filter(|_| polled_by_the_asker) {
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
        // A connection this request asked for but that finished opening in a
        // task of the pool's (the request took one another request freed
        // meanwhile) is not this request's either.
        let (_, connecting) = timed_request(async {
            let opening = connector.call(());
            tokio::spawn(opening).await
        })
        .await;
        assert_eq!(connecting, Connecting::Reused);
    }
}
