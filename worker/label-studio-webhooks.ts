// The webhook receiver: Label Studio POSTs each annotation change to <base>/<workflow id> (the hand-off
// registers that URL, with the shared secret in a header, when the CPU worker's environment names the
// receiver); the receiver checks the secret and signals the loop labelStudioChanged, which reads the batch
// back at once. Label Studio neither signs nor retries webhooks, so they are hints: the loop also polls.
// Trust: only requests carrying the secret signal (403 otherwise), bodies over 1 MiB are refused (413), and
// the receiver listens on loopback unless given a host. A replayed request only makes the loop read the
// batch back once more, which imports nothing twice (the read-back is idempotent).
import type { Client } from '@temporalio/client';
import * as crypto from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WEBHOOK_SECRET_HEADER } from '../activities/label-studio/hand-off';
import { labelStudioChanged, type LabelStudioChange } from '../workflows/messages';

const MAX_BODY_BYTES = 1 << 20;

export interface WebhookReceiverOptions {
  client: Client;
  secret: string;
  port: number;
  host?: string;
  /** The path prefix before the workflow id (default /label-studio). */
  prefix?: string;
  log?: (line: string) => void;
}

export interface WebhookReceiver {
  /** The base URL to set as POMONA_LABEL_STUDIO_WEBHOOK_URL in the CPU worker's environment. */
  url: string;
  close(): Promise<void>;
}

function sameSecret(given: string | string[] | undefined, secret: string): boolean {
  if (typeof given !== 'string') return false;
  const a = crypto.createHash('sha256').update(given).digest();
  const b = crypto.createHash('sha256').update(secret).digest();
  return crypto.timingSafeEqual(a, b);
}

/** What the loop is told: the action and task id, when the payload has them (delete events carry ids only). */
function change(body: string): LabelStudioChange {
  try {
    const payload = JSON.parse(body) as { action?: unknown; task?: { id?: unknown }; annotation?: { task?: unknown } };
    const action = typeof payload.action === 'string' ? payload.action : undefined;
    const task = payload.task?.id ?? payload.annotation?.task;
    return { action, ...(typeof task === 'number' ? { taskId: task } : {}) };
  } catch {
    return {};
  }
}

export async function startWebhookReceiver(options: WebhookReceiverOptions): Promise<WebhookReceiver> {
  if (!options.secret) throw new Error('the webhook receiver needs a shared secret');
  const prefix = (options.prefix ?? '/label-studio').replace(/\/+$/, '');
  const log = options.log ?? ((line: string) => console.error(line));
  const server = http.createServer((req, res) => {
    const answer = (status: number, text: string) => {
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end(text + '\n');
    };
    const url = new URL(req.url ?? '/', 'http://receiver');
    if (req.method !== 'POST' || !url.pathname.startsWith(`${prefix}/`)) return answer(404, 'not a pomona webhook');
    if (!sameSecret(req.headers[WEBHOOK_SECRET_HEADER.toLowerCase()], options.secret))
      return answer(403, 'wrong or missing secret');
    const workflowId = decodeURIComponent(url.pathname.slice(prefix.length + 1));
    let body = '';
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) body += chunk.toString('utf8');
    });
    req.on('end', () => {
      if (size > MAX_BODY_BYTES) return answer(413, `body over ${MAX_BODY_BYTES} bytes`);
      const told = change(body);
      options.client.workflow
        .getHandle(workflowId)
        .signal(labelStudioChanged, told)
        .then(() => {
          log(`[webhooks] ${workflowId}: ${told.action ?? 'change'}${told.taskId ? ` (task ${told.taskId})` : ''}`);
          answer(200, 'ok');
        })
        .catch((err: Error) => {
          log(`[webhooks] ${workflowId}: not signalled: ${err.message}`);
          answer(err.name === 'WorkflowNotFoundError' ? 404 : 502, err.message);
        });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}${prefix}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
