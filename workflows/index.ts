// Workflow entry point for the worker bundle: every workflow type pomona registers.
export { activeLearningLoop } from './active-learning-loop';
export { poolInference } from './pool-inference';
export { poolEmbedding } from './pool-embedding';
