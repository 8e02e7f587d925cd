import { parseVoc } from './pascal-voc';

/** A VOC file: one <object> per [name, xmin, ymin, xmax, ymax], each element on its own line. */
function voc(
  objects: (string | number)[][],
  size = '<size><width>400</width><height>300</height><depth>3</depth></size>',
): string {
  const body = objects.map(
    ([name, ...c]) =>
      `  <object>\n    <name>${name}</name>\n    <difficult>1</difficult>\n    <bndbox>\n      <xmin>${c[0]}</xmin><ymin>${c[1]}</ymin><xmax>${c[2]}</xmax><ymax>${c[3]}</ymax>\n    </bndbox>\n  </object>\n`,
  );
  return `<?xml version="1.0"?>\n<annotation>\n  <filename>a.tif</filename>\n  ${size}\n${body.join('')}</annotation>\n`;
}

test('boxes as written, classes lowercased, <size> and the line of each <bndbox>', () => {
  const parsed = parseVoc(
    voc([
      ['Tree', 203, 67, 227, 90],
      ['tree', 0, 0.5, 400, 300],
    ]),
    'a.xml',
  );
  expect(parsed.problems).toEqual([]);
  expect(parsed.readable).toBe(true);
  expect(parsed.size).toEqual({ width: 400, height: 300, line: 4 });
  expect(parsed.boxes).toEqual([
    { cls: 'tree', x1: 203, y1: 67, x2: 227, y2: 90 },
    { cls: 'tree', x1: 0, y1: 0.5, x2: 400, y2: 300 },
  ]);
  // object 1 opens on line 5, its <bndbox> on line 8; each object takes 7 lines
  expect(parsed.lines).toEqual([8, 15]);
  expect(parsed.nameLines).toEqual([6, 13]);
});

test('an annotation without objects (or an empty one) is an image without boxes', () => {
  expect(parseVoc(voc([]), 'e.xml')).toMatchObject({ boxes: [], problems: [], readable: true });
  expect(parseVoc('<annotation/>', 'e.xml')).toEqual({
    boxes: [],
    lines: [],
    nameLines: [],
    problems: [],
    readable: true,
  });
});

test('malformed XML is one problem with its line, and nothing else is read', () => {
  const text = voc([['tree', 1, 2, 3, 4]]).replace('</ymax>', '</ymx>');
  const parsed = parseVoc(text, 'bad.xml');
  expect(parsed).toMatchObject({ boxes: [], readable: false });
  expect(parsed.problems).toEqual([
    { file: 'bad.xml', line: 9, message: expect.stringMatching(/^malformed XML: .*'ymax'.*\(column \d+\)$/) },
  ]);
});

test.each([
  ['not xml at all', /^malformed XML/],
  ['<voc><object/></voc>', /^not a Pascal VOC file: no <annotation> element$/],
  ['<annotation/><annotation/>', /more than one <annotation>/],
  ['<annotation>hello</annotation>', /<annotation> holds text/],
])('%s is unreadable', (text, message) => {
  const parsed = parseVoc(text, 'x.xml');
  expect(parsed.readable).toBe(false);
  expect(parsed.problems).toEqual([
    expect.objectContaining({ file: 'x.xml', message: expect.stringMatching(message) }),
  ]);
});

test.each([
  [['tree', 'abc', 2, 30, 40], 5, '<object> 2 (tree): <xmin> is not a number: "abc" in <bndbox>'],
  [['tree', '0x10', 2, 30, 40], 5, '<xmin> is not a number: "0x10"'],
  [['tree', 1, '', 30, 40], 5, '<ymin> is not a number: ""'],
  [['tree', 1, 2, 30, '1e999'], 5, '<ymax> is not finite'],
  [
    ['tree', 30, 2, 30, 40],
    4,
    '<object> 2 (tree): empty box: xmin=30 ymin=2 xmax=30 ymax=40 (needs xmin < xmax and ymin < ymax)',
  ],
  [['tree', 1, 50, 30, 40], 4, 'empty box'],
  [['', 1, 2, 30, 40], 2, '<object> 2: empty <name>'],
  [['dead tree', 1, 2, 30, 40], 2, '<object> 2: class "dead tree" has spaces'],
])(
  '%j -> a problem on line %i of the <object>: "%s"; the other objects still parse',
  (object, lineInObject, message) => {
    const parsed = parseVoc(voc([['tree', 1, 2, 3, 4], object]), 'lbl/x.xml');
    expect(parsed.boxes).toEqual([{ cls: 'tree', x1: 1, y1: 2, x2: 3, y2: 4 }]);
    // object 2 opens on line 12: <name> on its 2nd line, <bndbox> on its 4th, the coordinates on its 5th
    expect(parsed.problems).toEqual([
      { file: 'lbl/x.xml', line: 11 + lineInObject, message: expect.stringContaining(message) },
    ]);
  },
);

test('missing or repeated elements inside an <object> are named', () => {
  const text = [
    '<annotation>',
    '<object><name>a</name></object>',
    '<object><bndbox><xmin>1</xmin></bndbox></object>',
    '<object><name>a</name><bndbox><xmin>1</xmin><xmin>2</xmin><ymin>1</ymin><xmax>5</xmax></bndbox></object>',
    '<object><name>a</name><bndbox><xmin>1<b/></xmin><ymin>1</ymin><xmax>5</xmax><ymax>5</ymax></bndbox><bndbox/></object>',
    '<object><name>a<b/></name></object>',
    '<object/>',
    '</annotation>',
  ].join('\n');
  const parsed = parseVoc(text, 'm.xml');
  expect(parsed.boxes).toEqual([]);
  expect(parsed.problems.map((p) => `${p.line} ${p.message}`)).toEqual([
    '2 <object> 1 (a): no <bndbox>',
    '3 <object> 2: no <name>',
    '4 <object> 3 (a): more than one <xmin> in <bndbox>',
    '4 <object> 3 (a): no <ymax> in <bndbox>',
    '5 <object> 4 (a): more than one <bndbox>',
    '6 <object> 5: <name> holds elements, not text',
    '7 <object> 6: no <name>',
  ]);
});

test('<size>: a non-number is a problem and gives no size; none at all is fine', () => {
  const bad = parseVoc(voc([['tree', 1, 2, 3, 4]], '<size><width>wide</width><height>300</height></size>'), 's.xml');
  expect(bad.size).toBeUndefined();
  expect(bad.boxes).toHaveLength(1);
  expect(bad.problems).toEqual([{ file: 's.xml', line: 4, message: '<size>: <width> is not a number: "wide"' }]);
  const none = parseVoc(voc([['tree', 1, 2, 3, 4]], ''), 'n.xml');
  expect(none.size).toBeUndefined();
  expect(none).toMatchObject({ problems: [], readable: true });
});

test('CRLF line ends, a byte-order mark and entities', () => {
  const text = `\uFEFF${voc([['a&amp;b', 1, 2, 3, 4]])}`.replace(/\n/g, '\r\n');
  const parsed = parseVoc(text, 'c.xml');
  expect(parsed.problems).toEqual([]);
  expect(parsed.boxes).toEqual([{ cls: 'a&b', x1: 1, y1: 2, x2: 3, y2: 4 }]);
  expect(parsed.lines).toEqual([8]);
});
