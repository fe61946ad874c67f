//! When and how long to wait before sending a request again.
//!
//! Waits grow exponentially from `initial_backoff` up to `max_backoff`, with
//! "equal jitter" (a random point in the upper half of the window) so that
//! many clients hit by the same outage do not retry in lock step. A server's
//! `Retry-After` (delta seconds or an HTTP date) is a floor on the wait; if it
//! asks for longer than `max_retry_after`, waiting is pointless for an
//! interactive user and the error is reported instead.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rand::Rng;

/// Bounds on retrying one model request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in total, the first included (1 = never retry).
    pub max_attempts: u32,
    pub initial_backoff: Duration,
    pub max_backoff: Duration,
    /// Longest `Retry-After` honoured; a longer one ends the retries.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 4,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(20),
            max_retry_after: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// The wait before attempt `failed_attempts + 1`, or `None` when the
    /// attempts are used up or the server asks for too long a wait.
    pub fn delay(&self, failed_attempts: u32, retry_after: Option<Duration>) -> Option<Duration> {
        if failed_attempts >= self.max_attempts.max(1) {
            return None;
        }
        if retry_after.is_some_and(|wait| wait > self.max_retry_after) {
            return None;
        }
        let exponent = failed_attempts.saturating_sub(1).min(16);
        let window = self
            .initial_backoff
            .saturating_mul(1u32 << exponent)
            .min(self.max_backoff);
        let half = window / 2;
        let jitter = if half.is_zero() {
            Duration::ZERO
        } else {
            Duration::from_nanos(rand::rng().random_range(0..=half.as_nanos() as u64))
        };
        Some((half + jitter).max(retry_after.unwrap_or_default()))
    }
}

/// Parses a `Retry-After` value: delta seconds or an IMF-fixdate
/// (`Sun, 06 Nov 1994 08:49:37 GMT`), relative to `now`.
pub(crate) fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<f64>() {
        return (seconds.is_finite() && seconds >= 0.0).then(|| Duration::from_secs_f64(seconds));
    }
    let at = UNIX_EPOCH + Duration::from_secs(parse_http_date(value)?);
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// Seconds since the Unix epoch of an IMF-fixdate.
fn parse_http_date(value: &str) -> Option<u64> {
    let mut parts = value.split_whitespace();
    let _weekday = parts.next()?;
    let day: u64 = parts.next()?.parse().ok()?;
    let month = match parts.next()? {
        "Jan" => 1,
        "Feb" => 2,
        "Mar" => 3,
        "Apr" => 4,
        "May" => 5,
        "Jun" => 6,
        "Jul" => 7,
        "Aug" => 8,
        "Sep" => 9,
        "Oct" => 10,
        "Nov" => 11,
        "Dec" => 12,
        _ => return None,
    };
    let year: i64 = parts.next()?.parse().ok()?;
    let mut clock = parts.next()?.split(':').map(|p| p.parse::<u64>().ok());
    let (h, m, s) = (clock.next()??, clock.next()??, clock.next()??);
    if parts.next()? != "GMT" || !(1..=31).contains(&day) || h > 23 || m > 59 || s > 60 {
        return None;
    }
    let days = days_from_civil(year, month, day as i64);
    u64::try_from(days)
        .ok()
        .map(|d| d * 86_400 + h * 3600 + m * 60 + s)
}

/// Days from 1970-01-01 to a proleptic Gregorian date.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_seconds_and_http_date() {
        let now = UNIX_EPOCH + Duration::from_secs(784_111_770);
        assert_eq!(parse_retry_after("3", now), Some(Duration::from_secs(3)));
        // 784111777 is Sun, 06 Nov 1994 08:49:37 GMT.
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now),
            Some(Duration::from_secs(7))
        );
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-1", now), None);
    }

    #[test]
    fn delay_grows_is_capped_and_honours_retry_after() {
        let policy = RetryPolicy {
            max_attempts: 10,
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_millis(800),
            max_retry_after: Duration::from_secs(5),
        };
        for failed in 1..10 {
            let delay = policy.delay(failed, None).unwrap();
            let window = Duration::from_millis(100 * (1 << (failed - 1).min(3)));
            assert!(
                delay >= window / 2 && delay <= window,
                "{failed}: {delay:?}"
            );
        }
        assert_eq!(policy.delay(10, None), None);
        assert!(policy.delay(1, Some(Duration::from_secs(2))).unwrap() >= Duration::from_secs(2));
        assert_eq!(policy.delay(1, Some(Duration::from_secs(6))), None);
    }
}
