// Project environment variables against the real binary: sealed at rest with the secrets
// key made on first start, given to builds by scope with REACTOR_*, never shown again
// (API answers, build logs), and the 400s a user gets. Under scripts/with-postgres.sh it
// runs on PostgreSQL (REACTOR_TEST_POSTGRES_URL), else on SQLite.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { POSTGRES_URL, fullLog, makeRepo, request, startServer, tempDir, waitFor } from './harness.mjs';

const k_production_value = 'production-secret-41xq';
const k_preview_value = 'preview-secret-93kz';
const k_postgres = POSTGRES_URL;

let server;
let repoDir;
const answers = []; // every API answer body, searched for the values at the end

const json = async (method, path, body) => {
  const res = await request(server.port, {
    method, path, headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  answers.push(res.body);
  return { ...res, json: res.body ? JSON.parse(res.body) : null };
};
const site = (label, path = '/') => request(server.port, { host: `${label}.localhost:${server.port}`, path });

// A build that writes what it was given into env.json and prints one secret.
const app = {
  'package.json': JSON.stringify({ name: 'env-app', scripts: { build: 'node build.js' } }),
  'build.js': `const fs = require('fs');
const names = ['MY_VAR', 'PREVIEW_VAR', 'REACTOR_ENV', 'REACTOR_URL', 'REACTOR_BRANCH_URL', 'REACTOR_GIT_BRANCH', 'REACTOR_GIT_COMMIT_SHA'];
const seen = Object.fromEntries(names.map((name) => [name, process.env[name] ?? null]));
console.log('printing the secret: ' + process.env.MY_VAR + ' / ' + process.env.PREVIEW_VAR);
fs.mkdirSync('dist', { recursive: true });
fs.writeFileSync('dist/env.json', JSON.stringify(seen));
fs.writeFileSync('dist/index.html', '<h1>env</h1>');
`,
};

async function deploy(ref) {
  const res = await json('POST', '/projects/envapp/deployments', { ref });
  assert.equal(res.status, 202, res.body);
  const deployment = await waitFor(server.port, res.json.id);
  assert.equal(deployment.status, 'DEPLOYED', JSON.stringify(deployment));
  const env = JSON.parse((await site(deployment.id, '/env.json')).body);
  return { deployment, env };
}

before(async () => {
  server = await startServer();
  const repoUrl = makeRepo(app);
  repoDir = repoUrl.slice('file://'.length);
  const created = await json('POST', '/projects', { name: 'envapp', repoUrl, productionBranch: 'main' });
  assert.equal(created.status, 201, created.body);
});
after(async () => { await server.stop(); });

test('the secrets key is made on first start in the data directory, for its owner only', () => {
  const key = join(server.dataDir, 'secrets.key');
  assert.ok(existsSync(key));
  const stat = statSync(key);
  assert.equal(stat.size, 32);
  assert.equal(stat.mode & 0o777, 0o600);
});

test('a secrets key others may read, or of the wrong size, stops the start', async () => {
  for (const [content, mode, message] of [[Buffer.alloc(32, 1), 0o644, /chmod 600/], [Buffer.alloc(16, 1), 0o600, /is not 32 bytes/]]) {
    const dataDir = tempDir('reactor-key-');
    const key = join(dataDir, 'operator.key');
    writeFileSync(key, content, { mode });
    chmodSync(key, mode);
    const refused = startServer({ dataDir, args: ['--secrets-key-file', key] });
    await assert.rejects(refused, message);
  }
});

test('bad names, values, scopes and fields get 400 saying what to fix; unknown ones 404', async () => {
  const put = (name, body, project = 'envapp') => json('PUT', `/projects/${project}/env/${name}`, body);
  const cases = [
    ['1BAD', { value: 'x' }, /not a variable name/],
    ['MY-VAR', { value: 'x' }, /\^\[A-Za-z_\]\[A-Za-z0-9_\]\*\$/],
    ['REACTOR_ENV', { value: 'x' }, /reserved/],
    ['PATH', { value: 'x' }, /sandbox/],
    ['MY_VAR', { value: 'x'.repeat(64 * 1024 + 1) }, /64 KiB/],
    ['MY_VAR', { value: 'x', scopes: ['staging'] }, /"staging" is not a scope/],
    ['MY_VAR', { value: 'x', scopes: [] }, /scopes must be a list/],
    ['MY_VAR', { value: 'x', scope: ['preview'] }, /unknown field 'scope'/],
    ['MY_VAR', { value: 7 }, /value must be a string/],
  ];
  for (const [name, body, message] of cases) {
    const res = await put(name, body);
    assert.equal(res.status, 400, `${name} ${JSON.stringify(body).slice(0, 60)}: ${res.body}`);
    assert.match(res.json.error, message);
  }
  assert.equal((await put('MY_VAR', { value: 'x' }, 'nope')).status, 404);
  assert.equal((await json('GET', '/projects/nope/env')).status, 404);
  assert.equal((await json('DELETE', '/projects/envapp/env/ABSENT')).status, 404);
  assert.equal((await json('GET', '/projects/envapp/env')).json.env.length, 0, 'nothing was stored');
});

test('a variable is set, replaced and listed by name and scopes, never by value', async () => {
  const created = await json('PUT', '/projects/envapp/env/MY_VAR', { value: 'first-value-xyz' });
  assert.equal(created.status, 201, created.body);
  assert.deepEqual(Object.keys(created.json).sort(), ['name', 'scopes', 'updatedAt']);
  assert.deepEqual(created.json.scopes, ['production', 'preview']);
  const replaced = await json('PUT', '/projects/envapp/env/MY_VAR', { value: k_production_value, scopes: ['production'] });
  assert.equal(replaced.status, 200, replaced.body);
  assert.deepEqual(replaced.json.scopes, ['production']);
  const preview = await json('PUT', '/projects/envapp/env/PREVIEW_VAR', { value: k_preview_value, scopes: ['preview'] });
  assert.equal(preview.status, 201, preview.body);
  const largest = await json('PUT', '/projects/envapp/env/GOES_AWAY', { value: 'x'.repeat(64 * 1024) });
  assert.equal(largest.status, 201, 'a value of 64 KiB fits in a request');
  const removable = await json('PUT', '/projects/envapp/env/GOES_AWAY', { value: 'soon gone' });
  assert.equal(removable.status, 200);
  const removed = await json('DELETE', '/projects/envapp/env/GOES_AWAY');
  assert.equal(removed.status, 204);
  assert.equal(removed.body, '');

  const listed = await json('GET', '/projects/envapp/env');
  assert.deepEqual(listed.json.env.map((v) => [v.name, v.scopes]), [['MY_VAR', ['production']], ['PREVIEW_VAR', ['preview']]]);
  const project = await json('GET', '/projects/envapp');
  assert.deepEqual(project.json.env.map((v) => v.name), ['MY_VAR', 'PREVIEW_VAR']);
  await json('GET', '/projects');
});

test('a production build gets the production variables and REACTOR_*; the log masks them', async () => {
  const { deployment, env } = await deploy('main');
  assert.equal(env.MY_VAR, k_production_value);
  assert.equal(env.PREVIEW_VAR, null);
  assert.equal(env.REACTOR_ENV, 'production');
  assert.equal(env.REACTOR_GIT_BRANCH, 'main');
  assert.equal(env.REACTOR_GIT_COMMIT_SHA, deployment.commit);
  assert.equal(env.REACTOR_URL, deployment.url);
  assert.equal(env.REACTOR_BRANCH_URL, `http://envapp--main.localhost:${server.port}`);
  assert.deepEqual(deployment.build.env, ['MY_VAR']);
  assert.match((await site('envapp', '/env.json')).body, new RegExp(k_production_value));

  const log = await fullLog(server.port, deployment.id);
  assert.match(log, /printing the secret: \*\*\* \/ undefined/);
  assert.match(log, /Environment production, project variables MY_VAR/);
  assert.doesNotMatch(log, new RegExp(k_production_value));
  answers.push((await request(server.port, { path: `/deployments/${deployment.id}/logs` })).body);
  await json('GET', `/deployments/${deployment.id}`);
  await json('GET', '/deployments');
  await json('GET', '/projects/envapp/deployments');
});

test('a preview branch gets the preview variables', async () => {
  const git = (...args) => execFileSync('git', args, { cwd: repoDir, stdio: 'pipe' });
  git('checkout', '-q', '-b', 'feature/env');
  git('-c', 'user.name=Test', '-c', 'user.email=test@example.com', 'commit', '-q', '--allow-empty', '-m', 'preview');
  git('checkout', '-q', 'main');
  const { deployment, env } = await deploy('feature/env');
  assert.equal(env.MY_VAR, null);
  assert.equal(env.PREVIEW_VAR, k_preview_value);
  assert.equal(env.REACTOR_ENV, 'preview');
  assert.equal(env.REACTOR_GIT_BRANCH, 'feature/env');
  const log = await fullLog(server.port, deployment.id);
  assert.match(log, /printing the secret: undefined \/ \*\*\*/);
  assert.doesNotMatch(log, new RegExp(k_preview_value));
  await json('GET', `/deployments/${deployment.id}`);
});

test('a deployment of no project is a preview with REACTOR_* and no project variables', async () => {
  const res = await json('POST', '/deploy', { repoUrl: `file://${repoDir}` });
  assert.equal(res.status, 202, res.body);
  const deployment = await waitFor(server.port, res.json.id);
  assert.equal(deployment.status, 'DEPLOYED', JSON.stringify(deployment));
  const env = JSON.parse((await site(deployment.id, '/env.json')).body);
  assert.equal(env.REACTOR_ENV, 'preview');
  assert.equal(env.MY_VAR, null);
  assert.equal(env.REACTOR_BRANCH_URL, null);
  assert.equal(env.REACTOR_URL, deployment.url);
});

test('values appear in no API answer and are not stored in plain text', () => {
  const tables = k_postgres ? execFileSync('pg_dump', ['--data-only', k_postgres]).toString() : '';
  assert.equal(k_postgres ? tables.includes('MY_VAR') : true, true, 'the dump holds the tables');
  assert.ok(!tables.includes(k_production_value) && !tables.includes(k_preview_value));
  for (const body of answers) {
    assert.ok(!body.includes(k_production_value), body.slice(0, 200));
    assert.ok(!body.includes(k_preview_value), body.slice(0, 200));
  }
  for (const file of ['reactor.db', 'reactor.db-wal']) {
    const path = join(server.dataDir, file);
    if (!existsSync(path)) continue;
    const bytes = readFileSync(path);
    assert.equal(bytes.indexOf(k_production_value), -1, `${file} holds the value in plain text`);
    assert.equal(bytes.indexOf(k_preview_value), -1, `${file} holds the value in plain text`);
  }
});
