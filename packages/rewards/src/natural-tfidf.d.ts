// Test-only: natural's TfIdf class, the independent implementation the TF-IDF cosine is checked against.
declare module 'natural/lib/natural/tfidf/tfidf.js' {
  class TfIdf {
    addDocument(doc: string[]): void;
    tfidf(term: string, d: number): number;
  }
  export default TfIdf;
}
