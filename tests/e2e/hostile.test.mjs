// Hostile repositories: each build tries to break out or to exhaust the machine. Each is
// contained: nothing secret reaches the site, the log or the API, the host is unchanged,
// a limit that was hit is named in the ERROR, and the next deployment still succeeds.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { after, before, test } from 'node:test';
import { deploy, fullLog, makeRepo, request, site, startServer, tinyApp, waitFor } from './harness.mjs';

const secret = `reactor-secret-${randomBytes(12).toString('hex')}`;
const hostShadow = readFileSync('/etc/shadow', 'utf8');
const hostPasswd = readFileSync('/etc/passwd', 'utf8');
const limits = {
  memory: '256M', processes: '64', disk: '200M', timeout: '25s', log: '1M',
};

let server;
before(async () => {
  server = await startServer({
    args: ['--build-memory', limits.memory, '--build-processes', limits.processes, '--build-disk', limits.disk,
      '--build-timeout', limits.timeout, '--build-log-size', limits.log],
    env: { REACTOR_TEST_SECRET: secret },
  });
  assert.match(server.output(), /build limits: memory 256 MiB, 64 processes/, 'the limits are enforced with cgroups');
});
after(async () => { await server.stop(); });

// A repository whose build runs `script` (Node.js) and, when it gets that far, publishes
// whatever the script left in `report` as the site; `postinstall` runs in the install
// phase, after `dependencies` are installed from the registry.
function hostileRepo(script, { postinstall, dependencies, files = {} } = {}) {
  const scripts = { build: 'node build.js' };
  if (postinstall) scripts.postinstall = 'node postinstall.js';
  return makeRepo({
    ...files,
    'package.json': JSON.stringify({ name: 'hostile', version: '1.0.0', private: true, scripts, ...(dependencies ? { dependencies } : {}) }),
    'build.js': `
const fs = require('fs');
const report = [];
const attempt = (what, fn) => { try { report.push(what + ': ' + String(fn())); } catch (e) { report.push(what + ': denied ' + e.code); } };
${script}
fs.mkdirSync('dist', { recursive: true });
fs.writeFileSync('dist/index.html', '<pre>' + report.join('\\n') + '</pre>');
console.log(report.join('\\n'));
`,
    ...(postinstall ? { 'postinstall.js': postinstall } : {}),
  });
}

// Deploys `repoUrl`, waits for the end, and checks that no secret leaked anywhere.
async function deployHostile(repoUrl) {
  const posted = await deploy(server.port, { repoUrl });
  assert.equal(posted.status, 202);
  const deployment = await waitFor(server.port, posted.json.id, { timeoutMs: 120000 });
  const log = await fullLog(server.port, posted.json.id);
  const page = deployment.status === 'DEPLOYED' ? (await site(server.port, posted.json.id)).body : '';
  const api = (await request(server.port, { path: `/deployments/${posted.json.id}` })).body +
    (await request(server.port, { path: '/deployments' })).body;
  for (const [where, text] of [['site', page], ['log', log], ['API', api]]) {
    assert.ok(!text.includes(secret), `the secret leaked into the ${where}`);
    assert.ok(!text.includes('SQLite format 3'), `the database leaked into the ${where}`);
    for (const line of hostShadow.split('\n').filter((l) => l.length > 8)) {
      assert.ok(!text.includes(line), `/etc/shadow leaked into the ${where}`);
    }
  }
  return { deployment, log, page, id: posted.json.id };
}

// The server still answers, and the next deployment still succeeds.
async function assertHealthy() {
  assert.equal((await request(server.port, { path: '/healthz' })).status, 200);
  const posted = await deploy(server.port, { repoUrl: makeRepo(tinyApp({ title: 'after' })) });
  const deployment = await waitFor(server.port, posted.json.id);
  assert.equal(deployment.status, 'DEPLOYED', JSON.stringify(deployment));
  assert.match((await site(server.port, posted.json.id)).body, /<h1>after<\/h1>/);
}

test('a build cannot read /etc/shadow, the data directory or the database', async () => {
  const dataDir = server.dataDir;
  const { deployment, page } = await deployHostile(hostileRepo(`
attempt('shadow', () => fs.readFileSync('/etc/shadow', 'utf8'));
attempt('database', () => fs.readFileSync(${JSON.stringify(`${dataDir}/reactor.db`)}, 'latin1'));
attempt('data dir', () => fs.readdirSync(${JSON.stringify(dataDir)}).join(','));
attempt('root home', () => fs.readdirSync('/root').join(','));
attempt('host passwd', () => fs.readFileSync('/etc/passwd', 'utf8'));
attempt('proc root', () => fs.readdirSync('/proc/1/root/').join(','));
`));
  assert.equal(deployment.status, 'DEPLOYED', JSON.stringify(deployment));
  assert.match(page, /shadow: denied ENOENT/);
  assert.match(page, /database: denied ENOENT/);
  assert.match(page, /data dir: denied ENOENT/);
  assert.match(page, /root home: denied ENOENT/);
  assert.ok(!page.includes(hostPasswd.split('\n')[0]), 'the host /etc/passwd is not visible');
  await assertHealthy();
});

test("a build cannot read Reactor's environment, in the install or the build phase", async () => {
  const dump = `
const fs = require('fs');
const seen = [JSON.stringify(process.env)];
for (const pid of fs.readdirSync('/proc').filter((p) => /^\\d+$/.test(p))) {
  try { seen.push(pid + ' ' + fs.readFileSync('/proc/' + pid + '/environ', 'utf8').replace(/\\0/g, ' ')); } catch (e) { seen.push(pid + ' ' + e.code); }
}
console.log(seen.join('\\n'));
module.exports = seen;
`;
  const { deployment, log, page } = await deployHostile(hostileRepo(`
const seen = require('./postinstall.js');
attempt('environment', () => seen.length + ' entries');
report.push(...seen);
`, { postinstall: dump }));
  assert.equal(deployment.status, 'DEPLOYED', JSON.stringify(deployment));
  assert.match(page, /environment: \d+ entries/);
  assert.match(log, /"HOME":"\/workspace\/home"/, 'the dump ran and was logged');
  assert.ok(!log.includes('REACTOR_TEST_SECRET'));
  await assertHealthy();
});

test('neither the install nor the build can reach the Reactor API or the host loopback', async () => {
  const port = server.port;
  // This host's other addresses: the install phase reaches them as another machine would,
  // which must not lead to the API on loopback either.
  const hostAddresses = Object.values(networkInterfaces()).flat()
    .filter((a) => a.family === 'IPv4' && !a.internal).map((a) => a.address);
  // 127.0.0.1 is the sandbox's own loopback; 10.0.2.2 is slirp4netns's way to the host's.
  const loopbacks = ['127.0.0.1', '10.0.2.2'];
  const probe = `
const net = require('net');
const http = require('http');
const connect = (host, port) => new Promise((resolve) => {
  const socket = net.connect(port, host);
  const said = (what) => { socket.destroy(); resolve(host + ':' + port + ': ' + what); };
  socket.setTimeout(3000, () => said('timed out'));
  socket.on('connect', () => said('CONNECTED'));
  socket.on('error', (e) => said('blocked ' + e.code));
});
const post = (host) => new Promise((resolve) => {
  const req = http.request({ host, port: ${port}, method: 'POST', path: '/deploy', timeout: 3000, headers: { 'content-type': 'application/json' } }, (res) => resolve('api at ' + host + ': CONNECTED ' + res.statusCode));
  req.on('timeout', () => req.destroy(Object.assign(new Error('timed out'), { code: 'TIMEOUT' })));
  req.on('error', (e) => resolve('api at ' + host + ': blocked ' + e.code));
  req.end(JSON.stringify({ repoUrl: 'https://example.com/x.git' }));
});
module.exports = async () => {
  const targets = ${JSON.stringify(loopbacks)}.flatMap((host) => [${port}, 22, 80, 5432, 6379].map((p) => [host, p]));
  targets.push(...${JSON.stringify(hostAddresses)}.map((host) => [host, ${port}]));
  const hosts = [...${JSON.stringify(loopbacks)}, ...${JSON.stringify(hostAddresses)}];
  return [...await Promise.all(targets.map(([host, p]) => connect(host, p))), ...await Promise.all(hosts.map(post))];
};
`;
  const postinstall = `
const fs = require('fs');
(async () => {
  const lines = await require('./probe.js')();
  // By DNS, not /etc/hosts (which may name the registry): the install phase has a network.
  lines.push(await require('dns').promises.resolve4('registry.npmjs.org').then(() => 'dns: resolved', (e) => 'dns: failed ' + e.code));
  lines.push('resolv.conf: ' + fs.readFileSync('/etc/resolv.conf', 'utf8').trim());
  fs.writeFileSync('install-report.txt', lines.map((line) => 'install ' + line).join('\\n'));
})();
`;
  const { deployment, page } = await deployHostile(hostileRepo(`
attempt('dependency', () => require('left-pad')('7', 3, '0'));
report.push(fs.readFileSync('install-report.txt', 'utf8'));
(async () => {
  for (const line of await require('./probe.js')()) report.push('build ' + line);
  fs.mkdirSync('dist', { recursive: true });
  fs.writeFileSync('dist/index.html', '<pre>' + report.join('\\n') + '</pre>');
})();
`, { postinstall, dependencies: { 'left-pad': '1.3.0' }, files: { 'probe.js': probe } }));
  assert.equal(deployment.status, 'DEPLOYED', JSON.stringify(deployment));
  assert.ok(!page.includes('CONNECTED'), page);
  assert.match(page, /dependency: 007/, 'npm installed a package from the registry');
  assert.match(page, /install dns: resolved/, page);
  assert.match(page, /install resolv.conf: nameserver 10\.0\.2\.3/);
  for (const phase of ['install', 'build']) {
    for (const host of [...loopbacks, ...hostAddresses]) {
      assert.match(page, new RegExp(`${phase} ${host.replaceAll('.', '\\.')}:${port}: blocked`), `${phase} phase, ${host}`);
      assert.match(page, new RegExp(`${phase} api at ${host.replaceAll('.', '\\.')}: blocked`), `${phase} phase, ${host}`);
    }
  }
  await assertHealthy();
});

test('a build cannot write outside its workspace', async () => {
  const targets = ['/etc/reactor-pwned', '/usr/reactor-pwned', '/reactor-pwned', `${server.dataDir}/reactor-pwned`,
    '/workspace/../reactor-pwned'];
  const { deployment, page } = await deployHostile(hostileRepo(
    targets.map((t) => `attempt(${JSON.stringify(t)}, () => { fs.writeFileSync(${JSON.stringify(t)}, 'x'); return 'WROTE'; });`).join('\n') +
    "\nattempt('tmp', () => { fs.writeFileSync('/tmp/ok', 'x'); return 'private tmp'; });",
  ));
  assert.equal(deployment.status, 'DEPLOYED', JSON.stringify(deployment));
  assert.ok(!page.includes('WROTE'), page);
  assert.match(page, /tmp: private tmp/);
  for (const target of ['/etc/reactor-pwned', '/usr/reactor-pwned', '/reactor-pwned', `${server.dataDir}/reactor-pwned`, '/tmp/ok']) {
    assert.ok(!existsSync(target), `${target} was written on the host`);
  }
  await assertHealthy();
});

test('a fork bomb stops at the process limit', async () => {
  const started = Date.now();
  const { deployment } = await deployHostile(hostileRepo(`
require('child_process').execSync("b() { b | b & }; b; sleep 100", { stdio: 'inherit', shell: '/bin/sh' });
`));
  assert.equal(deployment.status, 'ERROR');
  assert.match(deployment.error, /went over the process limit \(64 processes\)/);
  assert.ok(Date.now() - started < 20000, 'stopped at once, not at the time limit');
  await assertHealthy();
});

test('endless allocation stops at the memory limit', async () => {
  const { deployment } = await deployHostile(hostileRepo(`
const hoard = [];
for (;;) hoard.push(Buffer.alloc(1 << 20, 1));
`));
  assert.equal(deployment.status, 'ERROR');
  assert.equal(deployment.error, 'The build went over the memory limit (256 MiB) and was stopped: make it use less memory');
  await assertHealthy();
});

test('an endless loop stops at the time limit', { timeout: 90000 }, async () => {
  const { deployment } = await deployHostile(hostileRepo('for (;;) {}'));
  assert.equal(deployment.status, 'ERROR');
  assert.match(deployment.error, /went over the time limit \(25 seconds\)/);
  await assertHealthy();
});

test('an endless file stops at the disk limit', async () => {
  const { deployment } = await deployHostile(hostileRepo(`
const fd = fs.openSync('endless.bin', 'w');
const chunk = Buffer.alloc(1 << 20, 7);
for (;;) fs.writeSync(fd, chunk);
`));
  assert.equal(deployment.status, 'ERROR');
  assert.match(deployment.error, /went over the disk limit \(200 MiB\)/);
  await assertHealthy();
});

test('endless output is cut at the log limit with a marker', async () => {
  const { deployment, log } = await deployHostile(hostileRepo(`
const line = 'spam '.repeat(200);
for (let i = 0; i < 5000; i++) console.log(i + ' ' + line);
report.push('done');
`));
  assert.equal(deployment.status, 'DEPLOYED', JSON.stringify(deployment));
  assert.match(log, /\[log truncated\] The output went over the log limit \(1 MiB\)/);
  assert.ok(log.length < 1.2 * 1024 * 1024, `log of ${log.length} bytes`);
  assert.match(log, /\[reactor\] Published/, "Reactor's own lines are kept past the limit");
  await assertHealthy();
});

test('symbolic links to /etc/passwd or the data directory are not published', async () => {
  const dataDir = server.dataDir;
  const { deployment, log, id } = await deployHostile(makeRepo({
    'package.json': JSON.stringify({ name: 'links', scripts: { build: 'node build.js' } }),
    'build.js': `
const fs = require('fs');
fs.mkdirSync('dist/nested', { recursive: true });
fs.writeFileSync('dist/index.html', '<h1>links</h1>');
fs.symlinkSync('/etc/passwd', 'dist/passwd');
fs.symlinkSync(${JSON.stringify(dataDir)}, 'dist/data');
fs.symlinkSync(${JSON.stringify(`${dataDir}/reactor.db`)}, 'dist/nested/db');
fs.symlinkSync('..', 'dist/nested/up');
`,
  }));
  assert.equal(deployment.status, 'DEPLOYED', JSON.stringify(deployment));
  assert.match(log, /skipped symbolic link passwd/);
  assert.match(log, /skipped symbolic link data/);
  for (const path of ['/passwd', '/data/reactor.db', '/nested/db', '/nested/up/passwd']) {
    const res = await site(server.port, id, path);
    assert.ok(!res.body.includes(hostPasswd.split('\n')[0]), path);
    assert.ok(!res.body.includes('SQLite format 3'), path);
  }
  await assertHealthy();
});

test('an output directory that is a link out of the workspace is refused', async () => {
  const { deployment } = await deployHostile(makeRepo({
    'package.json': JSON.stringify({ name: 'linked-out', scripts: { build: 'node -e "require(\'fs\').symlinkSync(\'/etc\', \'dist\')"' } }),
  }));
  assert.equal(deployment.status, 'ERROR');
  assert.match(deployment.error, /The output directory dist\/ is not a real directory/);
  await assertHealthy();
});
