// How pomona reaches Temporal, from the environment: the same variables for workers and the CLI, so a
// cluster (address, namespace, mTLS or API key) is configured once. Defaults to the local dev server.
import type { PayloadCodec } from '@temporalio/common';
import * as fs from 'node:fs';
import { payloadCodecsFromEnv } from './payload-codec';

export interface TemporalTarget {
  address: string;
  namespace: string;
  tls?:
    | { clientCertPair?: { crt: Buffer; key: Buffer }; serverRootCACertificate?: Buffer; serverNameOverride?: string }
    | true;
  apiKey?: string;
  /** Payload encryption (worker/payload-codec.ts); empty when the environment names no key. */
  payloadCodecs: PayloadCodec[];
}

export function temporalTargetFromEnv(env: NodeJS.ProcessEnv = process.env): TemporalTarget {
  const target: TemporalTarget = {
    address: env.TEMPORAL_ADDRESS ?? 'localhost:7233',
    namespace: env.TEMPORAL_NAMESPACE ?? 'default',
    payloadCodecs: payloadCodecsFromEnv(env),
  };
  const cert = env.TEMPORAL_TLS_CERT;
  const key = env.TEMPORAL_TLS_KEY;
  if (Boolean(cert) !== Boolean(key)) throw new Error('TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY must be set together');
  if (cert && key) {
    target.tls = {
      clientCertPair: { crt: fs.readFileSync(cert), key: fs.readFileSync(key) },
      ...(env.TEMPORAL_TLS_CA ? { serverRootCACertificate: fs.readFileSync(env.TEMPORAL_TLS_CA) } : {}),
      ...(env.TEMPORAL_TLS_SERVER_NAME ? { serverNameOverride: env.TEMPORAL_TLS_SERVER_NAME } : {}),
    };
  }
  if (env.TEMPORAL_API_KEY) {
    target.apiKey = env.TEMPORAL_API_KEY;
    target.tls ??= true;
  }
  return target;
}
