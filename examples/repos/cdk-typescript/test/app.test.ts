import * as cdk from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { GithubOidcStack } from '../lib/github-oidc-stack';

test('the deploy role is pinned to main', () => {
  const app = new cdk.App({ context: { previewRepo: 'shop-previews' } });
  const stack = new GithubOidcStack(app, 'Test');
  Template.fromStack(stack).resourceCountIs('AWS::IAM::Role', 4);
});
