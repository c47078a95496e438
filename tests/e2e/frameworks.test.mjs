// Real apps deploy unchanged (real npm registry): Create React App 5 and 4, Vite, a plain
// build script writing out/, yarn classic, yarn berry and pnpm through corepack, bun from
// its npm package, a monorepo app (rootDir), the deploy request's overrides, and install
// scripts that projects rely on.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { deploy, fullLog, getDeployment, site, startServer, tempDir, waitFor } from './harness.mjs';

let server;
before(async () => { server = await startServer(); });
after(async () => { await server.stop(); });

// Corepack on the test host, set up as the sandbox sets it up.
const corepackEnv = {
  ...process.env,
  COREPACK_HOME: tempDir('reactor-corepack-'),
  COREPACK_ENABLE_DOWNLOAD_PROMPT: '0',
  COREPACK_ENABLE_AUTO_PIN: '0',
  COREPACK_NPM_REGISTRY: 'https://registry.npmjs.org',
  COREPACK_INTEGRITY_KEYS: '0',
};

const run = (dir, command, ...args) =>
  execFileSync(command, args, { cwd: dir, stdio: 'pipe', timeout: 180000, env: corepackEnv }).toString();

// A Git repository of `files`; `prepare(dir)` runs before the commit (e.g. to write a
// lockfile). Returns its file:// URL.
function repo(files, prepare = () => {}) {
  const dir = tempDir('reactor-app-');
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  }
  prepare(dir);
  writeFileSync(join(dir, '.gitignore'), 'node_modules/\n.yarn/cache/\n.yarn/install-state.gz\n.pnp.*\n');
  run(dir, 'git', 'init', '-q', '-b', 'main');
  run(dir, 'git', 'add', '-A');
  run(dir, 'git', '-c', 'user.name=Test', '-c', 'user.email=test@example.com', 'commit', '-q', '-m', 'app');
  return `file://${dir}`;
}

const npmLockfile = (dir) => run(dir, 'npm', 'install', '--package-lock-only', '--ignore-scripts', '--no-audit', '--no-fund');

// Deploys and expects DEPLOYED; returns {id, deployment, log, index}.
async function deployed(payload, timeoutMs = 240000) {
  const posted = await deploy(server.port, payload);
  assert.equal(posted.status, 202, posted.body);
  const final = await waitFor(server.port, posted.json.id, { timeoutMs });
  const log = await fullLog(server.port, posted.json.id);
  assert.equal(final.status, 'DEPLOYED', `${JSON.stringify(final)}\n${log}`);
  const deployment = await getDeployment(server.port, posted.json.id);
  return { id: posted.json.id, deployment, log, index: (await site(server.port, posted.json.id)).body };
}

// Every script and stylesheet index.html references is served.
async function assertAssetsLoad(id, index) {
  const referenced = [...index.matchAll(/(?:src|href)="(\/[^"]+\.(?:js|css))"/g)].map((m) => m[1]);
  assert.ok(referenced.some((path) => path.endsWith('.js')), `a script is referenced: ${index}`);
  for (const path of referenced) {
    assert.equal((await site(server.port, id, path)).status, 200, path);
  }
  return referenced;
}

// A small Create React App; `src/App.js` has an unused variable, which is a lint warning.
function createReactApp(reactScripts, react) {
  return repo({
    'package.json': {
      name: `cra-${reactScripts}`, version: '0.1.0', private: true,
      homepage: 'https://someone.github.io/my-app',
      dependencies: { react, 'react-dom': react, 'react-scripts': reactScripts },
      scripts: { build: 'react-scripts build' },
      eslintConfig: { extends: ['react-app'] },
      browserslist: { production: ['>0.2%', 'not dead', 'not op_mini all'] },
    },
    'public/index.html': '<!DOCTYPE html><html><head><link rel="icon" href="%PUBLIC_URL%/favicon.ico"><title>CRA</title></head><body><div id="root"></div></body></html>',
    'public/favicon.ico': 'icon',
    'src/index.js': "import React from 'react';\nimport ReactDOM from 'react-dom';\nimport App from './App';\nimport './index.css';\nReactDOM.render(<App />, document.getElementById('root'));\n",
    'src/index.css': 'body { margin: 0; font-family: sans-serif; }\n',
    'src/App.js': "import React from 'react';\n\nexport default function App() {\n  const unused = 42;\n  return <h1>Hello from Create React App</h1>;\n}\n",
  });
}

test('Create React App 5: the homepage path is not used and lint warnings are not fatal', { timeout: 420000 }, async () => {
  const { id, deployment, log, index } = await deployed({ repoUrl: createReactApp('5.0.1', '18.2.0') }, 400000);
  assert.equal(deployment.build.framework, 'create-react-app');
  assert.equal(deployment.build.outputDir, 'build');
  assert.match(log, /"homepage" \(https:\/\/someone\.github\.io\/my-app\) is not used as the base path/);
  assert.match(log, /Compiled with warnings/);
  assert.match(log, /'unused' is assigned a value but never used/);
  const referenced = await assertAssetsLoad(id, index);
  assert.ok(referenced.every((path) => !path.startsWith('/my-app/')), referenced.join());
  assert.match(index, /href="\/favicon\.ico"/);
});

test('Create React App 4 (webpack 4) builds on Node.js 17+ with the legacy OpenSSL provider', { timeout: 420000 }, async () => {
  const { id, deployment, log, index } = await deployed({ repoUrl: createReactApp('4.0.3', '17.0.2') }, 400000);
  assert.equal(deployment.build.framework, 'create-react-app');
  assert.match(log, /react-scripts 4 runs webpack 4: building with NODE_OPTIONS=--openssl-legacy-provider/);
  assert.doesNotMatch(log, /ERR_OSSL_EVP_UNSUPPORTED/);
  await assertAssetsLoad(id, index);
});

test('Vite with an npm lockfile, and build-time env', { timeout: 300000 }, async () => {
  const url = repo({
    'package.json': { name: 'vite-app', private: true, type: 'module', scripts: { build: 'vite build' }, devDependencies: { vite: '5.4.9' } },
    'index.html': '<!doctype html><html><body><div id="app"></div><script type="module" src="/main.js"></script></body></html>',
    'main.js': "document.querySelector('#app').textContent = `API at ${import.meta.env.VITE_API_URL}`;\n",
  }, npmLockfile);
  const { id, deployment, log, index } = await deployed({ repoUrl: url, env: { VITE_API_URL: 'https://api.example.test/v1' } });
  assert.equal(deployment.build.framework, 'vite');
  assert.equal(deployment.build.outputDir, 'dist');
  assert.equal(deployment.build.installCommand, 'npm ci');
  assert.match(log, /Running npm ci \(network on\)/);
  assert.match(log, /Running npm run build \(network on\)/);
  const scripts = await assertAssetsLoad(id, index);
  const bundle = (await site(server.port, id, scripts.find((path) => path.endsWith('.js')))).body;
  assert.match(bundle, /https:\/\/api\.example\.test\/v1/);
  for (const phase of ['clone', 'install', 'build', 'upload']) {
    assert.equal(typeof deployment.build.durationsMs[phase], 'number', phase);
  }
  assert.match(deployment.build.node, /^\d+\.\d+\.\d+$/);
  assert.match(deployment.build.npm, /^\d+\.\d+\.\d+$/);
});

test('a build script that writes out/', async () => {
  const { index, deployment } = await deployed({
    repoUrl: repo({
      'package.json': { name: 'plain', scripts: { build: 'node build.js' } },
      'build.js': "require('fs').mkdirSync('out', { recursive: true }); require('fs').writeFileSync('out/index.html', '<h1>from out</h1>');",
    }),
  });
  assert.equal(index, '<h1>from out</h1>');
  assert.equal(deployment.build.outputDir, 'out');
});

// A project that pads a number with left-pad from the registry.
const paddedApp = (extra) => ({
  ...extra,
  'build.js': "const pad = require('left-pad'); require('fs').mkdirSync('dist', { recursive: true }); require('fs').writeFileSync('dist/index.html', 'padded ' + pad('7', 3, '0'));",
});

test('yarn classic through corepack', { timeout: 300000 }, async () => {
  const url = repo(paddedApp({
    'package.json': { name: 'y1', private: true, packageManager: 'yarn@1.22.22', dependencies: { 'left-pad': '1.3.0' }, scripts: { build: 'node build.js' } },
  }), (dir) => run(dir, 'corepack', 'yarn', 'install', '--ignore-scripts', '--silent'));
  const { index, deployment, log } = await deployed({ repoUrl: url });
  assert.equal(index, 'padded 007');
  assert.equal(deployment.build.packageManager, 'yarn');
  assert.equal(deployment.build.packageManagerVersion, '1.22.22');
  assert.match(log, /Running corepack yarn@1\.22\.22 install --frozen-lockfile/);
});

test('yarn berry (Plug\'n\'Play) through corepack', { timeout: 300000 }, async () => {
  const url = repo(paddedApp({
    'package.json': { name: 'berry', private: true, packageManager: 'yarn@4.5.0', dependencies: { 'left-pad': '1.3.0' }, scripts: { build: 'node build.js' } },
  }), (dir) => run(dir, 'corepack', 'yarn', 'install', '--mode=update-lockfile'));
  const { index, deployment, log } = await deployed({ repoUrl: url });
  assert.equal(index, 'padded 007');
  assert.equal(deployment.build.packageManagerVersion, '4.5.0');
  assert.match(log, /Running corepack yarn@4\.5\.0 install --immutable/);
});

test('pnpm through corepack', { timeout: 300000 }, async () => {
  const url = repo(paddedApp({
    'package.json': { name: 'pn', private: true, packageManager: 'pnpm@9.15.9', dependencies: { 'left-pad': '1.3.0' }, scripts: { build: 'node build.js' } },
  }), (dir) => run(dir, 'corepack', 'pnpm', 'install', '--lockfile-only'));
  const { index, deployment, log } = await deployed({ repoUrl: url });
  assert.equal(index, 'padded 007');
  assert.equal(deployment.build.packageManager, 'pnpm');
  assert.equal(deployment.build.packageManagerVersion, '9.15.9');
  assert.match(log, /Running corepack pnpm@9\.15\.9 install --frozen-lockfile/);
});

test('bun, installed from its npm package', { timeout: 300000 }, async () => {
  const url = repo(paddedApp({
    'package.json': { name: 'bunny', private: true, packageManager: 'bun@1.2.0', dependencies: { 'left-pad': '1.3.0' }, scripts: { build: 'node build.js' } },
  }));
  const { index, deployment, log } = await deployed({ repoUrl: url });
  assert.equal(index, 'padded 007');
  assert.equal(deployment.build.packageManager, 'bun');
  assert.match(log, /Running npm install --global --prefix \/workspace\/home\/\.bun .*bun@1\.2\.0/);
  assert.match(log, /Running \/workspace\/home\/\.bun\/bin\/bun install/);
});

test('a monorepo app picked by rootDir, installed from the workspace root', { timeout: 300000 }, async () => {
  const url = repo({
    'package.json': { name: 'mono', private: true, workspaces: ['apps/*', 'packages/*'] },
    'packages/greet/package.json': { name: '@mono/greet', version: '1.0.0', main: 'index.js' },
    'packages/greet/index.js': "module.exports = (name) => 'hello ' + name;",
    'apps/web/package.json': { name: '@mono/web', version: '1.0.0', private: true, dependencies: { '@mono/greet': '1.0.0', 'left-pad': '1.3.0' }, scripts: { build: 'node build.js' } },
    'apps/web/build.js': "const greet = require('@mono/greet'); const pad = require('left-pad'); require('fs').mkdirSync('dist', { recursive: true }); require('fs').writeFileSync('dist/index.html', greet('monorepo') + ' ' + pad('1', 3, '0'));",
    'apps/docs/package.json': { name: '@mono/docs', version: '1.0.0', private: true, scripts: { build: 'exit 1' } },
  }, npmLockfile);
  const { index, deployment, log } = await deployed({ repoUrl: url, rootDir: 'apps/web' });
  assert.equal(index, 'hello monorepo 001');
  assert.equal(deployment.build.rootDir, 'apps/web');
  assert.match(log, /App folder apps\/web, installed from the workspace root \//);
  assert.match(log, /package manager npm \(package-lock\.json\)/);
});

test('installCommand, buildCommand, outputDir and env override what is detected', async () => {
  const url = repo({
    'package.json': { name: 'custom', scripts: { build: 'exit 1' } },
    'site/make.js': "const fs = require('fs'); fs.mkdirSync('public/site', { recursive: true }); fs.writeFileSync('public/site/index.html', process.env.SITE_TITLE + ' / ' + fs.readFileSync('installed.txt', 'utf8').trim());",
  });
  const { index, deployment, log } = await deployed({
    repoUrl: url,
    installCommand: 'echo "installed with $SITE_TITLE" > installed.txt',
    buildCommand: 'node site/make.js',
    outputDir: 'public/site',
    env: { SITE_TITLE: 'Custom title' },
  });
  assert.equal(index, 'Custom title / installed with Custom title');
  assert.equal(deployment.build.installCommand, 'echo "installed with $SITE_TITLE" > installed.txt');
  assert.equal(deployment.build.buildCommand, 'node site/make.js');
  assert.equal(deployment.build.outputDir, 'public/site');
  assert.match(log, /Running node site\/make\.js \(network on\)/);
});

test("install scripts run: the project's postinstall and prepare and a dependency's postinstall", { timeout: 300000 }, async () => {
  const url = repo({
    'package.json': {
      name: 'scripted', version: '1.0.0', private: true,
      dependencies: { 'local-dep': 'file:./local-dep' },
      scripts: { postinstall: 'node -e "require(\'fs\').writeFileSync(\'postinstall.txt\', \'ran\')"', prepare: 'node -e "require(\'fs\').writeFileSync(\'prepare.txt\', \'ran\')"', build: 'node build.js' },
    },
    'local-dep/package.json': { name: 'local-dep', version: '1.0.0', scripts: { postinstall: 'node -e "require(\'fs\').writeFileSync(\'dep-postinstall.txt\', \'ran\')"' } },
    'build.js': `
const fs = require('fs');
const ran = (file) => fs.existsSync(file) ? 'ran' : 'missing';
fs.mkdirSync('dist', { recursive: true });
fs.writeFileSync('dist/index.html', ['postinstall.txt', 'prepare.txt', 'node_modules/local-dep/dep-postinstall.txt'].map((f) => f + ' ' + ran(f)).join(', '));
`,
  }, npmLockfile);
  const { index } = await deployed({ repoUrl: url });
  assert.equal(index, 'postinstall.txt ran, prepare.txt ran, node_modules/local-dep/dep-postinstall.txt ran');
});
