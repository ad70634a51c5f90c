// What a started kchat server would otherwise fetch on first use, fetched
// before the timed part, as .ci/run does: the Kiwi model (topic nouns; on a
// fresh clone its 88 MB download otherwise lands in the warm-up or the first
// round). Benchmarks that start a server call this before it.
import { loadConfig } from '../../core/config.ts';
import { ensureModel, modelDir, modelReady } from '../../core/korean/kiwi/model.ts';

export async function prepareServerFiles(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const config = loadConfig(env);
  if (!config.kiwi.enabled) return;
  const dir = modelDir(config);
  if (modelReady(dir)) return;
  process.stderr.write(`fetching the Kiwi model into ${dir} (first use on this checkout)…\n`);
  await ensureModel(dir);
}
