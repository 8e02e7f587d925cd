// pomona's error vocabulary: the ApplicationFailure type of every error an activity raises on purpose, in
// one place for the code that raises it and for the workflow's non-retryable list. Pure constants, safe in
// workflow code. The update's own failure types (InvalidSubmission, ...) are in workflows/messages.ts.
export const ErrorType = {
  /** The loop's config is refused: by the schema, or its project belongs to an earlier loop. */
  InvalidConfig: 'InvalidConfig',
  /** An activity's input cannot be worked on: no usable images, missing embeddings, a model without its spec. */
  InvalidInput: 'InvalidInput',
  /** A folder the config names (dataset, validation) is not there. */
  DatasetNotFound: 'DatasetNotFound',
  /** A path from a workflow input lies outside the folders the worker's environment allows (activities/allowed-roots.ts). */
  PathNotAllowed: 'PathNotAllowed',
  /** The trainer refused its input (its exit code 2): a damaged checkpoint, another backbone's weights. */
  TrainerInputError: 'TrainerInputError',
  /** The trainer crashed or was killed: retried, resuming from the last checkpoint. */
  TrainerFailed: 'TrainerFailed',
  /** NGC_API_KEY is not set on the GPU worker. */
  TaoKeyMissing: 'TaoKeyMissing',
  /** The TLT/TAO launcher is missing or cannot start its container. */
  TaoLauncherSetup: 'TaoLauncherSetup',
  /** A path TLT/TAO needs is not mounted into its container. */
  TaoMissingMount: 'TaoMissingMount',
  /** The model key does not match the one the model was saved with. */
  TaoWrongKey: 'TaoWrongKey',
  TaoOutOfGpuMemory: 'TaoOutOfGpuMemory',
  /** The experiment spec was rejected by the installed TLT/TAO. */
  TaoBadSpec: 'TaoBadSpec',
  /** Any other TLT/TAO failure: retried, resuming. */
  TaoFailed: 'TaoFailed',
  /** Label Studio did not answer, or answered with a server error: retried, and the loop polls again. */
  LabelStudioUnavailable: 'LabelStudioUnavailable',
  /** Label Studio refused the request (no token, a wrong token, a project that is not there, a folder outside its files root). */
  LabelStudioRefused: 'LabelStudioRefused',
  /** `lightly.enabled` is set but LightlyStudio is not installed on this CPU worker (`npx pomona lightly setup`). */
  LightlyStudioNotInstalled: 'LightlyStudioNotInstalled',
} as const;

export type ErrorType = (typeof ErrorType)[keyof typeof ErrorType];

const RETRYABLE_ERRORS: ErrorType[] = [ErrorType.TrainerFailed, ErrorType.TaoFailed, ErrorType.LabelStudioUnavailable];

/** Errors an operator must fix, so retrying cannot help: every type but the crashes that retries resume and outages. */
export const NON_RETRYABLE_ERRORS: ErrorType[] = Object.values(ErrorType).filter((t) => !RETRYABLE_ERRORS.includes(t));
