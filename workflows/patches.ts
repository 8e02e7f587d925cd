// Patch ids of the activeLearningLoop workflow (workflow versioning, `patched()`): each marks a change that
// histories recorded before it must still replay through. Here so tests/replay can list them without the workflow.

/** Marks the change that pauses a loop on a failed training instead of failing it (workflow versioning). */
export const TRAINING_FAILURE_PAUSES = 'training-failure-pauses-loop';
/** Marks the change that bounds embedding and inference retries and pauses the loop when they are spent. */
export const EMBED_INFER_FAILURE_PAUSES = 'embed-infer-failure-pauses-loop';
/** Marks the change that fails the submitAnnotations update for a submission that was not imported (it answered ok: false). */
export const SUBMISSION_REJECTION_FAILS_UPDATE = 'submission-rejection-fails-update';
/** Marks the change that parses the config once, in a local activity, instead of on every replay of the first run. */
export const CONFIG_PARSED_ONCE = 'config-parsed-once';
/** Marks the change that pushes the project into LightlyStudio after selection, inference and the last evaluation (`lightly.enabled`). */
export const LIGHTLY_STUDIO_PUSH = 'lightly-studio-push';
/** Marks the change that infers on the pool in shards over every GPU worker, in a child workflow (`shards.images`). */
export const POOL_INFERENCE_SHARDS = 'pool-inference-shards';
/** Marks the change that embeds the pool in shards over every GPU worker, in a child workflow (`shards.images`). */
export const POOL_EMBEDDING_SHARDS = 'pool-embedding-shards';
/** Every patch id the workflow uses: tests/replay requires a stored history of each. */
export const PATCH_IDS = [
  TRAINING_FAILURE_PAUSES,
  EMBED_INFER_FAILURE_PAUSES,
  SUBMISSION_REJECTION_FAILS_UPDATE,
  CONFIG_PARSED_ONCE,
  LIGHTLY_STUDIO_PUSH,
  POOL_INFERENCE_SHARDS,
  POOL_EMBEDDING_SHARDS,
] as const;
