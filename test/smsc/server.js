'use strict';
// SMSC simulator for testing SMPP clients (ESMEs), on node-smpp 0.5.1.
//
//   node test/smsc/server.js --port 2775 --control-port 8775 [settings...]
//
// Prints one JSON line when ready: {"smpp":PORT,"control":PORT,"pid":PID}.
// Settings (see config.js and README.md) can be given as flags at startup
// and changed at runtime through the HTTP control API (control.js).

const config = require('./config');
const { SMSC } = require('./smsc');
const { createControl } = require('./control');

function log(msg) {
	process.stderr.write(`${new Date().toISOString()} smsc: ${msg}\n`);
}

async function main() {
	let args;
	try {
		args = config.parseArgs(process.argv.slice(2));
	} catch (e) {
		process.stderr.write(`smsc: ${e.message}\n`);
		process.exit(2);
	}
	const cfg = config.defaults();
	const smsc = new SMSC(cfg, log);
	// Startup flags go through the same validation as the control API; the
	// listener starts before refusing/frozen apply so the port is known.
	let changes;
	try {
		changes = config.validatePatch(args.patch, cfg);
	} catch (e) {
		process.stderr.write(`smsc: ${e.message}\n`);
		process.exit(2);
	}
	const refusing = changes.refusing === true;
	delete changes.refusing;
	await smsc.apply(changes);
	const smppPort = await smsc.listen(args.proc.port, args.proc.host);
	if (refusing) await smsc.apply({ refusing: true });

	const control = createControl(smsc, log);
	await new Promise((resolve, reject) => {
		control.once('error', reject);
		control.listen(args.proc['control-port'], args.proc.host, resolve);
	});
	process.stdout.write(JSON.stringify({ smpp: smppPort, control: control.address().port, pid: process.pid }) + '\n');
	log(`listening: smpp ${args.proc.host}:${smppPort}, control http://${args.proc.host}:${control.address().port}`);

	// Under a test harness: exit when the parent goes away (its end of our
	// stdin closes), so a killed test run leaves no simulator behind.
	if (args.proc['exit-on-stdin-close']) {
		process.stdin.on('end', () => process.exit(0));
		process.stdin.on('error', () => process.exit(0));
		process.stdin.resume();
	}
}

for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => process.exit(0));

main().catch((e) => {
	process.stderr.write(`smsc: ${e.stack || e.message}\n`);
	process.exit(1);
});
