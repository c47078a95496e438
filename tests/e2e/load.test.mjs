// Load against the real binary (issue 13): a burst of 500 POST /deploy all end DEPLOYED,
// and 10,000 idle connections plus 2,000 slowloris clients leave the edge's latency within
// bounds.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { makeRepo, request, startServer, waitFor } from './harness.mjs';

// 12,000 client sockets here and as many in the server, which inherits this process's
// limit (and raises its soft limit to the hard one). Node cannot call setrlimit, prlimit
// can: the soft limit up to the hard one, and beyond it where this runs with the privilege.
const k_needed_files = 13000;
function openFileLimit() {
  const [soft, hard] = execFileSync('prlimit', ['--pid', String(process.pid), '--nofile', '--output', 'SOFT,HARD', '--noheadings'], { encoding: 'utf8' })
    .trim().split(/\s+/).map((n) => (n === 'unlimited' ? Infinity : Number(n)));
  if (soft >= 30000) return soft;
  for (const limit of ['30000:30000', `${hard}:${hard}`]) {
    try {
      execFileSync('prlimit', ['--pid', String(process.pid), `--nofile=${limit}`], { stdio: 'pipe' });
      return Number(limit.split(':')[0]);
    } catch {
      // Not allowed to go that high: try the next.
    }
  }
  return soft;
}
const fileLimit = openFileLimit();

// The smallest build there is: no package.json (so no install) and a shell command that
// writes the site, so 500 of them fit in a couple of minutes on two cores.
const fastSite = (title) => ({
  repoUrl: makeRepo({ 'README.md': `# ${title}\n` }),
  buildCommand: `mkdir -p dist && echo '<!doctype html><title>${title}</title><h1>${title}</h1>' > dist/index.html`,
  outputDir: 'dist',
});

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

// Deployments by status, from /metrics.
async function statusCounts(port) {
  const metrics = (await request(port, { path: '/metrics' })).body;
  const counts = {};
  for (const [, status, value] of metrics.matchAll(/^reactor_deployments\{status="(\w+)"\} (\d+)$/gm)) counts[status] = Number(value);
  return counts;
}

test('a burst of 500 POST /deploy all end DEPLOYED', { timeout: 330000 }, async () => {
  const server = await startServer({ args: ['--workers', '2', '--gc-interval', '0'] });
  try {
    const payload = JSON.stringify(fastSite('Burst'));
    const agent = new http.Agent({ keepAlive: true, maxSockets: 50 });
    const post = () => new Promise((resolve, reject) => {
      const req = http.request({
        host: '127.0.0.1', port: server.port, method: 'POST', path: '/deploy', agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
      }, (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString() }));
      });
      req.on('error', reject);
      req.end(payload);
    });
    const started = Date.now();
    const answers = await Promise.all(Array.from({ length: 500 }, post));
    const postedIn = Date.now() - started;
    agent.destroy();
    for (const answer of answers) assert.equal(answer.status, 202, answer.body);
    const ids = new Set(answers.map((answer) => JSON.parse(answer.body).id));
    assert.equal(ids.size, 500, 'each POST made its own deployment');

    let counts = {};
    // About 0.25 s a build with two workers on an idle machine (a shallow clone, one
    // sandboxed command, the publish); three times that beside the other test files.
    const deadline = Date.now() + 300000;
    while ((counts.DEPLOYED ?? 0) + (counts.ERROR ?? 0) + (counts.CANCELED ?? 0) < 500) {
      assert.ok(Date.now() < deadline, `not every deployment ended: ${JSON.stringify(counts)}`);
      await new Promise((r) => setTimeout(r, 250));
      counts = await statusCounts(server.port);
    }
    const endedIn = Date.now() - started;
    assert.deepEqual(counts, { DEPLOYED: 500 });
    // Every one of them as the API shows it, and a sample of the sites.
    const listed = JSON.parse((await request(server.port, { path: '/deployments?limit=500' })).body).deployments;
    assert.deepEqual(new Set(listed.map((d) => d.id)), ids);
    assert.ok(listed.every((d) => d.status === 'DEPLOYED'));
    const sample = [...ids].filter((_, i) => i % 50 === 0);
    for (const id of sample) {
      assert.equal((await waitFor(server.port, id, { timeoutMs: 1000 })).status, 'DEPLOYED');
      const site = await request(server.port, { host: `${id}.localhost` });
      assert.match(site.body, /Burst/);
    }
    console.log(`500 POST /deploy (50 at a time) answered in ${postedIn} ms; all DEPLOYED ${endedIn} ms after the first`);
  } finally {
    await server.stop();
  }
});

// A worker thread's script: `count` GETs of / one after another, `spacingMs` apart; posts
// back their times in ms, sorted.
const k_measure = `
const http = require('node:http');
const { parentPort, workerData: { port, host, count, spacingMs } } = require('node:worker_threads');
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const get = () => new Promise((resolve, reject) => {
  const started = performance.now();
  http.get({ host: '127.0.0.1', port, path: '/', agent, headers: { host } }, (res) => {
    res.resume();
    res.on('end', () => (res.statusCode === 200 ? resolve(performance.now() - started) : reject(new Error('status ' + res.statusCode))));
  }).on('error', reject);
});
(async () => {
  const times = [];
  for (let i = 0; i < count; i++) {
    times.push(await get());
    if (spacingMs) await new Promise((r) => setTimeout(r, spacingMs));
  }
  agent.destroy();
  parentPort.postMessage(times.sort((a, b) => a - b));
})();
`;

// Opens `count` TCP connections, `parallel` at a time; resolves with the sockets.
async function connectMany(port, count, parallel, onSocket = () => {}) {
  const sockets = [];
  let next = 0;
  const one = () => new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port }, () => resolve(socket));
    socket.once('error', reject);
  });
  await Promise.all(Array.from({ length: parallel }, async () => {
    while (next < count) {
      next += 1;
      const socket = await one();
      socket.on('error', () => {});
      onSocket(socket);
      sockets.push(socket);
    }
  }));
  return sockets;
}

test('10,000 idle connections and 2,000 slowloris clients: the edge still answers fast', {
  timeout: 180000,
  skip: fileLimit < k_needed_files && `needs ${k_needed_files} open files, the hard limit is ${fileLimit}`,
}, async () => {
  const server = await startServer({ args: ['--gc-interval', '0'] });
  const sockets = [];
  let stopping = false;
  try {
    const posted = await request(server.port, {
      method: 'POST', path: '/deploy', headers: { 'content-type': 'application/json' },
      body: JSON.stringify(fastSite('Under siege')),
    });
    const { id } = JSON.parse(posted.body);
    assert.equal((await waitFor(server.port, id)).status, 'DEPLOYED');

    // Sequential GETs of the site's index.html on one keep-alive connection, each timed, on
    // a thread of its own: this thread's event loop is busy with 12,000 sockets, whose delays
    // are the client's, not the edge's.
    const measure = (count, spacingMs) => new Promise((resolve, reject) => {
      const worker = new Worker(k_measure, { eval: true, workerData: { port: server.port, host: `${id}.localhost`, count, spacingMs } });
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    const baseline = await measure(200, 0);

    const idle = await connectMany(server.port, 10000, 200);
    sockets.push(...idle);
    let idleClosed = 0;
    for (const socket of idle) socket.on('close', () => { idleClosed += 1; });

    // Slowloris: an unfinished request head, then one more byte every 2-4 s; a client the
    // server drops (its head deadline) comes straight back, as an attacker's would.
    let slowDropped = 0;
    const slow = new Set();
    const trickle = (socket) => {
      slow.add(socket);
      socket.write(`GET / HTTP/1.1\r\nHost: ${id}.localhost\r\nX-Slow: `);
      const timer = setInterval(() => socket.write('a'), 2000 + Math.random() * 2000);
      socket.on('close', () => {
        clearInterval(timer);
        slow.delete(socket);
        if (stopping) return;
        slowDropped += 1;
        connectMany(server.port, 1, 1, trickle).then((again) => sockets.push(...again), () => {});
      });
    };
    sockets.push(...await connectMany(server.port, 2000, 100, trickle));

    // 200 requests spread over 20 s, so they also see the server cut the first slowloris
    // wave at its 15 s head deadline, and the clients coming back.
    const loaded = await measure(200, 100);
    const openIdle = 10000 - idleClosed;
    const stats = (times) => `p50 ${percentile(times, 50).toFixed(2)} ms, p99 ${percentile(times, 99).toFixed(2)} ms, max ${times.at(-1).toFixed(2)} ms`;
    console.log(`edge GET /: alone ${stats(baseline)}; with ${openIdle} idle and ${slow.size} slowloris connections open (${slowDropped} slowloris cut and back) ${stats(loaded)}`);

    assert.equal(openIdle, 10000, 'idle connections are kept until their idle timeout (60 s)');
    assert.ok(slow.size >= 1900, `${slow.size} slowloris clients connected`);
    assert.ok(slowDropped >= 1000, `the head deadline cuts slowloris clients (${slowDropped} cut)`);
    // The benchmark's p99 (docs/BENCHMARKS.md) is 4.6 ms at 200 busy connections on an idle
    // machine, measured by wrk. Here node's client times each request, on two cores shared
    // with the other test files, where one scheduling delay costs 10-30 ms even with no
    // attack (the "alone" figures above): the bound is 50 ms, ten times the benchmark's p99,
    // or twice the p99 this machine gave alone just before if that is more. A server that
    // works per open connection, or stalls on the slowloris timers, is far beyond either
    // (hundreds of ms, or timeouts).
    const bound = Math.max(50, 2 * percentile(baseline, 99));
    assert.ok(percentile(loaded, 99) < bound, `p99 ${percentile(loaded, 99).toFixed(2)} ms under load, bound ${bound.toFixed(1)} ms`);
  } finally {
    stopping = true;
    for (const socket of sockets) socket.destroy();
    await server.stop();
  }
});
