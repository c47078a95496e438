// Out of file descriptors: Reactor raises its soft limit to the hard one at start, and when
// accept still fails (EMFILE), it says so once and waits instead of spinning a core,
// then serves again once descriptors free up.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { request, startServer } from './harness.mjs';

// utime + stime of a process, in seconds (clock ticks are 100 Hz on Linux).
const cpuSeconds = (pid) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
};

test('the open-file limit is raised to the hard limit at start', async () => {
  const server = await startServer({ launcher: ['prlimit', '--nofile=256:4096'] });
  try {
    assert.match(server.output(), /reactor\.started .*open_files=4096/);
  } finally {
    await server.stop();
  }
});

test('out of descriptors, accept waits instead of spinning and serving resumes', async () => {
  const server = await startServer({ launcher: ['prlimit', '--nofile=64:64'] });
  const sockets = [];
  try {
    const before = cpuSeconds(server.child.pid);
    for (let i = 0; i < 100; i++) {
      const socket = net.connect(server.port, '127.0.0.1');
      socket.on('error', () => {});
      sockets.push(socket);
    }
    await server.logged(/net\.accept_failed/);
    // Out of descriptors now. The sleep is the measurement: spinning on accept would burn
    // about 2 s of CPU in it; waiting burns next to none.
    await sleep(2000);
    assert.ok(cpuSeconds(server.child.pid) - before < 0.5, 'accept spun while out of descriptors');
    const failures = server.output().match(/net\.accept_failed .*/g) ?? [];
    assert.equal(failures.length, 1, server.output());
    assert.match(failures[0], /Too many open files.*hint="raise the open-file limit/);

    // A connection made now waits in the backlog until accept resumes.
    for (const socket of sockets) socket.destroy();
    assert.equal((await request(server.port, { path: '/healthz' })).status, 200);
  } finally {
    for (const socket of sockets) socket.destroy();
    await server.stop();
  }
});
