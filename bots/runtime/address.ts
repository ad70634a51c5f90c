// Is a message addressed to the bot? `@bot`, `@봇` (and KCHAT_BOT_ALIASES)
// at the start, any case, followed by a space, colon, comma or directly by
// the question ("@봇도움말").
export const DEFAULT_ALIASES = ['@bot', '@봇'];

/** @bot, @봇 and the extra aliases configured in KCHAT_BOT_ALIASES (config.bots.aliases). */
export function botAliases(configured: string | undefined): string[] {
  const extra = (configured ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => (s.startsWith('@') ? s : '@' + s));
  // Longest first so "@봇님" is not read as "@봇" + "님…".
  return [...new Set([...DEFAULT_ALIASES, ...extra].map((a) => a.normalize('NFC')))].sort((a, b) => b.length - a.length);
}

export interface Addressed {
  alias: string;
  /** the question without the alias and its separator */
  rest: string;
}

export function addressed(text: string, aliases: readonly string[]): Addressed | null {
  const t = text.normalize('NFC').trimStart();
  const lower = t.toLowerCase();
  for (const alias of aliases) {
    if (!lower.startsWith(alias.toLowerCase())) continue;
    const after = t.slice(alias.length);
    // "@botany" is not "@bot": a Latin alias must not run into more Latin letters or digits.
    if (/[A-Za-z0-9_]$/.test(alias) && /^[A-Za-z0-9_]/.test(after)) continue;
    return { alias, rest: after.replace(/^[\s:,;，：]+/u, '').trim() };
  }
  return null;
}
