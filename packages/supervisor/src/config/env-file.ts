// envFile: KEY=VALUE lines as systemd's EnvironmentFile and dotenv write them. `#` comments,
// blank lines, an optional `export `, single quotes literal, double quotes with \n \" \\
// escapes. No variable expansion: what the file says is what the program gets.

export type EnvFileResult = { ok: true; env: Record<string, string> } | { ok: false; line: number; error: string };

export function parseEnvFile(text: string): EnvFileResult {
  const env: Record<string, string> = {};
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!.trim();
    if (raw === '' || raw.startsWith('#')) continue;
    const line = raw.startsWith('export ') ? raw.slice(7).trimStart() : raw;
    const eq = line.indexOf('=');
    if (eq <= 0) return { ok: false, line: i + 1, error: `expected KEY=VALUE, got '${raw.slice(0, 60)}'` };
    const key = line.slice(0, eq).trim();
    if (!/^[A-Za-z_][A-Za-z0-9_.]*$/.test(key)) return { ok: false, line: i + 1, error: `'${key}' is not a valid variable name` };
    let value = line.slice(eq + 1).trim();
    const q = value[0];
    if (q === '"' || q === "'") {
      const end = value.lastIndexOf(q);
      if (end === 0) return { ok: false, line: i + 1, error: `unterminated ${q === '"' ? 'double' : 'single'} quote` };
      const inner = value.slice(1, end);
      value = q === "'" ? inner : inner.replace(/\\([n"\\$])/g, (_, c: string) => (c === 'n' ? '\n' : c));
    } else {
      // An unquoted value ends at a ' #' comment.
      const hash = value.search(/\s#/);
      if (hash >= 0) value = value.slice(0, hash).trimEnd();
    }
    env[key] = value;
  }
  return { ok: true, env };
}
