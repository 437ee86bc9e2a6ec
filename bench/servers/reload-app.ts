// The app both supervisors reload in bench:reload: a @holdfast/service app. Under holdfast it
// listens on the socket the supervisor passes (LISTEN_FDS) and says READY on NOTIFY_FD; under
// PM2 (cluster mode) it listens on PORT through Node's cluster and says 'ready' over IPC
// (--wait-ready). Either way SIGTERM/SIGINT run the service runtime's drain.
import { createService } from '@holdfast/service';

const service = createService({
  name: 'reload-bench',
  port: Number(process.env.PORT ?? 0),
  host: '127.0.0.1',
  logger: { level: 'warn' },
  metrics: { enabled: false },
  terminationGracePeriodMs: 10_000,
});
service.app.get('/', async () => ({ pid: process.pid }));
await service.start();
