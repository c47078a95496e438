// OCSP stapling against a real responder (`openssl ocsp`, signing with the test CA): a
// certificate that names the responder is served with its "good" status stapled, a revoked
// one with none, and one that names no responder is never asked about.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { makeTestCa, makeTestCertificate, startServer, tempDir } from './harness.mjs';

const dir = tempDir('reactor-ocsp-');
const path = (name) => join(dir, name);
const domain = 'ocsp.localhost';

function freePort() {
  return new Promise((resolve) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

// What `openssl s_client -status` prints of the handshake's stapled response.
function statusSeen(port) {
  const hello = spawnSync('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-servername', 'localhost',
    '-status', '-CAfile', path('ca.pem')], { input: '', encoding: 'utf8', timeout: 10000 });
  return hello.stdout;
}

// The index line `openssl ocsp` reads for a certificate: V(alid) or R(evoked).
function indexLine(name, state) {
  const printed = spawnSync('openssl', ['x509', '-in', path(`${name}.pem`), '-noout', '-serial', '-enddate'],
    { encoding: 'utf8' }).stdout;
  const serial = printed.match(/serial=(\w+)/)[1];
  const end = new Date(printed.match(/notAfter=(.+)/)[1]);
  const asn1 = (date) => date.toISOString().replace(/[-:T]/g, '').slice(2, 14) + 'Z';
  return [state, asn1(end), state === 'R' ? asn1(new Date()) : '', serial, 'unknown', '/CN=localhost'].join('\t');
}

// The chain Reactor serves: the leaf, then its issuer (the responder is asked about the
// leaf with the issuer's name and key).
function chainOf(name) {
  writeFileSync(path(`${name}-chain.pem`), readFileSync(path(`${name}.pem`), 'utf8') + readFileSync(path('ca.pem'), 'utf8'));
  return path(`${name}-chain.pem`);
}

let responder;
const servers = [];

async function serveHttps(name) {
  const server = await startServer({
    args: ['--listen-https', '127.0.0.1:0', '--tls-cert', chainOf(name), '--tls-key', path(`${name}.key`)],
  });
  servers.push(server);
  server.httpsPort = Number((await server.logged(/reactor\.serving_https\W+url\W+https:\/\/[^:\s"]+:(\d+)/))[1]);
  return server;
}

before(async () => {
  makeTestCa(dir);
  const port = await freePort();
  const ocsp = `http://127.0.0.1:${port}`;
  makeTestCertificate(dir, 'good', '0x3001', domain, { ocsp });
  makeTestCertificate(dir, 'revoked', '0x3002', domain, { ocsp });
  makeTestCertificate(dir, 'plain', '0x3003', domain);
  writeFileSync(path('index.txt'), `${indexLine('good', 'V')}\n${indexLine('revoked', 'R')}\n`);
  responder = spawn('openssl', ['ocsp', '-index', path('index.txt'), '-port', String(port), '-CA', path('ca.pem'),
    '-rsigner', path('ca.pem'), '-rkey', path('ca.key'), '-ndays', '1', '-ignore_err'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let said = '';
  await new Promise((resolve, reject) => {
    const look = (chunk) => {
      said += chunk;
      if (/waiting for OCSP client connections/i.test(said)) resolve();
    };
    responder.stdout.on('data', look);
    responder.stderr.on('data', look);
    responder.on('exit', () => reject(new Error(`openssl ocsp exited: ${said}`)));
  });
});

after(async () => {
  for (const server of servers) await server.stop();
  responder?.kill();
});

describe('OCSP stapling', () => {
  test('a certificate naming a responder is served with its good status stapled', async () => {
    const server = await serveHttps('good');
    await server.logged(/tls\.ocsp_stapled/);
    const seen = statusSeen(server.httpsPort);
    assert.match(seen, /OCSP Response Status: successful/, seen);
    assert.match(seen, /Cert Status: good/, seen);
  });

  test('a revoked certificate gets no staple, and the log says why', async () => {
    const server = await serveHttps('revoked');
    await server.logged(/tls\.ocsp_failed\W+error\W+the OCSP responder says the certificate is revoked/);
    assert.match(statusSeen(server.httpsPort), /OCSP response: no response sent/);
  });

  test('a certificate that names no responder is served without asking one', async () => {
    const server = await serveHttps('plain');
    assert.match(statusSeen(server.httpsPort), /OCSP response: no response sent/);
    assert.doesNotMatch(server.output(), /tls\.ocsp/);
  });
});
