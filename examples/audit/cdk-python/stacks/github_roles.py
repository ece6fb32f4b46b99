"""The three example trust policies (see ../../README.md), as a CDK app in Python writes them."""
from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from constructs import Construct

ISSUER = "token.actions.githubusercontent.com"
REPO = "octo-org/octo-repo"


class GithubRolesStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)

        provider = iam.OpenIdConnectProvider(
            self, "GithubProvider", url=f"https://{ISSUER}", client_ids=["sts.amazonaws.com"]
        )

        iam.Role(
            self,
            "DeployRole",
            role_name="prod-deploy",
            assumed_by=iam.WebIdentityPrincipal(
                provider.open_id_connect_provider_arn,
                conditions={
                    "StringEquals": {
                        f"{ISSUER}:aud": "sts.amazonaws.com",
                        f"{ISSUER}:sub": f"repo:{REPO}:environment:production",
                        f"{ISSUER}:repository_id": "892734561",
                    }
                },
            ),
            managed_policies=[iam.ManagedPolicy.from_aws_managed_policy_name("AdministratorAccess")],
        )

        ci = iam.Role(
            self,
            "CiRole",
            role_name="ci",
            assumed_by=iam.FederatedPrincipal(
                federated=provider.open_id_connect_provider_arn,
                conditions={
                    "StringEquals": {f"{ISSUER}:aud": "sts.amazonaws.com"},
                    "StringLike": {f"{ISSUER}:sub": "repo:octo-org/octo-repo:*"},
                },
                assume_role_action="sts:AssumeRoleWithWebIdentity",
            ),
            inline_policies={
                "ci-build": iam.PolicyDocument(
                    statements=[
                        iam.PolicyStatement(actions=["ecr:GetAuthorizationToken"], resources=["*"]),
                        iam.PolicyStatement(
                            actions=[
                                "ecr:BatchCheckLayerAvailability",
                                "ecr:InitiateLayerUpload",
                                "ecr:UploadLayerPart",
                                "ecr:CompleteLayerUpload",
                                "ecr:PutImage",
                            ],
                            resources=[f"arn:aws:ecr:eu-west-1:{self.account}:repository/octo-repo"],
                        ),
                        iam.PolicyStatement(
                            actions=["s3:GetObject", "s3:PutObject"],
                            resources=["arn:aws:s3:::octo-build-cache/*"],
                        ),
                    ]
                )
            },
        )

        org = iam.Role(
            self,
            "OrgRole",
            role_name="org-tools",
            assumed_by=iam.OpenIdConnectPrincipal(provider).with_conditions(
                {
                    "StringEquals": {f"{ISSUER}:aud": "sts.amazonaws.com"},
                    "StringLike": {f"{ISSUER}:sub": ["repo:octo-org/*", "repo:octo-org-infra/*"]},
                }
            ),
        )
        org.add_managed_policy(iam.ManagedPolicy.from_aws_managed_policy_name("ReadOnlyAccess"))
