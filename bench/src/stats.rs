//! The in-process harness: warm up, take N samples, sort them, read medians and p99s. One
//! harness for every row so that all figures of a run come from the same clock and method.

use std::time::{Duration, Instant};

/// Sorted timing samples of one measurement.
#[derive(Clone, Debug)]
pub struct Samples {
    sorted: Vec<Duration>,
}

impl Samples {
    /// Sorts the samples once so every quantile read afterwards is a lookup.
    pub fn new(mut samples: Vec<Duration>) -> Samples {
        assert!(
            !samples.is_empty(),
            "a measurement needs at least one sample"
        );
        samples.sort_unstable();
        Samples { sorted: samples }
    }

    /// The nearest-rank quantile `q` in [0, 1]: a value that was actually observed.
    pub fn quantile(&self, q: f64) -> Duration {
        let n = self.sorted.len();
        let rank = ((q * n as f64).ceil() as usize).clamp(1, n);
        self.sorted[rank - 1]
    }

    pub fn median(&self) -> Duration {
        self.quantile(0.5)
    }

    pub fn p99(&self) -> Duration {
        self.quantile(0.99)
    }

    pub fn len(&self) -> usize {
        self.sorted.len()
    }

    pub fn iter(&self) -> impl Iterator<Item = Duration> + '_ {
        self.sorted.iter().copied()
    }
}

/// Runs `f` `warmup` times unmeasured, then `n` times, timing each run on its own.
pub fn measure(warmup: usize, n: usize, mut f: impl FnMut()) -> Samples {
    for _ in 0..warmup {
        f();
    }
    let mut samples = Vec::with_capacity(n);
    for _ in 0..n {
        let start = Instant::now();
        f();
        samples.push(start.elapsed());
    }
    Samples::new(samples)
}

/// Like [`measure`], for runs that time themselves (setup excluded, or a latency measured
/// between two threads).
pub fn collect(warmup: usize, n: usize, mut f: impl FnMut() -> Duration) -> Samples {
    for _ in 0..warmup {
        f();
    }
    Samples::new((0..n).map(|_| f()).collect())
}

/// Nanoseconds as a float, for ratios and JSON.
pub fn ns(d: Duration) -> f64 {
    d.as_nanos() as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_quantiles() {
        let s = Samples::new((1..=100).rev().map(Duration::from_micros).collect());
        assert_eq!(s.median(), Duration::from_micros(50));
        assert_eq!(s.p99(), Duration::from_micros(99));
        assert_eq!(s.quantile(1.0), Duration::from_micros(100));
        assert_eq!(s.quantile(0.0), Duration::from_micros(1));
        let one = Samples::new(vec![Duration::from_millis(3)]);
        assert_eq!(
            (one.median(), one.p99()),
            (Duration::from_millis(3), Duration::from_millis(3))
        );
    }
}
