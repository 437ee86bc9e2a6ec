// The connection tracker keeps the requests in flight as a list through their responses; the
// drain reads it for its count and its "still pending" report, so it must stay exact when
// responses finish out of order and when clients leave early.
import assert from 'node:assert/strict';
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { cleanup, waitFor } from '@holdfast/testkit';
import { ConnectionTracker } from '../src/http/connections.ts';

test('requests finishing out of order and a client that leaves: the count, the order and the observations stay exact', async (t) => {
  const held = new Map<string, ServerResponse>();
  const observed: { url: string; finished: boolean }[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    tracker.onRequest(req, res);
    held.set(req.url!, res);
  });
  const tracker = new ConnectionTracker(server, (req, res, ms) => {
    assert.ok(ms >= 0);
    observed.push({ url: req.url!, finished: res.writableFinished });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanup(t, () => new Promise<void>((r) => server.close(() => r())));
  cleanup(t, () => server.closeAllConnections());
  const { port } = server.address() as AddressInfo;
  const pendingUrls = () => tracker.pending().map((p) => p.url);

  const send = (path: string) => {
    const req = request({ port, host: '127.0.0.1', path, agent: false });
    req.on('error', () => {});
    req.on('response', (res) => res.resume());
    req.end();
    return req;
  };
  send('/a');
  await waitFor('/a arrived', () => held.has('/a'));
  send('/b');
  await waitFor('/b arrived', () => held.has('/b'));
  const c = send('/c');
  await waitFor('/c arrived', () => held.has('/c'));
  assert.equal(tracker.inFlight, 3);
  assert.deepEqual(pendingUrls(), ['/a', '/b', '/c']);

  held.get('/b')!.end('b'); // the middle one first
  await waitFor('/b observed', () => observed.length === 1);
  assert.deepEqual(pendingUrls(), ['/a', '/c']);
  c.destroy(); // the newest leaves before its answer
  await waitFor('/c observed', () => observed.length === 2);
  assert.deepEqual(pendingUrls(), ['/a']);
  held.get('/a')!.end('a');
  await waitFor('/a observed', () => observed.length === 3);
  assert.equal(tracker.inFlight, 0);
  assert.deepEqual(tracker.pending(), []);
  assert.deepEqual(observed, [
    { url: '/b', finished: true },
    { url: '/c', finished: false },
    { url: '/a', finished: true },
  ]);

  // The list is reusable after it emptied.
  send('/d');
  await waitFor('/d arrived', () => held.has('/d'));
  assert.deepEqual(pendingUrls(), ['/d']);
  held.get('/d')!.end('d');
  await waitFor('/d observed', () => observed.length === 4);
  assert.equal(tracker.inFlight, 0);
});
