// Webhooks benchmark: (1) how fast POST /hooks/github/<project> answers a signed delivery:
// a ping, a redelivery, and a push that queues a build (202; nothing is cloned in the
// request); (2) the time from a push's webhook to the production hostname serving that
// commit, minus the build's own install and build phases (what Reactor adds around them).
//
//   node bench/webhooks/run.mjs
//
// Environment: REACTOR_BIN [build/reactor], ANSWERS [300], PUSHES [5]. Only the process it
// starts is stopped, by PID.
import { execFileSync, spawn } from 'node:child_process';
import { createHmac, randomUUID } from 'node:crypto';
import http from 'node:http';
import { makeRepo, request, tempDir, waitFor } from '../../tests/e2e/harness.mjs';

const BIN = process.env.REACTOR_BIN ?? new URL('../../build/reactor', import.meta.url).pathname;
const ANSWERS = Number(process.env.ANSWERS ?? 300);
const PUSHES = Number(process.env.PUSHES ?? 5);

const child = spawn(BIN, ['serve', '--data-dir', tempDir('bench-webhooks-'), '--listen', '127.0.0.1:0', '--allow-local-repos', '--deploy-rate-limit', '0'], { stdio: ['ignore', 'ignore', 'pipe'] });
process.on('exit', () => child.kill('SIGTERM'));
const port = await new Promise((resolve, reject) => {
  let output = '';
  child.stderr.on('data', (chunk) => {
    output += chunk;
    const serving = output.match(/reactor\.serving url=http:\/\/[^:\s]+:(\d+)/);
    if (serving) resolve(Number(serving[1]));
  });
  child.on('exit', (code) => reject(new Error(`reactor exited ${code}:\n${output}`)));
});

const repoUrl = makeRepo({ 'site/index.html': '<title>first</title>' });
const repoDir = repoUrl.slice('file://'.length);
const created = await request(port, {
  method: 'POST', path: '/projects', headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ name: 'shop', repoUrl, productionBranch: 'main', buildCommand: 'mkdir -p dist && cp -R site/. dist/', outputDir: 'dist' }),
});
const secret = JSON.parse(created.body).webhookSecret;

const commit = (title) => {
  execFileSync('sh', ['-c', `echo '<title>${title}</title>' > site/index.html && git -c user.name=B -c user.email=b@example.com commit -qam ${title}`], { cwd: repoDir });
  return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: repoDir, encoding: 'utf8' }).trim();
};

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
// One signed delivery on a kept-alive connection; resolves {status, body, ms}.
const deliver = (event, payload, id = randomUUID()) => new Promise((resolve, reject) => {
  const body = JSON.stringify(payload);
  const started = process.hrtime.bigint();
  const req = http.request({
    host: '127.0.0.1', port, method: 'POST', path: '/hooks/github/shop', agent,
    headers: {
      'content-type': 'application/json', 'x-github-event': event, 'x-github-delivery': id,
      'x-hub-signature-256': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`,
    },
  }, (res) => {
    let text = '';
    res.on('data', (c) => { text += c; });
    res.on('end', () => resolve({ status: res.statusCode, body: text, ms: Number(process.hrtime.bigint() - started) / 1e6 }));
  });
  req.on('error', reject);
  req.end(body);
});

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
const summary = (name, values) => {
  const sorted = [...values].sort((a, b) => a - b);
  console.log(`${name}: n=${sorted.length} p50 ${percentile(sorted, 50).toFixed(2)} ms, p99 ${percentile(sorted, 99).toFixed(2)} ms, max ${sorted.at(-1).toFixed(2)} ms`);
};

// (1) Answers.
const pings = [];
for (let i = 0; i < ANSWERS; ++i) pings.push((await deliver('ping', { zen: 'bench' })).ms);
summary('ping (200)', pings);
const redelivered = [];
const id = randomUUID();
await deliver('ping', { zen: 'bench' }, id);
for (let i = 0; i < ANSWERS; ++i) redelivered.push((await deliver('ping', { zen: 'bench' }, id)).ms);
summary('redelivery (200 duplicate)', redelivered);
const queued = [];
const branchHead = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: repoDir, encoding: 'utf8' }).trim();
for (let i = 0; i < ANSWERS; ++i) {
  // Made-up commits of a branch: each push queues a build and cancels the one before it.
  const after = createHmac('sha1', 'bench').update(String(i)).digest('hex');
  const answer = await deliver('push', { ref: 'refs/heads/load', after: i === 0 ? branchHead : after });
  if (answer.status !== 202) throw new Error(answer.body);
  queued.push(answer.ms);
}
summary('push that queues a build (202)', queued);
// Let the queue drain (the made-up commits fail at clone) before measuring deployments.
for (;;) {
  const listed = JSON.parse((await request(port, { path: '/projects/shop/deployments' })).body).deployments;
  if (listed.every((d) => ['DEPLOYED', 'ERROR', 'CANCELED'].includes(d.status))) break;
  await new Promise((r) => setTimeout(r, 200));
}

// (2) Push → production serves it, minus install and build.
const production = () => new Promise((resolve, reject) => {
  http.get({ host: '127.0.0.1', port, path: '/', agent, headers: { host: 'shop.localhost' } }, (res) => {
    let body = '';
    res.on('data', (c) => { body += c; });
    res.on('end', () => resolve(body));
  }).on('error', reject);
});
const totals = [];
const overheads = [];
for (let i = 0; i < PUSHES; ++i) {
  const title = `release-${i}`;
  const sha = commit(title);
  const started = process.hrtime.bigint();
  const answer = await deliver('push', { ref: 'refs/heads/main', after: sha });
  if (answer.status !== 202) throw new Error(answer.body);
  while (!(await production()).includes(title)) await new Promise((r) => setTimeout(r, 2));
  const total = Number(process.hrtime.bigint() - started) / 1e6;
  const deployment = await waitFor(port, JSON.parse(answer.body).id);
  const durations = deployment.build?.durationsMs ?? {};
  const own = (durations.install ?? 0) + (durations.build ?? 0);
  totals.push(total);
  overheads.push(total - own);
}
summary('push → production serves it', totals);
summary('push → production serves it, minus install and build', overheads);
agent.destroy();
process.exit(0);
