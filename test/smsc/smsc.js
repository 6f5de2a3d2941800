'use strict';
// The SMSC: accepts ESME connections, checks binds, answers submits by the
// configured rules, records everything, and delivers receipts and MO
// messages (deliver_sm) to the binds that can receive them. The control API
// (control.js) reads the records and flips the switches.

const smpp = require('smpp');
const codec = require('./codec');

// Keep short_message and message_payload as raw bytes: node-smpp would
// decode them to strings (and re-encode ours), losing exactly what the tests
// want to check (the bytes the ESME sent, its UDH, its coding).
for (const name of Object.keys(smpp.commands)) {
	const p = smpp.commands[name].params;
	if (p && p.short_message) delete p.short_message.filter;
}
delete smpp.tlvs.message_payload.filter;

const MAX_RECORDS = 200000; // per log; the oldest go first (long benches)

function cap(list) {
	if (list.length > MAX_RECORDS * 1.1) list.splice(0, list.length - MAX_RECORDS);
}

function now() {
	return new Date().toISOString();
}

class SMSC {
	constructor(cfg, log) {
		this.cfg = cfg;
		this.log = log;
		this.nextId = cfg.idStart;
		this.conns = new Set();
		this.nextConn = 1;
		this.rr = 0; // round robin over receiving binds
		this.port = 0;
		this.host = '127.0.0.1';
		this.seq = { submit: 0, deliver: 0, bind: 0, enquire: 0 };
		this.submits = [];
		this.delivers = []; // receipts and MO, with their delivery state
		this.binds = []; // bind attempts and unbinds, in order
		this.enquires = []; // enquire_links sent to the ESME
		this.pending = []; // delivers waiting for a receiving bind
		this.stats = {
			connectionsTotal: 0, binds: { transceiver: 0, transmitter: 0, receiver: 0 }, bindFailures: 0,
			unbinds: 0, unbindsSent: 0, enquireLinks: 0, enquireSent: 0, enquireAnswered: 0,
			submits: 0, submitsAccepted: 0, submitsRejected: 0, submitsSwallowed: 0,
			receiptsSent: 0, receiptsAcked: 0, moSent: 0, moAcked: 0, drops: 0,
		};
		this.server = smpp.createServer((session) => this.onSession(session));
		this.server.on('error', (e) => this.log(`listener error: ${e.message}`));
	}

	// listen binds the SMPP listener; port 0 picks a free port, kept for
	// later (refuse/accept re-listens on the same one).
	listen(port, host) {
		this.host = host;
		return new Promise((resolve, reject) => {
			const onError = (e) => reject(e);
			this.server.once('error', onError);
			this.server.listen(port, host, () => {
				this.server.removeListener('error', onError);
				this.port = this.server.address().port;
				resolve(this.port);
			});
		});
	}

	// apply sets validated settings (config.validatePatch) and performs
	// the side effects of the switches that act on connections.
	async apply(changes) {
		const wasFrozen = this.cfg.frozen;
		const wasRefusing = this.cfg.refusing;
		Object.assign(this.cfg, changes);
		if ('idStart' in changes) this.nextId = changes.idStart;
		if (this.cfg.frozen !== wasFrozen) this.setFrozen(this.cfg.frozen);
		if (this.cfg.refusing !== wasRefusing) await this.setRefusing(this.cfg.refusing);
	}

	onSession(session) {
		const conn = {
			id: this.nextConn++, session, bound: null, systemId: '', doomed: false,
			openedAt: now(), remote: `${session.socket.remoteAddress}:${session.socket.remotePort}`,
			outstanding: new Map(), // sequence -> deliver record awaiting its resp
		};
		this.conns.add(conn);
		this.stats.connectionsTotal++;
		this.log(`conn ${conn.id} open from ${conn.remote}`);
		if (this.cfg.frozen) session.pause();
		// A malformed PDU or a reset: node-smpp stops parsing; end the link.
		session.on('error', (e) => {
			this.log(`conn ${conn.id} error: ${e.message}`);
			session.destroy();
		});
		session.on('close', () => this.onClose(conn));
		session.on('pdu', (pdu) => {
			try {
				this.onPDU(conn, pdu);
			} catch (e) {
				// A PDU we cannot handle must not take the simulator down.
				this.log(`conn ${conn.id} error handling ${pdu.command}: ${e.stack || e.message}`);
				session.destroy();
			}
		});
	}

	onClose(conn) {
		this.conns.delete(conn);
		this.log(`conn ${conn.id} closed`);
		// A deliver_sm without its resp was not delivered: carriers retry
		// it on the next bind, so do we (ahead of newer ones).
		const back = [...conn.outstanding.values()];
		conn.outstanding.clear();
		for (const rec of back) {
			rec.state = 'pending';
			rec.requeued++;
		}
		this.pending.unshift(...back);
		this.dispatch();
	}

	onPDU(conn, pdu) {
		if (conn.doomed) return; // a swallowed link: nothing more is answered
		switch (pdu.command) {
		case 'bind_transceiver':
		case 'bind_transmitter':
		case 'bind_receiver':
			return this.onBind(conn, pdu);
		case 'submit_sm':
		case 'data_sm':
			return this.onSubmit(conn, pdu);
		case 'enquire_link':
			this.stats.enquireLinks++;
			return conn.session.send(pdu.response());
		case 'unbind':
			return this.onUnbind(conn, pdu);
		default:
			if (pdu.isResponse()) return; // matched to its request by node-smpp
			if (!smpp.commands[pdu.command + '_resp']) {
				// outbind, alert_notification...: no _resp exists.
				return conn.session.send(new smpp.PDU('generic_nack', {
					sequence_number: pdu.sequence_number, command_status: smpp.ESME_RINVCMDID,
				}));
			}
			return conn.session.send(pdu.response({ command_status: smpp.ESME_RINVCMDID }));
		}
	}

	onBind(conn, pdu) {
		const type = pdu.command.slice('bind_'.length);
		let status = smpp.ESME_ROK;
		if (conn.bound) status = smpp.ESME_RALYBND;
		else if (pdu.system_id !== this.cfg.systemId) status = smpp.ESME_RBINDFAIL;
		else if (pdu.password !== this.cfg.password) status = smpp.ESME_RINVPASWD;
		this.binds.push({
			n: ++this.seq.bind, time: now(), session: conn.id, op: 'bind', type,
			systemId: pdu.system_id, systemType: pdu.system_type, interfaceVersion: pdu.interface_version, status,
		});
		cap(this.binds);
		if (status !== smpp.ESME_ROK) {
			this.stats.bindFailures++;
			this.log(`conn ${conn.id} bind ${type} as ${JSON.stringify(pdu.system_id)} refused: 0x${status.toString(16)}`);
			return conn.session.send(pdu.response({ command_status: status }));
		}
		conn.bound = type;
		conn.systemId = pdu.system_id;
		this.stats.binds[type]++;
		this.log(`conn ${conn.id} bound ${type}`);
		conn.session.send(pdu.response({ system_id: 'redcloud-smsc' }));
		this.dispatch(); // queued receipts and MO go out on a new receiver
	}

	onUnbind(conn, pdu) {
		this.stats.unbinds++;
		this.binds.push({ n: ++this.seq.bind, time: now(), session: conn.id, op: 'unbind', type: conn.bound, status: 0 });
		conn.bound = null; // nothing more is delivered on it
		conn.session.send(pdu.response(), () => conn.session.close());
	}

	onSubmit(conn, pdu) {
		const cfg = this.cfg;
		this.stats.submits++;
		const sm = Buffer.isBuffer(pdu.short_message) ? pdu.short_message : Buffer.alloc(0);
		const payload = Buffer.isBuffer(pdu.message_payload) ? pdu.message_payload : null;
		const esm = pdu.esm_class || 0;
		const dc = pdu.data_coding || 0;
		const ud = codec.splitUDH(sm.length === 0 && payload ? payload : sm, esm);
		const rec = {
			n: ++this.seq.submit, time: now(), session: conn.id, command: pdu.command, sequence: pdu.sequence_number,
			serviceType: pdu.service_type || '',
			sourceAddr: pdu.source_addr, sourceTon: pdu.source_addr_ton, sourceNpi: pdu.source_addr_npi,
			destAddr: pdu.destination_addr, destTon: pdu.dest_addr_ton, destNpi: pdu.dest_addr_npi,
			esmClass: esm, registeredDelivery: pdu.registered_delivery || 0, dataCoding: dc,
			shortMessageHex: sm.toString('hex'), messagePayloadHex: payload ? payload.toString('hex') : '',
			udhHex: ud.udh ? ud.udh.toString('hex') : '', concat: ud.concat, text: codec.decodeText(ud.body, dc),
			sarMsgRefNum: pdu.sar_msg_ref_num ?? null, sarTotalSegments: pdu.sar_total_segments ?? null,
			sarSegmentSeqnum: pdu.sar_segment_seqnum ?? null,
			status: 0, messageId: '', swallowed: false, receipt: null,
		};
		this.submits.push(rec);
		cap(this.submits);

		if (conn.bound !== 'transceiver' && conn.bound !== 'transmitter') {
			rec.status = smpp.ESME_RINVBNDSTS;
		} else if (cfg.swallow > 0) {
			// The submit arrived, but its answer is lost with the link: the
			// ESME cannot know whether it was accepted.
			cfg.swallow--;
			rec.swallowed = true;
			this.stats.submitsSwallowed++;
			conn.doomed = true;
			conn.session.pause();
			this.log(`conn ${conn.id} swallowed submit seq ${pdu.sequence_number}; closing in ${cfg.swallowCloseMs} ms`);
			setTimeout(() => conn.session.destroy(), cfg.swallowCloseMs);
			return;
		} else if (cfg.throttle !== 0) {
			rec.status = cfg.throttleStatus;
			if (cfg.throttle > 0) cfg.throttle--;
		} else if (rec.destAddr in cfg.statusByDest) {
			rec.status = cfg.statusByDest[rec.destAddr];
		}
		if (rec.status !== 0) {
			this.stats.submitsRejected++;
			return this.answer(conn, pdu.response({ command_status: rec.status }));
		}

		this.stats.submitsAccepted++;
		rec.idNumber = this.nextId++;
		rec.messageId = codec.formatId(rec.idNumber, cfg.idFormat, cfg.hexCase);
		this.answer(conn, pdu.response({ message_id: rec.messageId }));

		// registered_delivery bits 0-1: 1 = receipt on final state, 2 = on
		// failure only, 0 = none (SMPP v3.4, 5.2.17; 3 is reserved, taken as 1).
		const stat = cfg.receipts[rec.destAddr] ?? cfg.receiptDefault;
		const rd = rec.registeredDelivery & 0x03;
		if (stat === 'none' || rd === 0 || (rd === 2 && stat.startsWith('DELIVRD'))) return;
		rec.receipt = stat;
		setTimeout(() => this.queueReceipt(rec, stat), cfg.receiptDelayMs);
	}

	// answer sends a submit's response, respDelayMs later when set (equal
	// delays keep the order). A link closed meanwhile gets nothing.
	answer(conn, resp) {
		if (this.cfg.respDelayMs === 0) return conn.session.send(resp);
		const fire = () => {
			if (conn.doomed) return;
			if (this.cfg.frozen) return setTimeout(fire, 20); // frozen: nothing is written
			conn.session.send(resp);
		};
		setTimeout(fire, this.cfg.respDelayMs);
	}

	queueReceipt(sub, statSpec) {
		const cfg = this.cfg;
		const [stat, errField] = statSpec.split(':');
		const err = errField || (stat === 'DELIVRD' ? '000' : '001');
		const id = cfg.receiptId === 'same' ? sub.messageId : codec.formatId(sub.idNumber, cfg.receiptId, cfg.hexCase);
		const text = codec.receiptText({
			id, stat, err, submitDate: new Date(sub.time), doneDate: new Date(), text: sub.text, keyCase: cfg.receiptKeyCase,
		});
		// The receipt travels back: from the handset to the sender.
		const params = {
			source_addr_ton: sub.destTon, source_addr_npi: sub.destNpi, source_addr: sub.destAddr,
			dest_addr_ton: sub.sourceTon, dest_addr_npi: sub.sourceNpi, destination_addr: sub.sourceAddr,
			esm_class: 0x04, data_coding: 0,
		};
		if (cfg.receiptVia === 'data_sm') params.message_payload = Buffer.from(text, 'ascii');
		else params.short_message = Buffer.from(text, 'ascii');
		if (cfg.receiptTlv) {
			params.receipted_message_id = id;
			params.message_state = codec.MESSAGE_STATE[stat];
		}
		this.deliver({ kind: 'receipt', command: cfg.receiptVia, params, messageId: id, submit: sub.n, stat, err, text });
	}

	// receipt queues a receipt for a submit an earlier run of the simulator
	// took: a restart forgets what it owed, while a carrier's SMSC keeps its
	// receipts across a crash; a test hands them back this way. It throws on
	// bad input before queueing anything.
	receipt(req) {
		if (req === null || typeof req !== 'object') throw new Error('body must be a JSON object');
		const { messageId, from, to } = req;
		const stat = req.stat ?? 'DELIVRD';
		if (typeof messageId !== 'string' || !/^[0-9A-Za-z]{1,64}$/.test(messageId)) throw new Error('messageId must be 1 to 64 letters or digits');
		for (const [k, v] of [['from', from], ['to', to]]) {
			if (typeof v !== 'string' || !/^[0-9A-Za-z+ ]{1,20}$/.test(v)) throw new Error(`${k} must be an address of 1 to 20 characters`);
		}
		if (!(String(stat).split(':')[0] in codec.MESSAGE_STATE)) throw new Error(`stat must be one of ${Object.keys(codec.MESSAGE_STATE).join(', ')}`);
		const text = typeof req.text === 'string' ? req.text : '';
		const alpha = (a) => /[^0-9+]/.test(a);
		// The submit as it went: from the ESME's number to the handset.
		const sub = {
			n: 0, time: typeof req.submitTime === 'string' ? req.submitTime : now(), messageId, idNumber: null, text,
			sourceAddr: to, sourceTon: alpha(to) ? 5 : 1, sourceNpi: alpha(to) ? 0 : 1,
			destAddr: from, destTon: 1, destNpi: 1,
		};
		const saved = this.cfg.receiptId;
		this.cfg.receiptId = 'same'; // the id as given
		try {
			this.queueReceipt(sub, stat);
		} finally {
			this.cfg.receiptId = saved;
		}
		return { deliver: this.seq.deliver };
	}

	// mo pushes a mobile-originated message, split into parts with UDH (or
	// SAR TLVs) when asked. It throws on bad input before queueing anything.
	mo(req) {
		if (req === null || typeof req !== 'object') throw new Error('body must be a JSON object');
		const { from, to, text } = req;
		const dataCoding = req.dataCoding ?? 0;
		const parts = req.parts ?? 1;
		const sar = req.sar ?? false;
		for (const [k, v] of [['from', from], ['to', to]]) {
			if (typeof v !== 'string' || !/^[0-9A-Za-z+ ]{1,20}$/.test(v)) throw new Error(`${k} must be an address of 1 to 20 characters`);
		}
		if (typeof text !== 'string' || text === '') throw new Error('text must be a non-empty string');
		if (![0, 1, 3, 8].includes(dataCoding)) throw new Error('dataCoding must be 0, 1, 3 or 8');
		if (!Number.isInteger(parts) || parts < 1 || parts > 255) throw new Error('parts must be an integer in [1, 255]');
		if (typeof sar !== 'boolean') throw new Error('sar must be a boolean');
		const bodies = (parts > 1 ? codec.splitParts(text, parts) : [text]).map((t) => codec.encodeText(t, dataCoding));
		const room = parts > 1 && !sar ? 254 - 6 : 254;
		if (bodies.some((b) => b.length > room)) throw new Error(`a part exceeds ${room} octets; ask for more parts`);

		const ref = sar ? Math.floor(Math.random() * 65536) : Math.floor(Math.random() * 256);
		const alpha = /[^0-9+]/.test(from);
		const ns = bodies.map((body, i) => {
			const params = {
				source_addr_ton: alpha ? 5 : 1, source_addr_npi: alpha ? 0 : 1, source_addr: from,
				dest_addr_ton: 1, dest_addr_npi: 1, destination_addr: to,
				esm_class: 0, data_coding: dataCoding, short_message: body,
			};
			if (parts > 1 && sar) {
				Object.assign(params, { sar_msg_ref_num: ref, sar_total_segments: parts, sar_segment_seqnum: i + 1 });
			} else if (parts > 1) {
				params.esm_class = 0x40;
				params.short_message = Buffer.concat([Buffer.from([5, 0, 3, ref, parts, i + 1]), body]);
			}
			return this.deliver({ kind: 'mo', command: 'deliver_sm', params, from, to, part: i + 1, parts });
		});
		return { parts, ref: parts > 1 ? ref : null, delivers: ns };
	}

	deliver(rec) {
		// The PDU fields stay out of the JSON; a readable summary goes in.
		const p = rec.params;
		Object.defineProperty(rec, 'params', { value: p, enumerable: false });
		const ud = p.short_message || p.message_payload;
		Object.assign(rec, {
			sourceAddr: p.source_addr, destAddr: p.destination_addr, esmClass: p.esm_class, dataCoding: p.data_coding,
			userDataHex: ud.toString('hex'),
		});
		Object.assign(rec, {
			n: ++this.seq.deliver, time: now(), state: 'pending', attempts: 0, requeued: 0,
			session: null, sequence: null, sentAt: null, respStatus: null, ackedAt: null,
		});
		this.delivers.push(rec);
		cap(this.delivers);
		this.pending.push(rec);
		this.dispatch();
		return rec.n;
	}

	receivers() {
		return [...this.conns].filter((c) => (c.bound === 'transceiver' || c.bound === 'receiver') &&
			!c.doomed && c.session.socket.writable);
	}

	// dispatch sends what is pending, round robin over the receiving binds;
	// with none (or frozen) it stays queued, as at a carrier.
	dispatch() {
		if (this.cfg.frozen) return;
		while (this.pending.length > 0) {
			const rs = this.receivers();
			if (rs.length === 0) return;
			const conn = rs[this.rr++ % rs.length];
			this.sendDeliver(conn, this.pending.shift());
		}
	}

	sendDeliver(conn, rec) {
		const pdu = new smpp.PDU(rec.command, Object.assign({}, rec.params));
		rec.attempts++;
		rec.state = 'sent';
		rec.session = conn.id;
		rec.sentAt = now();
		this.stats[rec.kind === 'mo' ? 'moSent' : 'receiptsSent']++;
		conn.session.send(pdu, (resp) => this.onDeliverResp(conn, rec, resp));
		rec.sequence = pdu.sequence_number;
		conn.outstanding.set(pdu.sequence_number, rec);
	}

	onDeliverResp(conn, rec, resp) {
		conn.outstanding.delete(resp.sequence_number);
		rec.respStatus = resp.command_status;
		if (resp.command_status === 0) {
			rec.state = 'acked';
			rec.ackedAt = now();
			this.stats[rec.kind === 'mo' ? 'moAcked' : 'receiptsAcked']++;
			return;
		}
		// Refused (e.g. ESME_RX_T_APPN, or a generic_nack): try again later.
		rec.state = 'retry';
		setTimeout(() => {
			rec.state = 'pending';
			this.pending.push(rec);
			this.dispatch();
		}, this.cfg.receiptRetryMs);
	}

	setFrozen(frozen) {
		this.log(frozen ? 'frozen' : 'unfrozen');
		for (const c of this.conns) {
			if (frozen) c.session.pause();
			else if (!c.doomed) c.session.resume();
		}
		if (!frozen) this.dispatch();
	}

	async setRefusing(refusing) {
		if (refusing) {
			this.log('refusing connections (listener closed)');
			this.server.close();
			return;
		}
		try {
			await this.listen(this.port, this.host);
		} catch (e) {
			this.cfg.refusing = true; // still down: say so, change nothing
			throw new Error(`cannot listen on ${this.port} again: ${e.message}`);
		}
		this.log(`accepting connections again on ${this.port}`);
	}

	drop() {
		const n = this.conns.size;
		this.stats.drops++;
		this.log(`dropping ${n} connections`);
		for (const c of this.conns) c.session.destroy();
		return n;
	}

	// enquire sends enquire_link on every bound link and waits up to
	// timeoutMs for the answers.
	enquire(timeoutMs) {
		if (this.cfg.frozen) throw new Error('frozen: nothing can be sent; unfreeze first');
		const bound = [...this.conns].filter((c) => c.bound && !c.doomed);
		const waits = bound.map((c) => {
			const rec = { n: ++this.seq.enquire, time: now(), session: c.id, answered: false, rttMs: null };
			const t0 = Date.now();
			this.enquires.push(rec);
			this.stats.enquireSent++;
			const done = new Promise((resolve) => {
				c.session.enquire_link(() => {
					rec.answered = true;
					rec.rttMs = Date.now() - t0;
					this.stats.enquireAnswered++;
					resolve();
				});
			});
			return { rec, done };
		});
		cap(this.enquires);
		const all = Promise.all(waits.map((w) => w.done));
		const timeout = new Promise((resolve) => setTimeout(resolve, timeoutMs).unref());
		return Promise.race([all, timeout]).then(() => {
			const results = waits.map((w) => Object.assign({}, w.rec));
			return { sent: results.length, answered: results.filter((r) => r.answered).length, results };
		});
	}

	// unbindAll is the SMSC closing the binds gracefully (maintenance).
	unbindAll() {
		const bound = [...this.conns].filter((c) => c.bound && !c.doomed);
		for (const c of bound) {
			this.stats.unbindsSent++;
			c.bound = null;
			c.session.unbind(() => c.session.close());
			setTimeout(() => c.session.destroy(), 1000).unref();
		}
		return bound.length;
	}

	sessions() {
		return [...this.conns].map((c) => ({
			id: c.id, remote: c.remote, openedAt: c.openedAt, bound: c.bound, systemId: c.systemId,
			doomed: c.doomed, outstanding: c.outstanding.size,
		}));
	}

	statsSnapshot() {
		const bound = { transceiver: 0, transmitter: 0, receiver: 0 };
		for (const c of this.conns) if (c.bound) bound[c.bound]++;
		return Object.assign({}, this.stats, {
			connectionsOpen: this.conns.size, bound, pending: this.pending.length,
			frozen: this.cfg.frozen, refusing: this.cfg.refusing,
		});
	}
}

module.exports = { SMSC };
