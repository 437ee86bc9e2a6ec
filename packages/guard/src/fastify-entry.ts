// @holdfast/guard/fastify: the Fastify plugin (fastify is a peer dependency, types only).
export { guardPlugin, DEFAULT_EXEMPT, type GuardPluginOptions, type RouteGuardOptions } from './fastify/plugin.ts';
export { blockAnswer, type BlockAnswer } from './fastify/block-response.ts';
