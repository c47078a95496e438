// Skew protection, protected deployments and PATCH /projects/<name> against the real
// binary: a page's old chunk still loads after a new release (X-Reactor-Skew), a missing
// chunk is a 404; a password and a bypass token on alias and <id> hostnames. The app is
// static files copied by a shell command: no npm, so each build takes a moment.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { makeRepo, request, startServer, tempDir, waitFor } from './harness.mjs';

const BIN = process.env.REACTOR_BIN ?? new URL('../../build/reactor', import.meta.url).pathname;

let server;
let repoDir;
let first; // production's first deployment (chunk app-v1.js)
let second; // the release after it (chunk app-v2.js)

const json = (method, path, body, headers = {}, port = server.port) => request(port, {
  method, path, headers: { 'content-type': 'application/json', ...headers },
  body: body === undefined ? undefined : JSON.stringify(body),
}).then((res) => ({ ...res, json: res.body ? JSON.parse(res.body) : null }));
const host = (label, path = '/', headers = {}) =>
  request(server.port, { host: `${label}.localhost:${server.port}`, path, headers });
const basic = (password) => ({ authorization: `Basic ${Buffer.from(`me:${password}`).toString('base64')}` });

// The site in release `version`: an index page that loads its chunk.
function release(version) {
  return {
    'site/index.html': `<!doctype html><title>v${version}</title><script src="/assets/app-v${version}.js"></script>`,
    [`site/assets/app-v${version}.js`]: `console.log("v${version}");`,
  };
}

async function deployProduction() {
  const queued = await json('POST', '/projects/shop/deployments', {});
  assert.equal(queued.status, 202, queued.body);
  const deployment = await waitFor(server.port, queued.json.id);
  assert.equal(deployment.status, 'DEPLOYED', JSON.stringify(deployment));
  return deployment.id;
}

before(async () => {
  server = await startServer();
  const repoUrl = makeRepo(release(1));
  repoDir = repoUrl.slice('file://'.length);
  const created = await json('POST', '/projects', {
    name: 'shop', repoUrl, productionBranch: 'main',
    buildCommand: 'mkdir -p dist && cp -R site/. dist/', outputDir: 'dist',
  });
  assert.equal(created.status, 201, created.body);
  assert.equal(created.json.protection, 'off');
  assert.equal(created.json.skewWindowDays, 7);
  assert.equal(created.json.skewMaxDeployments, 5);
  first = await deployProduction();
  // Release 2 replaces the chunk, as a bundler's new hash does.
  rmSync(join(repoDir, 'site/assets/app-v1.js'));
  for (const [path, content] of Object.entries(release(2))) writeFileSync(join(repoDir, path), content);
  const git = (...args) => execFileSync('git', args, { cwd: repoDir, stdio: 'pipe' });
  git('add', '-A');
  git('-c', 'user.name=Test', '-c', 'user.email=test@example.com', 'commit', '-q', '-m', 'v2');
  second = await deployProduction();
});
after(async () => { await server?.stop(); });

test("a page's old chunk still loads from the release it came with; a missing chunk is a 404", async () => {
  assert.match((await host('shop')).body, /<title>v2<\/title>/);
  const current = await host('shop', '/assets/app-v2.js');
  assert.equal(current.status, 200);
  assert.equal(current.headers['x-reactor-skew'], undefined);

  for (const label of ['shop', 'shop--main']) {
    const old = await host(label, '/assets/app-v1.js');
    assert.equal(old.status, 200, `${label}: ${old.body}`);
    assert.equal(old.body, 'console.log("v1");');
    assert.equal(old.headers['x-reactor-skew'], first);
    assert.match(old.headers['content-type'], /javascript/);
    assert.ok(old.headers.etag, 'its own headers come with it');
    const revalidated = await host(label, '/assets/app-v1.js', { 'if-none-match': old.headers.etag });
    assert.equal(revalidated.status, 304);
  }

  const missing = await host('shop', '/assets/app-v0.js');
  assert.equal(missing.status, 404);
  assert.doesNotMatch(missing.headers['content-type'], /html/, 'a missing chunk is never index.html');
  // An <id> hostname serves its own deployment only; navigations still get the SPA page.
  assert.equal((await host(second, '/assets/app-v1.js')).status, 404);
  const route = await host('shop', '/orders/42');
  assert.equal(route.status, 200);
  assert.match(route.body, /<title>v2<\/title>/);
});

test('the skew settings reach the edge through the change feed', async () => {
  const off = await json('PATCH', '/projects/shop', { skewMaxDeployments: 0 });
  assert.equal(off.status, 200, off.body);
  assert.equal(off.json.skewMaxDeployments, 0);
  assert.equal((await host('shop', '/assets/app-v1.js')).status, 404);
  assert.equal((await json('PATCH', '/projects/shop', { skewMaxDeployments: 5 })).status, 200);
  assert.equal((await host('shop', '/assets/app-v1.js')).status, 200);
});

test('PATCH checks every field and says what to fix', async () => {
  const unknown = await json('PATCH', '/projects/shop', { buildCmd: 'x' });
  assert.equal(unknown.status, 400);
  assert.match(unknown.json.error, /unknown field 'buildCmd'/);
  const range = await json('PATCH', '/projects/shop', { skewWindowDays: 1000 });
  assert.equal(range.status, 422);
  assert.match(range.json.error, /skewWindowDays must be from 0 \(off\) to 90/);
  const noPassword = await json('PATCH', '/projects/shop', { protection: 'previews' });
  assert.equal(noPassword.status, 422);
  assert.match(noPassword.json.error, /needs a password/);
  assert.equal((await json('PATCH', '/projects/shop', { protection: 'sometimes', password: 'long enough' })).status, 422);
  assert.equal((await json('PATCH', '/projects/shop', { name: 'other' })).status, 400);
  assert.equal((await json('PATCH', '/projects/nope', { autoPromote: true })).status, 404);

  const settings = await json('PATCH', '/projects/shop', { buildCommand: 'mkdir -p dist && cp -R site/. dist/ && true' });
  assert.equal(settings.status, 200, settings.body);
  assert.equal(settings.json.settings.buildCommand, 'mkdir -p dist && cp -R site/. dist/ && true');
  assert.equal(settings.json.settings.outputDir, 'dist', 'fields not sent stay');
});

test('protection asks for the password on protected hostnames, the <id> ones included, before any skew lookup', async () => {
  const set = await json('PATCH', '/projects/shop', { protection: 'previews', password: 'correct horse', newBypassToken: true });
  assert.equal(set.status, 200, set.body);
  assert.equal(set.json.protection, 'previews');
  assert.equal(set.json.passwordSet, true);
  const token = set.json.bypassToken;
  assert.match(token, /^[0-9a-f]{64}$/);
  const shown = (await json('GET', '/projects/shop')).body;
  assert.ok(!shown.includes(token) && !shown.includes('pbkdf2') && !shown.includes('correct horse'),
    'neither the token nor the password, nor their hashes, are shown again');

  assert.equal((await host('shop')).status, 200, 'previews leaves production open');
  for (const label of ['shop--main', first, second]) {
    const refused = await host(label);
    assert.equal(refused.status, 401, label);
    assert.equal(refused.headers['www-authenticate'], 'Basic realm="shop"');
    assert.equal(refused.headers['cache-control'], 'no-store');
    assert.doesNotMatch(refused.body, /<title>/);
    assert.equal((await host(label, '/', basic('wrong horse'))).status, 401);
    assert.equal((await host(label, '/', basic('correct horse'))).status, 200, label);
    assert.equal((await host(label, '/', { 'x-reactor-bypass': token })).status, 200, label);
    assert.equal((await host(label, '/', { 'x-reactor-bypass': 'f'.repeat(64) })).status, 401);
  }

  const all = await json('PATCH', '/projects/shop', { protection: 'all' });
  assert.equal(all.status, 200, all.body);
  assert.equal((await host('shop', '/assets/app-v1.js')).status, 401, 'before the skew lookup');
  const skewed = await host('shop', '/assets/app-v1.js', basic('correct horse'));
  assert.equal(skewed.status, 200);
  assert.equal(skewed.headers['x-reactor-skew'], first);

  // A new token replaces the old one.
  const rotated = await json('PATCH', '/projects/shop', { newBypassToken: true });
  assert.notEqual(rotated.json.bypassToken, token);
  assert.equal((await host('shop', '/', { 'x-reactor-bypass': token })).status, 401);
  assert.equal((await host('shop', '/', { 'x-reactor-bypass': rotated.json.bypassToken })).status, 200);
});

test('reactor project set changes the settings; with an API token, PATCH needs it', async () => {
  const password = join(tempDir('reactor-password-'), 'password');
  writeFileSync(password, 'another horse\n');
  const cli = (...args) => execFileSync(BIN, [...args, '--server', `http://127.0.0.1:${server.port}`], { encoding: 'utf8' });
  const said = cli('project', 'set', 'shop', '--protection', 'previews', '--password-file', password, '--skew-window-days', '3');
  assert.match(said, /Updated project shop/);
  const project = (await json('GET', '/projects/shop')).json;
  assert.equal(project.protection, 'previews');
  assert.equal(project.skewWindowDays, 3);
  assert.equal((await host('shop--main', '/', basic('another horse'))).status, 200);
  assert.equal((await host('shop--main', '/', basic('correct horse'))).status, 401);
  assert.match(cli('project', 'set', 'shop', '--protection', 'off'), /Updated project shop/);
  assert.equal((await host('shop--main')).status, 200);

  const guarded = await startServer({ args: ['--api-token', 'secret-token'] });
  try {
    const bearer = { authorization: 'Bearer secret-token' };
    const repoUrl = makeRepo(release(1));
    assert.equal((await json('POST', '/projects', { name: 'blog', repoUrl }, bearer, guarded.port)).status, 201);
    assert.equal((await json('PATCH', '/projects/blog', { autoPromote: false }, {}, guarded.port)).status, 401);
    const patched = await json('PATCH', '/projects/blog', { autoPromote: false }, bearer, guarded.port);
    assert.equal(patched.status, 200, patched.body);
    assert.equal(patched.json.autoPromote, false);
  } finally {
    await guarded.stop();
  }
});
