// The server's log: one line per event with a level, as text by default and as JSON
// objects with --log-format json; operator events (startup, deploys, builds, rejected
// calls, shutdown) are there, tokens are not.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deploy, makeRepo, request, startServer, tinyApp, waitFor } from './harness.mjs';

const TOKEN = 'log-test-token-never-logged';
const k_text_line = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (DEBUG|INFO|WARN|ERROR) [a-z_]+\.[a-z_.]+( |$)/;

const lines = (output) => output.split('\n').filter((line) => line !== '');

test('--log-format json: every line is one object with ts, level and event; a deploy is followed through', async () => {
  const server = await startServer({ args: ['--log-format', 'json'] });
  const repo = makeRepo(tinyApp());
  const posted = await deploy(server.port, { repoUrl: repo });
  const deployment = await waitFor(server.port, posted.json.id);
  assert.equal(deployment.status, 'DEPLOYED');
  await server.logged(new RegExp(`build\\.finished.*${posted.json.id}`)); // it follows the status change
  const exit = await server.stop();
  assert.equal(exit.code, 0);

  const events = lines(server.output()).map((line) => JSON.parse(line));
  for (const event of events) {
    assert.match(event.ts, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.ok(['debug', 'info', 'warn', 'error'].includes(event.level), JSON.stringify(event));
    assert.equal(typeof event.event, 'string');
  }
  const find = (name) => events.find((e) => e.event === name && (e.id === undefined || e.id === posted.json.id));
  assert.equal(find('reactor.started').roles, 'api,worker,edge');
  assert.match(find('reactor.serving').url, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.equal(find('deploy.accepted').repo, repo);
  assert.equal(find('build.started').attempt, 1);
  const finished = find('build.finished');
  assert.equal(finished.status, 'DEPLOYED');
  assert.equal(typeof finished.duration_ms, 'number');
  const order = ['deploy.accepted', 'build.started', 'build.finished', 'reactor.stopping', 'reactor.stopped']
    .map((name) => events.indexOf(find(name)));
  assert.deepEqual(order, [...order].sort((a, b) => a - b), 'events in the order they happened');
});

test('text format: a level on every line; a rejected call is a warning without the token; a failed build says why', async () => {
  const server = await startServer({ args: ['--api-token', TOKEN, '--log-level', 'debug', '--deploy-rate-limit', '1'] });
  try {
    const rejected = await request(server.port, {
      method: 'POST', path: '/deploy', headers: { authorization: 'Bearer wrong-token' }, body: '{}',
    });
    assert.equal(rejected.status, 401);
    const auth = { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` };
    const broken = { ...tinyApp(), 'build.js': 'console.error("boom"); process.exit(3);' };
    const posted = await request(server.port, { method: 'POST', path: '/deploy', headers: auth, body: JSON.stringify({ repoUrl: makeRepo(broken) }) });
    assert.equal(posted.status, 202);
    const id = JSON.parse(posted.body).id;
    const limited = await request(server.port, { method: 'POST', path: '/deploy', headers: auth, body: JSON.stringify({ repoUrl: makeRepo(broken) }) });
    assert.equal(limited.status, 429);
    assert.equal((await waitFor(server.port, id)).status, 'ERROR');
    await server.logged(new RegExp(`build\\.finished id=${id} `));
  } finally {
    await server.stop();
  }
  const output = server.output();
  for (const line of lines(output)) assert.match(line, k_text_line);
  assert.match(output, / WARN auth\.rejected method=POST path=\/deploy client=127\.0\.0\.1 reason="wrong token"/);
  assert.match(output, / DEBUG deploy\.rate_limited client=127\.0\.0\.1 retry_s=\d+/);
  assert.match(output, / INFO build\.finished id=[a-z0-9]{10} status=ERROR duration_ms=\d+ error="[^"]*exit/);
  assert.doesNotMatch(output, new RegExp(TOKEN));
  assert.doesNotMatch(output, /wrong-token/);
});
