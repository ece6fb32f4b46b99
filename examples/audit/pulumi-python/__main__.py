"""The three example trust policies (see ../README.md), as a Pulumi program in Python writes them."""
import json

import pulumi
import pulumi_aws as aws

ISSUER = "token.actions.githubusercontent.com"
REPO = "octo-org/octo-repo"

github = aws.iam.OpenIdConnectProvider(
    "github",
    url=f"https://{ISSUER}",
    client_id_lists=["sts.amazonaws.com"],
    thumbprint_lists=["6938fd4d98bab03faadb97b34396831e3780aea1"],
)

deploy = aws.iam.Role(
    "deploy",
    name="prod-deploy",
    assume_role_policy=aws.iam.get_policy_document_output(
        statements=[
            aws.iam.GetPolicyDocumentStatementArgs(
                actions=["sts:AssumeRoleWithWebIdentity"],
                principals=[aws.iam.GetPolicyDocumentStatementPrincipalArgs(type="Federated", identifiers=[github.arn])],
                conditions=[
                    aws.iam.GetPolicyDocumentStatementConditionArgs(
                        test="StringEquals", variable=f"{ISSUER}:aud", values=["sts.amazonaws.com"]
                    ),
                    aws.iam.GetPolicyDocumentStatementConditionArgs(
                        test="StringEquals",
                        variable=f"{ISSUER}:sub",
                        values=[f"repo:{REPO}:environment:production"],
                    ),
                    aws.iam.GetPolicyDocumentStatementConditionArgs(
                        test="StringEquals", variable=f"{ISSUER}:repository_id", values=["892734561"]
                    ),
                ],
            )
        ]
    ).json,
)

aws.iam.RolePolicyAttachment(
    "deploy-admin", role=deploy.name, policy_arn=aws.iam.ManagedPolicy.ADMINISTRATOR_ACCESS
)

ci = aws.iam.Role(
    "ci",
    name="ci",
    assume_role_policy=github.arn.apply(
        lambda arn: json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Federated": arn},
                        "Action": "sts:AssumeRoleWithWebIdentity",
                        "Condition": {
                            "StringEquals": {f"{ISSUER}:aud": "sts.amazonaws.com"},
                            "StringLike": {f"{ISSUER}:sub": "repo:octo-org/octo-repo:*"},
                        },
                    }
                ],
            }
        )
    ),
)

aws.iam.RolePolicy(
    "ci-build",
    role=ci.id,
    policy=json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"},
                {
                    "Effect": "Allow",
                    "Action": [
                        "ecr:BatchCheckLayerAvailability",
                        "ecr:InitiateLayerUpload",
                        "ecr:UploadLayerPart",
                        "ecr:CompleteLayerUpload",
                        "ecr:PutImage",
                    ],
                    "Resource": "arn:aws:ecr:eu-west-1:123456789012:repository/octo-repo",
                },
                {
                    "Effect": "Allow",
                    "Action": ["s3:GetObject", "s3:PutObject"],
                    "Resource": "arn:aws:s3:::octo-build-cache/*",
                },
            ],
        }
    ),
)

org = aws.iam.Role(
    "org",
    name="org-tools",
    assume_role_policy=json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Federated": f"arn:aws:iam::123456789012:oidc-provider/{ISSUER}"},
                    "Action": "sts:AssumeRoleWithWebIdentity",
                    "Condition": {
                        "StringEquals": {f"{ISSUER}:aud": "sts.amazonaws.com"},
                        "StringLike": {f"{ISSUER}:sub": ["repo:octo-org/*", "repo:octo-org-infra/*"]},
                    },
                }
            ],
        }
    ),
)

aws.iam.RolePolicyAttachment("org-read", role=org.name, policy_arn="arn:aws:iam::aws:policy/ReadOnlyAccess")

pulumi.export("role_arns", [deploy.arn, ci.arn, org.arn])
