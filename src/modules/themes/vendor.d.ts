// Type declarations for the text libraries that ship none.
declare module 'stopword' {
  /** The package's stop lists, one array of lower-case words per ISO 639-3 code. */
  export const eng: string[];
  export const vie: string[];
}

declare module 'wink-porter2-stemmer' {
  /** Porter2 (English) stem of one lower-case word. */
  export default function stem(word: string): string;
}
