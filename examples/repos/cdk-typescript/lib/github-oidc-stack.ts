import * as cdk from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

const GITHUB = 'token.actions.githubusercontent.com';
const OWNER = 'octo-org';
const REPO = `${OWNER}/shop`;

const audience = { [`${GITHUB}:aud`]: 'sts.amazonaws.com' };

export class GithubOidcStack extends cdk.Stack {
  public readonly provider: iam.IOpenIdConnectProvider;

  constructor(scope: Construct, id: string, props?: cdk.StackProps) {
    super(scope, id, props);

    this.provider = new iam.OpenIdConnectProvider(this, 'GithubProvider', {
      url: `https://${GITHUB}`,
      clientIds: ['sts.amazonaws.com'],
    });

    // Deploys from main only.
    const deploy = new iam.Role(this, 'DeployRole', {
      roleName: 'shop-deploy',
      assumedBy: new iam.WebIdentityPrincipal(this.provider.openIdConnectProviderArn, {
        StringEquals: {
          ...audience,
          [`${GITHUB}:sub`]: `repo:${REPO}:ref:refs/heads/main`,
        },
      }),
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('PowerUserAccess')],
      maxSessionDuration: cdk.Duration.hours(1),
    });

    // Plans on pull requests: meant to read, but it was given AdministratorAccess "for now".
    const pullRequests = new iam.Role(this, 'PullRequestRole', {
      roleName: 'shop-pull-requests',
      assumedBy: new iam.OpenIdConnectPrincipal(this.provider).withConditions({
        StringEquals: audience,
        StringLike: { [`${GITHUB}:sub`]: `repo:${REPO}:*` },
      }),
    });
    pullRequests.addManagedPolicy(iam.ManagedPolicy.fromAwsManagedPolicyName('AdministratorAccess'));

    // Preview environments: the repository comes from the CDK context at synth time.
    const preview = new iam.Role(this, 'PreviewRole', {
      roleName: 'shop-preview',
      assumedBy: new iam.WebIdentityPrincipal(this.provider.openIdConnectProviderArn, {
        StringEquals: {
          ...audience,
          [`${GITHUB}:sub`]: `repo:${OWNER}/${this.node.tryGetContext('previewRepo')}:environment:preview`,
        },
      }),
    });
    preview.addToPolicy(new iam.PolicyStatement({
      actions: ['s3:PutObject', 's3:DeleteObject'],
      resources: ['arn:aws:s3:::octo-shop-previews/*'],
    }));

    // Not a GitHub role: the Lambda's execution role.
    new iam.Role(this, 'ThumbnailFunctionRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      managedPolicies: [
        iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSLambdaBasicExecutionRole'),
      ],
    });

    new cdk.CfnOutput(this, 'DeployRoleArn', { value: deploy.roleArn });
  }
}
