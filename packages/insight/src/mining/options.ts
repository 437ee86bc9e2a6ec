// The miner's options: plain data, validated once (every problem reported at once, with its path),
// then resolved to a full set of values the hot path reads without checking.
import { InsightError, type Issue } from '../errors.ts';

/** Which kinds of value are masked before clustering. Each can be turned off per program. */
export interface MaskFlags {
  /** Numbers and anything that starts with a digit: 42, -7, 0x1f, 4G, 9f4ef63, 2015-10-18 → <*>-<*>-<*>. */
  numbers: boolean;
  /** Hex strings of 6+ characters that start with a letter: de9231d. */
  hex: boolean;
  /** Ids of the form word_123_456 (→ word_<*>) and long random alphanumeric ids. */
  ids: boolean;
  /** UUIDs (8-4-4-4-12 hex). */
  uuid: boolean;
  /** IPv4 (the port stays a separate value), IPv6 and MAC addresses, each as one value. */
  ip: boolean;
  /**
   * Host names: a dotted name ending in a top-level domain (db-1.eu.example.com), and a name with
   * a digit followed by :port or /address (msra-sa-41:8030 → <*>:<*>).
   */
  hosts: boolean;
  /** The part after scheme:// of a URL that contains a digit (an address, a port, an id). */
  url: boolean;
  /** Paths: /var/lib/x → <*>. Off by default: constant paths are worth keeping; varying ones are learned. */
  paths: boolean;
  /** The text between quotes inside a token: name="x" → name="<*>". Off by default, like paths. */
  quoted: boolean;
  /** A number with a time unit as one value: 1.5s, 3m20s, 250ms (else 1.5s is <*>.<*>). */
  durations: boolean;
  /**
   * A number with a size unit as one value (2.5GiB); a size unit standing after a number is a
   * value too (64 KB, 1.2 MB: the unit changes with the magnitude).
   */
  sizes: boolean;
  /** Month and weekday names that stand next to a number (Sun Jul 17 23:21:54 2005 → <*> <*> <*> <*>:<*>:<*> <*>). */
  dates: boolean;
}

/** A program's own masking rule, applied to the whole message before tokenising (a JS regex). */
export interface CustomMask {
  name: string;
  pattern: string;
  flags?: string;
}

export interface MinerOptions {
  /** At most this many templates are kept; the least recently seen is evicted. Default 5,000. */
  maxTemplates?: number;
  /** Masking: which kinds of value, plus custom rules. Unset flags keep their defaults. */
  masks?: Partial<MaskFlags> & { custom?: CustomMask[] };
  /**
   * How many different words at the same place make it a variable. Below it, messages that
   * differ only there stay separate templates (session opened / session closed). Default 3.
   */
  variantLimit?: number;
  /** Messages are cut after this many tokens (the rest is one trailing value). Default 200. */
  maxTokens?: number;
  /** An example message is kept per template, cut at this many characters. Default 500. */
  exampleLength?: number;
}

export interface ResolvedMaskOptions extends MaskFlags {
  custom: { name: string; regex: RegExp }[];
}

export interface ResolvedMinerOptions {
  maxTemplates: number;
  masks: ResolvedMaskOptions;
  variantLimit: number;
  maxTokens: number;
  exampleLength: number;
}

export const defaultMaskFlags: Readonly<MaskFlags> = Object.freeze({
  numbers: true,
  hex: true,
  ids: true,
  uuid: true,
  ip: true,
  hosts: true,
  url: true,
  paths: false,
  quoted: false,
  durations: false,
  sizes: true,
  dates: true,
});

const maskNames = Object.keys(defaultMaskFlags) as (keyof MaskFlags)[];

function intIssue(issues: Issue[], path: string[], v: unknown, min: number, max: number): void {
  if (v !== undefined && (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)) {
    issues.push({ path, message: `must be an integer from ${min} to ${max}, got ${JSON.stringify(v)}` });
  }
}

/** Every problem with the options (empty when valid). */
export function validateMinerOptions(input: unknown): Issue[] {
  const issues: Issue[] = [];
  if (input === undefined) return issues;
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return [{ path: [], message: 'must be an object' }];
  const o = input as Record<string, unknown>;
  const known = ['maxTemplates', 'masks', 'variantLimit', 'maxTokens', 'exampleLength'];
  for (const k of Object.keys(o)) if (!known.includes(k)) issues.push({ path: [k], message: `unknown option; known: ${known.join(', ')}` });
  intIssue(issues, ['maxTemplates'], o.maxTemplates, 1, 10_000_000);
  intIssue(issues, ['variantLimit'], o.variantLimit, 2, 1000);
  intIssue(issues, ['maxTokens'], o.maxTokens, 8, 100_000);
  intIssue(issues, ['exampleLength'], o.exampleLength, 0, 1_000_000);
  if (o.masks !== undefined) {
    if (typeof o.masks !== 'object' || o.masks === null || Array.isArray(o.masks)) {
      issues.push({ path: ['masks'], message: 'must be an object of flags, e.g. { numbers: true, paths: false }' });
    } else {
      const m = o.masks as Record<string, unknown>;
      for (const [k, v] of Object.entries(m)) {
        if (k === 'custom') continue;
        if (!maskNames.includes(k as keyof MaskFlags))
          issues.push({ path: ['masks', k], message: `unknown mask; known: ${maskNames.join(', ')}, custom` });
        else if (typeof v !== 'boolean') issues.push({ path: ['masks', k], message: `must be true or false, got ${JSON.stringify(v)}` });
      }
      if (m.custom !== undefined) {
        if (!Array.isArray(m.custom)) issues.push({ path: ['masks', 'custom'], message: 'must be a list of { name, pattern, flags? }' });
        else m.custom.forEach((r: unknown, i) => issues.push(...customIssues(r, ['masks', 'custom', i])));
      }
    }
  }
  return issues;
}

function customIssues(r: unknown, path: (string | number)[]): Issue[] {
  if (typeof r !== 'object' || r === null) return [{ path, message: 'must be { name, pattern, flags? }' }];
  const c = r as Record<string, unknown>;
  const out: Issue[] = [];
  if (typeof c.name !== 'string' || c.name === '') out.push({ path: [...path, 'name'], message: 'must be a non-empty string' });
  if (typeof c.pattern !== 'string' || c.pattern === '')
    out.push({ path: [...path, 'pattern'], message: 'must be a non-empty regular expression source' });
  if (c.flags !== undefined && (typeof c.flags !== 'string' || !/^[imsu]*$/.test(c.flags)))
    out.push({ path: [...path, 'flags'], message: "may only hold the flags i, m, s, u ('g' is implied)" });
  if (typeof c.pattern === 'string' && c.pattern !== '' && out.length === 0) {
    try {
      new RegExp(c.pattern, `${(c.flags as string | undefined) ?? ''}g`);
    } catch (err) {
      out.push({ path: [...path, 'pattern'], message: `not a valid regular expression: ${(err as Error).message}` });
    }
  }
  return out;
}

/** Validated, complete options; throws HOLDFAST_E_INSIGHT_OPTIONS listing every problem. */
export function resolveMinerOptions(input: MinerOptions = {}): ResolvedMinerOptions {
  const issues = validateMinerOptions(input);
  if (issues.length)
    throw new InsightError('HOLDFAST_E_INSIGHT_OPTIONS', `${issues.length} problem${issues.length === 1 ? '' : 's'}`, issues);
  const m = input.masks ?? {};
  const flags = { ...defaultMaskFlags };
  for (const k of maskNames) if (typeof m[k] === 'boolean') flags[k] = m[k];
  return {
    maxTemplates: input.maxTemplates ?? 5000,
    variantLimit: input.variantLimit ?? 4,
    maxTokens: input.maxTokens ?? 200,
    exampleLength: input.exampleLength ?? 500,
    masks: { ...flags, custom: (m.custom ?? []).map((c) => ({ name: c.name, regex: new RegExp(c.pattern, `${c.flags ?? ''}g`) })) },
  };
}
