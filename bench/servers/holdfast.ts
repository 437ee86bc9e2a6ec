// (b) A holdfast service: one JSON log line per request to a file, Prometheus metrics, probes,
// recovery and connection tracking all on (the defaults).
import { createService } from '@holdfast/service';

const service = createService({
  name: 'bench',
  port: 0,
  host: '127.0.0.1',
  logger: { destination: process.env.LOG_FILE ?? '/tmp/holdfast-bench.log' },
});
service.app.get('/', async () => ({ hello: 'world' }));
const { port } = await service.start();
console.log(`READY ${port}`);
