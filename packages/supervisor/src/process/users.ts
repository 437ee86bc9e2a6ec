// Node's spawn takes numeric uid/gid only; configs name users. Resolved from /etc/passwd and
// /etc/group (the files NSS reads first; LDAP-only users need a numeric id in the config).
import { readFileSync } from 'node:fs';

export interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
  shell: string;
}

function readTable(file: string): string[][] {
  try {
    return readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l && !l.startsWith('#'))
      .map((l) => l.split(':'));
  } catch {
    return [];
  }
}

export function lookupUser(user: string | number, passwd = '/etc/passwd'): PasswdEntry | undefined {
  for (const f of readTable(passwd)) {
    const entry = { name: f[0]!, uid: Number(f[2]), gid: Number(f[3]), home: f[5] ?? '/', shell: f[6] ?? '/bin/sh' };
    if (typeof user === 'number' ? entry.uid === user : entry.name === user) return entry;
  }
  return typeof user === 'number' ? { name: String(user), uid: user, gid: user, home: '/', shell: '/bin/sh' } : undefined;
}

export function lookupGroup(group: string | number, groupFile = '/etc/group'): number | undefined {
  if (typeof group === 'number') return group;
  for (const f of readTable(groupFile)) if (f[0] === group) return Number(f[2]);
  return undefined;
}
