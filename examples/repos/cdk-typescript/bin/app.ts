#!/usr/bin/env node
import 'source-map-support/register';
import * as cdk from 'aws-cdk-lib';
import { GithubOidcStack } from '../lib/github-oidc-stack';
import { PipelineStack } from '../lib/pipeline-stack';

const app = new cdk.App();
const env = { account: process.env.CDK_DEFAULT_ACCOUNT, region: 'eu-west-1' };
const oidc = new GithubOidcStack(app, 'ShopGithubOidc', { env });
new PipelineStack(app, 'ShopPipeline', { env, provider: oidc.provider });
