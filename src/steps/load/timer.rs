//! A timer for the open model's scheduler that wakes within microseconds of its
//! deadline. tokio's timer has a resolution of one millisecond and rounds up, and in
//! the open model a request's latency counts from when it was due, so a late
//! scheduler would be charged to the server. On Linux this is a `timerfd` watched by
//! tokio's own event loop (no extra thread, no spinning); elsewhere, or if the
//! `timerfd` cannot be made, tokio's timer.

use std::time::Instant;

pub struct PreciseTimer {
    #[cfg(target_os = "linux")]
    timerfd: Option<linux::TimerFd>,
}

impl PreciseTimer {
    /// Must be called inside a tokio runtime.
    pub fn new() -> PreciseTimer {
        PreciseTimer {
            #[cfg(target_os = "linux")]
            timerfd: linux::TimerFd::new().ok(),
        }
    }

    pub async fn sleep_until(&self, deadline: Instant) {
        if deadline <= Instant::now() {
            return;
        }
        #[cfg(target_os = "linux")]
        if let Some(timerfd) = &self.timerfd
            && timerfd.sleep_until(deadline).await.is_ok()
        {
            return;
        }
        tokio::time::sleep_until(deadline.into()).await;
    }
}

#[cfg(target_os = "linux")]
mod linux {
    use std::io;
    use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
    use std::time::Instant;

    use tokio::io::Interest;
    use tokio::io::unix::AsyncFd;

    pub struct TimerFd {
        fd: AsyncFd<OwnedFd>,
    }

    impl TimerFd {
        pub fn new() -> io::Result<TimerFd> {
            // SAFETY: timerfd_create takes no pointers; a negative result is an error.
            let raw = unsafe {
                libc::timerfd_create(
                    libc::CLOCK_MONOTONIC,
                    libc::TFD_NONBLOCK | libc::TFD_CLOEXEC,
                )
            };
            if raw < 0 {
                return Err(io::Error::last_os_error());
            }
            // SAFETY: `raw` is a file descriptor that we just opened and own alone.
            let owned = unsafe { OwnedFd::from_raw_fd(raw) };
            // SAFETY: an `OwnedFd` keeps its descriptor open and gives the same one
            // for as long as it lives, and it lives inside the `AsyncFd`.
            let fd = unsafe { AsyncFd::register_with_interest(owned, Interest::READABLE) }
                .map_err(|error| io::Error::other(error.to_string()))?;
            Ok(TimerFd { fd })
        }

        pub async fn sleep_until(&self, deadline: Instant) -> io::Result<()> {
            let wait = deadline.saturating_duration_since(Instant::now());
            if wait.is_zero() {
                return Ok(());
            }
            let spec = libc::itimerspec {
                it_interval: libc::timespec {
                    tv_sec: 0,
                    tv_nsec: 0,
                },
                it_value: libc::timespec {
                    tv_sec: libc::time_t::try_from(wait.as_secs()).unwrap_or(libc::time_t::MAX),
                    tv_nsec: libc::c_long::from(wait.subsec_nanos()),
                },
            };
            // SAFETY: `spec` lives across the call; the old value is not asked for.
            let armed = unsafe {
                libc::timerfd_settime(self.fd.as_raw_fd(), 0, &spec, std::ptr::null_mut())
            };
            if armed < 0 {
                return Err(io::Error::last_os_error());
            }
            loop {
                let mut ready = self.fd.readable().await?;
                let read = ready.try_io(|fd| {
                    let mut expirations = [0u8; 8];
                    // SAFETY: reads at most 8 bytes into the 8-byte buffer.
                    let count = unsafe {
                        libc::read(
                            fd.as_raw_fd(),
                            expirations.as_mut_ptr().cast(),
                            expirations.len(),
                        )
                    };
                    if count < 0 {
                        Err(io::Error::last_os_error())
                    } else {
                        Ok(())
                    }
                });
                match read {
                    Ok(result) => return result,
                    Err(_would_block) => continue,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn the_timer_does_not_wake_early() {
        let timer = PreciseTimer::new();
        for wait in [
            Duration::from_micros(300),
            Duration::from_millis(2),
            Duration::ZERO,
        ] {
            let deadline = Instant::now() + wait;
            timer.sleep_until(deadline).await;
            assert!(Instant::now() >= deadline);
        }
    }
}
