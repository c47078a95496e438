// A project's live feed against the real binary: /ws registered by project and the SSE
// stream /projects/<name>/events carry its deployments' status changes and its aliases'
// moves, and nothing of other deployments.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, test } from 'node:test';
import { deploy, makeRepo, request, siteApp, startServer, until, waitFor, watch } from './harness.mjs';

let server;

const json = (method, path, body) => request(server.port, {
  method, path, headers: { 'content-type': 'application/json' },
  body: body === undefined ? undefined : JSON.stringify(body),
}).then((res) => ({ ...res, json: res.body ? JSON.parse(res.body) : null }));

// Follows an SSE stream that never ends by itself; `events` fills as they arrive.
function follow(path, headers = {}) {
  const events = [];
  let status = 0;
  const req = http.get({ host: '127.0.0.1', port: server.port, path, headers }, (res) => {
    status = res.statusCode;
    let buffer = '';
    res.setEncoding('utf8');
    res.on('data', (chunk) => {
      buffer += chunk;
      for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = block.match(/^data: (.*)$/m);
        if (data) events.push({ id: Number(block.match(/^id: (\d+)$/m)[1]), data: JSON.parse(data[1]) });
      }
    });
  });
  req.on('error', () => {});
  return { events, status: () => status, close: () => req.destroy() };
}

before(async () => { server = await startServer(); });
after(async () => { await server.stop(); });

test("a project's watchers get its builds' statuses and alias moves, and nothing else", async () => {
  const repoUrl = makeRepo(siteApp({ 'index.html': '<h1>live</h1>' }));
  assert.equal((await json('POST', '/projects', { name: 'live', repoUrl, productionBranch: 'main' })).status, 201);

  const ws = await watch(server.port);
  ws.send({ action: 'register', project: 'live' });
  await ws.next((m) => m.type === 'SYSTEM' && m.message === 'Registered for updates on project live');
  const sse = follow('/projects/live/events');

  // A deployment outside the project, built meanwhile, is not in the project's feed.
  const loose = await deploy(server.port, { repoUrl });
  const res = await json('POST', '/projects/live/deployments', {});
  assert.equal(res.status, 202, res.body);
  const id = res.json.id;
  await waitFor(server.port, id);
  await waitFor(server.port, loose.json.id);

  const production = await ws.next((m) => m.type === 'ALIAS_UPDATE' && m.label === 'live');
  assert.equal(production.project, 'live');
  assert.equal(production.hostname, 'live.localhost');
  assert.equal(production.deploymentId, id);
  assert.ok(ws.messages.some((m) => m.type === 'STATUS_UPDATE' && m.id === id && m.status === 'DEPLOYED'));
  assert.ok(!ws.messages.some((m) => m.id === loose.json.id), 'no event of a deployment outside the project');
  assert.ok(!ws.messages.some((m) => m.type === 'LOG'), 'status changes, not build logs');

  // The deployment's JSON lists the hostnames that serve it, alone and in lists.
  const aliases = (await json('GET', `/deployments/${id}`)).json.aliases.map((a) => a.url).sort();
  assert.deepEqual(aliases, [`http://live--main.localhost:${server.port}`, `http://live.localhost:${server.port}`]);
  const listed = (await json('GET', '/projects/live/deployments')).json.deployments[0];
  assert.equal(listed.aliases.length, 2);
  assert.deepEqual((await json('GET', `/deployments/${loose.json.id}`)).json.aliases, []);

  await until('the SSE stream shows the production alias', () => sse.events.some((e) => e.data.type === 'ALIAS_UPDATE' && e.data.label === 'live'), 10000);
  assert.equal(sse.status(), 200);
  assert.ok(sse.events.some((e) => e.data.type === 'STATUS_UPDATE' && e.data.status === 'DEPLOYED'));
  assert.ok(sse.events.every((e) => e.data.id === id || e.data.deploymentId === id));
  sse.close();

  // Reconnecting with Last-Event-ID replays what followed it, in order.
  const first = sse.events[0].id;
  const resumed = follow('/projects/live/events', { 'last-event-id': String(first) });
  await until('the replay', () => resumed.events.length >= sse.events.length - 1, 10000);
  assert.deepEqual(resumed.events.map((e) => e.id), sse.events.slice(1).map((e) => e.id));
  resumed.close();

  ws.send({ action: 'unregister', project: 'live' });
  await ws.next((m) => m.type === 'SYSTEM' && m.message === 'Unregistered from project live');
  ws.close();
});

test('bad project watches get clear errors', async () => {
  const ws = await watch(server.port);
  for (const message of [{ action: 'register', project: 'Bad Name' }, { action: 'register', project: 'nosuch' },
    { action: 'register', id: 'aaaaaaaaaa', project: 'live' }]) {
    ws.send(message);
  }
  await until('three errors', () => ws.messages.filter((m) => m.type === 'ERROR').length >= 3, 5000);
  const errors = ws.messages.filter((m) => m.type === 'ERROR').map((m) => m.message);
  assert.ok(errors.some((e) => /lowercase letters, digits and single hyphens/.test(e)), errors.join(' | '));
  assert.ok(errors.some((e) => /unknown project nosuch/.test(e)), errors.join(' | '));
  assert.ok(errors.some((e) => /one of them/.test(e)), errors.join(' | '));
  ws.close();
  assert.equal((await request(server.port, { path: '/projects/nosuch/events' })).status, 404);
  assert.equal((await request(server.port, { path: '/projects/live/events?since=x' })).status, 400);
});
