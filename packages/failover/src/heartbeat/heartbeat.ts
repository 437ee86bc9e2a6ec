// Peer heartbeats over UDP: every node tells its peers its role, token and health, signed with
// HMAC-SHA256 under a key id. They are ADVISORY: they feed `holdfast failover status`, the
// campaign delay by priority and the switchover health check, and never grant or keep
// leadership (only the coordinator does). Forged, malformed, unknown-key and replayed packets
// are dropped and counted by reason.
import { createSocket, type Socket } from 'node:dgram';
import { EventEmitter } from 'node:events';
import { isIPv6 } from 'node:net';
import type { Clock, Timer } from '../clock.ts';
import { FailoverError } from '../errors.ts';
import { decodePacket, encodePacket, type DecodeError, type HeartbeatBody } from './packet.ts';
import { ReplayWindow } from './replay-window.ts';

export interface HeartbeatPeer {
  node: string;
  host: string;
  port: number;
}

export interface HeartbeatOptions {
  cluster: string;
  node: string;
  listen: { host: string; port: number };
  peers: HeartbeatPeer[];
  /** Accepted keys by id; the first (or `sendKeyId`) signs what we send. */
  keys: { id: string; secret: Buffer }[];
  sendKeyId?: string;
  intervalMs: number;
  /** A peer unheard for this long is reported down (default 3 intervals). */
  deadAfterMs?: number;
  clock: Clock;
  /** What we announce, read at each send. */
  local: () => Omit<HeartbeatBody, 'cluster' | 'node' | 'seq'>;
}

export type DropReason = DecodeError | 'replay' | 'wrong_cluster' | 'unknown_peer' | 'self';

export interface PeerStatus {
  node: string;
  address: string;
  alive: boolean;
  lastSeenMsAgo: number | null;
  role: string | null;
  token: number | null;
  healthy: boolean | null;
  priority: number | null;
  leader: string | null;
}

interface PeerState {
  config: HeartbeatPeer;
  window: ReplayWindow;
  lastSeen: number | null;
  body: HeartbeatBody | null;
  alive: boolean;
}

export class Heartbeats extends EventEmitter<{ drop: [DropReason, string]; peer: [PeerStatus] }> {
  readonly #o: HeartbeatOptions;
  readonly #keys: Map<string, Buffer>;
  readonly #sendKey: { id: string; secret: Buffer };
  readonly #peers = new Map<string, PeerState>();
  readonly #deadAfter: number;
  readonly counters = {
    sent: 0,
    accepted: 0,
    send_errors: 0,
    dropped: { malformed: 0, unknown_key: 0, bad_mac: 0, replay: 0, wrong_cluster: 0, unknown_peer: 0, self: 0 } as Record<
      DropReason,
      number
    >,
  };
  #socket: Socket | null = null;
  #timer: Timer | null = null;
  /**
   * Sequence numbers start at the wall-clock time of this start in µs, so a restarted sender
   * continues above its old numbers and peers' replay windows accept it. This is the one use of
   * the wall clock in the package, for replay protection of advisory packets only: a clock
   * stepped back across a restart makes peers drop (and count) our heartbeats until it catches
   * up, and leadership does not notice.
   */
  #seq = Date.now() * 1000;

  constructor(options: HeartbeatOptions) {
    super();
    this.#o = options;
    if (options.keys.length === 0) throw new FailoverError('HOLDFAST_E_CONFIG', 'heartbeat needs at least one key');
    this.#keys = new Map(options.keys.map((k) => [k.id, k.secret]));
    const send = options.sendKeyId ?? options.keys[0]!.id;
    const secret = this.#keys.get(send);
    if (!secret)
      throw new FailoverError(
        'HOLDFAST_E_CONFIG',
        `heartbeat.sendKeyId '${send}' is not among the keys (${[...this.#keys.keys()].join(', ')})`,
      );
    this.#sendKey = { id: send, secret };
    this.#deadAfter = options.deadAfterMs ?? options.intervalMs * 3;
    for (const p of options.peers)
      this.#peers.set(p.node, { config: p, window: new ReplayWindow(), lastSeen: null, body: null, alive: false });
  }

  async start(): Promise<void> {
    const socket = createSocket({ type: isIPv6(this.#o.listen.host) ? 'udp6' : 'udp4' });
    socket.on('message', (msg, rinfo) => this.receive(msg, `${rinfo.address}:${rinfo.port}`));
    socket.on('error', () => {});
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(this.#o.listen.port, this.#o.listen.host, () => {
        socket.off('error', reject);
        resolve();
      });
    }).catch((err: Error) => {
      socket.close();
      throw new FailoverError(
        'HOLDFAST_E_CONFIG',
        `heartbeat cannot listen on ${this.#o.listen.host}:${this.#o.listen.port}: ${err.message}. Pick a free port in heartbeat.listen`,
        {},
        { cause: err },
      );
    });
    this.#socket = socket;
    this.#loop();
  }

  /** The bound UDP port (useful when listening on port 0). */
  get port(): number {
    return this.#socket?.address().port ?? 0;
  }

  async stop(): Promise<void> {
    this.#timer?.cancel();
    this.#timer = null;
    const s = this.#socket;
    this.#socket = null;
    if (s) await new Promise<void>((r) => s.close(() => r()));
  }

  /** Sends one heartbeat to every peer now (also called on role changes, for faster observation). */
  send(): void {
    const socket = this.#socket;
    if (!socket) return;
    const body: HeartbeatBody = { cluster: this.#o.cluster, node: this.#o.node, seq: ++this.#seq, ...this.#o.local() };
    const packet = encodePacket(body, this.#sendKey.id, this.#sendKey.secret);
    for (const p of this.#peers.values()) {
      socket.send(packet, p.config.port, p.config.host, (err) => {
        if (err) this.counters.send_errors++;
        else this.counters.sent++;
      });
    }
  }

  /** Handles one datagram (public for tests that inject packets). */
  receive(packet: Buffer, from: string): void {
    const decoded = decodePacket(packet, this.#keys);
    if (!decoded.ok) return this.#drop(decoded.error, from);
    const body = decoded.body;
    if (body.cluster !== this.#o.cluster) return this.#drop('wrong_cluster', from);
    if (body.node === this.#o.node) return this.#drop('self', from);
    const peer = this.#peers.get(body.node);
    if (!peer) return this.#drop('unknown_peer', from);
    if (!peer.window.accept(body.seq)) return this.#drop('replay', from);
    this.counters.accepted++;
    peer.lastSeen = this.#o.clock.now();
    peer.body = body;
    if (!peer.alive) {
      peer.alive = true;
      this.emit('peer', this.#status(peer));
    }
  }

  peers(): PeerStatus[] {
    this.#sweep();
    return [...this.#peers.values()].map((p) => this.#status(p));
  }

  /** Advisory: is `node` alive and reporting healthy? undefined when heartbeats know nothing of it. */
  peerHealthy(node: string): boolean | undefined {
    this.#sweep();
    const p = this.#peers.get(node);
    if (!p || p.lastSeen === null) return undefined;
    return p.alive && p.body?.healthy === true;
  }

  /** Live, healthy peers with a priority above `priority` (for the campaign delay). */
  higherPriorityAlive(priority: number): number {
    this.#sweep();
    return [...this.#peers.values()].filter((p) => p.alive && p.body?.healthy && p.body.priority > priority).length;
  }

  #loop(): void {
    this.send();
    this.#sweep();
    this.#timer = this.#o.clock.setTimeout(() => this.#loop(), this.#o.intervalMs);
  }

  #sweep(): void {
    const now = this.#o.clock.now();
    for (const p of this.#peers.values()) {
      if (p.alive && p.lastSeen !== null && now - p.lastSeen > this.#deadAfter) {
        p.alive = false;
        this.emit('peer', this.#status(p));
      }
    }
  }

  #drop(reason: DropReason, from: string): void {
    this.counters.dropped[reason]++;
    this.emit('drop', reason, from);
  }

  #status(p: PeerState): PeerStatus {
    return {
      node: p.config.node,
      address: `${p.config.host}:${p.config.port}`,
      alive: p.alive,
      lastSeenMsAgo: p.lastSeen === null ? null : Math.round(this.#o.clock.now() - p.lastSeen),
      role: p.body?.role ?? null,
      token: p.body?.token ?? null,
      healthy: p.body?.healthy ?? null,
      priority: p.body?.priority ?? null,
      leader: p.body?.leader ?? null,
    };
  }
}
