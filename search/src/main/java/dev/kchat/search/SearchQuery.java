package dev.kchat.search;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import org.apache.lucene.document.LongPoint;
import org.apache.lucene.document.NumericDocValuesField;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.BooleanClause.Occur;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.IndexOrDocValuesQuery;
import org.apache.lucene.search.MatchAllDocsQuery;
import org.apache.lucene.search.PhraseQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.TermInSetQuery;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.util.BytesRef;

/**
 * The JSON query the TypeScript side sends (audit/search/client.ts builds it
 * from the one query parser, audit/search/query.ts):
 * <pre>
 * {"must":["장애"],"not":[],"nicks":[],"channels":[],"types":[],"from":null,"to":null,
 *  "has_link":false,"limit":20,"after":{"ts":…,"id":"…"}|null,"fresh_ms":1000,
 *  "view":{"role":"auditor"} | {"role":"member","channels":["general",…]}}
 * </pre>
 * Needles and nicks arrive folded (fold.ts), channels lower-cased. An
 * auditor's view matches every version of a message and shows deleted ones
 * and ephemeral answers (flagged); a member's matches the current text in the
 * listed channels only, never a deleted message or an ephemeral answer.
 */
final class SearchQuery {
  static final int MAX_LIMIT = 1000;
  static final int MAX_TERMS = 64;

  static final class Bad extends Exception {
    Bad(String message) {
      super(message, null, false, false);
    }
  }

  List<String> must = List.of();
  List<String> not = List.of();
  List<String> nicks = List.of();
  List<String> channels = List.of();
  List<String> types = List.of();
  Long from;
  Long to;
  boolean hasLink;
  int limit = 20;
  Long afterTs;
  BytesRef afterId;
  long freshMs;
  boolean auditor;
  /** a member's channels (null for auditors) */
  List<String> memberChannels;
  /**
   * Filters the search checks on each match of the needles (by the facets' channel and person of each document,
   * {@link Searcher}) instead of giving them to Lucene: set by the searcher where a filter is not much narrower
   * than the needles, as Lucene's IndexOrDocValuesQuery does for ranges.
   */
  boolean channelsPerMatch;
  boolean nicksPerMatch;
  boolean memberChannelsPerMatch;

  static SearchQuery parse(JsonNode j) throws Bad {
    if (j == null || !j.isObject()) throw new Bad("the query must be a JSON object");
    SearchQuery q = new SearchQuery();
    q.must = strings(j, "must");
    q.not = strings(j, "not");
    q.nicks = strings(j, "nicks");
    q.channels = strings(j, "channels");
    q.types = strings(j, "types");
    q.from = time(j, "from");
    q.to = time(j, "to");
    q.hasLink = j.path("has_link").asBoolean(false);
    JsonNode limit = j.get("limit");
    if (limit != null && !limit.isNull()) {
      if (!limit.canConvertToInt() || limit.asInt() < 1 || limit.asInt() > MAX_LIMIT) throw new Bad("limit must be an integer from 1 to " + MAX_LIMIT);
      q.limit = limit.asInt();
    }
    JsonNode after = j.get("after");
    if (after != null && !after.isNull()) {
      if (!after.path("ts").isIntegralNumber() || !after.path("id").isTextual()) throw new Bad("after must be {\"ts\": integer, \"id\": string}");
      q.afterTs = after.get("ts").asLong();
      q.afterId = new BytesRef(after.get("id").asText());
    }
    q.freshMs = Math.max(0, Math.min(30_000, j.path("fresh_ms").asLong(0)));
    JsonNode view = j.get("view");
    String role = view == null ? "" : view.path("role").asText("");
    switch (role) {
      case "auditor" -> q.auditor = true;
      case "member" -> {
        if (!view.path("channels").isArray()) throw new Bad("a member's view must list the member's channels");
        q.memberChannels = strings(view, "channels");
      }
      default -> throw new Bad("view.role must be \"auditor\" or \"member\"");
    }
    return q;
  }

  private static List<String> strings(JsonNode j, String field) throws Bad {
    JsonNode a = j.get(field);
    if (a == null || a.isNull()) return List.of();
    if (!a.isArray()) throw new Bad(field + " must be an array of strings");
    List<String> out = new ArrayList<>();
    for (JsonNode n : a) {
      if (!n.isTextual()) throw new Bad(field + " must be an array of strings");
      if (!n.asText().isEmpty()) out.add(n.asText());
    }
    if (out.size() > MAX_TERMS && !field.equals("channels")) throw new Bad(field + " has more than " + MAX_TERMS + " entries");
    return out;
  }

  private static Long time(JsonNode j, String field) throws Bad {
    JsonNode n = j.get(field);
    if (n == null || n.isNull()) return null;
    if (!n.isIntegralNumber()) throw new Bad(field + " must be epoch milliseconds");
    return n.asLong();
  }

  /** The text fields of one text: current ({@link #CURRENT}) or earlier versions ({@link #OLD}). */
  record TextFields(String tri, String bi, String uni, String lat) {}

  static final TextFields CURRENT = new TextFields(Schema.TRI, Schema.BI, Schema.UNI, Schema.LAT);
  static final TextFields OLD = new TextFields(Schema.OLD_TRI, Schema.OLD_BI, Schema.OLD_UNI, Schema.OLD_LAT);

  /**
   * One folded needle: a character (uni), a bigram (bi) or a trigram (tri) is
   * one term; a longer needle is a phrase of the trigrams at positions 0, 3,
   * 6, … and the last, which cover it (trigram i covers characters i…i+2 and
   * sits at position i, so the phrase matches exactly where it is a substring).
   * A needle of 4 to 6 Latin letters and digits (deploy, kafka, 2024) lies
   * inside one Latin run wherever it occurs: it is one gram of {@code lat}.
   */
  static Query needle(TextFields f, String needle) {
    if (latinGram(needle)) return new TermQuery(new Term(f.lat, needle));
    return phrase(f, needle);
  }

  private static Query phrase(TextFields f, String needle) {
    List<Term> terms = gramTerms(f, needle);
    int[] at = termStarts(needle.codePointCount(0, needle.length()));
    if (at.length == 1) return new TermQuery(terms.get(0));
    PhraseQuery.Builder b = new PhraseQuery.Builder();
    for (int i = 0; i < at.length; i++) b.add(terms.get(i), at[i]);
    return b.build();
  }

  /** The terms a needle is searched by ({@link #needle}), to price it: its Latin gram, or the trigrams of its phrase. */
  static List<Term> terms(TextFields f, String needle) {
    return latinGram(needle) ? List.of(new Term(f.lat, needle)) : gramTerms(f, needle);
  }

  /** one term of up to three characters, or the trigrams of the phrase in order */
  private static List<Term> gramTerms(TextFields f, String needle) {
    int[] cps = needle.codePoints().toArray();
    if (cps.length <= 3) return List.of(new Term(cps.length == 1 ? f.uni : cps.length == 2 ? f.bi : f.tri, needle));
    List<Term> out = new ArrayList<>();
    for (int p : termStarts(cps.length)) out.add(new Term(f.tri, new String(cps, p, 3)));
    return out;
  }

  /** whether a needle is one gram of {@code lat}: 4 to 6 Latin letters and digits */
  private static boolean latinGram(String needle) {
    return needle.length() >= Schema.LAT_MIN && needle.length() <= Schema.LAT_MAX && Fold.latin(needle);
  }

  /** where a needle's terms start: 0 for one of up to three characters, else 0, 3, 6, … and the last trigram */
  private static int[] termStarts(int length) {
    if (length <= 3) return new int[] {0};
    int last = length - 3;
    int[] out = new int[(last + 2) / 3 + 1];
    for (int i = 0; i < out.length - 1; i++) out[i] = 3 * i;
    out[out.length - 1] = last;
    return out;
  }

  private Query text(String needle) {
    Query current = needle(CURRENT, needle);
    if (!auditor) return current;
    return new BooleanQuery.Builder()
        .add(current, Occur.SHOULD)
        .add(needle(OLD, needle), Occur.SHOULD)
        .build();
  }

  private static Query anyOf(String field, List<String> values) {
    List<BytesRef> terms = new ArrayList<>();
    for (String v : values) terms.add(new BytesRef(v));
    return new TermInSetQuery(field, terms);
  }

  private static Query flag(String field) {
    return new TermQuery(new Term(field, Schema.YES));
  }

  Query toLucene() {
    BooleanQuery.Builder b = new BooleanQuery.Builder();
    boolean positive = false;
    for (String n : must) {
      b.add(text(n), Occur.FILTER);
      positive = true;
    }
    for (String n : not) b.add(text(n), Occur.MUST_NOT);
    if (!nicks.isEmpty() && !nicksPerMatch) b.add(anyOf(Schema.NICK_KEY, nicks), Occur.FILTER);
    if (!channels.isEmpty() && !channelsPerMatch) b.add(anyOf(Schema.CHANNEL, channels), Occur.FILTER);
    if (!types.isEmpty()) b.add(anyOf(Schema.TYPE, types), Occur.FILTER);
    if (hasLink) {
      Query link = auditor
          ? new BooleanQuery.Builder().add(flag(Schema.LINK), Occur.SHOULD).add(flag(Schema.OLD_LINK), Occur.SHOULD).build()
          : flag(Schema.LINK);
      b.add(link, Occur.FILTER);
    }
    if (memberChannels != null) {
      if (!memberChannelsPerMatch) b.add(anyOf(Schema.CHANNEL, memberChannels), Occur.FILTER);
      b.add(flag(Schema.DELETED), Occur.MUST_NOT);
      b.add(flag(Schema.EPHEMERAL), Occur.MUST_NOT);
    }
    if (from != null || to != null) {
      long lo = from == null ? Long.MIN_VALUE : from;
      long hi = to == null ? Long.MAX_VALUE : to - 1;
      // points for a narrow range, doc values when other clauses already narrow it down
      b.add(new IndexOrDocValuesQuery(LongPoint.newRangeQuery(Schema.TS, lo, hi), NumericDocValuesField.newSlowRangeQuery(Schema.TS, lo, hi)), Occur.FILTER);
    }
    // (a filter checked per match only ever stands beside a needle: `must` is not empty then)
    positive |= from != null || to != null || !nicks.isEmpty() || !channels.isEmpty() || !types.isEmpty() || hasLink || memberChannels != null;
    if (!positive) b.add(new MatchAllDocsQuery(), Occur.FILTER);
    b.add(flag(Schema.PENDING), Occur.MUST_NOT);
    return b.build();
  }
}
