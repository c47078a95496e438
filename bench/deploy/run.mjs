// Benchmark: POST /deploy latency and pipeline overhead, on the real binary.
//   node --experimental-websocket bench/deploy/run.mjs   (after `make build`)
// Overhead = time from POST to DEPLOYED minus the time the tiny fixture's own
// `npm install` + `npm run build` take when run directly on the host.
import { execFileSync } from 'node:child_process';
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { deploy, makeRepo, startServer, tempDir, tinyApp, watch } from '../../tests/e2e/harness.mjs';

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

  // The fixture's own commands, run directly on the host.
  const direct = [];
  const fixtureRepo = makeRepo(tinyApp());
  for (let i = 0; i < DEPLOYS; i++) {
    const dir = join(tempDir('reactor-bench-direct-'), 'app');
    cpSync(new URL(fixtureRepo).pathname, dir, { recursive: true });
    const start = performance.now();
    execFileSync('npm', ['install', '--no-audit', '--no-fund'], { cwd: dir, stdio: 'ignore' });
    execFileSync('npm', ['run', 'build'], { cwd: dir, stdio: 'ignore' });
    direct.push(performance.now() - start);
  }

  // The same fixture through Reactor, POST to the DEPLOYED message on the WebSocket.
  const totals = [];
  const ws = await watch(server.port);
  for (let i = 0; i < DEPLOYS; i++) {
    const start = performance.now();
    const posted = await deploy(server.port, { repoUrl: fixtureRepo });
    ws.send({ action: 'register', id: posted.json.id, since: 0 });
    await ws.next((m) => m.id === posted.json.id && m.type === 'STATUS_UPDATE' && m.status === 'DEPLOYED');
    totals.push(performance.now() - start);
  }
  ws.close();

  const overhead = median(totals) - median(direct);
  console.log(`POST /deploy latency over ${POSTS} requests: p50 ${ms(median(latencies))}, p99 ${ms(percentile(latencies, 99))}, max ${ms(Math.max(...latencies))}`);
  console.log(`tiny fixture, ${DEPLOYS} deploys: POST→DEPLOYED median ${ms(median(totals))}; its npm install + npm run build directly on the host median ${ms(median(direct))}`);
  console.log(`pipeline overhead (median difference): ${ms(overhead)}`);
} finally {
  await server.stop();
}
