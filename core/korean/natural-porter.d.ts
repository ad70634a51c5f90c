// natural's Porter stemmer, imported on its own: the package index loads dotenv,
// which prints to stdout and would corrupt `--json` CLI output.
declare module 'natural/lib/natural/stemmers/porter_stemmer.js' {
  const PorterStemmer: { stem(word: string): string };
  export default PorterStemmer;
}
