// The heartbeat wire format: a small signed datagram.
//
//   "HFHB" | version (1) | key id length (1) | key id | body length (uint16 BE) | body (JSON) | HMAC-SHA256 (32)
//
// The MAC covers every byte before it, under the secret named by the key id (several keys may
// be accepted at once, so keys rotate without downtime). Heartbeats are advisory: nothing in a
// body ever grants leadership, so the format only has to keep forgeries and replays out of the
// status and the campaign-delay hints.
import { createHmac, timingSafeEqual } from 'node:crypto';

const MAGIC = Buffer.from('HFHB');
const VERSION = 1;
const MAC_BYTES = 32;

export interface HeartbeatBody {
  cluster: string;
  node: string;
  /** Strictly increasing per sender (see heartbeat.ts for how it survives restarts). */
  seq: number;
  role: string;
  /** The sender's fencing token when it leads. */
  token: number | null;
  healthy: boolean;
  priority: number;
  /** Whom the sender believes leads (advisory). */
  leader: string | null;
}

export type DecodeError = 'malformed' | 'unknown_key' | 'bad_mac';

export function encodePacket(body: HeartbeatBody, keyId: string, secret: Buffer): Buffer {
  const kid = Buffer.from(keyId, 'utf8');
  const json = Buffer.from(JSON.stringify(body), 'utf8');
  if (kid.length < 1 || kid.length > 255) throw new RangeError('key id must be 1–255 bytes');
  if (json.length > 0xffff) throw new RangeError('heartbeat body too large');
  const head = Buffer.alloc(MAGIC.length + 2);
  MAGIC.copy(head, 0);
  head[4] = VERSION;
  head[5] = kid.length;
  const len = Buffer.alloc(2);
  len.writeUInt16BE(json.length);
  const signed = Buffer.concat([head, kid, len, json]);
  return Buffer.concat([signed, createHmac('sha256', secret).update(signed).digest()]);
}

/** Verifies and parses a datagram; the MAC is checked (in constant time) before the body is parsed. */
export function decodePacket(
  packet: Buffer,
  keys: ReadonlyMap<string, Buffer>,
): { ok: true; body: HeartbeatBody; keyId: string } | { ok: false; error: DecodeError } {
  if (packet.length < MAGIC.length + 2 + 1 + 2 + MAC_BYTES || !packet.subarray(0, 4).equals(MAGIC) || packet[4] !== VERSION) {
    return { ok: false, error: 'malformed' };
  }
  const kidLen = packet[5]!;
  const kidEnd = 6 + kidLen;
  if (packet.length < kidEnd + 2 + MAC_BYTES) return { ok: false, error: 'malformed' };
  const bodyLen = packet.readUInt16BE(kidEnd);
  const bodyEnd = kidEnd + 2 + bodyLen;
  if (packet.length !== bodyEnd + MAC_BYTES) return { ok: false, error: 'malformed' };
  const keyId = packet.subarray(6, kidEnd).toString('utf8');
  const secret = keys.get(keyId);
  if (!secret) return { ok: false, error: 'unknown_key' };
  const expected = createHmac('sha256', secret).update(packet.subarray(0, bodyEnd)).digest();
  if (!timingSafeEqual(expected, packet.subarray(bodyEnd))) return { ok: false, error: 'bad_mac' };
  try {
    const b = JSON.parse(packet.subarray(kidEnd + 2, bodyEnd).toString('utf8')) as Partial<HeartbeatBody>;
    if (typeof b.cluster !== 'string' || typeof b.node !== 'string' || !Number.isSafeInteger(b.seq) || (b.seq as number) < 0) {
      return { ok: false, error: 'malformed' };
    }
    return {
      ok: true,
      keyId,
      body: {
        cluster: b.cluster,
        node: b.node,
        seq: b.seq as number,
        role: typeof b.role === 'string' ? b.role : 'unknown',
        token: typeof b.token === 'number' ? b.token : null,
        healthy: b.healthy === true,
        priority: typeof b.priority === 'number' ? b.priority : 0,
        leader: typeof b.leader === 'string' ? b.leader : null,
      },
    };
  } catch {
    return { ok: false, error: 'malformed' };
  }
}
