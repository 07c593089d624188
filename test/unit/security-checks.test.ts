import { emailProblems, formulaCells, protectedFormulaCells, rawMarkers, showsEscapedPayload } from '../security/checks';
import { formFor, pageForms } from '../security/forms';
import { PAYLOADS, XSS_ATTR, XSS_SCRIPT } from '../security/payloads';

/** The bad-input suite's own checks: a check that stopped matching would let every defect through. */

test('a payload shown raw in HTML is caught; escaped, it is not (and counts as shown)', () => {
  expect(rawMarkers(`<p>${XSS_SCRIPT}</p>`)).toEqual(['<script>alert(1)</script>']);
  expect(rawMarkers(`<input value="${XSS_ATTR}">`)).toEqual(['<img src=x onerror=alert(1)>']);
  expect(rawMarkers('<a href="javascript:alert(1)">x</a>')).toEqual(['href="javascript:']);
  const escaped = '<p>&lt;script&gt;alert(1)&lt;/script&gt;</p><input value="&quot;&gt;&lt;img src&#x3D;x onerror&#x3D;alert(1)&gt;">';
  expect(rawMarkers(escaped)).toEqual([]);
  expect(showsEscapedPayload(escaped)).toBe(true);
  expect(showsEscapedPayload('<p>nothing</p>')).toBe(false);
});

test('a CSV cell a spreadsheet would run is caught; with a leading quote it is protected', () => {
  const csv = '\uFEFFname,comment\r\n"=HYPERLINK(""http://x"",""y"")",+1\r\n\'@SUM(A1),"\'-2+3"\r\nplain,9\r\n';
  expect(formulaCells(csv)).toEqual(['=HYPERLINK("http://x","y")', '+1']);
  expect(protectedFormulaCells(csv)).toBe(2);
  expect(formulaCells('"unterminated')).toEqual(['(the export is not valid CSV)']);
});

test('an email with a raw payload, an injected line or header is caught', () => {
  expect(emailProblems('<p>Chào &lt;script&gt;</p>', 'Chào Hoa,\nhttps://x', ['to', 'subject'])).toEqual([]);
  expect(emailProblems(`<p>${XSS_SCRIPT}</p>`, null, [])).toHaveLength(1);
  expect(emailProblems(null, 'Chào Hoa\r\nInjected-Line: evil,\n', [])).toHaveLength(1);
  expect(emailProblems(null, null, ['Injected-Line'])).toHaveLength(1);
});

test('forms are read as a browser submits them', () => {
  const html = `
    <form method="get" action="/list"><input name="q" value="a &amp; b"></form>
    <form method="post" action="/things/1?x=1">
      <input type="hidden" name="_csrf" value="t0k">
      <input name="title" value="T" maxlength="20">
      <input type="checkbox" name="flag" value="yes">
      <input type="radio" name="role" value="admin"><input type="radio" name="role" value="viewer" checked>
      <select name="kind"><option value="a">A</option><option value="b" selected>B</option></select>
      <textarea name="note">
line &lt;1&gt;</textarea>
      <input name="attrKey" value=""><input name="attrKey" value="">
      <button type="submit" name="direction" value="up">Up</button><button type="submit" name="direction" value="down">Down</button>
    </form>`;
  expect(pageForms(html)).toHaveLength(2);
  const form = formFor(html, 'post', '/things/1');
  expect(form?.controls.map((c) => [c.name, c.value])).toEqual([
    ['_csrf', 't0k'], ['title', 'T'], ['flag', null], ['role', null], ['role', 'viewer'], ['kind', 'b'], ['note', 'line <1>'],
    ['attrKey', ''], ['attrKey', ''], ['direction', 'up'], ['direction', null],
  ]);
  expect(form?.controls[1].maxLength).toBe(20);
  expect(formFor(html, 'get', '/list')?.controls).toEqual([{ name: 'q', value: 'a & b', maxLength: null }]);
});

test('every payload the brief names is in the catalogue', () => {
  const values = PAYLOADS.map((p) => p.url?.(null, 'x')).map((u) => (u && 'value' in u ? u.value : ''));
  for (const needed of ['%FF', '%C3%28', '9223372036854775808', '-1', '1e309', encodeURIComponent('2026-02-30'), encodeURIComponent('0000-01-01')]) {
    expect(values).toContain(needed);
  }
  expect(PAYLOADS.map((p) => p.json?.(null, 'x'))).toEqual(expect.arrayContaining(['a\u0000b', 'a\ud800b', XSS_SCRIPT, XSS_ATTR, '+1', '@SUM(A1)']));
});
