import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeBase64, decodeQuotedPrintable, htmlToText, messageBody, splitHeaders } from '../../src/data/email.ts';

const plain = [
  'From sender@example.org  Thu Aug 22 12:36:23 2002',
  'Return-Path: <sender@example.org>',
  'Received: from mail.example.org (mail.example.org [10.0.0.1])',
  '\tby mx.example.net with ESMTP id 1234',
  'From: Cheap Pills <sender@example.org>',
  'Subject: YOUR ACCOUNT WINNER',
  'X-Spam-Status: Yes, hits=12.3',
  '',
  'Dear  friend,',
  'You   have WON a prize.',
  '',
  'Bye',
].join('\r\n');

test('the headers go, up to the first blank line; the body is collapsed and lowercased', () => {
  const body = messageBody(plain);
  assert.is(body, 'dear friend, you have won a prize. bye');
  for (const h of ['from:', 'subject:', 'received', 'x-spam', 'winner', 'sender@example.org', 'return-path']) assert.not.ok(body.includes(h), h);
});

test('splitHeaders unfolds continuation lines and keeps the first of repeated headers', () => {
  const p = splitHeaders('Received: a\n  b\nReceived: c\nSubject: s\n\nbody\n');
  assert.is(p.headers.get('received'), 'a b');
  assert.is(p.headers.get('subject'), 's');
  assert.is(p.body, 'body\n');
  assert.is(splitHeaders('Subject: only headers').body, '');
});

const multipart = [
  'From: Spammer <s@example.com>',
  'Subject: Hot offer',
  'MIME-Version: 1.0',
  'Content-Type: multipart/mixed; boundary="OUTER"',
  '',
  'This is a multi-part message in MIME format.',
  '--OUTER',
  'Content-Type: multipart/alternative; boundary=INNER',
  '',
  '--INNER',
  'Content-Type: text/plain; charset=iso-8859-1',
  'Content-Transfer-Encoding: quoted-printable',
  '',
  'Caf=E9 prices are very lo=',
  'w today =3D 50% off',
  '--INNER',
  'Content-Type: text/html',
  '',
  '<html><body>HTML VERSION</body></html>',
  '--INNER--',
  '--OUTER',
  'Content-Type: text/html; charset="utf-8"',
  'Content-Transfer-Encoding: base64',
  '',
  btoa('<p>Click <b>here</b>&nbsp;&amp; win</p><style>p {color: red}</style>'),
  '--OUTER',
  'Content-Type: image/gif; name="x.gif"',
  'Content-Transfer-Encoding: base64',
  '',
  'R0lGODlhAQABAIAAAP///wAAACwAAAAAAQABAAACAkQBADs=',
  '--OUTER',
  'Content-Type: message/rfc822',
  '',
  'From: Inner Sender <inner@example.com>',
  'Subject: Forwarded secret',
  '',
  'Inner body text',
  '--OUTER--',
  'epilogue is dropped',
].join('\n');

test('MIME: alternative keeps text/plain, base64 and quoted-printable decode, HTML tags go, attachments and part headers go', () => {
  const body = messageBody(multipart);
  assert.is(body, 'café prices are very low today = 50% off click here & win inner body text');
  for (const h of ['content-type', 'html version', 'multi-part', 'subject', 'forwarded secret', 'inner@example.com', 'r0lgod', 'epilogue', 'outer']) {
    assert.not.ok(body.includes(h), h);
  }
});

test('decoders: soft breaks, charset, bad base64, entities', () => {
  assert.is(decodeQuotedPrintable('a=\nb=C3=A9', 'utf-8'), 'abé');
  assert.is(decodeQuotedPrintable('x=E9'), 'xé'); // no charset: windows-1252
  assert.is(decodeQuotedPrintable('x=E9', 'no-such-charset'), 'xé');
  assert.is(decodeBase64(btoa('hello')), 'hello');
  assert.is(htmlToText('a<br/>b&lt;c&#65;&#x42;<!-- hidden --><script>x()</script>'), 'a b<cAB  ');
});

test('a message without a blank line has no body; a text/html top-level body is detagged', () => {
  assert.is(messageBody('From: a\nSubject: b'), '');
  assert.is(messageBody('Content-Type: text/html\n\n<HTML><BODY><FONT size=3>Buy NOW</FONT></BODY></HTML>'), 'buy now');
});

test.run();
