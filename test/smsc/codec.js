'use strict';
// Text and id codecs of the simulator: message ids, short_message decoding,
// UDH parsing, MO encoding and splitting, and the receipt text. Pure
// functions, no I/O, so that server.js stays about the protocol.

const smpp = require('smpp');

// Receipt stats and their message_state TLV values (SMPP v3.4, 5.2.28).
const MESSAGE_STATE = {
	ENROUTE: 1, DELIVRD: 2, EXPIRED: 3, DELETED: 4,
	UNDELIV: 5, ACCEPTD: 6, UNKNOWN: 7, REJECTD: 8,
};

// formatId renders the numeric message id n in the given format. "mixed"
// alternates decimal and hexadecimal by parity, the way some aggregators mix
// upstream carriers; ids start high enough (see config) that hex ids contain
// letters, so a client that parses them as decimal fails visibly.
function formatId(n, format, hexCase) {
	if (format === 'mixed') format = n % 2 === 0 ? 'dec' : 'hex';
	if (format === 'dec') return String(n);
	const hex = n.toString(16);
	return hexCase === 'upper' ? hex.toUpperCase() : hex;
}

// decodeText turns user data into a string by data_coding: 0 GSM 03.38
// (unpacked septets, as SMPP carries them), 1 IA5/ASCII, 3 Latin-1, 8 UCS-2
// big-endian. Anything else is binary and yields null.
function decodeText(buf, dataCoding) {
	switch (dataCoding & 0xff) {
	case 0: return smpp.gsmCoder.decode(buf, 0);
	case 1: return buf.toString('ascii');
	case 3: return buf.toString('latin1');
	case 8: {
		const even = Buffer.from(buf.subarray(0, buf.length - (buf.length % 2)));
		return even.swap16().toString('utf16le');
	}
	default: return null;
	}
}

// encodeText is the inverse of decodeText, for MO messages. It throws on a
// character the coding cannot carry: a test asking for that is a test bug.
function encodeText(text, dataCoding) {
	switch (dataCoding) {
	case 0:
		if (!smpp.encodings.ASCII.match(text)) throw new Error('text has characters outside GSM 03.38; use dataCoding 8');
		return smpp.gsmCoder.encode(text, 0);
	case 1:
		if (!/^[\x00-\x7f]*$/.test(text)) throw new Error('text has non-ASCII characters; use dataCoding 3 or 8');
		return Buffer.from(text, 'ascii');
	case 3:
		if (!/^[\x00-\xff]*$/.test(text)) throw new Error('text has characters outside Latin-1; use dataCoding 8');
		return Buffer.from(text, 'latin1');
	case 8:
		return Buffer.from(text, 'utf16le').swap16();
	default:
		throw new Error('dataCoding must be 0, 1, 3 or 8');
	}
}

// splitUDH separates the user data header (when esm_class has UDHI, 0x40)
// from the text and reads a concatenation element (IEI 0x00 with an 8-bit
// reference, or 0x08 with a 16-bit one) if there is one.
function splitUDH(sm, esmClass) {
	if (!(esmClass & 0x40) || sm.length === 0 || sm[0] + 1 > sm.length) {
		return { udh: null, body: sm, concat: null };
	}
	const udh = sm.subarray(0, sm[0] + 1);
	let concat = null;
	for (let i = 1; i + 1 < udh.length;) {
		const iei = udh[i], len = udh[i + 1], v = udh.subarray(i + 2, i + 2 + len);
		if (iei === 0x00 && len === 3) concat = { ref: v[0], total: v[1], seq: v[2] };
		if (iei === 0x08 && len === 4) concat = { ref: v.readUInt16BE(0), total: v[2], seq: v[3] };
		i += 2 + len;
	}
	return { udh, body: sm.subarray(udh.length), concat };
}

// splitParts cuts text into n parts of near-equal length in code points, so
// that a surrogate pair is never cut in two.
function splitParts(text, n) {
	const cps = Array.from(text);
	if (n > cps.length) throw new Error(`cannot split ${cps.length} characters into ${n} parts`);
	const parts = [];
	const size = Math.ceil(cps.length / n);
	for (let i = 0; i < n; i++) parts.push(cps.slice(i * size, (i + 1) * size).join(''));
	if (parts.some((p) => p === '')) throw new Error(`cannot split ${cps.length} characters into ${n} non-empty parts`);
	return parts;
}

// smppDate renders YYMMDDhhmm in UTC, the date format of receipt texts.
function smppDate(d) {
	const p = (v) => String(v).padStart(2, '0');
	return p(d.getUTCFullYear() % 100) + p(d.getUTCMonth() + 1) + p(d.getUTCDate()) +
		p(d.getUTCHours()) + p(d.getUTCMinutes());
}

// receiptText builds the de-facto standard receipt text (SMPP v3.4 Appendix
// B). keyCase "upper" gives the capitalised variant some vendors send. The
// text: field echoes the first 20 characters of the message, which is how a
// message containing "stat:" ends up inside a receipt.
function receiptText({ id, stat, err, submitDate, doneDate, text, keyCase }) {
	const k = (s) => (keyCase === 'upper' ? s.toUpperCase() : s);
	const dlvrd = stat === 'DELIVRD' ? '001' : '000';
	// Receipts go out as data_coding 0; keep the echo inside printable ASCII.
	const echo = Array.from(text || '').slice(0, 20).map((c) => (/[\x20-\x7e]/.test(c) ? c : '?')).join('');
	return `${k('id')}:${id} ${k('sub')}:001 ${k('dlvrd')}:${dlvrd} ${k('submit date')}:${smppDate(submitDate)} ` +
		`${k('done date')}:${smppDate(doneDate)} ${k('stat')}:${stat} ${k('err')}:${err} ${k('text')}:${echo}`;
}

module.exports = { MESSAGE_STATE, formatId, decodeText, encodeText, splitUDH, splitParts, smppDate, receiptText };
