// Graceful shutdown: SIGTERM closes the listener at once, lets a response in progress
// finish within --shutdown-grace, closes idle keep-alive connections, ends SSE streams
// and WebSockets properly; the grace bounds it, and a second signal cuts it short.
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { before, describe, test } from 'node:test';
import { deploy, makeRepo, startServer, tempDir, tinyApp, until, waitFor } from './harness.mjs';

const BIG = 64 * 1024 * 1024; // well beyond what socket buffers hold

// A site with one large file, deployed once and served by every test's server.
const bigSite = {
  ...tinyApp(),
  'build.js': `const fs = require('fs'); fs.mkdirSync('dist', { recursive: true });
fs.writeFileSync('dist/index.html', '<h1>big</h1>');
fs.writeFileSync('dist/big.bin', Buffer.alloc(${BIG}, 97));`,
};

// Starts GET /big.bin on a raw socket, reads the head and stops reading, so the server
// is left in the middle of the response. `finish()` reads the rest; resolves the bytes.
async function slowDownload(port, id) {
  const socket = net.connect(port, '127.0.0.1');
  let received = 0;
  let head = '';
  let length = -1;
  const ended = new Promise((resolve) => socket.on('close', () => resolve(received)));
  socket.write(`GET /big.bin HTTP/1.1\r\nHost: ${id}.localhost\r\n\r\n`);
  await new Promise((resolve) => {
    socket.on('data', (chunk) => {
      if (length < 0) {
        head += chunk.toString('latin1');
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return;
        length = Number(head.match(/content-length: (\d+)/i)[1]);
        received = Buffer.byteLength(head, 'latin1') - end - 4;
        socket.pause();
        resolve();
        return;
      }
      received += chunk.length;
    });
  });
  return { length: () => length, finish() { socket.resume(); return ended; } };
}

function connectionRefused(port) {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.on('connect', () => { socket.destroy(); resolve(false); });
    socket.on('error', (error) => resolve(error.code === 'ECONNREFUSED'));
  });
}

describe('graceful shutdown', () => {
  const dataDir = tempDir('reactor-shutdown-');
  let id;
  before(async () => {
    const server = await startServer({ dataDir });
    const posted = await deploy(server.port, { repoUrl: makeRepo(bigSite) });
    id = posted.json.id;
    assert.equal((await waitFor(server.port, id)).status, 'DEPLOYED');
    await server.stop();
  });

  test('a response in progress completes after SIGTERM; new connections are refused; idle ones and streams end', async () => {
    const server = await startServer({ dataDir, args: ['--shutdown-grace', '20s'] });
    const download = await slowDownload(server.port, id);
    const agent = new http.Agent({ keepAlive: true });
    // A keep-alive connection left idle in the agent after one request.
    const idle = await new Promise((resolve) => {
      let closed;
      const req = http.get({ port: server.port, host: '127.0.0.1', path: '/healthz', agent }, (res) => {
        res.on('end', () => resolve({ closed }));
        res.resume();
      });
      req.on('socket', (socket) => { closed = new Promise((done) => socket.on('close', done)); });
    });
    // A build in progress, watched over SSE: the stream stays open until the stop.
    const building = await deploy(server.port, { repoUrl: makeRepo(tinyApp({ sleepMs: 60000 })) });
    await waitFor(server.port, building.json.id, { status: 'IN_PROGRESS' });
    const sse = await new Promise((resolve) => http.get({ port: server.port, host: '127.0.0.1', path: `/deployments/${building.json.id}/events` }, resolve));
    let sseEndedAt = 0;
    const sseEnded = new Promise((resolve) => {
      sse.on('data', () => {});
      sse.on('end', () => { sseEndedAt = Date.now(); resolve('end'); });
      sse.on('aborted', () => resolve('aborted'));
    });
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws`);
    await new Promise((resolve, reject) => { ws.addEventListener('open', resolve); ws.addEventListener('error', reject); });
    const wsClosed = new Promise((resolve) => ws.addEventListener('close', resolve));

    const stopping = Date.now();
    server.child.kill('SIGTERM');
    await server.logged(/server\.draining/);
    await until('the listener to close', () => connectionRefused(server.port), 5000);
    await idle.closed;
    assert.equal(await sseEnded, 'end', 'the SSE response ended with its last chunk');
    assert.ok(sseEndedAt >= stopping, 'the SSE stream was open until the stop');
    const wsClose = await wsClosed;
    assert.equal(wsClose.wasClean, true, 'the WebSocket got a close frame');
    assert.equal(server.child.exitCode, null, 'still running while the download is in progress');

    assert.equal(await download.finish(), download.length(), 'the whole file arrived');
    const exit = await server.exited;
    assert.equal(exit.code, 0, server.output());
    assert.ok(Date.now() - stopping < 20000);
    assert.match(server.output(), /reactor\.stopping signal=TERM/);
    assert.match(server.output(), /server\.stopped/);
    assert.match(server.output(), new RegExp(`build\\.handed_back id=${building.json.id}`), 'the build went back to the queue');
  });

  test('the grace period bounds the wait for a client that stopped reading', async () => {
    const server = await startServer({ dataDir, args: ['--shutdown-grace', '1s'] });
    const download = await slowDownload(server.port, id);
    const stopping = Date.now();
    server.child.kill('SIGTERM');
    const exit = await server.exited;
    const took = Date.now() - stopping;
    assert.equal(exit.code, 0);
    assert.ok(took >= 900 && took < 5000, `exited ${took} ms after SIGTERM`);
    assert.ok((await download.finish()) < download.length(), 'the response was cut');
  });

  test('a second SIGTERM stops at once', async () => {
    const server = await startServer({ dataDir, args: ['--shutdown-grace', '60s'] });
    const download = await slowDownload(server.port, id);
    server.child.kill('SIGTERM');
    await server.logged(/workers\.stopped/); // the first signal is handled: the next one is the second
    assert.equal(server.child.exitCode, null);
    const stopping = Date.now();
    server.child.kill('SIGTERM');
    const exit = await server.exited;
    assert.equal(exit.code, 0);
    assert.ok(Date.now() - stopping < 5000);
    assert.ok((await download.finish()) < download.length());
  });
});
