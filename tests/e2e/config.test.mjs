// A TOML config file sets any serve flag under the flag's name; a flag on the command
// line beats its environment variable, which beats the file. A bad file stops startup
// with a message naming the line, the key and the fix.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { deploy, makeRepo, request, startServer, tempDir, tinyApp, waitFor } from './harness.mjs';

const BIN = process.env.REACTOR_BIN ?? new URL('../../build/reactor', import.meta.url).pathname;

function configFile(text) {
  const file = join(tempDir('reactor-config-'), 'reactor.toml');
  writeFileSync(file, text);
  return file;
}

const sites = (server) => server.output().match(/reactor\.serving .*sites=(\S+)/)[1];

test('the file sets the listen address, the domain and a switch', async () => {
  // Port 0 where the default is 3000: the server picks a free one, read back from its log.
  const file = configFile('# Reactor settings\nlisten = "127.0.0.1:0"\ndomain = "file.test"\nallow-local-repos = true\ndeploy-rate-limit = 0\nbuild-timeout = "2m"\n');
  const server = await startServer({ args: ['--config', file], listen: null, allowLocal: false });
  try {
    assert.notEqual(server.port, 3000);
    assert.match(server.output(), new RegExp(`reactor\\.serving url=http://127\\.0\\.0\\.1:${server.port} sites=http://\\{id\\}\\.file\\.test:${server.port}`));
    const health = await request(server.port, { path: '/healthz' });
    assert.equal(health.status, 200);
    const local = await deploy(server.port, { repoUrl: makeRepo(tinyApp()) });
    assert.equal(local.status, 202, `the file allows local repositories: ${local.body}`);
    assert.equal((await waitFor(server.port, local.json.id)).status, 'DEPLOYED');
  } finally {
    await server.stop();
  }
});

test('a flag beats the environment, which beats the file', async () => {
  const file = configFile('listen = "127.0.0.1:1"\ndomain = "file.test"\n');
  const domain = async (args, env) => {
    const server = await startServer({ args, env });
    await server.stop();
    assert.notEqual(server.port, 1, "the harness's --listen beats the file");
    return sites(server).match(/^http:\/\/\{id\}\.([a-z.]+):\d+$/)[1];
  };
  assert.equal(await domain(['--config', file, '--domain', 'flag.test'], { REACTOR_DOMAIN: 'env.test' }), 'flag.test');
  assert.equal(await domain(['--config', file], { REACTOR_DOMAIN: 'env.test' }), 'env.test');
  assert.equal(await domain([], { REACTOR_CONFIG: file }), 'file.test');
});

for (const [name, text, message] of [
  ['an unknown key', 'workers = 2\nwokers = 3\n', /reactor\.toml:2: unknown setting 'wokers'/],
  ['a number in quotes', 'workers = "2"\n', /reactor\.toml:1: 'workers' expects a number without quotes, e\.g\. workers = 2/],
  ['a size the flag refuses', '\nbuild-memory = "4Q"\n', /reactor\.toml:2: 'build-memory' = 4Q is refused/],
  ['a number out of range', 'workers = 100\n', /reactor\.toml:1: 'workers' = 100 is refused/],
  ['a syntax error', 'listen = \n', /reactor\.toml:1: not valid TOML/],
]) {
  test(`${name} in the file stops startup with a message naming it`, () => {
    const file = configFile(text);
    const result = spawnSync(BIN, ['serve', '--config', file, '--listen', '127.0.0.1:0', '--data-dir', tempDir('reactor-data-')], { timeout: 20000 });
    assert.equal(result.status, 2, result.stderr.toString());
    assert.match(result.stderr.toString(), message);
  });
}
