// Configuration written for other hosts deploys unchanged: a vercel.json's or netlify.toml's
// build settings are used and its rules served, what Reactor does not support is named in
// the build log, and the request's own settings win over the file's.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { deploy, fullLog, makeRepo, site, startServer, waitFor } from './harness.mjs';

let server;
before(async () => { server = await startServer(); });
after(async () => { await server.stop(); });

// A package.json whose `script` writes `files` ({path: content}) into `dir`/.
function app(files, { script = 'build', dir = 'dist' } = {}) {
  return {
    'package.json': JSON.stringify({ name: 'host-config', private: true, scripts: { [script]: 'node write.js' } }),
    'write.js': `const fs = require('fs'), path = require('path');
for (const [name, content] of Object.entries(${JSON.stringify(files)})) {
  fs.mkdirSync(path.dirname(path.join(${JSON.stringify(dir)}, name)), { recursive: true });
  fs.writeFileSync(path.join(${JSON.stringify(dir)}, name), content);
}`,
  };
}

async function deployed(files, settings = {}) {
  const posted = await deploy(server.port, { repoUrl: makeRepo(files), ...settings });
  const final = await waitFor(server.port, posted.json.id);
  const log = await fullLog(server.port, posted.json.id);
  return { id: posted.json.id, final, log };
}

test('vercel.json: a rewrite, a redirect and a header are served; unsupported keys are named', async () => {
  const { id, final, log } = await deployed({
    ...app({ 'index.html': 'home', 'app.html': 'the app', 'assets/site.css': 'body{}' }, { script: 'build:vercel', dir: 'out' }),
    'vercel.json': JSON.stringify({
      buildCommand: 'npm run build:vercel',
      outputDirectory: 'out',
      rewrites: [{ source: '/app/:path*', destination: '/app.html' }],
      redirects: [{ source: '/old/:slug', destination: '/new/:slug' }],
      headers: [{ source: '/assets/(.*)', headers: [{ key: 'X-Served-By', value: 'reactor' }] }],
      cleanUrls: true,
      functions: { 'api/*.js': { memory: 1024 } },
    }),
  });
  assert.equal(final.status, 'DEPLOYED', log);
  assert.match(log, /Read vercel\.json: build command, output folder, 5 redirects and rewrites, 1 header rule/);
  assert.match(log, /vercel\.json: "functions": not supported; ignored/);

  const rewritten = await site(server.port, id, '/app/settings/profile');
  assert.equal(rewritten.status, 200);
  assert.equal(rewritten.body, 'the app');
  const redirected = await site(server.port, id, '/old/hello');
  assert.equal(redirected.status, 308);
  assert.equal(redirected.headers.location, '/new/hello');
  // cleanUrls: a path ending in .html goes to the one without, which serves the file.
  for (const [from, to] of [['/app.html', '/app'], ['/index.html', '/']]) {
    const clean = await site(server.port, id, from);
    assert.equal(clean.status, 308, from);
    assert.equal(clean.headers.location, to);
  }
  assert.equal((await site(server.port, id, '/app')).body, 'the app');
  const asset = await site(server.port, id, '/assets/site.css');
  assert.equal(asset.headers['x-served-by'], 'reactor');
  assert.equal((await site(server.port, id, '/')).headers['x-served-by'], undefined);
});

test('vercel.json trailingSlash: true adds a slash to page paths, false removes it, with 308', async () => {
  const pages = { 'index.html': 'home', 'about/index.html': 'about us', 'assets/site.css': 'body{}' };
  const adding = await deployed({ ...app(pages), 'vercel.json': JSON.stringify({ trailingSlash: true }) });
  assert.equal(adding.final.status, 'DEPLOYED', adding.log);
  assert.match(adding.log, /Read vercel\.json: .*, trailing slashes added\n/);
  const added = await site(server.port, adding.id, '/about?tab=team');
  assert.equal(added.status, 308);
  assert.equal(added.headers.location, '/about/?tab=team');
  assert.equal((await site(server.port, adding.id, '/about/')).body, 'about us');
  assert.equal((await site(server.port, adding.id, '/assets/site.css')).status, 200, 'a file keeps its path');
  assert.equal((await site(server.port, adding.id, '/')).body, 'home');

  const removing = await deployed({ ...app(pages), 'vercel.json': JSON.stringify({ trailingSlash: false }) });
  assert.equal(removing.final.status, 'DEPLOYED', removing.log);
  const removed = await site(server.port, removing.id, '/about/');
  assert.equal(removed.status, 308);
  assert.equal(removed.headers.location, '/about');
  assert.equal((await site(server.port, removing.id, '/about')).body, 'about us');
  assert.equal((await site(server.port, removing.id, '/')).body, 'home');
});

test('netlify.toml: its build command and publish folder are used, a redirect and a header served', async () => {
  const { id, final, log } = await deployed({
    ...app({ 'index.html': 'built by the netlify command' }, { script: 'build:netlify', dir: 'public' }),
    'netlify.toml': `[build]
command = "npm run build:netlify"
publish = "public"

[[redirects]]
from = "/go/*"
to = "/target/:splat"
status = 302

[[headers]]
for = "/*"
[headers.values]
X-Frame-Options = "DENY"

[[plugins]]
package = "@netlify/plugin-lighthouse"
`,
  });
  assert.equal(final.status, 'DEPLOYED', log);
  assert.match(log, /Running npm run build:netlify/);
  assert.match(log, /netlify\.toml: line 15: "plugins" is not supported; ignored/);
  const home = await site(server.port, id, '/');
  assert.equal(home.body, 'built by the netlify command');
  assert.equal(home.headers['x-frame-options'], 'DENY');
  const redirected = await site(server.port, id, '/go/a/b');
  assert.equal(redirected.status, 302);
  assert.equal(redirected.headers.location, '/target/a/b');
});

test('netlify.toml [build.environment] and vercel.json build.env reach the build; the request\'s variables win', async () => {
  // The build writes what it was given.
  const writer = {
    'package.json': JSON.stringify({ name: 'env-from-file', private: true, scripts: { build: 'node write.js' } }),
    'write.js': `require('fs').mkdirSync('dist', { recursive: true });
require('fs').writeFileSync('dist/env.json', JSON.stringify({ a: process.env.FROM_FILE, b: process.env.BOTH, node: process.version }));`,
  };
  const netlify = await deployed({
    ...writer,
    'netlify.toml': '[build.environment]\nFROM_FILE = "netlify"\nBOTH = "file"\nNODE_VERSION = "20"\n',
  }, { env: { BOTH: 'request' } });
  assert.equal(netlify.final.status, 'DEPLOYED', netlify.log);
  const seen = JSON.parse((await site(server.port, netlify.id, '/env.json')).body);
  assert.equal(seen.a, 'netlify');
  assert.equal(seen.b, 'request');
  assert.match(seen.node, /^v20\./);
  assert.match(netlify.log, /netlify\.toml.*Node\.js version, 2 build variables/);

  const vercel = await deployed({ ...writer, 'vercel.json': JSON.stringify({ build: { env: { FROM_FILE: 'vercel' } } }) });
  assert.equal(vercel.final.status, 'DEPLOYED', vercel.log);
  assert.equal(JSON.parse((await site(server.port, vercel.id, '/env.json')).body).a, 'vercel');
});

test('_redirects comes first; the request\'s settings win over the file\'s', async () => {
  const { id, final, log } = await deployed({
    ...app({ 'index.html': 'from the request\'s command', _redirects: '/same /from-redirects-file 301\n' }),
    'netlify.toml': '[build]\ncommand = "exit 1"\n\n[[redirects]]\nfrom = "/same"\nto = "/from-toml"\n',
  }, { buildCommand: 'npm run build' });
  assert.equal(final.status, 'DEPLOYED', log);
  assert.equal((await site(server.port, id, '/')).body, 'from the request\'s command');
  assert.equal((await site(server.port, id, '/same')).headers.location, '/from-redirects-file');
  assert.match(log, /netlify\.toml: redirect from "\/same": duplicate source/);
});

test('a malformed vercel.json fails the build, naming the file and line', async () => {
  const { final } = await deployed({
    ...app({ 'index.html': 'never' }),
    'vercel.json': '{\n  "rewrites": [\n    { "source": "/a", }\n  ]\n}\n',
  });
  assert.equal(final.status, 'ERROR');
  assert.match(final.error, /^vercel\.json, line 3: not valid JSON .*: fix it or remove the file$/);
});
