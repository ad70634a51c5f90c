// Adapter from the movie bot (bots/movie, the movie helper's room) to the
// runtime's free-text answerer: questions that are not commands go here.
import type { Config } from '../core/config.ts';
import type { Database } from '../core/db.ts';
import { logger } from '../core/log.ts';
import { createMovieBot, movieHelp } from './movie/index.ts';
import type { BotAnswerer } from './runtime/types.ts';

const log = logger('bots');

export const MOVIE_BOT = { id: 'bot.movie', nick: '영화봇' };

export async function loadMovieAnswerer(config: Config, db: Database): Promise<BotAnswerer | null> {
  const bot = createMovieBot({ db, config });
  try {
    await bot.init();
  } catch (err) {
    // The other bots keep working; movie questions get the generic answer.
    log.error({ err }, 'movie bot failed to start');
    return null;
  }
  const examples = [...movieHelp.ko.slice(0, 3), ...movieHelp.en.slice(0, 1)].map((q) => `\`${q}\``).join(', ');
  return {
    name: 'movie',
    bot: MOVIE_BOT,
    help: [`영화 질문 (감독·출연·개봉·장르·러닝타임·필모그래피) — 예: ${examples}`],
    async answer(question, ctx) {
      const r = await bot.answer(question, { userId: ctx.caller.id, channel: ctx.channel });
      return { text: r.text, handled: r.handled };
    },
  };
}
