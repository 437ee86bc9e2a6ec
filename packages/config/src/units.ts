// Durations and sizes as people write them ("10s", "512MiB"), and back. Zero dependencies: the
// zod schemas built on these live in schemas.ts; the CLI parses its flags with them.
//
// The duration rule, everywhere: a number in a config file is milliseconds; a string carries its
// unit ("250ms", "10s", "1.5m", "2h", "7d"). On the command line a bare number is refused (is `30`
// seconds or milliseconds?), see parseDurationText.
//
// Sizes: k/KB/M/MB/G/GB are decimal (1 MB = 1,000,000 bytes), KiB/MiB/GiB/TiB (or Ki/Mi/Gi/Ti)
// binary (1 MiB = 1,048,576 bytes), as in Kubernetes and systemd's documentation; a number is bytes.

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const BYTE_UNITS: Record<string, number> = {
  b: 1,
  k: 1e3,
  kb: 1e3,
  m: 1e6,
  mb: 1e6,
  g: 1e9,
  gb: 1e9,
  ki: 2 ** 10,
  kib: 2 ** 10,
  mi: 2 ** 20,
  mib: 2 ** 20,
  gi: 2 ** 30,
  gib: 2 ** 30,
  ti: 2 ** 40,
  tib: 2 ** 40,
};

/** Milliseconds from a string with a unit ("250ms", "10s", "1.5m", "2h", "7d"); undefined when malformed or unitless. */
export function parseDurationText(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$/i.exec(text);
  if (!m) return undefined;
  // Whole milliseconds: "1.0005s" is 1001 ms, not a fraction no timer can wait.
  return Math.round(Number(m[1]) * DURATION_UNITS[m[2]!.toLowerCase()]!);
}

/** Milliseconds from a config value: a number (milliseconds) or a string with a unit; undefined when malformed. */
export function parseDuration(v: number | string): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) && v >= 0 ? v : undefined;
  return parseDurationText(v);
}

/** Bytes from a number or a string like "512MiB" (binary), "1G" (decimal), "64k"; undefined when malformed. */
export function parseBytes(v: number | string): number | undefined {
  if (typeof v === 'number') return Number.isInteger(v) && v >= 0 ? v : undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(v);
  if (!m) return undefined;
  const unit = BYTE_UNITS[(m[2] || 'b').toLowerCase()];
  return unit === undefined ? undefined : Math.round(Number(m[1]) * unit);
}
