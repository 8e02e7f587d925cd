// Encryption of every payload pomona sends through Temporal (workflow inputs, results, signals, queries,
// activity inputs and outputs), so that paths and configs naming customers' data are not readable on the
// server or in its database. AES-256-GCM with a random 96-bit nonce per payload; the key comes from the
// environment of each worker and CLI (never from a workflow input):
//   POMONA_PAYLOAD_KEY      32 bytes, base64 (`openssl rand -base64 32`)
//   POMONA_PAYLOAD_KEY_ID   a name for it, stored beside each payload (default "default"), for rotation
// Unset: payloads go as they are (the dev server on a laptop). The Web UI and `temporal` CLI show encrypted
// payloads as such unless pointed at a codec server that runs this codec.
import type { Payload, PayloadCodec } from '@temporalio/common';
import * as crypto from 'node:crypto';

export const PAYLOAD_KEY_ENV = 'POMONA_PAYLOAD_KEY';
export const PAYLOAD_KEY_ID_ENV = 'POMONA_PAYLOAD_KEY_ID';
export const ENCRYPTED_ENCODING = 'binary/encrypted';
const KEY_ID = 'encryption-key-id';
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

/** The payload as bytes: its metadata and data in a small JSON envelope (both base64). */
function serialize(payload: Payload): Buffer {
  const metadata = Object.fromEntries(
    Object.entries(payload.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v ?? new Uint8Array()).toString('base64')]),
  );
  return Buffer.from(
    JSON.stringify({ metadata, data: Buffer.from(payload.data ?? new Uint8Array()).toString('base64') }),
  );
}

function deserialize(bytes: Buffer): Payload {
  const { metadata, data } = JSON.parse(bytes.toString('utf8')) as { metadata: Record<string, string>; data: string };
  return {
    metadata: Object.fromEntries(Object.entries(metadata).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
    data: Buffer.from(data, 'base64'),
  };
}

export class AesGcmPayloadCodec implements PayloadCodec {
  constructor(
    private readonly key: Buffer,
    private readonly keyId: string,
  ) {
    if (key.length !== 32) throw new Error(`${PAYLOAD_KEY_ENV}: need 32 bytes (base64), got ${key.length}`);
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const nonce = crypto.randomBytes(NONCE_BYTES);
      const cipher = crypto.createCipheriv('aes-256-gcm', this.key, nonce);
      const sealed = Buffer.concat([cipher.update(serialize(payload)), cipher.final()]);
      return {
        metadata: { encoding: Buffer.from(ENCRYPTED_ENCODING), [KEY_ID]: Buffer.from(this.keyId) },
        data: Buffer.concat([nonce, sealed, cipher.getAuthTag()]),
      };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      if (Buffer.from(payload.metadata?.encoding ?? []).toString() !== ENCRYPTED_ENCODING) return payload;
      const keyId = Buffer.from(payload.metadata?.[KEY_ID] ?? []).toString();
      if (keyId !== this.keyId)
        throw new Error(`a payload encrypted with key "${keyId}", but ${PAYLOAD_KEY_ID_ENV} is "${this.keyId}"`);
      const data = Buffer.from(payload.data ?? []);
      const decipher = crypto.createDecipheriv('aes-256-gcm', this.key, data.subarray(0, NONCE_BYTES));
      decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
      try {
        return deserialize(
          Buffer.concat([decipher.update(data.subarray(NONCE_BYTES, data.length - TAG_BYTES)), decipher.final()]),
        );
      } catch (err) {
        throw new Error(
          `a payload of key "${keyId}" does not decrypt with ${PAYLOAD_KEY_ENV}: a wrong key, or altered`,
          {
            cause: err,
          },
        );
      }
    });
  }
}

/** The codecs the environment asks for: none, or the AES-GCM codec with its key. */
export function payloadCodecsFromEnv(env: NodeJS.ProcessEnv = process.env): PayloadCodec[] {
  const key = env[PAYLOAD_KEY_ENV];
  if (!key) return [];
  return [new AesGcmPayloadCodec(Buffer.from(key, 'base64'), env[PAYLOAD_KEY_ID_ENV] || 'default')];
}
