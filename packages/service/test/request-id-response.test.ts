// The x-request-id echo added in writeHead (http/response.ts), for every way a response head
// gets written, against a real server.
import assert from 'node:assert/strict';
import { createServer, request, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import { test } from 'node:test';
import { cleanup } from '@holdfast/testkit';
import { RequestIdResponse } from '../src/http/response.ts';

type Handler = (res: RequestIdResponse) => void;

async function headersFor(
  t: Parameters<typeof cleanup>[0],
  handler: Handler,
): Promise<{ status: number; headers: IncomingHttpHeaders; raw: string[] }> {
  const server = createServer({ ServerResponse: RequestIdResponse }, (_req, res: ServerResponse) => {
    const r = res as RequestIdResponse;
    r.holdfastRequestId = 'id-42';
    handler(r);
  });
  cleanup(t, () => new Promise<void>((resolve) => server.close(() => resolve())));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, raw: res.rawHeaders }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('writeHead(status, headers object) gets the id and keeps the other headers', async (t) => {
  const r = await headersFor(t, (res) => res.writeHead(201, { 'content-type': 'text/plain' }).end('x'));
  assert.equal(r.status, 201);
  assert.equal(r.headers['x-request-id'], 'id-42');
  assert.equal(r.headers['content-type'], 'text/plain');
});

test('writeHead(status, reason, headers) and writeHead(status) alone', async (t) => {
  const a = await headersFor(t, (res) => res.writeHead(200, 'Fine', { a: '1' }).end());
  assert.equal(a.headers['x-request-id'], 'id-42');
  assert.equal(a.headers.a, '1');
  const b = await headersFor(t, (res) => res.writeHead(204).end());
  assert.equal(b.status, 204);
  assert.equal(b.headers['x-request-id'], 'id-42');
});

test('an implicit head (setHeader then end) gets the id', async (t) => {
  const r = await headersFor(t, (res) => {
    res.setHeader('content-type', 'text/plain');
    res.end('ok');
  });
  assert.equal(r.headers['x-request-id'], 'id-42');
  assert.equal(r.headers['content-type'], 'text/plain');
});

test('an id the application set itself wins, in any form, and is sent once', async (t) => {
  const viaSet = await headersFor(t, (res) => {
    res.setHeader('X-Request-Id', 'app-id');
    res.writeHead(200, { b: '2' }).end();
  });
  assert.equal(viaSet.headers['x-request-id'], 'app-id');
  const viaObject = await headersFor(t, (res) => res.writeHead(200, { 'x-request-id': 'obj-id' }).end());
  assert.equal(viaObject.headers['x-request-id'], 'obj-id');
  const viaArray = await headersFor(t, (res) => res.writeHead(200, ['X-Request-ID', 'arr-id', 'c', '3']).end());
  assert.equal(viaArray.raw.filter((h) => h.toLowerCase() === 'x-request-id').length, 1);
  assert.equal(viaArray.headers['x-request-id'], 'arr-id');
  const arrayWithout = await headersFor(t, (res) => res.writeHead(200, ['c', '3']).end());
  assert.equal(arrayWithout.headers['x-request-id'], 'id-42');
  assert.equal(arrayWithout.headers.c, '3');
});

test('no id set: nothing is added', async (t) => {
  const r = await headersFor(t, (res) => {
    res.holdfastRequestId = undefined;
    res.end('ok');
  });
  assert.equal(r.headers['x-request-id'], undefined);
});
