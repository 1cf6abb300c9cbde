"""The reason `smallest_tp` gives when memory says enough accelerators but no tensor-parallel degree starts vLLM.

`min_accelerators` counts one copy of the KV cache, as pipeline parallelism splits it; tensor parallelism replicates a
latent (MLA) cache on every GPU, so Kimi K2 at its full context "fits on 8 x H200" yet starts at no degree. The reason
must then name the degree tried and why it falls short, never end in an empty list.
"""

from __future__ import annotations

from typer.testing import CliRunner

from hangar.catalog import load_catalog
from hangar.cli import app
from hangar.sizing import smallest_tp

CAT = load_catalog()
KIMI = "moonshotai/Kimi-K2-Instruct"


def test_kimi_k2_at_full_context_names_the_degree_that_falls_short_and_why():
    choice = smallest_tp(CAT.model(KIMI), CAT.gpu("H200"), 8, precision="fp8", max_context_tokens=131_072)
    assert choice.tensor_parallel is None and not choice.needs_multiple_nodes and choice.min_accelerators == 8
    assert choice.reason.startswith("fits on 8 x H200 but no valid TP degree <= 8 holds it: at TP 8: vLLM would not start: it needs 1,051.1 GiB")
    # the shortfall and the tokens that fit follow the engine release's memory share and KV admission (hangar.sizing.kv)
    assert " GiB short; a max_model_len of at most " in choice.reason
    assert choice.reason.endswith("(TP 8 keeps 8 copies of this model's KV cache; the 8 x H200 counted above hold one)")


def test_a_degree_the_heads_forbid_is_named_beside_the_memory_reason_of_the_largest_tried():
    phi4 = CAT.model("microsoft/phi-4")  # 10 KV heads: TP 4 and 8 invalid; TP 2 is the largest tried
    choice = smallest_tp(phi4, CAT.gpu("T4"), 8, precision="fp16", max_context_tokens=16384, concurrent_sequences=8)
    assert choice.reason.startswith("fits on 4 x T4 but no valid TP degree <= 8 holds it: TP 4 does not divide the 10 KV heads; ")
    assert "at TP 2: vLLM would not start" in choice.reason
    assert "copies" not in choice.reason  # 10 KV heads over 2 GPUs: nothing is replicated


def test_hangar_size_why_not_prints_the_reason_whole(monkeypatch):
    monkeypatch.setenv("COLUMNS", "400")
    result = CliRunner().invoke(app, ["size", KIMI, "--context", "131072", "--precision", "fp8", "--why-not"])
    assert result.exit_code == 0, result.output
    rows = [line for line in result.output.splitlines() if "p5e.48xlarge, p5en.48xlarge" in line]
    assert rows and "holds it: at TP 8: vLLM would not start" in rows[0]
    assert "holds it: │" not in result.output and "holds it:  " not in result.output
