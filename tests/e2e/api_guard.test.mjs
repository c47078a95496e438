// Issue 13: the API refuses cross-site and rebinding requests, hides build-variable values,
// and refuses repository URLs that reach this machine.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startServer, request, deploy, makeRepo, tinyApp, waitFor } from './harness.mjs';

const TOKEN = 'guard-token';

describe('a server with its defaults', () => {
  let server;
  before(async () => { server = await startServer({ args: ['--api-host', 'reactor.test'] }); });
  after(() => server.stop());

  const post = (path, { body = '{}', headers = {}, host } = {}) =>
    request(server.port, { method: 'POST', path, host, headers, body });

  test('a body that is not declared JSON gets 415 saying what to send', async () => {
    for (const type of ['text/plain', 'text/plain;charset=UTF-8', 'application/x-www-form-urlencoded', undefined]) {
      const res = await post('/deploy', {
        body: JSON.stringify({ repoUrl: makeRepo(tinyApp()) }),
        headers: type ? { 'content-type': type } : {},
      });
      assert.equal(res.status, 415, `${type}: ${res.body}`);
      assert.match(res.headers['content-type'], /application\/json/);
      assert.match(JSON.parse(res.body).error, /Content-Type: application\/json/);
    }
    const withCharset = await post('/deploy', {
      body: JSON.stringify({ repoUrl: makeRepo(tinyApp()) }),
      headers: { 'content-type': 'application/json; charset=utf-8' },
    });
    assert.equal(withCharset.status, 202, withCharset.body);
    // A text/plain cancel is refused as well; one without a body needs no type.
    const { id } = JSON.parse(withCharset.body);
    assert.equal((await post(`/deployments/${id}/cancel`, { body: 'x', headers: { 'content-type': 'text/plain' } })).status, 415);
    await waitFor(server.port, id);
    assert.equal((await request(server.port, { method: 'POST', path: `/deployments/${id}/cancel` })).status, 409);
  });

  test('a state-changing call from a foreign Origin gets 403; the own origin goes through', async () => {
    const body = JSON.stringify({ repoUrl: makeRepo(tinyApp()) });
    const json = { 'content-type': 'application/json' };
    for (const origin of ['https://evil.example', 'null', `http://abcdefghij.localhost:${server.port}`, 'http://127.0.0.1:1']) {
      const res = await post('/deploy', { body, headers: { ...json, origin } });
      assert.equal(res.status, 403, `${origin}: ${res.body}`);
      assert.match(JSON.parse(res.body).error, /Cross-site request refused/);
    }
    const own = await post('/deploy', { body, headers: { ...json, origin: `http://127.0.0.1:${server.port}` } });
    assert.equal(own.status, 202, own.body);
    // Reading stays open to any page.
    const read = await request(server.port, { path: '/deployments', headers: { origin: 'https://evil.example' } });
    assert.equal(read.status, 200);
  });

  test('a Host the API does not answer for gets 421; loopback names, --api-host and sites work', async () => {
    for (const host of ['evil.example', `evil.example:${server.port}`, `127.0.0.2:${server.port}`]) {
      const res = await request(server.port, { path: '/deployments', host });
      assert.equal(res.status, 421, `${host}: ${res.body}`);
      assert.match(JSON.parse(res.body).error, /does not answer for the host .*--api-host/);
      const change = await post('/deploy', { host, headers: { 'content-type': 'application/json' } });
      assert.equal(change.status, 421);
    }
    for (const host of [`localhost:${server.port}`, `127.0.0.1:${server.port}`, `[::1]:${server.port}`, 'reactor.test', 'REACTOR.test:80']) {
      assert.equal((await request(server.port, { path: '/deployments', host })).status, 200, host);
    }
    // Health checks come by any address; sites are the edge's.
    assert.equal((await request(server.port, { path: '/healthz', host: '10.1.2.3:3000' })).status, 200);
    const site = await request(server.port, { host: `zzzzzzzzzz.localhost:${server.port}` });
    assert.equal(site.status, 404);
    assert.match(site.body, /No deployment here/);
  });
});

describe('build variables', () => {
  let server;
  before(async () => { server = await startServer({ args: ['--api-token', TOKEN] }); });
  after(() => server.stop());

  test('GET /deployments and /deployments/<id> show their names, never their values, with or without the token', async () => {
    const res = await request(server.port, {
      method: 'POST', path: '/deploy',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ repoUrl: makeRepo(tinyApp()), env: { VITE_SECRET: 'hunter2-value', B_NAME: 'other-value' } }),
    });
    assert.equal(res.status, 202, res.body);
    const { id } = JSON.parse(res.body);
    await waitFor(server.port, id);
    for (const headers of [{}, { authorization: `Bearer ${TOKEN}` }]) {
      for (const path of [`/deployments/${id}`, '/deployments']) {
        const got = await request(server.port, { path, headers });
        assert.equal(got.status, 200);
        assert.ok(!got.body.includes('hunter2-value') && !got.body.includes('other-value'), got.body);
        const json = JSON.parse(got.body);
        const deployment = json.deployments ? json.deployments.find((d) => d.id === id) : json;
        assert.deepEqual(deployment.settings.env, ['B_NAME', 'VITE_SECRET']);
      }
    }
  });
});

test('a repository URL that spells loopback in hex is refused with 400 (no --allow-local-repos)', async () => {
  const listener = net.createServer((socket) => socket.destroy());
  await new Promise((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const { port } = listener.address();
  let connections = 0;
  listener.on('connection', () => connections++);
  const server = await startServer({ allowLocal: false });
  try {
    for (const repoUrl of [
      `http://0x7f000001:${port}/x.git`,
      `http://2130706433:${port}/x.git`,
      `http://0x7f.1:${port}/x.git`,
      `http://[::ffff:127.0.0.1]:${port}/x.git`,
      `http://10.0.0.1:${port}/x.git`,
      `http://169.254.169.254/latest/meta-data`,
    ]) {
      const res = await deploy(server.port, { repoUrl });
      assert.equal(res.status, 400, `${repoUrl}: ${res.body}`);
      assert.match(res.json.error, /not a public address|this machine/);
    }
    assert.equal(connections, 0);
  } finally {
    await server.stop();
    listener.close();
  }
});
