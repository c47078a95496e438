// The edge's memory cache keeps the files in use within --edge-cache: a file that does
// not fit makes room by evicting the one not used for longest, so a new deployment is
// served from memory even after older ones filled the cache.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { deploy, makeRepo, request, siteApp, startServer, waitFor } from './harness.mjs';

// 40,000 incompressible bytes: one in-memory body each, two of which overflow 64 KiB.
const noise = (seed) => Array.from({ length: 40000 }, (_, i) => String.fromCharCode(33 + ((i * 7919 + seed) % 90))).join('');

let server;
const hosts = {};
before(async () => {
  server = await startServer({ args: ['--edge-cache', '64K'] });
  for (const name of ['old', 'new']) {
    const posted = await deploy(server.port, { repoUrl: makeRepo(siteApp({ 'index.html': `<h1>${name}</h1>`, 'data.bin': noise(name.length) })) });
    await waitFor(server.port, posted.json.id, { status: 'DEPLOYED' });
    hosts[name] = `${posted.json.id}.localhost:${server.port}`;
  }
});
after(async () => { await server.stop(); });

const hits = async () => {
  const page = (await request(server.port, { path: '/metrics' })).body;
  return Number(/^reactor_edge_cache_requests_total\{result="hit"\} (\d+)$/m.exec(page)[1]);
};
// GETs data.bin of the site; true when it came from memory.
const fromMemory = async (site) => {
  const before = await hits();
  const res = await request(server.port, { host: hosts[site], path: '/data.bin' });
  assert.equal(res.status, 200);
  assert.equal(res.body.length, 40000);
  return (await hits()) - before === 1;
};

test('a file that does not fit evicts the least recently used, never the budget', async () => {
  assert.equal(await fromMemory('old'), false); // loaded
  assert.equal(await fromMemory('old'), true);
  assert.equal(await fromMemory('new'), false); // loaded: the old file makes room
  assert.equal(await fromMemory('new'), true, 'the new deployment is kept in memory');
  assert.equal(await fromMemory('old'), false, 'the old file was evicted to stay within 64K');
});
