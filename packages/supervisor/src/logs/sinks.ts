// Which files an instance's stdout and stderr go to, and the writers for them.
import { extname, join } from 'node:path';
import type { LogsConfig, LogStreamConfig } from '../config/schema.ts';
import { RotatingLog } from './rotating-log.ts';

export interface InstanceLogs {
  stdout?: RotatingLog;
  stderr?: RotatingLog;
}

/** The file of one stream of one instance; undefined when the stream is discarded. */
export function logFileFor(
  logDir: string,
  program: string,
  index: number,
  instances: number,
  stream: 'stdout' | 'stderr',
  cfg: LogStreamConfig,
): string | undefined {
  if (cfg.file === false) return undefined;
  const suffix = instances > 1 ? `-${index}` : '';
  if (cfg.file === undefined) return join(logDir, `${program}${suffix}.${stream}.log`);
  if (cfg.file.includes('{instance}')) return cfg.file.replaceAll('{instance}', String(index));
  if (!suffix) return cfg.file;
  // Two instances must never share one file: both would rotate it.
  const ext = extname(cfg.file);
  return ext ? `${cfg.file.slice(0, -ext.length)}${suffix}${ext}` : `${cfg.file}${suffix}`;
}

export function openInstanceLogs(logDir: string, program: string, index: number, instances: number, cfg: LogsConfig): InstanceLogs {
  const make = (stream: 'stdout' | 'stderr') => {
    const c = cfg[stream];
    const file = logFileFor(logDir, program, index, instances, stream, c);
    return file
      ? new RotatingLog({ file, maxBytes: c.maxBytes, backups: c.backups, daily: c.daily, gzip: c.gzip, bufferBytes: c.bufferBytes })
      : undefined;
  };
  const stdout = make('stdout');
  if (cfg.redirectStderr) return { stdout, stderr: stdout };
  const stderr = make('stderr');
  // One file named for both streams gets one writer, not two racing ones.
  if (stdout && stderr && stdout.file === stderr.file) return { stdout, stderr: stdout };
  return { stdout, stderr };
}

export async function closeInstanceLogs(l: InstanceLogs): Promise<void> {
  await l.stdout?.close();
  if (l.stderr !== l.stdout) await l.stderr?.close();
}
