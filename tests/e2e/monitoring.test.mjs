// /metrics, /healthz and /readyz against the real server: every metric family is there,
// and the values move with a deploy, a site request and a watcher.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { deploy, makeRepo, request, site, startServer, tinyApp, waitFor, watch } from './harness.mjs';

let server;
before(async () => { server = await startServer(); });
after(async () => { await server.stop(); });

// The value of the sample `name` (with `labels`, e.g. 'status="DEPLOYED"'), or undefined.
function sample(page, name, labels = '') {
  const key = labels ? `${name}{${labels}}` : name;
  const line = page.split('\n').find((l) => l.startsWith(`${key} `));
  return line === undefined ? undefined : Number(line.slice(key.length + 1));
}

const metrics = async () => {
  const res = await request(server.port, { path: '/metrics' });
  assert.equal(res.status, 200);
  assert.match(res.headers['content-type'], /^text\/plain; version=0\.0\.4/);
  return res.body;
};

test('health, readiness and every metric family', async () => {
  assert.equal((await request(server.port, { path: '/healthz' })).status, 200);
  assert.equal((await request(server.port, { path: '/readyz' })).status, 200);
  const page = await metrics();
  for (const family of ['reactor_deployments', 'reactor_queue_depth', 'reactor_dead_letters',
    'reactor_leases_expired_total', 'reactor_gc_blobs_deleted_total', 'reactor_gc_bytes_freed_total',
    'reactor_websocket_connections', 'reactor_edge_requests_total', 'reactor_edge_bytes_total',
    'reactor_edge_cache_requests_total', 'reactor_build_duration_seconds', 'reactor_phase_duration_seconds']) {
    assert.match(page, new RegExp(`^# TYPE ${family} (gauge|counter|histogram)$`, 'm'), family);
  }
});

test('a deploy, a site request and a watcher show in the values', async () => {
  const before = await metrics();
  const posted = await deploy(server.port, { repoUrl: makeRepo(tinyApp()) });
  assert.equal((await waitFor(server.port, posted.json.id)).status, 'DEPLOYED');
  const index = await site(server.port, posted.json.id);
  assert.equal(index.status, 200);
  const missing = await site(server.port, posted.json.id, '/gone.js');
  assert.equal(missing.status, 404);
  const ws = await watch(server.port);
  try {
    const page = await metrics();
    assert.equal(sample(page, 'reactor_deployments', 'status="DEPLOYED"'),
      (sample(before, 'reactor_deployments', 'status="DEPLOYED"') ?? 0) + 1);
    assert.equal(sample(page, 'reactor_queue_depth'), 0);
    assert.equal(sample(page, 'reactor_websocket_connections'), 1);
    assert.ok(sample(page, 'reactor_edge_requests_total', 'code="2xx"') >= 1);
    assert.ok(sample(page, 'reactor_edge_requests_total', 'code="4xx"') >= 1);
    assert.ok(sample(page, 'reactor_edge_bytes_total', 'code="2xx"') >= index.body.length);
    assert.equal(sample(page, 'reactor_build_duration_seconds_count'),
      (sample(before, 'reactor_build_duration_seconds_count') ?? 0) + 1);
    for (const phase of ['cloning', 'installing', 'building', 'uploading']) {
      assert.ok(sample(page, 'reactor_phase_duration_seconds_count', `phase="${phase}"`) >= 1, phase);
    }
  } finally {
    ws.close();
  }
});
