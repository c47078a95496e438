// The README's first run: `reactor serve` with its defaults, started from a fresh
// directory with no flags, so the data directory is the relative `./.reactor` and the
// address is 127.0.0.1:3000. Tests elsewhere pass tidy absolute paths, which hid that
// this deployed nothing. The only addition is REACTOR_ALLOW_LOCAL_REPOS in the
// environment, since the test's repository is a local one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { tempDir, makeRepo, tinyApp, deploy, waitFor, site } from './harness.mjs';

const BIN = process.env.REACTOR_BIN ?? new URL('../../build/reactor', import.meta.url).pathname;
const PORT = 3000; // the README's default

function portFree(port) {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

test('reactor serve from a fresh directory with no flags deploys an app', { timeout: 120000 }, async () => {
  assert.ok(await portFree(PORT), `port ${PORT}, the README's default, is taken: stop what holds it`);
  const cwd = tempDir('reactor-first-run-');
  const child = spawn(BIN, ['serve'], {
    cwd,
    env: { ...process.env, REACTOR_ALLOW_LOCAL_REPOS: 'true' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let output = '';
  child.stderr.on('data', (chunk) => { output += chunk; });
  try {
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`did not start:\n${output}`)), 20000);
      child.stderr.on('data', () => {
        if (output.includes('reactor.serving')) { clearTimeout(timer); resolve(); }
      });
      child.on('exit', (code) => reject(new Error(`exited with ${code}:\n${output}`)));
    });
    // The startup self-test ran a real sandboxed command of each phase, and it passed.
    assert.doesNotMatch(output, /builder\.sandbox/, output);
    assert.ok(existsSync(join(cwd, '.reactor', 'reactor.db')), 'the data directory is ./.reactor');

    const repoUrl = makeRepo(tinyApp({ title: 'First run' }));
    const created = await deploy(PORT, { repoUrl });
    assert.equal(created.status, 202, created.body);
    const done = await waitFor(PORT, created.json.id, { timeoutMs: 90000 });
    assert.equal(done.status, 'DEPLOYED', JSON.stringify(done));
    assert.equal(created.json.url, `http://${created.json.id}.localhost:${PORT}`);
    const page = await site(PORT, created.json.id);
    assert.equal(page.status, 200);
    assert.match(page.body, /First run/);
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => (child.exitCode !== null ? resolve() : child.on('exit', resolve)));
  }
});
