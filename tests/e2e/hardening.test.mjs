// Issue 13's hardening, against the real binary: site rules cannot set what they must not
// (Set-Cookie, a redirect that leaves the site through "/\"), damaged blobs are a logged
// 502 and never a short body, and publishing counts against the build's time limit.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { deploy, fullLog, makeRepo, request, siteApp, startServer, tinyApp, waitFor } from './harness.mjs';

const sha256 = (text) => createHash('sha256').update(text).digest('hex');
// Not compressible (no variants) and above the edge's sendfile threshold: sent from disk.
const large = Array.from({ length: 100000 }, (_, i) => String.fromCharCode(33 + ((i * 7919) % 90))).join('');
const small = 'small file, served from memory\n';
const other = 'SMALL FILE, SERVED FROM MEMORY\n'; // same size, other bytes

let server;
before(async () => { server = await startServer(); });
after(async () => { await server.stop(); });

const get = (host, path) => request(server.port, { host, path });
const blobPath = (content) => join(server.dataDir, 'objects', 'blobs', sha256(content));

async function deploySite(files) {
  const posted = await deploy(server.port, { repoUrl: makeRepo(siteApp(files)) });
  assert.equal(posted.status, 202, posted.body);
  const done = await waitFor(server.port, posted.json.id, { timeoutMs: 60000 });
  assert.equal(done.status, 'DEPLOYED', done.error);
  return { id: posted.json.id, host: `${posted.json.id}.localhost:${server.port}` };
}

describe('site rules', () => {
  let site;
  before(async () => {
    site = await deploySite({
      'index.html': '<h1>Rules</h1>',
      _headers: '/*\n  X-Kept: yes\n  Set-Cookie: session=stolen; Domain=localhost; Path=/\n  Location: https://evil.example/\n',
      _redirects: '/escape /\\evil.example 302\n/fine /index.html 301\n',
    });
  });

  test('a Set-Cookie from _headers is not sent, and the build log says why', async () => {
    const res = await get(site.host, '/');
    assert.equal(res.status, 200);
    assert.equal(res.headers['x-kept'], 'yes');
    assert.equal(res.headers['set-cookie'], undefined);
    assert.equal(res.headers.location, undefined);
    const log = await fullLog(server.port, site.id);
    assert.match(log, /_headers: line 3: header "set-cookie" cannot be set or detached: every site shares the parent domain/);
    assert.match(log, /_headers: line 4: header "location" cannot be set/);
  });

  test('a redirect to /\\evil.example is refused, the others kept', async () => {
    const escape = await get(site.host, '/escape');
    assert.notEqual(escape.status, 302);
    assert.equal(escape.headers.location, undefined);
    const fine = await get(site.host, '/fine');
    assert.equal(fine.status, 301);
    assert.equal(fine.headers.location, '/index.html');
    assert.match(await fullLog(server.port, site.id), /_redirects: line 1: destination "\/\\evil\.example" holds a backslash/);
  });
});

describe('damaged blobs', () => {
  test('a truncated blob is a logged 502, never a short body', async () => {
    const site = await deploySite({ 'index.html': '<h1>Truncated</h1>', 'small.txt': small, 'large.bin': large });
    truncateSync(blobPath(small), 5);
    truncateSync(blobPath(large), 1000);
    for (const path of ['/small.txt', '/large.bin']) {
      const res = await get(site.host, path);
      assert.equal(res.status, 502, path);
      assert.doesNotMatch(res.body, /small file|!/, path);
    }
    assert.equal((await get(site.host, '/')).status, 200, 'the rest of the site is still served');
    assert.match(server.output(), new RegExp(`ERROR edge\\.blob_corrupt id=${site.id} path=small\\.txt blob=${sha256(small)} expected_size=${small.length} found_size=5`));
    assert.match(server.output(), new RegExp(`ERROR edge\\.blob_corrupt id=${site.id} path=large\\.bin blob=${sha256(large)} expected_size=${large.length} found_size=1000`));
  });

  test('a replaced blob (same size, other bytes) is a 502 when first loaded', async () => {
    const site = await deploySite({ 'index.html': '<h1>Replaced</h1>', 'small.txt': small, 'large.bin': large });
    writeFileSync(blobPath(small), other);
    writeFileSync(blobPath(large), large.toLowerCase() === large ? `${large.slice(1)}#` : large.toLowerCase());
    for (const path of ['/small.txt', '/large.bin']) {
      const res = await get(site.host, path);
      assert.equal(res.status, 502, path);
      assert.doesNotMatch(res.body, /SMALL FILE/, path);
    }
    assert.match(server.output(), new RegExp(`edge\\.blob_corrupt id=${site.id} path=small\\.txt .*found_hash=${sha256(other)}`));
  });
});

describe('publishing counts against the build timeout', () => {
  // Long enough for the install and the 3,000 writes on a loaded machine: the build then
  // waits out the rest, so only publishing is late.
  const timeoutMs = 20000;
  let limited;
  before(async () => { limited = await startServer({ args: ['--build-timeout', `${timeoutMs / 1000}s`] }); });
  after(async () => { await limited.stop(); });

  // The build writes 3,000 files, then waits until just before the deadline (which starts
  // right after the clone, when package.json was written), so only publishing is late.
  const manyFiles = () => ({
    'package.json': JSON.stringify({ name: 'many', version: '1.0.0', private: true, scripts: { build: 'node build.js' } }),
    'build.js': `
const fs = require('fs');
const cloned = fs.statSync('package.json').mtimeMs;
fs.mkdirSync('dist/many', { recursive: true });
fs.writeFileSync('dist/index.html', '<h1>many</h1>');
for (let i = 0; i < 3000; i++) fs.writeFileSync('dist/many/f' + i + '.txt', 'file ' + i);
const wait = cloned + ${timeoutMs} - 300 - Date.now();
console.log('wrote 3000 files; waiting ' + Math.round(wait) + ' ms');
if (wait > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, wait);
`,
  });

  test('too many files to publish in time: ERROR names the limit; a normal build still deploys', async () => {
    const many = await deploy(limited.port, { repoUrl: makeRepo(manyFiles()) });
    const normal = await deploy(limited.port, { repoUrl: makeRepo(tinyApp()) });
    const failed = await waitFor(limited.port, many.json.id, { timeoutMs: 60000 });
    assert.equal(failed.status, 'ERROR', JSON.stringify(failed));
    assert.match(failed.error, /The output took too long to publish: .*time limit \(20 seconds\) with \d+ of 3001 files published/);
    assert.match(failed.error, /Publish fewer files/);
    const log = await fullLog(limited.port, many.json.id);
    assert.match(log, /took too long to publish/);
    const ok = await waitFor(limited.port, normal.json.id, { timeoutMs: 30000 });
    assert.equal(ok.status, 'DEPLOYED', ok.error);
  });
});
