// Scale-out, end to end: `reactor api`, two `reactor worker`s and `reactor edge` as separate
// processes, each with its own data directory, sharing one PostgreSQL schema (--db) and one
// S3 prefix (--store). Run under both test servers:
//   REACTOR_BIN=build/reactor scripts/with-postgres.sh scripts/with-s3.sh \
//     node --experimental-websocket --test tests/scaleout/
//
// Which worker built a deployment: a worker builds deployment <id> in <its data dir>/work/<id>
// (created when it leases the job, removed when the build ends), so each worker's work
// directory is watched (inotify, plus a 50 ms listing as a backstop) for entries named after
// the deployments.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import { deploy, getDeployment, makeRepo, request, tempDir, waitFor } from '../e2e/harness.mjs';

const BIN = process.env.REACTOR_BIN ?? new URL('../../build/reactor', import.meta.url).pathname;
const POSTGRES = process.env.REACTOR_TEST_POSTGRES_URL;
const S3 = process.env.REACTOR_TEST_S3_URL;
const skip = POSTGRES && S3 ? false : 'run under scripts/with-postgres.sh scripts/with-s3.sh';

// Everything started here, ended by PID in `after` if a test did not stop it.
const children = new Set();
const closers = new Set();
after(async () => {
  for (const close of closers) close();
  for (const child of children) child.kill('SIGKILL');
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// The cluster's own psql when scripts/with-postgres.sh says where it is.
const PSQL = process.env.REACTOR_TEST_POSTGRES_BIN ? join(process.env.REACTOR_TEST_POSTGRES_BIN, 'psql') : 'psql';

function psql(url, sql) {
  return execFileSync(PSQL, ['-X', '-qAt', '-v', 'ON_ERROR_STOP=1', '-d', url, '-c', sql], {
    encoding: 'utf8', timeout: 30000, stdio: ['ignore', 'pipe', 'pipe'],
  }).trim();
}

// A fresh PostgreSQL schema and S3 prefix for one test; `db` and `store` are the role flags.
function freshBackends(name) {
  const schema = `scaleout_${name}_${randomBytes(4).toString('hex')}`;
  psql(POSTGRES, `CREATE SCHEMA ${schema}`);
  const db = `${POSTGRES}${POSTGRES.includes('?') ? '&' : '?'}options=-csearch_path%3D${schema}`;
  const [base, query] = S3.split('?');
  const store = `${base.replace(/\/+$/, '')}/${schema}${query ? `?${query}` : ''}`;
  return { db, store, sql: (text) => psql(db, text) };
}

// Starts `reactor <role>` (api, worker or edge); resolves once it serves (api, edge: with
// its port) or runs (worker).
async function startRole(role, { db, store, args = [], dataDir = tempDir(`reactor-${role}-`) }) {
  const argv = [role, '--data-dir', dataDir, '--db', db, '--store', store];
  if (role !== 'worker') argv.push('--listen', '127.0.0.1:0');
  if (role !== 'edge') argv.push('--allow-local-repos');
  argv.push(...args);
  // The tests post many deployments from one address: no rate limit (an environment
  // variable, which binaries without the flag ignore).
  const env = { ...process.env, REACTOR_DEPLOY_RATE_LIMIT: '0' };
  const child = spawn(BIN, argv, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  children.add(child);
  let output = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk) => { output += chunk; });
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => {
    children.delete(child);
    resolve({ code, signal });
  }));
  const ready = role === 'worker' ? /reactor\.started/ : /reactor\.serving url=http:\/\/[^:\s]+:(\d+)/;
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${role} did not start in 30 s:\n${output}`)), 30000);
    const check = () => {
      const match = output.match(ready);
      if (match) {
        clearTimeout(timer);
        child.stderr.off('data', check);
        resolve(match[1] === undefined ? undefined : Number(match[1]));
      }
    };
    child.stderr.on('data', check);
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`${role} exited (${code ?? signal}) before it was ready:\n${output}`));
    });
  });
  return {
    role, port, dataDir, child, exited,
    output: () => output,
    // SIGTERM, then SIGKILL when it has not exited within 15 s.
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 15000);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
  };
}

// Records every workspace that appears in a worker's work directory: the deployments it builds.
function watchWorkDir(worker) {
  const dir = join(worker.dataDir, 'work'); // workspaces are work/attempt-<n>/<id>
  mkdirSync(dir, { recursive: true });
  const seen = new Set();
  const poll = setInterval(() => {
    try {
      for (const attempt of readdirSync(dir)) {
        for (const name of readdirSync(join(dir, attempt))) seen.add(name);
      }
    } catch { /* removed meanwhile, or at exit */ }
  }, 20);
  const close = () => { clearInterval(poll); closers.delete(close); };
  closers.add(close);
  return { seen, close };
}

// A WebSocket on the api's /ws that records each message with its arrival time.
async function liveWatch(port) {
  const socket = new WebSocket(`ws://127.0.0.1:${port}/ws`);
  const messages = [];
  socket.addEventListener('message', (event) => messages.push({ ...JSON.parse(event.data), arrivedAt: Date.now() }));
  await new Promise((resolve, reject) => {
    socket.addEventListener('open', resolve);
    socket.addEventListener('error', reject);
  });
  const close = () => { socket.close(); closers.delete(close); };
  closers.add(close);
  return {
    messages,
    register: (id) => socket.send(JSON.stringify({ action: 'register', id, since: 0 })),
    of: (id) => messages.filter((m) => m.id === id),
    close,
  };
}

// A site whose build prints `tick <wall-clock ms>` every 100 ms (`ticks` times), sleeps
// `sleepMs`, then writes dist/ with `title` in its index.html.
function tickingApp(title, { ticks = 10, sleepMs = 0 } = {}) {
  return {
    'package.json': JSON.stringify({ name: 'ticking', version: '1.0.0', private: true, scripts: { build: 'node build.js' } }),
    'build.js': `
const fs = require('fs');
let i = 0;
const timer = setInterval(() => {
  if (i++ < ${ticks}) { console.log('tick ' + Date.now()); return; }
  clearInterval(timer);
  setTimeout(() => {
    fs.mkdirSync('dist/assets', { recursive: true });
    fs.writeFileSync('dist/index.html', '<!doctype html><title>${title}</title><h1>${title}</h1>');
    fs.writeFileSync('dist/assets/app-1a2b3c4d.js', 'console.log(${JSON.stringify(title)});');
  }, ${sleepMs});
}, 100);
`,
  };
}

// How long after its build printed it each `tick` line reached the WebSocket client, in ms.
function tickDelays(messages) {
  return messages
    .filter((m) => m.type === 'LOG' && /^tick \d+$/.test(m.line))
    .map((m) => m.arrivedAt - Number(m.line.slice(5)));
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function logOf(api, id) {
  return (await request(api.port, { path: `/deployments/${id}/logs` })).body;
}

const count = (text, pattern) => (text.match(pattern) ?? []).length;

// Served by the edge with the right body, asset included.
async function assertServed(edge, id, title) {
  const page = await request(edge.port, { host: `${id}.localhost` });
  assert.equal(page.status, 200, `site ${id}: ${page.body}`);
  assert.match(page.body, new RegExp(`<h1>${title}</h1>`));
  const asset = await request(edge.port, { host: `${id}.localhost`, path: '/assets/app-1a2b3c4d.js' });
  assert.equal(asset.status, 200);
  assert.equal(asset.body, `console.log(${JSON.stringify(title)});`);
}

// Exactly one build of `id` ran to completion: one DEPLOYED status event in the store,
// one "Published" line in its log, its job gone and no dead letter.
async function assertBuiltOnce(api, sql, id) {
  assert.equal(sql(`SELECT count(*) FROM events WHERE deployment_id = '${id}' AND kind = 'status' AND status = 'DEPLOYED'`), '1');
  assert.equal(count(await logOf(api, id), /^\[reactor\] Published /gm), 1, await logOf(api, id));
  assert.equal(sql(`SELECT count(*) FROM jobs WHERE deployment_id = '${id}'`), '0');
  assert.equal(sql(`SELECT count(*) FROM dead_letters WHERE deployment_id = '${id}'`), '0');
}

// What a WebSocket client got for one deployment: strictly increasing seqs (nothing
// doubled), and DEPLOYED exactly once, last.
function assertLiveStream(watcher, id) {
  const mine = watcher.of(id).filter((m) => m.type === 'STATUS_UPDATE' || m.type === 'LOG');
  for (let i = 1; i < mine.length; i++) {
    assert.ok(mine[i].seq > mine[i - 1].seq, `seq ${mine[i].seq} after ${mine[i - 1].seq} for ${id}`);
  }
  const statuses = mine.filter((m) => m.type === 'STATUS_UPDATE').map((m) => m.status);
  assert.equal(statuses[0], 'PENDING', statuses.join(' '));
  assert.equal(statuses.filter((s) => s === 'DEPLOYED').length, 1, statuses.join(' '));
  assert.equal(statuses.at(-1), 'DEPLOYED', statuses.join(' '));
}

async function waitUntil(what, predicate, timeoutMs = 60000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

// Stops the roles, then removes their data directories.
async function stopAll(roles) {
  await Promise.all(roles.map((role) => role.stop()));
  for (const role of roles) rmSync(role.dataDir, { recursive: true, force: true });
}

test('api, two workers and an edge as separate processes: ten deployments spread, all served, live status over LISTEN/NOTIFY', { skip, timeout: 240000 }, async () => {
  const backends = freshBackends('spread');
  const api = await startRole('api', backends);
  const workers = [await startRole('worker', backends), await startRole('worker', backends)];
  const edge = await startRole('edge', backends);
  const built = workers.map(watchWorkDir);
  try {
    const watcher = await liveWatch(api.port);
    const sites = [];
    for (let i = 0; i < 10; i++) {
      const title = `Scale app ${i}`;
      const posted = await deploy(api.port, { repoUrl: makeRepo(tickingApp(title)) });
      assert.equal(posted.status, 202, posted.body);
      watcher.register(posted.json.id);
      sites.push({ id: posted.json.id, title });
    }
    for (const { id } of sites) {
      const deployment = await waitFor(api.port, id, { timeoutMs: 150000 });
      assert.equal(deployment.status, 'DEPLOYED', JSON.stringify(deployment));
    }
    for (const { id, title } of sites) await assertServed(edge, id, title);

    // Spread: each deployment was built by exactly one worker, and each worker built some.
    const ids = sites.map((s) => s.id);
    const byWorker = built.map(({ seen }) => ids.filter((id) => seen.has(id)));
    for (const id of ids) {
      assert.equal(byWorker.filter((list) => list.includes(id)).length, 1, `${id}: ${JSON.stringify(byWorker)}`);
    }
    for (const list of byWorker) assert.ok(list.length >= 1, `a worker built nothing: ${JSON.stringify(byWorker)}`);
    for (const id of ids) await assertBuiltOnce(api, backends.sql, id);

    // Live status reached the api's WebSocket client while other processes built; the
    // hub falls back to reading the feed once a second, so delays well under that show
    // the LISTEN/NOTIFY wake-up (build logs are written every 100 ms).
    await waitUntil('every DEPLOYED on the WebSocket', () => ids.every((id) => watcher.of(id).some((m) => m.status === 'DEPLOYED')), 10000);
    for (const id of ids) assertLiveStream(watcher, id);
    const delays = tickDelays(watcher.messages);
    assert.ok(delays.length >= 50, `only ${delays.length} tick lines arrived`);
    assert.ok(median(delays) < 400, `median delay ${median(delays)} ms: ${delays.join(' ')}`);
    console.log(`# built per worker: ${byWorker.map((l) => l.length).join(' + ')}; tick delay median ${median(delays)} ms over ${delays.length} lines`);
  } finally {
    for (const watch of built) watch.close();
    await stopAll([api, ...workers, edge]);
  }
});

test('kill -9 of a worker mid-build: the other finishes the build after the lease expires, each deployment built to completion once', { skip, timeout: 240000 }, async () => {
  const backends = freshBackends('kill');
  const leaseArgs = { args: ['--lease-timeout', '3s'] };
  const api = await startRole('api', backends);
  const workers = [await startRole('worker', { ...backends, ...leaseArgs }), await startRole('worker', { ...backends, ...leaseArgs })];
  const edge = await startRole('edge', backends);
  const built = workers.map(watchWorkDir);
  try {
    const watcher = await liveWatch(api.port);
    const slow = await deploy(api.port, { repoUrl: makeRepo(tickingApp('Slow survivor', { ticks: 5, sleepMs: 5000 })) });
    assert.equal(slow.status, 202, slow.body);
    watcher.register(slow.json.id);
    // The victim is whichever worker leased the slow build; kill it while the build sleeps.
    await waitUntil('the slow build', async () => (await getDeployment(api.port, slow.json.id)).phase === 'building');
    await waitUntil('the slow build to print', async () => /^tick /m.test(await logOf(api, slow.json.id)));
    const victim = built.findIndex(({ seen }) => seen.has(slow.json.id));
    assert.notEqual(victim, -1, 'no worker work directory holds the slow build');
    const survivor = 1 - victim;
    // Queued behind it: these must not be lost either.
    const others = [];
    for (let i = 0; i < 3; i++) {
      const title = `Queued ${i}`;
      const posted = await deploy(api.port, { repoUrl: makeRepo(tickingApp(title, { ticks: 2 })) });
      watcher.register(posted.json.id);
      others.push({ id: posted.json.id, title });
    }
    // The sandbox dies with its worker (bwrap --die-with-parent): nothing keeps building in
    // the dead worker's workspace.
    const workspace = join(workers[victim].dataDir, 'work', 'attempt-1', slow.json.id);
    assert.ok(processesMentioning(workspace), 'no sandbox runs the slow build');
    const killedAt = Date.now();
    workers[victim].child.kill('SIGKILL');
    assert.equal((await workers[victim].exited).signal, 'SIGKILL');
    await waitUntil('the dead worker\'s sandbox to go', () => !processesMentioning(workspace), 10000);

    const deployment = await waitFor(api.port, slow.json.id, { timeoutMs: 90000 });
    assert.equal(deployment.status, 'DEPLOYED', JSON.stringify(deployment));
    assert.ok(built[survivor].seen.has(slow.json.id), 'the surviving worker never built the slow deployment');
    const log = await logOf(api, slow.json.id);
    assert.equal(count(log, /^\[reactor\] Cloning /gm), 2, log); // started twice, once on each...
    // ...the second time only once the lease had expired: it was extended at most 1 s
    // (a third of it) before the kill.
    const restartedAt = Number(backends.sql(`SELECT max(at_ms) FROM events WHERE deployment_id = '${slow.json.id}' AND line LIKE '[reactor] Cloning %'`));
    assert.ok(restartedAt - killedAt >= 1500, `rebuilt ${restartedAt - killedAt} ms after the kill`);
    await assertBuiltOnce(api, backends.sql, slow.json.id); // ...completed once
    await assertServed(edge, slow.json.id, 'Slow survivor');

    for (const { id, title } of others) {
      const other = await waitFor(api.port, id, { timeoutMs: 90000 });
      assert.equal(other.status, 'DEPLOYED', JSON.stringify(other));
      await assertBuiltOnce(api, backends.sql, id);
      await assertServed(edge, id, title);
    }
    await waitUntil('every DEPLOYED on the WebSocket', () => [slow.json.id, ...others.map((o) => o.id)].every((id) => watcher.of(id).some((m) => m.status === 'DEPLOYED')), 10000);
    for (const id of [slow.json.id, ...others.map((o) => o.id)]) assertLiveStream(watcher, id);
    assert.equal(backends.sql('SELECT count(*) FROM jobs'), '0');
  } finally {
    for (const watch of built) watch.close();
    await stopAll([api, ...workers, edge]);
  }
});

// True when a process's command line contains `text` (bwrap's names the workspace).
function processesMentioning(text) {
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(text)) return true;
    } catch { /* gone */ }
  }
  return false;
}

function restartPostgres() {
  const data = process.env.REACTOR_TEST_POSTGRES_DATA;
  const bin = process.env.REACTOR_TEST_POSTGRES_BIN ?? '/usr/lib/postgresql/15/bin';
  assert.ok(data, 'scripts/with-postgres.sh exports REACTOR_TEST_POSTGRES_DATA');
  const asServer = process.getuid() === 0 ? ['runuser', '-u', 'postgres', '--'] : [];
  const argv = [...asServer, `${bin}/pg_ctl`, 'restart', '-D', data, '-m', 'fast', '-w', '-t', '60', '-s',
    '-l', join(dirname(data), 'server.log')];
  execFileSync(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], timeout: 90000 });
}

test('PostgreSQL restarts under running roles: each recovers by itself', { skip, timeout: 240000 }, async () => {
  const backends = freshBackends('restart');
  const leaseArgs = { args: ['--lease-timeout', '3s'] };
  const api = await startRole('api', backends);
  const workers = [await startRole('worker', { ...backends, ...leaseArgs }), await startRole('worker', { ...backends, ...leaseArgs })];
  const edge = await startRole('edge', backends);
  const built = workers.map(watchWorkDir);
  try {
    const watcher = await liveWatch(api.port);
    const before = await deploy(api.port, { repoUrl: makeRepo(tickingApp('Before', { ticks: 1 })) });
    assert.equal((await waitFor(api.port, before.json.id, { timeoutMs: 90000 })).status, 'DEPLOYED');
    await assertServed(edge, before.json.id, 'Before');
    // In flight across the restart: its worker loses the connection mid-build.
    const during = await deploy(api.port, { repoUrl: makeRepo(tickingApp('During', { ticks: 30 })) });
    watcher.register(during.json.id);
    await waitUntil('the build in flight', async () => /^tick /m.test(await logOf(api, during.json.id)));

    const started = backends.sql('SELECT pg_postmaster_start_time()');
    const connections = backends.sql('SELECT count(*) FROM pg_stat_activity WHERE application_name = \'reactor\'');
    restartPostgres();
    assert.notEqual(backends.sql('SELECT pg_postmaster_start_time()'), started);

    // The first request after the restart already works: the api reconnects and retries.
    // Four builds of a second or more each: both workers (the one that was building and
    // the idle one) take part, and the edge must read the new deployments from the store.
    const after = [];
    for (let i = 0; i < 4; i++) {
      const title = `After ${i}`;
      const posted = await deploy(api.port, { repoUrl: makeRepo(tickingApp(title)) });
      assert.equal(posted.status, 202, posted.body);
      watcher.register(posted.json.id);
      after.push({ id: posted.json.id, title });
    }
    for (const { id, title } of after) {
      const deployment = await waitFor(api.port, id, { timeoutMs: 90000 });
      assert.equal(deployment.status, 'DEPLOYED', JSON.stringify(deployment));
      await assertServed(edge, id, title);
      await assertBuiltOnce(api, backends.sql, id);
    }
    const byWorker = built.map(({ seen }) => after.filter(({ id }) => seen.has(id)).length);
    assert.ok(byWorker.every((n) => n >= 1), `built after the restart, per worker: ${byWorker.join(' + ')}`);
    await assertServed(edge, before.json.id, 'Before');

    const inFlight = await waitFor(api.port, during.json.id, { timeoutMs: 90000 });
    assert.equal(inFlight.status, 'DEPLOYED', JSON.stringify(inFlight));
    await assertBuiltOnce(api, backends.sql, during.json.id);
    // Its log lines written while the server was down were retried, not dropped.
    const duringLog = await logOf(api, during.json.id);
    assert.equal(count(duringLog, /^tick \d+$/gm), 30, duringLog);
    await assertServed(edge, during.json.id, 'During');

    // The api's listener is back on LISTEN: the new builds' lines arrive promptly, not on
    // the hub's once-a-second fallback.
    const ids = [during.json.id, ...after.map(({ id }) => id)];
    await waitUntil('every DEPLOYED on the WebSocket', () => ids.every((id) => watcher.of(id).some((m) => m.status === 'DEPLOYED')), 10000);
    for (const id of ids) assertLiveStream(watcher, id);
    const delays = after.flatMap(({ id }) => tickDelays(watcher.of(id)));
    assert.ok(delays.length >= 20, `only ${delays.length} tick lines arrived`);
    assert.ok(median(delays) < 400, `median delay ${median(delays)} ms: ${delays.join(' ')}`);
    console.log(`# ${connections} Reactor connections before the restart; built after it per worker: ${byWorker.join(' + ')}; tick delay median ${median(delays)} ms`);
    for (const role of [api, ...workers, edge]) {
      assert.equal(role.child.exitCode, null, `${role.role} exited:\n${role.output()}`);
    }
  } finally {
    for (const watch of built) watch.close();
    await stopAll([api, ...workers, edge]);
  }
});

test('DELETE through the api: an edge process that has the site in memory answers 404 within a moment, other sites stay', { skip, timeout: 240000 }, async () => {
  const backends = freshBackends('delete');
  const api = await startRole('api', backends);
  const worker = await startRole('worker', backends);
  const edge = await startRole('edge', backends);
  try {
    const watcher = await liveWatch(api.port);
    const sites = [];
    for (const title of ['Deleted', 'Kept']) {
      const posted = await deploy(api.port, { repoUrl: makeRepo(tickingApp(title, { ticks: 1 })) });
      assert.equal(posted.status, 202, posted.body);
      sites.push({ id: posted.json.id, title });
    }
    // Served once, so the edge keeps both sites and their files in memory.
    for (const { id, title } of sites) {
      assert.equal((await waitFor(api.port, id, { timeoutMs: 90000 })).status, 'DEPLOYED');
      await assertServed(edge, id, title);
    }
    const [gone, kept] = sites;
    watcher.register(gone.id);
    await waitUntil('the watch to start', () => watcher.of(gone.id).some((m) => m.status === 'DEPLOYED'), 10000);

    const deletedAt = Date.now();
    const deleted = await request(api.port, { method: 'DELETE', path: `/deployments/${gone.id}` });
    assert.equal(deleted.status, 200, deleted.body);
    await waitUntil('the edge to stop serving the deleted site',
      async () => (await request(edge.port, { host: `${gone.id}.localhost` })).status === 404, 2000);
    const elapsed = Date.now() - deletedAt;
    const asset = await request(edge.port, { host: `${gone.id}.localhost`, path: '/assets/app-1a2b3c4d.js' });
    assert.equal(asset.status, 404);
    await assertServed(edge, kept.id, kept.title);
    assert.match(edge.output(), new RegExp(`edge\\.site_forgotten id=${gone.id}`));
    // A WebSocket watcher of the deleted deployment is told, as a SYSTEM message.
    await waitUntil('the deletion on the WebSocket',
      () => watcher.of(gone.id).some((m) => m.type === 'SYSTEM' && /was deleted/.test(m.message)), 2000);
    console.log(`# the edge answered 404 ${elapsed} ms after the DELETE`);
    for (const role of [api, worker, edge]) {
      assert.equal(role.child.exitCode, null, `${role.role} exited:\n${role.output()}`);
    }
  } finally {
    await stopAll([api, worker, edge]);
  }
});

test('a promote through the api reaches a separate edge process that serves the production hostname', { skip, timeout: 240000 }, async () => {
  const backends = freshBackends('alias');
  const api = await startRole('api', backends);
  const worker = await startRole('worker', backends);
  const edge = await startRole('edge', backends);
  const post = (path, body) => request(api.port, {
    method: 'POST', path, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
  });
  const production = async () => (await request(edge.port, { host: 'shop.localhost' })).body;
  try {
    const repoUrl = makeRepo(tickingApp('One', { ticks: 1 }));
    const created = await post('/projects', { name: 'shop', repoUrl });
    assert.equal(created.status, 201, created.body);
    const ids = [];
    for (const title of ['One', 'Two']) {
      if (title === 'Two') {
        const dir = repoUrl.slice('file://'.length);
        writeFileSync(join(dir, 'build.js'), tickingApp(title, { ticks: 1 })['build.js']);
        execFileSync('git', ['-c', 'user.name=T', '-c', 'user.email=t@example.com', 'commit', '-qam', title], { cwd: dir });
      }
      const queued = await post('/projects/shop/deployments', {});
      assert.equal(queued.status, 202, queued.body);
      const { id } = JSON.parse(queued.body);
      assert.equal((await waitFor(api.port, id, { timeoutMs: 90000 })).status, 'DEPLOYED');
      ids.push(id);
      // The edge learns each move through the feed, the label cached in between.
      await waitUntil(`the edge to serve ${title} on the production hostname`,
        async () => (await production()).includes(`<h1>${title}</h1>`), 5000);
    }

    const promotedAt = Date.now();
    const promoted = await post('/projects/shop/promote', { deploymentId: ids[0] });
    assert.equal(promoted.status, 200, promoted.body);
    await waitUntil('the edge to serve the promoted deployment',
      async () => (await production()).includes('<h1>One</h1>'), 2000);
    console.log(`# the edge served the promoted deployment ${Date.now() - promotedAt} ms after the promote call`);
    for (const role of [api, worker, edge]) {
      assert.equal(role.child.exitCode, null, `${role.role} exited:\n${role.output()}`);
    }
  } finally {
    await stopAll([api, worker, edge]);
  }
});

test('skew protection and a protection change reach a separate edge process', { skip, timeout: 240000 }, async () => {
  const backends = freshBackends('skew');
  const api = await startRole('api', backends);
  const worker = await startRole('worker', backends);
  const edge = await startRole('edge', backends);
  const call = (method, path, body) => request(api.port, {
    method, path, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
  });
  const site = (path, headers = {}) => request(edge.port, { host: 'shop.localhost', path, headers });
  // Static releases copied by the build command: each loads its own chunk.
  const release = (version) => ({
    'site/index.html': `<title>v${version}</title><script src="/assets/app-v${version}.js"></script>`,
    [`site/assets/app-v${version}.js`]: `console.log(${version});`,
  });
  try {
    const repoUrl = makeRepo(release(1));
    const dir = repoUrl.slice('file://'.length);
    const created = await call('POST', '/projects', {
      name: 'shop', repoUrl, buildCommand: 'mkdir -p dist && cp -R site/. dist/', outputDir: 'dist',
    });
    assert.equal(created.status, 201, created.body);
    const ids = [];
    for (const version of [1, 2]) {
      if (version === 2) {
        rmSync(join(dir, 'site/assets/app-v1.js'));
        for (const [path, content] of Object.entries(release(2))) writeFileSync(join(dir, path), content);
        execFileSync('git', ['add', '-A'], { cwd: dir });
        execFileSync('git', ['-c', 'user.name=T', '-c', 'user.email=t@example.com', 'commit', '-qm', 'v2'], { cwd: dir });
      }
      const queued = await call('POST', '/projects/shop/deployments', {});
      assert.equal(queued.status, 202, queued.body);
      const { id } = JSON.parse(queued.body);
      assert.equal((await waitFor(api.port, id, { timeoutMs: 90000 })).status, 'DEPLOYED');
      ids.push(id);
    }
    await waitUntil('the edge to serve release 2', async () => (await site('/')).body.includes('<title>v2</title>'), 5000);
    const old = await site('/assets/app-v1.js');
    assert.equal(old.status, 200, old.body);
    assert.equal(old.headers['x-reactor-skew'], ids[0]);
    assert.equal((await site('/assets/app-v0.js')).status, 404);

    const patched = await call('PATCH', '/projects/shop', { protection: 'all', password: 'correct horse' });
    assert.equal(patched.status, 200, patched.body);
    await waitUntil('the edge to ask for the password', async () => (await site('/')).status === 401, 2000);
    const credentials = { authorization: `Basic ${Buffer.from('ci:correct horse').toString('base64')}` };
    assert.equal((await site('/assets/app-v1.js', credentials)).headers['x-reactor-skew'], ids[0]);
    assert.equal((await request(edge.port, { host: `${ids[1]}.localhost` })).status, 401);
    for (const role of [api, worker, edge]) {
      assert.equal(role.child.exitCode, null, `${role.role} exited:\n${role.output()}`);
    }
  } finally {
    await stopAll([api, worker, edge]);
  }
});

test('variables sealed by the api open on a separate worker given a copy of its key, and only there', { skip, timeout: 240000 }, async () => {
  const backends = freshBackends('env');
  const api = await startRole('api', backends);
  const key = join(api.dataDir, 'secrets.key'); // made by the api's first start
  const keyless = await startRole('worker', backends);
  const put = (path, body, method = 'POST') => request(api.port, {
    method, path, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
  });
  let worker;
  try {
    assert.match(keyless.output(), /secrets\.no_key/);
    const repoUrl = makeRepo({
      'package.json': JSON.stringify({ name: 'env', scripts: { build: 'node build.js' } }),
      'build.js': `require('fs').mkdirSync('dist', { recursive: true });
require('fs').writeFileSync('dist/index.html', '<h1>' + process.env.API_TOKEN + '</h1>');`,
    });
    assert.equal((await put('/projects', { name: 'shop', repoUrl, productionBranch: 'main' })).status, 201);
    assert.equal((await put('/projects/shop/env/API_TOKEN', { value: 'sealed-by-the-api' }, 'PUT')).status, 201);

    const refused = JSON.parse((await put('/projects/shop/deployments', {})).body);
    const failed = await waitFor(api.port, refused.id, { timeoutMs: 90000 });
    assert.equal(failed.status, 'ERROR');
    assert.match(failed.error, /no secrets key/);
    await keyless.stop();

    worker = await startRole('worker', { ...backends, args: ['--secrets-key-file', key] });
    const built = JSON.parse((await put('/projects/shop/deployments', {})).body);
    assert.equal((await waitFor(api.port, built.id, { timeoutMs: 90000 })).status, 'DEPLOYED');
    const edge = await startRole('edge', backends);
    try {
      assert.match((await request(edge.port, { host: 'shop.localhost' })).body, /<h1>sealed-by-the-api<\/h1>/);
    } finally {
      await stopAll([edge]);
    }
  } finally {
    await stopAll([api, keyless, ...(worker ? [worker] : [])]);
  }
});
