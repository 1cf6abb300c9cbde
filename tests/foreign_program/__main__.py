"""A tiny Pulumi program that is not Hangar's: a bucket and a Kubernetes namespace read from config."""

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

config = pulumi.Config()
bucket = aws.s3.Bucket("artifacts", tags={"team": config.require("team")})
namespace = k8s.core.v1.Namespace("ns", metadata={"name": config.require("namespace"), "labels": {"bucket": bucket.id}})
if config.get_bool("fail"):
    raise pulumi.RunError("the tiny program was asked to fail")
pulumi.export("bucket_arn", bucket.arn)
