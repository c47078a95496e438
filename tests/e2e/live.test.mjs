// Live status and build logs: ordering and resume, many watchers, bad messages, SSE,
// logs after the fact and followed, and a slow reader that must not delay a fast one.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import { after, before, test } from 'node:test';
import { deploy, makeRepo, request, startServer, tinyApp, until, waitFor, watch } from './harness.mjs';

let server;
// A larger log cap: the slow-reader test sends more than socket buffers can hold.
before(async () => { server = await startServer({ args: ['--workers', '2', '--build-log-size', '64M'] }); });
after(async () => { await server.stop(); });

const isFinal = (m) => m.type === 'STATUS_UPDATE' && ['DEPLOYED', 'ERROR', 'CANCELED'].includes(m.status);

// A build that prints `lines` lines of `width` characters, slowly enough to watch.
function chattyApp(lines, width = 40, sleepMs = 200) {
  return {
    'package.json': JSON.stringify({ name: 'chatty', scripts: { build: 'node build.js' } }),
    'build.js': `
const fs = require('fs');
setTimeout(() => {
  for (let i = 0; i < ${lines}; i++) console.log('line ' + i + ' ' + 'x'.repeat(${width}));
  fs.mkdirSync('dist', { recursive: true });
  fs.writeFileSync('dist/index.html', 'chatty');
}, ${sleepMs});`,
  };
}

// Reads a streamed response to its end: resolves {status, headers, body}.
function readStream(path, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port: server.port, path, headers }, (res) => {
      let body = '';
      res.on('data', (c) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body }));
    });
    req.on('error', reject);
  });
}

test('since resumes after a sequence number without gaps or repeats', async () => {
  const posted = await deploy(server.port, { repoUrl: makeRepo(chattyApp(50)) });
  await waitFor(server.port, posted.json.id);
  const full = await watch(server.port);
  full.send({ action: 'register', id: posted.json.id, since: 0 });
  await full.next(isFinal);
  const all = full.messages.filter((m) => m.seq !== undefined);
  const seqs = all.map((m) => m.seq);
  assert.deepEqual(seqs, [...new Set(seqs)].sort((a, b) => a - b), 'ascending, no repeats');
  assert.equal(all.filter((m) => m.type === 'LOG' && m.line.startsWith('line ')).length, 50);
  assert.equal(all[0].status, 'PENDING');

  const middle = all[Math.floor(all.length / 2)].seq;
  const resumed = await watch(server.port);
  resumed.send({ action: 'register', id: posted.json.id, since: middle });
  await resumed.next(isFinal);
  assert.deepEqual(resumed.messages.filter((m) => m.seq !== undefined).map((m) => m.seq), seqs.filter((s) => s > middle));
  full.close();
  resumed.close();
});

test('many watchers of one deployment and one connection watching several all see every change', async () => {
  // Builds that last a moment, so the watchers register while they run.
  const first = await deploy(server.port, { repoUrl: makeRepo(tinyApp({ sleepMs: 500 })) });
  const second = await deploy(server.port, { repoUrl: makeRepo(tinyApp({ sleepMs: 500 })) });
  const watchers = await Promise.all(Array.from({ length: 50 }, () => watch(server.port)));
  for (const w of watchers) w.send({ action: 'register', id: first.json.id, since: 0 });
  const both = await watch(server.port);
  both.send({ action: 'register', id: first.json.id, since: 0 });
  both.send({ action: 'register', id: second.json.id, since: 0 });
  await Promise.all(watchers.map((w) => w.next((m) => isFinal(m) && m.id === first.json.id)));
  await both.next((m) => isFinal(m) && m.id === first.json.id);
  await both.next((m) => isFinal(m) && m.id === second.json.id);
  const expected = watchers[0].messages.filter((m) => m.seq !== undefined).map((m) => m.seq);
  for (const w of watchers) assert.deepEqual(w.messages.filter((m) => m.seq !== undefined).map((m) => m.seq), expected);
  for (const w of [...watchers, both]) w.close();
});

test('unregister stops the updates', async () => {
  // The build waits, so that it is still running after the unregister.
  const posted = await deploy(server.port, { repoUrl: makeRepo(chattyApp(5, 10, 1500)) });
  const ws = await watch(server.port);
  const control = await watch(server.port);
  ws.send({ action: 'register', id: posted.json.id });
  control.send({ action: 'register', id: posted.json.id });
  await ws.next((m) => m.type === 'STATUS_UPDATE');
  ws.send({ action: 'unregister', id: posted.json.id });
  await ws.next((m) => m.type === 'SYSTEM' && /Unregistered/.test(m.message));
  const count = ws.messages.length;
  // The hub delivers the end to every watcher at once: once the one still registered has
  // it, whatever was sent to ws is ahead of ws's answer to a later message.
  await control.next(isFinal);
  ws.send({ action: 'unregister', id: posted.json.id });
  await ws.next((m) => ws.messages.indexOf(m) >= count);
  assert.deepEqual(ws.messages.slice(count).map((m) => m.message), [`Unregistered from deployment ${posted.json.id}`]);
  ws.close();
  control.close();
});

test('bad messages get an ERROR and the connection stays usable', async () => {
  const ws = await watch(server.port);
  const bad = ['not json', '[1,2]', '{"action":"dance","id":"aaaaaaaaaa"}', '{"action":"register"}',
    '{"action":"register","id":"zzzzzzzzzz"}', '{"action":"register","id":"aaaaaaaaaa","since":-1}',
    JSON.stringify({ action: 'register', id: 'aaaaaaaaaa', pad: 'x'.repeat(20000) })];
  for (const message of bad) ws.send(message);
  await until('an ERROR for each bad message', () => ws.messages.filter((m) => m.type === 'ERROR').length >= bad.length, 5000);
  const errors = ws.messages.filter((m) => m.type === 'ERROR').map((m) => m.message);
  assert.equal(errors.length, bad.length, errors.join(' | '));
  assert.ok(errors.some((e) => /unknown action 'dance'/.test(e)));
  assert.ok(errors.some((e) => /unknown deployment id zzzzzzzzzz/.test(e)));
  assert.ok(errors.some((e) => /larger than 16 KiB/.test(e)));

  const posted = await deploy(server.port, { repoUrl: makeRepo(tinyApp()) });
  ws.send({ action: 'register', id: posted.json.id });
  await ws.next((m) => m.type === 'STATUS_UPDATE' && m.id === posted.json.id);
  ws.close();
});

test('Server-Sent Events stream every change, resume after Last-Event-ID, and end with the outcome', async () => {
  const posted = await deploy(server.port, { repoUrl: makeRepo(chattyApp(10)) });
  const stream = await readStream(`/deployments/${posted.json.id}/events?since=0`);
  assert.equal(stream.status, 200);
  assert.match(stream.headers['content-type'], /^text\/event-stream/);
  const events = stream.body.trim().split('\n\n').map((block) => {
    const id = Number(block.match(/^id: (\d+)$/m)[1]);
    return { id, data: JSON.parse(block.match(/^data: (.*)$/m)[1]) };
  });
  assert.equal(events[0].data.status, 'PENDING');
  assert.equal(events.at(-1).data.status, 'DEPLOYED');
  assert.equal(events.filter((e) => e.data.type === 'LOG' && e.data.line.startsWith('line ')).length, 10);
  const middle = events[3].id;
  const resumed = await readStream(`/deployments/${posted.json.id}/events`, { 'last-event-id': String(middle) });
  const resumedIds = [...resumed.body.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));
  assert.deepEqual(resumedIds, events.map((e) => e.id).filter((id) => id > middle));
});

test('the build log is served as text after the fact and followed while it runs', async () => {
  const posted = await deploy(server.port, { repoUrl: makeRepo(chattyApp(20, 10, 1000)) });
  const followed = await readStream(`/deployments/${posted.json.id}/logs?follow=1`);
  assert.equal(followed.status, 200);
  assert.match(followed.body, /line 19 x{10}/);
  const after = await request(server.port, { path: `/deployments/${posted.json.id}/logs` });
  assert.equal(after.status, 200);
  assert.equal(after.body, followed.body);
  assert.equal((await request(server.port, { path: '/deployments/aaaaaaaaaa/logs' })).status, 404);
});

// A raw WebSocket client that registers, then stops reading.
function stalledClient(id) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(server.port, '127.0.0.1', () => {
      socket.write(`GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
    });
    socket.once('data', () => {
      const payload = Buffer.from(JSON.stringify({ action: 'register', id, since: 0 }));
      const mask = randomBytes(4);
      const frame = Buffer.concat([Buffer.from([0x81, 0x80 | payload.length]), mask, payload.map((b, i) => b ^ mask[i % 4])]);
      socket.write(frame);
      socket.pause();
      resolve(socket);
    });
    socket.on('error', reject);
  });
}

test('a client that does not read is dropped and never delays a fast one', async () => {
  // 16 MB of log: more than the slow socket's buffers on both sides (the send buffer grows
  // to 4 MB here) plus the 4,096 messages its outbox may queue, so it must overflow.
  const posted = await deploy(server.port, { repoUrl: makeRepo(chattyApp(16000, 1000, 1500)) });
  const slow = await stalledClient(posted.json.id);
  const fast = await watch(server.port);
  fast.send({ action: 'register', id: posted.json.id, since: 0 });
  await fast.next(isFinal, 120000);
  assert.ok(fast.messages.filter((m) => m.type === 'LOG').length >= 16000);

  // Resume the slow client: it gets what its socket buffered, then a close frame.
  let received = Buffer.alloc(0);
  const closed = new Promise((resolve) => slow.on('close', resolve));
  slow.on('data', (chunk) => { received = Buffer.concat([received.subarray(-4096), chunk]); });
  slow.resume();
  await closed;
  assert.ok(received.includes(Buffer.from([0x88])), 'the server sent a close frame');
  assert.ok(!received.includes(Buffer.from('"status":"DEPLOYED"')), 'the slow client was cut off before the end');
});
