// The toolchain a build runs on (real npm registry): the Node.js a project pins, installed
// once into the shared toolchain cache; pnpm 10 for a workspace file without packages,
// kept in the shared corepack home; the build phase's confined network, and
// --build-network off; the deploy request's checked fields.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { deploy, fullLog, getDeployment, makeRepo, site, startServer, tempDir, waitFor } from './harness.mjs';

const dataDir = tempDir('reactor-data-');
let server;
before(async () => { server = await startServer({ dataDir, args: ['--workers', '2'] }); });
after(async () => { await server.stop(); });

// Deploys and waits for the end; returns {id, deployment, log, index}.
async function built(port, payload, timeoutMs = 240000) {
  const posted = await deploy(port, payload);
  assert.equal(posted.status, 202, posted.body);
  await waitFor(port, posted.json.id, { timeoutMs });
  const deployment = await getDeployment(port, posted.json.id);
  const log = await fullLog(port, posted.json.id);
  const index = deployment.status === 'DEPLOYED' ? (await site(port, posted.json.id)).body : '';
  return { id: posted.json.id, deployment, log, index };
}

// An app whose build writes what `script` (a function body returning a string or a
// promise of one) returns into dist/index.html.
function scriptApp(script, extra = {}) {
  return {
    'package.json': JSON.stringify({ name: 'probe', private: true, scripts: { build: 'node build.js' } }),
    'build.js': `
const fs = require('fs');
(async () => {
  const text = await (async () => { ${script} })();
  fs.mkdirSync('dist', { recursive: true });
  fs.writeFileSync('dist/index.html', String(text));
})();
`,
    ...extra,
  };
}

test('a Node.js pinned by .nvmrc is installed once and runs the build', { timeout: 600000 }, async () => {
  const url = makeRepo(scriptApp('return process.version;', { '.nvmrc': '18\n' }));
  const first = await built(server.port, { repoUrl: url });
  assert.equal(first.deployment.status, 'DEPLOYED', `${JSON.stringify(first.deployment)}\n${first.log}`);
  assert.match(first.index, /^v18\./);
  assert.equal(first.deployment.build.node, first.index.slice(1));
  assert.match(first.log, /Installing Node\.js 18\.\d+\.\d+ into the toolchain cache/);
  assert.match(first.log, /Node\.js 18\.\d+\.\d+ for \.nvmrc \(18\)/);
  assert.ok(existsSync(join(dataDir, 'toolchains', `node-${first.index.slice(1)}`, 'bin', 'node')));

  const second = await built(server.port, { repoUrl: url });
  assert.equal(second.index, first.index);
  assert.doesNotMatch(second.log, /Installing Node\.js/, 'never downloaded twice');
});

test('engines.node the host satisfies keeps the host Node.js; nodeVersion overrides', { timeout: 600000 }, async () => {
  const host = execFileSync('node', ['--version']).toString().trim();
  const files = scriptApp('return process.version;');
  files['package.json'] = JSON.stringify({ name: 'probe', private: true, engines: { node: '>=18' }, scripts: { build: 'node build.js' } });
  const url = makeRepo(files);
  const loose = await built(server.port, { repoUrl: url });
  assert.equal(loose.index, host, loose.log);
  assert.match(loose.log, /for package\.json \(engines\.node\) \(>=18\): the host's own/);

  const pinned = await built(server.port, { repoUrl: url, nodeVersion: '18' });
  assert.match(pinned.index, /^v18\./, pinned.log);
});

test('a version no Node.js has is the user\'s error, naming the file and the value', async () => {
  const bad = await built(server.port, { repoUrl: makeRepo(scriptApp('return 1;', { '.node-version': 'eighteen\n' })) });
  assert.equal(bad.deployment.status, 'ERROR');
  assert.match(bad.deployment.error, /\.node-version asks for Node\.js 'eighteen'/);

  const missing = await built(server.port, { repoUrl: makeRepo(scriptApp('return 1;', { '.nvmrc': '3' })) });
  assert.equal(missing.deployment.status, 'ERROR');
  assert.match(missing.deployment.error, /\.nvmrc \(3\) asks for a Node\.js that has not been published/);
});

test('pnpm 10 for a lockfile v9 whose pnpm-workspace.yaml has no packages, from the shared corepack home', { timeout: 600000 }, async () => {
  const url = makeRepo(scriptApp('return "pnpm " + process.env.npm_config_user_agent;', {
    'pnpm-lock.yaml': "lockfileVersion: '9.0'\n\nsettings:\n  autoInstallPeers: true\n  excludeLinksFromLockfile: false\n\nimporters:\n\n  .: {}\n",
    'pnpm-workspace.yaml': 'onlyBuiltDependencies:\n  - esbuild\n',
  }));
  const first = await built(server.port, { repoUrl: url });
  assert.equal(first.deployment.status, 'DEPLOYED', `${JSON.stringify(first.deployment)}\n${first.log}`);
  assert.match(first.deployment.build.packageManagerVersion, /^10\./);
  assert.match(first.index, /pnpm\/10\./);
  assert.doesNotMatch(first.log, /Setting up pnpm/, 'the install phase downloads nothing');

  const second = await built(server.port, { repoUrl: url });
  assert.equal(second.deployment.status, 'DEPLOYED', second.log);
  assert.doesNotMatch(second.log, /Installing pnpm/, 'never downloaded twice');
});

test('the packageManager field overrides the project\'s', { timeout: 600000 }, async () => {
  const files = scriptApp('return process.env.npm_config_user_agent;');
  files['package.json'] = JSON.stringify({ name: 'probe', private: true, packageManager: 'pnpm@9.15.9', scripts: { build: 'node build.js' } });
  const { deployment, index, log } = await built(server.port, { repoUrl: makeRepo(files), packageManager: 'pnpm@10' });
  assert.equal(deployment.status, 'DEPLOYED', log);
  assert.match(deployment.build.packageManagerVersion, /^10\./);
  assert.match(index, /pnpm\/10\./);
});

// What the build phase can reach: the registry, not the host's loopback (the API).
function networkProbe(port) {
  return scriptApp(`
const net = require('net');
const reach = (host, p) => new Promise((resolve) => {
  const socket = net.connect({ host, port: p, timeout: 3000 });
  socket.on('connect', () => { socket.destroy(); resolve('open'); });
  socket.on('timeout', () => { socket.destroy(); resolve('closed'); });
  socket.on('error', () => resolve('closed'));
});
let registry;
try { registry = (await fetch('https://registry.npmjs.org/left-pad', { signal: AbortSignal.timeout(15000) })).status; } catch (e) { registry = 'unreachable'; }
return JSON.stringify({ registry, loopback: await reach('127.0.0.1', ${port}), host: await reach('10.0.2.2', ${port}) });
`);
}

test('the build phase reaches the registry but not the host\'s loopback or the API', { timeout: 300000 }, async () => {
  const { deployment, index, log } = await built(server.port, { repoUrl: makeRepo(networkProbe(server.port)) });
  assert.equal(deployment.status, 'DEPLOYED', log);
  assert.deepEqual(JSON.parse(index), { registry: 200, loopback: 'closed', host: 'closed' });
  assert.match(log, /Running npm run build \(network on\)/);
});

test('--build-network off builds without a network', { timeout: 300000 }, async () => {
  const offline = await startServer({ args: ['--build-network', 'off'] });
  try {
    const { deployment, index, log } = await built(offline.port, { repoUrl: makeRepo(networkProbe(offline.port)) });
    assert.equal(deployment.status, 'DEPLOYED', log);
    assert.deepEqual(JSON.parse(index), { registry: 'unreachable', loopback: 'closed', host: 'closed' });
    assert.match(log, /Running npm run build \(network off\)/);
  } finally {
    await offline.stop();
  }
});

test('an unknown field of POST /deploy is a 400 that names it', async () => {
  const posted = await deploy(server.port, { repoUrl: makeRepo(scriptApp('return 1;')), buildCmd: 'npm run b' });
  assert.equal(posted.status, 400);
  assert.match(posted.json.error, /unknown field 'buildCmd'.*buildCommand/);
});
