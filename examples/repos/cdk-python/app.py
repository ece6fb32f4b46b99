#!/usr/bin/env python3
import os

import aws_cdk as cdk

from stacks.oidc import OidcStack

app = cdk.App()
OidcStack(
    app,
    "DataPlatformOidc",
    env=cdk.Environment(account=os.environ["CDK_DEFAULT_ACCOUNT"], region="eu-central-1"),
)
app.synth()
