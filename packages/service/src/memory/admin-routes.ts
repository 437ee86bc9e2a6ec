// Admin endpoints for memory forensics, behind the admin token (Authorization: Bearer <token>).
// Without a configured token they always answer 401: a heap snapshot contains every secret in
// memory and pauses the process, so it is never open by default.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ForensicsError } from './capture.ts';
import type { MemoryApi } from './forensics.ts';

const digest = (s: string) => createHash('sha256').update(s).digest();

export function tokenMatches(expected: string | undefined, header: string | undefined): boolean {
  if (!expected || !header) return false;
  const m = /^Bearer\s+(.+)$/i.exec(header.trim());
  if (!m) return false;
  // Equal-length digests: the comparison takes the same time whatever the token's length.
  return timingSafeEqual(digest(m[1]!), digest(expected));
}

export function installMemoryAdmin(app: FastifyInstance, memory: MemoryApi, adminToken: string | undefined): void {
  const deny = (req: FastifyRequest, reply: FastifyReply): boolean => {
    if (tokenMatches(adminToken, req.headers.authorization)) return false;
    void reply
      .code(401)
      .header('www-authenticate', 'Bearer realm="holdfast-admin"')
      .send({
        error: adminToken
          ? 'missing or wrong admin token (send Authorization: Bearer <token>)'
          : 'admin endpoints are disabled: no admin token is configured (set HOLDFAST_ADMIN_TOKEN or the adminToken option)',
        code: 'HOLDFAST_E_UNAUTHORIZED',
        requestId: req.id,
      });
    return true;
  };
  app.get('/admin/memory', async (req, reply) => {
    if (deny(req, reply)) return reply;
    return { heap: memory.verdict() };
  });
  app.post('/admin/heap-snapshot', async (req, reply) => {
    if (deny(req, reply)) return reply;
    try {
      return await memory.capture('admin endpoint');
    } catch (err) {
      if (err instanceof ForensicsError) return reply.code(err.statusCode).send({ error: err.message, code: err.code, requestId: req.id });
      throw err;
    }
  });
}
