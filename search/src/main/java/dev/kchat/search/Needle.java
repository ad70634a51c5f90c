package dev.kchat.search;

import java.io.IOException;
import org.apache.lucene.index.IndexReader;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.BooleanClause.Occur;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.QueryVisitor;
import org.apache.lucene.search.ScoreMode;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.Weight;

/**
 * A folded needle of 4 to {@link Schema#MAX_WORD} characters in the current
 * text, found exactly either by its trigram phrase or by words, whichever
 * reads less for this index (decided when the query is rewritten, from the
 * terms' document counts).
 *
 * By words: every place the needle occurs in the folded text either begins a
 * word that holds all of it (the word's prefix: one term of {@code pre}), or
 * begins inside a word (its first trigram is in {@code tri_mid}), or begins a
 * word that ends inside it (that word, a prefix of the needle, is in
 * {@code word}). The first kind is read as a plain list of documents; only
 * documents of the other two are checked by the phrase. A common needle
 * ({@code deploy}, {@code 서버에서}) nearly always begins a word, so it costs
 * one list instead of the positions of every candidate; one that usually runs
 * across a space ({@code 바로볼게요} from "바로 볼게요") would check nearly all
 * its candidates anyway, and goes by the phrase alone.
 */
final class Needle extends Query {
  final String needle;

  Needle(String needle) {
    this.needle = needle;
  }

  @Override
  public Query rewrite(IndexSearcher searcher) throws IOException {
    Query phrase = SearchQuery.needle(Schema.TRI, Schema.BI, Schema.UNI, needle);
    int[] cps = needle.codePoints().toArray();
    if (cps.length < 4 || cps.length > Schema.MAX_WORD) return phrase;
    IndexReader reader = searcher.getIndexReader();
    // the phrase checks the positions of every document holding its rarest trigram
    long phraseChecks = Long.MAX_VALUE;
    for (int p = 0; p + 3 <= cps.length; p++) phraseChecks = Math.min(phraseChecks, reader.docFreq(new Term(Schema.TRI, new String(cps, p, 3))));
    BooleanQuery.Builder elsewhere = new BooleanQuery.Builder();
    Term mid = new Term(Schema.TRI_MID, new String(cps, 0, 3));
    long wordChecks = reader.docFreq(mid);
    elsewhere.add(new TermQuery(mid), Occur.SHOULD);
    for (int j = 1; j < cps.length; j++) {
      Term word = new Term(Schema.WORD, new String(cps, 0, j));
      wordChecks += reader.docFreq(word);
      elsewhere.add(new TermQuery(word), Occur.SHOULD);
    }
    if (wordChecks * 2 > phraseChecks) return phrase;
    Query checked = new BooleanQuery.Builder().add(elsewhere.build(), Occur.FILTER).add(phrase, Occur.FILTER).build();
    return new Union(new TermQuery(new Term(Schema.PRE, needle)), checked);
  }

  @Override
  public Weight createWeight(IndexSearcher searcher, ScoreMode scoreMode, float boost) throws IOException {
    return searcher.createWeight(searcher.rewrite(this), scoreMode, boost);
  }

  @Override
  public void visit(QueryVisitor visitor) {
    visitor.visitLeaf(this);
  }

  @Override
  public String toString(String field) {
    return "needle(" + needle + ")";
  }

  @Override
  public boolean equals(Object other) {
    return sameClassAs(other) && needle.equals(((Needle) other).needle);
  }

  @Override
  public int hashCode() {
    return 31 * classHash() + needle.hashCode();
  }
}
