//! Prometheus metrics (text exposition at /monitoring/prometheus/metrics):
//! requests and errors by status, latency histograms, worker restarts,
//! queue depth and available versions per model.

use std::sync::Mutex;
use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    protocol: &'static str,
    model: String,
    verb: &'static str,
    code: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct LatencyLabels {
    protocol: &'static str,
    model: String,
    verb: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ModelLabels {
    model: String,
}

fn latency_histogram() -> Histogram {
    // 0.25 ms .. ~16 s
    Histogram::new(exponential_buckets(0.00025, 2.0, 17))
}

pub struct Metrics {
    registry: Mutex<Registry>,
    requests: Family<RequestLabels, Counter>,
    latency: Family<LatencyLabels, Histogram, fn() -> Histogram>,
    restarts: Family<ModelLabels, Counter>,
    queue: Family<ModelLabels, Gauge>,
    versions: Family<ModelLabels, Gauge>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("ward");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "requests",
            "Requests by protocol, model, verb and status",
            requests.clone(),
        );
        let latency = Family::<LatencyLabels, Histogram, fn() -> Histogram>::new_with_constructor(
            latency_histogram as fn() -> Histogram,
        );
        registry.register(
            "request_duration_seconds",
            "Request latency",
            latency.clone(),
        );
        let restarts = Family::<ModelLabels, Counter>::default();
        registry.register(
            "worker_restarts",
            "Sandboxed workers replaced after dying",
            restarts.clone(),
        );
        let queue = Family::<ModelLabels, Gauge>::default();
        registry.register(
            "queue_depth",
            "Requests waiting for a worker",
            queue.clone(),
        );
        let versions = Family::<ModelLabels, Gauge>::default();
        registry.register(
            "versions_available",
            "Model versions being served",
            versions.clone(),
        );
        Metrics {
            registry: Mutex::new(registry),
            requests,
            latency,
            restarts,
            queue,
            versions,
        }
    }

    pub fn request(
        &self,
        protocol: &'static str,
        model: &str,
        verb: &'static str,
        code: &'static str,
        elapsed: Duration,
    ) {
        self.requests
            .get_or_create(&RequestLabels {
                protocol,
                model: model.to_string(),
                verb,
                code,
            })
            .inc();
        self.latency
            .get_or_create(&LatencyLabels {
                protocol,
                model: model.to_string(),
                verb,
            })
            .observe(elapsed.as_secs_f64());
    }

    pub fn worker_restarts(&self, model: &str, n: u64) {
        self.restarts
            .get_or_create(&ModelLabels {
                model: model.to_string(),
            })
            .inc_by(n);
    }

    pub fn queue_depth(&self, model: &str, depth: usize) {
        self.queue
            .get_or_create(&ModelLabels {
                model: model.to_string(),
            })
            .set(i64::try_from(depth).unwrap_or(i64::MAX));
    }

    pub fn versions_available(&self, model: &str, n: usize) {
        self.versions
            .get_or_create(&ModelLabels {
                model: model.to_string(),
            })
            .set(i64::try_from(n).unwrap_or(i64::MAX));
    }

    /// The text exposition format.
    pub fn render(&self) -> String {
        let mut out = String::new();
        if let Ok(registry) = self.registry.lock() {
            let _ = prometheus_client::encoding::text::encode(&mut out, &registry);
        }
        out
    }
}
