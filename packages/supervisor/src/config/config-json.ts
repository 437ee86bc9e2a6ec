// A resolved config crosses a process boundary as JSON; Infinity (startRetries: infinite) does not
// survive plain JSON, so it travels as a sentinel string.
const INF = '\u0000Infinity';

export function encodeConfig(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => (x === Infinity ? INF : x));
}

export function decodeConfig<T>(text: string): T {
  return JSON.parse(text, (_k, x: unknown) => (x === INF ? Infinity : x)) as T;
}
