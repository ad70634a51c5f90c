package dev.kchat.search;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.core.KeywordAnalyzer;
import org.apache.lucene.analysis.miscellaneous.PerFieldAnalyzerWrapper;
import org.apache.lucene.analysis.ngram.NGramTokenizer;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.FieldType;
import org.apache.lucene.document.LongPoint;
import org.apache.lucene.document.NumericDocValuesField;
import org.apache.lucene.document.SortedDocValuesField;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.IndexOptions;
import org.apache.lucene.index.IndexableField;
import org.apache.lucene.util.BytesRef;

/**
 * The index layout (docs/search.md has the same as an OpenSearch mapping).
 *
 * Text: the folded text (Fold.fold: NFKC, lower case, no whitespace) cut into
 * character trigrams with positions ({@code tri}), bigrams ({@code bi}) and
 * single characters ({@code uni}), the last two documents only. A needle of
 * one, two or three characters is one term; a longer one is a phrase of
 * trigrams at their positions, so every substring is found exactly as a
 * substring (장애 in 서버장애가). Runs of Latin letters and digits in the
 * folded text (deploy, kafka, 2024) are also cut into grams of 4 to 6
 * characters ({@code lat}, documents only): a Latin word carries in six letters
 * what a Korean one does in two or three syllables, so its needles are longer,
 * and as a phrase of trigrams a common one (deploy: 2.5M of 10M messages)
 * cost a position check per match; as one gram it is one posting list
 * (needles of 4 to 6 such characters: SearchQuery.needle).
 * {@code old_*} hold the earlier versions of edited messages (auditors match
 * them).
 *
 * Keywords: id, channel (lower case), nick_key (folded nick), user_id, type,
 * and flags (link, old_link, edited, deleted, ephemeral, pending). Time: ts as
 * a point (ranges) and doc values (the page: newest first, ties by id). The
 * index is not sorted: documents stay in log order, which is nearly time
 * order, and every search visits all its matches anyway (exact totals and
 * facets), so sorting would only cost indexing and merging time.
 */
final class Schema {
  /** Bumped when the layout changes: an index of another version is rebuilt from Kafka. */
  static final String VERSION = "7";

  static final String ID = "id";
  static final String TS = "ts";
  static final String CHANNEL = "channel";
  static final String NICK = "nick";
  static final String NICK_KEY = "nick_key";
  /** channel and nick of a message in one sorted doc value: facet counting reads one value per match */
  static final String CHANNEL_NICK = "channel_nick";
  static final char SEP = '\u0000';
  static final String USER_ID = "user_id";
  static final String TYPE = "type";
  static final String TEXT = "text";
  static final String TEXT_TS = "text_ts";
  static final String TEXT_BY = "text_by";
  static final String TRI = "tri";
  static final String BI = "bi";
  static final String UNI = "uni";
  static final String LAT = "lat";
  static final String OLD_TRI = "old_tri";
  static final String OLD_BI = "old_bi";
  static final String OLD_UNI = "old_uni";
  static final String OLD_LAT = "old_lat";
  /** the lengths of the grams of Latin runs ({@link #LAT}) */
  static final int LAT_MIN = 4;
  static final int LAT_MAX = 6;
  static final String LINK = "link";
  static final String OLD_LINK = "old_link";
  static final String EDITED = "edited";
  static final String DELETED = "deleted";
  static final String DELETED_TS = "deleted_ts";
  static final String DELETED_BY = "deleted_by";
  static final String EPHEMERAL = "ephemeral";
  static final String VISIBLE_TO = "visible_to";
  static final String PENDING = "pending";
  static final String PENDING_OPS = "pending_ops";
  static final String VERSIONS = "versions";
  static final String REPLY_TO = "reply_to";
  static final String PARTITION = "partition";
  static final String OFFSET = "offset";
  static final String YES = "1";

  private static final ObjectMapper JSON = new ObjectMapper();

  private static final FieldType POSITIONS = new FieldType();
  private static final FieldType DOCS_ONLY = new FieldType();

  static {
    POSITIONS.setTokenized(true);
    POSITIONS.setOmitNorms(true);
    POSITIONS.setIndexOptions(IndexOptions.DOCS_AND_FREQS_AND_POSITIONS);
    POSITIONS.freeze();
    DOCS_ONLY.setTokenized(true);
    DOCS_ONLY.setOmitNorms(true);
    DOCS_ONLY.setIndexOptions(IndexOptions.DOCS);
    DOCS_ONLY.freeze();
  }

  private Schema() {}

  /** n-grams of the (already folded) text; versions of one message never form a phrase across each other. */
  private static Analyzer grams(int n) {
    return new Analyzer() {
      @Override
      protected TokenStreamComponents createComponents(String field) {
        return new TokenStreamComponents(new NGramTokenizer(n, n));
      }

      @Override
      public int getPositionIncrementGap(String field) {
        return 100;
      }
    };
  }

  /** grams of LAT_MIN to LAT_MAX characters within the space-separated runs {@link Fold#latinRuns} gives */
  private static Analyzer latinGrams() {
    return new Analyzer() {
      @Override
      protected TokenStreamComponents createComponents(String field) {
        return new TokenStreamComponents(new NGramTokenizer(LAT_MIN, LAT_MAX) {
          @Override
          protected boolean isTokenChar(int c) {
            return c != ' ';
          }
        });
      }
    };
  }

  static Analyzer analyzer() {
    Analyzer tri = grams(3);
    Analyzer bi = grams(2);
    Analyzer uni = grams(1);
    Analyzer lat = latinGrams();
    return new PerFieldAnalyzerWrapper(new KeywordAnalyzer(), Map.of(TRI, tri, OLD_TRI, tri, BI, bi, OLD_BI, bi, UNI, uni, OLD_UNI, uni, LAT, lat, OLD_LAT, lat));
  }

  /** the text fields of a folded text: trigrams with positions, bigrams, characters and the grams of its Latin runs */
  private static void addText(Document d, String folded, String tri, String bi, String uni, String lat) {
    d.add(new Field(tri, folded, POSITIONS));
    d.add(new Field(bi, folded, DOCS_ONLY));
    d.add(new Field(uni, folded, DOCS_ONLY));
    String runs = Fold.latinRuns(folded, LAT_MIN);
    if (!runs.isEmpty()) d.add(new Field(lat, runs, DOCS_ONLY));
  }

  static Document toDocument(Message m) {
    Document d = new Document();
    d.add(new StringField(ID, m.id, Field.Store.YES));
    d.add(new SortedDocValuesField(ID, new BytesRef(m.id)));
    d.add(new NumericDocValuesField(TS, m.ts));
    d.add(new LongPoint(TS, m.ts));
    d.add(new StoredField(TS, m.ts));
    String channel = m.channel.toLowerCase(java.util.Locale.ROOT);
    d.add(new StringField(CHANNEL, channel, Field.Store.YES));
    d.add(new StoredField(NICK, m.nick));
    d.add(new SortedDocValuesField(CHANNEL_NICK, new BytesRef(channel + SEP + m.nick)));
    d.add(new StringField(NICK_KEY, Fold.fold(m.nick), Field.Store.NO));
    d.add(new StringField(USER_ID, m.userId, Field.Store.YES));
    d.add(new StringField(TYPE, m.type, Field.Store.YES));
    d.add(new StoredField(TEXT, m.text));
    addText(d, Fold.fold(m.text), TRI, BI, UNI, LAT);
    if (Fold.hasLink(m.text)) d.add(new StringField(LINK, YES, Field.Store.NO));
    if (m.edited()) {
      d.add(new StringField(EDITED, YES, Field.Store.NO));
      d.add(new StoredField(TEXT_TS, m.textTs));
      d.add(new StoredField(TEXT_BY, m.textBy));
      ArrayNode versions = JSON.createArrayNode();
      boolean oldLink = false;
      for (Message.Version v : m.versions) {
        versions.addObject().put("text", v.text()).put("ts", v.ts()).put("by", v.by());
        addText(d, Fold.fold(v.text()), OLD_TRI, OLD_BI, OLD_UNI, OLD_LAT);
        oldLink |= Fold.hasLink(v.text());
      }
      if (oldLink) d.add(new StringField(OLD_LINK, YES, Field.Store.NO));
      d.add(new StoredField(VERSIONS, versions.toString()));
    }
    if (m.deleted()) {
      d.add(new StringField(DELETED, YES, Field.Store.NO));
      d.add(new StoredField(DELETED_TS, m.deletedTs));
      if (m.deletedBy != null) d.add(new StoredField(DELETED_BY, m.deletedBy));
    }
    if (m.visibleTo != null) {
      d.add(new StringField(EPHEMERAL, YES, Field.Store.NO));
      for (String u : m.visibleTo) d.add(new StringField(VISIBLE_TO, u, Field.Store.YES));
    }
    if (m.pending) {
      d.add(new StringField(PENDING, YES, Field.Store.NO));
      d.add(new StoredField(PENDING_OPS, JSON.valueToTree(m.pendingOps).toString()));
    }
    if (m.replyTo != null) d.add(new StoredField(REPLY_TO, m.replyTo));
    d.add(new StoredField(PARTITION, m.partition));
    d.add(new StoredField(OFFSET, m.offset));
    return d;
  }

  /** Read a message back from its stored fields (to apply an edit, a delete, or a late message). */
  static Message fromDocument(Document d) {
    Message m = new Message();
    m.id = d.get(ID);
    m.ts = num(d, TS, 0);
    m.channel = d.get(CHANNEL);
    m.nick = d.get(NICK);
    m.userId = d.get(USER_ID);
    m.type = d.get(TYPE);
    m.text = d.get(TEXT);
    m.textTs = num(d, TEXT_TS, m.ts);
    m.textBy = d.get(TEXT_BY) != null ? d.get(TEXT_BY) : m.id;
    m.replyTo = d.get(REPLY_TO);
    m.partition = (int) num(d, PARTITION, -1);
    m.offset = num(d, OFFSET, -1);
    String[] visible = d.getValues(VISIBLE_TO);
    if (visible.length > 0) m.visibleTo = List.of(visible);
    String versions = d.get(VERSIONS);
    if (versions != null) {
      for (JsonNode v : parse(versions)) m.versions.add(new Message.Version(v.path("text").asText(""), v.path("ts").asLong(), v.path("by").asText("")));
    }
    if (d.getField(DELETED_TS) != null) {
      m.deletedTs = num(d, DELETED_TS, 0);
      m.deletedBy = d.get(DELETED_BY);
    }
    String ops = d.get(PENDING_OPS);
    if (ops != null) {
      m.pending = true;
      for (JsonNode op : parse(ops)) m.pendingOps.add(op.asText());
    }
    return m;
  }

  private static long num(Document d, String field, long fallback) {
    IndexableField f = d.getField(field);
    return f == null || f.numericValue() == null ? fallback : f.numericValue().longValue();
  }

  private static JsonNode parse(String json) {
    try {
      return JSON.readTree(json);
    } catch (java.io.IOException e) {
      return JSON.createArrayNode();
    }
  }

  /** A hit as JSON: the public hit shape plus the second-edition flags (text and highlights are added by the TS side). */
  static ObjectNode hit(Document d, boolean withVersions) {
    ObjectNode h = JSON.createObjectNode();
    h.put("id", d.get(ID));
    h.put("channel", d.get(CHANNEL));
    h.put("nick", d.get(NICK));
    h.put("user_id", d.get(USER_ID));
    h.put("text", d.get(TEXT));
    h.put("ts", num(d, TS, 0));
    h.put("type", d.get(TYPE));
    ObjectNode kafka = h.putObject("kafka");
    long partition = num(d, PARTITION, -1);
    long offset = num(d, OFFSET, -1);
    if (partition < 0) kafka.putNull("partition");
    else kafka.put("partition", partition);
    if (offset < 0) kafka.putNull("offset");
    else kafka.put("offset", offset);
    String versions = d.get(VERSIONS);
    h.put("edited", versions != null);
    h.put("deleted", d.getField(DELETED_TS) != null);
    String replyTo = d.get(REPLY_TO);
    if (replyTo != null) h.put("reply_to", replyTo);
    if (withVersions && versions != null) h.set("versions", parse(versions));
    String[] visible = d.getValues(VISIBLE_TO);
    if (visible.length > 0) {
      ArrayNode to = h.putArray("visible_to");
      for (String v : visible) to.add(v);
    }
    return h;
  }

  static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    if (array != null && array.isArray()) for (JsonNode n : array) if (n.isTextual()) out.add(n.asText());
    return out;
  }
}
