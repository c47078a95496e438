// Builds benchmark, one command:
//   node --experimental-websocket bench/build/run.mjs
//
// 1. Sandbox start-up overhead per command: `true` run directly, under bwrap with the
//    build phase's exact arguments (own network namespace), and through the builder's full
//    per-command path (bwrap + a fresh cgroup with the memory and process limits + the disk
//    watch; the install phase adds slirp4netns), ITERATIONS times each
//    (sandbox_bench.cpp). Target: under 20 ms per command.
// 2. Deploy time, POST /deploy to the DEPLOYED message, of the create-vite React template
//    (npm registry, package-lock.json): cold (a fresh server, so an empty dependency cache)
//    and warm (the same repository and lockfile again, a new commit). ROUNDS rounds, each
//    on a fresh server. Target: warm at most one third of cold.
//
// Builds `reactor` and `sandbox_bench` in BUILD_DIR (default build-bench, configured
// RelWithDebInfo without tests if missing), JOBS=2 compile jobs.
import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { deploy, getDeployment, startServer, tempDir, watch } from '../../tests/e2e/harness.mjs';

const root = resolve(new URL('../..', import.meta.url).pathname);
const buildDir = resolve(root, process.env.BUILD_DIR ?? 'build-bench');
const ITERATIONS = Number(process.env.ITERATIONS ?? 300);
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const run = (command, args, options = {}) => execFileSync(command, args, { stdio: 'pipe', timeout: 1800000, ...options }).toString();

if (!existsSync(join(buildDir, 'build.ninja'))) {
  run('cmake', ['-S', root, '-B', buildDir, '-G', 'Ninja', '-DCMAKE_BUILD_TYPE=RelWithDebInfo', '-DREACTOR_BUILD_TESTS=OFF']);
}
run('cmake', ['--build', buildDir, '-j', process.env.JOBS ?? '2', '--target', 'reactor', 'sandbox_bench']);
process.env.REACTOR_BIN = join(buildDir, 'reactor');

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;
const load = () => run('cat', ['/proc/loadavg']).split(' ').slice(0, 3).join(' ');

// 1. Sandbox start-up overhead.
console.log(`## Sandbox start-up (${ITERATIONS} runs of \`true\` each, load ${load()})`);
const sandbox = JSON.parse(run(join(buildDir, 'bench/build/sandbox_bench'), [String(ITERATIONS)]));
console.log(`cgroups: ${sandbox.cgroups}`);
console.log('| how `true` runs | median | p90 | mean | overhead (median − direct) |');
console.log('|---|--:|--:|--:|--:|');
for (const [name, label] of [['direct', 'directly'], ['bwrap_build', 'bwrap, build phase (own network namespace)'],
  ['cgroup_only', 'a cgroup made and removed, nothing run'],
  ['sandboxed_build', 'full builder path, build phase: bwrap + cgroup + disk watch'],
  ['sandboxed_install', 'full builder path, install phase: the same + slirp4netns']]) {
  const s = sandbox[name];
  if (!s) continue;
  const overhead = name === 'direct' || name === 'cgroup_only' ? '' : `${(s.median - sandbox.direct.median).toFixed(1)} ms`;
  console.log(`| ${label} | ${s.median.toFixed(1)} ms | ${s.p90.toFixed(1)} ms | ${s.mean.toFixed(1)} ms | ${overhead} |`);
}

// 2. Cold and warm deploys of the create-vite React template.
function createViteRepo() {
  const parent = tempDir('reactor-bench-vite-');
  const dir = join(parent, 'app');
  run('npx', ['--yes', 'create-vite@latest', 'app', '--template', 'react', '--no-interactive', '--no-immediate'], { cwd: parent });
  run('npm', ['install', '--package-lock-only', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: dir });
  const git = (...args) => run('git', ['-c', 'user.name=Bench', '-c', 'user.email=bench@example.com', ...args], { cwd: dir });
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('commit', '-q', '-m', 'create-vite');
  return { dir, url: `file://${dir}`, git };
}

async function timedDeploy(port, repoUrl) {
  const ws = await watch(port);
  const started = performance.now();
  const posted = await deploy(port, { repoUrl });
  ws.send({ action: 'register', id: posted.json.id });
  const final = await ws.next((m) => m.type === 'STATUS_UPDATE' && ['DEPLOYED', 'ERROR', 'CANCELED'].includes(m.status), 600000);
  const elapsed = performance.now() - started;
  ws.close();
  if (final.status !== 'DEPLOYED') throw new Error(`deploy failed: ${JSON.stringify(final)}`);
  const deployment = await getDeployment(port, posted.json.id);
  return { elapsed, build: deployment.build };
}

const repo = createViteRepo();
const cold = [];
const warm = [];
console.log(`\n## Deploy of the create-vite React template (${ROUNDS} rounds, load ${load()})`);
console.log('| round | cold | cold install | warm | warm install (restore) | warm / cold | cache |');
console.log('|---|--:|--:|--:|--:|--:|---|');
for (let round = 1; round <= ROUNDS; round++) {
  const server = await startServer({ args: ['--workers', '1'] });
  try {
    const first = await timedDeploy(server.port, repo.url);
    writeFileSync(join(repo.dir, 'src', 'round.txt'), `round ${round}\n`);
    repo.git('add', '-A');
    repo.git('commit', '-q', '-m', `round ${round}`);
    const second = await timedDeploy(server.port, repo.url);
    cold.push(first.elapsed);
    warm.push(second.elapsed);
    console.log(`| ${round} | ${seconds(first.elapsed)} | ${seconds(first.build.durationsMs.install)} | ${seconds(second.elapsed)} | ` +
      `${seconds(second.build.durationsMs.install)} | ${(second.elapsed / first.elapsed).toFixed(2)} | ${first.build.dependencyCache} → ${second.build.dependencyCache} |`);
  } finally {
    await server.stop();
  }
}
const ratio = median(warm) / median(cold);
console.log(`\nmedian cold ${seconds(median(cold))}, median warm ${seconds(median(warm))}: warm/cold ${ratio.toFixed(2)} ` +
  `(target ≤ 0.33: ${ratio <= 1 / 3 ? 'met' : 'NOT met'}); sandbox overhead per command ` +
  `${(sandbox.sandboxed_build.median - sandbox.direct.median).toFixed(1)} ms (target < 20 ms: ` +
  `${sandbox.sandboxed_build.median - sandbox.direct.median < 20 ? 'met' : 'NOT met'})`);
