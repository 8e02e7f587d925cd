// The two training backends behind one interface: the torch reference detector, and NVIDIA TLT/TAO
// (activities/tao/). A train or infer input that carries `tao` settings belongs to the TAO backend.
import { taoInferImages, taoTrainRound } from './tao/tao-backend';
import { torchInferImages, torchTrainRound } from './torch/torch-backend';
import type { InferInput, InferResult, TaoJob, TrainInput, TrainResult } from './types';

export interface TrainerBackend {
  trainRound(input: TrainInput): Promise<TrainResult>;
  inferImages(input: InferInput): Promise<InferResult>;
}

const torchBackend: TrainerBackend = { trainRound: torchTrainRound, inferImages: torchInferImages };

function taoBackend(job: TaoJob): TrainerBackend {
  return { trainRound: (input) => taoTrainRound(input, job), inferImages: (input) => taoInferImages(input, job) };
}

export function backendFor(input: { tao?: TaoJob }): TrainerBackend {
  return input.tao ? taoBackend(input.tao) : torchBackend;
}
