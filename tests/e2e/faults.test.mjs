// Faults against the real binary (issue 13): the data directory's disk fills up mid-build
// and mid-publish, and `reactor serve` is killed with SIGKILL at random moments. After each,
// earlier sites still serve, the database is intact, nothing is lost or repeated, and the
// next deploy works.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { deploy, fullLog, getDeployment, makeRepo, request, site, startServer, tempDir, tinyApp, until, waitFor } from './harness.mjs';

const sqlite = (db, sql, flags = []) => execFileSync('sqlite3', ['-readonly', ...flags, db, sql], { encoding: 'utf8' }).trim();

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

describe('the data directory\'s disk fills up', { skip: process.getuid() !== 0 && 'mounting a tmpfs needs root' }, () => {
  // A tmpfs of its own, so filling it touches nothing else on the machine.
  const mountPoint = mkdtempSync(join(tmpdir(), 'reactor-full-disk-'));
  const dataDir = join(mountPoint, 'data');
  const filler = join(mountPoint, 'filler');
  let mounted = false;
  let server;
  let first;
  before(() => {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64m', 'tmpfs', mountPoint]);
    mounted = true;
  });
  after(async () => {
    await server?.stop();
    if (mounted) execFileSync('umount', ['-l', mountPoint]);
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
    const res = await site(server.port, first);
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
    await until('the build to wait', async () => (await request(server.port, { path: `/deployments/${id}/logs` })).body.includes('waiting for a full disk'));
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
    assert.match(await fullLog(server.port, id), /wrote 12 MiB/, 'the build itself ran');
    integrity();

    rmSync(filler);
    const next = await deploy(server.port, { repoUrl: makeRepo(tinyApp({ title: 'After the disk was freed' })) });
    assert.equal((await waitFor(server.port, next.json.id)).status, 'DEPLOYED');
    assert.match((await site(server.port, next.json.id)).body, /After the disk was freed/);
    await firstServes();
    // No half-written blob is left behind, and every blob of a live site is there.
    const blobs = readdirSync(join(dataDir, 'objects', 'blobs'));
    assert.deepEqual(blobs.filter((name) => name.includes('.tmp-')), []);
    integrity();
  });
});

// A small deterministic generator, so a failing run can be repeated with its seed.
function randomFrom(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

const finalStatuses = ['DEPLOYED', 'ERROR', 'CANCELED'];
const sqliteJson = (db, sql) => JSON.parse(sqlite(db, sql, ['-json']) || '[]');

// The store's invariants, read from the SQLite database (safe beside a running server: WAL)
// and the object directory. `accepted`: ids a POST /deploy answered 202 for. Returns the
// deployments by id.
function checkStore(dataDir, accepted) {
  // One statement is one read transaction: a consistent snapshot while the server writes.
  const [snapshot] = sqliteJson(join(dataDir, 'reactor.db'), `SELECT
    (SELECT json_group_array(json_object('id', id, 'status', status)) FROM deployments) AS deployments,
    (SELECT json_group_array(json_object('seq', seq, 'id', deployment_id, 'status', status))
       FROM (SELECT * FROM events WHERE kind = 'status' ORDER BY seq)) AS statusEvents,
    (SELECT json_group_array(deployment_id) FROM jobs) AS jobs,
    (SELECT COUNT(*) FROM events) AS events,
    (SELECT COUNT(DISTINCT seq) FROM events) AS seqs`);
  const deployments = new Map(JSON.parse(snapshot.deployments).map((d) => [d.id, d]));
  for (const id of accepted) assert.ok(deployments.has(id), `deployment ${id} was accepted, then lost`);
  assert.equal(snapshot.events, snapshot.seqs, 'an event seq repeats');
  const statusEvents = JSON.parse(snapshot.statusEvents);
  const jobs = new Set(JSON.parse(snapshot.jobs));
  const history = new Map();
  for (const event of statusEvents) {
    if (!history.has(event.id)) history.set(event.id, []);
    history.get(event.id).push(event.status);
  }
  for (const [id, deployment] of deployments) {
    const statuses = history.get(id) ?? [];
    assert.equal(statuses[0], 'PENDING', `${id}'s history starts with PENDING: ${statuses}`);
    const finals = statuses.filter((status) => finalStatuses.includes(status));
    assert.ok(finals.length <= 1, `${id} ended more than once: ${statuses}`);
    assert.equal(statuses.at(-1), deployment.status, `${id}'s last status event is its status: ${statuses}`);
    if (!finalStatuses.includes(deployment.status)) {
      assert.ok(jobs.has(id), `${id} is ${deployment.status} without a job: it would never end`);
    }
    if (deployment.status !== 'DEPLOYED') continue;
    const manifest = JSON.parse(readFileSync(join(dataDir, 'objects', 'manifests', `${id}.json`), 'utf8'));
    for (const hash of JSON.stringify(manifest).match(/\b[0-9a-f]{64}\b/g) ?? []) {
      assert.ok(existsSync(join(dataDir, 'objects', 'blobs', hash)), `${id} references blob ${hash}, which is missing`);
    }
  }
  return deployments;
}

// The whole feed of one finished deployment as the API streams it: [{seq, message}].
async function feed(port, id) {
  const res = await request(port, { path: `/deployments/${id}/events?since=0` });
  assert.equal(res.status, 200, res.body);
  return res.body.split('\n\n').filter((block) => block.includes('data: ')).map((block) => ({
    seq: Number(block.match(/^id: (\d+)$/m)?.[1]),
    message: JSON.parse(block.match(/^data: (.*)$/m)[1]),
  }));
}

describe('kill -9 at random moments', () => {
  test('50 rounds: every deployment ends once, no event is lost or repeated, no blob is missing', { timeout: 240000 }, async () => {
    const seed = Number(process.env.REACTOR_KILL_SEED ?? Date.now() % 1e9);
    const random = randomFrom(seed);
    const rounds = Number(process.env.REACTOR_KILL_ROUNDS ?? 50);
    const dataDir = tempDir('reactor-kill-');
    // Orphaned builds come back after 2 s; two workers drain the queue between kills.
    const args = ['--lease-timeout', '2s', '--workers', '2', '--gc-interval', '0'];
    // No package.json, so no install: a build takes about half a second even on a busy
    // machine, and rounds of 0-3 s see builds finish as well as die at every step.
    const fastApp = (options) => {
      const { 'package.json': _, ...files } = tinyApp(options);
      return { repoUrl: makeRepo(files), buildCommand: 'node build.js', outputDir: 'dist' };
    };
    const apps = [fastApp({ title: 'Quick' }), fastApp({ sleepMs: 500, title: 'Slower' })];
    const accepted = [];
    const started = Date.now();
    for (let round = 0; round < rounds; round++) {
      const server = await startServer({ dataDir, args });
      // The kill may land before, during or after the POSTs, the builds and the publishes:
      // the random delay is the scenario, not a wait for something.
      const killed = new Promise((resolve) => setTimeout(resolve, random() * 3000)).then(() => {
        server.child.kill('SIGKILL');
        return server.exited;
      });
      let unfinished;
      try {
        unfinished = [...checkStore(dataDir, accepted).values()].filter((d) => !finalStatuses.includes(d.status)).length;
      } catch (error) {
        server.child.kill('SIGKILL');
        throw new Error(`round ${round} (seed ${seed}): ${error.message}`);
      }
      // A build takes about as long as a round here: a bounded backlog keeps the run bounded.
      const posts = unfinished >= 4 ? 0 : random() < 0.3 ? 2 : 1;
      for (let i = 0; i < posts; i++) {
        try {
          const res = await deploy(server.port, apps[Math.floor(random() * apps.length)]);
          if (res.status === 202) accepted.push(res.json.id);
        } catch {
          // Killed mid-request: the deployment may or may not exist, and either is fine.
        }
      }
      const exit = await killed;
      assert.equal(exit.signal, 'SIGKILL', `round ${round} (seed ${seed}): the server died on its own:\n${server.output()}`);
    }
    const killing = Date.now() - started;

    const server = await startServer({ dataDir, args });
    try {
      const all = [...checkStore(dataDir, accepted).keys()];
      const drained = Date.now();
      for (const id of all) await waitFor(server.port, id, { timeoutMs: 120000 });
      const deployments = checkStore(dataDir, accepted);
      const db = join(dataDir, 'reactor.db');
      const counts = {};
      for (const [id, { status }] of deployments) {
        counts[status] = (counts[status] ?? 0) + 1;
        assert.ok(finalStatuses.includes(status), `${id} never ended: ${status}`);
        // The API's feed holds exactly the stored events, each once, in order, and ends once.
        const events = await feed(server.port, id);
        const stored = sqliteJson(db, `SELECT seq FROM events WHERE deployment_id = '${id}' ORDER BY seq`).map((e) => e.seq);
        assert.deepEqual(events.map((e) => e.seq), stored, `${id}'s feed`);
        const ends = events.filter((e) => e.message.type === 'STATUS_UPDATE' && finalStatuses.includes(e.message.status));
        assert.equal(ends.length, 1, `${id} ends once in its feed`);
        if (status === 'ERROR') {
          // The apps cannot fail: the only way to end in ERROR is to be killed three times.
          const { error } = await getDeployment(server.port, id);
          assert.match(error, /attempted 3 times and the worker never finished/, `${id}: ${error}`);
        }
        if (status === 'DEPLOYED') {
          assert.equal((await site(server.port, id)).status, 200, `${id} serves`);
        }
      }
      assert.ok(accepted.length >= rounds / 2, `${accepted.length} deploys accepted`);
      assert.ok(counts.DEPLOYED > 0, JSON.stringify(counts));
      console.log(`kill -9 loop: seed ${seed}, ${rounds} rounds in ${killing} ms, ${accepted.length} accepted, ${all.length} created, final ${JSON.stringify(counts)}, drained in ${Date.now() - drained} ms`);
    } finally {
      await server.stop();
    }

    // Killed builds leave workspaces behind; the next start deletes those of ended builds.
    const workspaces = () => readdirSync(join(dataDir, 'work'))
      .filter((name) => name.startsWith('attempt-'))
      .flatMap((attempt) => readdirSync(join(dataDir, 'work', attempt)));
    const again = await startServer({ dataDir, args });
    try {
      await until('stale workspaces to go', () => workspaces().length === 0, 30000)
        .catch(() => assert.deepEqual(workspaces(), [], 'workspaces of ended builds are left'));
    } finally {
      await again.stop();
    }
  });
});
