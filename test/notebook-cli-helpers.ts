// Small helpers shared by notebook tests.
export { NotebookScheduler, NotebookService, SHIPPED_NOTEBOOKS } from '../audit/notebook/index.ts';

/** First line of a chat summary as its title. */
export function parseEnvelopeText(text: string): { title: string; lines: string[] } {
  const lines = text.split('\n');
  return { title: lines[0].replace(/ \([^)]*\)$/, ''), lines };
}
