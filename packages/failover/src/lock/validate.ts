// Bad lock requests are refused before anything reaches etcd, with the field and the fix.
import { FailoverError } from '../errors.ts';

const NAME = /^[A-Za-z0-9._:-]{1,128}$/;

export function checkLockName(name: unknown): string {
  if (typeof name !== 'string' || !NAME.test(name) || name === '.' || name === '..') {
    throw new FailoverError(
      'HOLDFAST_E_LOCK_OPTIONS',
      `lock name ${JSON.stringify(name)} is not a valid etcd lock key: use 1 to 128 letters, digits and . _ : - ` +
        "('/' is refused because one lock's keys would fall inside another's prefix range, e.g. 'a' and 'a/b')",
      { field: 'name', value: name },
    );
  }
  return name;
}

export function checkTtl(name: string, ttlMs: unknown): number {
  if (typeof ttlMs !== 'number' || !Number.isInteger(ttlMs) || ttlMs < 1000 || ttlMs % 1000 !== 0) {
    throw new FailoverError(
      'HOLDFAST_E_LOCK_OPTIONS',
      `lock '${name}': ` +
        `ttlMs ${String(ttlMs)} is not a lease etcd can grant: etcd leases are whole seconds, so use a ` +
        `multiple of 1000 of at least 1000 ` +
        "(and at least the server's minimum, ceil(1.5 × election timeout): 2000 with etcd's defaults)",
      { field: 'ttlMs', value: ttlMs },
    );
  }
  return ttlMs;
}

/** etcd granted more than asked: its minimum TTL is above the request. */
export function ttlUnderMinimum(name: string, requestedMs: number, grantedMs: number): FailoverError {
  return new FailoverError(
    'HOLDFAST_E_LOCK_OPTIONS',
    `lock '${name}': ttlMs ${requestedMs} is under this etcd's minimum lease TTL of ${grantedMs} ms (ceil(1.5 × --election-timeout)); ` +
      `ask for ttlMs ≥ ${grantedMs}, or start etcd with a shorter --election-timeout`,
    { field: 'ttlMs', value: requestedMs, minimumMs: grantedMs },
  );
}
