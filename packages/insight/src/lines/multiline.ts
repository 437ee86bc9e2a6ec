// Folding a multi-line event (a stack trace, a Python traceback, a Go panic) into one: the lines
// that continue it join the line that started it. A line continues the pending event when it is
// indented (Java '\tat …', Node '    at …', Python '  File …'), is a 'Caused by:' or '... N more'
// line, ends a Python traceback (its exception line), or follows a Go panic until a blank line.
// JSON lines never continue anything.

export interface FoldLimits {
  /** An event holds at most this many lines; the next one starts a new event. Default 200. */
  maxLines: number;
  /** …and at most this many characters. Default 256 KiB. */
  maxChars: number;
}

const CAUSED = /^(?:Caused by: |Suppressed: |\.\.\. \d+ (?:more|common frames omitted))/;
const TRACEBACK = 'Traceback (most recent call last):';
const GO_PANIC = /^(?:panic: |fatal error: |goroutine \d+ \[)/;
// The patterns above only match lines starting with these letters: the rest skip the regex.
const mayBeCaused = (c: number) => c === 67 || c === 83 || c === 46; // C S .
const mayBeGoPanic = (c: number) => c === 112 || c === 102 || c === 103; // p f g

export class MultilineFolder {
  readonly #limits: FoldLimits;
  #lines: string[] = [];
  #chars = 0;
  #traceback = false;
  #goPanic = false;

  constructor(limits: Partial<FoldLimits> = {}) {
    this.#limits = { maxLines: limits.maxLines ?? 200, maxChars: limits.maxChars ?? 256 * 1024 };
  }

  /** Adds a line; returns the event it completed (the lines of the previous event), if any. */
  push(line: string): string[] | undefined {
    if (this.#lines.length && this.#continues(line)) {
      this.#lines.push(line);
      this.#chars += line.length;
      return undefined;
    }
    const done = this.flush();
    this.#lines = [line];
    this.#chars = line.length;
    this.#traceback = line.endsWith(TRACEBACK);
    this.#goPanic = mayBeGoPanic(line.charCodeAt(0)) && GO_PANIC.test(line);
    return done;
  }

  /** The pending event, if any (call at the end of input or when output has paused). */
  flush(): string[] | undefined {
    if (!this.#lines.length) return undefined;
    const done = this.#lines;
    this.#lines = [];
    this.#chars = 0;
    this.#traceback = this.#goPanic = false;
    return done;
  }

  get pending(): boolean {
    return this.#lines.length > 0;
  }

  #continues(line: string): boolean {
    if (this.#lines.length >= this.#limits.maxLines || this.#chars + line.length > this.#limits.maxChars) return false;
    if (line.length === 0) return false;
    const c = line.charCodeAt(0);
    if (c === 123) return false;
    if (this.#goPanic) return true;
    if (c === 32 || c === 9) return line.trim().length > 0;
    if (mayBeCaused(c) && CAUSED.test(line)) return true;
    if (this.#traceback) {
      // The exception line closes a traceback: 'ValueError: bad input'.
      const prev = this.#lines[this.#lines.length - 1]!;
      if (prev.startsWith(' ') && /^[\w.]+(?:Error|Exception|Exit|Interrupt|Warning|Iteration)\b|^[\w.]+:/.test(line)) {
        this.#traceback = false;
        return true;
      }
    }
    if (mayBeGoPanic(c) && GO_PANIC.test(line) && this.#lines[0]!.startsWith('panic: ')) {
      this.#goPanic = true;
      return true;
    }
    return false;
  }
}
