// Runs one command on a real Linux kernel of its own: a Debian kernel (linux-image-amd64) booted
// by QEMU with a busybox initramfs, the host's root file system shared read-only over virtio-9p
// and a fresh tmpfs on /tmp (a working directory under /tmp or /run stays visible). Why: this
// machine mounts cgroup v2 in hybrid mode (v1 holds every controller, the unified tree has none),
// so the cgroup v2 code can only meet a real v2 kernel inside a VM; the guest mounts cgroup2 with
// all controllers and runs the command in a delegated cgroup of its own, as systemd with
// Delegate=yes would.
//
// TCG (software emulation) by default: nested KVM on these machines hangs the guest at boot.
// HOLDFAST_VM_ACCEL=kvm uses KVM where it works.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { cleanup } from './cleanup.ts';
import { tempDir } from './temp-dir.ts';

export interface KernelVmOptions {
  /** argv, run with `cwd` inside the guest (paths are the host's: its root is shared). */
  command: string[];
  cwd: string;
  env?: Record<string, string>;
  /** Guest memory; default 1536 MiB. */
  memoryMiB?: number;
  /** From boot to power-off; default 10 minutes. */
  timeoutMs?: number;
  /** Each console line as it arrives (progress for a long run). */
  onLine?: (line: string) => void;
}

export interface KernelVmResult {
  /** The command's exit status, or null when the guest never said (it crashed or timed out). */
  code: number | null;
  /** The guest's console: the command's stdout and stderr, and what the kernel printed. */
  output: string;
  kernel: string;
}

const EXIT_MARK = 'HOLDFAST-VM-EXIT';
// The modules virtio-9p needs on a Debian kernel, loaded with their dependencies first.
const WANTED_MODULES = ['virtio_pci', '9pnet_virtio', '9p'];

interface Kernel {
  version: string;
  image: string;
  /** Module files (host paths) in load order. */
  modules: string[];
}

function findKernel(): Kernel | string {
  let images: string[];
  try {
    images = readdirSync('/boot')
      .filter((f) => f.startsWith('vmlinuz-'))
      .sort()
      .reverse();
  } catch {
    images = [];
  }
  if (images.length === 0) return 'no kernel image in /boot (apt-get install linux-image-amd64)';
  for (const image of images) {
    const version = image.slice('vmlinuz-'.length);
    const base = `/lib/modules/${version}`;
    if (!existsSync(join(base, 'modules.dep'))) continue;
    const deps = new Map<string, string[]>();
    for (const line of readFileSync(join(base, 'modules.dep'), 'utf8').split('\n')) {
      const [mod, rest] = line.split(':');
      if (mod && rest !== undefined) deps.set(mod, rest.trim().split(/\s+/).filter(Boolean));
    }
    const byName = new Map(
      [...deps.keys()].map((p) => [
        p
          .split('/')
          .pop()!
          .replace(/\.ko(\.\w+)?$/, ''),
        p,
      ]),
    );
    const order: string[] = [];
    // modules.dep lists every dependency (transitively), but not in load order: visit depth-first.
    const visit = (path: string): void => {
      if (order.includes(path)) return;
      for (const d of deps.get(path) ?? []) visit(d);
      order.push(path);
    };
    const missing = WANTED_MODULES.filter((m) => !byName.has(m));
    if (missing.length) continue;
    for (const m of WANTED_MODULES) visit(byName.get(m)!);
    const compressed = order.find((p) => !p.endsWith('.ko'));
    if (compressed) return `kernel ${version} ships compressed modules (${compressed}); busybox insmod needs plain .ko files`;
    return { version, image: join('/boot', image), modules: order.map((p) => join(base, p)) };
  }
  return `no kernel in /boot has its modules (virtio_pci, 9pnet_virtio, 9p) under /lib/modules`;
}

function which(cmd: string): string | undefined {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/** Why a kernel VM cannot run here (and what to install), or undefined when it can. */
export function kernelVmProblem(): string | undefined {
  if (process.arch !== 'x64') return `kernel VMs are set up for x86-64 hosts, this one is ${process.arch}`;
  if (process.getuid?.() !== 0) return 'needs root (the shared root file system must be readable as root in the guest)';
  if (!which('qemu-system-x86_64')) return 'qemu-system-x86_64 is not installed (apt-get install qemu-system-x86)';
  if (!existsSync('/bin/busybox') || !spawnSync('/bin/busybox', ['--list'], { encoding: 'utf8' }).stdout?.includes('insmod')) {
    return 'no static busybox with insmod at /bin/busybox (apt-get install busybox-static)';
  }
  const k = findKernel();
  return typeof k === 'string' ? k : undefined;
}

const quote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

/** The host paths under the guest's fresh /tmp and /run that must stay visible: a checkout in /tmp. */
function hiddenByTmpfs(path: string): boolean {
  return /^\/(tmp|run)(\/|$)/.test(path);
}

function initScript(modules: string[], keep: string[]): string {
  const B = '/bin/busybox';
  const cg = '/host/sys/fs/cgroup';
  // A kept path is bound aside before the tmpfs mounts cover it, then bound back over them.
  const aside = keep.map((p, i) => `${B} mkdir -p /keep${i}; ${B} mount --bind ${quote(`/host${p}`)} /keep${i}`);
  const back = keep.map((p, i) => `${B} mkdir -p ${quote(`/host${p}`)}; ${B} mount --bind /keep${i} ${quote(`/host${p}`)}`);
  return [
    `#!${B} sh`,
    `${B} mount -t proc proc /proc; ${B} mount -t sysfs sys /sys; ${B} mount -t devtmpfs dev /dev`,
    ...modules.map((m) => `${B} insmod /mods/${m.split('/').pop()} || echo "insmod ${m.split('/').pop()} failed"`),
    `${B} mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=262144,cache=loose hostroot /host || { echo ` +
      `"${EXIT_MARK} 125 (9p mount failed)"; ${B} poweroff -f; }`,
    `${B} mount --bind /proc /host/proc; ${B} mount --bind /dev /host/dev; ${B} mount -t sysfs sys /host/sys`,
    ...aside,
    `${B} mount -t tmpfs tmp /host/tmp; ${B} mount -t tmpfs run /host/run`,
    `${B} mkdir -p /host/dev/shm; ${B} mount -t tmpfs shm /host/dev/shm`,
    ...back,
    `${B} mount -t cgroup2 cgroup2 ${cg}`,
    `${B} ip link set lo up`,
    // Every controller the kernel offers, delegated to the command's own cgroup (systemd's Delegate=yes).
    `for c in $(${B} cat ${cg}/cgroup.controllers); do echo "+$c" > ${cg}/cgroup.subtree_control; done`,
    `${B} mkdir ${cg}/holdfast-test.service && echo $$ > ${cg}/holdfast-test.service/cgroup.procs`,
    `${B} cp /run.sh /host/tmp/holdfast-vm-run.sh`,
    `${B} chroot /host /bin/sh /tmp/holdfast-vm-run.sh`,
    `echo "${EXIT_MARK} $?"`,
    `${B} sync; ${B} poweroff -f`,
    '',
  ].join('\n');
}

function buildInitramfs(dir: string, kernel: Kernel, opts: KernelVmOptions): string {
  const root = join(dir, 'initramfs');
  for (const d of ['bin', 'mods', 'host', 'proc', 'sys', 'dev']) mkdirSync(join(root, d), { recursive: true });
  copyFileSync('/bin/busybox', join(root, 'bin', 'busybox'));
  for (const m of kernel.modules) copyFileSync(m, join(root, 'mods', m.split('/').pop()!));
  writeFileSync(join(root, 'init'), initScript(kernel.modules, hiddenByTmpfs(opts.cwd) ? [opts.cwd] : []));
  chmodSync(join(root, 'init'), 0o755);
  const env = { PATH: '/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', HOME: '/tmp', TMPDIR: '/tmp', LANG: 'C.UTF-8', ...opts.env };
  const exports = Object.entries(env).map(([k, v]) => `export ${k}=${quote(v)}`);
  writeFileSync(join(root, 'run.sh'), [...exports, `cd ${quote(opts.cwd)} || exit 126`, opts.command.map(quote).join(' '), ''].join('\n'));
  const image = join(dir, 'initramfs.cpio.gz');
  const r = spawnSync('sh', ['-c', `cd ${quote(root)} && find . | cpio -o -H newc --quiet | gzip -1 > ${quote(image)}`], {
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`building the initramfs failed (cpio and gzip needed): ${r.stderr}`);
  return image;
}

/**
 * Boots a VM, runs `command` in it, and resolves when the guest powers off. Throws when the VM
 * cannot run here (call kernelVmProblem() first to fail the test with the reason); QEMU is
 * killed when the test ends.
 */
export async function runInKernelVm(t: Pick<TestContext, 'after'>, opts: KernelVmOptions): Promise<KernelVmResult> {
  const problem = kernelVmProblem();
  if (problem) throw new Error(`cannot run a kernel VM here: ${problem}`);
  const kernel = findKernel() as Kernel;
  const dir = tempDir(t, 'hf-vm-');
  const initrd = buildInitramfs(dir, kernel, opts);
  const accel = process.env.HOLDFAST_VM_ACCEL === 'kvm' ? ['-accel', 'kvm', '-cpu', 'host'] : ['-accel', 'tcg'];
  const args = [
    ...accel,
    '-m',
    String(opts.memoryMiB ?? 1536),
    '-smp',
    '2',
    '-nodefaults',
    '-no-user-config',
    '-display',
    'none',
    '-serial',
    'stdio',
    '-no-reboot',
    '-kernel',
    kernel.image,
    '-initrd',
    initrd,
    '-append',
    'console=ttyS0 loglevel=1 panic=-1',
    '-virtfs',
    'local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap',
  ];
  const qemu = spawn('qemu-system-x86_64', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  cleanup(t, () => {
    if (qemu.exitCode === null && qemu.signalCode === null) qemu.kill('SIGKILL');
  });
  let output = '';
  let partial = '';
  const onData = (chunk: Buffer) => {
    const s = chunk.toString('utf8').replaceAll('\r', '');
    output += s;
    partial += s;
    const lines = partial.split('\n');
    partial = lines.pop() ?? '';
    for (const l of lines) opts.onLine?.(l);
  };
  qemu.stdout.on('data', onData);
  qemu.stderr.on('data', onData);
  const timeoutMs = opts.timeoutMs ?? 600_000;
  const timer = setTimeout(() => qemu.kill('SIGKILL'), timeoutMs);
  await new Promise<void>((resolve) => qemu.once('close', () => resolve()));
  clearTimeout(timer);
  const m = new RegExp(`${EXIT_MARK} (\\d+)`).exec(output);
  if (!m && qemu.signalCode === 'SIGKILL') output += `\n[kernel-vm] killed after ${timeoutMs} ms without an exit status`;
  return { code: m ? Number(m[1]) : null, output, kernel: kernel.version };
}
