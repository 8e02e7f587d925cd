// Scripted stand-ins for pomona's activities, for workflow tests that need no trainer and no files: each
// follows its contract in activities/types.ts (inputs, results, round-keyed paths, non-retryable error
// types) and keeps what it was asked in memory, so a test can drive every branch of the loop in seconds.
// parseConfig is the real one (it is pure), asking the script whether LightlyStudio is installed.
import { ApplicationFailure, Context } from '@temporalio/activity';
import { judgeConfig, parseConfig } from '../../activities/parse-config';
import type {
  CollectedAnnotations,
  CollectLabelStudioInput,
  EmbedInput,
  EmbeddingsSummary,
  EvaluateInput,
  ExportBatchInput,
  ExportedBatch,
  ImportAnnotationsInput,
  ImportResult,
  InferInput,
  InferResult,
  InferShardInput,
  EmbedShardInput,
  MergeEmbeddingShardsInput,
  MergeShardsInput,
  LabelStudioBatch,
  LightlyPushInput,
  LightlyPushResult,
  LabelStudioHandOffInput,
  PreparedProject,
  PromoteValidationInput,
  RoundMetrics,
  SelectBatchInput,
  SelectionSummary,
  ShardPlan,
  ShardPlanInput,
  ShardResult,
  TrainInput,
  TrainResult,
} from '../../activities/types';
import { batchSizeFor, type LoopConfig } from '../../core/config/loop-config';

/** What a scripted GPU step does on its next attempts: fail (retryably), hang without heartbeats, or work. */
export type StepScript = 'fail' | 'hang';

export interface PoolScript {
  poolCount: number;
  validationCount: number;
  /** mAP@0.5 the evaluation reports after round n (index n-1); the last value repeats. */
  map50: number[];
  /** Classes of a pool of several: imports count boxes per class (the first holds two thirds) and the
   * evaluation reports AP per class (the first class at the mAP + 0.1, the others below it). */
  classes?: string[];
  /** LightlyStudio on the CPU worker (default: installed, every push works). */
  lightly?: Partial<ScriptedActivities['lightly']>;
}

/** A labels folder whose name contains this is rejected by importAnnotations, as bad labels would be. */
export const BAD_LABELS = 'bad-labels';

/** What the scripted Label Studio shows: whether it answers, its batch's tasks by state, annotation problems. */
export interface LabelStudioScript {
  down: boolean;
  annotated: number;
  skipped: number;
  /** Problems of the annotations (by task), returned instead of an import while set. */
  problems: string[];
}

export class ScriptedActivities {
  readonly labelStudio: LabelStudioScript = { down: false, annotated: 0, skipped: 0, problems: [] };
  /** Inputs of every collectLabelStudioAnnotations call. */
  readonly collectInputs: CollectLabelStudioInput[] = [];
  /** Activity names in the order they were called (retries included). */
  readonly calls: string[] = [];
  /** Scripts for the next attempts of each GPU step, consumed one per attempt. */
  readonly next: Record<'embedPool' | 'trainRound' | 'inferImages', StepScript[]> = {
    embedPool: [],
    trainRound: [],
    inferImages: [],
  };
  /** LightlyStudio on the scripted CPU worker: whether it is installed, and how many next pushes fail. */
  readonly lightly = { installed: true, failures: 0 };
  /** Inputs of every pushToLightlyStudio attempt. */
  readonly lightlyPushes: LightlyPushInput[] = [];
  /** Every selectBatch input, in call order. */
  readonly selectInputs: SelectBatchInput[] = [];
  /** Inputs of every trainRound attempt. */
  readonly trainInputs: TrainInput[] = [];
  /** The pool's work in shards: shards done (by shards folder), the most run at once, the shards each kind
   * ran to the end, and per shard the scripts of its next inference attempts (consumed like `next`). */
  readonly shards = {
    done: new Map<string, Set<number>>(),
    size: 0,
    running: 0,
    mostRunning: 0,
    inferred: [] as number[],
    embedded: [] as number[],
    next: new Map<number, StepScript[]>(),
  };
  private readonly selected = new Map<string, number>();
  private readonly gates = new Map<string, Promise<void>>();
  private readonly labelledCounts = new Map<string, number>();

  constructor(private readonly pool: PoolScript) {
    Object.assign(this.lightly, pool.lightly);
  }

  cpu() {
    return {
      parseConfig: (input: Parameters<typeof parseConfig>[0]): Promise<LoopConfig> =>
        this.called('parseConfig', () => judgeConfig(input, (field) => this.requireLightlyStudio(field))),
      prepareProject: (config: LoopConfig) => this.called('prepareProject', () => this.prepareProject(config)),
      selectBatch: (input: SelectBatchInput) => this.called('selectBatch', () => this.selectBatch(input)),
      exportBatch: (input: ExportBatchInput) => this.called('exportBatch', () => this.exportBatch(input)),
      importAnnotations: (input: ImportAnnotationsInput) =>
        this.called('importAnnotations', () => this.importAnnotations(input)),
      evaluateRound: (input: EvaluateInput) => this.called('evaluateRound', () => this.evaluateRound(input)),
      promoteValidation: (input: PromoteValidationInput) =>
        this.called('promoteValidation', () => this.promoteValidation(input)),
      handOffToLabelStudio: (input: LabelStudioHandOffInput) =>
        this.called('handOffToLabelStudio', () => this.handOffToLabelStudio(input)),
      collectLabelStudioAnnotations: (input: CollectLabelStudioInput) =>
        this.called('collectLabelStudioAnnotations', () => this.collectLabelStudioAnnotations(input)),
      pushToLightlyStudio: (input: LightlyPushInput) =>
        this.called('pushToLightlyStudio', () => this.pushToLightlyStudio(input)),
      planPoolShards: (input: ShardPlanInput) => this.called('planPoolShards', () => this.planPoolShards(input)),
      mergePoolShards: (input: MergeShardsInput) => this.called('mergePoolShards', () => this.mergePoolShards(input)),
    };
  }

  gpu() {
    return {
      embedPool: (input: EmbedInput) => this.scripted('embedPool', () => this.embedPool(input)),
      trainRound: (input: TrainInput) => this.scripted('trainRound', () => this.trainRound(input)),
      inferImages: (input: InferInput) => this.scripted('inferImages', () => this.inferImages(input)),
      inferShard: (input: InferShardInput) => this.runShard('inferShard', input),
      embedShard: (input: EmbedShardInput) => this.runShard('embedShard', input),
      mergeEmbeddings: (input: MergeEmbeddingShardsInput) =>
        this.called('mergeEmbeddings', () => this.embedPool(input.embed)),
    };
  }

  count(name: string): number {
    return this.calls.filter((c) => c === name).length;
  }

  /** Resolves once activity `name` has been called `times` times (attempts included); fails after 20 s. */
  async waitForCalls(name: string, times: number): Promise<void> {
    const deadline = Date.now() + 20_000;
    while (this.count(name) < times) {
      if (Date.now() > deadline) throw new Error(`${name} called ${this.count(name)} times, not ${times}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Holds every call of activity `name` (once called) until the returned function is called. */
  hold(name: string): () => void {
    let release!: () => void;
    this.gates.set(name, new Promise<void>((resolve) => (release = resolve)));
    return () => {
      this.gates.delete(name);
      release();
    };
  }

  private async called<T>(name: string, run: () => T | Promise<T>): Promise<T> {
    this.calls.push(name);
    await this.gates.get(name);
    return run();
  }

  /** Runs a GPU step unless its script says to fail (a retryable crash) or hang (silent until cancelled). */
  private async scripted<T>(name: keyof ScriptedActivities['next'], run: () => T): Promise<T> {
    this.calls.push(name);
    await this.gates.get(name);
    const script = this.next[name].shift();
    if (script === 'fail') throw new Error(`${name}: scripted crash`);
    if (script === 'hang') {
      await Context.current().cancelled;
      throw new Error('unreachable: cancelled resolves never, it rejects');
    }
    return run();
  }

  private prepareProject(config: LoopConfig): PreparedProject {
    const projectDir = `${config.workspace}/${config.project}`;
    if (config.dataset.path.endsWith('/missing')) {
      throw ApplicationFailure.create({
        type: 'DatasetNotFound',
        message: `no dataset at ${config.dataset.path}`,
        nonRetryable: true,
      });
    }
    return {
      projectDir,
      manifestPath: `${projectDir}/manifest.json`,
      layout: 'kitti',
      poolImagesDir: `${projectDir}/pool`,
      poolCount: this.pool.poolCount,
      ...(this.pool.validationCount
        ? {
            validationImagesDir: `${projectDir}/validation/images`,
            validationLabelsDir: `${projectDir}/validation/labels`,
          }
        : {}),
      validationCount: this.pool.validationCount,
      problems: [],
    };
  }

  private embedPool(input: EmbedInput): EmbeddingsSummary {
    return {
      embeddingsPath: `${input.projectDir}/embeddings.csv`,
      count: this.pool.poolCount,
      dim: input.dim,
      seconds: 0,
    };
  }

  private selectBatch(input: SelectBatchInput): SelectionSummary {
    this.selectInputs.push(input);
    const before = input.labelledPath ? this.labelledCount(input.labelledPath) : 0;
    const remaining = this.pool.poolCount - before;
    const budgetLeft = input.labelBudget === undefined ? Infinity : Math.max(0, input.labelBudget - before);
    const count = Math.min(batchSizeFor(input.size, before), remaining, budgetLeft);
    const selectionPath = `${input.projectDir}/rounds/${input.round}/selection.json`;
    this.selected.set(selectionPath, count);
    return {
      round: input.round,
      method: input.method,
      selectionPath,
      count,
      labelledBefore: before,
      remainingPool: remaining - count,
    };
  }

  private exportBatch(input: ExportBatchInput): ExportedBatch {
    const exportDir = `${input.projectDir}/rounds/${input.round}/to-annotate`;
    return {
      round: input.round,
      exportDir,
      imageListPath: `${exportDir}/images.txt`,
      count: this.selected.get(input.selectionPath) ?? 0,
      prelabels: input.prelabelsDir !== undefined,
    };
  }

  private importAnnotations(input: ImportAnnotationsInput): ImportResult {
    const before = input.labelledPath ? this.labelledCount(input.labelledPath) : 0;
    if (input.labelsDir.includes(BAD_LABELS)) {
      const problems = ['img_0001.txt:1: class "pear" is not one of apple', 'img_0002.txt: missing'];
      return { ok: false, problems, problemCount: problems.length, labelledCount: before, boxes: 0 };
    }
    const labelledPath = `${input.projectDir}/rounds/${input.round}/labelled.json`;
    const labelledCount = before + (this.selected.get(input.selectionPath) ?? 0);
    this.labelledCounts.set(labelledPath, labelledCount);
    const boxes = 3 * labelledCount;
    const classes = this.pool.classes;
    const boxesByClass = classes
      ? Object.fromEntries(
          classes.map((c, i) => [c, i === 0 ? 2 * labelledCount : labelledCount / (classes.length - 1)]),
        )
      : undefined;
    return {
      ok: true,
      problems: [],
      problemCount: 0,
      labelledPath,
      labelledCount,
      boxes,
      ...(boxesByClass ? { boxesByClass } : {}),
    };
  }

  private labelStudioAnswers(): void {
    if (this.labelStudio.down)
      throw ApplicationFailure.create({
        type: 'LabelStudioUnavailable',
        message: 'Label Studio at http://scripted did not answer GET /api/projects/: connect ECONNREFUSED',
      });
  }

  private handOffToLabelStudio(input: LabelStudioHandOffInput): LabelStudioBatch {
    this.labelStudioAnswers();
    const tasks = this.selected.get(input.selectionPath) ?? 0;
    return { projectId: 7, projectUrl: `${input.labelStudio.url}/projects/7/data`, tasks, webhook: true };
  }

  /** The batch's progress; once nothing is pending (or takeAnnotated), the annotated images' import. */
  private collectLabelStudioAnnotations(input: CollectLabelStudioInput): CollectedAnnotations {
    this.labelStudioAnswers();
    this.collectInputs.push(input);
    const total = this.selected.get(input.selectionPath) ?? 0;
    const { annotated, skipped, problems } = this.labelStudio;
    const progress = { total, annotated, skipped, pending: total - annotated - skipped };
    if (progress.pending > 0 && !input.takeAnnotated) return { progress, imported: null };
    const before = input.labelledPath ? this.labelledCount(input.labelledPath) : 0;
    if (problems.length)
      return {
        progress,
        imported: { ok: false, problems, problemCount: problems.length, labelledCount: before, boxes: 0 },
      };
    const labelledPath = `${input.projectDir}/rounds/${input.round}/labelled.json`;
    this.labelledCounts.set(labelledPath, before + annotated);
    // The next round's batch starts with nothing done.
    Object.assign(this.labelStudio, { annotated: 0, skipped: 0 });
    const imported = {
      ok: true,
      problems: [],
      problemCount: 0,
      labelledPath,
      labelledCount: before + annotated,
      boxes: annotated,
    };
    return { progress, imported };
  }

  private requireLightlyStudio(field: string): void {
    if (!this.lightly.installed)
      throw ApplicationFailure.create({
        type: 'LightlyStudioNotInstalled',
        message: `${field}: LightlyStudio 1.2.0 is not installed in /scripted/.tools/lightly-studio: run npx pomona lightly setup on this worker, or set lightly.enabled to false`,
        nonRetryable: true,
      });
  }

  private pushToLightlyStudio(input: LightlyPushInput): LightlyPushResult {
    this.lightlyPushes.push(input);
    this.requireLightlyStudio('lightly.enabled');
    if (this.lightly.failures > 0) {
      this.lightly.failures--;
      throw new Error('push to dataset.db failed (exit code 1): Could not set lock on file (scripted)');
    }
    return {
      dbFile: `${input.projectDir}/lightly-studio/dataset.db`,
      dataset: input.projectDir.split('/').pop()!,
      images: this.pool.poolCount,
      imagesAdded: 0,
      boxesAdded: {},
      tags: {},
      tagsAbsent: {},
      seconds: 1,
    };
  }

  private trainRound(input: TrainInput): TrainResult {
    this.trainInputs.push(input);
    return {
      weights: `${input.projectDir}/rounds/${input.round}/train/weights/final.pt`,
      epochs: input.epochs,
      loss: 0.5,
      seconds: 1,
      resumedFromEpoch: 0,
    };
  }

  private inferImages(input: InferInput): InferResult {
    return { predictionsDir: input.outDir, images: this.pool.poolCount, seconds: 0 };
  }

  private planPoolShards(input: ShardPlanInput): ShardPlan {
    const images = this.pool.poolCount;
    this.shards.size = input.shardImages;
    return { ...input, images, shards: Math.ceil(images / input.shardImages) };
  }

  /** A shard as activities/pool-shards.ts and embedding-shards.ts run it: done ones are reused; a script
   * may fail or hang an inference shard. */
  private async runShard(
    name: 'inferShard' | 'embedShard',
    input: { shardsDir: string; shard: number },
  ): Promise<ShardResult> {
    this.calls.push(name);
    const done = this.shards.done.get(input.shardsDir) ?? new Set<number>();
    this.shards.done.set(input.shardsDir, done);
    const { size } = this.shards;
    const images = Math.min(this.pool.poolCount - input.shard * size, size);
    if (done.has(input.shard)) return { shard: input.shard, images, seconds: 0, reused: true };
    this.shards.running++;
    this.shards.mostRunning = Math.max(this.shards.mostRunning, this.shards.running);
    try {
      await this.gates.get(name);
      // A few milliseconds of work, so that shards scheduled together overlap.
      await new Promise((resolve) => setTimeout(resolve, 20));
      const script = name === 'inferShard' ? this.shards.next.get(input.shard)?.shift() : undefined;
      if (script === 'fail') throw new Error(`${name} ${input.shard}: scripted crash`);
      if (script === 'hang') {
        await Context.current().cancelled;
        throw new Error('unreachable: cancelled resolves never, it rejects');
      }
      (name === 'inferShard' ? this.shards.inferred : this.shards.embedded).push(input.shard);
      done.add(input.shard);
      return { shard: input.shard, images, seconds: 0, reused: false };
    } finally {
      this.shards.running--;
    }
  }

  private mergePoolShards(input: MergeShardsInput): InferResult {
    return { predictionsDir: input.outDir, images: this.pool.poolCount, seconds: 0 };
  }

  /** The validation batch's images leave the pool and become the validation set. */
  private promoteValidation(input: PromoteValidationInput): PreparedProject {
    const count = this.labelledCount(input.labelledPath);
    this.pool.poolCount -= count;
    this.pool.validationCount = count;
    const { projectDir } = input.prepared;
    return {
      ...input.prepared,
      poolCount: this.pool.poolCount,
      validationCount: count,
      validationImagesDir: `${projectDir}/validation/images`,
      validationLabelsDir: `${projectDir}/validation/labels`,
    };
  }

  private evaluateRound(input: EvaluateInput): RoundMetrics {
    const map50 = this.pool.map50[Math.min(input.round, this.pool.map50.length) - 1];
    return {
      round: input.round,
      labelled: input.labelled,
      map50,
      cocoAp: map50 / 2,
      metricsPath: `${input.projectDir}/rounds/${input.round}/metrics.json`,
      ...(this.pool.classes
        ? { ap50ByClass: Object.fromEntries(this.pool.classes.map((c, i) => [c, i === 0 ? map50 + 0.1 : map50 - 0.1])) }
        : {}),
    };
  }

  private labelledCount(labelledPath: string): number {
    const count = this.labelledCounts.get(labelledPath);
    if (count === undefined) throw new Error(`scripted activities: no labelled set at ${labelledPath}`);
    return count;
  }
}
