// Movie bot understanding, pure: intents, title extraction through
// particles, spacing, punctuation, English titles, numbers and jamo typos,
// people and filmographies, and the Korean particles in answers.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { fieldSentence, filmography, label, notFound, summary } from '../bots/movie/answer.ts';
import { jamoOf, loadCurated, MovieIndex, typoBudget } from '../bots/movie/catalog.ts';
import { editDistance } from '../core/korean/hangul.ts';
import { detectIntent } from '../bots/movie/intent.ts';
import { parseChoice } from '../bots/movie/pending.ts';
import { mainTitle, titleKey } from '../bots/movie/text.ts';
import { understand } from '../bots/movie/understand.ts';
import type { Movie } from '../bots/movie/types.ts';

const curated = loadCurated();
const index = new MovieIndex(curated);
const byTitle = (t: string): Movie => {
  const m = curated.find((x) => x.titleKo === t);
  assert.ok(m, `catalog has ${t}`);
  return m;
};

/** The single film a question resolves to (fails when none or several). */
function titleOf(q: string): string {
  const u = understand(q, index);
  assert.equal(u.title.kind, 'one', `"${q}" should name one film, got ${u.title.kind}`);
  return u.title.kind === 'one' ? u.title.movie.titleKo : '';
}

describe('catalog', () => {
  test('has every film the issue lists, each with year, date, director, genre, country', () => {
    const required = [
      '파묘', '기생충', '서울의 봄', '범죄도시2', '범죄도시3', '범죄도시4', '극한직업', '명량', '한산: 용의 출현', '노량: 죽음의 바다',
      '신과함께-죄와 벌', '국제시장', '베테랑', '베테랑2', '밀수', '괴물', '살인의 추억', '올드보이', '아가씨', '헤어질 결심', '부산행', '암살',
      '도둑들', '택시운전사', '변호인', '7번방의 선물', '왕의 남자', '태극기 휘날리며', '실미도', '해운대', '광해, 왕이 된 남자', '곡성', '추격자',
      '엑시트', '콘크리트 유토피아', '헌트', '올빼미', '남산의 부장들', '미나리', '인터스텔라', '오펜하이머', '어벤져스: 엔드게임', '탑건: 매버릭',
      '겨울왕국', '아바타', '엘리멘탈', '인사이드 아웃 2',
    ];
    for (const t of required) {
      const m = byTitle(t);
      assert.ok(m.year && m.releaseDate && m.directors.length && m.genres.length && m.countries.length, t);
      assert.ok(m.cast.length >= 3, `${t} lists at least 3 cast members`);
    }
    assert.equal(new Set(curated.map((m) => m.id)).size, curated.length, 'ids are unique');
  });

  test('facts the brief pins down', () => {
    const director = (t: string) => byTitle(t).directors.map((d) => d.ko).join(',');
    assert.equal(director('파묘'), '장재현');
    assert.equal(director('범죄도시4'), '허명행');
    assert.equal(director('범죄도시3'), '이상용');
    assert.equal(director('7번방의 선물'), '이환경');
    assert.equal(director('어벤져스: 엔드게임'), '안소니 루소,조 루소');
    assert.equal(director('겨울왕국'), '크리스 벅,제니퍼 리');
    assert.equal(byTitle('미나리').directors[0].en, 'Lee Isaac Chung');
    assert.deepEqual(byTitle('서울의 봄').cast.map((c) => c.ko), ['황정민', '정우성', '이성민', '박해준', '김성균']);
    assert.equal(byTitle('파묘').releaseDate, '2024-02-22');
    assert.equal(byTitle('기생충').year, 2019);
  });
});

describe('title keys', () => {
  test('spacing, punctuation, sequels and case meet on one key', () => {
    assert.equal(titleKey('서울의봄'), titleKey('서울의 봄'));
    assert.equal(titleKey('범죄 도시 4'), titleKey('범죄도시4'));
    assert.equal(titleKey('범죄도시 4편'), titleKey('범죄도시4'));
    assert.equal(titleKey('한산 용의 출현'), titleKey('한산: 용의 출현'));
    assert.equal(titleKey('Top Gun Maverick'), titleKey('Top Gun: Maverick'));
    assert.equal(titleKey('FROZEN II'), titleKey('Frozen 2'));
    assert.equal(mainTitle('한산: 용의 출현'), '한산');
    assert.equal(mainTitle('신과함께-죄와 벌'), '신과함께');
    assert.equal(mainTitle('광해, 왕이 된 남자'), '광해');
    assert.equal(mainTitle('파묘'), null);
  });
});

describe('intent', () => {
  const fields = (q: string) => detectIntent(q).fields;
  test('director in Korean and English', () => {
    for (const q of ['파묘 감독은 누구야?', '파묘 연출한 사람', '기생충 누가 만들었어?', '올드보이 누가 찍었어', 'who directed Parasite', 'Parasite director']) {
      assert.deepEqual(fields(q), ['director'], q);
    }
  });
  test('cast', () => {
    for (const q of ['기생충에서 누가 나와', '파묘 출연진 알려줘', '부산행 배우들', '명량 주연이 누구야', "who's in Train to Busan", 'Exhuma cast', 'who stars in Oldboy']) {
      assert.deepEqual(fields(q), ['cast'], q);
    }
  });
  test('release, genre, runtime, country', () => {
    assert.deepEqual(fields('서울의 봄 언제 개봉했어?'), ['release']);
    assert.deepEqual(fields('파묘 언제 나와?'), ['release'], '언제 나와 asks for the release, not the cast');
    assert.deepEqual(fields('괴물 몇 년도 영화야'), ['release']);
    assert.deepEqual(fields('when was Avatar released'), ['release']);
    assert.deepEqual(fields('곡성 장르가 뭐야'), ['genre']);
    assert.deepEqual(fields('what genre is Elemental'), ['genre']);
    assert.deepEqual(fields('오펜하이머 러닝 타임'), ['runtime']);
    assert.deepEqual(fields('노량 상영시간 몇 분이야'), ['runtime']);
    assert.deepEqual(fields('how long is Interstellar'), ['runtime']);
    assert.deepEqual(fields('미나리 어느 나라 영화야?'), ['country']);
    assert.deepEqual(fields('Minari country'), ['country']);
    assert.deepEqual(fields('파묘 감독이랑 출연진'), ['director', 'cast']);
  });
  test('filmography wording', () => {
    for (const q of ['봉준호 감독 영화 뭐 있어?', '박찬욱 작품', '송강호 나온 영화', '마동석 출연작', 'films by Bong Joon-ho', 'movies with Song Kang-ho']) {
      assert.ok(detectIntent(q).filmography, q);
    }
    assert.ok(!detectIntent('파묘 감독은?').filmography);
  });
});

describe('title extraction', () => {
  test('particles after the title', () => {
    assert.equal(titleOf('파묘의 감독은'), '파묘');
    assert.equal(titleOf('파묘 감독이 누구야'), '파묘');
    assert.equal(titleOf('기생충에서 누가 나와'), '기생충');
    assert.equal(titleOf('서울의 봄은 언제 개봉했어?'), '서울의 봄');
    assert.equal(titleOf('명량을 연출한 사람'), '명량');
    assert.equal(titleOf('괴물이랑 살인의 추억 중에 괴물 감독'), '살인의 추억', 'the longest title named wins');
    assert.equal(titleOf('엑시트가 몇 분짜리야'), '엑시트');
    assert.equal(titleOf('부산행에는 누가 나와?'), '부산행');
    assert.equal(titleOf('헤어질 결심의 장르'), '헤어질 결심');
  });
  test('title glued to the question word', () => {
    assert.equal(titleOf('파묘감독은?'), '파묘');
    assert.equal(titleOf('기생충출연진'), '기생충');
    assert.equal(titleOf('암살개봉일'), '암살');
  });
  test('spacing and punctuation variants', () => {
    assert.equal(titleOf('서울의봄 감독'), '서울의 봄');
    assert.equal(titleOf('범죄 도시 4 감독'), '범죄도시4');
    assert.equal(titleOf('범죄도시 4편 러닝타임'), '범죄도시4');
    assert.equal(titleOf('범죄도시4에서 누가 나와'), '범죄도시4');
    assert.equal(titleOf('한산 용의 출현 감독'), '한산: 용의 출현');
    assert.equal(titleOf('한산 감독'), '한산: 용의 출현');
    assert.equal(titleOf('노량 죽음의 바다 개봉일'), '노량: 죽음의 바다');
    assert.equal(titleOf('광해 누가 나와'), '광해, 왕이 된 남자');
    assert.equal(titleOf('7번 방의 선물 감독'), '7번방의 선물');
    assert.equal(titleOf('콘크리트유토피아 출연진'), '콘크리트 유토피아');
    assert.equal(titleOf('신과함께 1 감독'), '신과함께-죄와 벌');
    assert.equal(titleOf('인사이드아웃2 감독'), '인사이드 아웃 2');
    assert.equal(titleOf('인사이드 아웃 2편 장르'), '인사이드 아웃 2');
    assert.equal(titleOf('엔드게임 감독'), '어벤져스: 엔드게임');
    assert.equal(titleOf('탑건 매버릭 러닝타임'), '탑건: 매버릭');
  });
  test('English titles, any case', () => {
    assert.equal(titleOf('who directed Parasite?'), '기생충');
    assert.equal(titleOf('PARASITE cast'), '기생충');
    assert.equal(titleOf('Top Gun Maverick runtime'), '탑건: 매버릭');
    assert.equal(titleOf('when was the host released'), '괴물');
    assert.equal(titleOf('Inside Out 2 director'), '인사이드 아웃 2');
    assert.equal(titleOf('who is in decision to leave'), '헤어질 결심');
  });
  test('small typos by jamo distance', () => {
    assert.equal(titleOf('파뮤 감독'), '파묘');
    assert.equal(titleOf('기생중 출연진'), '기생충');
    assert.equal(titleOf('서울의 봉 감독'), '서울의 봄');
    assert.equal(titleOf('살인의 추엌 감독은'), '살인의 추억');
    assert.equal(titleOf('콘크리트 유토파아 개봉일'), '콘크리트 유토피아');
    assert.equal(titleOf('택시운잔사 누가 나와'), '택시운전사');
    assert.equal(titleOf('who directed Parasit'), '기생충');
    assert.equal(titleOf('Interstelar runtime'), '인터스텔라');
  });
  test('short or far-off words do not match garbage', () => {
    for (const q of ['밥 감독', '가 감독은 누구야', '점심 메뉴 장르', '회의 언제 개봉', 'xyz director', '파도파도 감독은']) {
      assert.equal(understand(q, index).title.kind, 'none', q);
    }
    assert.ok(typoBudget(jamoOf('파뮤').length, false) === 1);
    assert.equal(typoBudget(jamoOf('밥').length, false), 0);
    assert.equal(editDistance(jamoOf('기생중'), jamoOf('기생충'), 2), 1);
  });
  test('several films → a choice', () => {
    for (const [q, n] of [
      ['범죄도시 감독', 4],
      ['베테랑 누가 나와', 2],
      ['신과함께 출연진', 2],
      ['신과 함께 감독', 2],
      ['겨울왕국 러닝타임', 2],
    ] as const) {
      const u = understand(q, index);
      assert.equal(u.title.kind, 'several', q);
      if (u.title.kind === 'several') assert.equal(u.title.movies.length, n, q);
    }
  });
  test('people and filmographies', () => {
    const u = understand('봉준호 감독 영화 뭐 있어?', index);
    assert.equal(u.title.kind, 'none');
    assert.equal(u.person?.person.ko, '봉준호');
    assert.equal(understand('송강호가 나온 영화', index).person?.person.ko, '송강호');
    assert.equal(understand('films by Park Chan-wook', index).person?.person.ko, '박찬욱');
    const both = understand('기생충에 송강호 나와?', index);
    assert.equal(both.title.kind, 'one');
    assert.equal(both.person?.person.ko, '송강호');
  });
  test('small talk is not a movie question', () => {
    for (const q of ['안녕', '안녕하세요', 'hello', '고마워', '']) assert.ok(understand(q, index).chatter, q);
  });
});

describe('answers', () => {
  const 파묘 = byTitle('파묘');
  const 기생충 = byTitle('기생충');
  test('the sentences of the issue', () => {
    assert.equal(fieldSentence(파묘, 'director', 'ko'), '파묘(2024)의 감독은 장재현입니다.');
    assert.equal(fieldSentence(기생충, 'cast', 'ko'), '기생충(2019)에는 송강호, 이선균, 조여정, 최우식, 박소담 등이 출연합니다.');
    assert.equal(fieldSentence(기생충, 'director', 'en'), 'Parasite (2019) was directed by Bong Joon-ho.');
  });
  test('은/는 and 이/가 follow the title and name, not the year', () => {
    assert.equal(fieldSentence(파묘, 'release', 'ko'), '파묘(2024)는 2024년 2월 22일에 개봉했습니다.');
    assert.equal(fieldSentence(기생충, 'release', 'ko'), '기생충(2019)은 2019년 5월 30일에 개봉했습니다.');
    assert.equal(fieldSentence(byTitle('서울의 봄'), 'country', 'ko'), '서울의 봄(2023)은 한국 영화입니다.');
    assert.equal(fieldSentence(byTitle('미나리'), 'country', 'ko'), '미나리(2020)는 미국 영화입니다.');
    const song = index.person(titleKey('송강호'))!;
    const bong = index.person(titleKey('봉준호'))!;
    assert.match(filmography(song, 'acted', 'ko'), /^송강호가 출연한 영화: /);
    assert.match(filmography(index.person(titleKey('마동석'))!, 'acted', 'ko'), /^마동석이 출연한 영화: /);
    assert.equal(filmography(bong, 'directed', 'ko'), '봉준호 감독의 영화: 살인의 추억(2003), 괴물(2006), 기생충(2019).');
    assert.match(notFound('없는영화', [], 'ko'), /^'없는영화'라는 영화는/);
    assert.match(notFound('가나다라마바사 책', [], 'ko'), /^'가나다라마바사 책'이라는 영화는/);
  });
  test('runtime, genre and summary read naturally', () => {
    assert.equal(fieldSentence(byTitle('범죄도시4'), 'runtime', 'ko'), '범죄도시4(2024)의 상영시간은 109분 (1시간 49분)입니다.');
    assert.equal(fieldSentence(byTitle('탑건: 매버릭'), 'runtime', 'en'), 'Top Gun: Maverick (2022) runs 130 minutes.');
    assert.equal(fieldSentence(byTitle('곡성'), 'genre', 'en'), 'The Wailing (2016) is mystery, thriller and drama.');
    assert.match(summary(파묘, 'ko'), /^파묘\(2024\): 감독 장재현, 출연 최민식, 김고은, 유해진/);
    assert.equal(label(byTitle('어벤져스: 엔드게임'), 'en'), 'Avengers: Endgame (2019)');
  });
  test('numbered picks', () => {
    for (const [t, n] of [['2', 2], ['2번', 2], ['3번째', 3], ['1번이요', 1], [' 4 ', 4], ['#2', 2]] as const) assert.equal(parseChoice(t), n, t);
    for (const t of ['2번 감독', '파묘 2', 'two', '']) assert.equal(parseChoice(t), null, t);
  });
});
