// A resource that checks fencing tokens, on Redis: the write and the token check are one Lua
// script, so they are atomic. The fence key remembers the highest token that ever wrote; a write
// with a lower token is refused — the holder was paused or partitioned past its lease and a
// newer holder has written since. An equal token is the same holder writing again.
//
// In SQL the same pattern is a conditional update (docs/service.md):
//   UPDATE accounts SET balance = $1, fence_token = $2 WHERE id = $3 AND fence_token <= $2
// and zero rows updated means "stale token: refuse".
import type { Redis } from 'ioredis';

export const FENCED_SET_SCRIPT = `
local highest = tonumber(redis.call('GET', KEYS[2]) or '0')
local token = tonumber(ARGV[1])
if token < highest then return {0, highest} end
redis.call('SET', KEYS[2], ARGV[1])
redis.call('SET', KEYS[1], ARGV[2])
return {1, highest}
`;

export interface FencedWrite {
  key: string;
  value: string;
  token: number;
  /** Where the highest token is kept (default: `<key>:fence`). */
  fenceKey?: string;
}

export interface FencedWriteResult {
  accepted: boolean;
  token: number;
  /** The highest token that had written before this one. */
  highest: number;
}

/** SETs `key` to `value` only if no write with a higher token has happened; atomic on the server. */
export async function fencedRedisSet(redis: Redis, w: FencedWrite): Promise<FencedWriteResult> {
  if (!Number.isSafeInteger(w.token) || w.token < 1)
    throw new RangeError(`fencedRedisSet: token must be a positive integer (a lock's fencing token), got ${w.token}`);
  const [ok, highest] = (await redis.eval(FENCED_SET_SCRIPT, 2, w.key, w.fenceKey ?? `${w.key}:fence`, String(w.token), w.value)) as [
    number,
    number,
  ];
  return { accepted: ok === 1, token: w.token, highest: Number(highest) };
}
