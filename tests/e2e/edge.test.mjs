// The edge's HTTP semantics, against the real server: caching validators, ranges,
// precompressed variants, cache lifetimes, SPA fallback, 404 pages and path safety.
import assert from 'node:assert/strict';
import { gunzipSync, brotliDecompressSync } from 'node:zlib';
import http from 'node:http';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { deploy, fullLog, makeRepo, request, siteApp, startServer, until, waitFor } from './harness.mjs';

const bundle = `export function app(){return ${JSON.stringify('hello '.repeat(2000))};}\n`;
// Above the edge's sendfile threshold, and not compressible, so it goes out from disk.
const large = Array.from({ length: 120000 }, (_, i) => String.fromCharCode(33 + ((i * 7919) % 90))).join('');

let server;
let spa; // host of a single-page app (no 404.html)
let pages; // host of a site with its own 404.html
before(async () => {
  server = await startServer();
  const spaDeploy = await deploy(server.port, { repoUrl: makeRepo(siteApp({
    'index.html': '<!doctype html><title>SPA</title><div id="root"></div>',
    'about.html': '<h1>About</h1>',
    'docs/index.html': '<h1>Docs</h1>',
    'assets/index-B1x2y3z4.js': bundle,
    'assets/style.css': 'body{color:red}',
    'logo.svg': '<svg xmlns="http://www.w3.org/2000/svg"></svg>',
    'media/data.bin': large,
  })) });
  const pagesDeploy = await deploy(server.port, { repoUrl: makeRepo(siteApp({
    'index.html': '<h1>Home</h1>',
    '404.html': '<h1>Custom not found</h1>',
  })) });
  await waitFor(server.port, spaDeploy.json.id, { status: 'DEPLOYED' });
  await waitFor(server.port, pagesDeploy.json.id, { status: 'DEPLOYED' });
  spa = `${spaDeploy.json.id}.localhost:${server.port}`;
  pages = `${pagesDeploy.json.id}.localhost:${server.port}`;
});
after(async () => { await server.stop(); });

const get = (host, path, headers = {}, method = 'GET') => request(server.port, { host, path, headers, method });

describe('validators and conditional requests', () => {
  test('ETag from the content hash, If-None-Match gives 304', async () => {
    const first = await get(spa, '/assets/style.css');
    assert.equal(first.status, 200);
    assert.match(first.headers.etag, /^"[0-9a-f]{64}"$/);
    const again = await get(spa, '/assets/style.css', { 'if-none-match': first.headers.etag });
    assert.equal(again.status, 304);
    assert.equal(again.body, '');
    assert.equal(again.headers.etag, first.headers.etag);
    const other = await get(spa, '/assets/style.css', { 'if-none-match': '"nope"' });
    assert.equal(other.status, 200);
  });
  test('Last-Modified and If-Modified-Since', async () => {
    const first = await get(spa, '/about.html');
    assert.ok(first.headers['last-modified']);
    const again = await get(spa, '/about.html', { 'if-modified-since': first.headers['last-modified'] });
    assert.equal(again.status, 304);
    const old = await get(spa, '/about.html', { 'if-modified-since': 'Thu, 01 Jan 1998 00:00:00 GMT' });
    assert.equal(old.status, 200);
  });
  test('HEAD has the headers and no body', async () => {
    const head = await get(spa, '/assets/style.css', {}, 'HEAD');
    assert.equal(head.status, 200);
    assert.equal(head.headers['content-length'], String('body{color:red}'.length));
    assert.equal(head.body, '');
  });
});

describe('large files', () => {
  test('are sent whole, repeatedly, with ranges and HEAD', async () => {
    for (let i = 0; i < 3; i++) {
      const res = await get(spa, '/media/data.bin');
      assert.equal(res.status, 200);
      assert.equal(res.body, large);
    }
    const part = await get(spa, '/media/data.bin', { range: 'bytes=100000-100009' });
    assert.equal(part.status, 206);
    assert.equal(part.body, large.slice(100000, 100010));
    const head = await get(spa, '/media/data.bin', {}, 'HEAD');
    assert.equal(head.headers['content-length'], String(large.length));
    assert.equal(head.body, '');
  });
});

describe('ranges', () => {
  test('a single range gets 206 with Content-Range', async () => {
    const res = await get(spa, '/assets/style.css', { range: 'bytes=0-3' });
    assert.equal(res.status, 206);
    assert.equal(res.body, 'body');
    assert.equal(res.headers['content-range'], `bytes 0-3/${'body{color:red}'.length}`);
    const suffix = await get(spa, '/assets/style.css', { range: 'bytes=-4' });
    assert.equal(suffix.body, 'red}');
    const open = await get(spa, '/assets/style.css', { range: 'bytes=10-' });
    assert.equal(open.body, 'r:red}'.slice(1));
  });
  test('an unsatisfiable range gets 416; Accept-Ranges is advertised', async () => {
    const res = await get(spa, '/assets/style.css', { range: 'bytes=1000-2000' });
    assert.equal(res.status, 416);
    assert.equal(res.headers['content-range'], `bytes */${'body{color:red}'.length}`);
    const openEnded = await get(spa, '/assets/style.css', { range: 'bytes=1000-' });
    assert.equal(openEnded.status, 416);
    assert.equal(openEnded.headers['content-range'], `bytes */${'body{color:red}'.length}`);
    assert.equal((await get(spa, '/assets/style.css')).headers['accept-ranges'], 'bytes');
  });
});

describe('precompressed variants', () => {
  test('br and gzip by Accept-Encoding with q-values, Vary, identical content', async () => {
    const plain = await get(spa, '/assets/index-B1x2y3z4.js');
    assert.equal(plain.headers['content-encoding'], undefined);
    assert.equal(plain.body, bundle);
    assert.equal(plain.headers.vary, 'Accept-Encoding');

    const raw = (path, encoding) => new Promise((resolve) => {
      const socket = net.connect(server.port, '127.0.0.1', () => socket.write(
        `GET ${path} HTTP/1.1\r\nHost: ${spa}\r\nAccept-Encoding: ${encoding}\r\nConnection: close\r\n\r\n`));
      const chunks = [];
      socket.on('data', (c) => chunks.push(c));
      socket.on('end', () => {
        const all = Buffer.concat(chunks);
        const split = all.indexOf('\r\n\r\n');
        resolve({ head: all.subarray(0, split).toString(), body: all.subarray(split + 4) });
      });
    });
    const br = await raw('/assets/index-B1x2y3z4.js', 'gzip, deflate, br');
    assert.match(br.head, /Content-Encoding: br/);
    assert.equal(brotliDecompressSync(br.body).toString(), bundle);
    const gzip = await raw('/assets/index-B1x2y3z4.js', 'br;q=0.5, gzip');
    assert.match(gzip.head, /Content-Encoding: gzip/);
    assert.equal(gunzipSync(gzip.body).toString(), bundle);
    const refused = await raw('/assets/index-B1x2y3z4.js', 'br;q=0, gzip;q=0');
    assert.doesNotMatch(refused.head, /Content-Encoding/);
    const small = await raw('/assets/style.css', 'gzip, br');
    assert.doesNotMatch(small.head, /Content-Encoding/, 'tiny files are not compressed');
  });
});

describe('cache lifetimes and content types', () => {
  test('hashed assets are immutable, HTML and the rest revalidate', async () => {
    assert.equal((await get(spa, '/assets/index-B1x2y3z4.js')).headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.equal((await get(spa, '/')).headers['cache-control'], 'public, max-age=0, must-revalidate');
    assert.equal((await get(spa, '/assets/style.css')).headers['cache-control'], 'public, max-age=0, must-revalidate');
  });
  test('types and nosniff', async () => {
    const svg = await get(spa, '/logo.svg');
    assert.equal(svg.headers['content-type'], 'image/svg+xml');
    assert.equal(svg.headers['x-content-type-options'], 'nosniff');
    assert.match((await get(spa, '/assets/style.css')).headers['content-type'], /^text\/css/);
  });
});

describe('routing', () => {
  test('/about serves about.html, /docs serves docs/index.html', async () => {
    assert.match((await get(spa, '/about')).body, /About/);
    assert.match((await get(spa, '/docs')).body, /Docs/);
    assert.match((await get(spa, '/docs/')).body, /Docs/);
  });
  test('a single-page app gets index.html for navigations, a missing asset is a 404, never HTML', async () => {
    const nav = await get(spa, '/dashboard/settings');
    assert.equal(nav.status, 200);
    assert.match(nav.body, /<title>SPA<\/title>/);
    const navWithDot = await get(spa, '/users/jane.doe', { accept: 'text/html,application/xhtml+xml' });
    assert.equal(navWithDot.status, 200);
    const asset = await get(spa, '/assets/index-OLDHASH1.js');
    assert.equal(asset.status, 404);
    assert.doesNotMatch(asset.headers['content-type'], /html/);
  });
  test('a site with 404.html gets it with status 404', async () => {
    const res = await get(pages, '/nope');
    assert.equal(res.status, 404);
    assert.match(res.body, /Custom not found/);
  });
});

describe('safety', () => {
  test('nothing outside the deployment is reachable', async () => {
    for (const path of ['/../../etc/passwd', '/%2e%2e/%2e%2e/etc/passwd', '/a/%2E%2E/%2E%2E/etc/passwd',
      '/..%2f..%2fetc/passwd', '/%00', '/a%5c..%5c..%5cetc', '/' + 'a'.repeat(3000)]) {
      const res = await get(spa, path);
      assert.ok([400, 404].includes(res.status), `${path} → ${res.status}`);
      assert.doesNotMatch(res.body, /root:/);
    }
  });
  test('unknown deployments and malformed hosts get a clear 404', async () => {
    for (const host of [`zzzzzzzzzz.localhost:${server.port}`, `bad_label.localhost:${server.port}`, `a.b.localhost:${server.port}`]) {
      const res = await get(host, '/');
      assert.equal(res.status, 404);
      assert.match(res.body, /No deployment here/);
    }
  });
  test('only GET and HEAD', async () => {
    const res = await get(spa, '/', {}, 'POST');
    assert.equal(res.status, 405);
  });
  test('an oversized request head gets 431', async () => {
    const res = await get(spa, '/', { 'x-big': 'a'.repeat(20000) });
    assert.equal(res.status, 431);
  });
});

describe('_redirects and _headers', () => {
  let host;
  let id;
  before(async () => {
    const posted = await deploy(server.port, { repoUrl: makeRepo(siteApp({
      'index.html': '<h1>Rules</h1>',
      'new.html': '<h1>New page</h1>',
      'blog/post.html': '<h1>Post</h1>',
      '_redirects': [
        '/old /new 301',
        '/news/:year/:slug /blog/:slug 302',
        '/docs/* https://docs.example.com/:splat 308',
        '/go/* /new 200',
        'this line is broken',
        '/bad /target 418',
      ].join('\n'),
      '_headers': [
        'Orphan: header',
        '/*',
        '  X-Frame-Options: DENY',
        '/blog/*',
        '  Cache-Control: no-cache',
        '  ! X-Frame-Options',
      ].join('\n'),
    })) });
    id = posted.json.id;
    await waitFor(server.port, id, { status: 'DEPLOYED' });
    host = `${id}.localhost:${server.port}`;
  });

  test('redirects with placeholders, splats and the query string kept', async () => {
    const old = await get(host, '/old?x=1');
    assert.equal(old.status, 301);
    assert.equal(old.headers.location, '/new?x=1');
    const news = await get(host, '/news/2024/hello');
    assert.equal(news.status, 302);
    assert.equal(news.headers.location, '/blog/hello');
    const docs = await get(host, '/docs/a/b');
    assert.equal(docs.status, 308);
    assert.equal(docs.headers.location, 'https://docs.example.com/a/b');
  });
  test('a 200 rule rewrites without redirecting', async () => {
    const res = await get(host, '/go/some/route');
    assert.equal(res.status, 200);
    assert.match(res.body, /New page/);
  });
  test('header rules apply by path, detach removes', async () => {
    const home = await get(host, '/');
    assert.equal(home.headers['x-frame-options'], 'DENY');
    const post = await get(host, '/blog/post');
    assert.equal(post.headers['cache-control'], 'no-cache');
    assert.equal(post.headers['x-frame-options'], undefined);
  });
  test('the rule files are not served, and their malformed lines are in the build log', async () => {
    assert.doesNotMatch((await get(host, '/_redirects')).body, /\/old \/new/);
    assert.doesNotMatch((await get(host, '/_headers')).body, /X-Frame-Options/);
    const log = await fullLog(server.port, id);
    assert.match(log, /_redirects: .*line 5/);
    assert.match(log, /_redirects: .*line 6/);
    assert.match(log, /_headers: .*line 1/);
  });
});

describe('brotli of large files', () => {
  // The response with its body as bytes, not decoded as text.
  const bytes = (host, path, encoding) => new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port: server.port, path, headers: { host, 'accept-encoding': encoding } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    }).on('error', reject);
  });

  test('a large script goes live with gzip, and is served with brotli once that is made', async () => {
    const big = Array.from({ length: 3000 }, (_, i) => `export function f${i}() { return ${i} * 2; }`).join('\n');
    const posted = await deploy(server.port, { repoUrl: makeRepo(siteApp({
      'index.html': '<h1>Big</h1>',
      'assets/big-1a2b3c4d.js': big,
    })) });
    await waitFor(server.port, posted.json.id, { status: 'DEPLOYED' });
    assert.match(await fullLog(server.port, posted.json.id),
      /Brotli variants of 1 large file follow in the background \(gzip until then\)/);
    const host = `${posted.json.id}.localhost:${server.port}`;
    const gzip = await bytes(host, '/assets/big-1a2b3c4d.js', 'gzip');
    assert.equal(gzip.headers['content-encoding'], 'gzip');
    assert.equal(gunzipSync(gzip.body).toString(), big);

    const br = await until('the brotli variant', async () => {
      const res = await bytes(host, '/assets/big-1a2b3c4d.js', 'br, gzip');
      assert.equal(res.status, 200);
      return res.headers['content-encoding'] === 'br' ? res : null;
    }, 30000);
    assert.equal(brotliDecompressSync(br.body).toString(), big);
    assert.ok(br.body.length < gzip.body.length, 'smaller than gzip');
  });
});
