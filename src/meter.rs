//! Throttled progress reports with a smoothed rate and an estimated time left.

use crate::progress::Progress;

/// A progress snapshot with its rate, as sent to listeners. With the `rust-api` feature it
/// also reads a JavaScript `progress` event's `detail` (`serde_wasm_bindgen::from_value`).
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(any(all(test, not(target_arch = "wasm32")), feature = "rust-api"), derive(serde::Deserialize), serde(rename_all = "camelCase"))]
pub struct Report {
    /// Where the upload stands.
    #[cfg_attr(any(all(test, not(target_arch = "wasm32")), feature = "rust-api"), serde(flatten))]
    pub progress: Progress,
    /// Smoothed upload rate; 0 until two samples are known.
    pub bytes_per_second: f64,
    /// Seconds left at that rate, when there is a rate.
    #[cfg_attr(any(all(test, not(target_arch = "wasm32")), feature = "rust-api"), serde(default))]
    pub eta_seconds: Option<f64>,
}

/// Turns a stream of progress snapshots into at most one report per `interval_ms`
/// (acknowledgements always pass), with an exponentially smoothed rate (time constant
/// `tau_ms`), so a UI neither floods nor jitters.
#[derive(Debug, Clone)]
pub struct ProgressMeter {
    interval_ms: f64,
    tau_ms: f64,
    last_emit_ms: Option<f64>,
    last_sample: Option<(f64, u64)>,
    rate: Option<f64>,
}

impl ProgressMeter {
    /// At most one report per `interval_ms`; the rate follows changes over about `tau_ms`.
    pub fn new(interval_ms: f64, tau_ms: f64) -> ProgressMeter {
        ProgressMeter { interval_ms, tau_ms, last_emit_ms: None, last_sample: None, rate: None }
    }

    /// Records `progress` at `now_ms` (any monotonic clock) and returns the report to emit,
    /// if one is due. `force` (an acknowledged chunk, the end) always reports.
    pub fn observe(&mut self, now_ms: f64, progress: Progress, force: bool) -> Option<Report> {
        match self.last_sample {
            Some((then, bytes)) if now_ms > then && progress.uploaded_bytes >= bytes => {
                let dt = now_ms - then;
                let instant = (progress.uploaded_bytes - bytes) as f64 * 1000.0 / dt;
                // dt/(dt+τ) follows 1−e^(−dt/τ) closely for the short steps a meter sees, without
                // the exponential, which is not in `core`.
                let alpha = dt / (dt + self.tau_ms);
                self.rate = Some(match self.rate {
                    Some(rate) => rate + alpha * (instant - rate),
                    None => instant,
                });
                self.last_sample = Some((now_ms, progress.uploaded_bytes));
            }
            Some((then, _)) if now_ms <= then => {}
            // First sample, or bytes went back (a chunk restarted): start measuring again.
            _ => self.last_sample = Some((now_ms, progress.uploaded_bytes)),
        }
        let due = self.last_emit_ms.is_none_or(|last| now_ms - last >= self.interval_ms);
        if !force && !due {
            return None;
        }
        self.last_emit_ms = Some(now_ms);
        let rate = self.rate.unwrap_or(0.0);
        let left = progress.total_bytes.saturating_sub(progress.uploaded_bytes) as f64;
        let eta_seconds = if left == 0.0 { Some(0.0) } else { (rate > 0.0).then(|| left / rate) };
        Some(Report { progress, bytes_per_second: rate, eta_seconds })
    }

    /// Forgets the rate (after a pause, a stall or a retry wait, the old rate is stale).
    pub fn reset_rate(&mut self) {
        self.last_sample = None;
        self.rate = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A JavaScript `progress` event's detail, its fields named as the declaration names them
    /// (`event_fields::PROGRESS`), reads into a `Report` field by field: a name of ours that
    /// drifted from the declaration would leave a field unread and fail here.
    #[cfg(not(target_arch = "wasm32"))]
    #[test]
    fn a_javascript_progress_detail_reads_into_a_report() {
        let mut detail = serde_json::Map::new();
        for (n, name) in crate::event_fields::PROGRESS.iter().enumerate() {
            detail.insert((*name).into(), serde_json::json!(n as u64 + 1));
        }
        detail.insert("file".into(), serde_json::json!({}));
        let report: Report = serde_json::from_value(serde_json::Value::Object(detail.clone())).unwrap();
        let progress = Progress { uploaded_bytes: 1, total_bytes: 2, chunks_count: 3, chunks_bytes: 4, current_chunk: 5, current_chunk_uploaded_bytes: 6 };
        assert_eq!(report, Report { progress, bytes_per_second: 7.0, eta_seconds: Some(8.0) });
        // No rate yet: the time left is null, or absent.
        detail.insert("etaSeconds".into(), serde_json::Value::Null);
        assert_eq!(serde_json::from_value::<Report>(serde_json::Value::Object(detail.clone())).unwrap().eta_seconds, None);
        detail.remove("etaSeconds");
        assert_eq!(serde_json::from_value::<Report>(serde_json::Value::Object(detail.clone())).unwrap().eta_seconds, None);
        // A field the detail must have is missing: an error, not a zero.
        detail.remove("totalBytes");
        assert!(serde_json::from_value::<Report>(serde_json::Value::Object(detail)).is_err());
    }

    fn at(uploaded: u64) -> Progress {
        Progress {
            uploaded_bytes: uploaded,
            total_bytes: 10_000_000,
            chunks_count: 2,
            chunks_bytes: 5_000_000,
            current_chunk: 1,
            current_chunk_uploaded_bytes: uploaded,
        }
    }

    #[test]
    fn throttles_to_the_interval_but_never_drops_forced_reports() {
        let mut meter = ProgressMeter::new(100.0, 1000.0);
        assert!(meter.observe(0.0, at(0), false).is_some());
        assert!(meter.observe(50.0, at(100), false).is_none());
        assert!(meter.observe(60.0, at(200), true).is_some(), "forced");
        assert!(meter.observe(120.0, at(300), false).is_none(), "60 ms after the forced one");
        assert!(meter.observe(160.0, at(400), false).is_some());
        let per_second = (0..100).filter(|i| meter.observe(200.0 + f64::from(*i) * 10.0, at(500), false).is_some()).count();
        assert_eq!(per_second, 10, "at most 10 reports a second");
    }

    #[test]
    fn steady_rate_and_eta() {
        let mut meter = ProgressMeter::new(0.0, 1000.0);
        let mut report = None;
        for step in 0..=50u64 {
            // 1 MB/s: 100 kB every 100 ms.
            report = meter.observe(step as f64 * 100.0, at(step * 100_000), false);
        }
        let report = report.unwrap();
        assert!((report.bytes_per_second - 1_000_000.0).abs() < 1.0, "{}", report.bytes_per_second);
        assert!((report.eta_seconds.unwrap() - 5.0).abs() < 0.01);
    }

    #[test]
    fn no_rate_no_eta_and_a_restart_measures_again() {
        let mut meter = ProgressMeter::new(0.0, 1000.0);
        let first = meter.observe(0.0, at(1000), false).unwrap();
        assert_eq!((first.bytes_per_second, first.eta_seconds), (0.0, None));
        meter.observe(100.0, at(101_000), false);
        meter.reset_rate();
        let after = meter.observe(200.0, at(50_000), false).unwrap();
        assert_eq!(after.bytes_per_second, 0.0);
        let done = meter.observe(300.0, at(10_000_000), true).unwrap();
        assert_eq!(done.eta_seconds, Some(0.0));
    }

    #[test]
    fn the_rate_is_smoothed_exactly_and_samples_at_one_instant_or_going_back_are_handled() {
        let mut meter = ProgressMeter::new(100.0, 2000.0);
        assert_eq!(meter.observe(0.0, at(0), false).unwrap().bytes_per_second, 0.0, "no rate from one sample");
        let first = meter.observe(1000.0, at(1_000_000), false).unwrap();
        assert_eq!(first.bytes_per_second, 1_000_000.0, "the first rate is the instant one");
        assert_eq!(first.eta_seconds, Some(9.0));
        // 2 MB/s over the next second, weighed 1000 / (1000 + 2000).
        let second = meter.observe(2000.0, at(3_000_000), false).unwrap();
        let rate = 1_000_000.0 + (1000.0 / 3000.0) * (2_000_000.0 - 1_000_000.0);
        assert_eq!(second.bytes_per_second, rate);
        // A second sample at the same instant changes nothing, and is not due.
        assert_eq!(meter.observe(2000.0, at(3_500_000), false), None);
        // Within the interval nothing is reported, but the sample counts.
        assert_eq!(meter.observe(2050.0, at(3_100_000), false), None);
        let rate = rate + (50.0 / 2050.0) * (100_000.0 * 1000.0 / 50.0 - rate);
        let forced = meter.observe(2060.0, at(3_100_000), true).unwrap();
        let rate = rate + (10.0 / 2010.0) * (0.0 - rate);
        assert_eq!(forced.bytes_per_second, rate, "forced: reported at once");
        // Bytes going back (a chunk sent again) start a new measurement; the rate stays.
        let back = meter.observe(3000.0, at(1_000), false).unwrap();
        assert_eq!(back.bytes_per_second, rate);
        let next = meter.observe(4000.0, at(1_001_000), false).unwrap();
        assert_eq!(next.bytes_per_second, rate + (1000.0 / 3000.0) * (1_000_000.0 - rate));
    }
}
