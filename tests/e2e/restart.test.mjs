// Stopping the server mid-build (SIGTERM or kill -9) and starting it again on the same
// data directory loses nothing: the build is leased again and finishes, and deployed
// sites keep serving.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deploy, makeRepo, site, startServer, tempDir, tinyApp, waitFor } from './harness.mjs';

for (const signal of ['SIGTERM', 'SIGKILL']) {
  test(`a build interrupted by ${signal} finishes after a restart, and deployed sites keep serving`, async () => {
    const dataDir = tempDir('reactor-restart-');
    const args = ['--lease-timeout', '2s'];
    let server = await startServer({ dataDir, args });
    const done = await deploy(server.port, { repoUrl: makeRepo(tinyApp({ title: 'Survivor' })) });
    await waitFor(server.port, done.json.id, { status: 'DEPLOYED' });

    // A build long enough to be stopped in the middle of.
    const slow = await deploy(server.port, { repoUrl: makeRepo(tinyApp({ sleepMs: 4000, title: 'Slow' })) });
    await waitFor(server.port, slow.json.id, { phase: 'building', timeoutMs: 60000 });
    const exit = await server.stop(signal);
    if (signal === 'SIGTERM') assert.equal(exit.code, 0, server.output());

    server = await startServer({ dataDir, args });
    try {
      const deployment = await waitFor(server.port, slow.json.id, { timeoutMs: 60000 });
      assert.equal(deployment.status, 'DEPLOYED', JSON.stringify(deployment));
      const slowSite = await site(server.port, slow.json.id);
      assert.match(slowSite.body, /Slow/);
      const survivor = await site(server.port, done.json.id);
      assert.equal(survivor.status, 200);
      assert.match(survivor.body, /Survivor/);
    } finally {
      await server.stop();
    }
  });
}
