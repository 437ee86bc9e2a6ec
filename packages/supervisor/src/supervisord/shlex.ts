// Python's shlex (POSIX mode), the two ways supervisord uses it:
// - `command=` is split like `shlex.split()`: whitespace-separated words, quotes and backslashes
//   honoured, no comments. supervisord never runs a shell.
// - `environment=` is tokenized by a `shlex.shlex` lexer whose word characters are letters, digits,
//   `_` and `/.+-():`; every other character is a token of its own and `#` starts a comment.
// Written to match Python's behaviour token for token, because a converted config must split a
// command exactly as supervisord would have.

const WHITESPACE = ' \t\r\n';
const QUOTES = `'"`;
const ESCAPE = '\\';
// Only `"` lets a backslash escape inside it, as in a POSIX shell.
const ESCAPED_QUOTES = '"';
// Python's POSIX wordchars: ASCII letters, digits, `_` and the Latin-1 letters.
const LATIN1 = 'ßàáâãäåæçèéêëìíîïðñòóôõöøùúûüýþÿÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÐÑÒÓÔÕÖØÙÚÛÜÝÞ';
const BASE_WORDCHARS = new Set('abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_' + LATIN1);

export class ShlexError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ShlexError';
  }
}

interface LexOptions {
  /** Words end only at whitespace (shlex.split); otherwise any non-word character is its own token. */
  whitespaceSplit: boolean;
  commenters: string;
  wordchars: Set<string>;
}

function lex(input: string, opts: LexOptions): string[] {
  const tokens: string[] = [];
  // ' ' between tokens, 'a' in a word, a quote char inside quotes, ESCAPE after a backslash.
  let state = ' ';
  let escapedState = ' ';
  let token = '';
  let quoted = false;
  const emit = () => {
    if (token !== '' || quoted) tokens.push(token);
    token = '';
    quoted = false;
  };
  let i = 0;
  const skipComment = () => {
    const nl = input.indexOf('\n', i);
    i = nl === -1 ? input.length : nl + 1;
  };
  while (i <= input.length) {
    const ch = i < input.length ? input[i]! : '';
    i++;
    if (state === ' ') {
      if (ch === '') break;
      if (WHITESPACE.includes(ch)) continue;
      if (opts.commenters.includes(ch)) skipComment();
      else if (ch === ESCAPE) {
        escapedState = 'a';
        state = ESCAPE;
      } else if (opts.wordchars.has(ch)) {
        token = ch;
        state = 'a';
      } else if (QUOTES.includes(ch)) state = ch;
      else if (opts.whitespaceSplit) {
        token = ch;
        state = 'a';
      } else {
        token = ch;
        emit();
      }
    } else if (QUOTES.includes(state)) {
      quoted = true;
      if (ch === '') throw new ShlexError('no closing quotation');
      if (ch === state) state = 'a';
      else if (ch === ESCAPE && ESCAPED_QUOTES.includes(state)) {
        escapedState = state;
        state = ESCAPE;
      } else token += ch;
    } else if (state === ESCAPE) {
      if (ch === '') throw new ShlexError('no escaped character after a trailing backslash');
      // Inside quotes only the quote itself or the backslash may be escaped; otherwise both stay.
      if (QUOTES.includes(escapedState) && ch !== ESCAPE && ch !== escapedState) token += ESCAPE;
      token += ch;
      state = escapedState;
    } else {
      // In a word.
      if (ch === '') {
        emit();
        break;
      }
      if (WHITESPACE.includes(ch)) {
        state = ' ';
        emit();
      } else if (opts.commenters.includes(ch)) {
        skipComment();
        state = ' ';
        emit();
      } else if (QUOTES.includes(ch)) state = ch;
      else if (ch === ESCAPE) {
        escapedState = 'a';
        state = ESCAPE;
      } else if (opts.wordchars.has(ch) || opts.whitespaceSplit) token += ch;
      else {
        // A punctuation character ends the word and is read again as a token of its own.
        i--;
        state = ' ';
        emit();
      }
    }
  }
  return tokens;
}

/** Splits a command line into argv as Python's `shlex.split` does (POSIX rules, no shell). */
export function shlexSplit(command: string): string[] {
  return lex(command, { whitespaceSplit: true, commenters: '', wordchars: BASE_WORDCHARS });
}

const KV_WORDCHARS = new Set([...BASE_WORDCHARS, ...'/.+-():']);

/** Tokens of an `environment=` value, as supervisord's `dict_of_key_value_pairs` lexer sees them. */
export function keyValueTokens(value: string): string[] {
  return lex(value, { whitespaceSplit: false, commenters: '#', wordchars: KV_WORDCHARS });
}
