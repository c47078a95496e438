// The build cache: what a build leaves in node_modules/.cache is there for the next build
// of the same repository, and for no other; deployments of a commit hash neither read nor
// write it.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { deploy, fullLog, getDeployment, makeRepo, site, startServer, waitFor } from './harness.mjs';

// A build that counts its runs in node_modules/.cache and publishes the count.
const countingApp = () => ({
  'package.json': JSON.stringify({ name: 'counting', version: '1.0.0', private: true, scripts: { build: 'node build.js' } }),
  'build.js': `const fs = require('fs');
const file = 'node_modules/.cache/counting/runs';
let runs = 0;
try { runs = Number(fs.readFileSync(file, 'utf8')); } catch {}
runs += 1;
fs.mkdirSync('node_modules/.cache/counting', { recursive: true });
fs.writeFileSync(file, String(runs));
fs.mkdirSync('dist', { recursive: true });
fs.writeFileSync('dist/index.html', '<p>run ' + runs + '</p>');
`,
});

let server;
before(async () => { server = await startServer(); });
after(async () => { await server.stop(); });

async function deployed(payload) {
  const posted = await deploy(server.port, payload);
  assert.equal(posted.status, 202, posted.body);
  const { id } = posted.json;
  await waitFor(server.port, id, { status: 'DEPLOYED' });
  return { id, page: (await site(server.port, id)).body, log: await fullLog(server.port, id), build: (await getDeployment(server.port, id)).build };
}

test('the next build of a repository finds what the last one cached, other repositories do not', async () => {
  const repoUrl = makeRepo(countingApp());
  const first = await deployed({ repoUrl });
  assert.equal(first.page, '<p>run 1</p>');
  assert.match(first.log, /Build cache: empty; node_modules\/\.cache will be kept for the next build/);
  assert.equal(first.build.buildCache, 'miss');

  const dir = fileURLToPath(repoUrl);
  appendFileSync(`${dir}/build.js`, '// a new commit\n');
  execFileSync('git', ['-c', 'user.name=Test', '-c', 'user.email=test@example.com', 'commit', '-qam', 'next'], { cwd: dir });
  const second = await deployed({ repoUrl });
  assert.equal(second.page, '<p>run 2</p>');
  assert.match(second.log, /Build cache: node_modules\/\.cache as the last build left them/);
  assert.equal(second.build.buildCache, 'hit');

  const other = await deployed({ repoUrl: makeRepo(countingApp()) });
  assert.equal(other.page, '<p>run 1</p>', 'another repository has a cache of its own');

  const firstCommit = execFileSync('git', ['rev-list', '--max-parents=0', 'HEAD'], { cwd: dir }).toString().trim();
  const pinned = await deployed({ repoUrl, ref: firstCommit });
  assert.equal(pinned.page, '<p>run 1</p>', 'a commit hash builds without the cache');
  assert.match(pinned.log, /Build cache not used: deployments of a commit hash do not share one/);
  assert.equal(pinned.build.buildCache, 'off');

  const third = await deployed({ repoUrl });
  assert.equal(third.page, '<p>run 3</p>', 'the commit hash left nothing in it');
});
