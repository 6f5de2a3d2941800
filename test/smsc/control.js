'use strict';
// The HTTP control API: JSON in, JSON out, on loopback. Every switch of
// config.js is a setting (PATCH /config); the named actions below are
// shorthands for the common ones plus the one-shot actions (drop, MO, ...).
// A bad request gets 400 {"error": ...} and changes nothing.

const http = require('http');
const { validatePatch } = require('./config');

const MAX_BODY = 1 << 20;

class HTTPError extends Error {
	constructor(code, message) {
		super(message);
		this.code = code;
	}
}

function readJSON(req) {
	return new Promise((resolve, reject) => {
		const chunks = [];
		let size = 0;
		req.on('data', (c) => {
			size += c.length;
			if (size > MAX_BODY) {
				reject(new HTTPError(413, 'body too large'));
				req.destroy();
				return;
			}
			chunks.push(c);
		});
		req.on('end', () => {
			const text = Buffer.concat(chunks).toString('utf8').trim();
			if (text === '') return resolve({});
			try {
				resolve(JSON.parse(text));
			} catch (e) {
				reject(new HTTPError(400, `body is not JSON: ${e.message}`));
			}
		});
		req.on('error', reject);
	});
}

// filter applies ?since=N (records after n) and field filters (?dest=...).
function filter(list, query, fields) {
	let out = list;
	if (query.has('since')) {
		const since = Number(query.get('since'));
		if (!Number.isInteger(since)) throw new HTTPError(400, 'since must be an integer');
		out = out.filter((r) => r.n > since);
	}
	for (const [param, field] of Object.entries(fields)) {
		if (query.has(param)) out = out.filter((r) => String(r[field]) === query.get(param));
	}
	return out;
}

function routes(smsc) {
	// patch validates then applies: the shared path of every setting change.
	const patch = async (body) => {
		await smsc.apply(validatePatch(body, smsc.cfg));
		return smsc.cfg;
	};
	return {
		'GET /config': () => smsc.cfg,
		'PATCH /config': (body) => patch(body),
		'GET /stats': () => smsc.statsSnapshot(),
		'GET /submits': (body, q) => filter(smsc.submits, q, { dest: 'destAddr', session: 'session' }),
		'DELETE /submits': () => {
			smsc.submits.length = 0;
			return {};
		},
		'GET /delivers': (body, q) => filter(smsc.delivers, q, { kind: 'kind', state: 'state' }),
		'DELETE /delivers': () => {
			smsc.delivers.length = 0;
			return {};
		},
		'GET /binds': (body, q) => filter(smsc.binds, q, {}),
		'GET /enquires': (body, q) => filter(smsc.enquires, q, {}),
		'GET /sessions': () => smsc.sessions(),
		'POST /mo': (body) => smsc.mo(body),
		'POST /receipt': (body) => smsc.receipt(body),
		// {"count": N} throttles the next N submits; no count: all of them
		// until DELETE /throttle. "status" picks the code (0x58 or 0x14).
		'POST /throttle': (body) => {
			const p = { throttle: body.count ?? 'all' };
			if ('status' in body) p.throttleStatus = body.status;
			return patch(p);
		},
		'DELETE /throttle': () => patch({ throttle: 0 }),
		'POST /swallow': (body) => {
			const p = { swallow: body.count ?? 1 };
			if ('closeAfterMs' in body) p.swallowCloseMs = body.closeAfterMs;
			return patch(p);
		},
		'POST /drop': () => ({ dropped: smsc.drop() }),
		'POST /freeze': () => patch({ frozen: true }),
		'POST /unfreeze': () => patch({ frozen: false }),
		'POST /refuse': () => patch({ refusing: true }),
		'POST /accept': () => patch({ refusing: false }),
		'POST /enquire': (body) => {
			const t = body.timeoutMs ?? 1000;
			if (!Number.isInteger(t) || t < 0 || t > 60000) throw new HTTPError(400, 'timeoutMs must be an integer in [0, 60000]');
			return smsc.enquire(t);
		},
		'POST /unbind': () => ({ unbound: smsc.unbindAll() }),
	};
}

function createControl(smsc, log) {
	const table = routes(smsc);
	return http.createServer(async (req, res) => {
		const url = new URL(req.url, 'http://control');
		const handler = table[`${req.method} ${url.pathname}`];
		let code = 200, out;
		try {
			if (!handler) throw new HTTPError(404, `no route ${req.method} ${url.pathname}; see README.md`);
			const body = await readJSON(req);
			if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new HTTPError(400, 'body must be a JSON object');
			out = await handler(body, url.searchParams);
		} catch (e) {
			code = e.code && Number.isInteger(e.code) ? e.code : 400;
			out = { error: e.message };
			log(`control ${req.method} ${url.pathname}: ${code} ${e.message}`);
		}
		const text = JSON.stringify(out);
		res.writeHead(code, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
		res.end(text);
	});
}

module.exports = { createControl };
