// `node --lite-mode --import ./bench/lib/lite-loader.js x.ts`: runs TypeScript sources in a
// process without WebAssembly (--lite-mode turns it off, and Node's type stripper needs it), as the
// supervisor daemon does: each .ts file is stripped once by a child process without the flag, and
// a module hook serves the stripped code. For benches that measure the daemon's V8 flags.
import { execFileSync } from 'node:child_process';
import process from 'node:process';
import { registerHooks } from 'node:module';
import { fileURLToPath } from 'node:url';

const STRIP =
  "process.stdout.write(require('node:module').stripTypeScriptTypes(require('node:fs').readFileSync(process.argv[1], " +
  "'utf8'), { mode: 'strip' }))";

registerHooks({
  load(url, context, nextLoad) {
    if (url.startsWith('file:') && url.endsWith('.ts')) {
      const source = execFileSync(process.execPath, ['--no-warnings', '-e', STRIP, fileURLToPath(url)], {
        encoding: 'utf8',
        maxBuffer: 64 * 2 ** 20,
      });
      return { format: 'module', source, shortCircuit: true };
    }
    return nextLoad(url, context);
  },
});
