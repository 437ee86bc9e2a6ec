// Drops every key whose removal leaves the parsed result unchanged, i.e. keys that only restate a
// holdfast default. The converter first writes out supervisord's effective value for everything
// (so nothing depends on the two tools having equal defaults), then this keeps only what
// differs. Asking the schema itself, rather than a table of defaults, keeps it right when the
// schema's defaults change.
import { isDeepStrictEqual } from 'node:util';

type Plain = Record<string, unknown>;
const isPlain = (v: unknown): v is Plain => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * `parse` returns the parsed output of a candidate input, or throws when it does not validate.
 * Keys in `keep` (at the top level) are never removed.
 */
export function minimize(input: Plain, parse: (candidate: Plain) => unknown, keep: readonly string[] = []): Plain {
  let target: unknown;
  try {
    target = parse(input);
  } catch {
    // Not valid as a whole: nothing to compare against. The caller reports why.
    return input;
  }
  const same = (candidate: Plain): boolean => {
    try {
      return isDeepStrictEqual(parse(candidate), target);
    } catch {
      return false;
    }
  };
  const current: Plain = { ...input };
  for (const key of Object.keys(input)) {
    if (keep.includes(key)) continue;
    const value = current[key];
    if (isPlain(value)) {
      const inner = minimize(value, (sub) => parse({ ...current, [key]: sub }));
      current[key] = inner;
      if (Object.keys(inner).length > 0) continue;
    }
    const without = { ...current };
    delete without[key];
    if (same(without)) delete current[key];
  }
  return current;
}
