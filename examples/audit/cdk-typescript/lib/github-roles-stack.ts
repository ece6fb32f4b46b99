import * as cdk from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

// The three example trust policies (see ../../README.md), as a CDK app writes them.
const ISSUER = 'token.actions.githubusercontent.com';
const REPO = 'octo-org/octo-repo';

export class GithubRolesStack extends cdk.Stack {
  constructor(scope: Construct, id: string, props?: cdk.StackProps) {
    super(scope, id, props);

    const provider = new iam.OpenIdConnectProvider(this, 'GithubProvider', {
      url: `https://${ISSUER}`,
      clientIds: ['sts.amazonaws.com'],
    });
    const audience = { [`${ISSUER}:aud`]: 'sts.amazonaws.com' };

    new iam.Role(this, 'DeployRole', {
      roleName: 'prod-deploy',
      assumedBy: new iam.WebIdentityPrincipal(provider.openIdConnectProviderArn, {
        StringEquals: {
          ...audience,
          [`${ISSUER}:sub`]: `repo:${REPO}:environment:production`,
          [`${ISSUER}:repository_id`]: '892734561',
        },
      }),
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('AdministratorAccess')],
    });

    const ci = new iam.Role(this, 'CiRole', {
      roleName: 'ci',
      assumedBy: new iam.OpenIdConnectPrincipal(provider).withConditions({
        StringEquals: audience,
        StringLike: { [`${ISSUER}:sub`]: 'repo:octo-org/octo-repo:*' },
      }),
    });
    ci.addToPolicy(new iam.PolicyStatement({
      actions: ['ecr:GetAuthorizationToken'],
      resources: ['*'],
    }));
    ci.addToPolicy(new iam.PolicyStatement({
      actions: [
        'ecr:BatchCheckLayerAvailability',
        'ecr:InitiateLayerUpload',
        'ecr:UploadLayerPart',
        'ecr:CompleteLayerUpload',
        'ecr:PutImage',
      ],
      resources: [`arn:aws:ecr:eu-west-1:${this.account}:repository/octo-repo`],
    }));
    ci.addToPolicy(new iam.PolicyStatement({
      actions: ['s3:GetObject', 's3:PutObject'],
      resources: ['arn:aws:s3:::octo-build-cache/*'],
    }));

    new iam.Role(this, 'OrgRole', {
      roleName: 'org-tools',
      assumedBy: new iam.FederatedPrincipal(
        provider.openIdConnectProviderArn,
        {
          StringEquals: audience,
          StringLike: { [`${ISSUER}:sub`]: ['repo:octo-org/*', 'repo:octo-org-infra/*'] },
        },
        'sts:AssumeRoleWithWebIdentity',
      ),
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('ReadOnlyAccess')],
    });
  }
}
