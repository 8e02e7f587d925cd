// Where a project's artifacts live under the workspace (DESIGN.md, "Artifacts"). Pure string joins, so
// workflow code may use it too; every round's files are keyed by the round number.
export function projectDir(workspace: string, project: string): string {
  return `${workspace.replace(/\/+$/, '')}/${project}`;
}

export function roundDir(project: string, round: number): string {
  return `${project}/rounds/${round}`;
}

export const layout = {
  manifest: (project: string) => `${project}/manifest.json`,
  embeddings: (project: string) => `${project}/embeddings.csv`,
  /** The pool's embedding in shards (`shards.images`): lists, attempts and each shard's feature blocks. */
  embeddingShards: (project: string) => `${project}/embeddings-shards`,
  groundTruthLabels: (project: string) => `${project}/ground-truth/labels`,
  poolImages: (project: string) => `${project}/pool/images`,
  validationImages: (project: string) => `${project}/validation/images`,
  validationLabels: (project: string) => `${project}/validation/labels`,
  selection: (project: string, round: number) => `${roundDir(project, round)}/selection.json`,
  annotate: (project: string, round: number) => `${roundDir(project, round)}/annotate`,
  annotations: (project: string, round: number) => `${roundDir(project, round)}/annotations`,
  labelled: (project: string, round: number) => `${roundDir(project, round)}/labelled.json`,
  trainData: (project: string, round: number) => `${roundDir(project, round)}/train-data`,
  train: (project: string, round: number) => `${roundDir(project, round)}/train`,
  validationPredictions: (project: string, round: number) => `${roundDir(project, round)}/validation-predictions`,
  predictions: (project: string, round: number) => `${roundDir(project, round)}/predictions`,
  /** The pool inference's shards (`shards.images`): lists, attempts and each shard's predictions until merged. */
  predictionShards: (project: string, round: number) => `${roundDir(project, round)}/predictions-shards`,
  metrics: (project: string, round: number) => `${roundDir(project, round)}/metrics.json`,
};
