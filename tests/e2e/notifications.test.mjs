// Outgoing notifications against the real binary and a real local receiver that checks
// every signature with the Standard Webhooks algorithm: a build's events arrive in order,
// endpoints get only the events they asked for, promotions and rollbacks are announced,
// a failed delivery is retried across a restart of both the server and the receiver, a
// 410 stops it, a slow receiver holds no other back, and destinations Reactor must not
// reach are refused. Managed through the CLI.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import http from 'node:http';
import { after, before, test } from 'node:test';
import { callApi, makeRepo, runCli, siteApp, startServer, until, waitFor } from './harness.mjs';

const TOKEN = 'notifications-test-token';

let server;
let receiver;
let receiverPort;
// What the receiver got, per path, and what it answers next (a status per path, in turn).
const received = new Map();
const answers = new Map();
const secrets = new Map();
// Paths whose requests the receiver leaves unanswered until the test answers them.
const held = new Map();

// Checks a delivery as the Standard Webhooks libraries do; returns why it is bad, or null.
function badSignature(secret, headers, body) {
  const id = headers['webhook-id'];
  const timestamp = headers['webhook-timestamp'];
  if (!/^msg_[0-9a-f]{24}$/.test(id ?? '')) return `webhook-id '${id}'`;
  if (Math.abs(Date.now() / 1000 - Number(timestamp)) > 300) return `webhook-timestamp '${timestamp}'`;
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64');
  const given = (headers['webhook-signature'] ?? '').split(' ').map((s) => s.split(',')[1]);
  return given.includes(expected) ? null : `webhook-signature '${headers['webhook-signature']}'`;
}

function startReceiver(port = 0) {
  return new Promise((resolve) => {
    const listening = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => { body += c; });
      req.on('end', () => {
        const bad = badSignature(secrets.get(req.url), req.headers, body);
        const queue = answers.get(req.url) ?? [];
        const status = bad ? 401 : (queue.shift() ?? 204);
        if (!received.has(req.url)) received.set(req.url, []);
        received.get(req.url).push({ bad, status, id: req.headers['webhook-id'], json: JSON.parse(body) });
        if (held.has(req.url)) held.get(req.url).push(() => res.writeHead(status).end());
        else res.writeHead(status).end();
      });
    }).listen(port, '127.0.0.1', () => resolve(listening));
  });
}

const cli = (...args) => runCli(server.port, TOKEN, ...args);

const api = (...args) => callApi(server.port, TOKEN, ...args);

// Adds an endpoint for `path` of the receiver through the CLI; returns its id.
function addEndpoint(path, ...flags) {
  const added = cli('notify', 'add', 'shop', `http://127.0.0.1:${receiverPort}${path}`, ...flags);
  assert.equal(added.code, 0, added.stderr);
  secrets.set(path, added.stdout.match(/^ {2}(whsec_[A-Za-z0-9+/=]+)$/m)[1]);
  return added.stdout.match(/endpoint (ep_[0-9a-f]{16})/)[1];
}

const deliveries = (path) => received.get(path) ?? [];

async function deployShop() {
  const queued = await api('POST', '/projects/shop/deployments', {});
  assert.equal(queued.status, 202, queued.body);
  const deployment = await waitFor(server.port, queued.json.id);
  assert.equal(deployment.status, 'DEPLOYED');
  return deployment.id;
}

const args = ['--api-token', TOKEN];

before(async () => {
  receiver = await startReceiver();
  receiverPort = receiver.address().port;
  server = await startServer({ args });
  const repoUrl = makeRepo(siteApp({ 'index.html': '<h1>shop</h1>' }));
  const created = await api('POST', '/projects', { name: 'shop', repoUrl, productionBranch: 'main' });
  assert.equal(created.status, 201, created.body);
});
after(async () => {
  await server.stop();
  receiver.close();
});

test('a build announces queued, building and ready, signed, to the endpoints that asked', async () => {
  addEndpoint('/all');
  addEndpoint('/errors', '--events', 'deployment.error');
  const id = await deployShop();
  await until('ready to arrive', async () => deliveries('/all').some((d) => d.json.type === 'deployment.ready'), 30000);
  const all = deliveries('/all');
  assert.deepEqual(all.map((d) => d.bad), all.map(() => null), 'every signature verifies');
  assert.deepEqual(all.map((d) => d.json.type), ['deployment.queued', 'deployment.building', 'deployment.ready']);
  assert.ok(all.every((d) => d.json.data.id === id && d.json.data.project === 'shop'));
  assert.equal(all[0].json.data.status, 'PENDING', 'each carries the status of its moment');
  assert.equal(all[2].json.data.status, 'DEPLOYED');
  assert.match(all[2].json.data.url, new RegExp(`^http://${id}\\.localhost:`));
  assert.match(all[2].json.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.equal(new Set(all.map((d) => d.id)).size, 3, 'each has its own webhook-id');
  assert.equal(deliveries('/errors').length, 0);

  const listed = cli('notify', 'ls', 'shop');
  assert.equal(listed.code, 0, listed.stderr);
  assert.match(listed.stdout, /\/errors +deployment\.error/);
  assert.match(listed.stdout, /deployment\.ready +delivered +1 +204/);
});

test('a rollback and a promotion are announced', async () => {
  const first = deliveries('/all').at(-1).json.data.id;
  await deployShop();
  const rolledBack = await api('POST', '/projects/shop/rollback', {});
  assert.equal(rolledBack.status, 200, rolledBack.body);
  await until('rolled_back', async () => deliveries('/all').some((d) => d.json.type === 'deployment.rolled_back'), 30000);
  assert.equal(deliveries('/all').find((d) => d.json.type === 'deployment.rolled_back').json.data.id, first);
  const promoted = await api('POST', '/projects/shop/promote', { deploymentId: first });
  assert.equal(promoted.status, 200, promoted.body);
  await until('promoted', async () => deliveries('/all').some((d) => d.json.type === 'deployment.promoted'), 30000);
});

test('a failed delivery is retried after 5 s, across a restart of the server and of the receiver', async () => {
  const path = '/flaky';
  const endpoint = addEndpoint(path, '--events', 'deployment.ready');
  receiver.close(); // the receiver is down for the first attempt
  await deployShop();
  const attempted = await until('the first attempt to fail', async () => {
    const listed = await api('GET', '/projects/shop/notifications');
    return listed.json.deliveries.find((d) => d.endpointId === endpoint && d.attempts === 1);
  }, 30000);
  assert.equal(attempted.state, 'pending');
  assert.equal(attempted.lastStatus, null);
  assert.match(attempted.lastError, /connect|refused/i);
  assert.ok(attempted.nextAttemptAt);

  await server.stop();
  receiver = await startReceiver(receiverPort);
  server = await startServer({ args, dataDir: server.dataDir });
  await until('the retry to arrive', async () => deliveries(path).length === 1, 30000);
  assert.equal(deliveries(path)[0].bad, null);
  assert.equal(deliveries(path)[0].id, attempted.id, 'a retry keeps its webhook-id');
  const listed = await until('the delivery to be recorded', async () => {
    const reply = await api('GET', '/projects/shop/notifications');
    const found = reply.json.deliveries.find((d) => d.id === attempted.id);
    return found?.state === 'delivered' && found;
  });
  assert.equal(listed.attempts, 2);
  assert.equal(listed.lastStatus, 204);

  const removed = cli('notify', 'rm', 'shop', endpoint);
  assert.equal(removed.code, 0, removed.stderr);
});

test('a 410 stops a delivery for good', async () => {
  const path = '/gone';
  const endpoint = addEndpoint(path, '--events', 'deployment.ready');
  answers.set(path, [410]);
  await deployShop();
  const stopped = await until('the 410 to be recorded', async () => {
    const listed = await api('GET', '/projects/shop/notifications');
    const found = listed.json.deliveries.find((d) => d.endpointId === endpoint);
    return found?.state === 'stopped' && found;
  }, 30000);
  assert.equal(stopped.lastStatus, 410);
  assert.equal(stopped.nextAttemptAt, null);
});

test('destinations Reactor must not reach and unknown events are refused', async () => {
  for (const url of ['http://10.0.0.1/in', 'http://169.254.169.254/latest', 'ftp://example.com/', 'http://user:pw@example.com/']) {
    const refused = await api('POST', '/projects/shop/notifications', { url });
    assert.equal(refused.status, 400, `${url}: ${refused.body}`);
  }
  const unknown = await api('POST', '/projects/shop/notifications', { url: 'https://example.com/in', events: ['deployment.exploded'] });
  assert.equal(unknown.status, 400);
  assert.match(unknown.json.error, /deployment\.ready/);
  const typo = await api('POST', '/projects/shop/notifications', { url: 'https://example.com/in', event: [] });
  assert.equal(typo.status, 400);
  assert.equal((await api('POST', '/projects/nope/notifications', { url: 'https://example.com/in' })).status, 404);
  assert.equal(cli('notify', 'rm', 'shop', 'ep_0000000000000000').code, 1);
});

test('a receiver that answers slowly holds no other delivery back', async () => {
  held.set('/slow', []);
  const slow = addEndpoint('/slow', '--events', 'deployment.ready');
  const fast = addEndpoint('/fast', '--events', 'deployment.ready');
  await deployShop();
  await until('the slow receiver to be asked', async () => held.get('/slow').length === 1, 30000);
  // Answered while the slow one still waits for its answer (the sender's timeout is 15 s).
  await until('the fast receiver to get it', async () => deliveries('/fast').length === 1, 10000);
  assert.equal(deliveries('/fast')[0].bad, null);
  for (const answer of held.get('/slow')) answer();
  held.delete('/slow');
  for (const endpoint of [slow, fast]) assert.equal(cli('notify', 'rm', 'shop', endpoint).code, 0);
});

