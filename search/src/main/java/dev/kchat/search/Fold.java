package dev.kchat.search;

import java.text.Normalizer;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The text rules shared with the TypeScript side, written to give the same
 * result character for character:
 *  - {@link #fold}: audit/search/fold.ts fold() — NFKC, lower case, every
 *    JavaScript {@code \s} character removed (so 파묘 감독 = 파묘감독);
 *  - {@link #clean}: core/text.ts cleanText() — lone surrogates → U+FFFD,
 *    NFC, C0/C1 controls except \t and \n removed, capped in code points;
 *  - {@link #hasLink}: the has:link rule, /https?:\/\/|www\./iu.
 * search/fold.test.ts runs the same strings through both sides.
 */
final class Fold {
  static final int MAX_TEXT = 4000;
  private static final Pattern LINK = Pattern.compile("https?://|www\\.", Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE);

  private Fold() {}

  /** JavaScript's {@code \s} (ECMAScript WhiteSpace + LineTerminator). */
  static boolean jsSpace(int c) {
    return (c >= 0x09 && c <= 0x0d) || c == 0x20 || c == 0xa0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200a)
        || c == 0x2028 || c == 0x2029 || c == 0x202f || c == 0x205f || c == 0x3000 || c == 0xfeff;
  }

  /** The folded form of a text or a query word. */
  static String fold(String text) {
    if (simple(text)) {
      // ASCII and Hangul syllables (nearly all chat): NFKC is the identity, lower case is A–Z: one pass
      char[] out = new char[text.length()];
      int n = 0;
      for (int i = 0; i < text.length(); i++) {
        char c = text.charAt(i);
        if (c < 0x80) {
          if (c == ' ' || (c >= 0x09 && c <= 0x0d)) continue;
          if (c >= 'A' && c <= 'Z') c += 32;
        }
        out[n++] = c;
      }
      return new String(out, 0, n);
    }
    String s = Normalizer.normalize(text, Normalizer.Form.NFKC);
    s = s.toLowerCase(Locale.ROOT);
    StringBuilder out = null;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (jsSpace(c)) {
        if (out == null) out = new StringBuilder(s.length()).append(s, 0, i);
      } else if (out != null) {
        out.append(c);
      }
    }
    return out == null ? s : out.toString();
  }

  /** cleanText(): well-formed, NFC, no controls but \t \n, at most {@code max} code points. */
  static String clean(String input, int max) {
    StringBuilder b = new StringBuilder(input.length());
    for (int i = 0; i < input.length(); i++) {
      char c = input.charAt(i);
      if (Character.isHighSurrogate(c) && i + 1 < input.length() && Character.isLowSurrogate(input.charAt(i + 1))) {
        b.append(c).append(input.charAt(++i));
      } else if (Character.isSurrogate(c)) {
        b.append('\uFFFD');
      } else {
        b.append(c);
      }
    }
    String s = simple(b) ? b.toString() : Normalizer.normalize(b, Normalizer.Form.NFC);
    StringBuilder out = new StringBuilder(s.length());
    int points = 0;
    for (int i = 0; i < s.length() && points < max; ) {
      int cp = s.codePointAt(i);
      i += Character.charCount(cp);
      if ((cp <= 0x08) || (cp >= 0x0b && cp <= 0x1f) || (cp >= 0x7f && cp <= 0x9f)) continue;
      out.appendCodePoint(cp);
      points++;
    }
    return out.toString();
  }

  /** ASCII and precomposed Hangul syllables only: NFKC and NFC leave such text as it is. */
  private static boolean simple(CharSequence s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c >= 0x80 && (c < 0xac00 || c > 0xd7a3)) return false;
    }
    return true;
  }

  /** a character of a Latin run: what the {@code lat} grams are made of (Schema) */
  static boolean latin(char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
  }

  /** whether every character of {@code s} is {@link #latin} */
  static boolean latin(String s) {
    for (int i = 0; i < s.length(); i++) if (!latin(s.charAt(i))) return false;
    return true;
  }

  /** The runs of at least {@code min} {@link #latin} characters in a folded text, separated by a space ("" for none). */
  static String latinRuns(String folded, int min) {
    StringBuilder out = null;
    int start = -1;
    for (int i = 0; i <= folded.length(); i++) {
      if (i < folded.length() && latin(folded.charAt(i))) {
        if (start < 0) start = i;
        continue;
      }
      if (start >= 0 && i - start >= min) {
        if (out == null) out = new StringBuilder();
        else out.append(' ');
        out.append(folded, start, i);
      }
      start = -1;
    }
    return out == null ? "" : out.toString();
  }

  static boolean hasLink(String text) {
    // a quick look for the three prefixes first: the regex only runs on texts that have one
    for (int i = text.indexOf(':'); i >= 0; i = text.indexOf(':', i + 1)) {
      if (i >= 4 && text.startsWith("//", i + 1)) return LINK.matcher(text).find();
    }
    for (int i = text.indexOf('.'); i >= 0; i = text.indexOf('.', i + 1)) {
      if (i >= 3) return LINK.matcher(text).find();
    }
    return false;
  }
}
