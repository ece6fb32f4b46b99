import * as aws from "@pulumi/aws";

const issuer = "token.actions.githubusercontent.com";
const repo = "octo-org/octo-repo";

const github = new aws.iam.OpenIdConnectProvider("github", {
    url: `https://${issuer}`,
    clientIdLists: ["sts.amazonaws.com"],
    thumbprintLists: ["6938fd4d98bab03faadb97b34396831e3780aea1"],
});

// prod-deploy: a policy document built with getPolicyDocument.
const deployTrust = aws.iam.getPolicyDocumentOutput({
    statements: [{
        actions: ["sts:AssumeRoleWithWebIdentity"],
        principals: [{ type: "Federated", identifiers: [github.arn] }],
        conditions: [
            { test: "StringEquals", variable: `${issuer}:aud`, values: ["sts.amazonaws.com"] },
            { test: "StringEquals", variable: `${issuer}:sub`, values: [`repo:${repo}:environment:production`] },
            { test: "StringEquals", variable: `${issuer}:repository_id`, values: ["892734561"] },
        ],
    }],
});

const deploy = new aws.iam.Role("deploy", {
    name: "prod-deploy",
    assumeRolePolicy: deployTrust.json,
});

new aws.iam.RolePolicyAttachment("deploy-admin", {
    role: deploy.name,
    policyArn: aws.iam.ManagedPolicy.AdministratorAccess,
});

// ci: JSON.stringify inside apply, the provider ARN from the output.
const ci = new aws.iam.Role("ci", {
    name: "ci",
    assumeRolePolicy: github.arn.apply(arn => JSON.stringify({
        Version: "2012-10-17",
        Statement: [{
            Effect: "Allow",
            Principal: { Federated: arn },
            Action: "sts:AssumeRoleWithWebIdentity",
            Condition: {
                StringEquals: { [`${issuer}:aud`]: "sts.amazonaws.com" },
                StringLike: { [`${issuer}:sub`]: "repo:octo-org/octo-repo:*" },
            },
        }],
    })),
});

new aws.iam.RolePolicy("ci-build", {
    role: ci.id,
    policy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
            { Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" },
            {
                Effect: "Allow",
                Action: [
                    "ecr:BatchCheckLayerAvailability",
                    "ecr:InitiateLayerUpload",
                    "ecr:UploadLayerPart",
                    "ecr:CompleteLayerUpload",
                    "ecr:PutImage",
                ],
                Resource: "arn:aws:ecr:eu-west-1:123456789012:repository/octo-repo",
            },
            { Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject"], Resource: "arn:aws:s3:::octo-build-cache/*" },
        ],
    }),
});

// org-tools: a literal JSON document.
const org = new aws.iam.Role("org", {
    name: "org-tools",
    assumeRolePolicy: `{
  "Version": "2012-10-17",
  "Statement": [{
    "Effect": "Allow",
    "Principal": {"Federated": "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"},
    "Action": "sts:AssumeRoleWithWebIdentity",
    "Condition": {
      "StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
      "StringLike": {"token.actions.githubusercontent.com:sub": ["repo:octo-org/*", "repo:octo-org-infra/*"]}
    }
  }]
}`,
    managedPolicyArns: ["arn:aws:iam::aws:policy/ReadOnlyAccess"],
});

export const roleArns = [deploy.arn, ci.arn, org.arn];
