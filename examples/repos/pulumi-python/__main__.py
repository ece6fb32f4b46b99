import json

import pulumi
import pulumi_aws as aws

ISSUER = "token.actions.githubusercontent.com"
ACCOUNT = "210987654321"
PROVIDER_ARN = f"arn:aws:iam::{ACCOUNT}:oidc-provider/{ISSUER}"

# Copied from a blog post: only the audience is checked, so any repository on GitHub can
# assume it.
reports = aws.iam.Role(
    "reports",
    name="analytics-reports",
    assume_role_policy=json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Federated": PROVIDER_ARN},
                    "Action": "sts:AssumeRoleWithWebIdentity",
                    "Condition": {"StringEquals": {f"{ISSUER}:aud": "sts.amazonaws.com"}},
                }
            ],
        }
    ),
)
aws.iam.RolePolicyAttachment(
    "reports-read", role=reports.name, policy_arn=aws.iam.ManagedPolicy.AMAZON_S3_READ_ONLY_ACCESS
)

# The dashboards repository's release tags.
dashboards = aws.iam.Role(
    "dashboards",
    name="analytics-dashboards",
    assume_role_policy=json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Federated": PROVIDER_ARN},
                    "Action": "sts:AssumeRoleWithWebIdentity",
                    "Condition": {
                        "StringEquals": {f"{ISSUER}:aud": "sts.amazonaws.com"},
                        "StringLike": {f"{ISSUER}:sub": "repo:octo-org/dashboards:ref:refs/tags/v*"},
                    },
                }
            ],
        }
    ),
)
aws.iam.RolePolicy(
    "dashboards-publish",
    role=dashboards.id,
    policy=json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": ["s3:PutObject"], "Resource": "arn:aws:s3:::octo-dashboards/*"},
                {"Effect": "Allow", "Action": "cloudfront:CreateInvalidation", "Resource": "*"},
            ],
        }
    ),
)

pulumi.export("roles", [reports.arn, dashboards.arn])
