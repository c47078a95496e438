// The command-line client (`reactor deploy|ls|status|logs|cancel|rm|gc|dlq|project|env`) against the real
// server: every command with --json, exit codes, and the messages a person reads when
// something is wrong.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import http from 'node:http';
import { after, before, test } from 'node:test';
import { deploy, getDeployment, makeRepo, request, site, startServer, tempDir, tinyApp, until, waitFor } from './harness.mjs';

const BIN = process.env.REACTOR_BIN ?? new URL('../../build/reactor', import.meta.url).pathname;

let server;
let serverUrl;
before(async () => {
  server = await startServer({ args: ['--workers', '2'] });
  serverUrl = `http://127.0.0.1:${server.port}`;
});
after(async () => { await server.stop(); });

// Runs the client against `serverUrl` (through REACTOR_URL); resolves {code, stdout, stderr}.
// `onStdout(stdoutSoFar)` sees the output as it arrives.
// `input` is written to its stdin.
function reactor(args, { env = {}, onStdout, input } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(BIN, args, {
      env: { ...process.env, REACTOR_URL: serverUrl, REACTOR_API_TOKEN: '', ...env },
      stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    if (input !== undefined) child.stdin.end(input);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => { stdout += chunk; onStdout?.(stdout); });
    child.stderr.on('data', (chunk) => { stderr += chunk; });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function parseJson(result) {
  try {
    return JSON.parse(result.stdout);
  } catch {
    throw new Error(`stdout is not one JSON object: ${JSON.stringify(result)}`);
  }
}

// A build that fails with a message in its log.
function failingApp() {
  return {
    'package.json': JSON.stringify({ name: 'broken', private: true, scripts: { build: 'node build.js' } }),
    'build.js': 'console.log("about to fail"); process.exit(3);\n',
  };
}

// A build that prints a line, sleeps, prints another and finishes.
function slowApp(sleepMs) {
  return {
    'package.json': JSON.stringify({ name: 'slow', private: true, scripts: { build: 'node build.js' } }),
    'build.js': `
const fs = require('fs');
console.log('slow build started');
setTimeout(() => {
  console.log('slow build finished');
  fs.mkdirSync('dist', { recursive: true });
  fs.writeFileSync('dist/index.html', 'slow');
}, ${sleepMs});
`,
  };
}

let deployed; // the deployment of the first test, reused by the read-only commands

test('deploy --json follows a tiny app to DEPLOYED, exits 0 and prints the final deployment', async () => {
  const repoUrl = makeRepo(tinyApp({ title: 'From the CLI' }));
  const result = await reactor(['deploy', repoUrl, '--ref', 'main', '--env', 'GREETING=hello world', '--env', 'EMPTY=', '--json']);
  assert.equal(result.code, 0, JSON.stringify(result));
  const deployment = parseJson(result);
  assert.equal(deployment.status, 'DEPLOYED');
  assert.equal(deployment.repoUrl, repoUrl);
  assert.equal(deployment.ref, 'main');
  // Build variables show by name only: their values never leave the server.
  assert.deepEqual(deployment.settings.env, ['EMPTY', 'GREETING']);
  assert.ok(!JSON.stringify(deployment).includes('hello world'));
  assert.equal(deployment.url, `http://${deployment.id}.localhost:${server.port}`);
  assert.match(deployment.commit, /^[0-9a-f]{40}$/);
  assert.match((await site(server.port, deployment.id)).body, /From the CLI/);
  deployed = deployment;
});

test('deploy without --json prints the phases, the build log and the site URL', async () => {
  // A build that lasts a moment, so the command follows it live and not only replayed.
  const result = await reactor(['deploy', makeRepo(tinyApp({ sleepMs: 300 }))]);
  assert.equal(result.code, 0, JSON.stringify(result));
  const id = result.stdout.match(/^Deployment ([a-z0-9]{10}) queued$/m)?.[1];
  assert.ok(id, result.stdout);
  const lines = result.stdout.split('\n');
  const at = (line) => lines.indexOf(line);
  assert.ok(at('==> cloning') > 0, result.stdout);
  assert.ok(at('==> cloning') < at('==> building'), result.stdout);
  assert.ok(lines.some((line) => line === 'built tiny app'), result.stdout);
  assert.ok(lines.findIndex((line) => line === 'built tiny app') > at('==> building'), result.stdout);
  assert.match(result.stdout, new RegExp(`^Deployed in \\d+\\.\\d s: http://${id}\\.localhost:${server.port}$`, 'm'));
  assert.doesNotMatch(result.stdout, /\x1b\[/, 'no terminal escapes when stdout is a pipe');
});

test('a failing build makes deploy exit 1 with the error', async () => {
  const json = await reactor(['deploy', makeRepo(failingApp()), '--json']);
  assert.equal(json.code, 1, JSON.stringify(json));
  const deployment = parseJson(json);
  assert.equal(deployment.status, 'ERROR');
  assert.ok(deployment.error.length > 0);
  assert.ok(json.stderr.includes(`deployment ${deployment.id} failed: ${deployment.error}`), json.stderr);

  const plain = await reactor(['deploy', makeRepo(failingApp())]);
  assert.equal(plain.code, 1, JSON.stringify(plain));
  assert.match(plain.stdout, /^about to fail$/m);
  assert.match(plain.stderr, /reactor: deployment [a-z0-9]{10} failed: \S/);
});

test('deploy rejects bad input with exit code 2', async () => {
  const missing = await reactor(['deploy']);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /git-url/);
  const env = await reactor(['deploy', makeRepo(tinyApp()), '--env', 'NOEQUALS']);
  assert.equal(env.code, 2);
  assert.match(env.stderr, /--env wants NAME=value, not 'NOEQUALS'/);
  const url = await reactor(['deploy', 'not a url', '--json']);
  assert.equal(url.code, 2);
  assert.ok(parseJson(url).error.length > 0, 'the API error is printed as JSON');
  assert.match(url.stderr, /^reactor: /);
});

test('ls lists the newest deployments', async () => {
  const json = await reactor(['ls', '--json']);
  assert.equal(json.code, 0, JSON.stringify(json));
  const { deployments } = parseJson(json);
  assert.ok(deployments.some((d) => d.id === deployed.id && d.status === 'DEPLOYED'));

  const plain = await reactor(['ls']);
  assert.equal(plain.code, 0);
  assert.match(plain.stdout, /^ID\s+STATUS\s+PHASE\s+DURATION\s+CREATED\s+URL\s+REPOSITORY$/m);
  assert.match(plain.stdout, new RegExp(`^${deployed.id}\\s+DEPLOYED\\s+-\\s+\\d+\\.\\d s\\s+\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\s+${deployed.url.replace(/\./g, '\\.')}\\s+file://\\S+#main$`, 'm'));
});

test('status shows one deployment', async () => {
  const json = await reactor(['status', deployed.id, '--json']);
  assert.equal(json.code, 0, JSON.stringify(json));
  assert.deepEqual(parseJson(json), await getDeployment(server.port, deployed.id));

  const plain = await reactor(['status', deployed.id]);
  assert.equal(plain.code, 0);
  assert.match(plain.stdout, /^status\s+DEPLOYED$/m);
  assert.match(plain.stdout, new RegExp(`^url\\s+${deployed.url.replace(/\./g, '\\.')}$`, 'm'));
  assert.match(plain.stdout, /^error\s+-$/m);
});

test('logs prints the build log as text or as {id, lines}', async () => {
  const plain = await reactor(['logs', deployed.id]);
  assert.equal(plain.code, 0, JSON.stringify(plain));
  assert.match(plain.stdout, /^built tiny app$/m);
  const served = await request(server.port, { path: `/deployments/${deployed.id}/logs` });
  assert.equal(plain.stdout, served.body);

  const json = await reactor(['logs', deployed.id, '--json']);
  assert.equal(json.code, 0);
  const log = parseJson(json);
  assert.equal(log.id, deployed.id);
  assert.ok(log.lines.includes('built tiny app'), JSON.stringify(log));
  assert.equal(log.lines.length, served.body.split('\n').length - 1);
});

test('logs -f streams a running build until it ends', async () => {
  const posted = await deploy(server.port, { repoUrl: makeRepo(slowApp(2500)) });
  let firstSeenAt = 0;
  const started = Date.now();
  const result = await reactor(['logs', posted.json.id, '-f'], {
    onStdout: (text) => {
      if (!firstSeenAt && text.includes('slow build started')) firstSeenAt = Date.now();
    },
  });
  const endedAt = Date.now();
  assert.equal(result.code, 0, JSON.stringify(result));
  assert.match(result.stdout, /^slow build started$/m);
  assert.match(result.stdout, /^slow build finished$/m);
  assert.ok(firstSeenAt > started && endedAt - firstSeenAt >= 1500,
    `the first line arrived ${endedAt - firstSeenAt} ms before the end: it was streamed`);
  assert.equal((await getDeployment(server.port, posted.json.id)).status, 'DEPLOYED');

  const followedJson = await reactor(['logs', posted.json.id, '-f', '--json']);
  assert.equal(followedJson.code, 0);
  assert.ok(parseJson(followedJson).lines.includes('slow build finished'));
});

test('cancel stops a slow build: CANCELED, and the deploy following it exits 1', async () => {
  const repoUrl = makeRepo(slowApp(60000));
  const following = reactor(['deploy', repoUrl, '--json']);
  const id = await until('the deploy command to create a deployment', async () =>
    JSON.parse((await request(server.port, { path: '/deployments' })).body).deployments.find((d) => d.repoUrl === repoUrl)?.id, 30000);
  await waitFor(server.port, id, { phase: 'building', timeoutMs: 60000 });

  const canceled = await reactor(['cancel', id, '--json']);
  assert.equal(canceled.code, 0, JSON.stringify(canceled));
  assert.equal(parseJson(canceled).status, 'CANCELED');

  const result = await following;
  assert.equal(result.code, 1, JSON.stringify(result));
  assert.equal(parseJson(result).status, 'CANCELED');
  assert.match(result.stderr, new RegExp(`deployment ${id} was canceled`));

  const again = await reactor(['cancel', id]);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /already finished as CANCELED/);
});

test('rm deletes a finished deployment; gc --dry-run counts and gc collects', async () => {
  const posted = await deploy(server.port, { repoUrl: makeRepo(tinyApp({ title: 'Removable' })) });
  const { id } = posted.json;
  assert.equal((await waitFor(server.port, id)).status, 'DEPLOYED');

  const removed = await reactor(['rm', id, '--json']);
  assert.equal(removed.code, 0, JSON.stringify(removed));
  assert.deepEqual(parseJson(removed), { id, deleted: true });
  assert.equal((await request(server.port, { path: `/deployments/${id}` })).status, 404);
  assert.equal((await site(server.port, id)).status, 404);
  const again = await reactor(['rm', id]);
  assert.equal(again.code, 1, JSON.stringify(again));
  assert.match(again.stderr, new RegExp(id));

  const dry = await reactor(['gc', '--dry-run', '--json']);
  assert.equal(dry.code, 0, JSON.stringify(dry));
  const counted = parseJson(dry);
  assert.equal(counted.dryRun, true);
  for (const key of ['blobsDeleted', 'bytesFreed', 'manifestsDeleted', 'blobsKept']) {
    assert.equal(typeof counted[key], 'number', key);
  }
  const plain = await reactor(['gc']);
  assert.equal(plain.code, 0, JSON.stringify(plain));
  assert.match(plain.stdout, /blob/);
});

test('dlq ls shows an empty queue and redrive of an unknown dead letter fails', async () => {
  const json = await reactor(['dlq', 'ls', '--json']);
  assert.equal(json.code, 0, JSON.stringify(json));
  assert.deepEqual(parseJson(json), { deadLetters: [] });
  const plain = await reactor(['dlq', 'ls']);
  assert.equal(plain.code, 0);
  assert.match(plain.stdout, /^No dead letters$/m);

  const redrive = await reactor(['dlq', 'redrive', deployed.id, '--json']);
  assert.equal(redrive.code, 1);
  assert.match(parseJson(redrive).error, new RegExp(`No dead letter for deployment '${deployed.id}'`));
  const usage = await reactor(['dlq']);
  assert.equal(usage.code, 2);
});

test('an unknown id exits 1 and says so; a malformed id exits 2', async () => {
  for (const command of [['status'], ['logs'], ['logs', '-f'], ['cancel']]) {
    const result = await reactor([...command, 'aaaaaaaaaa']);
    assert.equal(result.code, 1, `${command}: ${JSON.stringify(result)}`);
    assert.match(result.stderr, /No deployment with id 'aaaaaaaaaa'/, command.join(' '));
  }
  const json = await reactor(['status', 'aaaaaaaaaa', '--json']);
  assert.equal(json.code, 1);
  assert.match(parseJson(json).error, /No deployment with id 'aaaaaaaaaa'/);
  const malformed = await reactor(['status', '../deploy']);
  assert.equal(malformed.code, 2);
  assert.match(malformed.stderr, /'\.\.\/deploy' is not a deployment id/);
});

test('an unreachable server exits 2 with a message naming the URL and how to set it', async () => {
  const flag = await reactor(['ls', '--server', 'http://127.0.0.1:9']);
  assert.equal(flag.code, 2, JSON.stringify(flag));
  assert.match(flag.stderr, /cannot reach the Reactor server at http:\/\/127\.0\.0\.1:9 /);
  assert.match(flag.stderr, /--server/);
  assert.match(flag.stderr, /REACTOR_URL/);

  const env = await reactor(['deploy', makeRepo(tinyApp()), '--json'], { env: { REACTOR_URL: 'http://127.0.0.1:9/' } });
  assert.equal(env.code, 2);
  assert.match(env.stderr, /http:\/\/127\.0\.0\.1:9\b/);
  assert.ok(parseJson(env).error.includes('cannot reach'));

  const bad = await reactor(['ls', '--server', '127.0.0.1:3000']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /not an http:\/\/ or https:\/\/ URL/);
});

test('the token is sent as a bearer header, and a refusal says how to set it', async () => {
  const seen = [];
  const guard = http.createServer((req, res) => {
    seen.push(req.headers.authorization);
    res.writeHead(401, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: 'A valid API token is required' }));
  });
  await new Promise((resolve) => guard.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${guard.address().port}`;
  try {
    const flag = await reactor(['ls', '--server', url, '--token', 's3cret']);
    assert.equal(flag.code, 2, JSON.stringify(flag));
    assert.match(flag.stderr, /refused the request \(HTTP 401: A valid API token is required\)/);
    assert.match(flag.stderr, /The token given \(--token or REACTOR_API_TOKEN\) is not one it accepts/);
    const env = await reactor(['cancel', 'aaaaaaaaaa', '--server', url], { env: { REACTOR_API_TOKEN: 'from-env' } });
    assert.equal(env.code, 2);
    const none = await reactor(['status', 'aaaaaaaaaa', '--server', url]);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /Set the API token with --token or the REACTOR_API_TOKEN environment variable/);
    assert.deepEqual(seen, ['Bearer s3cret', 'Bearer from-env', undefined]);
  } finally {
    guard.close();
  }
});

test('a build whose worker keeps dying is dead-lettered; dlq ls shows it and redrive deploys it', async () => {
  const dataDir = tempDir('reactor-dlq-');
  const args = ['--lease-timeout', '1s'];
  let own = await startServer({ dataDir, args });
  const run = (argv) => reactor([...argv, '--server', `http://127.0.0.1:${own.port}`]);
  try {
    const id = (await deploy(own.port, { repoUrl: makeRepo(slowApp(4000)) })).json.id;
    // Three leases that never finish: kill -9 the server while each build runs.
    for (let lease = 1; lease <= 3; lease++) {
      await until(`lease ${lease} to start the build`, async () =>
        (await request(own.port, { path: `/deployments/${id}/logs` })).body.split('slow build started').length - 1 >= lease);
      await own.stop('SIGKILL');
      own = await startServer({ dataDir, args });
    }
    const failed = await waitFor(own.port, id, { timeoutMs: 60000 });
    assert.equal(failed.status, 'ERROR', JSON.stringify(failed));

    const listed = await run(['dlq', 'ls', '--json']);
    assert.equal(listed.code, 0, JSON.stringify(listed));
    const letters = parseJson(listed).deadLetters;
    assert.equal(letters.length, 1);
    assert.equal(letters[0].deploymentId, id);
    assert.equal(letters[0].receives, 3);
    assert.match(letters[0].deadAt, /^\d{4}-\d\d-\d\dT/);
    assert.ok(letters[0].reason.length > 0);
    const table = await run(['dlq', 'ls']);
    assert.match(table.stdout, new RegExp(`^${id}\\s+3\\s+`, 'm'));

    const redriven = await run(['dlq', 'redrive', id, '--json']);
    assert.equal(redriven.code, 0, JSON.stringify(redriven));
    assert.equal(parseJson(redriven).id, id);
    assert.ok(['PENDING', 'IN_PROGRESS'].includes(parseJson(redriven).status));
    const done = await waitFor(own.port, id, { timeoutMs: 60000 });
    assert.equal(done.status, 'DEPLOYED', JSON.stringify(done));
    assert.deepEqual(parseJson(await run(['dlq', 'ls', '--json'])), { deadLetters: [] });
  } finally {
    await own.stop();
  }
});

test('against a server with an API token: missing or wrong exits 2, the right one works', async () => {
  const guarded = await startServer({ args: ['--api-token', 'right-token'] });
  const run = (argv, env = {}) => reactor([...argv, '--server', `http://127.0.0.1:${guarded.port}`], { env });
  try {
    const missing = await run(['dlq', 'ls']);
    assert.equal(missing.code, 2, JSON.stringify(missing));
    assert.match(missing.stderr, /HTTP 401/);
    assert.match(missing.stderr, /Set the API token with --token or the REACTOR_API_TOKEN/);
    const wrong = await run(['deploy', makeRepo(tinyApp()), '--token', 'wrong-token', '--json']);
    assert.equal(wrong.code, 2, JSON.stringify(wrong));
    assert.match(parseJson(wrong).error, /token/i);
    assert.match(wrong.stderr, /is not one it accepts/);

    const listed = await run(['dlq', 'ls', '--json', '--token', 'right-token']);
    assert.equal(listed.code, 0, JSON.stringify(listed));
    const deployed = await run(['deploy', makeRepo(tinyApp()), '--json'], { REACTOR_API_TOKEN: 'right-token' });
    assert.equal(deployed.code, 0, JSON.stringify(deployed));
    assert.equal(parseJson(deployed).status, 'DEPLOYED');
    const watched = await run(['status', parseJson(deployed).id, '--json']);
    assert.equal(watched.code, 0, 'reading needs no token');
  } finally {
    await guarded.stop();
  }
});

test('projects from the command line: create, deploy, show, promote, roll back, delete', async () => {
  const repoUrl = makeRepo(tinyApp({ title: 'Blog' }));
  const created = await reactor(['project', 'create', 'blog', repoUrl]);
  assert.equal(created.code, 0, created.stderr);
  assert.match(created.stdout, /Created project blog: production will be served at http:\/\/blog\.localhost:/);
  assert.equal((await reactor(['project', 'create', 'Blog', repoUrl])).code, 2, 'a bad name is a wrong request');
  const usage = await reactor(['deploy', '--project', 'blog', repoUrl]);
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /give only --ref/);

  const first = await reactor(['deploy', '--project', 'blog', '--json']);
  assert.equal(first.code, 0, first.stderr);
  const firstId = parseJson(first).id;
  const second = await reactor(['deploy', '--project', 'blog', '--json']);
  const secondId = parseJson(second).id;
  const shown = await reactor(['project', 'show', 'blog']);
  assert.equal(shown.code, 0, shown.stderr);
  assert.match(shown.stdout, new RegExp(`serving\\s+${secondId}`));
  assert.match(shown.stdout, /HOSTNAME/);

  const rolled = await reactor(['rollback', 'blog']);
  assert.equal(rolled.code, 0, rolled.stderr);
  assert.match(rolled.stdout, new RegExp(`Rolled blog back to ${firstId}`));
  const promoted = await reactor(['promote', secondId]);
  assert.equal(promoted.code, 0, promoted.stderr);
  const listed = parseJson(await reactor(['project', 'ls', '--json']));
  assert.equal(listed.projects.find((p) => p.name === 'blog').productionDeploymentId, secondId);
  const table = await reactor(['project', 'ls']);
  assert.match(table.stdout, /NAME\s+URL\s+SERVING/);

  assert.equal((await reactor(['project', 'rm', 'blog'])).code, 0);
  assert.equal((await reactor(['project', 'show', 'blog'])).code, 1);
});

test('variables from the command line: set (flag or stdin), ls, rm; values never printed', async () => {
  const repoUrl = makeRepo(tinyApp());
  assert.equal((await reactor(['project', 'create', 'vars', repoUrl, '--production-branch', 'main'])).code, 0);
  const added = await reactor(['env', 'set', 'vars', 'API_KEY', '--value', 'flag-secret-1']);
  assert.equal(added.code, 0, added.stderr);
  assert.match(added.stdout, /Added API_KEY of project vars/);
  const piped = await reactor(['env', 'set', 'vars', 'API_KEY', '--scope', 'preview', '--json'], { input: 'stdin-secret-2\n' });
  assert.equal(piped.code, 0, piped.stderr);
  assert.deepEqual(parseJson(piped).scopes, ['preview']);
  const bad = await reactor(['env', 'set', 'vars', 'BAD-NAME', '--value', 'x']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /not a variable name/);
  assert.equal((await reactor(['env', 'set', 'vars', 'X', '--value', 'x', '--scope', 'staging'])).code, 2);

  const table = await reactor(['env', 'ls', 'vars']);
  assert.match(table.stdout, /^NAME\s+SCOPES\s+UPDATED\nAPI_KEY\s+preview\s+\d{4}-/);
  const listed = parseJson(await reactor(['env', 'ls', 'vars', '--json']));
  assert.deepEqual(listed.env.map((v) => v.name), ['API_KEY']);
  const shown = await reactor(['project', 'show', 'vars']);
  assert.match(shown.stdout, /API_KEY\s+preview/);
  for (const output of [added.stdout, piped.stdout, table.stdout, JSON.stringify(listed), shown.stdout]) {
    assert.ok(!output.includes('flag-secret-1') && !output.includes('stdin-secret-2'), output);
  }
  assert.equal((await reactor(['env', 'rm', 'vars', 'API_KEY'])).code, 0);
  const again = await reactor(['env', 'rm', 'vars', 'API_KEY']);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /no variable named 'API_KEY'/);
  assert.equal((await reactor(['env', 'ls', 'vars'])).stdout, 'No variables yet: add one with `reactor env set`\n');
  assert.equal((await reactor(['project', 'rm', 'vars'])).code, 0);
});
