//! This node's request figures since it started, for `/metrics`
//! ([`crate::metrics`] serves them; kept apart from it, which needs the
//! application's state).

use std::collections::BTreeMap;
use std::sync::atomic::AtomicI64;
use std::sync::Mutex;
use std::time::Instant;

/// The upper bounds of the request-duration histogram, in seconds.
pub(crate) const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

/// A route's request durations.
#[derive(Debug, Default, Clone)]
pub(crate) struct Histogram {
    /// Requests at or below each bound (not cumulative here).
    pub(crate) buckets: [u64; BUCKETS.len()],
    pub(crate) count: u64,
    pub(crate) sum: f64,
}

impl Histogram {
    fn observe(&mut self, seconds: f64) {
        if let Some(i) = BUCKETS.iter().position(|b| seconds <= *b) {
            self.buckets[i] += 1;
        }
        self.count += 1;
        self.sum += seconds;
    }
}

#[derive(Debug, Default)]
pub(crate) struct Requests {
    /// (method, route, status) → requests.
    pub(crate) counts: BTreeMap<(String, String, u16), u64>,
    /// (method, route) → durations.
    pub(crate) durations: BTreeMap<(String, String), Histogram>,
}

/// This node's request figures since it started.
#[derive(Debug)]
pub struct Metrics {
    pub(crate) started: Instant,
    pub(crate) started_unix: f64,
    pub(crate) in_flight: AtomicI64,
    pub(crate) requests: Mutex<Requests>,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics {
            started: Instant::now(),
            started_unix: jiff::Timestamp::now().as_millisecond() as f64 / 1000.0,
            in_flight: AtomicI64::new(0),
            requests: Mutex::default(),
        }
    }
}

impl Metrics {
    pub(crate) fn record(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let mut r = self.requests.lock().unwrap_or_else(|e| e.into_inner());
        *r.counts
            .entry((method.to_owned(), route.to_owned(), status))
            .or_default() += 1;
        r.durations
            .entry((method.to_owned(), route.to_owned()))
            .or_default()
            .observe(seconds);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_duration_falls_in_the_first_bucket_that_holds_it() {
        let mut h = Histogram::default();
        for s in [0.0005, 0.001, 0.003, 0.2, 30.0] {
            h.observe(s);
        }
        assert_eq!(h.buckets[0], 2, "0.0005 and 0.001 are ≤ 1 ms");
        assert_eq!(h.buckets[2], 1, "3 ms is ≤ 5 ms");
        assert_eq!(h.buckets[7], 1, "200 ms is ≤ 250 ms");
        assert_eq!(
            h.buckets.iter().sum::<u64>(),
            4,
            "30 s is above every bound"
        );
        assert_eq!(h.count, 5);
    }
}
