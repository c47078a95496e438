// Deploy hooks against the real binary with an API token: a secret URL builds its branch
// when anything calls it (no token, no JSON, any Origin), its token is shown once and
// never listed, and a removed hook's URL stops working. Made and removed through the CLI.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { callApi, makeRepo, request, runCli, siteApp, startServer, waitFor } from './harness.mjs';

const TOKEN = 'deploy-hooks-test-token';

let server;

const api = (...args) => callApi(server.port, TOKEN, ...args);

const cli = (...args) => runCli(server.port, TOKEN, ...args);

before(async () => {
  server = await startServer({ args: ['--api-token', TOKEN] });
  const repoUrl = makeRepo(siteApp({ 'index.html': '<h1>main</h1>' }));
  const dir = repoUrl.slice('file://'.length);
  const git = (...args) => execFileSync('git', args, { cwd: dir, stdio: 'pipe' });
  git('checkout', '-q', '-b', 'next');
  writeFileSync(join(dir, 'build.js'), siteApp({ 'index.html': '<h1>next</h1>' })['build.js']);
  git('-c', 'user.name=Test', '-c', 'user.email=test@example.com', 'commit', '-q', '-am', 'next');
  git('checkout', '-q', 'main');
  const created = await api('POST', '/projects', { name: 'hooked', repoUrl, productionBranch: 'main' });
  assert.equal(created.status, 201, created.body);
});
after(async () => { await server.stop(); });

test('a hook builds its branch for any caller that has its URL, and only that', async () => {
  const made = cli('deploy-hook', 'create', 'hooked', 'cms-publish');
  assert.equal(made.code, 0, made.stderr);
  const path = made.stdout.match(/POST http:\/\/127\.0\.0\.1:\d+(\/deploy-hooks\/[0-9a-f]{64})/)[1];
  assert.match(made.stdout, /builds main/);
  assert.match(made.stdout, /shown only now/);

  // A CMS's button: no token, no JSON, a foreign Origin.
  const called = await request(server.port, {
    method: 'POST', path, headers: { origin: 'https://cms.example.com', 'content-type': 'text/plain' }, body: 'published',
  });
  assert.equal(called.status, 202, called.body);
  const deployment = await waitFor(server.port, JSON.parse(called.body).id);
  assert.equal(deployment.status, 'DEPLOYED', JSON.stringify(deployment));
  assert.equal(deployment.project, 'hooked');
  assert.equal(deployment.branch, 'main');
  assert.match((await request(server.port, { host: `hooked.localhost:${server.port}` })).body, /main/);

  assert.equal((await request(server.port, { method: 'POST', path: `/deploy-hooks/${'0'.repeat(64)}` })).status, 404);
  assert.equal((await request(server.port, { method: 'POST', path: '/deploy-hooks/short' })).status, 404);
  assert.equal((await request(server.port, { path })).status, 405);
});

test('a hook for another branch, listed without its token, then removed', async () => {
  const made = await api('POST', '/projects/hooked/deploy-hooks', { name: 'nightly', branch: 'next' });
  assert.equal(made.status, 201, made.body);
  assert.match(made.json.token, /^[0-9a-f]{64}$/);
  assert.equal(made.json.branch, 'next');
  const called = await request(server.port, { method: 'POST', path: made.json.path });
  assert.equal(called.status, 202, called.body);
  assert.equal((await waitFor(server.port, JSON.parse(called.body).id)).branch, 'next');
  assert.match((await request(server.port, { host: `hooked--next.localhost:${server.port}` })).body, /next/);

  const listed = await api('GET', '/projects/hooked/deploy-hooks');
  assert.deepEqual(listed.json.deployHooks.map((h) => [h.name, h.branch]), [['cms-publish', 'main'], ['nightly', 'next']]);
  assert.ok(!listed.body.includes(made.json.token), 'a token is never listed');
  const table = cli('deploy-hook', 'ls', 'hooked');
  assert.equal(table.code, 0, table.stderr);
  assert.match(table.stdout, /nightly\s+next/);

  const removed = cli('deploy-hook', 'rm', 'hooked', 'nightly');
  assert.equal(removed.code, 0, removed.stderr);
  assert.equal((await request(server.port, { method: 'POST', path: made.json.path })).status, 404);
  assert.equal(cli('deploy-hook', 'rm', 'hooked', 'nightly').code, 1);
});

test('bad hook requests get clear answers', async () => {
  assert.equal((await api('POST', '/projects/hooked/deploy-hooks', { name: 'cms-publish' })).status, 409);
  const bad = await api('POST', '/projects/hooked/deploy-hooks', { name: 'has space' });
  assert.equal(bad.status, 400);
  assert.match(bad.json.error, /letters, digits and "\._-"/);
  assert.equal((await api('POST', '/projects/hooked/deploy-hooks', { name: 'x', branch: '-rf' })).status, 400);
  assert.equal((await api('POST', '/projects/hooked/deploy-hooks', { name: 'x', cron: '* * * * *' })).status, 400);
  assert.equal((await api('POST', '/projects/nope/deploy-hooks', { name: 'x' })).status, 404);
  const unauthorized = await request(server.port, {
    method: 'POST', path: '/projects/hooked/deploy-hooks', headers: { 'content-type': 'application/json' }, body: '{"name":"x"}',
  });
  assert.equal(unauthorized.status, 401, 'making a hook needs the API token');
});
