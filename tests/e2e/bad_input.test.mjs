// Bad input gets a clear error, at the API (400/404/413) or as the deployment's ERROR.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { deploy, makeRepo, request, startServer, tinyApp, waitFor } from './harness.mjs';

describe('the API refuses bad requests with a message that says what to fix', () => {
  let server;
  before(async () => { server = await startServer({ allowLocal: false }); });
  after(async () => { await server.stop(); });

  const cases = [
    ['malformed JSON', '{"repoUrl": ', /not valid JSON/],
    ['a body that is not an object', '["https://example.com/a.git"]', /JSON object/],
    ['a missing repoUrl', {}, /repoUrl is missing/],
    ['a non-string repoUrl', { repoUrl: 42 }, /repoUrl must be a string/],
    ['a value that is not a URL', { repoUrl: 'not a url' }, /spaces|not a URL/],
    ['a relative path', { repoUrl: 'owner/app' }, /not a URL/],
    ['an ssh URL', { repoUrl: 'ssh://git@github.com/owner/app.git' }, /scheme 'ssh' is not supported/],
    ['an scp-style address', { repoUrl: 'git@github.com:owner/app.git' }, /not a URL|scheme/],
    ['the ext:: transport', { repoUrl: 'ext::sh -c touch% /tmp/pwned' }, /spaces|scheme 'ext'/],
    ['a file:// URL when local repositories are not allowed', { repoUrl: 'file:///etc' }, /--allow-local-repos/],
    ['a loopback host when local repositories are not allowed', { repoUrl: 'http://127.0.0.1:3000/a.git' }, /this machine/],
    ['a URL starting with -', { repoUrl: '--upload-pack=touch /tmp/x' }, /must not start with '-'/],
    ['credentials in the URL', { repoUrl: 'https://user:secret@github.com/owner/app.git' }, /credentials/],
    ['an option as ref', { repoUrl: 'https://github.com/owner/app.git', ref: '--orphan' }, /not a valid branch/],
    ['a non-string ref', { repoUrl: 'https://github.com/owner/app.git', ref: 7 }, /ref must be a string/],
  ];
  for (const [name, payload, message] of cases) {
    test(name, async () => {
      const res = await deploy(server.port, payload);
      assert.equal(res.status, 400, res.body);
      assert.match(res.json.error, message);
    });
  }

  test('a body over 96 KiB gets 413', async () => {
    const res = await request(server.port, {
      method: 'POST', path: '/deploy', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ repoUrl: 'https://github.com/owner/app.git', pad: 'x'.repeat(100 * 1024) }),
    });
    assert.equal(res.status, 413);
  });

  test('an unknown route gets a JSON 404, an unknown id a 404', async () => {
    const res = await request(server.port, { path: '/nope' });
    assert.equal(res.status, 404);
    assert.match(JSON.parse(res.body).error, /No such endpoint/);
    const missing = await request(server.port, { path: '/deployments/aaaaaaaaaa' });
    assert.equal(missing.status, 404);
    assert.match(JSON.parse(missing.body).error, /No deployment/);
  });

  test('a wrong method gets 405 with Allow', async () => {
    const res = await request(server.port, { path: '/deploy' });
    assert.equal(res.status, 405);
    assert.equal(res.headers.allow, 'POST');
  });

  test('nothing was recorded for any refused request', async () => {
    const list = JSON.parse((await request(server.port, { path: '/deployments' })).body);
    assert.deepEqual(list.deployments, []);
  });
});

describe('build failures end in ERROR with a message that tells the user what to fix', () => {
  let server;
  before(async () => { server = await startServer({ args: ['--workers', '2'] }); });
  after(async () => { await server.stop(); });

  const failing = async (payload) => {
    const posted = await deploy(server.port, payload);
    assert.equal(posted.status, 202, posted.body);
    const deployment = await waitFor(server.port, posted.json.id);
    assert.equal(deployment.status, 'ERROR', JSON.stringify(deployment));
    return deployment.error;
  };

  test('repository not found', async () => {
    assert.match(await failing({ repoUrl: 'file:///nonexistent/repo.git' }), /Repository not found/);
  });
  test('ref not found', async () => {
    assert.match(await failing({ repoUrl: makeRepo(tinyApp()), ref: 'no-such-branch' }), /no-such-branch/);
  });
  test('no package.json', async () => {
    assert.match(await failing({ repoUrl: makeRepo({ 'README.md': 'hello' }) }), /No package.json/);
  });
  test('no build script', async () => {
    const repoUrl = makeRepo({ 'package.json': JSON.stringify({ name: 'x', scripts: { test: 'true' } }) });
    assert.match(await failing({ repoUrl }), /no "build" script/);
  });
  test('install failed', async () => {
    const repoUrl = makeRepo({
      'package.json': JSON.stringify({ name: 'x', scripts: { build: 'true' }, dependencies: { 'reactor-no-such-package-xyz': '1.0.0' } }),
    });
    assert.match(await failing({ repoUrl }), /[Ii]nstall/);
  });
  test('build failed, with the last lines of output', async () => {
    const repoUrl = makeRepo({
      'package.json': JSON.stringify({ name: 'x', scripts: { build: 'node build.js' } }),
      'build.js': 'console.error("Syntax error in src/App.jsx line 3"); process.exit(1);',
    });
    const error = await failing({ repoUrl });
    assert.match(error, /[Bb]uild failed/);
    assert.match(error, /Syntax error in src\/App.jsx line 3/);
  });
  test('output directory missing', async () => {
    const repoUrl = makeRepo({ 'package.json': JSON.stringify({ name: 'x', scripts: { build: 'node -e 0' } }) });
    assert.match(await failing({ repoUrl }), /dist|build/);
  });
});
