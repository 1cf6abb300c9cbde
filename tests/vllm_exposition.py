"""vLLM v0.11.2's `/metrics` page, and the series a scrape of it stores, for the PromQL tests.

The page is written by the library vLLM writes it with (`prometheus_client`, which vLLM 0.11.2
requires at >= 0.18.0) from the definitions of vLLM's `PrometheusStatLogger`: the same names, help
texts, types, label names and histogram buckets. Source: vllm-project/vllm tag v0.11.2 (the PyPI
sdist vllm-0.11.2.tar.gz), vllm/v1/metrics/loggers.py — `labelnames = ["model_name", "engine"]`
(model_name = the served model name, engine = the engine core's index as a string, "0" for one
engine), gauges `vllm:num_requests_running`, `vllm:num_requests_waiting`, `vllm:kv_cache_usage_perc`
(multiprocess_mode "mostrecent"), histograms `vllm:time_to_first_token_seconds` (its own bucket list),
`vllm:request_queue_time_seconds` (`request_latency_buckets`) and `vllm:inter_token_latency_seconds`
(its own list; `vllm:time_per_output_token_seconds` is its deprecated twin), and the counter
`vllm:request_success` (exposed as `_total`) with the extra label `finished_reason` in
stop|length|abort (vllm/v1/engine/__init__.py `FINISH_REASON_STRINGS`). v0.33.0 (its PyPI sdist) exports the same
names, labels and buckets (vllm/v1/metrics/buckets.py), with two more finish reasons (error, repetition) that no query reads.

A scrape then adds the target's labels; both pipelines Hangar sets up attach `namespace` and `pod`
(and `job`, `instance`), which is what the queries select on besides vLLM's own `model_name`.
"""

from __future__ import annotations

import dataclasses

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.parser import text_string_to_metric_families

LABELNAMES = ["model_name", "engine"]
TTFT_BUCKETS = [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0, 160.0, 640.0, 2560.0]
REQUEST_LATENCY_BUCKETS = [0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0, 50.0, 60.0, 120.0, 240.0, 480.0, 960.0, 1920.0, 7680.0]
INTER_TOKEN_BUCKETS = [0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0]
FINISH_REASONS = ("stop", "length", "abort")


@dataclasses.dataclass(frozen=True)
class Engine:
    """What one vLLM server reports at one moment; the histograms' observations and `finished` (requests that stopped) are cumulative since it started."""

    running: float = 0
    waiting: float = 0
    kv_cache_usage: float = 0.0
    time_to_first_token: tuple[float, ...] = ()
    queue_time: tuple[float, ...] = ()
    inter_token_latency: tuple[float, ...] = ()
    finished: int = 0


def page(model_name: str, engine: Engine) -> str:
    """The text vLLM 0.11.2 serves on `/metrics` for this state (one engine core, index 0)."""
    registry = CollectorRegistry()
    values = [model_name, "0"]
    Gauge("vllm:num_requests_running", "Number of requests in model execution batches.", LABELNAMES, registry=registry,
          multiprocess_mode="mostrecent").labels(*values).set(engine.running)  # fmt: skip
    Gauge("vllm:num_requests_waiting", "Number of requests waiting to be processed.", LABELNAMES, registry=registry,
          multiprocess_mode="mostrecent").labels(*values).set(engine.waiting)  # fmt: skip
    Gauge("vllm:kv_cache_usage_perc", "KV-cache usage. 1 means 100 percent usage.", LABELNAMES, registry=registry,
          multiprocess_mode="mostrecent").labels(*values).set(engine.kv_cache_usage)  # fmt: skip
    ttft = Histogram("vllm:time_to_first_token_seconds", "Histogram of time to first token in seconds.", LABELNAMES,
                     registry=registry, buckets=TTFT_BUCKETS).labels(*values)  # fmt: skip
    for seconds in engine.time_to_first_token:
        ttft.observe(seconds)
    queue = Histogram("vllm:request_queue_time_seconds", "Histogram of time spent in WAITING phase for request.", LABELNAMES,
                      registry=registry, buckets=REQUEST_LATENCY_BUCKETS).labels(*values)  # fmt: skip
    for seconds in engine.queue_time:
        queue.observe(seconds)
    inter_token = Histogram("vllm:inter_token_latency_seconds", "Histogram of inter-token latency in seconds.", LABELNAMES,
                            registry=registry, buckets=INTER_TOKEN_BUCKETS).labels(*values)  # fmt: skip
    for seconds in engine.inter_token_latency:
        inter_token.observe(seconds)
    success = Counter("vllm:request_success", "Count of successfully processed requests.", [*LABELNAMES, "finished_reason"], registry=registry)
    for reason in FINISH_REASONS:  # vLLM creates every reason's child up front, so each series exists from the start
        success.labels(*values, reason).inc(engine.finished if reason == "stop" else 0)
    return generate_latest(registry).decode()


def scraped(text: str, target: dict[str, str]) -> dict[str, float]:
    """The series a scrape of `text` stores, in promtool's series notation, with the target's labels added."""
    series: dict[str, float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name.endswith("_created"):  # the client's creation timestamps: not a vLLM metric
                continue
            labels = {**sample.labels, **target}
            rendered = ",".join(f'{key}="{value}"' for key, value in sorted(labels.items()))
            series[f"{sample.name}{{{rendered}}}"] = sample.value
    return series
