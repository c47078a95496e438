// Shared helpers for the end-to-end tests: start the real binary on a free port with a
// fresh data directory, make local Git repositories, talk HTTP and WebSocket.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const BIN = process.env.REACTOR_BIN ?? new URL('../../build/reactor', import.meta.url).pathname;
// The startup event with the bound address, in the text or the JSON log format.
const k_serving = /reactor\.serving.*?url\W+http:\/\/[^:\s"]+:(\d+)/;

// Removed when the test file's process exits (REACTOR_KEEP_TMP=1 keeps them to look at).
const made = [];
process.on('exit', () => {
  if (process.env.REACTOR_KEEP_TMP) return;
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

export function tempDir(prefix) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

// A throwaway CA in `dir` (ca.pem, ca.key) for the HTTPS tests.
export function makeTestCa(dir) {
  const made = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=Reactor test CA'], { cwd: dir, encoding: 'utf8' });
  if (made.status !== 0) throw new Error(made.stderr);
}

// A certificate (<name>.pem, <name>.key in `dir`) the test CA signs for localhost,
// *.localhost, *.<domain> and 127.0.0.1. Sites are served under a domain of two labels:
// curl and Node refuse a wildcard right below a single label. `ocsp`: the URL of an OCSP
// responder the certificate names.
export function makeTestCertificate(dir, name, serial, domain, { ocsp } = {}) {
  const openssl = (...args) => {
    const made = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
    if (made.status !== 0) throw new Error(made.stderr);
  };
  writeFileSync(join(dir, 'san.ext'), `subjectAltName=DNS:localhost,DNS:*.localhost,DNS:*.${domain},IP:127.0.0.1\n`
    + 'basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n'
    + (ocsp ? `authorityInfoAccess=OCSP;URI:${ocsp}\n` : ''));
  openssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', '/CN=localhost');
  openssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key',
    '-set_serial', serial, '-days', '2', '-extfile', 'san.ext', '-out', `${name}.pem`);
}

// Starts `reactor serve`; resolves once it listens. Call server.stop() when done.
// `launcher`: a command that execs the server (e.g. ['prlimit', '--nofile=64:64']).
// `listen: null` leaves the address to a config file or REACTOR_LISTEN, which must name
// port 0: the port is read back from the log either way.
// With REACTOR_E2E_POSTGRES=1, under scripts/with-postgres.sh, servers keep their metadata
// in its PostgreSQL database instead of SQLite (make e2e-test runs the project files so).
export const POSTGRES_URL = process.env.REACTOR_E2E_POSTGRES ? process.env.REACTOR_TEST_POSTGRES_URL : undefined;

function metadataStore(args) {
  return POSTGRES_URL && !args.includes('--db') ? ['--db', POSTGRES_URL] : [];
}

export async function startServer({ args = [], env = {}, dataDir = tempDir('reactor-data-'), allowLocal = true, launcher = [], listen = '127.0.0.1:0' } = {}) {
  // Tests post many deployments from one address: no rate limit unless a test sets one.
  const rateLimit = args.includes('--deploy-rate-limit') ? [] : ['--deploy-rate-limit', '0'];
  const argv = ['serve', ...(listen ? ['--listen', listen] : []), '--data-dir', dataDir, ...(allowLocal ? ['--allow-local-repos'] : []), ...rateLimit, ...metadataStore(args), ...args];
  const [command, ...commandArgs] = [...launcher, BIN, ...argv];
  const child = spawn(command, commandArgs, { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let output = '';
  const checks = new Set();
  child.stderr.on('data', (chunk) => {
    output += chunk;
    for (const check of [...checks]) check();
  });
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  // 'close' comes once the log is read to its end, unlike 'exit'.
  const closed = new Promise((resolve) => child.on('close', resolve));
  // Resolves with the match once `pattern` shows in the server's log; rejects, with the
  // log, when it has not within `timeoutMs` or the server ended without it.
  const logged = (pattern, timeoutMs = 20000) => new Promise((resolve, reject) => {
    const settle = (settled) => {
      clearTimeout(timer);
      checks.delete(check);
      settled();
    };
    const check = () => {
      const match = output.match(pattern);
      if (match) settle(() => resolve(match));
    };
    const timer = setTimeout(() => settle(() => reject(new Error(`no ${pattern} in the server's log within ${timeoutMs} ms:\n${output}`))), timeoutMs);
    checks.add(check);
    closed.then(() => checks.has(check) && settle(() => reject(new Error(`the server ended without ${pattern} in its log:\n${output}`))));
    check();
  });
  const port = Number((await logged(k_serving))[1]);
  return {
    port,
    dataDir,
    child,
    output: () => output,
    logged,
    exited,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

// A local Git repository holding `files` ({path: content}) on branch main; returns its file:// URL.
export function makeRepo(files, { branch = 'main' } = {}) {
  const dir = tempDir('reactor-repo-');
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  const git = (...args) => execFileSync('git', args, { cwd: dir, stdio: 'pipe' });
  git('init', '-q', '-b', branch);
  git('add', '-A');
  git('-c', 'user.name=Test', '-c', 'user.email=test@example.com', 'commit', '-q', '-m', 'fixture');
  return `file://${dir}`;
}

// The smallest app Reactor can deploy: its build is a Node script that writes dist/.
export function tinyApp({ sleepMs = 0, title = 'Tiny app' } = {}) {
  return {
    'package.json': JSON.stringify({ name: 'tiny', version: '1.0.0', private: true, scripts: { build: 'node build.js' } }),
    'build.js': `
const fs = require('fs');
setTimeout(() => {
  fs.mkdirSync('dist/assets', { recursive: true });
  fs.writeFileSync('dist/index.html', '<!doctype html><title>${title}</title><script src="/assets/app-1a2b3c4d.js"></script><h1>${title}</h1>');
  fs.writeFileSync('dist/assets/app-1a2b3c4d.js', 'console.log("hello");');
  console.log('built tiny app');
}, ${sleepMs});
`,
  };
}

// A build script that writes `files` ({path: content}) into dist/.
export function siteApp(files) {
  return {
    'package.json': JSON.stringify({ name: 'site', scripts: { build: 'node build.js' } }),
    'build.js': `const fs = require('fs'), path = require('path');
const files = ${JSON.stringify(files)};
for (const [name, content] of Object.entries(files)) {
  fs.mkdirSync(path.dirname(path.join('dist', name)), { recursive: true });
  fs.writeFileSync(path.join('dist', name), content);
}`,
  };
}

// A JSON call to the server on `port` with the API token `token`; resolves
// {status, headers, body, json}.
export function callApi(port, token, method, path, body, headers = {}) {
  return request(port, {
    method,
    path,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  }).then((res) => ({ ...res, json: res.body ? JSON.parse(res.body) : null }));
}

// Runs the real CLI against the server on `port` with the API token `token`.
// Returns {code, stdout, stderr}.
export function runCli(port, token, ...args) {
  const result = spawnSync(BIN, args, {
    env: { ...process.env, REACTOR_URL: `http://127.0.0.1:${port}`, REACTOR_API_TOKEN: token },
    encoding: 'utf8',
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

// One HTTP request to the server; `host` picks the API or a site. Resolves {status, headers, body}.
export function request(port, { method = 'GET', path = '/', host = `127.0.0.1:${port}`, headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, headers: { host, ...headers } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

export async function deploy(port, payload) {
  const res = await request(port, {
    method: 'POST', path: '/deploy', headers: { 'content-type': 'application/json' },
    body: typeof payload === 'string' ? payload : JSON.stringify(payload),
  });
  return { ...res, json: JSON.parse(res.body) };
}

export async function getDeployment(port, id) {
  const res = await request(port, { path: `/deployments/${id}` });
  return JSON.parse(res.body);
}

// Polls until the deployment reaches a final status (or `status`, or `phase`), then
// returns it.
export async function waitFor(port, id, { status, phase, timeoutMs = 120000 } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const deployment = await getDeployment(port, id);
    const done = phase ? deployment.phase === phase
      : status ? deployment.status === status : ['DEPLOYED', 'ERROR', 'CANCELED'].includes(deployment.status);
    if (done) return deployment;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${id}: ${JSON.stringify(deployment)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

// Polls `check` (async) until it returns something truthy, and returns that; throws,
// naming `what`, after `timeoutMs`.
export async function until(what, check, timeoutMs = 60000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

// A path of a deployed site, asked for by its Host header.
export function site(port, id, path = '/') {
  return request(port, { host: `${id}.localhost:${port}`, path });
}

// The whole build log of a deployment, replayed over the WebSocket from its first event
// once the deployment has ended; its lines joined by line ends.
export async function fullLog(port, id) {
  const ws = await watch(port);
  ws.send({ action: 'register', id, since: 0 });
  await ws.next((m) => m.type === 'STATUS_UPDATE' && ['DEPLOYED', 'ERROR', 'CANCELED'].includes(m.status));
  ws.close();
  return ws.messages.filter((m) => m.type === 'LOG').map((m) => m.line).join('\n');
}

// A WebSocket on /ws that records every message; `next(predicate)` waits for one.
export async function watch(port) {
  const socket = new WebSocket(`ws://127.0.0.1:${port}/ws`);
  const messages = [];
  const waiters = [];
  socket.addEventListener('message', (event) => {
    const message = JSON.parse(event.data);
    messages.push(message);
    for (const waiter of [...waiters]) {
      if (waiter.predicate(message)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(message);
      }
    }
  });
  await new Promise((resolve, reject) => {
    socket.addEventListener('open', resolve);
    socket.addEventListener('error', reject);
  });
  return {
    messages,
    send: (message) => socket.send(typeof message === 'string' ? message : JSON.stringify(message)),
    next(predicate, timeoutMs = 120000) {
      const found = messages.find(predicate);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no matching message; got ${JSON.stringify(messages)}`)), timeoutMs);
        waiters.push({ predicate, resolve: (message) => { clearTimeout(timer); resolve(message); } });
      });
    },
    close: () => socket.close(),
  };
}
