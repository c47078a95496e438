// A real React app made from the create-vite React template (npm registry) deploys, and
// index.html and every asset it references are served with 200 and the right type.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { deploy, request, startServer, tempDir, waitFor } from './harness.mjs';

const expectedType = { '.js': /^text\/javascript/, '.css': /^text\/css/, '.svg': /^image\/svg\+xml/, '.png': /^image\/png/ };

function createViteReactRepo() {
  const parent = tempDir('reactor-vite-');
  const dir = join(parent, 'app');
  const run = (command, args, cwd) => execFileSync(command, args, { cwd, stdio: 'pipe', timeout: 180000 });
  run('npx', ['--yes', 'create-vite@latest', 'app', '--template', 'react', '--no-interactive', '--no-immediate'], parent);
  run('npm', ['install', '--package-lock-only', '--ignore-scripts', '--no-audit', '--no-fund'], dir);
  run('git', ['init', '-q', '-b', 'main'], dir);
  run('git', ['add', '-A'], dir);
  run('git', ['-c', 'user.name=Test', '-c', 'user.email=test@example.com', 'commit', '-q', '-m', 'create-vite'], dir);
  return `file://${dir}`;
}

let server;
before(async () => { server = await startServer(); });
after(async () => { await server.stop(); });

test('the create-vite React template deploys and every asset it references is served', { timeout: 300000 }, async () => {
  const posted = await deploy(server.port, { repoUrl: createViteReactRepo() });
  assert.equal(posted.status, 202);
  const deployment = await waitFor(server.port, posted.json.id, { timeoutMs: 240000 });
  assert.equal(deployment.status, 'DEPLOYED', JSON.stringify(deployment));

  const host = `${posted.json.id}.localhost:${server.port}`;
  const index = await request(server.port, { host, path: '/' });
  assert.equal(index.status, 200);
  assert.match(index.headers['content-type'], /^text\/html/);
  assert.match(index.body, /<div id="root"><\/div>/);

  const referenced = [...index.body.matchAll(/(?:src|href)="(\/[^"]+)"/g)].map((m) => m[1]);
  assert.ok(referenced.some((path) => path.endsWith('.js')), `a script is referenced: ${referenced}`);
  for (const path of referenced) {
    const asset = await request(server.port, { host, path });
    assert.equal(asset.status, 200, path);
    const extension = path.slice(path.lastIndexOf('.'));
    if (expectedType[extension]) assert.match(asset.headers['content-type'], expectedType[extension], path);
  }
});
