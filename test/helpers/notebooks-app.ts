// The notebooks API as a Hono app over a populated fixture database: an
// auditor, a notebooks folder of its own (optionally with shipped notebooks
// copied in), and no broker (scheduled reports are off).
import fs from 'node:fs';
import path from 'node:path';
import { Hono } from 'hono';
import { SHIPPED_NOTEBOOKS } from '../../audit/index.ts';
import { Auth } from '../../core/auth.ts';
import { KafkaClient } from '../../core/kafka.ts';
import type { Part } from '../../server/part.ts';
import { createNotebooksPart } from '../../server/routes/notebooks.ts';
import { openFixture, type Fixture } from '../notebook-fixtures.ts';

export interface NotebooksApp {
  fx: Fixture;
  app: Hono;
  auth: Auth;
  /** an auditor's token */
  auditor: string;
  /** the notebooks folder the API serves */
  dir: string;
  close(): Promise<void>;
}

export async function notebooksApp(clientId: string, opts: { shipped?: string[] } = {}): Promise<NotebooksApp> {
  const fx = await openFixture({ populated: true });
  const config = { ...fx.config, run: { ...fx.config.run, scheduler: false } };
  const auth = new Auth(fx.db, config);
  await auth.init();
  const auditor = (await auth.createUser('감사관', 'auditor')).token;
  const dir = path.join(fx.dataDir, 'notebooks');
  fs.mkdirSync(dir);
  for (const f of opts.shipped ?? []) fs.copyFileSync(path.join(SHIPPED_NOTEBOOKS, f), path.join(dir, f));
  const app = new Hono();
  const kafka = new KafkaClient({ config, brokers: ['127.0.0.1:1'], clientId });
  const part: Part = createNotebooksPart({ config, db: fx.db, auth, kafka }, { dir });
  part.routes!(app);
  await part.start!();
  return {
    fx,
    app,
    auth,
    auditor,
    dir,
    async close() {
      await part.stop!();
      await fx.close();
    },
  };
}
