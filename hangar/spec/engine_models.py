"""A deployment whose model its pinned vLLM release cannot load is a config error, not a server that crash-loops.

So is one whose model vLLM reads only with `--trust-remote-code` (`hangar.sizing.engine_models.remote_code`) while the
deployment does not say `trust_remote_code: true`: running a repository's code in the server is the team's decision.
So is a `max_context_tokens` (Hangar's `--max-model-len`) above the context the release derives from the model's
config (`hangar.sizing.context`): vLLM refuses to start with it.

The check reads the deployment's catalog row and its `engine_version`; which release serves which architecture, and
the sources, are in `hangar.sizing.engine_models`. A model the catalog does not know is left to the policies (which
fail closed on it), as the other catalog checks of the spec do.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hangar.spec.base import problem

if TYPE_CHECKING:
    from hangar.spec.environment import Environment


def engine_model_problems(environment: Environment) -> list[dict[str, Any]]:
    """One problem at `deployments[i].model` for each deployment its `engine_version` cannot load."""
    from hangar.catalog import CatalogLookupError, load_catalog
    from hangar.sizing.context import context_problem
    from hangar.sizing.engine import VERIFIED_RELEASES
    from hangar.sizing.engine_models import NEVER_LOADED, engine_refusal, release_advice, remote_code

    try:
        catalog = load_catalog(environment.catalog_overrides)
    except (OSError, ValueError):
        return []  # an unreadable catalog is reported under catalog_overrides
    problems = []
    for index, deployment in enumerate(environment.deployments):
        try:
            model = catalog.model(deployment.model)
        except CatalogLookupError:
            continue
        refusal = engine_refusal(model, deployment.engine_version)
        if refusal is not None:
            advice = (
                (f"set deployments[{index}].engine_version to {release_advice(model)}, or serve another model "
                 if model.text_model_type not in NEVER_LOADED else "serve another model ")
                + f"(Hangar's generated vLLM arguments are verified for {' and '.join(VERIFIED_RELEASES)})"
            )
            problems.append(problem(f"deployments[{index}].model", f"{refusal}: {advice}", deployment.model))
        needs_code = remote_code(model, deployment.engine_version)
        if needs_code is not None and not deployment.trust_remote_code:
            advice = f"set deployments[{index}].trust_remote_code to true if you trust that code, or serve another model"
            given = False if "trust_remote_code" in deployment.model_fields_set else "unset (false)"
            problems.append(problem(f"deployments[{index}].trust_remote_code", f"{needs_code}: {advice}", given))
        too_long = context_problem(model, deployment.max_context_tokens, deployment.engine_version) if refusal is None else None
        if too_long is not None:  # Hangar passes it as --max-model-len and sets no VLLM_ALLOW_LONG_MAX_MODEL_LEN
            problems.append(problem(f"deployments[{index}].max_context_tokens", f"{too_long}: lower it, or serve another model or release",
                                    deployment.max_context_tokens))
    return problems
