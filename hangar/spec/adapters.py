"""LoRA adapters on a base deployment: which ones, from where, at which revision, under which licence.

A deployment may carry `lora.adapters`: each a Hugging Face repository holding a LoRA adapter of the
deployment's model, pinned to a commit, with its licence and rank. The server loads them at start
(vLLM's multi-LoRA support) and answers to each adapter's `name` as a model, so clients ask for
`model: <name>`; behind a gateway the request goes to the pool of the deployment that serves it (behind a failover
route, whose every level serves the same adapters, to the level that is healthy: `hangar.spec.routing_failover`).

Facts of the pinned engine, vLLM v0.11.2 (PyPI sdist vllm-0.11.2.tar.gz, commit 275de3417 per its
vllm/_version.py, read 2026-12-01), vllm/config/lora.py `LoRAConfig`: `max_lora_rank` is one of
`MaxLoRARanks` = 1, 8, 16, 32, 64, 128, 256, 320, 512 (default 16), `max_loras` ("Max number of LoRAs in a
single batch") is at least 1 (default 1), and `max_cpu_loras` must be at least `max_loras`.
`--lora-modules` (vllm/entrypoints/openai/cli_args.py `LoRAParserAction`; `LoRAModulePath` in
serving_models.py) takes a name and a path but no revision, and a path that is not a local directory
is fetched with `huggingface_hub.snapshot_download(repo_id=path)` at the repository's head
(vllm/lora/utils.py `get_adapter_absolute_path`): so Hangar downloads each adapter at its pinned
commit before the server starts and gives vLLM the local directory (`hangar.components.serving_lora`).
A model whose vLLM class does not implement `SupportsLoRA` (GPT-2) takes no adapters: vLLM would refuse to start
(`hangar.sizing.lora_architectures`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import Field, model_validator

from hangar.spec.base import Name, SpecModel, problem, raise_problems

if TYPE_CHECKING:
    from hangar.spec.environment import Environment

MAX_LORA_RANKS = (1, 8, 16, 32, 64, 128, 256, 320, 512)
"""The values vLLM v0.11.2 accepts for `--max-lora-rank` (vllm/config/lora.py `MaxLoRARanks`)."""
UNKNOWN_LICENCE = "unknown"
"""An adapter whose licence was not found: the licensing policies refuse it in prod and warn elsewhere."""
ADAPTERS_ANNOTATION = "hangar.dev/lora-adapters"
"""The workload annotation, a JSON list of its adapters (name, source, revision, licence, rank), that the licensing policies read."""
HUB_ID = r"^[A-Za-z0-9][-A-Za-z0-9_.]*/[A-Za-z0-9][-A-Za-z0-9_.]*$"
COMMIT = r"^[0-9a-f]{40}$"


class LoraAdapter(SpecModel):
    """One LoRA adapter of the deployment's model."""

    name: Name = Field(description="The model name clients ask for to get this adapter (unique in the environment).")
    source: str = Field(pattern=HUB_ID, description="The adapter's Hugging Face repository, 'org/name'.")
    revision: str = Field(
        pattern=COMMIT, description="The commit of that repository to serve, 40 hex digits (a branch or tag can move; a commit cannot)."
    )
    licence: str = Field(
        pattern=r"^[a-z0-9][a-z0-9.\-]*$",
        description="The adapter's own licence, a licence id of the catalog (e.g. apache-2.0), or 'unknown'. It binds on top of the "
        "base model's licence, which the adapter carries too.",
    )
    rank: int = Field(ge=1, le=MAX_LORA_RANKS[-1], description="The adapter's rank (`r` in its adapter_config.json), 1 to 512.")


class Lora(SpecModel):
    """The LoRA adapters a deployment serves beside its base model (vLLM `--enable-lora`)."""

    adapters: list[LoraAdapter] = Field(
        min_length=1,
        description="The adapters, each loaded at start and served under its name: through the gateway when the deployment is behind a "
        "route, else, like the base model, on the deployment's own Service only.",
    )
    max_loras: int | None = Field(
        None,
        ge=1,
        description="Adapters one batch can hold at once, each in its own slot of GPU memory (vLLM --max-loras); "
        "default: all of them. Fewer slots take less memory; the other adapters wait in CPU memory (--max-cpu-loras).",
    )

    @model_validator(mode="after")
    def _consistent(self) -> Lora:
        problems = []
        names = [adapter.name for adapter in self.adapters]
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            problems.append(problem("adapters", f"names an adapter more than once: {repeated}", names))
        if self.max_loras is not None and self.max_loras > len(self.adapters):
            problems.append(problem("max_loras", f"must be at most the number of adapters ({len(self.adapters)})", self.max_loras))
        raise_problems(problems)
        return self

    @property
    def slots(self) -> int:
        """Adapters a batch holds at once (`--max-loras`)."""
        return self.max_loras or len(self.adapters)

    @property
    def max_rank(self) -> int:
        """`--max-lora-rank`: the smallest value vLLM accepts that holds the largest adapter's rank."""
        largest = max(adapter.rank for adapter in self.adapters)
        return next(rank for rank in MAX_LORA_RANKS if rank >= largest)


def adapter_problems(environment: Environment) -> list[dict[str, Any]]:
    """Adapter names that clash with another model name clients can ask for; adapters an air-gapped cluster cannot download."""
    from hangar.spec.serving import air_gapped

    problems: list[dict[str, Any]] = []
    taken: dict[str, str] = {}
    for index, deployment in enumerate(environment.deployments):
        taken.setdefault(deployment.model, f"the model of deployments[{index}]")
    for index, route in enumerate(environment.routes):
        taken.setdefault(route.name, f"routes[{index}]")
    carriers: dict[str, str] = {}  # adapter name -> the deployment that first serves it
    positions = {cluster.name: index for index, cluster in enumerate(environment.clusters)}
    for index, deployment in enumerate(environment.deployments):
        if deployment.lora is None:
            continue
        here = f"deployments[{index}].lora"
        problems += _unserved(environment, here, deployment.model, deployment.engine_version)
        for position, adapter in enumerate(deployment.lora.adapters):
            key = f"{here}.adapters[{position}].name"
            if adapter.name in taken and not _same_failover_adapter(environment, deployment.name, carriers.get(adapter.name)):
                problems.append(problem(key, f"clients would ask for this name, and it is already {taken[adapter.name]}: model names must be unique", adapter.name))
            elif adapter.name not in taken:
                taken[adapter.name] = key
                carriers[adapter.name] = deployment.name
        if deployment.cluster is not None and deployment.cluster not in positions:
            continue  # reported as an unknown cluster
        cluster_index = positions[deployment.cluster] if deployment.cluster else 0
        gap = air_gapped(environment.clusters[cluster_index])
        if gap is not None and deployment.weights.source != "mirror":
            problems.append(
                problem(
                    f"deployments[{index}].weights.source",
                    f"cluster {environment.clusters[cluster_index].name!r} is air-gapped (clusters[{cluster_index}].{gap}) and the adapters are "
                    "downloaded at start from the deployment's Hub mirror: use weights.source mirror with weights.endpoint",
                    deployment.weights.source,
                )
            )
    return problems


def _same_failover_adapter(environment: Environment, deployment: str, first: str | None) -> bool:
    """Whether this adapter repeats, under the same name, an adapter of another level of one failover route: there every
    level serves the same adapters (`hangar.spec.routing_failover.failover_adapter_problems` judges that they are the same)."""
    from hangar.spec.routing_failover import failover_adapter_groups

    if first is None:
        return False
    return any({first, deployment} <= group for group in failover_adapter_groups(environment))


def _unserved(environment: Environment, here: str, model_id: str, engine_version: str) -> list[dict[str, Any]]:
    """Adapters on a model whose vLLM class takes none: the server would not start (`hangar.sizing.lora_architectures`)."""
    from hangar.catalog import CatalogLookupError, load_catalog
    from hangar.sizing.lora_architectures import lora_families, lora_refusal
    from hangar.sizing.lora_releases import engine_label

    try:
        model = load_catalog(environment.catalog_overrides).model(model_id)
    except (OSError, ValueError, CatalogLookupError):
        return []  # an unreadable catalog is reported under catalog_overrides, an unknown model by the policies
    refusal = lora_refusal(model, engine_version=engine_version)
    if refusal is None:
        return []
    allowed = ", ".join(lora_families(engine_version))
    engine = engine_label(engine_version)
    return [problem(here, f"{refusal}; adapters need a model whose architecture {engine} serves LoRA for (catalog families: {allowed})", model_id)]
