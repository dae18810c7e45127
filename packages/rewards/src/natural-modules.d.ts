// Types for the few `natural` submodules imported directly. The package's top-level entry loads every module
// (WordNet, classifiers, database clients, dotenv: about 1.6 s and 150 MB), so the rewards import only these.
declare module 'natural/lib/natural/distance/jaro-winkler_distance.js' {
  const jaroWinkler: (a: string, b: string, options?: { ignoreCase?: boolean }) => number;
  export default jaroWinkler;
}
declare module 'natural/lib/natural/distance/dice_coefficient.js' {
  const dice: (a: string, b: string) => number;
  export default dice;
}
declare module 'natural/lib/natural/stemmers/porter_stemmer.js' {
  const stemmer: { stem(token: string): string };
  export default stemmer;
}
declare module 'natural/lib/natural/stemmers/lancaster_stemmer.js' {
  const stemmer: { stem(token: string): string };
  export default stemmer;
}
declare module 'natural/lib/natural/tokenizers/regexp_tokenizer.js' {
  export class WordTokenizer {
    tokenize(text: string): string[];
  }
}
declare module 'natural/lib/natural/tokenizers/treebank_word_tokenizer.js' {
  class TreebankWordTokenizer {
    tokenize(text: string): string[];
  }
  export default TreebankWordTokenizer;
}
