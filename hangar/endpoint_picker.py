"""How many endpoint-picker replicas Hangar runs per InferencePool: one number for the component that runs them
(`hangar.components.routing_pool`) and the cost note that counts their requests (`hangar.cost.routes`)."""

PICKER_REPLICAS = 2
"""Two pickers per pool, in the Inference Extension v1.5.0's active-passive high availability: its inferencepool chart
turns on `--ha-enable-leader-election` when `inferenceExtension.replicas` is above 1, "only one 'leader' replica will
be active and ready to process traffic at any given time. If the leader pod fails, another pod will be elected as the
new leader" (config/charts/inferencepool/README.md, "Install with High Availability (HA)", tag v1.5.0, commit
df9f8909fe06fe2dfd4a6fc0bd0c01a0acabf849, read 2026-12-01)."""
