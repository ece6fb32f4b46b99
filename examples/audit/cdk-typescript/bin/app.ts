#!/usr/bin/env node
import * as cdk from 'aws-cdk-lib';
import { GithubRolesStack } from '../lib/github-roles-stack';

const app = new cdk.App();
new GithubRolesStack(app, 'GithubRoles', {
  env: { account: '123456789012', region: 'eu-west-1' },
});
