// Access control: the API token guards changes and administration, watching stays open,
// POST /deploy is rate-limited per client, and a public address needs a token.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { deploy, makeRepo, request, startServer, tempDir, tinyApp, waitFor, watch } from './harness.mjs';

const TOKEN = 's3cret-token-for-tests';

describe('with --api-token', () => {
  let server;
  before(async () => { server = await startServer({ args: ['--api-token', TOKEN] }); });
  after(async () => { await server.stop(); });

  const post = (path, body, headers = {}) => request(server.port, {
    method: 'POST', path, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body),
  });

  test('a change without the token, or with a wrong one, gets 401', async () => {
    const missing = await post('/deploy', { repoUrl: 'https://github.com/o/a.git' });
    assert.equal(missing.status, 401);
    assert.equal(missing.headers['www-authenticate'], 'Bearer');
    assert.match(JSON.parse(missing.body).error, /API token/);
    const wrong = await post('/deploy', { repoUrl: 'https://github.com/o/a.git' }, { authorization: 'Bearer nope' });
    assert.equal(wrong.status, 401);
    assert.match(JSON.parse(wrong.body).error, /not this server's/);
    assert.equal((await request(server.port, { path: '/admin/dead-letters' })).status, 401);
    assert.equal(JSON.parse((await request(server.port, { path: '/deployments' })).body).deployments.length, 0);
  });

  test('the right token deploys and cancels; reading and watching need none', async () => {
    const auth = { authorization: `Bearer ${TOKEN}` };
    const posted = await post('/deploy', { repoUrl: makeRepo(tinyApp()) }, auth);
    assert.equal(posted.status, 202);
    const { id } = JSON.parse(posted.body);
    const ws = await watch(server.port);
    ws.send({ action: 'register', id });
    await ws.next((m) => m.type === 'STATUS_UPDATE' && m.status === 'DEPLOYED');
    ws.close();
    assert.equal((await request(server.port, { path: `/deployments/${id}` })).status, 200);
    assert.equal((await request(server.port, { path: '/admin/dead-letters', headers: auth })).status, 200);
    assert.equal((await post(`/deployments/${id}/cancel`, {})).status, 401);
    assert.equal((await post(`/deployments/${id}/cancel`, {}, auth)).status, 409);
  });
});

test('POST /deploy is rate-limited per client with 429 and Retry-After', async () => {
  const server = await startServer({ args: ['--deploy-rate-limit', '6'] });
  try {
    const statuses = [];
    let retryAfter;
    for (let i = 0; i < 4; i++) {
      const res = await deploy(server.port, { repoUrl: 'file:///nonexistent/repo.git' });
      statuses.push(res.status);
      retryAfter ??= res.headers['retry-after'];
    }
    assert.deepEqual(statuses.slice(0, 2), [202, 202]);
    assert.ok(statuses.includes(429), statuses.join());
    assert.ok(Number(retryAfter) >= 1, `Retry-After: ${retryAfter}`);
  } finally {
    await server.stop();
  }
});

test('without a token, Reactor refuses a non-loopback address unless told', () => {
  const bin = process.env.REACTOR_BIN;
  const refused = spawnSync(bin, ['serve', '--listen', '0.0.0.0:0', '--data-dir', tempDir('reactor-public-')], { timeout: 10000 });
  assert.equal(refused.status, 1);
  assert.match(refused.stderr.toString(), /--api-token/);
});
