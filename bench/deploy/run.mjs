// Benchmark: POST /deploy latency and pipeline overhead, on the real binary.
//   node --experimental-websocket bench/deploy/run.mjs   (after `make build`)
// Overhead = time from POST to DEPLOYED minus the time the tiny fixture's own
// `npm install` + `npm run build` take when run directly on the host.
import { execFileSync } from 'node:child_process';
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { deploy, getDeployment, makeRepo, startServer, tempDir, tinyApp, watch } from '../../tests/e2e/harness.mjs';

const POSTS = Number(process.env.POSTS ?? 500);
const DEPLOYS = Number(process.env.DEPLOYS ?? 10);

const percentile = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};
const median = (values) => percentile(values, 50);
const ms = (value) => `${value.toFixed(1)} ms`;

const server = await startServer({ args: ['--workers', '1'] });
try {
  // POST /deploy latency: the repository does not exist, so each queued build fails fast.
  const latencies = [];
  for (let i = 0; i < POSTS; i++) {
    const start = performance.now();
    const res = await deploy(server.port, { repoUrl: `file:///nonexistent/repo-${i}.git` });
    latencies.push(performance.now() - start);
    if (res.status !== 202) throw new Error(res.body);
  }
  await new Promise((r) => setTimeout(r, 3000)); // let the failing builds drain

  // The fixture's own commands on the host and the same fixture through Reactor (POST to
  // the DEPLOYED message on the WebSocket), in alternation, so that a change in the
  // machine's load shifts both sides of each pair alike.
  const fixtureRepo = makeRepo(tinyApp());
  const hostRun = () => {
    const dir = join(tempDir('reactor-bench-direct-'), 'app');
    cpSync(new URL(fixtureRepo).pathname, dir, { recursive: true });
    const start = performance.now();
    execFileSync('npm', ['install', '--no-audit', '--no-fund'], { cwd: dir, stdio: 'ignore' });
    execFileSync('npm', ['run', 'build'], { cwd: dir, stdio: 'ignore' });
    return performance.now() - start;
  };
  const ws = await watch(server.port);
  const pairs = [];
  for (let i = 0; i < DEPLOYS; i++) {
    const direct = hostRun();
    const start = performance.now();
    const posted = await deploy(server.port, { repoUrl: fixtureRepo });
    ws.send({ action: 'register', id: posted.json.id, since: 0 });
    await ws.next((m) => m.id === posted.json.id && m.type === 'STATUS_UPDATE' && m.status === 'DEPLOYED');
    const total = performance.now() - start;
    const deployment = await getDeployment(server.port, posted.json.id);
    pairs.push({ direct, total, phases: deployment.build.durationsMs });
  }
  ws.close();

  const column = (pick) => median(pairs.map(pick));
  const phases = (p) => p.phases.clone + p.phases.install + p.phases.build + p.phases.upload;
  console.log(`POST /deploy latency over ${POSTS} requests: p50 ${ms(median(latencies))}, p99 ${ms(percentile(latencies, 99))}, max ${ms(Math.max(...latencies))}`);
  console.log(`tiny fixture, ${DEPLOYS} deploys alternating with ${DEPLOYS} host runs (medians):`);
  console.log(`  POST→DEPLOYED ${ms(column((p) => p.total))}; npm install + npm run build on the host ${ms(column((p) => p.direct))}`);
  console.log(`  inside Reactor: clone ${ms(column((p) => p.phases.clone))}, sandboxed install + build ${ms(column((p) => p.phases.install + p.phases.build))}, upload ${ms(column((p) => p.phases.upload))}, outside the phases (queue, status changes, workspace) ${ms(column((p) => p.total - phases(p)))}`);
  console.log(`pipeline overhead (median over pairs of POST→DEPLOYED minus the host run): ${ms(column((p) => p.total - p.direct))}`);
} finally {
  await server.stop();
}
