import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { escapeXml, linePlot, MAX_MARKERS } from '../../../src/experiment/report/svg.ts';
import { formatTick, linearTicks, logTicks, makeScale, niceDomain, thinTicks } from '../../../src/experiment/report/scale.ts';
import { count, markupProblems } from './xml.ts';

test('linear ticks are nice round numbers inside the range', () => {
  assert.equal(linearTicks(0, 1, 5), [0, 0.2, 0.4, 0.6, 0.8, 1]);
  assert.equal(linearTicks(93.2, 98.7, 5), [94, 96, 98]);
  assert.equal(linearTicks(0, 20000, 6), [0, 5000, 10000, 15000, 20000]);
  assert.equal(linearTicks(0.1, 0.3, 2), [0.1, 0.2, 0.3]);
  assert.equal(linearTicks(5, 5), [5]);
});

test('niceDomain widens to tick multiples and pads a zero-width range', () => {
  assert.equal(niceDomain(93.2, 98.7), [92, 100]);
  assert.equal(niceDomain(0, 27933), [0, 30000]);
  assert.equal(niceDomain(10, 10), [9, 11]);
});

test('log ticks: 1-2-5 on short spans, powers of ten on long ones', () => {
  assert.equal(logTicks(1, 100), [1, 2, 5, 10, 20, 50, 100]);
  assert.equal(logTicks(1.3, 110), [2, 5, 10, 20, 50, 100]);
  assert.equal(logTicks(0.01, 1000), [0.01, 0.1, 1, 10, 100, 1000]);
  assert.equal(logTicks(0, 10), []);
});

test('reversed log scale puts 100 on the left and spaces decades equally', () => {
  const s = makeScale('log', [1, 100], [0, 200], true);
  assert.is(s.map(100), 0);
  assert.ok(Math.abs(s.map(10) - 100) < 1e-9);
  assert.is(s.map(1), 200);
  assert.ok(Math.abs(s.map(Math.sqrt(10)) - 150) < 1e-9);
  const lin = makeScale('linear', [0, 10], [50, 150]);
  assert.is(lin.map(2.5), 75);
});

test('thinTicks drops ticks that would be closer than the gap', () => {
  const s = makeScale('log', [1, 100], [0, 200], true);
  const levels = [100, 80, 64, 51.2, 41, 32.8, 10, 8, 1];
  // 100 -> 0px, 80 -> 9.7, 64 -> 19.4, 51.2 -> 29.1, 41 -> 38.7, 32.8 -> 48.4, 10 -> 100, 8 -> 109.7, 1 -> 200
  assert.equal(thinTicks(levels, s, 30), [100, 41, 10, 1]);
});

test('formatTick keeps 3 significant digits without trailing zeros', () => {
  assert.is(formatTick(100), '100');
  assert.is(formatTick(51.2), '51.2');
  assert.is(formatTick(6.871947), '6.87');
  assert.is(formatTick(0.2), '0.2');
  assert.is(formatTick(20000), '20000');
  assert.is(formatTick(0), '0');
});

const series = [
  { name: 'ticket', points: [{ x: 100, y: 98, yMin: 97.5, yMax: 98.5 }, { x: 10, y: 98.4, yMin: 98, yMax: 98.9 }, { x: 1, y: 97, yMin: 96.5, yMax: 97.5 }] },
  { name: 'reinit <&> "q"', dashed: true, points: [{ x: 10, y: 95 }, { x: 1, y: 92 }, { x: 100, y: 98 }] },
  { name: 'one point', points: [{ x: 50, y: 96, yMin: 95, yMax: 97 }] },
];

test('linePlot is well-formed SVG with a line per multi-point series, a band per banded series, a marker per point', () => {
  const svg = linePlot({ title: 'Accuracy <at> early stop & more', xLabel: 'Percent of weights remaining', yLabel: 'Test accuracy (%)', series, xScale: 'log', xReverse: true });
  assert.equal(markupProblems(svg), []);
  assert.ok(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"'));
  assert.is(count(svg, /class="series-line"/), 2);
  assert.is(count(svg, /class="band"/), 2);
  assert.is(count(svg, /class="marker"/), 7);
  assert.is(count(svg, /class="legend-marker"/), 3);
  assert.is(count(svg, /stroke-dasharray/), 2); // the dashed line and its legend swatch
  assert.ok(svg.includes('Accuracy &lt;at&gt; early stop &amp; more'));
  assert.ok(svg.includes('reinit &lt;&amp;&gt; &quot;q&quot;'));
});

test('log x ticks land at the right positions, reversed', () => {
  const svg = linePlot({ title: 't', xLabel: 'x', yLabel: 'y', series, xScale: 'log', xReverse: true, width: 640 });
  const pos = new Map<string, number>();
  for (const m of svg.matchAll(/<text x="([\d.]+)" y="[\d.]+" text-anchor="middle" class="tick-label">([^<]+)<\/text>/g)) pos.set(m[2]!, Number(m[1]));
  assert.equal([...pos.keys()].sort(), ['1', '10', '100', '2', '20', '5', '50'].sort());
  assert.ok(pos.get('100')! < pos.get('10')! && pos.get('10')! < pos.get('1')!, 'reversed');
  const decade1 = pos.get('10')! - pos.get('100')!;
  const decade2 = pos.get('1')! - pos.get('10')!;
  assert.ok(Math.abs(decade1 - decade2) < 0.02, `equal decades: ${decade1} vs ${decade2}`);
  // log10(2) of a decade from 1 toward 10.
  assert.ok(Math.abs((pos.get('1')! - pos.get('2')!) / decade1 - Math.log10(2)) < 1e-3);
});

test('explicit x ticks are used and thinned', () => {
  const levels = [100, 80, 64, 51.2, 41, 32.8, 26.2, 21, 16.8, 13.4, 10.7, 8.59, 6.87, 5.5, 4.4, 3.52, 2.81, 2.25, 1.8];
  const svg = linePlot({ title: 't', xLabel: 'x', yLabel: 'y', series: [{ name: 's', points: levels.map((x) => ({ x, y: x })) }], xScale: 'log', xReverse: true, xTicks: levels });
  const labels = [...svg.matchAll(/class="tick-label">([^<]+)</g)].map((m) => m[1]);
  assert.ok(labels.includes('100') && labels.includes('1.8'), labels.join(','));
  assert.ok(labels.length > 5 && labels.length < levels.length + 8, labels.join(','));
});

test('non-finite and non-positive (log) points are skipped; an empty plot says so', () => {
  const svg = linePlot({ title: 't', xLabel: 'x', yLabel: 'y', xScale: 'log', series: [{ name: 's', points: [{ x: 0, y: 1 }, { x: 10, y: NaN }, { x: 5, y: 2 }, { x: 50, y: 3 }] }] });
  assert.equal(markupProblems(svg), []);
  assert.is(count(svg, /class="marker"/), 2);
  assert.not.ok(svg.includes('NaN'));
  const empty = linePlot({ title: 't', xLabel: 'x', yLabel: 'y', series: [] });
  assert.equal(markupProblems(empty), []);
  assert.ok(empty.includes('no data'));
});

test('yDomain clips: markers outside it are not drawn', () => {
  const svg = linePlot({ title: 't', xLabel: 'x', yLabel: 'y', yDomain: [90, 100], series: [{ name: 's', points: [{ x: 0, y: 10 }, { x: 1, y: 95 }, { x: 2, y: 99 }] }] });
  assert.is(count(svg, /class="marker"/), 2);
  assert.ok(svg.includes('clip-path="url(#clip-'));
});

test('series with many points are drawn without markers', () => {
  const points = Array.from({ length: MAX_MARKERS + 1 }, (_, i) => ({ x: i, y: Math.sin(i) }));
  const svg = linePlot({ title: 't', xLabel: 'x', yLabel: 'y', series: [{ name: 'dense', points }, { name: 'sparse', points: points.slice(0, 3) }] });
  assert.is(count(svg, /class="marker"/), 3);
  assert.is(count(svg, /class="series-line"/), 2);
});

test('output is deterministic', () => {
  const o = { title: 't', xLabel: 'x', yLabel: 'y', series };
  assert.is(linePlot(o), linePlot(o));
});

test('escapeXml escapes the five XML specials', () => {
  assert.is(escapeXml(`a<b>&"c'`), 'a&lt;b&gt;&amp;&quot;c&#39;');
});

test.run();
