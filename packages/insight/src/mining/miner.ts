// The online template miner: one message in, its template id, template text and parameters out,
// in one pass, in bounded memory.
//
// How it groups (see docs/insight.md for the reasoning and the figures):
// 1. Masking turns the values that are plainly values into <*> (mask.ts); a message is then a
//    list of masked tokens, and an identical list seen before answers from a cache.
// 2. Otherwise the templates of the same length are compared place by place. A template that
//    fits every place is the answer (the most specific when several fit).
// 3. A message close to a template (few places differ; PIPLUP's length-dependent allowance)
//    does not generalise it at once. Start specific, generalise on evidence: only when the
//    templates that differ from it at exactly those places carry `variantLimit` different words
//    there are they merged into one template with <*> (or an affix like `/dev/<*>`) at those places.
//    So `session opened` / `session closed` stay two templates while `Invalid user <*>` becomes
//    one after three user names. Places whose values are only values and punctuation (<*> vs
//    <*>:<*>) generalise at once.
// 4. A merge keeps the id of the oldest template and records the ids it absorbed, so an id seen
//    earlier still resolves (resolve()), across restarts too (state.ts).
// 5. At most maxTemplates templates are kept; the least recently seen is evicted.
import { Masker, WILD } from './mask.ts';
import { resolveMinerOptions, type MinerOptions, type ResolvedMinerOptions } from './options.ts';
import { ANY, AFFIX, LITERAL, Template, generalisation, isLetterless } from './template.ts';
import { hashText, maskedHash, tokenize, type KeyHash, type Tokenized } from './tokenize.ts';
import { templateId } from './ids.ts';

export type Change = 'none' | 'created' | 'generalised';

/** What one message mined to. The parameters are cut from the message only when read. */
export class MineResult {
  /** The template's id (12 hex digits), stable across restarts. */
  readonly id: string;
  /** The template text, values as <*>. */
  readonly template: string;
  /** 'created': a template never seen before; 'generalised': an existing one widened to fit. */
  readonly change: Change;
  /** Ids absorbed into this template by this message (they now resolve to `id`). */
  readonly absorbed: readonly string[];
  readonly #message: string;
  readonly #t: Template;
  readonly #miner: TemplateMiner;
  #params: string[] | undefined;

  constructor(t: Template, change: Change, absorbed: readonly string[], message: string, miner: TemplateMiner) {
    this.id = t.id;
    this.template = t.text;
    this.change = change;
    this.absorbed = absorbed;
    this.#t = t;
    this.#message = message;
    this.#miner = miner;
  }

  /** The template itself (counts, first/last seen, level, example), as it is now. */
  get record(): Template {
    return this.#t;
  }

  /** The values of this message, in order (custom-mask values first). */
  get params(): string[] {
    return (this.#params ??= this.#miner.paramsOf(this.#message, this.#t));
  }
}

export interface MinerRuntime {
  /** Milliseconds for first/last seen; injected so tests and replays control time. */
  now?: () => number;
}

const NO_IDS: readonly string[] = Object.freeze([]);

/** One exact-match cache entry; entries whose first hash collides are chained. */
interface CacheEntry {
  h2: number;
  len: number;
  t: Template;
  next: CacheEntry | undefined;
}
/** Messages are mined on at most this many characters. */
export const MAX_MESSAGE_CHARS = 64 * 1024;
/** Absorbed ids remembered per template (older ones stop resolving). */
export const MAX_ABSORBED = 256;

/** How many places may differ for a message of n tokens to count as close to a template. */
export function allowedMismatches(n: number): number {
  if (n <= 1) return 0;
  if (n <= 4) return 1;
  if (n <= 6) return 2;
  if (n <= 9) return 3;
  return n >> 1;
}

export class TemplateMiner {
  readonly options: ResolvedMinerOptions;
  readonly #masker: Masker;
  readonly #now: () => number;
  readonly #byId = new Map<string, Template>();
  readonly #byLength = new Map<number, Template[]>();
  /** Exact-match cache: masked message hash → template (see tokenize.ts for the hash). */
  readonly #cache = new Map<number, CacheEntry>();
  readonly #key: KeyHash = { h1: 0, h2: 0, len: 0 };
  readonly #aliases = new Map<string, string>();
  #newest: Template | undefined;
  #oldest: Template | undefined;
  #seq = 0;
  #evicted = 0;
  #cacheSize = 0;
  /** The masked tokens #lookup split, if it had to. */
  #masked: string[] | undefined;

  constructor(options: MinerOptions = {}, runtime: MinerRuntime = {}) {
    this.options = resolveMinerOptions(options);
    this.#masker = new Masker(this.options.masks);
    this.#now = runtime.now ?? Date.now;
  }

  /** Number of templates held. */
  get size(): number {
    return this.#byId.size;
  }

  /** Templates evicted so far to stay within maxTemplates. */
  get evicted(): number {
    return this.#evicted;
  }

  /**
   * The cache entry of `message`, keyed by its masked form's hash (this.#key). Only a message whose
   * hash could not be taken in one pass is split into tokens; those tokens are left in #masked.
   */
  #lookup(message: string): CacheEntry | undefined {
    const o = this.options;
    const key = this.#key;
    this.#masked = undefined;
    if (!maskedHash(message, this.#masker, o.masks, o.maxTokens, key)) {
      this.#masked = tokenize(message, this.#masker, o.masks, o.maxTokens, false).masked;
      hashText(this.#masked.join(' '), key);
    }
    let e = this.#cache.get(key.h1);
    while (e !== undefined && (e.h2 !== key.h2 || e.len !== key.len)) e = e.next;
    return e;
  }

  /**
   * Mines one message (without its header). `level` is a severity from levels.ts, or -1; `now`
   * saves a clock read when the caller has the time already.
   */
  add(message: string, level = -1, now?: number): MineResult {
    const o = this.options;
    // A message of megabytes (an API caller's, not a capped line) is mined on its head.
    if (message.length > MAX_MESSAGE_CHARS) message = message.slice(0, MAX_MESSAGE_CHARS);
    const e = this.#lookup(message);
    let masked = this.#masked;
    let t = e?.t;
    let change: Change = 'none';
    let absorbed = NO_IDS;
    if (t === undefined || t.dead) {
      masked ??= tokenize(message, this.#masker, o.masks, o.maxTokens, false).masked;
      const placed = this.#place(masked, message);
      t = placed.template;
      change = placed.change;
      absorbed = placed.absorbed;
      if (e) e.t = t;
      else {
        if (this.#cacheSize >= this.options.maxTemplates * 2 + 1024) {
          this.#cache.clear();
          this.#cacheSize = 0;
        }
        const key = this.#key;
        const h1 = key.h1;
        this.#cache.set(h1, { h2: key.h2, len: key.len, t, next: this.#cache.get(h1) });
        this.#cacheSize++;
      }
    }
    t.count++;
    t.lastSeen = now ?? this.#now();
    if (level > t.level) t.level = level;
    this.#touch(t);
    return new MineResult(t, change, absorbed, message, this);
  }

  /**
   * The template `message` falls into now, without mining it: no count, no new template, no cache
   * entry (undefined when none fits as it is). For showing a line's template beside the line when
   * the line was mined already, without counting it twice.
   */
  match(message: string): Template | undefined {
    const o = this.options;
    if (message.length > MAX_MESSAGE_CHARS) message = message.slice(0, MAX_MESSAGE_CHARS);
    const e = this.#lookup(message);
    if (e !== undefined && !e.t.dead) return e.t;
    const masked = this.#masked ?? tokenize(message, this.#masker, o.masks, o.maxTokens, false).masked;
    return this.#scan(masked).exact;
  }

  /** The values of `message` under template t (the parts its <*> stand for), in order. */
  paramsOf(message: string, t: Template): string[] {
    const tk = tokenize(message, this.#masker, this.options.masks, this.options.maxTokens, true);
    return tk.masked.length === t.tokens.length ? paramsOf(tk, t, this.#masker) : [];
  }

  /** The current id for an id this miner handed out (absorbed ids resolve to their template). */
  resolve(id: string): string | undefined {
    if (this.#byId.has(id)) return id;
    const to = this.#aliases.get(id);
    return to !== undefined && this.#byId.has(to) ? to : undefined;
  }

  get(id: string): Template | undefined {
    const r = this.resolve(id);
    return r === undefined ? undefined : this.#byId.get(r);
  }

  /** Every template, most recently seen first. */
  templates(): Template[] {
    const out: Template[] = [];
    for (let t = this.#newest; t; t = t.older) out.push(t);
    return out;
  }

  #place(m: string[], raw: string): { template: Template; change: Change; absorbed: readonly string[] } {
    const { exact, near, bucket } = this.#scan(m);
    if (exact) return { template: exact, change: 'none', absorbed: NO_IDS };
    if (near) {
      const merged = this.#tryGeneralise(near, m, bucket!);
      if (merged) return merged;
    }
    return { template: this.#create(m, raw), change: 'created', absorbed: NO_IDS };
  }

  /** The most specific template m fits as it is, and the nearest one within the allowed mismatches. */
  #scan(m: string[]): { exact: Template | undefined; near: Template | undefined; bucket: Template[] | undefined } {
    const n = m.length;
    const bucket = this.#byLength.get(n);
    let exact: Template | undefined;
    let exactWild = Infinity;
    let near: Template | undefined;
    let nearMis = Infinity;
    let nearLit = -1;
    const allowed = allowedMismatches(n);
    if (bucket) {
      for (const t of bucket) {
        let mis = 0;
        let lit = 0;
        for (let i = 0; i < n; i++) {
          if (t.fits(i, m[i]!)) {
            if (t.kinds[i] === LITERAL) lit++;
          } else if (++mis > allowed) break;
        }
        if (mis === 0) {
          if (n - lit < exactWild) {
            exact = t;
            exactWild = n - lit;
          }
        } else if (mis <= allowed && (mis < nearMis || (mis === nearMis && lit > nearLit))) {
          near = t;
          nearMis = mis;
          nearLit = lit;
        }
      }
    }
    return { exact, near, bucket };
  }

  #tryGeneralise(
    near: Template,
    m: string[],
    bucket: Template[],
  ): { template: Template; change: Change; absorbed: readonly string[] } | undefined {
    const diff: number[] = [];
    let soft = true;
    for (let i = 0; i < m.length; i++) {
      if (near.fits(i, m[i]!)) continue;
      diff.push(i);
      if (soft && !isValueDifference(near, i, m[i]!)) soft = false;
    }
    if (soft) {
      for (const i of diff) near.generalise(i, [near.tokens[i]!, m[i]!]);
      return { template: near, change: 'generalised', absorbed: this.#absorbCovered(near, bucket) };
    }
    // Words differ: merge only on evidence, variantLimit different words at each of these places
    // among the templates that differ from `near` only there.
    const siblings: Template[] = [];
    for (const s of bucket) if (siblingOf(s, near, diff)) siblings.push(s);
    const values: string[][] = diff.map((i) => [...new Set([...siblings.map((s) => s.tokens[i]!), m[i]!])]);
    if (values.some((v) => v.length < this.options.variantLimit)) return undefined;
    const merged = diff.map((_, d) => generalisation(values[d]!));
    // The first token names what happens (cupsd startup succeeded, onClick called): it becomes a
    // value only when the words share a prefix (com.apple.<*>:).
    if (diff[0] === 0 && merged[0]!.kind === ANY) return undefined;
    // A template must stay mostly constant: more constant tokens than values.
    let values_ = 0;
    for (let i = 0, d = 0; i < m.length; i++) {
      if (d < diff.length && diff[d] === i) {
        if (merged[d++]!.kind === ANY) values_++;
      } else if (near.kinds[i] === ANY || isLetterless(near.tokens[i]!)) values_++;
    }
    if (values_ * 2 >= m.length) return undefined;
    let survivor = siblings[0]!;
    for (const s of siblings) if (s.seq < survivor.seq) survivor = s;
    for (let i = 0, d = 0; i < m.length; i++) {
      if (d < diff.length && diff[d] === i) survivor.generalise(i, values[d++]!);
      else survivor.copyPlace(i, near);
    }
    const absorbed: string[] = [];
    for (const s of siblings) if (s !== survivor) absorbed.push(...this.#absorb(survivor, s));
    absorbed.push(...this.#absorbCovered(survivor, bucket));
    return { template: survivor, change: 'generalised', absorbed };
  }

  /** Absorbs every other template of the bucket that `t` now covers; returns the ids absorbed. */
  #absorbCovered(t: Template, bucket: Template[]): string[] {
    const out: string[] = [];
    for (const s of [...bucket]) {
      if (s === t || s.dead) continue;
      let covers = true;
      for (let i = 0; i < t.tokens.length && covers; i++) {
        if (t.kinds[i] === LITERAL) covers = s.kinds[i] === LITERAL && s.tokens[i] === t.tokens[i];
        else if (t.kinds[i] === AFFIX) covers = s.kinds[i] !== ANY && t.fits(i, s.tokens[i]!);
      }
      if (covers) out.push(...this.#absorb(t, s));
    }
    return out;
  }

  #absorb(into: Template, from: Template): string[] {
    const ids = [from.id, ...from.absorbed];
    into.absorbed.push(...ids);
    for (const id of ids) this.#aliases.set(id, into.id);
    // Memory stays bounded: a template remembers the most recent MAX_ABSORBED ids it absorbed.
    while (into.absorbed.length > MAX_ABSORBED) this.#aliases.delete(into.absorbed.shift()!);
    into.count += from.count;
    if (from.firstSeen < into.firstSeen) into.firstSeen = from.firstSeen;
    if (from.lastSeen > into.lastSeen) into.lastSeen = from.lastSeen;
    if (from.level > into.level) into.level = from.level;
    this.#remove(from);
    return ids;
  }

  #create(m: string[], raw: string): Template {
    const text = m.join(' ');
    let id = templateId(text);
    for (let salt = 1; this.#byId.has(id) || this.#aliases.has(id); salt++) id = templateId(text, salt);
    const ex = this.options.exampleLength;
    const t = new Template(id, this.#seq++, m.slice(), this.#now(), raw.length > ex ? raw.slice(0, ex) : raw);
    this.#insert(t);
    while (this.#byId.size > this.options.maxTemplates && this.#oldest && this.#oldest !== t) {
      const victim = this.#oldest;
      for (const a of victim.absorbed) this.#aliases.delete(a);
      this.#remove(victim);
      this.#evicted++;
    }
    return t;
  }

  /** Adds a template (a new one, or one restored from state) as the most recently seen. */
  #insert(t: Template): void {
    this.#byId.set(t.id, t);
    const n = t.tokens.length;
    const bucket = this.#byLength.get(n);
    if (bucket) bucket.push(t);
    else this.#byLength.set(n, [t]);
    if (t.seq >= this.#seq) this.#seq = t.seq + 1;
    t.older = this.#newest;
    if (this.#newest) this.#newest.newer = t;
    this.#newest = t;
    this.#oldest ??= t;
  }

  #remove(t: Template): void {
    t.dead = true;
    this.#byId.delete(t.id);
    const bucket = this.#byLength.get(t.tokens.length)!;
    const at = bucket.indexOf(t);
    if (at >= 0) bucket.splice(at, 1);
    if (bucket.length === 0) this.#byLength.delete(t.tokens.length);
    this.#unlink(t);
  }

  #unlink(t: Template): void {
    if (t.newer) t.newer.older = t.older;
    else if (this.#newest === t) this.#newest = t.older;
    if (t.older) t.older.newer = t.newer;
    else if (this.#oldest === t) this.#oldest = t.newer;
    t.newer = t.older = undefined;
  }

  #touch(t: Template): void {
    if (this.#newest === t) return;
    this.#unlink(t);
    t.older = this.#newest;
    if (this.#newest) this.#newest.newer = t;
    this.#newest = t;
    this.#oldest ??= t;
  }

  /** For state.ts: restores a template as it was saved. */
  restoreTemplate(t: Template): void {
    this.#insert(t);
    if (t.absorbed.length > MAX_ABSORBED) t.absorbed = t.absorbed.slice(-MAX_ABSORBED);
    for (const a of t.absorbed) this.#aliases.set(a, t.id);
  }
}

function paramsOf(tk: Tokenized, t: Template, masker: Masker): string[] {
  const out = tk.customParams.length ? tk.customParams.slice() : [];
  const { text, masked, starts, ends } = tk;
  for (let i = 0; i < masked.length; i++) {
    const k = t.kinds[i];
    if (k === ANY) out.push(text.slice(starts[i], ends[i]));
    else if (k === AFFIX) {
      const p = t.pre[i]!;
      const s = t.suf[i]!;
      const raw = text.slice(starts[i], ends[i]);
      out.push(
        p.includes(WILD) || s.includes(WILD) || !raw.startsWith(p) || !raw.endsWith(s) ? raw : raw.slice(p.length, raw.length - s.length),
      );
    } else if (masked[i] === WILD) {
      const raw = text.slice(starts[i], ends[i]);
      if (raw !== WILD) out.push(raw); // a custom mask's value is already in customParams
    } else if (masked[i]!.includes(WILD)) {
      const before = out.length;
      masker.token(text, starts[i]!, ends[i]!, out);
      // Masked by a rule about its neighbours (a month name, a size unit): the token is the value.
      if (out.length === before) out.push(text.slice(starts[i], ends[i]! - (masked[i]!.length - WILD.length)));
    }
  }
  return out;
}

/**
 * True when place i of t and the token m differ by a value, not by a word: once their common
 * prefix and suffix (cut at delimiters) are set aside, what remains of one is only a value
 * (rhost=<*> vs rhost=<*>.dsl.example.net, (<*>) vs (), <*> vs ec2-<*>-<*>), or t's place is
 * already an affix wildcard.
 */
function isValueDifference(t: Template, i: number, m: string): boolean {
  if (t.kinds[i] !== LITERAL) return true;
  const a = t.tokens[i]!;
  const g = generalisation([a, m]);
  if (g.kind === ANY && isLetterless(a) && isLetterless(m)) return true;
  const ra = a.slice(g.pre.length, a.length - g.suf.length);
  const rm = m.slice(g.pre.length, m.length - g.suf.length);
  if (isLetterless(ra) || isLetterless(rm)) return true;
  // Two values that share their value part and differ in a constant part (broadcast_<*> vs
  // rdd_<*>) are still one value.
  return g.pre.includes(WILD) || g.suf.includes(WILD);
}

/**
 * True when s differs from t only at the places in diff (where s holds a literal): elsewhere s
 * holds t's token, or a literal that t's wildcard covers.
 */
function siblingOf(s: Template, t: Template, diff: number[]): boolean {
  let d = 0;
  for (let i = 0; i < t.tokens.length; i++) {
    if (d < diff.length && diff[d] === i) {
      d++;
      if (s.kinds[i] !== LITERAL) return false;
    } else if (s.tokens[i] !== t.tokens[i] && !(t.kinds[i] !== LITERAL && s.kinds[i] === LITERAL && t.fits(i, s.tokens[i]!))) return false;
  }
  return true;
}
