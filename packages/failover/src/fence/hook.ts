// The optional fence hook (IPMI/Redfish power-off, a cloud API detaching the old VIP, `ssh old
// ip addr del …`), run by a NEW leader before it starts anything, and only when the previous
// lease ran out instead of being released — the one case where the old leader may still be
// alive and unreachable. Only the winner of the campaign runs it, so two nodes never fence
// each other. A hook that fails (or overruns its timeout) makes the new leader give up: acting
// without a fence the operator asked for would defeat its purpose.
import { spawn } from 'node:child_process';
import type { PreviousTerm, Term } from '../coordinator/coordinator.ts';
import { FailoverError } from '../errors.ts';
import { actionEnv } from '../resources/resource.ts';

export interface FenceHookConfig {
  command: string[];
  timeout: number;
}

export function runFenceHook(
  hook: FenceHookConfig,
  cluster: string,
  previous: PreviousTerm,
  term: Term,
  signal: AbortSignal,
): Promise<void> {
  const [cmd, ...args] = hook.command;
  const env = {
    ...process.env,
    ...actionEnv(term.node, cluster, term.token),
    HOLDFAST_FENCE_NODE: previous.node,
    HOLDFAST_FENCE_TOKEN: String(previous.token),
  };
  return new Promise((resolve, reject) => {
    const timeout = AbortSignal.timeout(hook.timeout);
    const child = spawn(cmd!, args, {
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
      signal: AbortSignal.any([signal, timeout]),
      killSignal: 'SIGKILL',
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => void (stderr = (stderr + d.toString()).slice(-500)));
    child.once('error', (err) => {
      const why = timeout.aborted ? `timed out after ${hook.timeout} ms` : signal.aborted ? 'aborted (leadership ended)' : err.message;
      reject(
        new FailoverError('HOLDFAST_E_FENCE_HOOK', `${hook.command.join(' ')} against ${previous.node} (token ${previous.token}): ${why}`, {
          node: previous.node,
        }),
      );
    });
    child.once('close', (code, sig) => {
      if (code === 0) return resolve();
      reject(
        new FailoverError(
          'HOLDFAST_E_FENCE_HOOK',
          `${hook.command.join(' ')} ` +
            `against ${previous.node} ` +
            `(token ${previous.token}) ` +
            `exited ${sig ?? code}${stderr.trim() ? `: ${stderr.trim()}` : ''}; this node gives up leadership rather than act unfenced`,
          { node: previous.node, code },
        ),
      );
    });
  });
}
