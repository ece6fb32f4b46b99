import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

const config = new pulumi.Config();
const issuer = "token.actions.githubusercontent.com";

const github = aws.iam.getOpenIdConnectProviderOutput({ url: `https://${issuer}` });

// Terraform-style plans on every branch of the infra repository.
const plan = new aws.iam.Role("plan", {
    name: "infra-plan",
    assumeRolePolicy: aws.iam.getPolicyDocumentOutput({
        statements: [{
            actions: ["sts:AssumeRoleWithWebIdentity"],
            principals: [{ type: "Federated", identifiers: [github.arn] }],
            conditions: [
                { test: "StringEquals", variable: `${issuer}:aud`, values: ["sts.amazonaws.com"] },
                { test: "StringLike", variable: `${issuer}:sub`, values: ["repo:octo-org/infra:ref:refs/heads/*"] },
            ],
        }],
    }).json,
});

new aws.iam.RolePolicyAttachment("plan-read", {
    role: plan.name,
    policyArn: aws.iam.ManagedPolicy.ReadOnlyAccess,
});

// Apply: the repository comes from the stack's configuration.
const apply = new aws.iam.Role("apply", {
    name: "infra-apply",
    assumeRolePolicy: github.arn.apply(arn => JSON.stringify({
        Version: "2012-10-17",
        Statement: [{
            Effect: "Allow",
            Principal: { Federated: arn },
            Action: "sts:AssumeRoleWithWebIdentity",
            Condition: {
                StringEquals: {
                    [`${issuer}:aud`]: "sts.amazonaws.com",
                    [`${issuer}:sub`]: `repo:${config.require("repository")}:environment:production`,
                },
            },
        }],
    })),
});

new aws.iam.RolePolicyAttachment("apply-admin", {
    role: apply.name,
    policyArn: "arn:aws:iam::aws:policy/AdministratorAccess",
});
