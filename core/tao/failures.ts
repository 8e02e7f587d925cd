// Known TLT/TAO failures, recognised in the tool's output. Each is something an operator must fix
// (retrying the same job cannot help), so the backend raises it as a non-retryable error with advice;
// anything else is retryable. Messages per the reference (tao-yolov4.md) and docker's own wording.
import { ErrorType } from '../errors';
export interface KnownTaoFailure {
  type:
    | typeof ErrorType.TaoWrongKey
    | typeof ErrorType.TaoOutOfGpuMemory
    | typeof ErrorType.TaoMissingMount
    | typeof ErrorType.TaoBadSpec
    | typeof ErrorType.TaoLauncherSetup;
  advice: string;
  /** The output line that matched. */
  line: string;
}

const KNOWN: { type: KnownTaoFailure['type']; pattern: RegExp; advice: string }[] = [
  {
    type: ErrorType.TaoWrongKey,
    pattern: /Invalid decryption|Wrong key|unable to decrypt/i,
    advice: 'the model key does not match the key the model was saved with: check NGC_API_KEY on the GPU worker',
  },
  {
    type: ErrorType.TaoOutOfGpuMemory,
    pattern: /Ran out of GPU memory|ResourceExhaustedError|OOM when allocating|CUDA_ERROR_OUT_OF_MEMORY/i,
    advice: 'lower trainer.batchSize or trainer.inputSize',
  },
  {
    type: ErrorType.TaoMissingMount,
    pattern:
      /bind source path does not exist|Mount point source path|No such file or directory|FileNotFoundError|not a valid container path/i,
    advice:
      "a path the tool needs is not mounted into the container: check the mounts file and the worker's workspace path",
  },
  {
    type: ErrorType.TaoBadSpec,
    pattern: /ParseError|has no field named|Cannot parse the checkpoint path|AssertionError|Invalid spec|InvalidSpec/i,
    advice: 'the experiment spec was rejected: check trainer.tao.dialect against the installed TLT/TAO version',
  },
  {
    type: ErrorType.TaoLauncherSetup,
    pattern:
      /the input device is not a TTY|Invalid mounts file|Unsupported key in mounts file|docker: command not found|Cannot connect to the Docker daemon/i,
    advice: 'the launcher cannot start its container: check docker and the mounts file on the GPU worker',
  },
];

/** The first known failure in `output` (lines in order), or null. */
export function recogniseTaoFailure(output: string): KnownTaoFailure | null {
  const lines = output.split(/\r\n|\r|\n/);
  for (const known of KNOWN) {
    const line = lines.find((l) => known.pattern.test(l));
    if (line !== undefined) return { type: known.type, advice: known.advice, line: line.trim() };
  }
  return null;
}

export const NON_RETRYABLE_TAO_FAILURES = KNOWN.map((k) => k.type);
