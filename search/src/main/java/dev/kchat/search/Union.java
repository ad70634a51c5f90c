package dev.kchat.search;

import java.io.IOException;
import java.util.Objects;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.search.ConstantScoreScorer;
import org.apache.lucene.search.ConstantScoreWeight;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.QueryVisitor;
import org.apache.lucene.search.ScoreMode;
import org.apache.lucene.search.Scorer;
import org.apache.lucene.search.TwoPhaseIterator;
import org.apache.lucene.search.Weight;
import org.apache.lucene.search.BooleanClause.Occur;

/**
 * The documents of {@code main} or {@code rest}, for a main part that holds
 * most of the matches as one plain list (a needle's word-prefix term; a
 * message's current text) and a rest that is usually small (where the needle
 * does not begin a word; earlier versions of edited messages). A
 * two-way merge that checks each side's matches itself: Lucene's general
 * disjunction keeps a priority queue per document, a third of a common word's
 * search when one side is nearly everything.
 */
final class Union extends Query {
  final Query main;
  final Query rest;

  Union(Query main, Query rest) {
    this.main = main;
    this.rest = rest;
  }

  @Override
  public Query rewrite(IndexSearcher searcher) throws IOException {
    Query m = main.rewrite(searcher);
    Query r = rest.rewrite(searcher);
    return m == main && r == rest ? this : new Union(m, r);
  }

  @Override
  public Weight createWeight(IndexSearcher searcher, ScoreMode scoreMode, float boost) throws IOException {
    Weight m = searcher.createWeight(main, ScoreMode.COMPLETE_NO_SCORES, 1f);
    Weight r = searcher.createWeight(rest, ScoreMode.COMPLETE_NO_SCORES, 1f);
    return new ConstantScoreWeight(this, boost) {
      @Override
      public Scorer scorer(LeafReaderContext leaf) throws IOException {
        Scorer a = m.scorer(leaf);
        Scorer b = r.scorer(leaf);
        if (a == null && b == null) return null;
        DocIdSetIterator it = a == null ? verified(b) : b == null ? verified(a) : new Merged(a, b);
        return new ConstantScoreScorer(this, score(), scoreMode, it);
      }

      @Override
      public boolean isCacheable(LeafReaderContext leaf) {
        return false;
      }
    };
  }

  /** A scorer's matches as a plain iterator (its two-phase check, if any, done on each candidate). */
  private static DocIdSetIterator verified(Scorer s) {
    TwoPhaseIterator two = s.twoPhaseIterator();
    return two == null ? s.iterator() : TwoPhaseIterator.asDocIdSetIterator(two);
  }

  /** The sorted union of two scorers' matches, each candidate checked by its own side. */
  private static final class Merged extends DocIdSetIterator {
    private final DocIdSetIterator a;
    private final TwoPhaseIterator a2;
    private final DocIdSetIterator b;
    private final TwoPhaseIterator b2;
    private int doc = -1;
    private int da = -1;
    private int db = -1;

    Merged(Scorer sa, Scorer sb) {
      a2 = sa.twoPhaseIterator();
      a = a2 == null ? sa.iterator() : a2.approximation();
      b2 = sb.twoPhaseIterator();
      b = b2 == null ? sb.iterator() : b2.approximation();
    }

    /** the next match of one side at or after target */
    private static int next(DocIdSetIterator it, TwoPhaseIterator two, int target) throws IOException {
      int d = it.docID() + 1 == target ? it.nextDoc() : it.advance(target);
      while (two != null && d != NO_MORE_DOCS && !two.matches()) d = it.nextDoc();
      return d;
    }

    @Override
    public int docID() {
      return doc;
    }

    @Override
    public int nextDoc() throws IOException {
      return advance(doc + 1);
    }

    @Override
    public int advance(int target) throws IOException {
      if (da < target) da = next(a, a2, target);
      if (db < target) db = next(b, b2, target);
      return doc = Math.min(da, db);
    }

    @Override
    public long cost() {
      return a.cost() + b.cost();
    }
  }

  @Override
  public void visit(QueryVisitor visitor) {
    QueryVisitor v = visitor.getSubVisitor(Occur.SHOULD, this);
    main.visit(v);
    rest.visit(v);
  }

  @Override
  public String toString(String field) {
    return "union(" + main.toString(field) + ", " + rest.toString(field) + ")";
  }

  @Override
  public boolean equals(Object other) {
    return sameClassAs(other) && main.equals(((Union) other).main) && rest.equals(((Union) other).rest);
  }

  @Override
  public int hashCode() {
    return Objects.hash(classHash(), main, rest);
  }
}
