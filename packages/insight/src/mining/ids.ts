// Template ids: derived from the text of the template when it was first created, so two miners
// that see the same first line (two replicas, a restart without saved state) name it alike. 48
// bits (two 32-bit FNV-1a lanes) keep collisions unlikely; a collision takes the next salt.

function fnv1a(s: string, seed: number): number {
  let h = seed >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** A 12-hex-digit id for a template text, different for each salt. */
export function templateId(text: string, salt = 0): string {
  const src = salt ? `${text}\u0000${salt}` : text;
  const a = fnv1a(src, 0x811c9dc5);
  const b = fnv1a(src, 0x9747b28c) & 0xffff;
  return a.toString(16).padStart(8, '0') + b.toString(16).padStart(4, '0');
}

export const ID_PATTERN = /^[0-9a-f]{12}$/;
