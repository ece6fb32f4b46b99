// oidc-assume as a JavaScript action (native/action.yml): the main step. It finds the released
// oidc-assume binary for this runner (Linux x64/arm64, macOS x64/arm64, Windows x64) in the
// runner's tool cache, or downloads it from the release once, checks its SHA-256 against the pin
// in ./release.js before every run, and runs it with the step's environment. The binary does
// the work (inputs as INPUT_* variables, the runner's files); this file only finds and verifies
// it. post.js runs the same binary again for the post step.
//
// Node's standard library only: nothing to install or bundle, so this file is what runs. It
// must work on node20 (tests here) and node24 (`runs.using` in action.yml).
'use strict';

const fs = require('fs');
const path = require('path');
const crypto = require('crypto');
const { spawn } = require('child_process');

const TOOL = 'oidc-assume';

// RUNNER_OS/RUNNER_ARCH -> the Rust target whose binary the release publishes, and the
// architecture name the tool cache uses (actions/toolkit's tool-cache uses os.arch()).
const PLATFORMS = {
  'Linux/X64': { target: 'x86_64-unknown-linux-gnu', arch: 'x64' },
  'Linux/ARM64': { target: 'aarch64-unknown-linux-gnu', arch: 'arm64' },
  'macOS/X64': { target: 'x86_64-apple-darwin', arch: 'x64' },
  'macOS/ARM64': { target: 'aarch64-apple-darwin', arch: 'arm64' },
  'Windows/X64': { target: 'x86_64-pc-windows-msvc', arch: 'x64' },
};

// Node's names, for a run outside a runner (RUNNER_OS/RUNNER_ARCH unset).
const NODE_OS = { linux: 'Linux', darwin: 'macOS', win32: 'Windows' };
const NODE_ARCH = { x64: 'X64', arm64: 'ARM64' };

const DOWNLOAD_ATTEMPTS = 3;
const DOWNLOAD_TIMEOUT_MS = 120000;
const MAX_ASSET_BYTES = 64 * 1024 * 1024;

/** An error this action reports as one `::error::` annotation and exit 1. */
class ActionError extends Error {}

// Workflow command escaping (the runner's rules): % first, then CR and LF.
function escapeData(text) {
  return String(text).replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function annotate(kind, message) {
  process.stdout.write(`::${kind} title=oidc-assume::${escapeData(message)}\n`);
}

/** The release pins of this copy of the action (written by the release workflow). */
function loadRelease(dir) {
  const release = require(path.join(dir, 'release.js'));
  return release;
}

function isReleased(release) {
  return typeof release.version === 'string' && release.version !== 'unreleased';
}

function platform(env) {
  const os = env.RUNNER_OS || NODE_OS[process.platform] || process.platform;
  const arch = env.RUNNER_ARCH || NODE_ARCH[process.arch] || process.arch;
  const found = PLATFORMS[`${os}/${arch}`];
  if (!found) {
    throw new ActionError(
      `no oidc-assume binary is released for ${os}/${arch}; there are binaries for ` +
        `${Object.keys(PLATFORMS).join(', ')}. On Linux, the container action (uses: OWNER/REPO@vX) ` +
        'runs wherever Docker does',
    );
  }
  return { ...found, os, exe: os === 'Windows' ? `${TOOL}.exe` : TOOL };
}

function sha256File(file) {
  // Synchronous reads into one reused 256 KiB buffer: no 7 MB allocation and its page faults
  // (measurably faster than readFileSync here), and no stream machinery to load.
  const hash = crypto.createHash('sha256');
  const buffer = Buffer.allocUnsafe(256 * 1024);
  const fd = fs.openSync(file, 'r');
  try {
    let n;
    while ((n = fs.readSync(fd, buffer, 0, buffer.length, null)) > 0) {
      hash.update(n === buffer.length ? buffer : buffer.subarray(0, n));
    }
  } finally {
    fs.closeSync(fd);
  }
  return hash.digest('hex');
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The asset's bytes; retries network errors and 5xx/429, never a 4xx (a wrong URL stays wrong). */
async function download(url) {
  const parsed = new URL(url);
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(parsed.hostname);
  // The pin is what makes the download trustworthy; https is defence in depth. Plain http is
  // accepted only for a loopback server (the tests' stand-in for the release).
  if (parsed.protocol !== 'https:' && !(parsed.protocol === 'http:' && loopback)) {
    throw new ActionError(`refusing to download ${url}: not https`);
  }
  let lastError;
  for (let attempt = 1; attempt <= DOWNLOAD_ATTEMPTS; attempt++) {
    try {
      // fetch follows the release's redirect to its storage host.
      const response = await fetch(url, {
        redirect: 'follow',
        signal: AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS),
        headers: { 'user-agent': 'oidc-assume-action' },
      });
      if (!response.ok) {
        const error = new ActionError(`downloading ${url} failed: HTTP ${response.status}`);
        if (response.status < 500 && response.status !== 429) {
          throw error;
        }
        lastError = error;
      } else {
        const length = Number(response.headers.get('content-length') || 0);
        if (length > MAX_ASSET_BYTES) {
          throw new ActionError(`${url} is ${length} bytes, more than any release binary`);
        }
        return Buffer.from(await response.arrayBuffer());
      }
    } catch (error) {
      if (error instanceof ActionError) {
        throw error;
      }
      lastError = new ActionError(`downloading ${url} failed: ${error.cause?.message || error.message}`);
    }
    if (attempt < DOWNLOAD_ATTEMPTS) {
      await sleep(1000 * attempt);
    }
  }
  throw lastError;
}

/**
 * The verified release binary: from the tool cache when it is there and still matches its pin,
 * else downloaded, checked and cached (RUNNER_TOOL_CACHE/oidc-assume/VERSION/ARCH/ plus the
 * ARCH.complete marker, actions/toolkit's layout, so a self-hosted runner downloads it once).
 */
async function releaseBinary(release, env) {
  const p = platform(env);
  const want = release.sha256 && release.sha256[p.target];
  if (typeof want !== 'string' || !/^[0-9a-f]{64}$/.test(want)) {
    throw new ActionError(`release.js pins no SHA-256 for ${p.target}: refusing to run an unverified binary`);
  }
  const version = release.version.replace(/^v/, '');
  const cacheRoot = env.RUNNER_TOOL_CACHE || path.join(env.RUNNER_TEMP || require('os').tmpdir(), 'oidc-assume-tool-cache');
  const dir = path.join(cacheRoot, TOOL, version, p.arch);
  const bin = path.join(dir, p.exe);
  const marker = `${dir}.complete`;
  if (fs.existsSync(marker) && fs.existsSync(bin)) {
    // Checked on every run, not only after the download: the tool cache of a self-hosted
    // runner outlives jobs and is writable by them.
    const got = sha256File(bin);
    if (got === want) {
      return bin;
    }
    annotate('warning', `the cached ${bin} has SHA-256 ${got}, not the pinned ${want}: downloading it again`);
  }
  const asset = `${TOOL}-${p.target}${p.os === 'Windows' ? '.exe' : ''}`;
  const url = `${release.download.replace(/\/+$/, '')}/${asset}`;
  const bytes = await download(url);
  const got = crypto.createHash('sha256').update(bytes).digest('hex');
  if (got !== want) {
    throw new ActionError(
      `${asset} from ${url} has SHA-256 ${got}, but native/release.js pins ${want}: refusing to run it`,
    );
  }
  // Only verified bytes reach the cache, under a temporary name first, so a concurrent job
  // never sees a partial file; the marker is written last, as the toolkit does.
  fs.rmSync(marker, { force: true });
  fs.mkdirSync(dir, { recursive: true });
  const partial = `${bin}.${process.pid}.partial`;
  fs.writeFileSync(partial, bytes, { mode: 0o755 });
  fs.renameSync(partial, bin);
  fs.writeFileSync(marker, '');
  return bin;
}

/** The binary to run: the pinned release, or in an unreleased commit the developer's build. */
async function resolveBinary(dir, env) {
  const release = loadRelease(dir);
  if (isReleased(release)) {
    if (env.OIDC_ASSUME_DEV_BINARY) {
      annotate('warning', 'OIDC_ASSUME_DEV_BINARY is ignored: this is a release, which runs only its pinned binary');
    }
    return releaseBinary(release, env);
  }
  const dev = env.OIDC_ASSUME_DEV_BINARY;
  if (dev) {
    if (!fs.statSync(dev, { throwIfNoEntry: false })?.isFile()) {
      throw new ActionError(`OIDC_ASSUME_DEV_BINARY names ${dev}, which is not a file`);
    }
    return dev;
  }
  throw new ActionError(
    'this copy of the action is not from a release commit, so it has no pinned binary to run: use a ' +
      'release tag (uses: OWNER/REPO/native@vX.Y.Z) or its commit SHA; to run a local build, set ' +
      'OIDC_ASSUME_DEV_BINARY to its path',
  );
}

/** Runs the binary with this step's environment, stdio inherited; resolves to its exit code. */
function run(bin) {
  return new Promise((resolve) => {
    // No shell: INPUT_ROLE-TO-ASSUME and the other hyphenated names pass through as they are.
    const child = spawn(bin, [], { stdio: 'inherit', env: process.env, windowsHide: true });
    // A cancelled job signals this process; the binary gets the same chance to stop cleanly.
    const forward = (signal) => child.kill(signal);
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    child.on('error', (error) => {
      annotate('error', `could not run ${bin}: ${error.message}`);
      resolve(1);
    });
    child.on('exit', (code, signal) => {
      if (signal) {
        annotate('error', `${bin} was stopped by ${signal}`);
        resolve(1);
      } else {
        resolve(code);
      }
    });
  });
}

/** The action's step: main, or post (which runs only if main got as far as the binary). */
async function step(kind) {
  try {
    if (kind === 'post' && process.env.STATE_oidc_assume === undefined) {
      // The binary records its state first thing; without it the main step never ran it, so
      // there is nothing to clean up (and running it now would run the main step again).
      return 0;
    }
    const bin = await resolveBinary(__dirname, process.env);
    return await run(bin);
  } catch (error) {
    annotate('error', error instanceof ActionError ? error.message : `unexpected: ${error.stack || error}`);
    return 1;
  }
}

function start(kind) {
  step(kind).then((code) => {
    process.exitCode = code;
  });
}

module.exports = { start, PLATFORMS };

if (require.main === module) {
  start('main');
}
