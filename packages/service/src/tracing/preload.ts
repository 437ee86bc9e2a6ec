// `node --import @holdfast/service/tracing app.ts`: starts OpenTelemetry before the app's first
// import, which is the only moment monkey-patching instrumentations can still patch http and
// ioredis. The ESM hook makes `import ... from 'ioredis'` go through the patched loader too;
// it only intercepts the modules an instrumentation asked for.
import { register } from 'node:module';
import { createAddHookMessageChannel } from 'import-in-the-middle';
import { startTracing } from './sdk.ts';

const { registerOptions, waitForAllMessagesAcknowledged } = createAddHookMessageChannel();
register('import-in-the-middle/hook.mjs', import.meta.url, registerOptions);
startTracing();
await waitForAllMessagesAcknowledged();
