// A real NOTIFY_SOCKET for tests: an AF_UNIX SOCK_DGRAM socket bound by a small python3
// process (Node cannot bind one), printing each datagram with its sender's pid
// (SCM_CREDENTIALS) as a JSON line. Barrier fds (BARRIER=1) are closed at once, as systemd does.
import type { TestContext } from 'node:test';
import { join } from 'node:path';
import { startChild } from './child.ts';
import { tempDir } from './temp-dir.ts';

const LISTENER = `
import socket, struct, json, sys, os, array
path = sys.argv[1]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
s.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
print(json.dumps({"listening": path}), flush=True)
while True:
    msg, anc, flags, addr = s.recvmsg(65536, socket.CMSG_SPACE(12) + socket.CMSG_SPACE(64))
    pid = None
    for level, kind, data in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
            pid = struct.unpack("iII", data[:12])[0]
        elif level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds = array.array("i"); fds.frombytes(data[: len(data) - (len(data) % fds.itemsize)])
            for fd in fds: os.close(fd)
    print(json.dumps({"pid": pid, "fields": msg.decode("utf8", "replace").split("\\n")}), flush=True)
`;

export interface NotifyMessage {
  pid: number | null;
  fields: string[];
  /** performance.now() in the test process when it arrived. */
  at: number;
}

export interface NotifyListener {
  socket: string;
  messages: NotifyMessage[];
  /** Resolves with the first message (past or future) that has `field` (e.g. 'READY=1', or a prefix like 'STATUS='). */
  waitFor(field: string | ((m: NotifyMessage) => boolean), timeoutMs?: number): Promise<NotifyMessage>;
}

export async function startNotifyListener(t: Pick<TestContext, 'after'>): Promise<NotifyListener> {
  const socket = join(tempDir(t, 'holdfast-notify-'), 'notify.sock');
  const child = startChild(t, 'python3', ['-c', LISTENER, socket]);
  await child.waitForLine('"listening"', 20_000);
  const messages: NotifyMessage[] = [];
  const waiters: { match: (m: NotifyMessage) => boolean; resolve: (m: NotifyMessage) => void }[] = [];
  child.proc.stdout!.on('data', () => {
    for (const line of child.lines.splice(0)) {
      if (!line.startsWith('{"pid"')) continue;
      const m = { ...(JSON.parse(line) as Omit<NotifyMessage, 'at'>), at: performance.now() };
      messages.push(m);
      for (const w of waiters.splice(0))
        if (w.match(m)) w.resolve(m);
        else waiters.push(w);
    }
  });
  const toMatch = (f: string | ((m: NotifyMessage) => boolean)) =>
    typeof f === 'function' ? f : (m: NotifyMessage) => m.fields.some((x) => x === f || (f.endsWith('=') && x.startsWith(f)));
  return {
    socket,
    messages,
    waitFor(field, timeoutMs = 20_000) {
      const match = toMatch(field);
      const past = messages.find(match);
      if (past) return Promise.resolve(past);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () =>
            reject(
              new Error(
                `no notify message with ${String(field)} within ${timeoutMs} ms; got ${JSON.stringify(messages.map((m) => m.fields))}`,
              ),
            ),
          timeoutMs,
        );
        waiters.push({ match, resolve: (m) => (clearTimeout(timer), resolve(m)) });
      });
    },
  };
}
