// Opens `count` TLS connections to one server, each sending one HTTP/1.1 keep-alive request
// (HEAD) and reading its answer, then keeps them idle. Prints "ready" once all are open, and
// closes them when stdin ends.
//
//   node idle.mjs <port> <host header> <count>
import tls from 'node:tls';

const [port, host, count] = process.argv.slice(2);
const sockets = [];

function open() {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port: Number(port), servername: host.split(':')[0],
      rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] }, () => {
      socket.write(`HEAD /index.html HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
    });
    let seen = '';
    socket.on('data', (chunk) => {
      seen += chunk;
      if (seen.includes('\r\n\r\n')) resolve();
    });
    socket.on('error', reject);
    sockets.push(socket);
  });
}

for (let started = 0; started < Number(count); started += 100) {
  await Promise.all(Array.from({ length: Math.min(100, Number(count) - started) }, open));
}
console.log('ready');
process.stdin.resume();
process.stdin.on('end', () => { for (const socket of sockets) socket.destroy(); });
