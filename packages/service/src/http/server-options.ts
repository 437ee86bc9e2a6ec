// The HTTP server options Fastify sets on a server it creates, applied to the one holdfast
// creates through serverFactory (Fastify hands its resolved options to the factory and applies
// none of them itself). Without this the service answered `Keep-Alive: timeout=5`, Node's
// default, and silently ignored keepAliveTimeout, requestTimeout, connectionTimeout and
// maxRequestsPerSocket passed in the service's `fastify` options.
import type { Server } from 'node:http';

export interface FastifyServerOptions {
  keepAliveTimeout?: number;
  requestTimeout?: number;
  connectionTimeout?: number;
  maxRequestsPerSocket?: number;
}

export function applyFastifyServerOptions(server: Server, o: FastifyServerOptions | undefined): void {
  if (o === undefined) return;
  if (typeof o.keepAliveTimeout === 'number') server.keepAliveTimeout = o.keepAliveTimeout;
  if (typeof o.requestTimeout === 'number') server.requestTimeout = o.requestTimeout;
  if (typeof o.connectionTimeout === 'number') server.setTimeout(o.connectionTimeout);
  // Zero means "Node's default" to Fastify.
  if (typeof o.maxRequestsPerSocket === 'number' && o.maxRequestsPerSocket > 0) server.maxRequestsPerSocket = o.maxRequestsPerSocket;
}
