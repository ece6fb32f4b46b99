//! Tests of the CloudFormation reader.
