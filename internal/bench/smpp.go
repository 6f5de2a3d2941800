package bench

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"time"
)

// smppProvider is the name the smpp scenario gives its provider.
const smppProvider = "bench-smsc"

// smppWindow is the bench provider's --window.
const smppWindow = 50

// routeApplies bounds the wait for the server to pick up the route (it
// reads its providers' configuration every second).
const routeApplies = 15 * time.Second

// smpp runs the e2e open loop with the bench's number routed to an SMPP
// provider bound to the SMSC simulator (answers and receipts without delay),
// so each message goes accept → submit_sm → submit_sm_resp → receipt
// (deliver_sm) → message.delivery webhook. The provider and the route are
// added with `redcloud admin` beside the running server, and removed after.
func (r *runner) smpp(ctx context.Context) Result {
	const name = ScenarioSMPP
	if r.db == "" {
		return skipped(name, "needs a server started by bench")
	}
	if err := r.useReceiver(ctx); err != nil {
		return skipped(name, err.Error())
	}
	sim, err := startSimulator(ctx, r.cfg.SMSCDir, "--receipt-delay-ms", "0")
	if err != nil {
		return skipped(name, err.Error())
	}
	defer sim.stop()
	// A window of 50: submits in flight bound a bind's rate at window /
	// round trip, and on a busy machine the simulator's round trip is tens
	// of milliseconds; the default 10 would measure that, not the server.
	if err := r.admin(ctx, "provider", "add", smppProvider, "--url", sim.url(), "--window", strconv.Itoa(smppWindow)); err != nil {
		return skipped(name, err.Error())
	}
	defer func() {
		// Back to the sandbox for the scenarios after this one; the
		// server applies it within a second, then unbinds.
		for _, args := range [][]string{{"number", "route", r.t.number, "--clear"}, {"provider", "remove", smppProvider}} {
			if err := r.admin(context.WithoutCancel(ctx), args...); err != nil {
				r.progress("%s: %v", name, err)
			}
		}
		sleep(ctx, 2*time.Second)
	}()
	if err := r.admin(ctx, "number", "route", r.t.number, smppProvider); err != nil {
		return skipped(name, err.Error())
	}
	if err := r.awaitRoute(ctx, sim); err != nil {
		return skipped(name, err.Error())
	}

	before, err := sim.submits(ctx)
	if err != nil {
		return skipped(name, err.Error())
	}
	simCPU := startCPU(sim.pid()) // the measured window only
	res := r.openLoop(ctx, name)
	after, err := sim.submits(ctx)
	cores := simCPU.cores()
	if err == nil && res.Seconds > 0 {
		res.Notes = append(res.Notes, fmt.Sprintf("%s submit_sm received by the SMSC simulator, %s submits/s over the same time as the throughput",
			thousands(float64(after-before)), thousands(float64(after-before)/res.Seconds)))
	}
	if cores != nil {
		res.Notes = append(res.Notes, fmt.Sprintf("the SMSC simulator (node, answers and receipts without delay; one bind, window %d) used %.2f cores: part of the OTHER column", smppWindow, *cores))
	}
	if e := r.e2eRes; e != nil && e.Skipped == "" && e.Throughput > 0 {
		res.Notes = append(res.Notes, fmt.Sprintf("%.0f%% of the sandbox provider's e2e throughput in this run (%s messages/s; p99 %s against %s), both offered %s sends/s",
			100*res.Throughput/e.Throughput, thousands(e.Throughput), fmtDuration(res.Latency.P99), fmtDuration(e.Latency.P99), thousands(r.cfg.E2ERate)))
	}
	return res
}

// awaitRoute sends a probe every 100 ms until one reaches the simulator:
// the server then sends the number's messages over SMPP. Probes sent
// before go through the sandbox; the receiver ignores their webhooks.
func (r *runner) awaitRoute(ctx context.Context, sim *simulator) error {
	deadline := time.Now().Add(routeApplies)
	for i := int64(0); time.Now().Before(deadline) && ctx.Err() == nil; i++ {
		if n, err := sim.submits(ctx); err == nil && n > 0 {
			return nil
		}
		if err := r.t.sendDiscard(ctx, r.t.sendBody(9_000_000+i, 1), r.t.key("smpp-probe", i)); err != nil {
			return fmt.Errorf("probe send: %w", err)
		}
		sleep(ctx, 100*time.Millisecond)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return fmt.Errorf("the route to %s did not apply within %s", smppProvider, routeApplies)
}

// admin runs `redcloud admin ARGS --db DB` on the started server's
// database.
func (r *runner) admin(ctx context.Context, args ...string) error {
	argv := append(slices.Clone(r.cfg.Command), "admin")
	argv = append(append(argv, args...), "--db", r.db)
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = childEnv(r.cfg.Env)
	out, err := cmd.CombinedOutput()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			err = errors.New(strings.TrimSpace(string(out)))
		}
		return fmt.Errorf("redcloud admin %s: %w", strings.Join(args[:min(2, len(args))], " "), err)
	}
	return nil
}
