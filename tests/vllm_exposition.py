"""The `/metrics` page of each vLLM release Hangar verifies (v0.33.0, the default engine, and v0.11.2), and the series a
scrape of it stores, for the PromQL tests.

The page is written by the library vLLM writes it with (`prometheus_client`, which both releases require at >= 0.18.0)
from the definitions of vLLM's `PrometheusStatLogger`: the same names, help texts, types, label names and histogram
buckets. Sources, read 2026-12-02: vllm/v1/metrics/loggers.py at tag v0.33.0 (the PyPI wheel vllm-0.33.0, commit
4ba787ec9; https://github.com/vllm-project/vllm/blob/v0.33.0/vllm/v1/metrics/loggers.py) and at tag v0.11.2 (the PyPI
wheel vllm-0.11.2, commit 275de3417). In both:

- `labelnames = ["model_name", "engine"]`: model_name is the served model name (the first `--served-model-name`, else
  the model argument; vllm/config/model.py `get_served_model_name`), engine the engine core's index as a string, "0"
  for one engine;
- gauges `vllm:num_requests_running`, `vllm:num_requests_waiting`, `vllm:kv_cache_usage_perc` (0..1), multiprocess_mode
  "mostrecent";
- histograms `vllm:time_to_first_token_seconds`, `vllm:inter_token_latency_seconds` and `vllm:request_queue_time_seconds`,
  with the same bucket lists (inline in v0.11.2's loggers.py; v0.33.0's `histogram_buckets()` defaults in
  vllm/v1/metrics/buckets.py, which vLLM's `--custom-histogram-buckets` would replace: Hangar passes none);
- the counter `vllm:request_success` (exposed as `_total`) labelled `finished_reason`, one child per reason created up
  front, whatever the request's outcome (vllm/v1/engine/__init__.py `FINISH_REASON_STRINGS`).

Where they differ (`RELEASES`): v0.33.0 adds the finish reasons `error` (a retryable internal error, answered with a
500) and `repetition`, and a gauge `vllm:num_requests_waiting_by_reason{reason="capacity"|"deferred"}` whose two
children sum to `vllm:num_requests_waiting`: v0.33.0's waiting gauge counts the requests its scheduler defers (LoRA
budget, KV transfer) too (loggers.py `record`: `num_waiting_reqs + num_skipped_waiting_reqs`). v0.11.2 still exports
`vllm:time_per_output_token_seconds` ("DEPRECATED: Use vllm:inter_token_latency_seconds instead", the same
observations and buckets); v0.33.0 does not. No series a Hangar query names changed its name, type, labels or buckets.

A scrape then adds the target's labels; both pipelines Hangar sets up attach `namespace` and `pod`
(and `job`, `instance`), which is what the queries select on besides vLLM's own `model_name`.
"""

from __future__ import annotations

import dataclasses

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from hangar.engine_release import ENGINE_VERSION

LABELNAMES = ["model_name", "engine"]
TTFT_BUCKETS = [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0, 160.0, 640.0, 2560.0]
REQUEST_LATENCY_BUCKETS = [0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0, 50.0, 60.0, 120.0, 240.0, 480.0, 960.0, 1920.0, 7680.0]
WAITING_BY_REASON_HELP = (
    "Number of waiting requests by reason. Reason labels: 'capacity' = waiting for scheduling capacity; 'deferred' = deferred "
    "by transient constraints (LoRA budget, KV transfer, blocked status). Sum of all reasons equals vllm:num_requests_waiting."
)
INTER_TOKEN_BUCKETS = [0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0]
TIME_PER_OUTPUT_TOKEN_HELP = "Histogram of time per output token in seconds.DEPRECATED: Use vllm:inter_token_latency_seconds instead."


@dataclasses.dataclass(frozen=True)
class Release:
    """What one vLLM release's page holds beyond the series both releases share."""

    finish_reasons: tuple[str, ...]
    waiting_by_reason: bool
    """Whether it exports `vllm:num_requests_waiting_by_reason` (capacity and deferred)."""
    time_per_output_token: bool
    """Whether it still exports the deprecated twin of `vllm:inter_token_latency_seconds`."""


RELEASES = {
    "v0.11.2": Release(("stop", "length", "abort"), waiting_by_reason=False, time_per_output_token=True),
    "v0.33.0": Release(("stop", "length", "abort", "error", "repetition"), waiting_by_reason=True, time_per_output_token=False),
}


@dataclasses.dataclass(frozen=True)
class Engine:
    """What one vLLM server reports at one moment; the histograms' observations and `finished` (requests that stopped) are cumulative since it started."""

    running: float = 0
    waiting: float = 0
    deferred: float = 0
    """Of the `waiting`, those the scheduler defers (v0.33.0's `reason="deferred"`; v0.11.2 shows only the total)."""
    kv_cache_usage: float = 0.0
    time_to_first_token: tuple[float, ...] = ()
    queue_time: tuple[float, ...] = ()
    inter_token_latency: tuple[float, ...] = ()
    finished: int = 0


def page(model_name: str, engine: Engine, release: str = ENGINE_VERSION) -> str:
    """The text vLLM `release` serves on `/metrics` for this state (one engine core, index 0)."""
    shape = RELEASES[release]
    registry = CollectorRegistry()
    values = [model_name, "0"]
    Gauge("vllm:num_requests_running", "Number of requests in model execution batches.", LABELNAMES, registry=registry,
          multiprocess_mode="mostrecent").labels(*values).set(engine.running)  # fmt: skip
    Gauge("vllm:num_requests_waiting", "Number of requests waiting to be processed.", LABELNAMES, registry=registry,
          multiprocess_mode="mostrecent").labels(*values).set(engine.waiting)  # fmt: skip
    if shape.waiting_by_reason:
        by_reason = Gauge("vllm:num_requests_waiting_by_reason", WAITING_BY_REASON_HELP, [*LABELNAMES, "reason"], registry=registry,
                          multiprocess_mode="mostrecent")  # fmt: skip
        by_reason.labels(*values, "capacity").set(engine.waiting - engine.deferred)
        by_reason.labels(*values, "deferred").set(engine.deferred)
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
    if shape.time_per_output_token:
        deprecated = Histogram("vllm:time_per_output_token_seconds", TIME_PER_OUTPUT_TOKEN_HELP, LABELNAMES, registry=registry,
                               buckets=INTER_TOKEN_BUCKETS).labels(*values)  # fmt: skip
        for seconds in engine.inter_token_latency:
            deprecated.observe(seconds)
    success = Counter("vllm:request_success", "Count of successfully processed requests.", [*LABELNAMES, "finished_reason"], registry=registry)
    for reason in shape.finish_reasons:  # vLLM creates every reason's child up front, so each series exists from the start
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
