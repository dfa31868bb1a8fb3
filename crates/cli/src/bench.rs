//! `ward bench`: steady-state latency, throughput, load time and peak
//! memory of one model, like TF's benchmark_model or onnxruntime_perf_test.

use crate::Failure;
use crate::inputs::{literal_tensor, parse_expr_inputs, parse_file_inputs, read_file_input};
use crate::run::{Backend, ModelArgs};
use std::time::Instant;
use ward_tensor::{Budget, DType, Error, Shape, Tensor};

#[derive(clap::Args)]
pub struct BenchArgs {
    #[command(flatten)]
    pub model: ModelArgs,
    /// Untimed runs before measuring.
    #[arg(long, default_value_t = 10)]
    pub warmup: usize,
    /// Timed runs.
    #[arg(long, default_value_t = 50)]
    pub iterations: usize,
    /// Size for input dims the signature leaves unknown (e.g. the batch).
    #[arg(long, default_value_t = 1)]
    pub batch: usize,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: crate::scan::Format,
}

/// Deterministic pseudo-random numbers for generated inputs (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        #[allow(clippy::cast_precision_loss)]
        let v = (self.next() >> 11) as f64;
        v / 9_007_199_254_740_992.0
    }
}

/// Random values matching an input's dtype and shape: floats in [-1, 1),
/// integers in [0, 10) (valid as token ids and indices of small tables).
fn random_input(
    key: &str,
    dtype: DType,
    dims: &[i64],
    batch: usize,
    rng: &mut Rng,
    budget: &Budget,
) -> ward_tensor::Result<Tensor> {
    let dims: Vec<usize> = dims
        .iter()
        .map(|&d| usize::try_from(d).unwrap_or(batch))
        .collect();
    let shape = Shape::new(dims)?;
    let n = shape.num_elements()?;
    if dtype == DType::String {
        return Err(Error::unimplemented(format!(
            "cannot generate string input '{key}'"
        )));
    }
    let values: Vec<f64> = (0..n)
        .map(|_| {
            if dtype.is_float() {
                rng.unit() * 2.0 - 1.0
            } else {
                (rng.unit() * 10.0).floor()
            }
        })
        .collect();
    ward_ops::util::cast::from_f64_values(budget, dtype, shape, &values)
}

/// Peak resident set size (VmHWM) of a process, in bytes.
fn peak_rss_of(pid: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    kib.checked_mul(1024)
}

/// Peak RSS of the sandboxed worker: its first process and that process's
/// children (the confined worker runs as a child of the namespace's init).
fn worker_peak_rss(pid: u32) -> Option<u64> {
    let mut total = peak_rss_of(&pid.to_string())?;
    let children =
        std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children")).unwrap_or_default();
    for child in children.split_whitespace() {
        total = total.saturating_add(peak_rss_of(child).unwrap_or(0));
    }
    Some(total)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss
    )]
    let index = ((sorted.len().saturating_sub(1)) as f64 * p).round() as usize;
    sorted.get(index).copied().unwrap_or(f64::NAN)
}

pub fn bench(args: &BenchArgs) -> Result<(), Failure> {
    let start = Instant::now();
    let m = &args.model;
    if args.iterations == 0 {
        return Err(Failure::Usage("--iterations must be at least 1".into()));
    }
    let file_inputs = m
        .inputs
        .as_deref()
        .map(parse_file_inputs)
        .transpose()?
        .unwrap_or_default();
    let expr_inputs = m
        .input_exprs
        .as_deref()
        .map(parse_expr_inputs)
        .transpose()?
        .unwrap_or_default();
    let load_budget = m.budget();
    let mut backend = Backend::open(m)?;
    let mut named: Vec<(String, Tensor)> = Vec::new();
    for input in &file_inputs {
        named.push((
            input.key.clone(),
            read_file_input(input, m.memory_limit, &load_budget)?,
        ));
    }
    for (key, literal) in &expr_inputs {
        named.push((
            key.clone(),
            literal_tensor(literal, backend.input_dtype(key)?, &load_budget)?,
        ));
    }
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let given: Vec<String> = named.iter().map(|(k, _)| k.clone()).collect();
    for (key, dtype, dims) in backend.inputs().to_vec() {
        let bare = key.strip_suffix(":0").unwrap_or(&key).to_string();
        if !given.iter().any(|g| *g == key || *g == bare) {
            named.push((
                key.clone(),
                random_input(&key, dtype, &dims, args.batch, &mut rng, &load_budget)?,
            ));
        }
    }
    let mut run_once = || backend.run(named.clone()).map(|_| ());
    run_once()?;
    let load_ms = start.elapsed().as_secs_f64() * 1e3;
    for _ in 0..args.warmup {
        run_once()?;
    }
    let mut times = Vec::with_capacity(args.iterations);
    let timed = Instant::now();
    for _ in 0..args.iterations {
        let t = Instant::now();
        run_once()?;
        times.push(t.elapsed().as_secs_f64() * 1e3);
    }
    let total_s = timed.elapsed().as_secs_f64();
    times.sort_by(f64::total_cmp);
    #[allow(clippy::cast_precision_loss)]
    let throughput = args.iterations as f64 / total_s.max(1e-12);
    // This process plus, when sandboxed, the worker that holds the model.
    let worker_peak = backend.worker_pid().and_then(worker_peak_rss);
    let peak = peak_rss_of("self").map(|p| p.saturating_add(worker_peak.unwrap_or(0)));
    let (median, p10, p90, min) = (
        percentile(&times, 0.5),
        percentile(&times, 0.1),
        percentile(&times, 0.9),
        times.first().copied().unwrap_or(f64::NAN),
    );
    let model = m
        .dir
        .as_ref()
        .or(m.graph.as_ref())
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    let threads = if m.threads == 0 {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    } else {
        m.threads
    };
    match args.format {
        crate::scan::Format::Json | crate::scan::Format::Sarif => {
            say!(
                "{{\"model\": {model:?}, \"threads\": {threads}, \"warmup\": {}, \"iterations\": {}, \"median_ms\": {median:.4}, \"p10_ms\": {p10:.4}, \"p90_ms\": {p90:.4}, \"min_ms\": {min:.4}, \"throughput_per_s\": {throughput:.2}, \"load_ms\": {load_ms:.2}, \"peak_rss_bytes\": {}}}",
                args.warmup,
                args.iterations,
                peak.map_or("null".to_string(), |p| p.to_string())
            );
        }
        crate::scan::Format::Text => {
            say!(
                "model: {model} ({threads} thread(s), {} warm-up, {} timed runs)",
                args.warmup,
                args.iterations
            );
            say!(
                "latency: median {median:.3} ms, p10 {p10:.3} ms, p90 {p90:.3} ms, min {min:.3} ms"
            );
            say!("throughput: {throughput:.1} runs/s");
            say!("load to first output: {load_ms:.1} ms");
            say!(
                "peak RSS: {}",
                peak.map_or("unknown".to_string(), |p| format!(
                    "{:.1} MiB",
                    p as f64 / 1048576.0
                ))
            );
        }
    }
    Ok(())
}
