// Checks that need the file system: envFile readable and well-formed, cwd a directory, users
// and groups known, tokenFile readable. They run inside the schema so each failure is reported
// at its line and column like any other config error. Results are kept for the loader.
import { readFileSync, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { z } from 'zod';
import { lookupGroup, lookupUser } from '../process/users.ts';
import { parseEnvFile } from './env-file.ts';

export interface FileCheckResults {
  /** Merged envFile values per program (files in order, later files win). */
  envFiles: Map<string, Record<string, string>>;
  token?: string;
}

type Loose = Record<string, unknown>;
const isObj = (v: unknown): v is Loose => typeof v === 'object' && v !== null && !Array.isArray(v);

function reason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT'
    ? 'no such file'
    : code === 'EACCES'
      ? 'permission denied'
      : code === 'EISDIR'
        ? 'is a directory'
        : (err as Error).message;
}

export function fileChecks(baseDir: string, out: FileCheckResults) {
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(baseDir, p));
  const root = process.getuid?.() === 0;
  return (value: unknown, ctx: z.RefinementCtx): void => {
    if (!isObj(value)) return;
    const programs = isObj(value.programs) ? value.programs : {};
    for (const [name, p] of Object.entries(programs)) {
      if (!isObj(p)) continue;
      const files =
        typeof p.envFile === 'string'
          ? [p.envFile]
          : Array.isArray(p.envFile)
            ? p.envFile.filter((f): f is string => typeof f === 'string')
            : [];
      const merged: Record<string, string> = {};
      files.forEach((f, i) => {
        const path = typeof p.envFile === 'string' ? ['programs', name, 'envFile'] : ['programs', name, 'envFile', i];
        let text: string;
        try {
          text = readFileSync(abs(f), 'utf8');
        } catch (err) {
          ctx.addIssue({ code: 'custom', path, message: `cannot read envFile ${abs(f)}: ${reason(err)}` });
          return;
        }
        const parsed = parseEnvFile(text);
        if (!parsed.ok) ctx.addIssue({ code: 'custom', path, message: `envFile ${abs(f)} line ${parsed.line}: ${parsed.error}` });
        else Object.assign(merged, parsed.env);
      });
      out.envFiles.set(name, merged);
      if (typeof p.cwd === 'string' && !p.cwd.includes('{instance}')) {
        try {
          if (!statSync(abs(p.cwd)).isDirectory())
            ctx.addIssue({ code: 'custom', path: ['programs', name, 'cwd'], message: `${abs(p.cwd)} is not a directory` });
        } catch (err) {
          ctx.addIssue({ code: 'custom', path: ['programs', name, 'cwd'], message: `cwd ${abs(p.cwd)}: ${reason(err)}` });
        }
      }
      if (typeof p.user === 'string' || typeof p.user === 'number') {
        const u = lookupUser(p.user);
        if (!u)
          ctx.addIssue({
            code: 'custom',
            path: ['programs', name, 'user'],
            message: `no user '${p.user}' in /etc/passwd (use a numeric uid for users from other directories)`,
          });
        else if (!root && u.uid !== process.getuid?.())
          ctx.addIssue({
            code: 'custom',
            path: ['programs', name, 'user'],
            message: `only a daemon running as root can run programs as '${p.user}'`,
          });
      }
      if ((typeof p.group === 'string' || typeof p.group === 'number') && lookupGroup(p.group) === undefined) {
        ctx.addIssue({ code: 'custom', path: ['programs', name, 'group'], message: `no group '${p.group}' in /etc/group` });
      }
    }
    const http = isObj(value.supervisor) && isObj(value.supervisor.http) ? value.supervisor.http : undefined;
    if (http && typeof http.tokenFile === 'string') {
      try {
        const token = readFileSync(abs(http.tokenFile), 'utf8').trim();
        if (token.length < 16)
          ctx.addIssue({
            code: 'custom',
            path: ['supervisor', 'http', 'tokenFile'],
            message: `the token in ${abs(http.tokenFile)} must be at least 16 characters`,
          });
        else out.token = token;
      } catch (err) {
        ctx.addIssue({
          code: 'custom',
          path: ['supervisor', 'http', 'tokenFile'],
          message: `cannot read tokenFile ${abs(http.tokenFile)}: ${reason(err)}`,
        });
      }
    }
  };
}
