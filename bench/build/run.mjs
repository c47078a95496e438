// Builds benchmark, one command:
//   node --experimental-websocket bench/build/run.mjs
//
// 1. Sandbox start-up overhead per command: `true` run directly, under bwrap with the
//    build phase's exact arguments (own network namespace), and through the builder's full
//    per-command path (bwrap + a fresh cgroup with the memory and process limits + the disk
//    watch; the install phase adds slirp4netns), ITERATIONS times each
//    (sandbox_bench.cpp). Target: under 20 ms per command.
// 2. Reactor's overhead around the repository's own commands, for the create-vite React
//    template (and a Create React App 5 app with CRA=1): POST /deploy to the DEPLOYED
//    message, minus the same install and build run on the host in a fresh clone, in turn
//    with the deploys so that a change of load hits both alike. Cold: a fresh server (empty
//    dependency cache) against `npm ci` with an empty npm cache + `npm run build` (every
//    sandboxed install starts with an empty npm cache too). Warm: the same repository
//    again with a new commit and the same lockfile (a dependency cache hit) against
//    `npm run build` alone. ROUNDS rounds. Target: under 300 ms, cold and warm. Beside it,
//    Reactor's own time: POST → DEPLOYED minus the sandboxed commands' run time
//    (build.durationsMs.commands), which the host commands' own noise does not reach.
// 3. Queue start: with one worker, a deployment posted the moment the one before it is
//    DEPLOYED, from its POST to its first IN_PROGRESS message. ROUNDS times. Target: under
//    100 ms.
//
// Builds `reactor` and `sandbox_bench` in BUILD_DIR (default build-bench, configured
// RelWithDebInfo without tests if missing), JOBS=2 compile jobs.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
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

// 2. Overhead around the repository's own commands.
function gitRepo(dir) {
  const git = (...args) => run('git', ['-c', 'user.name=Bench', '-c', 'user.email=bench@example.com', ...args], { cwd: dir });
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('commit', '-q', '-m', 'initial');
  return { dir, url: `file://${dir}`, git };
}

function createViteRepo() {
  const parent = tempDir('reactor-bench-vite-');
  run('npx', ['--yes', 'create-vite@latest', 'app', '--template', 'react', '--no-interactive', '--no-immediate'], { cwd: parent });
  const dir = join(parent, 'app');
  run('npm', ['install', '--package-lock-only', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: dir });
  return gitRepo(dir);
}

// A Create React App 5 app with its lockfile (create-react-app itself is deprecated: the
// template's files are written here and react-scripts 5 installed with its lockfile).
function createCraRepo() {
  const dir = join(tempDir('reactor-bench-cra-'), 'app');
  const write = (name, text) => {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  };
  write('package.json', JSON.stringify({
    name: 'cra-app', version: '0.1.0', private: true,
    dependencies: { react: '^18.3.1', 'react-dom': '^18.3.1', 'react-scripts': '5.0.1' },
    scripts: { start: 'react-scripts start', build: 'react-scripts build' },
    browserslist: { production: ['>0.2%', 'not dead', 'not op_mini all'], development: ['last 1 chrome version'] },
  }, null, 2));
  write('public/index.html', '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8" /><title>CRA</title></head><body><div id="root"></div></body></html>\n');
  write('src/index.js', "import React from 'react';\nimport ReactDOM from 'react-dom/client';\nimport App from './App';\nReactDOM.createRoot(document.getElementById('root')).render(<App />);\n");
  write('src/App.js', "export default function App() { return <h1>Hello from CRA 5</h1>; }\n");
  write('.gitignore', 'node_modules\nbuild\n');
  run('npm', ['install', '--package-lock-only', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: dir });
  return gitRepo(dir);
}

// The repository's own commands on the host, in a fresh clone: `npm ci` with an empty npm
// cache and `npm run build` (cold), then `npm run build` again (the warm deploy's only
// command of the user's). Milliseconds each.
function hostCommands(repo) {
  const dir = join(tempDir('reactor-bench-host-'), 'app');
  run('git', ['clone', '-q', repo.dir, dir]);
  const env = { ...process.env, CI: 'false', npm_config_cache: tempDir('reactor-bench-npm-cache-') };
  const timed = (args) => {
    const started = performance.now();
    run('npm', args, { cwd: dir, env });
    return performance.now() - started;
  };
  const install = timed(['ci']);
  const build = timed(['run', 'build']);
  const rebuild = timed(['run', 'build']);
  rmSync(dir, { recursive: true, force: true });
  return { install, build, rebuild };
}

async function timedDeploy(port, repoUrl) {
  const ws = await watch(port);
  const started = performance.now();
  const posted = await deploy(port, { repoUrl });
  ws.send({ action: 'register', id: posted.json.id });
  const final = await ws.next((m) => m.type === 'STATUS_UPDATE' && ['DEPLOYED', 'ERROR', 'CANCELED'].includes(m.status), 1800000);
  const elapsed = performance.now() - started;
  ws.close();
  if (final.status !== 'DEPLOYED') throw new Error(`deploy failed: ${JSON.stringify(final)}`);
  const deployment = await getDeployment(port, posted.json.id);
  // What the sandboxed commands themselves took, as Reactor timed them: the rest is its own.
  return { elapsed, build: deployment.build, own: elapsed - deployment.build.durationsMs.commands };
}

const ms = (value) => `${Math.round(value)} ms`;
const apps = [['create-vite React template', createViteRepo]];
if (process.env.CRA === '1') apps.push(['Create React App 5', createCraRepo]);
for (const [name, create] of apps) {
  const repo = create();
  const coldOverhead = [];
  const warmOverhead = [];
  const coldOwn = [];
  const warmOwn = [];
  console.log(`\n## ${name}: overhead around its own commands (${ROUNDS} rounds, load ${load()})`);
  console.log('| round | cold deploy | host `npm ci` + build | cold overhead | Reactor\'s own, cold | warm deploy | host build | warm overhead | Reactor\'s own, warm | cache | restore |');
  console.log('|---|--:|--:|--:|--:|--:|--:|--:|--:|---|--:|');
  for (let round = 1; round <= ROUNDS; round++) {
    const server = await startServer({ args: ['--workers', '1'] });
    try {
      const host = hostCommands(repo);
      const first = await timedDeploy(server.port, repo.url);
      writeFileSync(join(repo.dir, 'src', 'round.txt'), `round ${round}\n`);
      repo.git('add', '-A');
      repo.git('commit', '-q', '-m', `round ${round}`);
      const second = await timedDeploy(server.port, repo.url);
      const cold = first.elapsed - host.install - host.build;
      const warm = second.elapsed - host.rebuild;
      coldOverhead.push(cold);
      warmOverhead.push(warm);
      coldOwn.push(first.own);
      warmOwn.push(second.own);
      console.log(`| ${round} | ${seconds(first.elapsed)} | ${seconds(host.install)} + ${seconds(host.build)} | ${ms(cold)} | ${ms(first.own)} | ` +
        `${seconds(second.elapsed)} | ${seconds(host.rebuild)} | ${ms(warm)} | ${ms(second.own)} | ${first.build.dependencyCache} → ${second.build.dependencyCache} | ${ms(second.build.durationsMs.install)} |`);
    } finally {
      await server.stop();
    }
  }
  const met = (value) => (value < 300 ? 'met' : 'NOT met');
  console.log(`\nmedian overhead: cold ${ms(median(coldOverhead))} (target < 300 ms: ${met(median(coldOverhead))}), ` +
    `warm ${ms(median(warmOverhead))} (target < 300 ms: ${met(median(warmOverhead))}); ` +
    `Reactor's own time: cold ${ms(median(coldOwn))}, warm ${ms(median(warmOwn))}`);
}

// 3. Queue start.
{
  const repo = createViteRepo();
  const server = await startServer({ args: ['--workers', '1'] });
  const waits = [];
  try {
    await timedDeploy(server.port, repo.url); // fills the dependency cache
    console.log(`\n## Queue start behind a finished deployment (${ROUNDS} rounds, one worker, load ${load()})`);
    for (let round = 1; round <= ROUNDS; round++) {
      const ws = await watch(server.port);
      const first = await deploy(server.port, { repoUrl: repo.url });
      ws.send({ action: 'register', id: first.json.id });
      await ws.next((m) => m.type === 'STATUS_UPDATE' && m.id === first.json.id && m.status === 'DEPLOYED', 1800000);
      const posted = performance.now();
      const second = await deploy(server.port, { repoUrl: repo.url });
      ws.send({ action: 'register', id: second.json.id });
      await ws.next((m) => m.type === 'STATUS_UPDATE' && m.id === second.json.id && m.status === 'IN_PROGRESS', 1800000);
      waits.push(performance.now() - posted);
      await ws.next((m) => m.type === 'STATUS_UPDATE' && m.id === second.json.id && m.status === 'DEPLOYED', 1800000);
      ws.close();
    }
  } finally {
    await server.stop();
  }
  console.log(`POST → IN_PROGRESS: ${waits.map(ms).join(', ')}; median ${ms(median(waits))} ` +
    `(target < 100 ms: ${median(waits) < 100 ? 'met' : 'NOT met'})`);
}
