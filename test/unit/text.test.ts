import { cleanText, isOneLine, lineText, textProblem } from '../../src/web/text';

/** The character rules every input goes through (src/web/text.ts). */
describe('textProblem', () => {
  test('refuses NUL and lone surrogates, takes well-formed pairs', () => {
    expect(textProblem('a\u0000b')).toBe('nul');
    expect(textProblem('a\ud800')).toBe('surrogate');
    expect(textProblem('\udc00b')).toBe('surrogate');
    expect(textProblem('\ud83d\ude00 Tuyệt')).toBeNull();
    expect(textProblem('\ude00\ud83d')).toBe('surrogate');
  });
});

describe('cleanText', () => {
  test('keeps tabs and lines (as LF) and removes every other control character', () => {
    expect(cleanText('a\r\nb\rc\nd\te')).toBe('a\nb\nc\nd\te');
    expect(cleanText('Ann\u0007\u001b[0m\u007f\u0085\u009f Lê')).toBe('Ann[0m Lê');
    // Direction controls are visible in effect: only single-line fields refuse them.
    expect(cleanText('Nguyễn Thị Lan \u202E')).toBe('Nguyễn Thị Lan \u202E');
  });
});

describe('single-line fields', () => {
  test('refuse line breaks and direction controls, keep tabs and ordinary text', () => {
    for (const bad of ['a\nb', 'a\rb', 'a\u2028b', 'a\u2029b', 'a\u202Eb', 'a\u2066b', 'a\u200Fb', 'a\u061Cb', 'a\u000Bb']) {
      expect([bad, isOneLine(bad)]).toEqual([bad, false]);
    }
    for (const ok of ['Nguyễn Thị Lan', 'a\tb', 'O’Brien & Co. <b>', 'شركة', '😀']) expect([ok, isOneLine(ok)]).toEqual([ok, true]);
  });

  test('lineText reports string.singleLine after trimming', () => {
    expect(lineText.trim().validate('  Ann\n').value).toBe('Ann');
    expect(lineText.trim().validate('Ann\nB').error?.details[0].type).toBe('string.singleLine');
  });
});
