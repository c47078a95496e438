// A Git URL becomes a live site: the tiny fixture through the whole pipeline, watched
// over the WebSocket protocol existing clients use.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { deploy, getDeployment, makeRepo, request, startServer, tinyApp, until, waitFor, watch } from './harness.mjs';

let server;
before(async () => { server = await startServer(); });
after(async () => { await server.stop(); });

test('a tiny app deploys, is watched PENDING → IN_PROGRESS → DEPLOYED, and is served', async () => {
  // A build that lasts a moment, so the watcher registers while it runs.
  const repoUrl = makeRepo(tinyApp({ sleepMs: 300 }));
  const posted = await deploy(server.port, { repoUrl });
  assert.equal(posted.status, 202);
  assert.match(posted.json.id, /^[a-z0-9]{10}$/);
  assert.equal(posted.json.url, `http://${posted.json.id}.localhost:${server.port}`);

  const ws = await watch(server.port);
  ws.send({ action: 'register', id: posted.json.id });
  const system = await ws.next((m) => m.type === 'SYSTEM');
  assert.match(system.message, new RegExp(posted.json.id));
  await ws.next((m) => m.type === 'STATUS_UPDATE' && m.status === 'DEPLOYED');
  ws.close();

  const statuses = ws.messages.filter((m) => m.type === 'STATUS_UPDATE').map((m) => m.status);
  const firstOf = (s) => statuses.indexOf(s);
  // A client that registers after the build started sees the current state first.
  assert.ok(['PENDING', 'IN_PROGRESS'].includes(statuses[0]), statuses.join());
  assert.ok(firstOf('IN_PROGRESS') < firstOf('DEPLOYED'), statuses.join());
  assert.equal(statuses.at(-1), 'DEPLOYED');
  const seqs = ws.messages.filter((m) => m.seq !== undefined).map((m) => m.seq);
  assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b), 'events arrive in sequence order');
  assert.ok(ws.messages.some((m) => m.type === 'LOG' && m.line.includes('built tiny app')), 'the build log is streamed');

  const deployment = await waitFor(server.port, posted.json.id);
  assert.equal(deployment.status, 'DEPLOYED');
  assert.match(deployment.commit, /^[0-9a-f]{40}$/);
  assert.equal(deployment.repoUrl, repoUrl);

  const host = `${posted.json.id}.localhost:${server.port}`;
  const index = await request(server.port, { host, path: '/' });
  assert.equal(index.status, 200);
  assert.match(index.headers['content-type'], /^text\/html/);
  assert.match(index.body, /<h1>Tiny app<\/h1>/);
  const script = await request(server.port, { host, path: '/assets/app-1a2b3c4d.js' });
  assert.equal(script.status, 200);
  assert.match(script.headers['content-type'], /^text\/javascript/);
  assert.equal(script.body, 'console.log("hello");');

  // The build's workspace (clone, node_modules) is deleted right after the outcome.
  const workspace = join(server.dataDir, 'work', 'attempt-1', posted.json.id);
  assert.ok(existsSync(join(server.dataDir, 'work', 'attempt-1')), 'workspaces live in work/attempt-<n>/');
  await until(`${workspace} to be removed`, () => !existsSync(workspace), 5000);
});

test('a client registering after the build finished still learns the outcome', async () => {
  const posted = await deploy(server.port, { repoUrl: makeRepo(tinyApp()) });
  await waitFor(server.port, posted.json.id);
  const ws = await watch(server.port);
  ws.send({ action: 'register', id: posted.json.id });
  const update = await ws.next((m) => m.type === 'STATUS_UPDATE');
  assert.equal(update.status, 'DEPLOYED');
  assert.equal(update.id, posted.json.id);
  ws.close();
});

test('GET /deployments lists newest first and /healthz answers', async () => {
  const first = await deploy(server.port, { repoUrl: makeRepo(tinyApp()) });
  const second = await deploy(server.port, { repoUrl: makeRepo(tinyApp()) });
  const list = JSON.parse((await request(server.port, { path: '/deployments' })).body).deployments;
  const ids = list.map((d) => d.id);
  assert.ok(ids.indexOf(second.json.id) < ids.indexOf(first.json.id));
  assert.equal((await request(server.port, { path: '/healthz' })).status, 200);
  await waitFor(server.port, second.json.id);
});

test('an unknown or not-yet-deployed site gets a clear 404 page', async () => {
  const unknown = await request(server.port, { host: `zzzzzzzzzz.localhost:${server.port}` });
  assert.equal(unknown.status, 404);
  assert.match(unknown.body, /No deployment here/);
  const malformed = await request(server.port, { host: `not-an-id.localhost:${server.port}` });
  assert.equal(malformed.status, 404);
});

test('a queued deployment says its place in the queue and why it waits', { timeout: 120000 }, async () => {
  const queue = await startServer({ args: ['--workers', '1'] });
  try {
    const slow = await deploy(queue.port, { repoUrl: makeRepo(tinyApp({ sleepMs: 4000 })) });
    await waitFor(queue.port, slow.json.id, { status: 'IN_PROGRESS' });
    const quick = makeRepo(tinyApp());
    const second = await deploy(queue.port, { repoUrl: quick });
    const third = await deploy(queue.port, { repoUrl: quick });
    const [secondNow, thirdNow] = await Promise.all([second, third].map((d) => getDeployment(queue.port, d.json.id)));
    assert.equal(secondNow.status, 'PENDING');
    assert.equal(secondNow.queuePosition, 1);
    assert.equal(secondNow.queueReason, 'waiting for a free worker (1 build running)');
    assert.equal(thirdNow.queuePosition, 2);
    assert.equal(thirdNow.queueReason, 'waiting for a free worker (1 build running, 1 deployment ahead)');
    const done = await waitFor(queue.port, third.json.id, { status: 'DEPLOYED' });
    assert.equal(done.queuePosition, null);
    assert.equal(done.queueReason, null);
  } finally {
    await queue.stop();
  }
});
