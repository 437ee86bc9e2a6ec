// The upstream of bench:fallback: a bare HTTP server answering a small JSON body per key.
// The benchmark kills it (SIGKILL) to take the upstream down, and restarts it on the same PORT.
import { createServer } from 'node:http';

const server = createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ key: req.url, available: 42, at: Date.now() }));
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => console.log(`READY ${(server.address() as { port: number }).port}`));
