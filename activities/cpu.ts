// Activities of the `pomona-cpu` queue (the workflow imports this module with `import type` only).
export { parseConfig } from './parse-config';
export { prepareProject } from './prepare';
export { selectBatch } from './select';
export { exportBatch, importAnnotations } from './annotation';
export { promoteValidation } from './validation-batch';
export { evaluateRound } from './evaluate';
export { planPoolShards, mergePoolShards } from './pool-shards';
export { handOffToLabelStudio } from './label-studio/hand-off';
export { collectLabelStudioAnnotations } from './label-studio/collect';
export { pushToLightlyStudio } from './lightly-studio/push';
