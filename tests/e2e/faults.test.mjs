// Faults against the real binary (issue 13): the data directory's disk fills up mid-build
// and mid-publish, and `reactor serve` is killed with SIGKILL at random moments. After each,
// earlier sites still serve, the database is intact, nothing is lost or repeated, and the
// next deploy works.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { deploy, getDeployment, makeRepo, request, startServer, tempDir, tinyApp, waitFor } from './harness.mjs';

const sqlite = (db, sql) => execFileSync('sqlite3', ['-readonly', db, sql], { encoding: 'utf8' }).trim();

async function until(what, check, timeoutMs = 60000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const buildLog = async (port, id) => (await request(port, { path: `/deployments/${id}/logs` })).body;

// A build that says it waits, then waits until the disk holding its workspace is full and
// writes its output then, as a build that runs out of space does.
const waitsForFullDisk = {
  'package.json': JSON.stringify({ name: 'filler', private: true, scripts: { build: 'node build.js' } }),
  'build.js': `
const fs = require('fs');
console.log('waiting for a full disk');
const started = Date.now();
const timer = setInterval(() => {
  const disk = fs.statfsSync('.');
  if (disk.bavail * disk.bsize >= 1 << 20 && Date.now() - started < 60000) return;
  clearInterval(timer);
  fs.mkdirSync('dist', { recursive: true });
  fs.writeFileSync('dist/index.html', 'x'.repeat(4 << 20));
}, 20);
`,
};

// A build whose output (incompressible, so one blob per file) fits in the workspace but
// not a second time in the object store.
const bigOutput = (mebibytes) => ({
  'package.json': JSON.stringify({ name: 'big', private: true, scripts: { build: 'node build.js' } }),
  'build.js': `
const fs = require('fs'), crypto = require('crypto');
fs.mkdirSync('dist', { recursive: true });
fs.writeFileSync('dist/index.html', '<h1>big</h1>');
fs.writeFileSync('dist/big.bin', crypto.randomBytes(${mebibytes} << 20));
console.log('wrote ${mebibytes} MiB');
`,
});

describe('the data directory\'s disk fills up', () => {
  // A tmpfs of its own, so filling it touches nothing else on the machine.
  const mountPoint = mkdtempSync(join(tmpdir(), 'reactor-full-disk-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64m', 'tmpfs', mountPoint]);
  const dataDir = join(mountPoint, 'data');
  const filler = join(mountPoint, 'filler');
  let server;
  let first;
  after(async () => {
    await server?.stop();
    execFileSync('umount', ['-l', mountPoint]);
    rmSync(mountPoint, { recursive: true, force: true });
  });

  const freeBytes = () => { const disk = statfsSync(mountPoint); return disk.bavail * disk.bsize; };
  // Leaves `free` bytes free (0: fills it to the last block).
  const fill = (free) => {
    rmSync(filler, { force: true });
    const size = Math.max(0, freeBytes() - free);
    try {
      execFileSync('dd', ['if=/dev/zero', `of=${filler}`, 'bs=64K', `count=${Math.ceil(size / 65536)}`], { stdio: 'pipe' });
    } catch {
      // dd stops at "No space left on device": full is what was asked for.
    }
  };
  const firstServes = async () => {
    const res = await request(server.port, { host: `${first}.localhost`, path: '/' });
    assert.equal(res.status, 200, 'the earlier site serves while the disk is full');
    assert.match(res.body, /Before the disk filled/);
  };
  const integrity = () => assert.equal(sqlite(join(dataDir, 'reactor.db'), 'PRAGMA integrity_check'), 'ok');
  // How many times the worker started this build: a full disk must not be retried.
  const attempts = (id) => server.output().split('\n').filter((line) => line.includes('build.started') && line.includes(id)).length;

  test('a site deploys before the disk fills', async () => {
    server = await startServer({ dataDir, args: ['--gc-interval', '0', '--lease-timeout', '3s'] });
    const res = await deploy(server.port, { repoUrl: makeRepo(tinyApp({ title: 'Before the disk filled' })) });
    first = res.json.id;
    assert.equal((await waitFor(server.port, first)).status, 'DEPLOYED');
    await firstServes();
  });

  test('mid-build: ERROR names the full disk, once, and the earlier site serves throughout', async () => {
    const res = await deploy(server.port, { repoUrl: makeRepo(waitsForFullDisk) });
    const id = res.json.id;
    await until('the build to wait', async () => (await buildLog(server.port, id)).includes('waiting for a full disk'));
    fill(0);
    assert.ok(freeBytes() < 1 << 20, `${freeBytes()} bytes still free`);
    const serving = until('the build to end', async () => {
      await firstServes();
      return ['DEPLOYED', 'ERROR', 'CANCELED'].includes((await getDeployment(server.port, id)).status);
    });
    await serving;
    const ended = await getDeployment(server.port, id);
    assert.equal(ended.status, 'ERROR', JSON.stringify(ended));
    assert.match(ended.error, /the disk holding .* is full/, ended.error);
    assert.equal(attempts(id), 1, 'a full disk ends the deployment at once instead of retrying');
    await firstServes();
    integrity();
    rmSync(filler);
  });

  test('mid-publish: ERROR names the full disk, and the next deploy works once it is freed', async () => {
    // 12 MiB of output fits in the workspace with 20 MiB free, but not again as a blob.
    fill(20 << 20);
    const res = await deploy(server.port, { repoUrl: makeRepo(bigOutput(12)) });
    const id = res.json.id;
    const ended = await until('the build to end', async () => {
      await firstServes();
      const deployment = await getDeployment(server.port, id);
      return ['DEPLOYED', 'ERROR', 'CANCELED'].includes(deployment.status) && deployment;
    });
    assert.equal(ended.status, 'ERROR', JSON.stringify(ended));
    assert.match(ended.error, /the disk holding .* is full/, ended.error);
    assert.equal(attempts(id), 1, 'a full disk ends the deployment at once instead of retrying');
    assert.match(await buildLog(server.port, id), /wrote 12 MiB/, 'the build itself ran');
    integrity();

    rmSync(filler);
    const next = await deploy(server.port, { repoUrl: makeRepo(tinyApp({ title: 'After the disk was freed' })) });
    assert.equal((await waitFor(server.port, next.json.id)).status, 'DEPLOYED');
    const site = await request(server.port, { host: `${next.json.id}.localhost`, path: '/' });
    assert.match(site.body, /After the disk was freed/);
    await firstServes();
    // No half-written blob is left behind, and every blob of a live site is there.
    const blobs = readdirSync(join(dataDir, 'objects', 'blobs'));
    assert.deepEqual(blobs.filter((name) => name.includes('.tmp-')), []);
    integrity();
  });
});
