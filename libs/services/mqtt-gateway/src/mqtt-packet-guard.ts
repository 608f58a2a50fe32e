import { isUtf8 } from 'node:buffer';
import type { Client } from 'aedes';

type PacketParser = {
  _parseLength(): boolean;
  _parseString(): string | null;
  _parseNum(): number;
  _list: { slice(start: number, end: number): Buffer };
  _pos: number;
  packet: { length: number };
  _emitError(e: Error): void;
  prependListener(
    event: 'packet',
    listener: (packet: { cmd: string; subscriptions?: { qos: number }[] }) => void,
  ): void;
};

/**
 * Three rules applied where aedes's parser reads packets, before aedes sees them:
 * - a string (client id, username, topic, filter) that is not well-formed UTF-8 or holds U+0000 is a protocol
 *   error that closes the connection (MQTT 3.1.1 §1.5.3); mqtt-packet would decode it with replacement characters;
 * - mqtt-packet buffers a whole packet before parsing it and has no size limit of its own: a packet announcing more
 *   than `max` bytes is an error as soon as its header is read, before its body is buffered;
 * - a SUBSCRIBE asking for QoS 2 is granted QoS 1 (spec 01 §3.1 [Rec]; downlinks are QoS 0 or 1): aedes would grant
 *   what was asked, so the request is lowered first.
 */
export function guardParser(client: Client, max: number): void {
  const parser = (client as unknown as { _parser: PacketParser })._parser;
  const parseLength = parser._parseLength.bind(parser);
  parser._parseLength = () => {
    const ok = parseLength();
    if (ok && parser.packet.length > max) {
      parser._emitError(
        new Error(`packet too large: ${parser.packet.length} bytes announced, ${max} allowed`),
      );
      return false;
    }
    return ok;
  };
  const parseString = parser._parseString.bind(parser);
  parser._parseString = () => {
    const start = parser._pos;
    const length = parser._parseNum();
    parser._pos = start;
    if (length > 0) {
      const bytes = parser._list.slice(start + 2, start + 2 + length);
      if (bytes.length === length && (!isUtf8(bytes) || bytes.includes(0))) {
        parser._emitError(new Error('malformed UTF-8 string'));
        return null;
      }
    }
    return parseString();
  };
  parser.prependListener('packet', (packet) => {
    if (packet.cmd !== 'subscribe') return;
    for (const sub of packet.subscriptions ?? []) if (sub.qos > 1) sub.qos = 1;
  });
}
