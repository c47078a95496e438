// New TLS connections per second against one server: `concurrency` loops, each connecting,
// finishing the handshake and closing, for `seconds`. Mode "full" makes every handshake
// whole; "resumed" offers the session ticket the server gave last and counts only the
// handshakes it resumed. Prints {"perSecond": N, "handshakes": count, "resumed": fraction}.
//
//   node handshakes.mjs <port> <servername> <full|resumed> [seconds=10] [concurrency=8]
import tls from 'node:tls';

const [port, servername, mode, seconds = '10', concurrency = '8'] = process.argv.slice(2);
const options = { host: '127.0.0.1', port: Number(port), servername, rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] };
let session;
let done = 0;
let resumed = 0;

// One handshake; resolves once it ended, with whether it resumed.
function handshake() {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ ...options, ...(mode === 'resumed' && session ? { session } : {}) });
    socket.on('session', (ticket) => { session = ticket; });
    socket.once('secureConnect', () => {
      const reused = socket.isSessionReused();
      // TLS 1.3 tickets come after the handshake: wait for one before closing, once.
      if (mode === 'resumed' && !session) socket.once('session', () => { socket.destroy(); resolve(reused); });
      else { socket.destroy(); resolve(reused); }
    });
    socket.on('error', reject);
  });
}

await handshake(); // a first ticket, and a warm server
const end = Date.now() + Number(seconds) * 1000;
const started = Date.now();
await Promise.all(Array.from({ length: Number(concurrency) }, async () => {
  while (Date.now() < end) {
    const reused = await handshake();
    done += 1;
    if (reused) resumed += 1;
  }
}));
const elapsed = (Date.now() - started) / 1000;
const counted = mode === 'resumed' ? resumed : done;
console.log(JSON.stringify({ perSecond: Math.round(counted / elapsed), handshakes: done, resumed: +(resumed / done).toFixed(3) }));
