// Aliases benchmark: (1) the time from a promote call's answer until an edge serves the
// promoted deployment on the production hostname, over PROMOTES promotes alternating
// between two deployments; (2) the edge's requests/s on an alias hostname against the
// deployment's <id> hostname, with wrk in alternation.
//
//   node bench/aliases/run.mjs                                   # reactor serve, SQLite
//   MODE=split scripts/with-postgres.sh node bench/aliases/run.mjs  # api, worker, edge on PostgreSQL
//
// Environment: REACTOR_BIN [build/reactor], PROMOTES [100], ROUNDS [3], DURATION [10s],
// CONNS [50]. Only the processes it starts are stopped, by PID.
import { execFileSync, spawn } from 'node:child_process';
import http from 'node:http';
import { makeRepo, request, tempDir, waitFor } from '../../tests/e2e/harness.mjs';

const BIN = process.env.REACTOR_BIN ?? new URL('../../build/reactor', import.meta.url).pathname;
const MODE = process.env.MODE ?? 'serve';
const PROMOTES = Number(process.env.PROMOTES ?? 100);
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const DURATION = process.env.DURATION ?? '10s';
const CONNS = process.env.CONNS ?? '50';

const children = [];
process.on('exit', () => { for (const child of children) child.kill('SIGTERM'); });

// Starts `reactor <role> …`; resolves with its port (undefined for a worker) once ready.
function start(role, args) {
  const child = spawn(BIN, [role, ...args], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, REACTOR_DEPLOY_RATE_LIMIT: '0' } });
  children.push(child);
  let output = '';
  return new Promise((resolve, reject) => {
    child.stderr.on('data', (chunk) => {
      output += chunk;
      const serving = output.match(/reactor\.serving url=http:\/\/[^:\s]+:(\d+)/);
      if (serving) resolve(Number(serving[1]));
      else if (role === 'worker' && /reactor\.started/.test(output)) resolve(undefined);
    });
    child.on('exit', (code) => reject(new Error(`${role} exited ${code}:\n${output}`)));
  });
}

async function cluster() {
  const common = ['--data-dir'];
  if (MODE === 'serve') {
    const port = await start('serve', [...common, tempDir('bench-aliases-'), '--listen', '127.0.0.1:0', '--allow-local-repos']);
    return { api: port, edge: port };
  }
  const postgres = process.env.REACTOR_TEST_POSTGRES_URL;
  if (!postgres) throw new Error('MODE=split runs under scripts/with-postgres.sh');
  const shared = ['--db', postgres, '--store', `file://${tempDir('bench-aliases-objects-')}`];
  const api = await start('api', [...common, tempDir('bench-api-'), ...shared, '--listen', '127.0.0.1:0', '--allow-local-repos']);
  await start('worker', [...common, tempDir('bench-worker-'), ...shared, '--allow-local-repos']);
  const edge = await start('edge', [...common, tempDir('bench-edge-'), ...shared, '--listen', '127.0.0.1:0']);
  return { api, edge };
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
const json = (port, method, path, body) => request(port, {
  method, path, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
}).then((res) => ({ ...res, json: JSON.parse(res.body) }));

const { api, edge } = await cluster();
const repoUrl = makeRepo({ 'site/index.html': '<title>release</title>' });
const repoDir = repoUrl.slice('file://'.length);
await json(api, 'POST', '/projects', { name: 'shop', repoUrl, autoPromote: false, buildCommand: 'mkdir -p dist && cp -R site/. dist/', outputDir: 'dist' });
const ids = [];
for (const release of ['one', 'two']) {
  execFileSync('sh', ['-c', `echo '<title>${release}</title>' > site/index.html && git -c user.name=B -c user.email=b@example.com commit -qam ${release}`], { cwd: repoDir });
  const queued = await json(api, 'POST', '/projects/shop/deployments', {});
  const deployment = await waitFor(api, queued.json.id);
  if (deployment.status !== 'DEPLOYED') throw new Error(JSON.stringify(deployment));
  ids.push({ id: deployment.id, title: `<title>${release}</title>` });
}

// One keep-alive connection polls the edge as fast as it answers.
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const production = () => new Promise((resolve, reject) => {
  http.get({ host: '127.0.0.1', port: edge, path: '/', agent, headers: { host: 'shop.localhost' } }, (res) => {
    let body = '';
    res.on('data', (c) => { body += c; });
    res.on('end', () => resolve(body));
  }).on('error', reject);
});
const delays = [];
for (let i = 0; i < PROMOTES; ++i) {
  const target = ids[i % 2];
  const promoted = await json(api, 'POST', '/projects/shop/promote', { deploymentId: target.id });
  if (promoted.status !== 200) throw new Error(promoted.body);
  const answered = process.hrtime.bigint();
  while (!(await production()).includes(target.title)) { /* poll again at once */ }
  delays.push(Number(process.hrtime.bigint() - answered) / 1e6);
}
delays.sort((a, b) => a - b);
console.log(`mode ${MODE}: promote answer → edge serves it, ${PROMOTES} promotes: p50 ${percentile(delays, 50).toFixed(2)} ms, p99 ${percentile(delays, 99).toFixed(2)} ms, max ${delays.at(-1).toFixed(2)} ms`);

// wrk on the alias and on the id hostname of the deployment production serves now.
const serving = ids[(PROMOTES - 1) % 2].id;
const rps = { alias: [], id: [] };
for (let round = 0; round < ROUNDS; ++round) {
  for (const [kind, hostname] of [['alias', 'shop.localhost'], ['id', `${serving}.localhost`]]) {
    const out = execFileSync('wrk', ['-t1', `-c${CONNS}`, `-d${DURATION}`, '-H', `Host: ${hostname}`, `http://127.0.0.1:${edge}/`], { encoding: 'utf8' });
    rps[kind].push(Number(out.match(/Requests\/sec:\s+([\d.]+)/)[1]));
  }
}
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const alias = median(rps.alias);
const id = median(rps.id);
console.log(`mode ${MODE}: wrk -t1 -c${CONNS} -d${DURATION}, median of ${ROUNDS}: alias ${alias.toFixed(0)} req/s (${rps.alias.map((v) => v.toFixed(0)).join(', ')}), id ${id.toFixed(0)} req/s (${rps.id.map((v) => v.toFixed(0)).join(', ')}), alias/id ${(alias / id).toFixed(3)}`);
agent.destroy();
process.exit(0);
