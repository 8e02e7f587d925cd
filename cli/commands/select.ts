// `pomona select`: selection on a Lightly-style embeddings CSV; prints the chosen file names in pick order.
import type { Command } from 'commander';
import * as fs from 'node:fs/promises';
import { SCORE_NAMES, type ScoreName } from '../../core/scores/detection';
import { rowScores } from '../../core/scores/prediction-folder';
import { readEmbeddingsCsv } from '../../core/selection/embeddings-csv';
import { selectionMethod, type SelectionMethod } from '../../core/config/loop-config';
import { needsScores, selectRows } from '../../core/selection/select';
import { keptRows } from '../../activities/lightly-studio/deduplicate';
import { lightlyStudioMissing } from '../../activities/lightly-studio/lightly-studio-env';
import { deduplicatedCandidates } from '../../core/selection/deduplicated';
import { CliError } from '../cli-error';
import { choice, finite, integer } from '../option-parsers';

interface SelectOptions {
  embeddings: string;
  method: SelectionMethod;
  n?: number;
  nTotal?: number;
  preselected?: string;
  seed: number;
  minDistance?: number;
  pred?: string;
  score: ScoreName;
  strength: number;
  deduplicate?: number;
}

export function registerSelect(program: Command): void {
  program
    .command('select')
    .description(
      `choose samples from an embeddings CSV (filenames,embedding_0..,labels) with ${selectionMethod.options.join(', ')}`,
    )
    .requiredOption('--embeddings <file>', 'embeddings CSV')
    .option(
      '--method <m>',
      `${selectionMethod.options.join(', ')} (docs/selection.md)`,
      choice(selectionMethod.options, true),
      'CORESET',
    )
    .option('--n <count>', 'how many to add', integer(1))
    .option('--n-total <count>', 'labelled total after the selection (Lightly n_samples)', integer(1))
    .option('--preselected <file>', 'file names already labelled, one per line')
    .option('--seed <n>', "seed for RANDOM and for TYPICLUST's k-means++", integer(0), 0)
    .option(
      '--min-distance <d>',
      'CORESET/CORAL: stop when the farthest remaining sample is closer than this',
      finite(0),
    )
    .option(
      '--pred <dir>',
      'scored methods (CORAL, UNCERTAINTY, UNCERTAIN_CORESET): KITTI predictions per image (file name without extension + .txt)',
    )
    .option(
      '--score <name>',
      `scored methods: ${SCORE_NAMES.join(', ')}`,
      choice(SCORE_NAMES),
      'uncertainty_entropy_mean',
    )
    .option('--strength <s>', 'CORAL: exponent of the score', finite(0), 1)
    .option(
      '--deduplicate <d>',
      "select among the samples LightlyStudio's deduplication keeps at this distance (needs npx pomona lightly setup; docs/selection.md)",
      finite(0),
    )
    .action(async (opts: SelectOptions) => {
      const method = opts.method;
      if (needsScores(method) && !opts.pred)
        throw new CliError(`--method ${method} needs --pred DIR (predictions to score)`, 2);
      if ((opts.n === undefined) === (opts.nTotal === undefined))
        throw new CliError('give exactly one of --n and --n-total', 2);
      const embeddings = await readEmbeddingsCsv(opts.embeddings);
      const index = new Map(embeddings.filenames.map((f, i) => [f, i]));
      const preselectedNames = opts.preselected
        ? (await fs.readFile(opts.preselected, 'utf8'))
            .split('\n')
            .map((l) => l.trim())
            .filter(Boolean)
        : [];
      const preselected = preselectedNames.map((name) => {
        const i = index.get(name);
        if (i === undefined) throw new CliError(`${opts.preselected}: ${name} is not in ${opts.embeddings}`, 2);
        return i;
      });
      const n = opts.n ?? Math.max(0, opts.nTotal! - preselected.length);
      const taken = new Set(preselected);
      const open = embeddings.filenames.flatMap((_, i) => (taken.has(i) ? [] : [i]));
      let candidates = open;
      if (opts.deduplicate !== undefined) {
        if (!(opts.deduplicate > 0)) throw new CliError('--deduplicate must be above 0', 2);
        const missing = lightlyStudioMissing();
        if (missing) throw new CliError(`--deduplicate: ${missing}`, 2);
        const kept = await keptRows(opts.embeddings, opts.deduplicate, embeddings.filenames);
        candidates = deduplicatedCandidates(open, kept, n);
        console.error(`deduplication at ${opts.deduplicate}: ${kept.size} of ${embeddings.filenames.length} kept`);
      }
      const scores = needsScores(method) ? await rowScores(opts.pred!, embeddings.filenames, opts.score) : undefined;
      const picks = selectRows({
        method,
        embeddings,
        preselected,
        candidates,
        count: n,
        seed: opts.seed,
        minDistance: opts.minDistance,
        scores,
        strength: opts.strength,
      });
      for (const i of picks) console.log(embeddings.filenames[i]);
    });
}
