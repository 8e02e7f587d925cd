// `pomona lightly setup|push|gui`: a project's pool, embeddings, labels, predictions and each round's
// selection in LightlyStudio (docs/lightly.md). `setup` installs it into .tools/lightly-studio (an explicit
// step: about 6.5 GB); `push` writes or updates the project's dataset file; `gui` opens LightlyStudio on it.
import type { Command } from 'commander';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { layout } from '../../core/workspace-layout';
import { lightlyStudioDbFile } from '../../core/lightly-studio/push-plan';
import { CliError } from '../cli-error';
import { lightlyStudioHome, LIGHTLY_STUDIO_VERSION } from '../../activities/lightly-studio/lightly-studio-env';
import { pushProject } from '../../activities/lightly-studio/lightly-studio-push';
import { DEFAULT_LIGHTLY_STUDIO_PORT } from '../../core/lightly-studio/gui-address';
import { startLightlyStudioGui } from '../lightly/lightly-studio-gui';
import { installLightlyStudio } from '../lightly/lightly-studio-setup';
import { integer } from '../option-parsers';
import { connectClient, resolveWorkflowId } from '../temporal-client';
import { locateLoop } from './report';

/** A project folder as given, or the folder of the loop with this workflow id or project name (asks Temporal). */
async function projectFolder(project: string): Promise<string> {
  if (fs.existsSync(layout.manifest(project))) return path.resolve(project);
  if (fs.existsSync(project)) throw new CliError(`${project}: no manifest.json; is it a pomona project folder?`, 2);
  return (await locateLoop(await connectClient(), resolveWorkflowId(project))).projectDir;
}

const PROJECT_HELP = "a project folder (<workspace>/<project>), or a loop's workflow id or project name";

export function registerLightly(program: Command): void {
  const lightly = program
    .command('lightly')
    .description(
      `a project in LightlyStudio ${LIGHTLY_STUDIO_VERSION} (local, open source): images, embeddings, labels, predictions, one tag per round`,
    );
  lightly
    .command('setup')
    .description(`install LightlyStudio into ${path.join('.tools', 'lightly-studio')} (once; about 6.5 GB)`)
    .action(async () => {
      const started = Date.now();
      try {
        const installed = await installLightlyStudio((line) => console.error(`[lightly setup] ${line}`));
        console.log(
          installed
            ? `LightlyStudio ${LIGHTLY_STUDIO_VERSION} installed in ${lightlyStudioHome()} (${((Date.now() - started) / 1000).toFixed(0)} s)`
            : `LightlyStudio ${LIGHTLY_STUDIO_VERSION} is installed in ${lightlyStudioHome()}`,
        );
      } catch (err) {
        throw new CliError(`lightly setup: ${(err as Error).message}`);
      }
    });
  lightly
    .command('push')
    .argument('<project>', PROJECT_HELP)
    .description(
      'write the project into its LightlyStudio dataset (<project>/lightly-studio/dataset.db); again: only what is new',
    )
    .action(async (project: string) => {
      const dir = await projectFolder(project);
      try {
        const { summary, wallSeconds } = await pushProject(dir);
        const boxes = Object.entries(summary.boxesAdded).map(([source, n]) => `${source} +${n}`);
        const absent = (tag: string) =>
          summary.tagsAbsent[tag] ? `; ${summary.tagsAbsent[tag]} not in the dataset` : '';
        const tags = Object.entries(summary.tags).map(([tag, n]) => `${tag} (${n}${absent(tag)})`);
        console.log(
          [
            `${summary.dbFile}: dataset ${summary.dataset}, ${summary.images} images (+${summary.imagesAdded}) in ${wallSeconds.toFixed(1)} s`,
            `  boxes: ${boxes.join(', ') || 'none yet'}`,
            `  tags: ${tags.join(', ') || 'none yet'}`,
            `  look at it: npx pomona lightly gui ${project}`,
          ].join('\n'),
        );
      } catch (err) {
        throw new CliError(`lightly push: ${(err as Error).message}`);
      }
    });
  lightly
    .command('gui')
    .argument('<project>', PROJECT_HELP)
    .option('--port <n>', 'port on 127.0.0.1 (refused if taken)', integer(1, 65535), DEFAULT_LIGHTLY_STUDIO_PORT)
    .description("LightlyStudio's GUI on the project's dataset, on 127.0.0.1; runs until Ctrl-C")
    .action(async (project: string, opts: { port: number }) => {
      const dbFile = lightlyStudioDbFile(await projectFolder(project));
      let gui;
      try {
        gui = await startLightlyStudioGui({ dbFile, port: opts.port });
      } catch (err) {
        throw new CliError(`lightly gui: ${(err as Error).message}`);
      }
      console.log(`LightlyStudio at ${gui.url} (dataset ${dbFile}); Ctrl-C stops it`);
      const stop = () => void gui.stop();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      const code = await gui.exited;
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      console.error('LightlyStudio stopped');
      if (code !== 0 && code !== null && code !== 143 && code !== 130)
        throw new CliError(`lightly gui: LightlyStudio exited with code ${code}`);
    });
}
