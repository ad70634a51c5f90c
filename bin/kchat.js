#!/usr/bin/env node
// `npx kchat`: run the TypeScript CLI through tsx's loader (no build step).
import { register } from 'tsx/esm/api';
register();
await import('../cli/main.ts');
