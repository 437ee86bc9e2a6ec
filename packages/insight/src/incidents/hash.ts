// A 64-bit FNV-1a hash as 16 hex digits, for fingerprints and dedup keys. Not cryptographic and
// not meant to be: the daemon must not load node:crypto (OpenSSL) just to name a group, and a
// collision merges two incidents, which the fingerprint's readable prefix makes unlikely to hide.
const FNV_OFFSET_HI = 0xcbf29ce4;
const FNV_OFFSET_LO = 0x84222325;

/** FNV-1a over the UTF-16 code units of `text`, as two 32-bit halves (no BigInt on the hot path). */
export function fnv1a64(text: string): string {
  let hi = FNV_OFFSET_HI;
  let lo = FNV_OFFSET_LO;
  for (let i = 0; i < text.length; i++) {
    lo = (lo ^ text.charCodeAt(i)) >>> 0;
    // × 0x100000001b3 = × (2^40 + 0x1b3), split over the two halves.
    const loMul = lo * 0x1b3;
    const hiMul = hi * 0x1b3 + ((lo << 8) >>> 0) + Math.floor(loMul / 0x1_0000_0000);
    lo = loMul >>> 0;
    hi = hiMul >>> 0;
  }
  return hi.toString(16).padStart(8, '0') + lo.toString(16).padStart(8, '0');
}
