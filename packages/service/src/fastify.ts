// Fastify's default export is a callable CommonJS module; this re-export gives it a name ESM
// code can import without default-interop surprises.
import fastify, { LogController } from 'fastify';
export type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest, FastifyPluginAsync } from 'fastify';
export const Fastify = fastify;
export { LogController };
