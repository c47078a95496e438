// Git webhooks against the real binary: deliveries signed exactly as GitHub, GitLab and
// Gitea sign them, about commits of a real local repository. A push builds that exact
// commit; branches and pull requests get previews that go when they are deleted or closed;
// redeliveries and rebuilds of a built commit are answered, not built; the same commit with
// the same settings and variables is built once, whoever asks; a newer push cancels a
// queued older one; tags and forks' pull requests build when the project says so; and
// nothing unsigned, or signed with another secret, gets through.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHmac, randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { callApi, fullLog, makeRepo, request, runCli, startServer, until, waitFor } from './harness.mjs';

const TOKEN = 'webhooks-test-token';

let server;
let repoDir;
let secret;

// An app whose build writes `html` (with the build's REACTOR_PR) after `sleepMs`.
function app(html, sleepMs = 0) {
  return {
    'package.json': JSON.stringify({ name: 'site', scripts: { build: 'node build.js' } }),
    'build.js': `const fs = require('fs');
setTimeout(() => {
  fs.mkdirSync('dist', { recursive: true });
  fs.writeFileSync('dist/index.html', ${JSON.stringify(html)} + ' pr=' + (process.env.REACTOR_PR ?? '-'));
}, ${sleepMs});`,
  };
}

const git = (...args) => execFileSync('git', args, { cwd: repoDir, encoding: 'utf8' }).trim();

// Commits `html` on `branch` (made from main when new) and returns the commit's hash.
function commit(branch, html, sleepMs = 0) {
  const branches = git('branch', '--format=%(refname:short)').split('\n');
  git('checkout', '-q', ...(branches.includes(branch) ? [branch] : ['-b', branch, 'main']));
  for (const [name, content] of Object.entries(app(html, sleepMs))) writeFileSync(join(repoDir, name), content);
  git('-c', 'user.name=Test', '-c', 'user.email=test@example.com', 'commit', '-q', '-am', html);
  const sha = git('rev-parse', 'HEAD');
  git('checkout', '-q', 'main');
  return sha;
}

const api = (...args) => callApi(server.port, TOKEN, ...args);

const cli = (...args) => runCli(server.port, TOKEN, ...args);

const sign = (key, body) => createHmac('sha256', key).update(body).digest('hex');

// A delivery as GitHub sends it (Gitea's and GitLab's with `provider`).
async function deliver(event, payload, { provider = 'github', key = secret, id = randomUUID(), headers = {}, raw } = {}) {
  const body = raw ?? JSON.stringify(payload);
  const signed = {
    github: { 'x-github-event': event, 'x-github-delivery': id, 'x-hub-signature-256': `sha256=${sign(key, body)}` },
    gitea: { 'x-gitea-event': event, 'x-github-event': event, 'x-gitea-delivery': id, 'x-gitea-signature': sign(key, body) },
    gitlab: { 'x-gitlab-event': event, 'x-gitlab-event-uuid': id, 'x-gitlab-token': key },
  }[provider];
  const res = await request(server.port, {
    method: 'POST',
    path: `/hooks/${provider}/shop`,
    headers: { 'content-type': 'application/json', 'user-agent': 'GitHub-Hookshot/test', ...signed, ...headers },
    body,
  });
  return { ...res, json: res.body.startsWith('{') ? JSON.parse(res.body) : null };
}

const push = (branch, after, extra = {}) => ({ ref: `refs/heads/${branch}`, before: '0'.repeat(40), after, deleted: false, ...extra });
const pullRequest = (action, number, sha, headRepo = 'acme/shop') => ({
  action,
  number,
  pull_request: { number, head: { ref: 'feature', sha, repo: { full_name: headRepo } }, base: { ref: 'main', repo: { full_name: 'acme/shop' } } },
});

const site = (label) => request(server.port, { host: `${label}.localhost:${server.port}` });

before(async () => {
  server = await startServer({ args: ['--api-token', TOKEN, '--workers', '1'] });
  const repoUrl = makeRepo(app('first'));
  repoDir = repoUrl.slice('file://'.length);
  const created = await api('POST', '/projects', { name: 'shop', repoUrl, productionBranch: 'main' });
  assert.equal(created.status, 201, created.body);
  secret = created.json.webhookSecret;
  assert.match(secret, /^[0-9a-f]{64}$/, 'the secret is shown once, when the project is made');
});
after(async () => { await server.stop(); });

test('the project shows its payload URLs, never its secret, and a ping is answered', async () => {
  const shown = await api('GET', '/projects/shop/webhook');
  assert.equal(shown.status, 200, shown.body);
  assert.deepEqual(shown.json.paths, { github: '/hooks/github/shop', gitlab: '/hooks/gitlab/shop', gitea: '/hooks/gitea/shop' });
  assert.equal(shown.json.secretSet, true);
  assert.ok(!shown.body.includes(secret));
  assert.ok(!(await api('GET', '/projects/shop')).body.includes(secret));

  const ping = await deliver('ping', { zen: 'Design for failure.', hook_id: 1 });
  assert.equal(ping.status, 200, ping.body);
  assert.equal(ping.json.result, 'pong');
});

test('unsigned, wrongly signed and empty-key deliveries are refused before anything is read', async () => {
  const body = JSON.stringify(push('main', 'f'.repeat(40)));
  const unsigned = await request(server.port, {
    method: 'POST', path: '/hooks/github/shop', headers: { 'x-github-event': 'push', 'content-type': 'application/json' }, body,
  });
  assert.equal(unsigned.status, 401, unsigned.body);
  assert.match(JSON.parse(unsigned.body).error, /not signed/);
  for (const key of ['wrong secret', '']) {
    const refused = await deliver('push', null, { key, raw: body });
    assert.equal(refused.status, 401, `key '${key}': ${refused.body}`);
  }
  assert.equal((await deliver('push', null, { provider: 'gitlab', key: 'nope', raw: body })).status, 401);
  assert.equal((await deliver('push', null, { provider: 'gitea', key: 'nope', raw: body })).status, 401);
  const malformed = await deliver('push', null, { raw: '{"ref":"refs/heads/main","after":"HEAD"}' });
  assert.equal(malformed.status, 400, malformed.body);
  const provider = await request(server.port, {
    method: 'POST', path: '/hooks/bitbucket/shop', body: '{}', headers: { 'content-type': 'application/json' },
  });
  assert.equal(provider.status, 404);
  const unknown = await request(server.port, {
    method: 'POST', path: '/hooks/github/nope', body: '{}', headers: { 'content-type': 'application/json' },
  });
  assert.equal(unknown.status, 404);
  // Larger than other endpoints take (96 KiB), as a push of many commits is: read and checked.
  const large = await deliver('push', push('main', 'f'.repeat(40), { commits: 'x'.repeat(1024 * 1024) }), { key: 'wrong' });
  assert.equal(large.status, 401, large.body);
  // Over 25 MB: refused from its Content-Length, before the body is read.
  const answer = await new Promise((resolve, reject) => {
    const socket = connect(server.port, '127.0.0.1', () => socket.write(
      'POST /hooks/github/shop HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n'
      + `Content-Length: ${26 * 1024 * 1024}\r\n\r\n{`));
    let text = '';
    socket.on('data', (chunk) => { text += chunk; });
    socket.on('close', () => resolve(text));
    socket.on('error', reject);
  });
  assert.match(answer, /^HTTP\/1\.1 413 /);
});

test('a push builds that exact commit; a redelivery and the same commit again build nothing', async () => {
  const pushed = commit('main', 'pushed');
  commit('main', 'later'); // the branch moves on before the worker clones it
  const id = randomUUID();
  const queued = await deliver('push', push('main', pushed), { id });
  assert.equal(queued.status, 202, queued.body);
  const deployment = await waitFor(server.port, queued.json.id);
  assert.equal(deployment.status, 'DEPLOYED', JSON.stringify(deployment));
  assert.equal(deployment.ref, pushed);
  assert.equal(deployment.branch, 'main');
  assert.equal(deployment.commit, pushed);
  assert.match((await site('shop')).body, /^pushed pr=-/);

  const redelivered = await deliver('push', push('main', pushed), { id });
  assert.equal(redelivered.status, 200, redelivered.body);
  assert.equal(redelivered.json.result, 'duplicate');
  const again = await deliver('push', push('main', pushed));
  assert.equal(again.status, 200, again.body);
  assert.equal(again.json.result, 'duplicate');
  assert.equal(again.json.deployment.id, queued.json.id);
});

test('a branch gets its preview, and deleting the branch drops it', async () => {
  const sha = commit('feature', 'feature one');
  const queued = await deliver('push', push('feature', sha));
  assert.equal(queued.status, 202, queued.body);
  assert.equal((await waitFor(server.port, queued.json.id)).status, 'DEPLOYED');
  assert.match((await site('shop--feature')).body, /^feature one pr=-/);
  assert.match((await site('shop')).body, /^pushed/, 'production stays');

  const deleted = await deliver('push', push('feature', '0'.repeat(40), { deleted: true }));
  assert.equal(deleted.status, 200, deleted.body);
  assert.equal(deleted.json.result, 'alias dropped');
  await until('the branch preview to go', async () => (await site('shop--feature')).status === 404);
});

test('a pull request gets its preview with REACTOR_PR; closing it drops it; forks are not built', async () => {
  const sha = commit('feature', 'pull request');
  const opened = await deliver('pull_request', pullRequest('opened', 5, sha));
  assert.equal(opened.status, 202, opened.body);
  const preview = await waitFor(server.port, opened.json.id);
  assert.equal(preview.status, 'DEPLOYED');
  assert.equal(preview.pullRequest, 5);
  assert.match((await site('shop--pr-5')).body, /^pull request pr=5/);
  assert.equal((await site('shop--feature')).status, 404, 'a pull request moves only its own alias');

  const updated = commit('feature', 'pull request updated');
  const synced = await deliver('pull_request', pullRequest('synchronize', 5, updated), { provider: 'gitea' });
  assert.equal(synced.status, 202, synced.body);
  assert.equal((await waitFor(server.port, synced.json.id)).status, 'DEPLOYED');
  assert.match((await site('shop--pr-5')).body, /^pull request updated pr=5/);

  const labeled = await deliver('pull_request', pullRequest('labeled', 5, updated));
  assert.equal(labeled.json.result, 'ignored');
  const fork = await deliver('pull_request', pullRequest('opened', 6, updated, 'mallory/shop'));
  assert.equal(fork.status, 200, fork.body);
  assert.match(fork.json.reason, /fork/);

  const closed = await deliver('pull_request', pullRequest('closed', 5, updated));
  assert.equal(closed.status, 200, closed.body);
  assert.equal(closed.json.result, 'alias dropped');
  await until('the pull request preview to go', async () => (await site('shop--pr-5')).status === 404);
});

test('GitLab pushes and merge requests, and GitHub form bodies', async () => {
  const sha = commit('main', 'from gitlab');
  const pushed = await deliver('Push Hook', { object_kind: 'push', ref: 'refs/heads/main', checkout_sha: sha }, { provider: 'gitlab' });
  assert.equal(pushed.status, 202, pushed.body);
  assert.equal((await waitFor(server.port, pushed.json.id)).commit, sha);

  const merge = commit('feature', 'merge request');
  const opened = await deliver('Merge Request Hook', {
    object_kind: 'merge_request',
    object_attributes: { action: 'open', iid: 9, source_branch: 'feature', source_project_id: 1, target_project_id: 1, last_commit: { id: merge } },
  }, { provider: 'gitlab' });
  assert.equal(opened.status, 202, opened.body);
  assert.equal((await waitFor(server.port, opened.json.id)).status, 'DEPLOYED');
  assert.match((await site('shop--pr-9')).body, /^merge request pr=9/);

  const formSha = commit('main', 'from a form');
  const form = `payload=${encodeURIComponent(JSON.stringify(push('main', formSha)))}`;
  const formed = await deliver('push', null, { raw: form, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  assert.equal(formed.status, 202, formed.body);
  assert.equal((await waitFor(server.port, formed.json.id)).status, 'DEPLOYED');
  assert.match((await site('shop')).body, /^from a form/);
});

test('a newer push cancels the queued build of an older commit of its branch', async () => {
  // One worker, busy with a slow build: the next two pushes wait in the queue.
  const slow = await deliver('push', push('slow', commit('slow', 'slow', 3000)));
  assert.equal(slow.status, 202, slow.body);
  await waitFor(server.port, slow.json.id, { status: 'IN_PROGRESS' });
  const older = await deliver('push', push('feature', commit('feature', 'older')));
  const newer = await deliver('push', push('feature', commit('feature', 'newer')));
  assert.equal(older.status, 202, older.body);
  assert.equal(newer.status, 202, newer.body);
  const canceled = await waitFor(server.port, older.json.id);
  assert.equal(canceled.status, 'CANCELED');
  assert.match(canceled.error, /newer commit/);
  assert.equal((await waitFor(server.port, newer.json.id)).status, 'DEPLOYED');
  assert.match((await site('shop--feature')).body, /^newer/);
});

test('the CLI shows the payload URLs and rotates the secret; the old one stops working', async () => {
  const shown = cli('hooks', 'show', 'shop');
  assert.equal(shown.code, 0, shown.stderr);
  assert.match(shown.stdout, new RegExp(`github +POST http://127\\.0\\.0\\.1:${server.port}/hooks/github/shop`));
  assert.match(shown.stdout, /gitlab +POST .*\/hooks\/gitlab\/shop/);
  assert.ok(!shown.stdout.includes(secret));

  const rotated = cli('hooks', 'rotate', 'shop');
  assert.equal(rotated.code, 0, rotated.stderr);
  const fresh = rotated.stdout.match(/^  ([0-9a-f]{64})$/m)[1];
  assert.notEqual(fresh, secret);
  assert.match(rotated.stdout, /shown only now/);
  assert.equal((await deliver('ping', {})).status, 401);
  secret = fresh;
  assert.equal((await deliver('ping', {})).status, 200);
  assert.equal(cli('hooks', 'show', 'nope').code, 1);

  // A project made with the CLI prints its secret, the only time it is shown.
  const made = cli('project', 'create', 'blog', `file://${repoDir}`, '--production-branch', 'main');
  assert.equal(made.code, 0, made.stderr);
  const blogSecret = made.stdout.match(/^ {2}([0-9a-f]{64})$/m)[1];
  const body = JSON.stringify({ zen: 'ok' });
  const ping = await request(server.port, {
    method: 'POST',
    path: '/hooks/github/blog',
    headers: { 'content-type': 'application/json', 'x-github-event': 'ping', 'x-hub-signature-256': `sha256=${sign(blogSecret, body)}` },
    body,
  });
  assert.equal(ping.status, 200, ping.body);
});

test('a push and a pull request of one commit build it once; an unchanged redeploy reuses it', async () => {
  const sha = commit('twin', 'built once');
  const pushed = await deliver('push', push('twin', sha));
  assert.equal(pushed.status, 202, pushed.body);
  assert.equal((await waitFor(server.port, pushed.json.id)).status, 'DEPLOYED');

  const opened = await deliver('pull_request', pullRequest('opened', 11, sha));
  assert.equal(opened.status, 202, opened.body);
  const preview = await waitFor(server.port, opened.json.id);
  assert.equal(preview.status, 'DEPLOYED', JSON.stringify(preview));
  assert.equal(preview.build.reusedFrom, pushed.json.id);
  assert.equal(preview.commit, sha);
  const log = await fullLog(server.port, opened.json.id);
  assert.match(log, /nothing to build/);
  assert.doesNotMatch(log, /Installing|npm run build/);
  assert.match((await site('shop--pr-11')).body, /^built once/, 'the pull request alias serves the one build');

  // Deploying the branch again from the API: the clone finds the same commit.
  const again = await api('POST', '/projects/shop/deployments', { ref: 'twin' });
  assert.equal(again.status, 202, again.body);
  const reused = await waitFor(server.port, again.json.id);
  assert.equal(reused.status, 'DEPLOYED');
  assert.equal(reused.build.reusedFrom, pushed.json.id);

  // A changed variable is another input: built anew.
  assert.equal((await api('PUT', '/projects/shop/env/GREETING', { value: 'hello', scopes: ['preview'] })).status, 201);
  const rebuilt = await waitFor(server.port, (await api('POST', '/projects/shop/deployments', { ref: 'twin' })).json.id);
  assert.equal(rebuilt.status, 'DEPLOYED');
  assert.equal(rebuilt.build.reusedFrom, undefined);
  assert.deepEqual(rebuilt.build.env, ['GREETING']);
});

test('a second worker waits for the same commit building on the first instead of building it too', async () => {
  commit('waiting', 'built while the other waits', 2000);
  const twoWorkers = await startServer({ args: ['--api-token', TOKEN, '--workers', '2'] });
  try {
    const call = (...args) => callApi(twoWorkers.port, TOKEN, ...args);
    assert.equal((await call('POST', '/projects', { name: 'twins', repoUrl: `file://${repoDir}` })).status, 201);
    const first = await call('POST', '/projects/twins/deployments', { ref: 'waiting' });
    assert.equal(first.status, 202, first.body);
    await waitFor(twoWorkers.port, first.json.id, { status: 'IN_PROGRESS' });
    const second = await call('POST', '/projects/twins/deployments', { ref: 'waiting' });
    assert.equal(second.status, 202, second.body);
    const done = await waitFor(twoWorkers.port, second.json.id);
    assert.equal(done.status, 'DEPLOYED', JSON.stringify(done));
    assert.equal(done.build.reusedFrom, first.json.id, await fullLog(twoWorkers.port, second.json.id));
    assert.match(await fullLog(twoWorkers.port, second.json.id), /is building this commit .* waiting for it/);
  } finally {
    await twoWorkers.stop();
  }
});

test('tags and pull requests from forks build only when the project asks, forks without variables', async () => {
  const sha = commit('release', 'tagged release');
  git('tag', 'v1.0', sha);
  const tagPush = { ref: 'refs/tags/v1.0', before: '0'.repeat(40), after: sha, deleted: false };
  const ignored = await deliver('push', tagPush);
  assert.equal(ignored.status, 200, ignored.body);
  assert.match(ignored.json.reason, /deployTags/);
  const fork = await deliver('pull_request', pullRequest('opened', 12, sha, 'mallory/shop'));
  assert.equal(fork.status, 200, fork.body);
  assert.match(fork.json.reason, /buildForkPullRequests/);

  const changed = cli('project', 'set', 'shop', '--deploy-tags', 'true', '--build-fork-pull-requests', 'true');
  assert.equal(changed.code, 0, changed.stderr);
  const shown = cli('project', 'show', 'shop');
  assert.match(shown.stdout, /deploy-tags +true/);
  assert.match(shown.stdout, /fork-pull-requests +true/);

  const tagged = await deliver('push', tagPush);
  assert.equal(tagged.status, 202, tagged.body);
  const release = await waitFor(server.port, tagged.json.id);
  assert.equal(release.status, 'DEPLOYED', JSON.stringify(release));
  assert.equal(release.branch, 'refs/tags/v1.0');
  const tagAlias = (await api('GET', '/projects/shop')).json.aliases.find((alias) => alias.branch === 'refs/tags/v1.0');
  assert.match(tagAlias.label, /^shop--tag-v1-0-[0-9a-f]{6}$/, 'the tag has its own alias');
  assert.match((await site(tagAlias.label)).body, /^tagged release/);
  assert.match((await site('shop')).body, /^(?!tagged release)/, 'a tag is never production');

  // The project has a preview variable (GREETING); a fork's build gets none.
  const forked = await deliver('pull_request', pullRequest('opened', 12, sha, 'mallory/shop'));
  assert.equal(forked.status, 202, forked.body);
  const forkBuild = await waitFor(server.port, forked.json.id);
  assert.equal(forkBuild.status, 'DEPLOYED', JSON.stringify(forkBuild));
  assert.equal(forkBuild.fromFork, true);
  assert.equal(forkBuild.build.env, undefined);
  assert.match(await fullLog(server.port, forked.json.id), /no project variables/);
  assert.match((await site('shop--pr-12')).body, /^tagged release pr=12/);

  const deleted = await deliver('push', { ...tagPush, after: '0'.repeat(40), deleted: true });
  assert.equal(deleted.json.result, 'alias dropped', deleted.body);
});


test('the project lists its latest deliveries and how each was answered', async () => {
  const sha = commit('listed', 'listed');
  const id = randomUUID();
  const queued = await deliver('push', push('listed', sha), { id });
  assert.equal(queued.status, 202, queued.body);
  await waitFor(server.port, queued.json.id);
  const againId = randomUUID();
  const again = await deliver('push', push('listed', sha), { id: againId });
  assert.equal(again.json.result, 'duplicate', again.body);
  const pingId = randomUUID();
  const pinged = await deliver('ping', { zen: 'Speak like a human.' }, { provider: 'gitea', id: pingId });
  assert.equal(pinged.status, 200, pinged.body);
  // Refused deliveries are not written down: anyone can send them.
  assert.equal((await deliver('push', push('listed', sha), { key: 'wrong' })).status, 401);

  const shown = await api('GET', '/projects/shop/webhook');
  const byId = (wanted) => shown.json.deliveries.find((each) => each.id === wanted);
  const [latest, duplicate, first] = [byId(pingId), byId(againId), byId(id)];
  assert.deepEqual({ ...latest, receivedAt: undefined },
    { provider: 'gitea', id: pingId, event: 'ping', status: 200, result: 'pong', deploymentId: null, receivedAt: undefined });
  assert.ok(Date.parse(latest.receivedAt) >= Date.parse(first.receivedAt), 'newest first');
  assert.equal(duplicate.status, 200);
  assert.match(duplicate.result, /^duplicate: this commit is built already/);
  assert.equal(duplicate.deploymentId, queued.json.id);
  assert.deepEqual([first.id, first.event, first.status, first.result, first.deploymentId], [id, 'push', 202, 'queued', queued.json.id]);
  assert.ok(shown.json.deliveries.length <= 20);
  const printed = cli('hooks', 'show', 'shop');
  assert.equal(printed.code, 0, printed.stderr);
  assert.match(printed.stdout, new RegExp(`Latest deliveries:[\\s\\S]*github +push +202 queued +${queued.json.id}`));
});
