// The folders a workflow input may make this worker touch. Anyone who may start a workflow chooses its
// paths (workspace, dataset, a submission's labels, a TAO model), so the worker checks each one, symlinks
// resolved, against roots from its own environment:
//   POMONA_WORKSPACE_ROOTS  where workspaces may be (written to), e.g. /srv/pomona/workspaces
//   POMONA_DATA_ROOTS       where datasets, submitted labels and TAO models may be (read); labels may
//                           also come from a workspace (Label Studio's, which pomona writes there)
// Each is a list separated by ":"; unset means anywhere, which keeps a laptop's demo and README working
// (the production manifests set both: infra/). A path outside is a non-retryable PathNotAllowed.
import { ApplicationFailure } from '@temporalio/activity';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { ErrorType } from '../core/errors';

export const WORKSPACE_ROOTS_ENV = 'POMONA_WORKSPACE_ROOTS';
export const DATA_ROOTS_ENV = 'POMONA_DATA_ROOTS';

export type RootKind = typeof WORKSPACE_ROOTS_ENV | typeof DATA_ROOTS_ENV;

/** The roots named by `kind` in this worker's environment, or null (anywhere) when it is unset or empty. */
export function allowedRoots(kind: RootKind, env: NodeJS.ProcessEnv = process.env): string[] | null {
  const roots = (env[kind] ?? '').split(':').filter(Boolean);
  return roots.length ? roots.map((r) => path.resolve(r)) : null;
}

/** `p` with every symlink resolved; a path that does not exist yet resolves through its nearest existing parent. */
async function resolved(p: string): Promise<string> {
  const absolute = path.resolve(p);
  const rest: string[] = [];
  let at = absolute;
  for (;;) {
    try {
      return path.join(await fs.realpath(at), ...rest);
    } catch {
      const parent = path.dirname(at);
      if (parent === at) return absolute;
      rest.unshift(path.basename(at));
      at = parent;
    }
  }
}

const inside = (p: string, root: string) => {
  const rel = path.relative(root, p);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
};

/**
 * The reason `p` may not be used (for `field`), or null when it lies under an allowed root of one of
 * `kinds` (a kind left unset allows anything).
 */
export async function outsideRoots(p: string, field: string, kinds: RootKind | RootKind[]): Promise<string | null> {
  const named = (Array.isArray(kinds) ? kinds : [kinds]).map((kind) => ({ kind, roots: allowedRoots(kind) }));
  if (named.some((n) => !n.roots)) return null;
  const real = await resolved(p);
  const realRoots = await Promise.all(named.flatMap((n) => n.roots!).map(resolved));
  if (realRoots.some((root) => inside(real, root))) return null;
  const shown = real === path.resolve(p) ? p : `${p} (resolved: ${real})`;
  const settings = named.map((n) => `${n.kind}=${n.roots!.join(':')}`).join(', ');
  return `${field}: ${shown} is outside the folders this worker may use (${settings})`;
}

/** Throws PathNotAllowed (non-retryable) when `p` is outside the allowed roots of `kinds`. */
export async function requireUnderRoots(p: string, field: string, kinds: RootKind | RootKind[]): Promise<void> {
  const reason = await outsideRoots(p, field, kinds);
  if (reason) throw ApplicationFailure.create({ type: ErrorType.PathNotAllowed, nonRetryable: true, message: reason });
}
