// The release this copy of the native action runs: its version, where its binaries are
// downloaded from, and the SHA-256 of each. .github/workflows/release.yml rewrites this file in
// the release commit a tag points to; in every other commit it says "unreleased" and main.js
// refuses to download anything (OIDC_ASSUME_DEV_BINARY can name a local build instead).
// A pin here, in the commit a workflow pins by tag or SHA, is what makes the download
// trustworthy: a checksum file fetched from the same release would change with the binary.
'use strict';

module.exports = {
  version: 'unreleased',
  download: 'unreleased',
  sha256: {},
};
