// The dependency cache (real npm registry): a second deployment with the same lockfile
// skips the install, still runs the project's own install script, and gets a copy no
// earlier build could have changed; other lockfiles, other repositories and commit-hash
// deployments do not share or write entries.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { deploy, fullLog, getDeployment, site, startServer, tempDir, waitFor } from './harness.mjs';

let server;
before(async () => { server = await startServer(); });
after(async () => { await server.stop(); });

const git = (dir, ...args) => execFileSync('git', args, { cwd: dir, stdio: 'pipe' }).toString().trim();

function writeFiles(dir, files) {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
}

function commit(dir, message) {
  git(dir, 'add', '-A');
  git(dir, '-c', 'user.name=Test', '-c', 'user.email=test@example.com', 'commit', '-q', '-m', message);
  return git(dir, 'rev-parse', 'HEAD');
}

// A project depending on left-pad, with a lockfile, a postinstall script that generates a
// file the build needs, and a build that reports what it found and then tampers with its
// node_modules.
function cachedProject({ leftPad = '1.3.0', title = 'first' } = {}) {
  const dir = tempDir('reactor-cache-repo-');
  writeFiles(dir, {
    'package.json': JSON.stringify({
      name: 'cached', version: '1.0.0', private: true,
      dependencies: { 'left-pad': leftPad },
      scripts: { postinstall: 'node generate.js', build: 'node build.js' },
    }),
    'generate.js': "require('fs').writeFileSync('generated.json', JSON.stringify({ generatedAt: Date.now() }));",
    'title.txt': title,
    'build.js': `
const fs = require('fs');
const leftPad = require('left-pad');
const report = {
  title: fs.readFileSync('title.txt', 'utf8'),
  padded: leftPad('7', 3, '0'),
  version: require('left-pad/package.json').version,
  tampered: Boolean(leftPad.tampered),
  generated: fs.existsSync('generated.json'),
};
fs.mkdirSync('dist', { recursive: true });
fs.writeFileSync('dist/index.html', JSON.stringify(report));
fs.appendFileSync(require.resolve('left-pad'), '\\nmodule.exports.tampered = true;\\n');
`,
  });
  execFileSync('npm', ['install', '--package-lock-only', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: dir, stdio: 'pipe', timeout: 120000 });
  git(dir, 'init', '-q', '-b', 'main');
  commit(dir, 'first');
  return { dir, url: `file://${dir}` };
}

// Deploys and returns {deployment, log, report}: report is what the build found.
async function deployed(payload) {
  const posted = await deploy(server.port, payload);
  assert.equal(posted.status, 202, posted.body);
  const deployment = await waitFor(server.port, posted.json.id, { timeoutMs: 180000 });
  const log = await fullLog(server.port, posted.json.id);
  assert.equal(deployment.status, 'DEPLOYED', `${JSON.stringify(deployment)}\n${log}`);
  const page = await site(server.port, posted.json.id);
  return { deployment: await getDeployment(server.port, posted.json.id), log, report: JSON.parse(page.body) };
}

test('the same lockfile skips the install and restores an untouched copy', { timeout: 300000 }, async () => {
  const project = cachedProject();
  const cold = await deployed({ repoUrl: project.url });
  assert.match(cold.log, /Dependency cache miss/);
  assert.match(cold.log, /Running npm ci/);
  assert.match(cold.log, /Saved the installed dependencies to the cache/);
  assert.equal(cold.deployment.build.dependencyCache, 'miss');
  assert.deepEqual(
    { padded: cold.report.padded, version: cold.report.version, tampered: cold.report.tampered, generated: cold.report.generated },
    { padded: '007', version: '1.3.0', tampered: false, generated: true },
  );

  // A new commit that leaves the lockfile alone.
  writeFiles(project.dir, { 'title.txt': 'second' });
  commit(project.dir, 'second');
  const warm = await deployed({ repoUrl: project.url });
  // Reactor runs as root here: the cached node_modules is an overlay, not a copy.
  assert.match(warm.log, /Dependency cache hit: restored the installed dependencies in 0\.\d s \(an overlay of the cache\)/);
  assert.doesNotMatch(warm.log, /Running npm ci/);
  assert.match(warm.log, /Running npm run --ignore-scripts postinstall/, "the project's own install script still runs");
  assert.equal(warm.deployment.build.dependencyCache, 'hit');
  assert.equal(warm.report.title, 'second');
  assert.equal(warm.report.generated, true);
  assert.equal(warm.report.tampered, false, 'the first build tampered with its own copy only');
  assert.ok(warm.deployment.build.durationsMs.install < cold.deployment.build.durationsMs.install,
    `warm install ${warm.deployment.build.durationsMs.install} ms vs cold ${cold.deployment.build.durationsMs.install} ms`);

  const again = await deployed({ repoUrl: project.url });
  assert.match(again.log, /Dependency cache hit/);
  assert.equal(again.report.tampered, false, 'the second build tampered with its own copy only');
});

test('another lockfile, another repository or a commit-hash deployment misses', { timeout: 300000 }, async () => {
  const project = cachedProject();
  await deployed({ repoUrl: project.url });

  // The same lockfile in another repository is not shared.
  const twin = cachedProject();
  const other = await deployed({ repoUrl: twin.url });
  assert.match(other.log, /Dependency cache miss/);

  // A changed lockfile is a new entry.
  const changed = cachedProject({ leftPad: '1.2.0' });
  const fresh = await deployed({ repoUrl: changed.url });
  assert.match(fresh.log, /Dependency cache miss/);
  assert.equal(fresh.report.version, '1.2.0');

  // A deployment pinned to a commit hash reads the cache but never writes it.
  const pinned = cachedProject({ title: 'pinned' });
  const hash = git(pinned.dir, 'rev-parse', 'HEAD');
  const byHash = await deployed({ repoUrl: pinned.url, ref: hash });
  assert.match(byHash.log, /Dependency cache miss/);
  assert.match(byHash.log, /Not saving the dependencies to the cache/);
  const byBranch = await deployed({ repoUrl: pinned.url });
  assert.match(byBranch.log, /Dependency cache miss/);
});

test('a different install command or environment is a different entry', { timeout: 300000 }, async () => {
  const project = cachedProject();
  await deployed({ repoUrl: project.url });
  const withEnv = await deployed({ repoUrl: project.url, env: { NODE_ENV: 'development' } });
  assert.match(withEnv.log, /Dependency cache miss/);
  const withCommand = await deployed({ repoUrl: project.url, installCommand: 'npm ci --no-audit' });
  assert.match(withCommand.log, /Dependency cache miss/);
  const same = await deployed({ repoUrl: project.url, installCommand: 'npm ci --no-audit' });
  assert.match(same.log, /Dependency cache hit/);
});
