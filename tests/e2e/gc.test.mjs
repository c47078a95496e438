// Deleting a deployment and collecting garbage, against the real server: two sites share a
// blob, one is deleted, GC removes what only the deleted one used and the other still
// serves every file.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { makeRepo, request, site, siteApp, startServer, tinyApp, until, waitFor } from './harness.mjs';

const token = 'gc-test-token';
const auth = { authorization: `Bearer ${token}` };
const shared = 'console.log("shared by both sites");\n';
const siteFiles = {
  kept: { 'index.html': '<h1>Kept</h1>', 'assets/shared.js': shared },
  gone: { 'index.html': '<h1>Gone</h1>', 'assets/shared.js': shared },
};

const blobPath = (content) =>
  join(server.dataDir, 'objects', 'blobs', createHash('sha256').update(content).digest('hex'));

let server;
const ids = {};
before(async () => {
  // No periodic runs and no grace period: the test decides when GC runs, and everything
  // it wrote a moment ago is fair game.
  server = await startServer({ args: ['--api-token', token, '--gc-interval', '0', '--gc-grace', '0'] });
  for (const [name, files] of Object.entries(siteFiles)) {
    const res = await request(server.port, {
      method: 'POST', path: '/deploy', headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ repoUrl: makeRepo(siteApp(files)) }),
    });
    assert.equal(res.status, 202, res.body);
    ids[name] = JSON.parse(res.body).id;
  }
  for (const id of Object.values(ids)) await waitFor(server.port, id, { status: 'DEPLOYED' });
});
after(async () => { await server.stop(); });

const siteOf = (name, path) => site(server.port, ids[name], path);
const gc = (query = '') => request(server.port, { method: 'POST', path: `/admin/gc${query}`, headers: auth });

test('deleting needs the token, and a deployment being built cannot be deleted', async () => {
  assert.equal((await request(server.port, { method: 'DELETE', path: `/deployments/${ids.gone}` })).status, 401);
  assert.equal((await request(server.port, { method: 'POST', path: '/admin/gc' })).status, 401);
  const slow = await request(server.port, {
    method: 'POST', path: '/deploy', headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify({ repoUrl: makeRepo(tinyApp({ sleepMs: 30000 })) }),
  });
  const slowId = JSON.parse(slow.body).id;
  const busy = await request(server.port, { method: 'DELETE', path: `/deployments/${slowId}`, headers: auth });
  assert.equal(busy.status, 409, busy.body);
  await request(server.port, { method: 'POST', path: `/deployments/${slowId}/cancel`, headers: auth });
  await waitFor(server.port, slowId);
});

test('GC keeps the blob a remaining site shares and removes the deleted site\'s own', async () => {
  assert.equal((await siteOf('gone', '/')).status, 200);
  assert.ok(existsSync(blobPath(siteFiles.gone['index.html'])));

  const deleted = await request(server.port, { method: 'DELETE', path: `/deployments/${ids.gone}`, headers: auth });
  assert.equal(deleted.status, 200, deleted.body);
  assert.deepEqual(JSON.parse(deleted.body), { id: ids.gone, deleted: true });
  assert.equal((await request(server.port, { path: `/deployments/${ids.gone}` })).status, 404);
  assert.equal((await siteOf('gone', '/')).status, 404, 'the deleted site is no longer served');
  assert.equal((await request(server.port, { method: 'DELETE', path: `/deployments/${ids.gone}`, headers: auth })).status, 404);

  const dry = await gc('?dryRun=1');
  assert.equal(dry.status, 200, dry.body);
  const preview = JSON.parse(dry.body);
  assert.equal(preview.dryRun, true);
  assert.ok(preview.blobsDeleted >= 1, dry.body);
  assert.ok(existsSync(blobPath(siteFiles.gone['index.html'])), 'a dry run deletes nothing');

  const run = await gc();
  assert.equal(run.status, 200, run.body);
  const report = JSON.parse(run.body);
  assert.equal(report.blobsDeleted, preview.blobsDeleted);
  assert.ok(report.bytesFreed >= siteFiles.gone['index.html'].length, run.body);
  assert.ok(!existsSync(blobPath(siteFiles.gone['index.html'])), 'the deleted site\'s own blob is gone');
  assert.ok(existsSync(blobPath(shared)), 'the shared blob stays');
  assert.ok(existsSync(blobPath(siteFiles.kept['index.html'])));

  for (const [path, content] of Object.entries(siteFiles.kept)) {
    const res = await siteOf('kept', `/${path}`);
    assert.equal(res.status, 200, path);
    assert.equal(res.body, content);
  }
  const again = JSON.parse((await gc()).body);
  assert.equal(again.blobsDeleted, 0);

  const metrics = (await request(server.port, { path: '/metrics' })).body;
  assert.match(metrics, new RegExp(`^reactor_gc_blobs_deleted_total ${report.blobsDeleted}$`, 'm'));
  assert.match(metrics, new RegExp(`^reactor_gc_bytes_freed_total ${report.bytesFreed}$`, 'm'));
});

test('with the default grace, POST /admin/gc frees a deleted site\'s blobs at once, but not while a build is in flight', async () => {
  // The grace (1h) protects what builds in flight publish, not the blobs of deleted sites.
  const own = await startServer({ args: ['--gc-interval', '0'] });
  try {
    const content = { 'index.html': '<h1>Deleted a moment ago</h1>', 'assets/own.js': 'console.log("own");\n' };
    const posted = await request(own.port, {
      method: 'POST', path: '/deploy', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ repoUrl: makeRepo(siteApp(content)) }),
    });
    const id = JSON.parse(posted.body).id;
    await waitFor(own.port, id, { status: 'DEPLOYED' });
    const blob = (text) => join(own.dataDir, 'objects', 'blobs', createHash('sha256').update(text).digest('hex'));
    for (const text of Object.values(content)) assert.ok(existsSync(blob(text)));
    assert.equal((await request(own.port, { method: 'DELETE', path: `/deployments/${id}` })).status, 200);

    // A build in flight may count on any young blob: the grace holds while it runs.
    const slow = await request(own.port, {
      method: 'POST', path: '/deploy', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ repoUrl: makeRepo(tinyApp({ sleepMs: 30000 })) }),
    });
    const slowId = JSON.parse(slow.body).id;
    const during = JSON.parse((await request(own.port, { method: 'POST', path: '/admin/gc' })).body);
    assert.equal(during.blobsDeleted, 0, JSON.stringify(during));
    for (const text of Object.values(content)) assert.ok(existsSync(blob(text)));
    await request(own.port, { method: 'POST', path: `/deployments/${slowId}/cancel` });
    await waitFor(own.port, slowId);
    // Canceled, and its worker has let go of the job: nothing is in flight any more.
    await until('the canceled build to let go of its job', async () =>
      /^reactor_queue_depth 0$/m.test((await request(own.port, { path: '/metrics' })).body), 30000);

    const run = await request(own.port, { method: 'POST', path: '/admin/gc' });
    assert.equal(run.status, 200, run.body);
    assert.ok(JSON.parse(run.body).blobsDeleted >= 2, run.body);
    for (const text of Object.values(content)) assert.ok(!existsSync(blob(text)), `${text} is gone`);
  } finally {
    await own.stop();
  }
});
