//! Tests of the Terraform reader.
