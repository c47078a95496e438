// Projects against the real binary: stable hostnames that follow the production branch,
// branch aliases, promote and rollback (instant, and sticky), and the errors a user gets.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { makeRepo, request, siteApp, startServer, waitFor } from './harness.mjs';

let server;
let repoUrl;
let repoDir;
let firstId; // the first production deployment
let secondId;

const json = (method, path, body) => request(server.port, {
  method, path, headers: { 'content-type': 'application/json' },
  body: body === undefined ? undefined : JSON.stringify(body),
}).then((res) => ({ ...res, json: res.body ? JSON.parse(res.body) : null }));
const host = (label, path = '/') => request(server.port, { host: `${label}.localhost:${server.port}`, path });

// Commits a new index.html saying `text` on `branch` (created from main when new).
function commit(text, branch = 'main') {
  const git = (...args) => execFileSync('git', args, { cwd: repoDir, stdio: 'pipe' });
  git('checkout', '-q', '-B', branch);
  writeFileSync(join(repoDir, 'build.js'), siteApp({ 'index.html': `<h1>${text}</h1>` })['build.js']);
  git('-c', 'user.name=Test', '-c', 'user.email=test@example.com', 'commit', '-q', '-am', text);
  git('checkout', '-q', 'main');
}

async function deployProject(ref) {
  const res = await json('POST', '/projects/shop/deployments', ref === undefined ? {} : { ref });
  assert.equal(res.status, 202, res.body);
  const deployment = await waitFor(server.port, res.json.id);
  assert.equal(deployment.status, 'DEPLOYED', JSON.stringify(deployment));
  return deployment;
}

before(async () => {
  server = await startServer();
  repoUrl = makeRepo(siteApp({ 'index.html': '<h1>v1</h1>' }));
  repoDir = repoUrl.slice('file://'.length);
});
after(async () => { await server.stop(); });

test('a project name is a DNS label: bad names get 422 with the rule, taken ones 409', async () => {
  for (const name of ['Shop', 'my--shop', 'www', 'abcde12345', '-shop']) {
    const res = await json('POST', '/projects', { name, repoUrl });
    assert.equal(res.status, 422, `${name}: ${res.body}`);
  }
  assert.match((await json('POST', '/projects', { name: 'Shop', repoUrl })).json.error, /lowercase letters, digits and single hyphens/);
  const unknown = await json('POST', '/projects', { name: 'shop', repoUrl, buildCmd: 'x' });
  assert.equal(unknown.status, 400);
  assert.match(unknown.json.error, /unknown field 'buildCmd'/);
  const created = await json('POST', '/projects', { name: 'shop', repoUrl, productionBranch: 'main' });
  assert.equal(created.status, 201, created.body);
  assert.equal(created.json.url, `http://shop.localhost:${server.port}`);
  assert.equal(created.json.productionDeploymentId, null);
  assert.equal((await json('POST', '/projects', { name: 'shop', repoUrl })).status, 409);
  assert.equal((await json('GET', '/projects/nope')).status, 404);
  assert.equal((await host('shop')).status, 404);
});

test('production follows the production branch; a branch gets its own noindex hostname', async () => {
  const first = await deployProject();
  assert.equal(first.project, 'shop');
  assert.equal(first.branch, 'main');
  let page = await host('shop');
  assert.equal(page.status, 200);
  assert.match(page.body, /v1/);
  assert.equal(page.headers['x-robots-tag'], undefined);

  commit('v2');
  const second = await deployProject();
  assert.match((await host('shop')).body, /v2/);
  assert.equal((await json('GET', '/projects/shop')).json.productionDeploymentId, second.id);

  commit('preview', 'feature/x');
  await deployProject('feature/x');
  const label = `shop--feature-x-${createHash('sha256').update('feature/x').digest('hex').slice(0, 6)}`;
  page = await host(label);
  assert.equal(page.status, 200);
  assert.match(page.body, /preview/);
  assert.equal(page.headers['x-robots-tag'], 'noindex');
  assert.match((await host('shop')).body, /v2/, 'a branch build never moves production');
  const branches = await json('GET', '/projects/shop/deployments?branch=feature/x');
  assert.equal(branches.json.deployments.length, 1);

  // An alias's target cannot be deleted from under it.
  const refused = await json('DELETE', `/deployments/${second.id}`);
  assert.equal(refused.status, 409);
  assert.match(refused.json.error, /promote another deployment first/);
  firstId = first.id;
  secondId = second.id;
});

test('rollback is instant and sticks until a promote', async () => {
  const rolled = await json('POST', '/projects/shop/rollback');
  assert.equal(rolled.status, 200, rolled.body);
  assert.equal(rolled.json.productionDeploymentId, firstId);
  assert.equal(rolled.json.autoPromote, false);
  assert.match((await host('shop')).body, /v1/);

  commit('v3');
  const third = await deployProject();
  assert.match((await host('shop')).body, /v1/, 'rolled back: a new build does not take production');
  assert.match((await host('shop--main')).body, /v3/);

  assert.equal((await json('POST', '/projects/shop/promote', {})).status, 400);
  assert.equal((await json('POST', '/projects/shop/promote', { deploymentId: 'zzzzzzzzzz' })).status, 404);
  const promoted = await json('POST', '/projects/shop/promote', { deploymentId: third.id });
  assert.equal(promoted.status, 200, promoted.body);
  assert.equal(promoted.json.autoPromote, true);
  assert.match((await host('shop')).body, /v3/);
});

test('a deployment of no project cannot be promoted, and deleting the project frees its hostnames', async () => {
  const other = await json('POST', '/deploy', { repoUrl });
  await waitFor(server.port, other.json.id);
  const refused = await json('POST', '/projects/shop/promote', { deploymentId: other.json.id });
  assert.equal(refused.status, 422);
  assert.match(refused.json.error, /not a deployment of project shop/);

  const deleted = await json('DELETE', '/projects/shop');
  assert.equal(deleted.status, 200, deleted.body);
  assert.equal((await host('shop')).status, 404);
  assert.equal((await json('GET', '/projects')).json.projects.length, 0);
  assert.equal((await request(server.port, { host: `${secondId}.localhost:${server.port}` })).status, 200,
    'its deployments stay at their own hostnames');
});

test('a project without productionBranch deploys the remote default branch to production', async () => {
  const trunkUrl = makeRepo(siteApp({ 'index.html': '<h1>trunk</h1>' }));
  execFileSync('git', ['branch', '-m', 'main', 'trunk'], { cwd: trunkUrl.slice('file://'.length) });
  const created = await json('POST', '/projects', { name: 'docs', repoUrl: trunkUrl });
  assert.equal(created.status, 201, created.body);
  assert.equal(created.json.productionBranch, 'trunk');
  const res = await json('POST', '/projects/docs/deployments', { ref: 'trunk' });
  assert.equal(res.status, 202, res.body);
  assert.equal((await waitFor(server.port, res.json.id)).status, 'DEPLOYED');
  assert.match((await host('docs')).body, /trunk/, 'naming the default branch deploys production');

  const missing = await json('POST', '/projects', { name: 'gone', repoUrl: `${trunkUrl}-missing` });
  assert.equal(missing.status, 422, missing.body);
  assert.match(missing.json.error, /Cannot read the default branch .*productionBranch/);
});
