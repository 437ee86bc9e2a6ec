#!/usr/bin/env node
// The service behind the VIP in each node namespace: answers every request with its node name.
// Usage: node http-service-main.ts <node> <port>
import { createServer } from 'node:http';

const [node = 'unknown', port = '8080'] = process.argv.slice(2);
const server = createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain', connection: 'close' });
  res.end(node);
});
server.listen(Number(port), '0.0.0.0', () => console.log(`LISTENING ${node} ${port}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
