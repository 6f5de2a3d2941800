'use strict';
// The simulator's behaviour switches: their defaults, their validation, and
// the command-line flags that set them at startup. The control API changes
// the same switches at runtime (PATCH /config), so a behaviour is always
// reachable both ways and validated in one place.

const smpp = require('smpp');
const { MESSAGE_STATE } = require('./codec');

function defaults() {
	return {
		systemId: 'redcloud',
		password: 'secret',
		// Message ids: dec | hex | mixed (alternating). They count up from
		// idStart, chosen so that hex ids contain letters (a1b20000...).
		idFormat: 'dec',
		idStart: 0xa1b20000,
		hexCase: 'lower',
		// Receipts: by destination, else receiptDefault; "none" sends none.
		receiptDefault: 'DELIVRD',
		receipts: {},
		receiptDelayMs: 50,
		receiptTlv: true, // receipted_message_id + message_state TLVs
		receiptKeyCase: 'lower', // upper: "ID:... STAT:..."
		receiptId: 'same', // same | dec | hex: the id re-encoded in the receipt
		receiptVia: 'deliver_sm', // or data_sm
		receiptRetryMs: 1000, // after an error deliver_sm_resp
		// Submit answers: a command_status by destination (0 = accept).
		statusByDest: {},
		respDelayMs: 0, // answer submits this much later (a slow SMSC)
		// Throttle: the next N submits (-1: all, until cleared) get throttleStatus.
		throttle: 0,
		throttleStatus: smpp.ESME_RTHROTTLED,
		// Swallow: the next N submits get no answer; their connection closes
		// swallowCloseMs later.
		swallow: 0,
		swallowCloseMs: 0,
		frozen: false, // stop reading and writing on every connection
		refusing: false, // listener closed: connections are refused
	};
}

const STATS = Object.keys(MESSAGE_STATE);

function oneOf(name, allowed) {
	return (v) => {
		if (!allowed.includes(v)) throw new Error(`${name} must be one of ${allowed.join(', ')}; got ${JSON.stringify(v)}`);
		return v;
	};
}

function int(name, min, max) {
	return (v) => {
		const n = typeof v === 'string' && /^(0x[0-9a-f]+|-?\d+)$/i.test(v) ? Number(v) : v;
		if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${name} must be an integer in [${min}, ${max}]; got ${JSON.stringify(v)}`);
		return n;
	};
}

function bool(name) {
	return (v) => {
		if (v === true || v === 'true' || v === 'on' || v === '1') return true;
		if (v === false || v === 'false' || v === 'off' || v === '0') return false;
		throw new Error(`${name} must be true or false (on/off); got ${JSON.stringify(v)}`);
	};
}

function cstring(name, max) {
	return (v) => {
		if (typeof v !== 'string' || v.length > max || /[\x00]/.test(v)) throw new Error(`${name} must be a string of at most ${max} characters`);
		return v;
	};
}

// status accepts a number, "0x0B" or an ESME_* name.
function status(name) {
	return (v) => {
		if (typeof v === 'string' && /^ESME_/.test(v)) {
			if (!(v in smpp.errors)) throw new Error(`${name}: unknown status ${v}`);
			return smpp.errors[v];
		}
		return int(name, 0, 0xffffffff)(v);
	};
}

// receiptStat accepts "none", a stat ("UNDELIV") or a stat with its err
// field ("UNDELIV:034").
function receiptStat(name) {
	return (v) => {
		const m = typeof v === 'string' && v.match(/^([A-Z]+)(?::(\d{3}))?$/);
		if (v !== 'none' && !(m && STATS.includes(m[1]))) {
			throw new Error(`${name} must be none or one of ${STATS.join(', ')} (optionally STAT:ERR, err 3 digits); got ${JSON.stringify(v)}`);
		}
		return v;
	};
}

// byDest validates a destination map; a null value removes the entry (so a
// PATCH can clear one destination without resending the map).
function byDest(name, value) {
	return (v, current) => {
		if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error(`${name} must be an object keyed by destination`);
		const out = Object.assign({}, current);
		for (const [dest, x] of Object.entries(v)) {
			if (!/^[0-9A-Za-z+]{1,20}$/.test(dest)) throw new Error(`${name}: bad destination ${JSON.stringify(dest)}`);
			if (x === null) delete out[dest];
			else out[dest] = value(`${name}.${dest}`)(x);
		}
		return out;
	};
}

const VALIDATE = {
	systemId: cstring('systemId', 15),
	password: cstring('password', 8),
	idFormat: oneOf('idFormat', ['dec', 'hex', 'mixed']),
	idStart: int('idStart', 0, Number.MAX_SAFE_INTEGER),
	hexCase: oneOf('hexCase', ['lower', 'upper']),
	receiptDefault: receiptStat('receiptDefault'),
	receipts: byDest('receipts', receiptStat),
	receiptDelayMs: int('receiptDelayMs', 0, 3600000),
	receiptTlv: bool('receiptTlv'),
	receiptKeyCase: oneOf('receiptKeyCase', ['lower', 'upper']),
	receiptId: oneOf('receiptId', ['same', 'dec', 'hex']),
	receiptVia: oneOf('receiptVia', ['deliver_sm', 'data_sm']),
	receiptRetryMs: int('receiptRetryMs', 0, 3600000),
	statusByDest: byDest('statusByDest', status),
	respDelayMs: int('respDelayMs', 0, 3600000),
	throttle: (v) => (v === 'all' ? -1 : int('throttle', -1, 1e9)(v)),
	throttleStatus: status('throttleStatus'),
	swallow: int('swallow', 0, 1e9),
	swallowCloseMs: int('swallowCloseMs', 0, 3600000),
	frozen: bool('frozen'),
	refusing: bool('refusing'),
};

// validatePatch checks every key of patch against the current config and
// returns the normalised changes; it throws on the first bad key, before
// anything is applied (a bad request changes nothing).
function validatePatch(patch, current) {
	if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) throw new Error('body must be a JSON object');
	const out = {};
	for (const [k, v] of Object.entries(patch)) {
		if (!(k in VALIDATE)) throw new Error(`unknown setting ${JSON.stringify(k)}; known: ${Object.keys(VALIDATE).join(', ')}`);
		out[k] = VALIDATE[k](v, current[k]);
	}
	return out;
}

// Flags: --name value or --name=value. Settings take their kebab-case name
// (--receipt-delay-ms 100); the map settings are repeatable (--receipt
// DEST=STAT, --status DEST=CODE); --freeze and --refuse need no value.
const FLAG_ALIASES = { receipt: 'receipts', status: 'statusByDest', freeze: 'frozen', refuse: 'refusing' };
const PROCESS_FLAGS = { port: 0, 'control-port': 0, host: '127.0.0.1', 'exit-on-stdin-close': false };

function camel(s) {
	return s.replace(/-([a-z])/g, (_, c) => c.toUpperCase());
}

function parseArgs(argv) {
	const proc = Object.assign({}, PROCESS_FLAGS);
	const patch = {};
	for (let i = 0; i < argv.length; i++) {
		const m = argv[i].match(/^--([a-z-]+)(?:=(.*))?$/);
		if (!m) throw new Error(`unexpected argument ${JSON.stringify(argv[i])}`);
		const name = m[1];
		const key = FLAG_ALIASES[name] || camel(name);
		if (!(name in PROCESS_FLAGS) && !(key in VALIDATE)) throw new Error(`unknown flag --${name}; see README.md`);
		const boolean = name === 'exit-on-stdin-close' || key === 'frozen' || key === 'refusing';
		let value = m[2];
		if (value === undefined) {
			if (boolean) value = 'true';
			else if (i + 1 < argv.length) value = argv[++i];
			else throw new Error(`flag --${name} needs a value`);
		}
		if (name in PROCESS_FLAGS) {
			proc[name] = name === 'host' ? value : name === 'exit-on-stdin-close' ? bool(name)(value) : int(name, 0, 65535)(value);
		} else if (key === 'receipts' || key === 'statusByDest') {
			const kv = value.match(/^([^=]+)=(.+)$/);
			if (!kv) throw new Error(`--${name} takes DEST=VALUE; got ${JSON.stringify(value)}`);
			patch[key] = Object.assign(patch[key] || {}, { [kv[1]]: kv[2] });
		} else {
			patch[key] = value;
		}
	}
	return { proc, patch };
}

module.exports = { defaults, validatePatch, parseArgs };
