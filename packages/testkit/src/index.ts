export { freePort } from './free-port.ts';
export { tempDir } from './temp-dir.ts';
export { startChild, type Child, type StartChildOptions } from './child.ts';
export { waitFor, waitForEvent } from './wait.ts';
export { cleanup } from './cleanup.ts';
export { processAlive } from './process-alive.ts';
export { cannotRun, ALLOW_SKIP_ENV } from './cannot-run.ts';
export { startRedis, type StartRedisOptions, type TestRedis } from './redis.ts';
export { readmeExamples, runExample } from './readme.ts';
