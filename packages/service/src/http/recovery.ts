// Recovery, as Gin's CustomRecovery does it: a handler that throws or rejects answers a 500 JSON
// body with a stable code and the request id, never a stack trace; the stack goes to the log.
// Client errors (bad JSON, validation, oversize bodies) keep their 4xx status.
import type { FastifyError, FastifyInstance } from 'fastify';
import type { ServiceModule } from '../module.ts';
import type { ObservedRequest } from './observe.ts';

interface MaybeCoded {
  code?: unknown;
  statusCode?: unknown;
  validation?: unknown;
}

export function installRecovery(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const e = error as FastifyError & MaybeCoded;
    const status = typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 600 ? e.statusCode : 500;
    // The request line (http/observe.ts) is written from the raw request.
    (request.raw as ObservedRequest).holdfastError = error;
    if (status >= 500) {
      request.log.error({ err: error, requestId: request.id }, 'request failed');
      return reply.code(status).send({
        error: status === 500 ? 'Internal Server Error' : 'Service Unavailable',
        code: typeof e.code === 'string' && e.code.startsWith('HOLDFAST_') ? e.code : 'HOLDFAST_E_INTERNAL',
        requestId: request.id,
      });
    }
    return reply
      .code(status)
      .send({ error: error.message, code: typeof e.code === 'string' ? e.code : 'HOLDFAST_E_BAD_REQUEST', requestId: request.id });
  });
  app.setNotFoundHandler((request, reply) =>
    reply
      .code(404)
      .send({ error: `no route for ${request.method} ${request.url.split('?')[0]}`, code: 'HOLDFAST_E_NOT_FOUND', requestId: request.id }),
  );
}

/** The `recovery` module: the error and not-found handlers of the application. */
export const recoveryModule: ServiceModule<'recovery'> = {
  name: 'recovery',
  dependencies: [],
  install(ctx) {
    installRecovery(ctx.app);
    return { api: undefined };
  },
};
