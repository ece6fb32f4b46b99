import os

from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from aws_cdk_github_oidc import GithubActionsIdentityProvider, GithubActionsRole
from constructs import Construct

GITHUB = "token.actions.githubusercontent.com"
ORG = "octo-data"


class OidcStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)

        provider_arn = f"arn:aws:iam::{self.account}:oidc-provider/{GITHUB}"

        # Production: one environment of one repository, by name and id.
        iam.Role(
            self,
            "WarehouseDeploy",
            role_name="warehouse-deploy",
            assumed_by=iam.WebIdentityPrincipal(
                provider_arn,
                conditions={
                    "StringEquals": {
                        f"{GITHUB}:aud": "sts.amazonaws.com",
                        f"{GITHUB}:sub": f"repo:{ORG}/warehouse:environment:production",
                        f"{GITHUB}:repository_id": "704512983",
                    }
                },
            ),
            managed_policies=[iam.ManagedPolicy.from_aws_managed_policy_name("AdministratorAccess")],
        )

        # dbt docs from main, through aws-cdk-github-oidc.
        docs = GithubActionsRole(
            self,
            "DocsPublisher",
            provider=GithubActionsIdentityProvider.from_account(self, "Github"),
            owner=ORG,
            repo="dbt-models",
            filter="ref:refs/heads/main",
            role_name="dbt-docs-publisher",
        )
        docs.add_to_policy(
            iam.PolicyStatement(actions=["s3:PutObject"], resources=["arn:aws:s3:::octo-data-docs/*"])
        )

        # Notebooks: any repository whose name the platform team sets in the environment.
        iam.Role(
            self,
            "NotebookRunner",
            role_name="notebook-runner",
            assumed_by=iam.FederatedPrincipal(
                federated=provider_arn,
                conditions={
                    "StringEquals": {f"{GITHUB}:aud": "sts.amazonaws.com"},
                    "StringLike": {f"{GITHUB}:sub": f"repo:{ORG}/{os.environ['NOTEBOOK_REPO']}:*"},
                },
                assume_role_action="sts:AssumeRoleWithWebIdentity",
            ),
            managed_policies=[iam.ManagedPolicy.from_aws_managed_policy_name("AmazonAthenaFullAccess")],
        )
