// Stopping the server mid-build (SIGTERM or kill -9) and starting it again on the same
// data directory loses nothing: the build is leased again and finishes, and deployed
// sites keep serving.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deploy, getDeployment, makeRepo, request, startServer, tempDir, tinyApp, waitFor } from './harness.mjs';

async function waitForPhase(port, id, phase) {
  const deadline = Date.now() + 60000;
  while (Date.now() < deadline) {
    const deployment = await getDeployment(port, id);
    if (deployment.phase === phase) return deployment;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`deployment ${id} never reached phase ${phase}`);
}

for (const signal of ['SIGTERM', 'SIGKILL']) {
  test(`a build interrupted by ${signal} finishes after a restart, and deployed sites keep serving`, async () => {
    const dataDir = tempDir('reactor-restart-');
    const args = ['--lease-timeout', '2s'];
    let server = await startServer({ dataDir, args });
    const done = await deploy(server.port, { repoUrl: makeRepo(tinyApp({ title: 'Survivor' })) });
    await waitFor(server.port, done.json.id, { status: 'DEPLOYED' });

    const slow = await deploy(server.port, { repoUrl: makeRepo(tinyApp({ sleepMs: 4000, title: 'Slow' })) });
    await waitForPhase(server.port, slow.json.id, 'building');
    const exit = await server.stop(signal);
    if (signal === 'SIGTERM') assert.equal(exit.code, 0, server.output());

    server = await startServer({ dataDir, args });
    try {
      const deployment = await waitFor(server.port, slow.json.id, { timeoutMs: 60000 });
      assert.equal(deployment.status, 'DEPLOYED', JSON.stringify(deployment));
      const slowSite = await request(server.port, { host: `${slow.json.id}.localhost` });
      assert.match(slowSite.body, /Slow/);
      const survivor = await request(server.port, { host: `${done.json.id}.localhost` });
      assert.equal(survivor.status, 200);
      assert.match(survivor.body, /Survivor/);
    } finally {
      await server.stop();
    }
  });
}
