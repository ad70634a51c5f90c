// The one nickname rule (login route, `nick` frame, uniqueness checks), pure
// and browser-safe. Two ideas:
// - nickProblem(): why a nick is refused (Korean message), or null;
// - nickSkeleton(): what a nick looks like, so two nicks a person cannot tell
//   apart compare equal. After NFKC (fullwidth forms), case folding and
//   dropping marks and separators, look-alike letters of other scripts map to
//   the Latin letter they imitate (Cyrillic `а`, Greek `ο`…), and so do the
//   usual digit/letter swaps (`0`→o, `1`/`i`/`|`→l, `rn`→m), in the spirit of
//   Unicode TS #39's skeleton. `bоt`, `аdmin`, `Ｂｏｔ`, `b.o.t`, `b0t` all
//   become a reserved name; `민수` and `민수K` stay what they are.

export const MAX_NICK = 32;

/** Names only the system and its bots may wear (compared by skeleton). */
const RESERVED = ['bot', '봇', 'system', '시스템', 'admin', '관리자', 'kchat', 'root', 'server', '운영자', 'administrator', 'moderator', '관리', '운영', 'sys', 'official', '공지'];
/** The bots' own nicks (bots/…: kchat봇, 영화봇, 일정봇, 시스템봇) are caught by the 봇/bot suffix rule below. */

// Look-alikes of Latin letters in other scripts (lower case, after NFKC).
const CONFUSABLE: Record<string, string> = {
  // Cyrillic
  а: 'a', б: 'b', в: 'b', г: 'r', д: 'd', ԁ: 'd', е: 'e', ё: 'e', з: '3', и: 'u', к: 'k', л: 'n', м: 'm', н: 'h', о: 'o', п: 'n', р: 'p', с: 'c', т: 't', у: 'y', ф: 'o', х: 'x', ц: 'u', ш: 'w', щ: 'w', ъ: 'b', ы: 'bl', ь: 'b', ѕ: 's', і: 'l', ї: 'l', ј: 'j', һ: 'h', ԛ: 'q', ԝ: 'w', ӏ: 'l', ү: 'y', ұ: 'y', ғ: 'f', қ: 'k', ң: 'h', ҫ: 'c', ө: 'o', ә: 'e',
  // Greek
  α: 'a', β: 'b', γ: 'y', δ: 'd', ε: 'e', ζ: 'z', η: 'n', θ: 'o', ι: 'l', κ: 'k', λ: 'n', μ: 'u', ν: 'v', ξ: 'e', ο: 'o', π: 'n', ρ: 'p', σ: 'o', ς: 'c', τ: 't', υ: 'u', φ: 'o', χ: 'x', ψ: 'w', ω: 'w',
  // Latin and symbol look-alikes
  ı: 'l', ɩ: 'l', ℓ: 'l', ɡ: 'g', ɑ: 'a', ɒ: 'a', ø: 'o', ð: 'd', þ: 'p', ß: 'b', æ: 'ae', œ: 'oe', ĸ: 'k',
  i: 'l', j: 'j', '1': 'l', '|': 'l', '!': 'l', '0': 'o', '@': 'a', $: 's', '5': 's', '3': 'e', '4': 'a', '7': 't', '8': 'b', '9': 'g',
};

// Characters that change nothing visible (zero width, joiners, direction marks, Hangul fillers…).
const INVISIBLE = /[\p{Default_Ignorable_Code_Point}\u115F\u1160\u3164\uFFA0\u2800]/u;
// eslint-disable-next-line no-control-regex -- refusing control characters is the point
const CONTROL = /[\u0000-\u001F\u007F-\u009F]/;

function scriptsOf(s: string): Set<string> {
  const out = new Set<string>();
  for (const ch of s) {
    if (/\p{Script=Latin}/u.test(ch)) out.add('Latin');
    else if (/\p{Script=Cyrillic}/u.test(ch)) out.add('Cyrillic');
    else if (/\p{Script=Greek}/u.test(ch)) out.add('Greek');
    else if (/\p{Script=Hangul}/u.test(ch)) out.add('Hangul');
    else if (/\p{Script=Han}/u.test(ch)) out.add('Han');
    else if (/[\p{Script=Hiragana}\p{Script=Katakana}]/u.test(ch)) out.add('Kana');
    else if (/\p{L}/u.test(ch)) out.add('Other');
  }
  return out;
}

/** What a nick looks like: equal skeletons = nicks a person could mistake for each other. */
export function nickSkeleton(nick: string): string {
  let s = nick
    .normalize('NFKC')
    .toLowerCase()
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .normalize('NFC');
  s = s.replace(INVISIBLE, '').replace(/[^\p{L}\p{N}|!@$]/gu, '');
  let out = '';
  for (const ch of s) out += CONFUSABLE[ch] ?? ch;
  return out.replace(/rn/g, 'm').replace(/vv/g, 'w');
}

const RESERVED_SKELETONS = new Set(RESERVED.map(nickSkeleton));
/** A skeleton made only of reserved words (시스템봇, adminbot, 관리자봇, kchat봇…). */
function onlyReservedWords(skeleton: string): boolean {
  if (!skeleton) return false;
  const ok: boolean[] = [true];
  for (let i = 1; i <= skeleton.length; i++) {
    ok[i] = false;
    for (const w of RESERVED_SKELETONS) {
      if (i >= w.length && ok[i - w.length] && skeleton.slice(i - w.length, i) === w) {
        ok[i] = true;
        break;
      }
    }
  }
  return ok[skeleton.length];
}

/** Is this nick reserved for the system or a bot (compared as it looks)? */
export function isReservedNick(nick: string): boolean {
  const skeleton = nickSkeleton(nick);
  if (RESERVED_SKELETONS.has(skeleton) || onlyReservedWords(skeleton)) return true;
  // bot1, admin_2, 봇3: a reserved name with a number is still that name
  const numbered = nickSkeleton(nick.normalize('NFKC').replace(/[\s._-]*\d+$/u, ''));
  if (numbered !== skeleton && (RESERVED_SKELETONS.has(numbered) || onlyReservedWords(numbered))) return true;
  // a Korean name for a bot ends in 봇 (영화봇, 일정봇, 알림봇)
  if (/\p{Script=Hangul}봇$/u.test(skeleton)) return true;
  // movie-bot, movie_bot, movie bot, MovieBot, movieBOT (but not Talbot)
  const plain = nick.normalize('NFKC');
  if (skeleton.endsWith('bot') && (/[\s._\-·]bot$/iu.test(plain) || /\p{Ll}B(ot|OT)$/u.test(plain))) return true;
  return false;
}

/** Why a nickname is not allowed (in Korean, naming the rule), or null when it is fine. */
export function nickProblem(input: unknown): string | null {
  if (typeof input !== 'string') return '닉네임은 문자열이어야 합니다 (nick must be a string)';
  if (CONTROL.test(input)) return '닉네임에 제어 문자를 쓸 수 없습니다 (nick must not contain control characters)';
  const nick = input.normalize('NFC').trim();
  if (nick.length === 0) return '닉네임이 비어 있습니다 (nick must not be empty)';
  if ([...nick].length > MAX_NICK) return `닉네임은 ${MAX_NICK}자 이하여야 합니다 (nick must be at most ${MAX_NICK} characters)`;
  if (INVISIBLE.test(nick) || /[\u200B-\u200F\u202A-\u202E\u2060-\u2064\uFEFF]/.test(nick)) {
    return '닉네임에 보이지 않는 문자나 방향 제어 문자를 쓸 수 없습니다 (nick must not contain invisible or direction characters)';
  }
  if (/\p{Cs}|\uFFFD/u.test(nick)) return '닉네임에 깨진 문자가 있습니다 (nick contains a broken character)';
  if (/[@#\n\r\t]/.test(nick) || nick.startsWith('/')) return "닉네임에 @, #, 줄바꿈을 쓰거나 /로 시작할 수 없습니다 (nick must not contain @, #, line breaks or start with /)";
  if (/\p{M}/u.test(nick.normalize('NFC').replace(/\p{Script=Hangul}/gu, ''))) {
    return '닉네임에 결합 부호(악센트 겹치기 등)를 쓸 수 없습니다 (nick must not contain combining marks)';
  }
  // Latin mixed with Cyrillic or Greek is how `bоt` and `аdmin` are made; Hangul + Latin (민수K) is fine
  const scripts = scriptsOf(nick.normalize('NFKC'));
  if (scripts.has('Latin') && (scripts.has('Cyrillic') || scripts.has('Greek'))) {
    return `닉네임 "${nick}"에 라틴 문자와 키릴/그리스 문자가 섞여 있습니다: 비슷해 보이는 글자로 다른 사람을 흉내 낼 수 있어 허용하지 않습니다 (mixed scripts)`;
  }
  if (isReservedNick(nick)) return `닉네임 "${nick}"은(는) 시스템이나 봇 이름과 비슷해서 쓸 수 없습니다 (nick "${nick}" is reserved)`;
  return null;
}
