import * as cdk from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { GithubActionsIdentityProvider, GithubActionsRole } from 'aws-cdk-github-oidc';
import { Construct } from 'constructs';

export interface PipelineStackProps extends cdk.StackProps {
  readonly provider: iam.IOpenIdConnectProvider;
}

export class PipelineStack extends cdk.Stack {
  constructor(scope: Construct, id: string, props: PipelineStackProps) {
    super(scope, id, props);

    const artifacts = new s3.Bucket(this, 'Artifacts', { enforceSSL: true });

    // aws-cdk-github-oidc: no `filter`, so the subject is `repo:octo-org/shop-web:*`.
    const publisher = new GithubActionsRole(this, 'ArtifactPublisher', {
      provider: GithubActionsIdentityProvider.fromAccount(this, 'GithubProvider'),
      owner: 'octo-org',
      repo: 'shop-web',
      roleName: 'shop-artifact-publisher',
    });
    artifacts.grantReadWrite(publisher);

    // The same library, pinned to release tags.
    new GithubActionsRole(this, 'ReleaseRole', {
      provider: GithubActionsIdentityProvider.fromAccount(this, 'GithubProviderForReleases'),
      owner: 'octo-org',
      repo: 'shop-web',
      filter: 'ref:refs/tags/v*',
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonEC2ContainerRegistryPowerUser')],
    });
  }
}
