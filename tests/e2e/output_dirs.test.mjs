// Where a build's site is: Next.js without a static export fails at once saying what to
// add; a build that writes none of the usual folders has the folder where it just wrote an
// index.html published, and the log says which.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { deploy, fullLog, getDeployment, makeRepo, site, startServer, waitFor } from './harness.mjs';

let server;
before(async () => { server = await startServer(); });
after(async () => { await server.stop(); });

test('Next.js without output: \'export\' fails before installing, saying what to add', async () => {
  const url = makeRepo({
    'package.json': JSON.stringify({ name: 'nx', private: true, dependencies: { next: '15.0.0' }, scripts: { build: 'next build' } }),
    'next.config.js': 'module.exports = { reactStrictMode: true };\n',
  });
  const posted = await deploy(server.port, { repoUrl: url });
  const final = await waitFor(server.port, posted.json.id);
  assert.equal(final.status, 'ERROR');
  assert.match(final.error, /add output: 'export'/);
  assert.doesNotMatch(await fullLog(server.port, posted.json.id), /Running npm/);
});

test('the folder the build just wrote an index.html to is published', async () => {
  const url = makeRepo({
    'package.json': JSON.stringify({ name: 'odd', private: true, scripts: { build: 'node build.js' } }),
    'build.js': "require('fs').mkdirSync('site/www', { recursive: true }); require('fs').writeFileSync('site/www/index.html', 'odd place');",
  });
  const posted = await deploy(server.port, { repoUrl: url });
  const final = await waitFor(server.port, posted.json.id);
  const log = await fullLog(server.port, posted.json.id);
  assert.equal(final.status, 'DEPLOYED', log);
  assert.equal((await site(server.port, posted.json.id)).body, 'odd place');
  assert.match(log, /publishing site\/www\/, where the build just wrote an index\.html/);
  assert.equal((await getDeployment(server.port, posted.json.id)).build.outputDir, 'site/www');
});
