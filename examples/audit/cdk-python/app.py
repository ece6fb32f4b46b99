#!/usr/bin/env python3
import aws_cdk as cdk

from stacks.github_roles import GithubRolesStack

app = cdk.App()
GithubRolesStack(app, "GithubRoles", env=cdk.Environment(account="123456789012", region="eu-west-1"))
app.synth()
